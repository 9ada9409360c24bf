// `snatscope watch [TARGET...]`: live nginx access logs of the target pods through the Kubernetes API (kubectl logs -f /
// stern, but robust), classified and stored; the run itself is src/watch/run.ts. Ctrl-C (or q in the TUI) stops the
// streams, flushes the store and exits 0 (SIGTERM: 143; a second signal exits at once).
import { Option, type Command } from 'commander';
import { untilSignal } from '../shutdown.js';
import { runWatch, type WatchOptions } from '../watch/run.js';
import { addClassifyOptions, addDbOption, addFormatOption, addWaitOption } from './common.js';

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('follow the nginx access logs of pods live through the Kubernetes API, classify and store every request')
    .argument('[targets...]', 'pod name, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME, or a pod-name regex')
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s, else default)')
    .option('-A, --all-namespaces', 'pods in every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=nginx')
    .option('-c, --container <name>', 'container name or regex (default: all containers)')
    .option('--since <duration>', 'start with lines newer than this, e.g. 10m, 1h')
    .option('--since-time <time>', 'start with lines after this time (RFC3339 or "YYYY-MM-DD HH:MM")')
    .option('--tail <n>', 'start with the last N lines of each log (-1: all)')
    .option('--no-follow', 'read what the logs hold now and exit')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)');
  addDbOption(cmd);
  addWaitOption(cmd);
  addFormatOption(cmd);
  addClassifyOptions(cmd);
  cmd
    .addOption(new Option('--output <mode>', 'tui (default on a terminal), lines, json (NDJSON) or none').choices(['tui', 'lines', 'json', 'none']))
    .option('--max-streams <n>', 'log streams open at once; more containers wait in a queue', '50')
    .option('--metrics <[host:]port>', 'serve Prometheus metrics on /metrics (and /healthz, /readyz)')
    .addHelpText(
      'after',
      `
A stream that drops (reset, idle, clean end while the container runs, server errors) resumes where it stopped, without
a gap or a duplicate; a restart of snatscope resumes from the cursors stored in the database.

Examples:
  snatscope watch deploy/ingress-nginx-controller -n ingress-nginx
  snatscope watch -l app=nginx --output lines
  snatscope watch 'web-.*' --since 15m --output json > requests.ndjson
  snatscope watch svc/web --no-follow --tail 1000`,
    )
    .action(async (targets: string[], flags: WatchOptions) => {
      // Ctrl-C is how a watch ends: exit 0 after the flush; SIGTERM: 143.
      const { result, received } = await untilSignal((signal) => runWatch({ ...flags, targets, output: flags.output }, { signal }));
      process.exitCode = received === 'SIGTERM' ? 143 : result.exitCode;
    });
}
