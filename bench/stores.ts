// The two stores side by side (issue 17): `snatscope ingest` of the benchmark log into SQLite and into a real
// PostgreSQL (started here, in a temp folder, removed after), by one writer and by four at once (four quarter-size
// files, different pods), then `snatscope report --format json` on what one writer stored. Rows per second are
// stored rows over wall time. `npm run build && node dist/bench/stores.js [--lines N] [--out DIR]`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
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
  /** CPU seconds of the snatscope processes (not of the PostgreSQL server). */
  cpuSeconds: number;
}

interface ReportRow {
  store: 'sqlite' | 'postgres';
  rows: number;
  seconds: number;
}

interface ReclassifyRow extends ReportRow {
  /** Rows whose class or client changed (the --trust taken away: the recovered clients go back). */
  changed: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

const root = repoRoot();
const bin = join(root, 'bin', 'snatscope.js');

async function ingest(files: GeneratedInput[], db: (i: number) => string): Promise<{ seconds: number; cpu: number }> {
  const t0 = performance.now();
  const runs = files.map((f, i) =>
    measure(process.execPath, [bin, 'ingest', f.logPath, '--db', db(i), '--topology', f.topologyPath, '--trust', TRUSTED_CIDR,
      '--pod', files.length === 1 ? LOG_POD : `web-${i}`, '--namespace', NAMESPACE, '--quiet'], { cwd: root }),
  );
  let cpu = 0;
  for (const m of await Promise.all(runs)) {
    if (m.code !== 0) throw new Error(`ingest exited ${m.code}: ${m.stderr.trim()}`);
    cpu += m.cpuSeconds ?? NaN;
  }
  return { seconds: (performance.now() - t0) / 1000, cpu };
}

async function report(db: string): Promise<number> {
  await measure(process.execPath, [bin, 'report', '--db', db, '--format', 'json'], { cwd: root }); // warm the cache
  const m = await measure(process.execPath, [bin, 'report', '--db', db, '--format', 'json'], { cwd: root });
  if (m.code !== 0) throw new Error(`report exited ${m.code}: ${m.stderr.trim()}`);
  return m.seconds;
}

/** `reclassify` of every stored row without the --trust the ingest had: every row read, the recovered ones rewritten. */
async function reclassify(db: string, topology: string): Promise<{ seconds: number; changed: number }> {
  const m = await measure(process.execPath, [bin, 'reclassify', '--db', db, '--topology', topology, '--quiet'], { cwd: root });
  if (m.code !== 0) throw new Error(`reclassify exited ${m.code}: ${m.stderr.trim()}`);
  const changed = /(\d+) changed/.exec(m.stdout);
  return { seconds: m.seconds, changed: Number(changed?.[1] ?? NaN) };
}

/** Node's own start (snatscope --version), to read report times against. */
async function startup(): Promise<number> {
  return (await measure(process.execPath, [bin, '--version'], { cwd: root })).seconds;
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
  const reclassifies: ReclassifyRow[] = [];
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
    const row = (store: Row['store'], writers: number, rows: number, m: { seconds: number; cpu: number }): Row =>
      ({ store, writers, rows, seconds: m.seconds, rowsPerSec: rows / m.seconds, cpuSeconds: m.cpu });
    results.push(row('sqlite', 1, lines, await ingest([one], () => sqOne)));
    results.push(row('sqlite', 4, 4 * quarter.lines, await ingest(fours, (i) => sq(`four-${i}`))));
    reports.push({ store: 'sqlite', rows: lines, seconds: await report(sqOne) });
    reclassifies.push({ store: 'sqlite', rows: lines, ...(await reclassify(sqOne, one.topologyPath)) });

    const pgOne = pg.createDb('bench_one');
    results.push(row('postgres', 1, lines, await ingest([one], () => pgOne)));
    const pgFour = pg.createDb('bench_four');
    const m4 = await ingest(fours, () => pgFour);
    const stored = Number(pg.psql('bench_four', 'SELECT count(*) FROM requests').trim());
    if (stored !== 4 * quarter.lines) throw new Error(`four writers stored ${stored} rows, expected ${4 * quarter.lines}`);
    results.push(row('postgres', 4, stored, m4));
    pg.psql('bench_one', 'VACUUM ANALYZE');
    reports.push({ store: 'postgres', rows: lines, seconds: await report(pgOne) });
    reclassifies.push({ store: 'postgres', rows: lines, ...(await reclassify(pgOne, one.topologyPath)) });
  } finally {
    pg?.destroy();
  }
  for (const r of results) say(`${r.store.padEnd(8)} ${r.writers} writer(s): ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSec)} rows/s (snatscope CPU ${r.cpuSeconds.toFixed(1)} s)`);
  const start = await startup();
  for (const r of reports) say(`${r.store.padEnd(8)} report --format json over ${r.rows} rows: ${r.seconds.toFixed(2)} s (snatscope --version: ${start.toFixed(2)} s)`);
  for (const r of reclassifies) say(`${r.store.padEnd(8)} reclassify of ${r.rows} rows (${r.changed} changed): ${r.seconds.toFixed(1)} s = ${Math.round(r.rows / r.seconds)} rows/s`);
  // The machine is shared: the load average says how far the figures are from an idle one.
  say(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  writeFileSync(join(out, 'stores.json'), JSON.stringify({ lines, cores: cpus().length, loadAverage: loadavg(), ingest: results, report: reports, reclassify: reclassifies }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench stores failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
