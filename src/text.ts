// Foundation: terminal-safe text, imported by every layer that prints log or API text (errors, kube, report, views).
// Log text is hostile: user agents, targets and referers are written by whoever sends the request.
// safeText() makes a string harmless for a terminal: C0 controls, DEL, C1 controls (which include the 8-bit
// CSI/OSC introducers) and the Unicode line/paragraph separators and bidi overrides are shown as escapes, so no
// escape sequence, carriage return or title-setting OSC ever reaches the terminal raw.

// One regex, compiled once. Fast path: most strings have nothing to escape.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_G = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  switch (code) {
    case 0x09: return '\\t';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x1b: return '\\e';
  }
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0').toUpperCase()}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function safeText(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_G, escapeChar) : s;
}

/** safeText for a value that may be null: '-' like nginx prints a missing variable. */
export function safeField(s: string | null | undefined): string {
  return s == null || s === '' ? '-' : safeText(s);
}

/** A container ID as people read it (kubectl, crictl): without the runtime scheme, the first 12 hex digits. */
export function shortContainerId(id: string | null | undefined): string {
  return id ? id.replace(/^[a-z]+:\/\//, '').slice(0, 12) : '?';
}

/**
 * A ratio (0..1) as a percentage a reader can trust: `digits` decimals, but never "0%" or "100%" for a ratio that
 * is not exactly 0 or 1 (0.9968 is ">99%", not "100%"; with one decimal ">99.9%" and "<0.1%").
 */
export function percent(r: number, digits = 0): string {
  const s = (r * 100).toFixed(digits);
  const step = 10 ** -digits;
  if (r > 0 && Number(s) === 0) return `<${step.toFixed(digits)}%`;
  if (r < 1 && Number(s) === 100) return `>${(100 - step).toFixed(digits)}%`;
  return `${s}%`;
}
