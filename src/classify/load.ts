// Loads a Topology from saved `kubectl get ... -o json` output: `kubectl get nodes -o json`,
// `kubectl get pods -A -o json`, `kubectl get nodes,pods,services -A -o json` (a List), single objects
// (`kubectl get node NAME -o json`), several JSON documents in one file, or watch events
// ({"type":"ADDED","object":{...}}). Anything wrong with a file is a UserError naming the file.

import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { Topology } from './topology.js';

const HINT = 'saving it with: kubectl get nodes,pods,services -A -o json > topology.json';

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Splits text holding several concatenated JSON values into their source texts (string-aware). */
function splitDocuments(text: string): string[] {
  const docs: string[] = [];
  let depth = 0;
  let inStr = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inStr = false;
      continue;
    }
    if (c === 34) {
      inStr = true;
      if (start < 0) start = i;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0 && start >= 0) {
        docs.push(text.slice(start, i + 1));
        start = -1;
      }
      if (depth < 0) return [];
    } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) {
      return []; // something outside a JSON object: not a document stream
    }
  }
  return depth === 0 ? docs : [];
}

function looksLikeYaml(text: string): boolean {
  const t = text.trimStart();
  return /^(---|apiVersion:|kind:|items:|metadata:)/.test(t);
}

/** The JSON documents in a file's text; throws UserError (naming the file) when it is not JSON. */
function parseDocuments(path: string, text: string): unknown[] {
  if (text.trim() === '') throw new UserError(`topology file ${path}: empty`, HINT);
  try {
    return [JSON.parse(text)];
  } catch (err) {
    const docs = splitDocuments(text);
    if (docs.length > 1) {
      return docs.map((d, i) => {
        try {
          return JSON.parse(d) as unknown;
        } catch (e) {
          throw new UserError(`topology file ${path}: document ${i + 1} is not JSON (${(e as Error).message})`, HINT);
        }
      });
    }
    if (looksLikeYaml(text)) throw new UserError(`topology file ${path}: looks like YAML; only JSON is read`, `-o json instead of -o yaml, ${HINT}`);
    throw new UserError(`topology file ${path}: not JSON (${(err as Error).message})`, HINT);
  }
}

interface Counts {
  nodes: number;
  pods: number;
  services: number;
  lists: number;
  other: Set<string>;
}

function addObject(topo: Topology, o: unknown, kindHint: string | null, counts: Counts, where: string): void {
  if (Array.isArray(o)) {
    o.forEach((x, i) => addObject(topo, x, kindHint, counts, `${where}[${i}]`));
    return;
  }
  if (!isObj(o)) {
    counts.other.add(o === null ? 'null' : typeof o);
    return;
  }
  // A watch event: {"type":"ADDED","object":{...}}
  if (typeof o.type === 'string' && isObj(o.object) && o.kind === undefined) {
    if (o.type === 'DELETED' || o.type === 'ERROR' || o.type === 'BOOKMARK') return;
    addObject(topo, o.object, kindHint, counts, where);
    return;
  }
  const kind = typeof o.kind === 'string' ? o.kind : kindHint;
  if (Array.isArray(o.items) && (kind === null || kind.endsWith('List'))) {
    counts.lists++;
    const itemKind = kind !== null && kind !== 'List' ? kind.slice(0, -4) : null;
    o.items.forEach((x, i) => addObject(topo, x, itemKind, counts, `${where} items[${i}]`));
    return;
  }
  try {
    if (kind === 'Node') {
      topo.upsertNode(o);
      counts.nodes++;
    } else if (kind === 'Pod') {
      topo.upsertPod(o);
      counts.pods++;
    } else if (kind === 'Service') {
      topo.upsertService(o);
      counts.services++;
    } else {
      counts.other.add(kind ?? 'object without kind');
    }
  } catch (err) {
    throw new UserError(`${where}: ${(err as Error).message}`, HINT);
  }
}

/** Reads each file into one Topology (or into `into`). Throws UserError for an unreadable or wrong file. */
export function loadTopologyFiles(paths: string[], into: Topology = new Topology()): Topology {
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
      throw new UserError(`topology file ${path}: cannot read (${why})`, `checking the path, or ${HINT}`);
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const counts: Counts = { nodes: 0, pods: 0, services: 0, lists: 0, other: new Set() };
    for (const doc of parseDocuments(path, text)) addObject(into, doc, null, counts, `topology file ${path}`);
    if (counts.nodes + counts.pods + counts.services + counts.lists === 0) {
      const found = counts.other.size > 0 ? ` (found ${[...counts.other].slice(0, 3).join(', ')})` : '';
      throw new UserError(`topology file ${path}: no Node, Pod or Service objects${found}`, HINT);
    }
  }
  return into;
}
