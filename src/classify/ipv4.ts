// IPv4 text on numbers: a dotted quad of decimal octets (nginx's ngx_inet_addr) as an unsigned 32-bit number and
// back. The allocation-free parser classify takes per line (through ip.ts parseAddr) and IPv6's dotted tail use.

const DOT = 46;

/** Parses a dotted quad in s[start, end) into a uint32; -1 when it is not one. Allocates nothing. */
export function parseV4(s: string, start = 0, end = s.length): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 3) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return n * 256 + octet;
}

/** Digits of the canonical dotted quad of n (how long its text is). */
export function v4TextLength(n: number): number {
  let len = 3;
  for (let k = 24; k >= 0; k -= 8) {
    const o = (n >>> k) & 255;
    len += o < 10 ? 1 : o < 100 ? 2 : 3;
  }
  return len;
}

/** Dotted-quad text of a uint32. */
export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
