// `snatscope reclassify`: recompute class, owner and recovered client of the stored rows with new classification
// flags (say, a --trust added after the ingest), rollups included; the run is src/ingest/reclassify.ts.
import { Option, type Command } from 'commander';
import { runReclassify, type ReclassifyFlags } from '../ingest/reclassify.js';
import { addClassifyOptions, addDbOption, addWaitOption, collect } from './common.js';

export function registerReclassify(program: Command): void {
  const cmd = program
    .command('reclassify')
    .description('recompute the stored requests\' classes and recovered clients with new --trust/--topology/... flags');
  addDbOption(cmd);
  addWaitOption(cmd);
  cmd
    .option('--topology <file>', 'kubectl get nodes,pods,services -A -o json output (repeatable; default: the stored topology)', collect, [])
    .option('--node-ip <ip[=node]>', 'an address owned by a node (repeatable)', collect, [])
    .option('--pod-cidr <cidr[=node]>', "a node's pod CIDR (repeatable)", collect, []);
  addClassifyOptions(cmd);
  cmd
    .option('--from <time>', 'only rows from this time (RFC3339, YYYY-MM-DD HH:MM, or a duration ago)')
    .option('--until <time>', 'only rows before this time')
    .option('-q, --quiet', 'no progress, only the summary')
    // Rows per transaction (default 20,000); small values let tests interrupt a run between chunks.
    .addOption(new Option('--chunk <rows>', 'rows per transaction').hideHelp())
    .addHelpText(
      'after',
      `
Examples:
  snatscope reclassify --trust 10.151.40.10/32
  snatscope reclassify --topology topology.json --from 24h`,
    )
    .action(async (flags: ReclassifyFlags) => {
      const r = await runReclassify(flags);
      process.stdout.write(r.stdout);
      process.exitCode = r.code;
    });
}
