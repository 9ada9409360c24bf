// `snatscope agent [TARGET...]`: the node agent (one per node, deploy/agent-daemonset.yaml). Reads the kubelet's log
// files of the selected pods on its node (src/agent/) instead of streaming them through the API, stores every request
// exactly once (file positions committed with the rows), and serves --metrics. SIGINT/SIGTERM: commit and exit.
import type { Command } from 'commander';
import { DEFAULT_PODS_DIR } from '../agent/flags.js';
import { runAgent, type AgentOptions } from '../agent/run.js';
import { untilSignal } from '../shutdown.js';
import {
  addClassifyOptions, addDbOption, addFormatOption, addKubeconfigOptions, addMetricsOption, addPodOptions, addViewOption, addWaitOption,
} from './common.js';

export { runAgent };

export function registerAgent(program: Command): void {
  const cmd = program
    .command('agent')
    .description('on one node: read the kubelet\'s log files of the node\'s nginx pods, classify and store every request')
    .argument('[targets...]', 'pod name, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME, or a pod-name regex')
    .option('--node <name>', 'the node this agent runs on (default: $NODE_NAME)')
    .option('--pods-dir <path>', 'the kubelet\'s pods log folder', DEFAULT_PODS_DIR);
  for (const add of [addPodOptions, addKubeconfigOptions, addDbOption, addWaitOption, addFormatOption, addClassifyOptions, addViewOption, addMetricsOption]) add(cmd);
  cmd
    .addHelpText(
      'after',
      `
The API is asked only for metadata: one watch of the pods on the node (fieldSelector spec.nodeName), and the nodes and
services for the topology. Log files are followed through the kubelet's rotation (renamed, gzipped) and container
restarts; a restart of the agent resumes at the committed positions, also in files rotated meanwhile.

Examples:
  snatscope agent -A -l app=nginx --output none --metrics 9464          # in the DaemonSet (NODE_NAME set)
  snatscope agent deploy/web -n shop --node worker-1 --pods-dir /var/log/pods`,
    )
    .action(async (targets: string[], flags: AgentOptions) => {
      const { result, received } = await untilSignal((signal) => runAgent({ ...flags, targets }, { signal }));
      process.exitCode = received === 'SIGTERM' ? 143 : result.exitCode;
    });
}
