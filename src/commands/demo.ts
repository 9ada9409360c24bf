// `snatscope demo`: a simulated cluster on loopback (the Kubernetes API emulator serving 4 nodes, an nginx Deployment
// with 1 replica on ydzs-node1 and 2 on ydzs-node2, a NodePort Service and traffic that follows kube-proxy's rules),
// watched as `snatscope watch` would; the run itself is src/demo/run.ts. What `npm start` runs.
import { Option, type Command } from 'commander';
import { CNI_MODES } from '../demo/rules.js';
import { runDemo, type DemoFlags } from '../demo/run.js';
import { DEFAULT_RATE } from '../demo/traffic.js';
import { untilSignal } from '../shutdown.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run snatscope against a simulated cluster on loopback (no cluster needed): see SNAT per pod live')
    .addOption(new Option('--policy <policy>', 'initial externalTrafficPolicy of svc/nginx (Cluster or Local)').default('Cluster'))
    .option('--rate <n>', 'external requests per second', String(DEFAULT_RATE))
    .option('--seed <n>', 'seed of the traffic (same seed, same requests)', '1')
    .addOption(new Option('--cni <mode>', 'how nodes reach each other, which decides the SNAT address').choices([...CNI_MODES]).default('flannel-vxlan'))
    .option('--ipv6', 'dual-stack cluster with some IPv6 clients')
    .option('--serve', "only run the cluster: prints the kubeconfig's path (for kubectl --kubeconfig PATH or snatscope watch)")
    .option('--duration <seconds>', 'stop after this many seconds (exit 0)')
    .addOption(new Option('-o, --output <mode>', 'tui (default on a terminal), lines, json or none').choices(['tui', 'lines', 'json', 'none']))
    .option('--db <path>', 'SQLite database (default: demo.db in a new temporary directory, printed at start)')
    .option('--agent', "the DaemonSet path: the emulated kubelet writes and rotates CRI log files, snatscope agent reads them")
    .option('--metrics <[host:]port>', 'serve Prometheus metrics on /metrics (and /healthz, /readyz)')
    .addHelpText(
      'after',
      `
The cluster: ydzs-master and ydzs-node1..3 (10.151.30.0/24, podCIDRs 10.244.N.0/24), nginx pods on ydzs-node1 (1) and
ydzs-node2 (2), none on ydzs-node3, behind NodePort 32761 and a load balancer that spreads over the workers.
With Cluster every external request is SNAT'd to a node address; with Local clients are kept and the pod alone on its
node gets twice the traffic of each of the two sharing ydzs-node2. Press p in the TUI to switch the policy.

Examples:
  npx snatscope demo
  npx snatscope demo --policy Local --cni calico-ipip --ipv6
  npx snatscope demo --serve                  # prints the kubeconfig's path; then: kubectl --kubeconfig PATH get pods -o wide
  npx snatscope demo --duration 10 -o lines
  npx snatscope demo --agent --metrics 9464   # the DaemonSet path, with Prometheus metrics`,
    )
    .action(async (flags: DemoFlags) => {
      const { result, received } = await untilSignal((signal) => runDemo(flags, { signal }));
      process.exitCode = received === 'SIGTERM' ? 143 : result;
    });
}
