// The classification flags shared by ingest, watch and the parse worker (--topology, --node-ip, --pod-cidr, --trust,
// --internal-cidr) turned into a Topology and a Classifier. No database import: the worker thread loads this.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Classifier, Topology, loadTopologyFiles } from './index.js';
import { expandTrust } from './trust-hint.js';

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
  // `--trust nodes`: the topology's node addresses (as known now; a live watch does not add later nodes to it).
  const classifier = new Classifier(topology, { internalCidrs: flags.internalCidr ?? [], trust: expandTrust(flags.trust ?? [], topology) });
  return { topology, classifier };
}

function splitAssign(spec: string): [string, string | undefined] {
  const eq = spec.indexOf('=');
  return eq === -1 ? [spec, undefined] : [spec.slice(0, eq), spec.slice(eq + 1) || undefined];
}

/**
 * The classification flags as a canonical record (stored per database, compared by ingest): the address lists sorted,
 * the topology files by a hash of their content (the same file under another name is the same topology).
 */
export function flagsRecord(flags: ClassifyFlags): string {
  const sorted = (l: string[] | undefined) => [...(l ?? [])].map((x) => x.trim()).sort();
  let topology: string | null = null;
  if (flags.topology?.length) {
    const h = createHash('sha256');
    for (const f of [...flags.topology].sort()) {
      try {
        h.update(readFileSync(f));
      } catch {
        h.update(f);
      }
    }
    topology = h.digest('hex').slice(0, 16);
  }
  return JSON.stringify({
    trust: sorted(flags.trust),
    internalCidr: sorted(flags.internalCidr),
    nodeIp: sorted(flags.nodeIp),
    podCidr: sorted(flags.podCidr),
    topology,
  });
}

/** What differs between two flag records, in flag words ("--trust", "--topology"); empty when they agree. */
export function flagsDiffer(stored: string, now: string): string[] {
  const a = JSON.parse(stored) as Record<string, unknown>;
  const b = JSON.parse(now) as Record<string, unknown>;
  const names: Record<string, string> = { trust: '--trust', internalCidr: '--internal-cidr', nodeIp: '--node-ip', podCidr: '--pod-cidr', topology: '--topology' };
  return Object.keys(names).filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)).map((k) => names[k]);
}
