// The offline path as a user runs it: `snatscope ingest` (the compiled CLI, spawned) into a fresh SQLite file, then
// `snatscope report` on the result. Measures lines/s, peak RSS, CPU, database bytes per request, and checks that
// every request is stored (count in the database against the lines generated).
import Database from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_POD, NAMESPACE, TRUSTED_CIDR, type GeneratedInput } from './gen.js';
import { measure, repoRoot } from './proc.js';

export interface IngestResult {
  lines: number;
  /** Requests the CLI reported, and rows actually in the database. */
  requests: number;
  stored: number;
  unparsed: number;
  seconds: number;
  linesPerSec: number;
  cpuSeconds: number | null;
  peakRssBytes: number | null;
  dbBytes: number;
  bytesPerRequest: number;
  summary: string;
}

export interface ReportResult {
  /** `snatscope report` (table), wall seconds including Node start-up. */
  seconds: number;
  jsonSeconds: number;
  /** `snatscope --version`: the Node + CLI start-up share of the above. */
  startupSeconds: number;
  rows: number;
}

function cliEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', HOME: home, KUBECONFIG: '', SNATSCOPE_DB: '' };
}

function fileSize(p: string): number {
  return existsSync(p) ? statSync(p).size : 0;
}

export function removeDb(db: string): void {
  for (const s of ['', '-wal', '-shm', '-journal']) rmSync(db + s, { force: true });
}

export async function benchIngest(input: GeneratedInput, db: string, home: string): Promise<IngestResult> {
  const root = repoRoot();
  removeDb(db);
  const args = [
    join(root, 'bin', 'snatscope.js'), 'ingest', input.logPath, '--db', db, '--topology', input.topologyPath,
    '--trust', TRUSTED_CIDR, '--pod', LOG_POD, '--namespace', NAMESPACE, '--quiet',
  ];
  const m = await measure(process.execPath, args, { cwd: root, env: cliEnv(home) });
  if (m.code !== 0) throw new Error(`snatscope ingest exited ${m.code}: ${m.stderr.trim() || m.stdout.trim()}`);
  const summary = m.stdout.trim().split('\n').pop() ?? '';
  const num = (re: RegExp) => Number(re.exec(summary)?.[1] ?? NaN);
  const d = new Database(db, { readonly: true });
  let stored: number;
  try {
    stored = (d.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  } finally {
    d.close();
  }
  const dbBytes = fileSize(db) + fileSize(db + '-wal');
  return {
    lines: input.lines,
    requests: num(/(\d+) requests/),
    stored,
    unparsed: num(/(\d+) unparsed/),
    seconds: m.seconds,
    linesPerSec: input.lines / m.seconds,
    cpuSeconds: m.cpuSeconds,
    peakRssBytes: m.peakRss,
    dbBytes,
    bytesPerRequest: stored ? dbBytes / stored : 0,
    summary,
  };
}

export async function benchReport(db: string, home: string): Promise<ReportResult> {
  const root = repoRoot();
  const bin = join(root, 'bin', 'snatscope.js');
  const env = cliEnv(home);
  const start = await measure(process.execPath, [bin, '--version'], { cwd: root, env });
  const table = await measure(process.execPath, [bin, 'report', '--db', db], { cwd: root, env });
  if (table.code !== 0) throw new Error(`snatscope report exited ${table.code}: ${table.stderr.trim()}`);
  const json = await measure(process.execPath, [bin, 'report', '--db', db, '-o', 'json'], { cwd: root, env });
  if (json.code !== 0) throw new Error(`snatscope report -o json exited ${json.code}: ${json.stderr.trim()}`);
  return {
    seconds: table.seconds,
    jsonSeconds: json.seconds,
    startupSeconds: start.seconds,
    rows: table.stdout.trim().split('\n').length,
  };
}
