// `snatscope watch [TARGET...]`: live nginx access logs of the target pods through the Kubernetes API (kubectl logs -f /
// stern, but robust), classified and stored; the run itself is src/watch/run.ts. Ctrl-C (or q in the TUI) stops the
// streams, flushes the store and exits 0 (SIGTERM: 143; a second signal exits at once).
import type { Command } from 'commander';
import { untilSignal } from '../shutdown.js';
import { runWatch, type WatchOptions } from '../watch/run.js';
import {
  addClassifyOptions, addDbOption, addFormatOption, addKubeconfigOptions, addMetricsOption, addPodOptions, addViewOption, addWaitOption, collect,
} from './common.js';

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('follow the nginx access logs of pods live through the Kubernetes API, classify and store every request')
    .argument('[targets...]', 'pod name, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME, or a pod-name regex');
  addPodOptions(cmd)
    .option('--all-containers', 'every container of each pod (the default; kubectl\'s flag)')
    .option('--exclude-pod <regex>', 'never read pods whose name matches (repeatable)', collect, [])
    .option('--exclude-container <regex>', 'never read containers whose name matches (repeatable)', collect, [])
    .option('--since <duration>', 'start with lines newer than this, e.g. 10m, 1h')
    .option('--since-time <time>', 'start with lines after this time (RFC3339 or "YYYY-MM-DD HH:MM")')
    .option('--tail <n>', 'start with the last N lines of each log (-1: all)')
    .option('-f, --follow', 'keep following the logs (the default; --follow=false or --no-follow to stop)')
    .option('--no-follow', 'read what the logs hold now and exit')
    .option('-p, --previous', 'read the previous (ended) instance of each container, like kubectl logs -p, and exit');
  for (const add of [addKubeconfigOptions, addDbOption, addWaitOption, addFormatOption, addClassifyOptions, addViewOption]) add(cmd);
  cmd
    .option('--timestamps', 'lines output: the request time (RFC3339) first')
    .option('--prefix', 'lines output: [pod/NAME/CONTAINER] on every line')
    .option('--include <regex>', 'show only lines matching (repeatable; the database keeps every line)', collect, [])
    .option('--exclude <regex>', 'do not show lines matching (repeatable; the database keeps every line)', collect, [])
    .option('--max-streams <n>', 'log streams open at once; more containers wait in a queue (default 50)')
    .option('--max-log-requests <n>', 'the same as --max-streams (stern\'s and kubectl\'s name)');
  addMetricsOption(cmd)
    .addHelpText(
      'after',
      `
A stream that drops (reset, idle, clean end while the container runs, server errors) resumes where it stopped, without
a gap or a duplicate. Without --since, --since-time or --tail a new run resumes from the cursors stored in the
database (and says so); with them, what is printed follows the flag, and lines stored before are not stored again.

Examples:
  snatscope watch deploy/ingress-nginx-controller -n ingress-nginx
  snatscope watch -l app=nginx -o lines --timestamps --prefix
  snatscope watch 'web-.*' --since 15m -o json > requests.ndjson
  snatscope watch svc/web --follow=false --tail 1000
  snatscope watch ds/kube-proxy -n kube-system -p`,
    )
    .action(async (targets: string[], flags: WatchOptions) => {
      // Ctrl-C is how a watch ends: exit 0 after the flush; SIGTERM: 143.
      const { result, received } = await untilSignal((signal) => runWatch({ ...flags, targets, output: flags.output }, { signal }));
      process.exitCode = received === 'SIGTERM' ? 143 : result.exitCode;
    });
}
