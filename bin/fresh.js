#!/usr/bin/env node
// `npm start` compiles only when something changed: exits 0 when dist/ was built after the last change to any source
// (src, ui, db, bench, tsconfig.json, package.json), else 1. `--stamp` records a build that just finished. A second
// argument names another package root (tests).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const stamp = args.includes('--stamp');
const root = args.find((a) => !a.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-stamp');

if (stamp) {
  writeFileSync(stampFile, `${new Date().toISOString()}\n`);
  process.exit(0);
}

/** The newest modification time under a path (files ending .ts, .tsx or .json; bench/out skipped). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return /\.(ts|tsx|json)$/.test(path) ? st.mtimeMs : 0;
  let max = st.mtimeMs; // a deleted file changes its directory
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist' || (name === 'out' && path.endsWith('bench'))) continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

if (!existsSync(stampFile) || !existsSync(join(root, 'dist', 'src', 'cli.js'))) process.exit(1);
const built = statSync(stampFile).mtimeMs;
const changed = Math.max(...['src', 'ui', 'db', 'bench', 'tsconfig.json', 'package.json'].map((p) => newest(join(root, p))));
process.exit(changed > built ? 1 : 0);
