// Label and field selectors as the apiserver parses them (`a=b,c!=d,e in (x,y),f notin (z),g,!h`;
// fields `metadata.name=x,spec.nodeName!=y`). Parsed once per request, matched per object.

export type SelectorOp = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists';
export interface Requirement {
  key: string;
  op: SelectorOp;
  values: string[];
}

export class SelectorError extends Error {}

const KEY = /^[A-Za-z0-9][-A-Za-z0-9_./]*$/;
const SET_EXPR = /^(\S+)\s+(in|notin)\s*\((.*)\)$/;
const EQ_EXPR = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/;

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let m: RegExpExecArray | null;
    if (term.startsWith('!')) {
      const key = term.slice(1).trim();
      if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
      reqs.push({ key, op: 'notexists', values: [] });
    } else if ((m = SET_EXPR.exec(term))) {
      if (!KEY.test(m[1])) throw new SelectorError(`unable to parse requirement: invalid label key "${m[1]}"`);
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push({ key: m[1], op: m[2] as 'in' | 'notin', values });
    } else if ((m = EQ_EXPR.exec(term))) {
      if (!KEY.test(m[1])) throw new SelectorError(`unable to parse requirement: invalid label key "${m[1]}"`);
      reqs.push({ key: m[1], op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3].trim()] });
    } else if (KEY.test(term)) {
      reqs.push({ key: term, op: 'exists', values: [] });
    } else {
      throw new SelectorError(`unable to parse requirement: found '${term}', expected: a label selector`);
    }
  }
  return reqs;
}

function matchOne(r: Requirement, has: boolean, value: string | undefined): boolean {
  switch (r.op) {
    case 'eq': return has && value === r.values[0];
    case 'neq': return !has || value !== r.values[0];
    case 'in': return has && r.values.includes(value as string);
    case 'notin': return !has || !r.values.includes(value as string);
    case 'exists': return has;
    case 'notexists': return !has;
  }
}

export function matchLabels(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    if (!matchOne(r, has, has ? labels![r.key] : undefined)) return false;
  }
  return true;
}

/** Field labels the apiserver accepts per resource (metadata.name and metadata.namespace everywhere). */
const FIELDS: Record<string, readonly string[]> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
    'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
};

export function parseFieldSelector(text: string | null | undefined, resource: string): Requirement[] {
  if (!text) return [];
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    const m = EQ_EXPR.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const key = m[1];
    if (key !== 'metadata.name' && key !== 'metadata.namespace' && !(FIELDS[resource] ?? []).includes(key)) {
      throw new SelectorError(`field label not supported: ${key}`);
    }
    reqs.push({ key, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3].trim()] });
  }
  return reqs;
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return path === 'spec.hostNetwork' || path === 'spec.unschedulable' ? 'false' : '';
  return String(cur);
}

export function matchFields(reqs: readonly Requirement[], obj: unknown): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.key);
    if (r.op === 'eq' ? v !== r.values[0] : v === r.values[0]) return false;
  }
  return true;
}
