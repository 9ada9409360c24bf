// One running demo cluster: the emulator on loopback serving the simulated cluster, a kubeconfig pointing at it,
// the initial externalTrafficPolicy set by a PATCH through the API (as kubectl would), and the traffic flowing into
// the pods' logs. `snatscope demo` and the tests start it; close() stops traffic and server and removes the
// kubeconfig (the directory is kept when it holds the demo database).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterModel, Emulator } from '../emulator/index.js';
import { KUBE_VERSION } from '../emulator/objects.js';
import { buildDemoCluster } from './cluster.js';
import { startTraffic, type TrafficDriver } from './driver.js';
import { switchPolicy } from './policy.js';
import type { CniMode, TrafficPolicy } from './rules.js';
import { DEMO_NAMESPACE, SERVICE_NAME, demoTopology, type DemoTopology } from './topology.js';

export interface DemoClusterOptions {
  cni?: CniMode;
  ipv6?: boolean;
  policy?: TrafficPolicy;
  rate?: number;
  seed?: number;
  /** Directory for the kubeconfig; default a new temp directory (snatscope-demo-XXXXXX). */
  dir?: string;
  host?: '127.0.0.1' | '::1';
}

export interface DemoCluster {
  emulator: Emulator;
  model: ClusterModel;
  topology: DemoTopology;
  url: string;
  dir: string;
  kubeconfig: string;
  traffic: TrafficDriver;
  /** Switches the Service's externalTrafficPolicy through the API (what the TUI's "p" does). */
  switchPolicy(policy: TrafficPolicy): Promise<TrafficPolicy>;
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

/** kube-probe/<major>.<minor> of the emulated kubelet (v1.32.4 -> kube-probe/1.32). */
export function probeUserAgent(kubeletVersion = KUBE_VERSION): string {
  const m = /^v?(\d+)\.(\d+)/.exec(kubeletVersion);
  return m ? `kube-probe/${m[1]}.${m[2]}` : 'kube-probe/1.32';
}

export async function startDemoCluster(opts: DemoClusterOptions = {}): Promise<DemoCluster> {
  const topology = demoTopology({ cni: opts.cni ?? 'flannel-vxlan', ipv6: opts.ipv6 ?? false });
  const model = new ClusterModel({ maxLogLines: 20_000 });
  buildDemoCluster(model, topology);
  const emulator = new Emulator(model);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'snatscope-demo-'));
  let url: string;
  try {
    url = await emulator.start({ host: opts.host ?? '127.0.0.1' });
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfig = join(dir, 'kubeconfig');
  emulator.writeKubeconfig(kubeconfig, { context: 'snatscope-demo', namespace: DEMO_NAMESPACE });
  const sw = (policy: TrafficPolicy) => switchPolicy(kubeconfig, DEMO_NAMESPACE, SERVICE_NAME, policy);
  if ((opts.policy ?? 'Cluster') !== 'Cluster') {
    try {
      await sw(opts.policy!);
    } catch (err) {
      await emulator.close();
      throw err;
    }
  }
  const traffic = startTraffic(model, topology, { seed: opts.seed, rate: opts.rate, probeUserAgent: probeUserAgent() });
  let closed = false;
  return {
    emulator,
    model,
    topology,
    url,
    dir,
    kubeconfig,
    traffic,
    switchPolicy: sw,
    async close(closeOpts = {}) {
      if (closed) return;
      closed = true;
      traffic.stop();
      await emulator.close();
      model.close();
      rmSync(kubeconfig, { force: true });
      if (ownDir && !closeOpts.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
