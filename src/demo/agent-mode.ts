// `snatscope demo --agent`: the DaemonSet path on the demo cluster. The emulated kubelet of one node writes its pods'
// logs as CRI files under a temporary pods folder, rotating them by size as the kubelet does (a small size, so
// rotations happen within minutes), and `snatscope agent` reads that folder for that node, asking the API only for
// metadata. A real cluster runs one agent per node; the demo runs the one of ydzs-node2 (two of the three nginx pods).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModelKubelet } from '../emulator/kubelet-writer.js';
import type { AgentOptions, AgentRuntime } from '../agent/flags.js';
import { runAgent } from '../agent/run.js';
import type { DemoCluster } from './session.js';

export const AGENT_NODE = 'ydzs-node2';
/** The demo rotates at 256 KiB (the kubelet's default is 10 MiB) and checks every 2 s (kubelet: 10 s). */
export const DEMO_ROTATE_BYTES = 256 * 1024;
const DEMO_MONITOR_MS = 2000;

/** Runs the agent of AGENT_NODE over the emulated kubelet's files until the signal; resolves with its exit code. */
export async function runDemoAgent(
  cluster: DemoCluster,
  options: Omit<AgentOptions, 'node' | 'podsDir'>,
  rt: AgentRuntime,
  say: (msg: string) => void,
): Promise<number> {
  const podsDir = join(cluster.dir, 'pods');
  mkdirSync(podsDir, { recursive: true });
  const kubelet = new ModelKubelet(cluster.model, { node: AGENT_NODE, dir: podsDir, maxSize: DEMO_ROTATE_BYTES, monitorMs: DEMO_MONITOR_MS }).start();
  say(
    `the kubelet of ${AGENT_NODE} writes its pods' logs under ${podsDir} (rotated at ${DEMO_ROTATE_BYTES / 1024} KiB); ` +
      `snatscope agent --node ${AGENT_NODE} reads them (one agent per node in a cluster)`,
  );
  try {
    const res = await runAgent({ ...options, node: AGENT_NODE, podsDir }, rt);
    return res.exitCode;
  } finally {
    kubelet.stop();
  }
}
