// The `json` preset: access logs written with `log_format ... escape=json '{"remote_addr":"$remote_addr",...}'`.
// Key names differ between setups, so this is JSON.parse plus one switch over the keys (no per-line closures):
// remote_addr/remoteAddr/client, time_local/time_iso8601/time/msec, request, method, uri/request_uri/path,
// status, body_bytes_sent/bytes_sent, http_referer/referer, http_user_agent/user_agent,
// http_x_forwarded_for/x_forwarded_for, request_time, upstream_addr. Values may be strings or numbers.
import type { ParsedLine } from '../types.js';
import type { LineParser } from './logformat.js';
import { resetParsedLine } from './line.js';
import { splitRequest } from './request.js';
import { parseDecimal, parseRfc3339, parseTimeLocal, scan, TIME_LOCAL_LENGTH } from './timestamp.js';

// Priority of the address keys: the pre-realip peer first, like the log_format parser.
const ADDR_REALIP = 3, ADDR_REMOTE = 2, ADDR_CLIENT = 1;

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

export class JsonLineParser implements LineParser {
  readonly name = 'json';

  parse(line: string, out: ParsedLine, start = 0): boolean {
    resetParsedLine(out);
    if (line.charCodeAt(start) !== 123) return false; // '{'
    let obj: unknown;
    try {
      obj = JSON.parse(start === 0 ? line : line.slice(start));
    } catch {
      return false;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
    const o = obj as Record<string, unknown>;
    let addrRank = 0;
    let method: string | null = null, target: string | null = null, protocol: string | null = null;
    let hasStatus = false, hasRequest = false;
    for (const k in o) {
      const v = o[k];
      switch (k) {
        case 'realip_remote_addr': case 'realipRemoteAddr':
          if (addrRank < ADDR_REALIP && text(v) !== null) { out.remoteAddr = text(v)!; addrRank = ADDR_REALIP; }
          break;
        case 'remote_addr': case 'remoteAddr': case 'remote_ip': case 'remoteIp':
          if (addrRank < ADDR_REMOTE && text(v) !== null) { out.remoteAddr = text(v)!; addrRank = ADDR_REMOTE; }
          break;
        case 'client': case 'client_addr': case 'client_ip': case 'clientIp':
          if (addrRank < ADDR_CLIENT && text(v) !== null) { out.remoteAddr = text(v)!; addrRank = ADDR_CLIENT; }
          break;
        case 'msec':
          out.time = time(v); // the most precise: wins over the others
          break;
        case 'time_local': case 'timeLocal': case 'time_iso8601': case 'timeIso8601': case 'time': case 'timestamp':
        case '@timestamp':
          if (out.time !== out.time) out.time = time(v);
          break;
        case 'request':
          if (typeof v === 'string') { out.request = v; hasRequest = true; }
          break;
        case 'method': case 'request_method': case 'requestMethod':
          method = text(v);
          break;
        case 'uri': case 'request_uri': case 'requestUri': case 'path':
          if (target === null || k === 'request_uri' || k === 'requestUri') target = text(v);
          break;
        case 'protocol': case 'server_protocol': case 'serverProtocol':
          protocol = text(v);
          break;
        case 'status': {
          const s = num(v);
          if (s >= 0 && s < 1000 && Number.isInteger(s)) { out.status = s; hasStatus = true; }
          break;
        }
        case 'body_bytes_sent': case 'bodyBytesSent':
          out.bytes = num(v) || 0;
          break;
        case 'bytes_sent': case 'bytesSent':
          if (out.bytes === 0) out.bytes = num(v) || 0;
          break;
        case 'http_referer': case 'httpReferer': case 'referer': case 'referrer':
          out.referer = text(v);
          break;
        case 'http_user_agent': case 'httpUserAgent': case 'user_agent': case 'userAgent':
          out.userAgent = text(v);
          break;
        case 'http_x_forwarded_for': case 'httpXForwardedFor': case 'x_forwarded_for': case 'xForwardedFor':
        case 'x-forwarded-for': case 'xff':
          out.xff = text(v);
          break;
        case 'request_time': case 'requestTime':
          out.requestTime = num(v);
          break;
        case 'upstream_addr': case 'upstreamAddr':
          out.upstreamAddr = text(v);
          break;
      }
    }
    if (addrRank === 0 || (!hasStatus && !hasRequest && method === null)) return false;
    if (hasRequest) {
      splitRequest(out.request, out);
      if (out.method === null && method !== null && target !== null) { out.method = method; out.target = target; out.protocol = protocol; }
    } else if (method !== null && target !== null) {
      out.method = method;
      out.target = target;
      out.protocol = protocol;
      out.request = protocol === null ? `${method} ${target}` : `${method} ${target} ${protocol}`;
    }
    return true;
  }
}
