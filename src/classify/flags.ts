// The classification flags shared by ingest, watch and the parse worker (--topology, --node-ip, --pod-cidr, --trust,
// --internal-cidr) turned into a Topology and a Classifier. No database import: the worker thread loads this.
import { Classifier, Topology, loadTopologyFiles } from './index.js';

export interface ClassifyFlags {
  trust: string[];
  internalCidr: string[];
  topology?: string[];
  nodeIp?: string[];
  podCidr?: string[];
}

/** Builds the topology from files and flags, and the classifier over it. Throws UserError on bad input. */
export function buildClassifier(flags: ClassifyFlags, topology = new Topology()): { topology: Topology; classifier: Classifier } {
  if (flags.topology?.length) topology = loadTopologyFiles(flags.topology);
  for (const spec of flags.nodeIp ?? []) {
    const [ip, node] = splitAssign(spec);
    topology.addNodeIp(ip, node);
  }
  for (const spec of flags.podCidr ?? []) {
    const [cidr, node] = splitAssign(spec);
    topology.addPodCidr(cidr, node);
  }
  const classifier = new Classifier(topology, { internalCidrs: flags.internalCidr ?? [], trust: flags.trust ?? [] });
  return { topology, classifier };
}

function splitAssign(spec: string): [string, string | undefined] {
  const eq = spec.indexOf('=');
  return eq === -1 ? [spec, undefined] : [spec.slice(0, eq), spec.slice(eq + 1) || undefined];
}
