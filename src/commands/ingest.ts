// `snatscope ingest [FILE...|-]`: saved logs (plain or gzip) or stdin through the same pipeline as live streams; the
// run is src/ingest/run.ts. SIGINT/SIGTERM stop at a chunk boundary, commit what was read and exit 130/143.
import { Option, type Command } from 'commander';
import { runIngest, type IngestFlags } from '../ingest/run.js';
import { addClassifyOptions, addDbOption, addFormatOption, addWaitOption, collect } from './common.js';

export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .description('read saved nginx logs (files, .gz, or - for stdin), classify every client address, store every request')
    .argument('[files...]', 'log files; - or nothing (with a pipe) reads stdin');
  addDbOption(cmd);
  addWaitOption(cmd);
  addFormatOption(cmd);
  cmd
    .option('--topology <file>', 'kubectl get nodes,pods -A -o json output (repeatable)', collect, [])
    .option('--node-ip <ip[=node]>', 'an address owned by a node (repeatable)', collect, [])
    .option('--pod-cidr <cidr[=node]>', "a node's pod CIDR (repeatable)", collect, []);
  addClassifyOptions(cmd);
  cmd
    .option('--pod <name>', 'attribute the lines to this pod (default: the file name without extension)')
    .option('-n, --namespace <ns>', 'namespace of the pod (default: from the topology, else default)')
    .option('-q, --quiet', 'no progress or format notes, only the summary')
    .addOption(
      // Advanced: 1 parses on the main thread, 2 in a worker thread (default: a worker for files of 1 MB or more).
      new Option('--threads <n>', 'parse threads: 1 or 2').choices(['1', '2']).hideHelp(),
    )
    .addHelpText(
      'after',
      `
Examples:
  snatscope ingest access.log
  kubectl logs deploy/nginx --timestamps --prefix | snatscope ingest - --topology nodes.json
  snatscope ingest /var/log/pods/default_nginx-*/nginx/0.log.gz --trust 10.151.40.0/24`,
    )
    .action(async (files: string[], flags: IngestFlags) => {
      process.exitCode = await runIngest(files, flags);
    });
}
