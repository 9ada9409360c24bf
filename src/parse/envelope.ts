// Envelopes around the nginx line, detected from a source's first line and then applied to every line:
//   kubectl-timestamps         `2026-11-27T08:44:38.123456789Z <line>`   (kubectl logs --timestamps)
//   kubectl-prefix             `[pod/NAME/CONTAINER] <line>`             (kubectl logs --prefix)
//   kubectl-prefix-timestamps  `[pod/NAME/CONTAINER] 2026-…Z <line>`     (both)
//   cri                        `<RFC3339Nano> stdout|stderr F|P <line>`  (/var/log/pods/…; P parts are joined)
//   docker                     `{"log":"<line>\n","stream":"stdout","time":"…"}` (json-file; parts without \n joined)
//   none
// unwrap() leaves the nginx line as text[start..] (no substring when the envelope is a prefix) and the envelope's
// time (ms, NaN if none) and pod/container (kubectl --prefix) on the Envelope object, reused between lines.
import { decodeJsonEscapes } from './escape.js';
import { parseRfc3339, scan } from './timestamp.js';

export type EnvelopeName = 'none' | 'kubectl-timestamps' | 'kubectl-prefix' | 'kubectl-prefix-timestamps' | 'cri' | 'docker';

/** unwrap() results. */
export const UNWRAP_LINE = 0; // text/start hold a line
export const UNWRAP_CONSUMED = 1; // a partial line, kept until its end arrives
export const UNWRAP_BAD = 2; // the envelope is broken
export const UNWRAP_TOO_LONG = 3; // joined partials grew past the maximum line length

const DOCKER_HEAD = '{"log":"';

/** Length of a `[kind/name/container] ` prefix at the start of s, 0 when there is none. */
function prefixLength(s: string): number {
  if (s.charCodeAt(0) !== 91) return 0; // '['
  const close = s.indexOf('] ');
  if (close < 0) return 0;
  let slashes = 0;
  for (let i = 1; i < close; i++) {
    const c = s.charCodeAt(i);
    if (c === 47) slashes++;
    else if (c <= 32) return 0;
  }
  return slashes === 2 && close > 4 ? close + 2 : 0;
}

/** Index after `stdout ` / `stderr ` at i, or -1. */
function criStream(s: string, i: number): number {
  return s.startsWith('stdout ', i) || s.startsWith('stderr ', i) ? i + 7 : -1;
}

/** Which envelope a source uses, from its first line. */
export function detectEnvelope(line: string): EnvelopeName {
  if (line.startsWith(DOCKER_HEAD)) return 'docker';
  const p = prefixLength(line);
  if (p > 0) {
    const t = parseRfc3339(line, p);
    return t === t && line.charCodeAt(scan.end) === 32 ? 'kubectl-prefix-timestamps' : 'kubectl-prefix';
  }
  const t = parseRfc3339(line, 0);
  if (t === t && line.charCodeAt(scan.end) === 32) {
    const s = criStream(line, scan.end + 1);
    if (s > 0) {
      const tag = line.charCodeAt(s);
      if ((tag === 70 || tag === 80) && (s + 1 === line.length || line.charCodeAt(s + 1) === 32 || line.charCodeAt(s + 1) === 58)) return 'cri';
    }
    return 'kubectl-timestamps';
  }
  return 'none';
}

/** The end quote of a JSON string whose body starts at i (skipping \" escapes), or -1. */
function jsonStringEnd(s: string, i: number): number {
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return -1;
    let b = 0;
    while (s.charCodeAt(q - 1 - b) === 92) b++;
    if ((b & 1) === 0) return q;
    i = q + 1;
  }
}

export class Envelope {
  /** After UNWRAP_LINE: the nginx line is text[start..]. */
  text = '';
  start = 0;
  /** Envelope timestamp (ms), NaN when the envelope has none. */
  time = NaN;
  /** From kubectl --prefix. */
  pod: string | null = null;
  container: string | null = null;

  private lastPrefix = '';
  // Partial lines per stream (0 stdout, 1 stderr) for CRI and docker.
  private readonly parts = ['', ''];
  private readonly partsOpen = [false, false];
  private readonly partsTime = [NaN, NaN];
  private readonly partsOverflow = [false, false];

  constructor(readonly name: EnvelopeName, private readonly maxLineLength = 65536) {}

  unwrap(raw: string): number {
    this.time = NaN;
    switch (this.name) {
      case 'none':
        this.text = raw;
        this.start = 0;
        return UNWRAP_LINE;
      case 'kubectl-timestamps':
        return this.timestamp(raw, 0);
      case 'kubectl-prefix':
      case 'kubectl-prefix-timestamps': {
        const p = this.prefix(raw);
        if (p === 0) return UNWRAP_BAD;
        if (this.name === 'kubectl-prefix') {
          this.text = raw;
          this.start = p;
          return UNWRAP_LINE;
        }
        return this.timestamp(raw, p);
      }
      case 'cri':
        return this.cri(raw);
      case 'docker':
        return this.docker(raw);
    }
  }

  /** Partial lines still waiting for their end (call at the end of a source); they are dropped. */
  end(): number {
    let n = 0;
    for (let s = 0; s < 2; s++) {
      if (this.partsOpen[s]) n++;
      this.parts[s] = '';
      this.partsOpen[s] = false;
      this.partsOverflow[s] = false;
    }
    return n;
  }

  private timestamp(raw: string, at: number): number {
    const t = parseRfc3339(raw, at);
    if (t !== t) return UNWRAP_BAD;
    const e = scan.end;
    if (e !== raw.length && raw.charCodeAt(e) !== 32) return UNWRAP_BAD;
    this.time = t;
    this.text = raw;
    this.start = e === raw.length ? e : e + 1;
    return UNWRAP_LINE;
  }

  /** Sets pod/container from the prefix (cached while the prefix repeats); returns its length or 0. */
  private prefix(raw: string): number {
    const last = this.lastPrefix;
    if (last !== '' && raw.startsWith(last)) return last.length;
    const p = prefixLength(raw);
    if (p === 0) return 0;
    const s1 = raw.indexOf('/', 1);
    const s2 = raw.indexOf('/', s1 + 1);
    this.pod = raw.slice(s1 + 1, s2);
    this.container = raw.slice(s2 + 1, p - 2);
    this.lastPrefix = raw.slice(0, p);
    return p;
  }

  private cri(raw: string): number {
    const t = parseRfc3339(raw, 0);
    if (t !== t || raw.charCodeAt(scan.end) !== 32) return UNWRAP_BAD;
    const s = criStream(raw, scan.end + 1);
    if (s < 0) return UNWRAP_BAD;
    const stream = raw.charCodeAt(s - 4) === 111 ? 0 : 1; // std(o)ut / std(e)rr
    const tag = raw.charCodeAt(s);
    if (tag !== 70 && tag !== 80) return UNWRAP_BAD;
    let body = raw.indexOf(' ', s);
    body = body < 0 ? raw.length : body + 1;
    return this.piece(stream, t, raw, body, tag === 70);
  }

  private docker(raw: string): number {
    let log: string;
    let stream = 0;
    let t = NaN;
    const q = raw.startsWith(DOCKER_HEAD) ? jsonStringEnd(raw, DOCKER_HEAD.length) : -1;
    if (q > 0 && raw.charCodeAt(raw.length - 1) === 125) { // the usual key order: log, stream, time
      log = decodeJsonEscapes(raw, DOCKER_HEAD.length, q);
      let i = q + 1;
      if (raw.startsWith(',"stream":"', i)) {
        i += 11;
        if (raw.charCodeAt(i + 3) === 101) stream = 1; // std(e)rr
        const e = raw.indexOf('"', i);
        if (e > 0) i = e + 1;
      }
      const ti = raw.indexOf('"time":"', i);
      if (ti > 0) t = parseRfc3339(raw, ti + 8);
    } else {
      let obj: unknown;
      try { obj = JSON.parse(raw); } catch { return UNWRAP_BAD; }
      if (obj === null || typeof obj !== 'object') return UNWRAP_BAD;
      const o = obj as { log?: unknown; stream?: unknown; time?: unknown };
      if (typeof o.log !== 'string') return UNWRAP_BAD;
      log = o.log;
      if (o.stream === 'stderr') stream = 1;
      if (typeof o.time === 'string') t = parseRfc3339(o.time, 0);
    }
    const complete = log.charCodeAt(log.length - 1) === 10;
    if (complete) log = log.charCodeAt(log.length - 2) === 13 ? log.slice(0, -2) : log.slice(0, -1);
    return this.piece(stream, t, log, 0, complete);
  }

  /** One piece text[from..] of a line on `stream`: a whole line when `last` and nothing is pending. */
  private piece(stream: number, t: number, text: string, from: number, last: boolean): number {
    if (!this.partsOpen[stream]) {
      if (last) {
        this.text = text;
        this.start = from;
        this.time = t;
        return UNWRAP_LINE;
      }
      this.partsOpen[stream] = true;
      this.partsTime[stream] = t;
      this.partsOverflow[stream] = false;
      this.parts[stream] = '';
    }
    if (!this.partsOverflow[stream]) {
      const joined = this.parts[stream] + (from === 0 ? text : text.slice(from));
      if (joined.length > this.maxLineLength) {
        this.partsOverflow[stream] = true;
        this.parts[stream] = '';
      } else this.parts[stream] = joined;
    }
    if (!last) return UNWRAP_CONSUMED;
    const overflow = this.partsOverflow[stream];
    this.text = this.parts[stream];
    this.start = 0;
    this.time = this.partsTime[stream];
    this.parts[stream] = '';
    this.partsOpen[stream] = false;
    this.partsOverflow[stream] = false;
    return overflow ? UNWRAP_TOO_LONG : UNWRAP_LINE;
  }
}
