// Splitting $request into method, target and protocol. $request is whatever the client sent up to the first
// CR/LF, so it is often not an HTTP request line at all (TLS sent to a plain port, a bare CRLF, scanners);
// such lines are still requests (nginx answered them, usually 400) with method/target/protocol null.
import type { ParsedLine } from '../types.js';

/** RFC 9110 token characters (a method is a token). */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) { TCHAR[c] = 1; TCHAR[c + 32] = 1; }

function isToken(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** `HTTP/1.1`, `HTTP/2.0`, `HTTP/2`, `HTTP/3.0` from start to the end of s. */
function isHttpVersion(s: string, start: number): boolean {
  if (!s.startsWith('HTTP/', start)) return false;
  let i = start + 5;
  const d0 = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === d0) return false;
  if (i === s.length) return true;
  if (s.charCodeAt(i) !== 46) return false;
  const d1 = ++i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i > d1 && i === s.length;
}

/** True when the target has no control characters (a request line's target never does). */
function isTarget(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 && c !== 0x20) return false;
    if (c === 0x7f) return false;
  }
  return true;
}

// The common methods and versions as shared constants rather than a new string per line.
const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/3.0'];

function method(req: string, len: number): string {
  const c = req.charCodeAt(0);
  if (c === 71 && len === 3 && req.charCodeAt(1) === 69 && req.charCodeAt(2) === 84) return 'GET';
  for (let i = 1; i < METHODS.length; i++) {
    const m = METHODS[i];
    if (m.length === len && m.charCodeAt(0) === c && req.startsWith(m)) return m;
  }
  return req.slice(0, len);
}

/** The protocol at req[at..] when it is HTTP/n[.n], else null. */
function protocol(req: string, at: number): string | null {
  // HTTP/1.1 HTTP/1.0 HTTP/2.0 HTTP/3.0 by char compares (String#startsWith with a position is slow).
  if (req.length - at === 8 && req.charCodeAt(at) === 72 && req.charCodeAt(at + 1) === 84 && req.charCodeAt(at + 2) === 84 &&
      req.charCodeAt(at + 3) === 80 && req.charCodeAt(at + 4) === 47 && req.charCodeAt(at + 6) === 46) {
    const major = req.charCodeAt(at + 5), minor = req.charCodeAt(at + 7);
    if (major === 49 && minor === 49) return VERSIONS[0];
    if (major === 49 && minor === 48) return VERSIONS[1];
    if (major === 50 && minor === 48) return VERSIONS[2];
    if (major === 51 && minor === 48) return VERSIONS[3];
  }
  return isHttpVersion(req, at) ? req.slice(at) : null;
}

/**
 * Sets out.method/target/protocol from an HTTP request line `METHOD SP target SP HTTP/x.y` (the target may contain
 * spaces: method is up to the first space, protocol after the last) or an HTTP/0.9 `GET /path` (protocol
 * 'HTTP/0.9'); leaves them null otherwise. `checkControls` false skips looking for control characters in the
 * target (the caller knows there are none: nginx escapes them and the line had no escapes).
 */
export function splitRequest(req: string, out: ParsedLine, checkControls = true): void {
  out.method = null;
  out.target = null;
  out.protocol = null;
  const sp1 = req.indexOf(' ');
  if (sp1 <= 0 || !isToken(req, 0, sp1)) return;
  let sp2 = req.length - 1; // the last space (a loop: String#lastIndexOf is slow on sliced strings)
  while (sp2 > sp1 && req.charCodeAt(sp2) !== 32) sp2--;
  if (sp2 > sp1) {
    const proto = protocol(req, sp2 + 1);
    if (proto !== null) {
      if (sp2 === sp1 + 1 || (checkControls && !isTarget(req, sp1 + 1, sp2))) return;
      out.method = method(req, sp1);
      out.target = req.slice(sp1 + 1, sp2);
      out.protocol = proto;
      return;
    }
  }
  // HTTP/0.9: a method and one target with no version (and no further spaces).
  if (sp2 !== sp1 || !isTarget(req, sp1 + 1, req.length)) return;
  const t = req.charCodeAt(sp1 + 1);
  if (t !== 47 && !req.startsWith('http', sp1 + 1)) return; // '/' or an absolute URI
  out.method = method(req, sp1);
  out.target = req.slice(sp1 + 1);
  out.protocol = 'HTTP/0.9';
}
