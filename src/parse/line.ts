// The reused ParsedLine: one object per LineStage, reset before every line (no allocation per line).
import type { ParsedLine } from '../types.js';

/** A fresh ParsedLine with every field empty (time and requestTime NaN). */
export function newParsedLine(): ParsedLine {
  return {
    time: NaN,
    remoteAddr: '',
    request: '',
    method: null,
    target: null,
    protocol: null,
    status: 0,
    bytes: 0,
    referer: null,
    userAgent: null,
    xff: null,
    requestTime: NaN,
    upstreamAddr: null,
    envPod: null,
    envContainer: null,
  };
}

/** Empties a ParsedLine in place (same field order as newParsedLine, so the object keeps one hidden class). */
export function resetParsedLine(out: ParsedLine): void {
  out.time = NaN;
  out.remoteAddr = '';
  out.request = '';
  out.method = null;
  out.target = null;
  out.protocol = null;
  out.status = 0;
  out.bytes = 0;
  out.referer = null;
  out.userAgent = null;
  out.xff = null;
  out.requestTime = NaN;
  out.upstreamAddr = null;
  out.envPod = null;
  out.envContainer = null;
}
