// The progress line ingest keeps updated on a terminal: bytes, lines and speed, and when the input's size is known (a
// file, or stdin redirected from one) the percent done and the time left at the speed so far.
import { fstatSync, statSync } from 'node:fs';

/** The size in bytes of an input ('-' is stdin: known only when it is a regular file), or null. */
export function inputSize(path: string): number | null {
  try {
    const st = path === '-' ? fstatSync(0) : statSync(path);
    return st.isFile() && st.size > 0 ? st.size : null;
  } catch {
    return null;
  }
}

/** m:ss, or h:mm:ss from an hour on. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line (no newline): `access.log: 42% of 120.0 MB, 1,234 lines, 31.0 MB/s, 0:03 left`. */
export function progressText(label: string, bytes: number, size: number | null, lines: number, elapsedMs: number): string {
  const mb = bytes / 1e6;
  const rate = elapsedMs > 0 ? mb / (elapsedMs / 1000) : 0;
  const count = `${lines.toLocaleString('en-US')} lines, ${rate.toFixed(1)} MB/s`;
  if (size === null || bytes > size) return `${label}: ${mb.toFixed(1)} MB, ${count}`;
  const pct = Math.floor((bytes / size) * 100);
  const left = bytes > 0 && elapsedMs > 0 ? clock(((size - bytes) / bytes) * (elapsedMs / 1000)) : '?';
  return `${label}: ${pct}% of ${(size / 1e6).toFixed(1)} MB, ${count}, ${left} left`;
}
