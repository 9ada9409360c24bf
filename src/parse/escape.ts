// Undoing nginx's escaping of variable values in access logs.
//   default: bytes 0x00-0x1F, '"', '\', 0x7F and 0x80-0xFF are written as \xHH. The bytes are decoded as UTF-8 when
//            they form valid UTF-8 (so a user agent with "\xC3\xA9" reads "é"), else each escaped byte is taken as
//            latin1 (nothing is lost, nothing becomes U+FFFD).
//   json:    escape=json writes JSON string escapes (\" \\ \n \u001B ...); high bytes pass raw.
//   none:    nothing to undo.
// Fast path everywhere: a value without a backslash is returned as is.

export type EscapeMode = 'default' | 'json' | 'none';

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }

function hex(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX[c] : -1; // NaN < 128 is false -> -1
}

/** Scratch buffer for the byte form of an escaped value; grows, never shrinks. */
let scratch = Buffer.allocUnsafe(1024);

/** Undo nginx default escaping (\xHH). */
export function unescapeNginx(v: string): string {
  return v.indexOf('\\') === -1 ? v : decodeHexEscapes(v);
}

function decodeHexEscapes(v: string): string {
  const n = v.length;
  if (scratch.length < n * 3) scratch = Buffer.allocUnsafe(n * 3 + 1024);
  const buf = scratch;
  let len = 0;
  let high = false;
  for (let i = 0; i < n; i++) {
    let c = v.charCodeAt(i);
    if (c === 92 && v.charCodeAt(i + 1) === 120) { // \x
      const h1 = hex(v, i + 2), h2 = hex(v, i + 3);
      if (h1 >= 0 && h2 >= 0) {
        const b = h1 * 16 + h2;
        if (b >= 0x80) high = true;
        buf[len++] = b;
        i += 3;
        continue;
      }
    }
    if (c < 0x80) { buf[len++] = c; continue; }
    // A character that was already text (the source decoded it): its UTF-8 bytes.
    if (c >= 0xd800 && c <= 0xdbff) {
      const lo = v.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xdc00 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) { buf[len++] = 0xc0 | (c >> 6); buf[len++] = 0x80 | (c & 63); }
    else if (c < 0x10000) { buf[len++] = 0xe0 | (c >> 12); buf[len++] = 0x80 | ((c >> 6) & 63); buf[len++] = 0x80 | (c & 63); }
    else {
      buf[len++] = 0xf0 | (c >> 18); buf[len++] = 0x80 | ((c >> 12) & 63);
      buf[len++] = 0x80 | ((c >> 6) & 63); buf[len++] = 0x80 | (c & 63);
    }
  }
  if (!high || validUtf8(buf, len)) return buf.toString('utf8', 0, len);
  return latin1Escapes(v);
}

/** Each \xHH becomes the character U+00HH; everything else is kept. */
function latin1Escapes(v: string): string {
  let out = '';
  let last = 0;
  for (let i = v.indexOf('\\'); i !== -1; i = v.indexOf('\\', i)) {
    const h1 = v.charCodeAt(i + 1) === 120 ? hex(v, i + 2) : -1;
    const h2 = h1 >= 0 ? hex(v, i + 3) : -1;
    if (h2 >= 0) {
      out += v.slice(last, i) + String.fromCharCode(h1 * 16 + h2);
      i += 4;
      last = i;
    } else i++;
  }
  return out + v.slice(last);
}

/** True when buf[0, len) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
export function validUtf8(buf: Uint8Array, len: number): boolean {
  let i = 0;
  while (i < len) {
    const b = buf[i];
    if (b < 0x80) { i++; continue; }
    let need: number;
    let lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) { need = 2; lo = 0xa0; }
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) { need = 2; hi = 0x9f; }
    else if (b === 0xf0) { need = 3; lo = 0x90; }
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) { need = 3; hi = 0x8f; }
    else return false;
    if (i + need >= len) return false;
    const b1 = buf[i + 1];
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const bk = buf[i + k];
      if (bk < 0x80 || bk > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** Undo escape=json (JSON string escapes). An invalid escape is kept as written. */
export function unescapeJson(v: string): string {
  return v.indexOf('\\') === -1 ? v : decodeJsonEscapes(v, 0, v.length);
}

/** JSON string escapes in v[start, end), without the surrounding quotes. */
export function decodeJsonEscapes(v: string, start: number, end: number): string {
  let out = '';
  let last = start;
  let i = v.indexOf('\\', start);
  while (i !== -1 && i < end) {
    const e = v.charCodeAt(i + 1);
    let ch = '';
    let skip = 2;
    switch (e) {
      case 34: ch = '"'; break;
      case 92: ch = '\\'; break;
      case 47: ch = '/'; break;
      case 98: ch = '\b'; break;
      case 102: ch = '\f'; break;
      case 110: ch = '\n'; break;
      case 114: ch = '\r'; break;
      case 116: ch = '\t'; break;
      case 117: { // u
        const a = hex(v, i + 2), b = hex(v, i + 3), c = hex(v, i + 4), d = hex(v, i + 5);
        if (a >= 0 && b >= 0 && c >= 0 && d >= 0 && i + 6 <= end) {
          ch = String.fromCharCode((a << 12) | (b << 8) | (c << 4) | d);
          skip = 6;
        } else skip = 0;
        break;
      }
      default: skip = 0;
    }
    if (skip === 0 || i + skip > end) { i = v.indexOf('\\', i + 1); continue; }
    out += v.slice(last, i) + ch;
    last = i + skip;
    i = v.indexOf('\\', last);
  }
  return out + v.slice(last, end);
}
