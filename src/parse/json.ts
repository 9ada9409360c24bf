// The `json` preset: access logs written with `log_format ... escape=json '{"remote_addr":"$remote_addr",...}'` or
// by other tools' JSON loggers. Key names differ between setups, so one alias table (JSON_KEYS) says which keys fill
// which ParsedLine field; within a field the earlier alias wins whatever the key order in the line (the pre-realip
// peer before $remote_addr, $msec before coarser times, $request_uri before $uri, body bytes before all bytes).
// `--json-field FIELD=KEY` puts KEY first for FIELD. Values may be strings or numbers. A line with no key known as
// the address is not parsed; jsonKeysHint() names the keys such a line had, for the unparsed note.
import { UserError } from '../errors.js';
import type { ParsedLine } from '../types.js';
import type { LineParser } from './logformat.js';
import { resetParsedLine } from './line.js';
import { splitRequest } from './request.js';
import { parseDecimal, parseRfc3339, parseTimeLocal, scan, TIME_LOCAL_LENGTH } from './timestamp.js';

/** The fields a JSON line can fill ('target' etc. also compose 'request' when the line has none). */
export type JsonField =
  | 'remoteAddr' | 'time' | 'request' | 'method' | 'target' | 'protocol' | 'status' | 'bytes' | 'referer'
  | 'userAgent' | 'xff' | 'requestTime' | 'upstreamAddr' | 'proxyProtocolAddr';

/** Each field's key names in common use, defined once; earlier wins. */
export const JSON_KEYS: Readonly<Record<JsonField, readonly string[]>> = {
  remoteAddr: [
    'realip_remote_addr', 'realipRemoteAddr', 'remote_addr', 'remoteAddr', 'remote_ip', 'remoteIp', 'remoteip',
    'client_addr', 'clientAddr', 'client_ip', 'clientIp', 'clientip', 'client', 'ip', 'src_ip', 'source_ip',
  ],
  time: ['msec', 'time_iso8601', 'timeIso8601', 'time_local', 'timeLocal', 'time', 'timestamp', '@timestamp', 'ts'],
  request: ['request', 'request_line', 'requestLine'],
  method: ['method', 'request_method', 'requestMethod', 'verb', 'http_method'],
  target: ['request_uri', 'requestUri', 'uri', 'url', 'path', 'request_path'],
  protocol: ['protocol', 'server_protocol', 'serverProtocol', 'http_version', 'httpversion', 'proto'],
  status: ['status', 'status_code', 'statusCode', 'http_status', 'httpStatus', 'response_code'],
  bytes: ['body_bytes_sent', 'bodyBytesSent', 'bytes_sent', 'bytesSent', 'bytes', 'size', 'response_size', 'body_size'],
  referer: ['http_referer', 'httpReferer', 'referer', 'referrer', 'http_referrer'],
  userAgent: ['http_user_agent', 'httpUserAgent', 'user_agent', 'userAgent', 'useragent', 'agent', 'ua'],
  xff: [
    'http_x_forwarded_for', 'httpXForwardedFor', 'x_forwarded_for', 'xForwardedFor', 'x-forwarded-for', 'xff',
    'forwarded_for', 'forwardedFor',
  ],
  requestTime: ['request_time', 'requestTime'], // seconds; other loggers' durations have other units
  upstreamAddr: ['upstream_addr', 'upstreamAddr', 'upstream'],
  // $proxy_protocol_addr: the client a PROXY-protocol load balancer saw; stored as X-Forwarded-For's last hop, as the
  // log_format path does (src/parse/codegen.ts), so a trusted peer's PROXY address is recovered like a hop.
  proxyProtocolAddr: ['proxy_protocol_addr', 'proxyProtocolAddr'],
};

export const JSON_FIELDS = Object.keys(JSON_KEYS) as JsonField[];
/** Short names `--json-field` also takes. */
const FIELD_SHORT: Readonly<Record<string, JsonField>> = { addr: 'remoteAddr', ua: 'userAgent', uri: 'target' };

/** `--json-field FIELD=KEY` values (repeatable) into a map; UserError for an unknown field or a missing key. */
export function parseJsonFields(values: readonly string[]): Partial<Record<JsonField, string>> {
  const out: Partial<Record<JsonField, string>> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq > 0 ? v.slice(0, eq).trim() : '';
    const key = eq > 0 ? v.slice(eq + 1).trim() : '';
    const field = FIELD_SHORT[name] ?? (JSON_FIELDS as readonly string[]).find((f) => f === name) as JsonField | undefined;
    if (field === undefined || key === '') {
      throw new UserError(`bad --json-field "${v}"`, `--json-field FIELD=KEY with FIELD one of addr, ${JSON_FIELDS.join(', ')}; e.g. --json-field addr=peer`);
    }
    out[field] = key;
  }
  return out;
}

const F_ADDR = 0, F_TIME = 1, F_REQUEST = 2, F_METHOD = 3, F_TARGET = 4, F_PROTOCOL = 5, F_STATUS = 6, F_BYTES = 7,
  F_REFERER = 8, F_UA = 9, F_XFF = 10, F_RTIME = 11, F_UPSTREAM = 12, F_PP = 13;

/** key -> field index * 64 + rank (lower rank wins). */
function keyTable(overrides: Partial<Record<JsonField, string>>): Map<string, number> {
  const m = new Map<string, number>();
  JSON_FIELDS.forEach((f, i) => {
    const o = overrides[f];
    if (o !== undefined) m.set(o, i * 64);
    JSON_KEYS[f].forEach((k, r) => { if (!m.has(k)) m.set(k, i * 64 + r + 1); });
  });
  return m;
}
const DEFAULT_KEYS = keyTable({});

function text(v: unknown): string | null {
  if (typeof v === 'string') return v === '' || v === '-' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseDecimal(v, 0, v.length);
  return NaN;
}

/** Any of the time shapes nginx can log: $time_local, $time_iso8601 / RFC3339, $msec (seconds) or ms. */
function time(v: unknown): number {
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  if (typeof v !== 'string' || v === '') return NaN;
  const c = v.charCodeAt(0);
  if (v.length === TIME_LOCAL_LENGTH && v.charCodeAt(2) === 47) return parseTimeLocal(v, 0);
  if (v.length >= 20 && v.charCodeAt(4) === 45) {
    const ms = parseRfc3339(v, 0);
    return scan.end === v.length ? ms : NaN;
  }
  if (c >= 48 && c <= 57) {
    const n = parseDecimal(v, 0, v.length);
    return n < 1e11 ? n * 1000 : n;
  }
  return NaN;
}

function object(line: string, start: number): Record<string, unknown> | null {
  if (line.charCodeAt(start) !== 123) return null; // '{'
  let obj: unknown;
  try {
    obj = JSON.parse(start === 0 ? line : line.slice(start));
  } catch {
    return null;
  }
  return obj === null || typeof obj !== 'object' || Array.isArray(obj) ? null : obj as Record<string, unknown>;
}

export class JsonLineParser implements LineParser {
  readonly name = 'json';
  private readonly keys: Map<string, number>;
  private readonly rank = new Int32Array(JSON_FIELDS.length);
  private readonly vals: unknown[] = new Array<unknown>(JSON_FIELDS.length);

  constructor(overrides: Partial<Record<JsonField, string>> = {}) {
    this.keys = Object.keys(overrides).length === 0 ? DEFAULT_KEYS : keyTable(overrides);
  }

  /** Whether `key` names the address (for the unparsed hint). */
  isAddrKey(key: string): boolean {
    const e = this.keys.get(key);
    return e !== undefined && e >> 6 === F_ADDR;
  }

  parse(line: string, out: ParsedLine, start = 0): boolean {
    resetParsedLine(out);
    const o = object(line, start);
    if (o === null) return false;
    const rank = this.rank, vals = this.vals, keys = this.keys;
    rank.fill(1 << 20);
    for (const k in o) {
      const e = keys.get(k);
      if (e === undefined) continue;
      const f = e >> 6, r = e & 63, v = o[k];
      // Absent values ('' / '-' / null) do not hide a lower-ranked key that has one.
      if (r < rank[f] && (f === F_REQUEST ? typeof v === 'string' : f === F_TIME || f === F_STATUS || f === F_BYTES || f === F_RTIME ? v !== null && v !== '' && v !== '-' : text(v) !== null)) {
        rank[f] = r;
        vals[f] = v;
      }
    }
    const has = (f: number) => rank[f] !== 1 << 20;
    if (!has(F_ADDR)) return false;
    out.remoteAddr = text(vals[F_ADDR])!;
    let hasStatus = false;
    if (has(F_STATUS)) {
      const s = num(vals[F_STATUS]);
      if (s >= 0 && s < 1000 && Number.isInteger(s)) { out.status = s; hasStatus = true; }
    }
    const method = has(F_METHOD) ? text(vals[F_METHOD]) : null;
    const target = has(F_TARGET) ? text(vals[F_TARGET]) : null;
    const protocol = has(F_PROTOCOL) ? text(vals[F_PROTOCOL]) : null;
    const hasRequest = has(F_REQUEST);
    if (!hasStatus && !hasRequest && method === null) return false;
    if (has(F_TIME)) out.time = time(vals[F_TIME]);
    if (has(F_BYTES)) out.bytes = num(vals[F_BYTES]) || 0;
    if (has(F_REFERER)) out.referer = text(vals[F_REFERER]);
    if (has(F_UA)) out.userAgent = text(vals[F_UA]);
    if (has(F_XFF)) out.xff = text(vals[F_XFF]);
    if (has(F_PP)) {
      const pp = text(vals[F_PP])!;
      out.xff = out.xff === null ? pp : `${out.xff}, ${pp}`;
    }
    if (has(F_RTIME)) out.requestTime = num(vals[F_RTIME]);
    if (has(F_UPSTREAM)) out.upstreamAddr = text(vals[F_UPSTREAM]);
    if (hasRequest) {
      out.request = vals[F_REQUEST] as string;
      splitRequest(out.request, out);
      if (out.method === null && method !== null && target !== null) { out.method = method; out.target = target; out.protocol = protocol; }
    } else if (method !== null && target !== null) {
      out.method = method;
      out.target = target;
      out.protocol = protocol;
      out.request = protocol === null ? `${method} ${target}` : `${method} ${target} ${protocol}`;
    }
    vals.fill(undefined);
    return true;
  }
}

/**
 * For a sample no format parsed: when it is a JSON object (bare or inside a docker `log`) without a key known as
 * the address, the hint naming its keys and --json-field; else null.
 */
export function jsonKeysHint(sample: string, overrides: Partial<Record<JsonField, string>> = {}): string | null {
  let o = object(sample, Math.max(0, sample.indexOf('{')));
  if (o !== null && typeof o.log === 'string' && o.log.trimStart().startsWith('{')) o = object(o.log.trim(), 0) ?? o;
  if (o === null) return null;
  const p = new JsonLineParser(overrides);
  const keys = Object.keys(o);
  if (keys.some((k) => p.isAddrKey(k))) return null;
  const shown = keys.slice(0, 12).join(', ') + (keys.length > 12 ? ', ...' : '');
  return `--json-field addr=KEY: the JSON has no key known as the client address (keys: ${shown})`;
}
