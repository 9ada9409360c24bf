// The two stores side by side (issue 17): `snatscope ingest` of the benchmark log into SQLite and into a real
// PostgreSQL (started here, in a temp folder, removed after), by one writer and by four at once (four quarter-size
// files, different pods), then `snatscope report --format json` on what one writer stored. Rows per second are
// stored rows over wall time. `npm run build && node dist/bench/stores.js [--lines N] [--out DIR]`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPg, type PgServer } from '../test/helpers/pg.js';
import { generate, LOG_POD, NAMESPACE, TRUSTED_CIDR, type GeneratedInput } from './gen.js';
import { measure, repoRoot } from './proc.js';

interface Row {
  store: 'sqlite' | 'postgres';
  writers: number;
  rows: number;
  seconds: number;
  rowsPerSec: number;
}

interface ReportRow {
  store: 'sqlite' | 'postgres';
  rows: number;
  seconds: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

const root = repoRoot();
const bin = join(root, 'bin', 'snatscope.js');

async function ingest(files: GeneratedInput[], db: (i: number) => string): Promise<number> {
  const t0 = performance.now();
  const runs = files.map((f, i) =>
    measure(process.execPath, [bin, 'ingest', f.logPath, '--db', db(i), '--topology', f.topologyPath, '--trust', TRUSTED_CIDR,
      '--pod', files.length === 1 ? LOG_POD : `web-${i}`, '--namespace', NAMESPACE, '--quiet'], { cwd: root }),
  );
  for (const m of await Promise.all(runs)) if (m.code !== 0) throw new Error(`ingest exited ${m.code}: ${m.stderr.trim()}`);
  return (performance.now() - t0) / 1000;
}

async function report(db: string): Promise<number> {
  await measure(process.execPath, [bin, 'report', '--db', db, '--format', 'json'], { cwd: root }); // warm the cache
  const m = await measure(process.execPath, [bin, 'report', '--db', db, '--format', 'json'], { cwd: root });
  if (m.code !== 0) throw new Error(`report exited ${m.code}: ${m.stderr.trim()}`);
  return m.seconds;
}

async function main(): Promise<void> {
  const lines = Number(arg('--lines', '1000000'));
  const out = resolve(arg('--out', join(root, 'bench', 'out')));
  mkdirSync(out, { recursive: true });
  const say = (m: string) => process.stderr.write(`bench stores: ${m}\n`);
  const one = generate(out, lines, 42, say);
  const quarter = generate(out, Math.floor(lines / 4), 43, say);
  const fours = [quarter, quarter, quarter, quarter];
  const results: Row[] = [];
  const reports: ReportRow[] = [];
  let pg: PgServer | null = null;
  try {
    pg = await startPg();
    // SQLite: one writer per database file (four writers = four files, as four nodes' agents without a shared store).
    const sq = (name: string) => {
      const p = join(out, `stores-${name}.db`);
      for (const s of ['', '-wal', '-shm']) rmSync(p + s, { force: true });
      return p;
    };
    const sqOne = sq('one');
    let s = await ingest([one], () => sqOne);
    results.push({ store: 'sqlite', writers: 1, rows: lines, seconds: s, rowsPerSec: lines / s });
    s = await ingest(fours, (i) => sq(`four-${i}`));
    results.push({ store: 'sqlite', writers: 4, rows: 4 * quarter.lines, seconds: s, rowsPerSec: (4 * quarter.lines) / s });
    reports.push({ store: 'sqlite', rows: lines, seconds: await report(sqOne) });

    const pgOne = pg.createDb('bench_one');
    s = await ingest([one], () => pgOne);
    results.push({ store: 'postgres', writers: 1, rows: lines, seconds: s, rowsPerSec: lines / s });
    const pgFour = pg.createDb('bench_four');
    s = await ingest(fours, () => pgFour);
    const stored = Number(pg.psql('bench_four', 'SELECT count(*) FROM requests').trim());
    if (stored !== 4 * quarter.lines) throw new Error(`four writers stored ${stored} rows, expected ${4 * quarter.lines}`);
    results.push({ store: 'postgres', writers: 4, rows: stored, seconds: s, rowsPerSec: stored / s });
    pg.psql('bench_one', 'VACUUM ANALYZE');
    reports.push({ store: 'postgres', rows: lines, seconds: await report(pgOne) });
  } finally {
    pg?.destroy();
  }
  for (const r of results) say(`${r.store.padEnd(8)} ${r.writers} writer(s): ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSec)} rows/s`);
  for (const r of reports) say(`${r.store.padEnd(8)} report --format json over ${r.rows} rows: ${r.seconds.toFixed(2)} s`);
  writeFileSync(join(out, 'stores.json'), JSON.stringify({ lines, ingest: results, report: reports }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench stores failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
