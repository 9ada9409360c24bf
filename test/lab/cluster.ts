// The lab as a Kubernetes cluster: the API emulator (src/emulator/) serving the lab's nodes, pods and NodePort
// service with the lab's addresses, each backend pod's log endpoint streaming that pod's real nginx access log;
// and the same cluster as `kubectl get nodes,pods -A -o json` style List files for `snatscope ingest --topology`.
//
//   const c = await LabCluster.start(lab, 'Cluster', dir); ... c.kubeconfig; await c.setPolicy('Local'); await c.close();
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterModel, Emulator } from '../../src/emulator/index.js';
import type { Lab } from './lab.js';
import { BACKENDS, NAMESPACE, NODES, PODS, SERVICE, kubeObjects, type Policy } from './topology.js';

/** The container name of every backend pod (the official nginx image's). */
export const NGINX_CONTAINER = 'nginx';

export class LabCluster {
  private readonly tails: { close(): void }[] = [];

  private constructor(
    readonly lab: Lab,
    readonly model: ClusterModel,
    readonly emulator: Emulator,
    /** Path of the kubeconfig that points at the emulator. */
    readonly kubeconfig: string,
  ) {}

  /** Starts the emulator on 127.0.0.1 with the lab's cluster under `policy`; writes `dir`/kubeconfig. */
  static async start(lab: Lab, policy: Policy, dir: string): Promise<LabCluster> {
    const model = new ClusterModel();
    for (const n of NODES) {
      model.addNode({ name: n.name, internalIP: n.internalIPs[0], internalIPv6: n.internalIPs[1], podCIDRs: [...n.podCIDRs] });
    }
    for (const p of PODS) {
      const backend = p.role === 'backend';
      model.addPod({
        namespace: p.namespace,
        name: p.name,
        nodeName: p.node,
        ip: p.ips[0],
        ips: [...p.ips],
        labels: { ...p.labels },
        containers: [backend ? { name: NGINX_CONTAINER, image: 'nginx:1.22' } : { name: 'curl', image: 'curlimages/curl' }],
      });
    }
    model.addService({
      namespace: NAMESPACE,
      name: SERVICE.name,
      type: 'NodePort',
      selector: { ...SERVICE.selector },
      externalTrafficPolicy: policy,
      ports: [{ name: 'http', port: SERVICE.port, targetPort: SERVICE.targetPort, nodePort: SERVICE.nodePort }],
    });
    const emulator = new Emulator(model);
    const kubeconfig = join(dir, 'kubeconfig');
    const cluster = new LabCluster(lab, model, emulator, kubeconfig);
    try {
      const files = lab.logFiles();
      for (const p of BACKENDS) {
        cluster.tails.push(model.attachLogFile(p.namespace, p.name, NGINX_CONTAINER, files[p.name].main, { pollMs: 25 }));
      }
      await emulator.start({ host: '127.0.0.1' });
      emulator.writeKubeconfig(kubeconfig, { namespace: NAMESPACE });
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Switches the service's externalTrafficPolicy in the API (the lab's NAT rules are switched by lab.switchPolicy). */
  setPolicy(policy: Policy): void {
    this.model.patch('services', NAMESPACE, SERVICE.name, { spec: { externalTrafficPolicy: policy } });
  }

  /** Lines each backend pod's log endpoint holds now. */
  served(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of BACKENDS) {
      const c = this.model.podState(p.namespace, p.name)?.containers.find((x) => x.name === NGINX_CONTAINER);
      out[p.name] = c ? c.log.end : 0;
    }
    return out;
  }

  /** Waits until every pod's log endpoint holds every line its nginx wrote (the file tail polls). */
  async waitServed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const logs = this.lab.readLogs();
      const served = this.served();
      const short = BACKENDS.filter((p) => served[p.name] < (logs[p.name]?.length ?? 0));
      if (short.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`lab cluster: log endpoint behind for ${short.map((p) => `${p.name} (${served[p.name]}/${logs[p.name].length})`).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops the file tails and the emulator. Safe to call twice. */
  async close(): Promise<void> {
    for (const t of this.tails.splice(0)) t.close();
    await this.emulator.close();
    this.model.close();
  }
}

/**
 * Writes the lab's nodes and pods (and, with `services`, the service) as one `kubectl get nodes,pods -A -o json`
 * style List; returns its path.
 */
export function writeTopologyFile(path: string, policy: Policy, opts: { services?: boolean } = {}): string {
  const { nodes, pods, services } = kubeObjects(policy);
  const items = [...nodes, ...pods, ...(opts.services ? services : [])];
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2));
  return path;
}
