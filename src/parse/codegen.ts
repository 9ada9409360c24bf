// Turns a compiled log_format plan into one specialised parse function, generated once per format (never per
// line): each variable's scan and assignment is straight-line code with its literal inlined, so the per-line work
// is a handful of indexOf calls, digit loops and the slices of the field strings. Literals enter the generated
// source only through JSON.stringify; variable names never do.
import { parsedLineResetSource, type ParsedLine } from '../fields.js';
import { unescapeJson, unescapeNginx, type EscapeMode } from './escape.js';
import { splitRequest } from './request.js';
import { parseDecimal, parseRfc3339, parseTimeLocal, scan, TIME_LOCAL_LENGTH } from './timestamp.js';

// What a variable fills.
export const V_SKIP = 0, V_ADDR = 1, V_TIME_LOCAL = 2, V_TIME_ISO = 3, V_MSEC = 4, V_REQUEST = 5, V_METHOD = 6,
  V_TARGET = 7, V_PROTOCOL = 8, V_STATUS = 9, V_BYTES = 10, V_REFERER = 11, V_UA = 12, V_XFF = 13, V_RTIME = 14,
  V_UPSTREAM = 15, V_PROXY_PROTOCOL = 16;
// How the end of a variable's value is found: rest of line, next literal, next stop character, next unescaped
// quote, fixed width ($time_local), next literal outside a ", " / " : " list.
export const S_REST = 0, S_LIT = 1, S_CHAR = 2, S_QUOTE = 3, S_FIXED = 4, S_LIST = 5;

export interface FormatPlan {
  escape: EscapeMode;
  /** Literal before the first variable. */
  lead: string;
  /** lits[i]: the literal after variable i ('' only for the last one). */
  lits: readonly string[];
  codes: ArrayLike<number>;
  modes: ArrayLike<number>;
  /** Build $request from $request_method $uri $server_protocol (no $request in the format). */
  composeRequest: boolean;
}

export type ParseFn = (text: string, out: ParsedLine, start?: number) => boolean;

/**
 * End of a list value (`10.0.0.1:80, 10.0.0.2:80`, `a : b` after an internal redirect) before `lit`, which starts
 * with a space: a space that belongs to a ", " or " : " separator is skipped.
 */
export function findListEnd(text: string, from: number, lit: string): number {
  for (;;) {
    const p = text.indexOf(lit, from);
    if (p <= 0) return p;
    if (text.charCodeAt(p - 1) === 44) { from = p + 1; continue; } // ", "
    if (text.charCodeAt(p + 1) === 58 && text.charCodeAt(p + 2) === 32) { from = p + 3; continue; } // " : "
    return p;
  }
}

/** The next '"' that is not escaped as \" (escape=json). */
export function quoteJson(text: string, from: number): number {
  const first = from;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q === -1) return -1;
    let b = 0;
    while (q - b - 1 >= first && text.charCodeAt(q - b - 1) === 92) b++;
    if ((b & 1) === 0) return q;
    from = q + 1;
  }
}

const HELPERS = { parseTimeLocal, parseRfc3339, scan, parseDecimal, splitRequest, unescapeNginx, unescapeJson, findListEnd, quoteJson };

const FIELD: Record<number, keyof ParsedLine> = {
  [V_METHOD]: 'method', [V_TARGET]: 'target', [V_PROTOCOL]: 'protocol', [V_REFERER]: 'referer',
  [V_UA]: 'userAgent', [V_XFF]: 'xff', [V_UPSTREAM]: 'upstreamAddr',
};

function digitsInto(field: string, maxLen: number, dashIsZero: boolean): string {
  return `{
    const n = end - pos;
    ${dashIsZero ? `if (n === 1 && text.charCodeAt(pos) === 45) out.${field} = 0; else {` : '{'}
    if (n < 1 || n > ${maxLen}) return false;
    let v = 0;
    for (let k = pos; k < end; k++) { const c = text.charCodeAt(k) - 48; if (!(c >= 0 && c <= 9)) return false; v = v * 10 + c; }
    out.${field} = v;
    }
  }`;
}

function assign(code: number, escape: EscapeMode): string {
  const unesc = escape === 'default' ? 'unescapeNginx(v)' : escape === 'json' ? 'unescapeJson(v)' : 'v';
  const emptyIsNull = escape === 'json'; // escape=json prints nothing for a missing variable
  switch (code) {
    case V_ADDR:
      return 'if (end === pos) return false; out.remoteAddr = text.slice(pos, end);';
    case V_TIME_LOCAL:
      // Cached per distinct value (lines of one second share it), kept as char codes in a typed array (a sliced
      // string would make charCodeAt slow and keep the whole line alive); compared from the end, where seconds change.
      return `{ let k = ${TIME_LOCAL_LENGTH - 1};
        while (k >= 0 && text.charCodeAt(pos + k) === lastTL[k]) k--;
        if (k < 0 && lastMs === lastMs) out.time = lastMs; else {
          const ms = parseTimeLocal(text, pos); if (ms !== ms) return false;
          for (k = 0; k < ${TIME_LOCAL_LENGTH}; k++) lastTL[k] = text.charCodeAt(pos + k);
          lastMs = ms; out.time = ms; } }`;
    case V_TIME_ISO:
      return '{ const ms = parseRfc3339(text, pos); if (ms !== ms || scan.end !== end) return false; out.time = ms; }';
    case V_MSEC:
      return '{ const ms = parseDecimal(text, pos, end, 1000); if (ms !== ms) return false; out.time = ms; }';
    case V_REQUEST:
      // Without escapes in the line there are no control characters to check the target for (not so for escape=none).
      return `{ let v = text.slice(pos, end); if (esc) v = ${unesc}; out.request = v; splitRequest(v, out, ${escape === 'none' ? 'true' : 'esc'}); }`;
    case V_STATUS:
      return digitsInto('status', 3, false);
    case V_BYTES:
      return digitsInto('bytes', 15, true);
    case V_RTIME:
      return `if (!((end - pos === 1 && text.charCodeAt(pos) === 45)${emptyIsNull ? ' || end === pos' : ''})) {
        const t = parseDecimal(text, pos, end); if (t !== t) return false; out.requestTime = t; }`;
    case V_PROXY_PROTOCOL:
      // The client the load balancer saw: the last hop of X-Forwarded-For (appended once the line is read).
      return 'if (!(end === pos || (end - pos === 1 && text.charCodeAt(pos) === 45))) pp = text.slice(pos, end);';
    case V_SKIP:
      return '';
  }
  const f = FIELD[code];
  return `if ((end - pos === 1 && text.charCodeAt(pos) === 45)${emptyIsNull ? ' || end === pos' : ''}) out.${f} = null;
    else { const v = text.slice(pos, end); out.${f} = esc ? ${unesc} : v; }`;
}

/** JS expression: text has `lit` at the position held in variable `at` (char compares for short literals). */
function matches(lit: string, at: string, from = 0): string {
  if (lit.length - from > 8) return `text.startsWith(${JSON.stringify(lit.slice(from))}, ${at}${from ? ` + ${from}` : ''})`;
  const parts: string[] = [];
  for (let k = from; k < lit.length; k++) parts.push(`text.charCodeAt(${at} + ${k}) === ${lit.charCodeAt(k)}`);
  return parts.length ? parts.join(' && ') : 'true';
}

/** The generated parser for a plan. */
export function generateParser(plan: FormatPlan): ParseFn {
  const q = (s: string) => JSON.stringify(s);
  const body: string[] = [];
  const hasPP = Array.prototype.includes.call(plan.codes, V_PROXY_PROTOCOL);
  body.push(`
    ${parsedLineResetSource('out')}
    let pos = start === undefined ? 0 : start;
    let end = 0;${hasPP ? ' let pp = null;' : ''}`);
  if (plan.lead !== '') body.push(`if (!(${matches(plan.lead, 'pos')})) return false; pos += ${plan.lead.length};`);
  body.push(`const esc = text.indexOf('\\\\', pos) !== -1;`);
  for (let i = 0; i < plan.codes.length; i++) {
    const lit = plan.lits[i];
    const mode = plan.modes[i];
    switch (mode) {
      case S_REST: body.push('end = text.length;'); break;
      case S_FIXED: body.push(`end = pos + ${TIME_LOCAL_LENGTH}; if (end > text.length) return false;`); break;
      case S_CHAR: body.push(`end = text.indexOf(${q(lit[0])}, pos); if (end < 0) return false;`); break;
      case S_QUOTE:
        body.push(plan.escape === 'json' ? 'end = quoteJson(text, pos); if (end < 0) return false;'
          : `end = text.indexOf('"', pos); if (end < 0) return false;`);
        break;
      case S_LIST: body.push(`end = findListEnd(text, pos, ${q(lit)}); if (end < 0) return false;`); break;
      default: body.push(`end = text.indexOf(${q(lit)}, pos); if (end < 0) return false;`);
    }
    if (mode === S_FIXED && lit !== '') body.push(`if (!(${matches(lit, 'end')})) return false;`);
    else if ((mode === S_CHAR || mode === S_QUOTE) && lit.length > 1) body.push(`if (!(${matches(lit, 'end', 1)})) return false;`);
    body.push(assign(plan.codes[i], plan.escape));
    if (lit !== '') body.push(`pos = end + ${lit.length};`);
    else body.push('pos = end;');
  }
  body.push('if (pos !== text.length) return false;');
  // $proxy_protocol_addr is the hop the trusted peer vouches for, so it goes after X-Forwarded-For's own hops.
  if (hasPP) body.push("if (pp !== null) out.xff = out.xff === null ? pp : out.xff + ', ' + pp;");
  if (plan.composeRequest) {
    body.push("out.request = out.protocol === null ? out.method + ' ' + out.target : out.method + ' ' + out.target + ' ' + out.protocol;");
  }
  body.push('return true;');
  const src = `"use strict";
    const { ${Object.keys(HELPERS).join(', ')} } = h;
    const lastTL = new Uint16Array(${TIME_LOCAL_LENGTH}); let lastMs = NaN; // $time_local cache (all zero: no match)
    return function parse(text, out, start) {
      ${body.join('\n')}
    };`;
  return new Function('h', src)(HELPERS) as ParseFn;
}
