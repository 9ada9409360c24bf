// snatscope's version, from package.json (the one place it is written): --version and snatscope_build_info.
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function version(): string {
  if (cached !== null) return cached;
  try {
    cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
