// Hardening, terminal injection: ANSI/OSC escape sequences, carriage returns, bidi overrides and other control
// characters in a user agent, target, referer or pod name never reach the terminal raw: not in `watch --output lines`,
// the report and audit tables, markdown, or an error message (a file name with an escape, a hostile --format value, a
// hostile unknown option). JSON and CSV carry the exact values (parsed back); HTML keeps a <script> user agent as text.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../src/report/run.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { RAW_CONTROL, mainLine, startCli, until } from './helpers/hostile.js';
import { startCluster, type Cluster } from './helpers/kube.js';

const ESC = '\x1b';
/** Hostile values: an OSC title set, a screen clear, a CR overwrite, a bidi override, C1 CSI, a <script>. */
const UA = `<script>alert(1)</script>${ESC}]0;owned${ESC}\\\r${ESC}[31mred\u202egnp.exe\u009b2J`;
const TARGET = `/a${ESC}]8;;http://198.51.100.1/${ESC}\\click${ESC}]8;;${ESC}\\\rb`;
const REFERER = `http://203.0.113.5/${ESC}[2J${ESC}[H\x07`;
const POD = `ev${ESC}[2Jil<script>x</script>,"q"\r`;

let tmp: ReturnType<typeof tempDir>;
let db: string;
const FROM = '2026-11-27T02:00:00Z';
const UNTIL = '2026-11-27T03:00:00Z';

beforeAll(() => {
  tmp = tempDir('snatscope-hard-term-');
  db = join(tmp.dir, 'term.db');
  const log = join(tmp.dir, 'hostile.log');
  writeFileSync(log, [mainLine('x', { ua: UA, target: TARGET, referer: REFERER }), mainLine('plain', { remote: '10.0.0.11' })].join('\n') + '\n');
  const r = runCli(['ingest', log, '--db', db, '--pod', POD, '--node-ip', '10.0.0.11=node-a']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr + r.stdout).not.toMatch(RAW_CONTROL);
});
afterAll(() => tmp.cleanup());

function expectNoRaw(text: string): void {
  const m = RAW_CONTROL.exec(text);
  expect(m ? `raw U+${m[0].charCodeAt(0).toString(16)} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 30), m.index + 30))}` : null).toBeNull();
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('hostile text in the views', () => {
  it.each(['table', 'markdown'])('report --format %s shows no raw control character', (format) => {
    const r = runCli(['report', '--db', db, '--from', FROM, '--until', UNTIL, '-o', format]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ev\\{1,2}e\\?\[2Jil/); // shown escaped (markdown also escapes the bracket)
    expectNoRaw(r.stdout + r.stderr);
  });

  it.each(['table', 'markdown'])('audit --format %s shows no raw control character', (format) => {
    const r = runCli(['audit', '--db', db, '--from', FROM, '--until', UNTIL, '-o', format]);
    expect(r.code, r.stderr).toBe(0);
    expectNoRaw(r.stdout + r.stderr);
  });

  it('report and audit JSON parse back to the exact pod name', () => {
    const rep = runCli(['report', '--db', db, '--from', FROM, '--until', UNTIL, '-o', 'json']);
    expect(rep.code, rep.stderr).toBe(0);
    expect((JSON.parse(rep.stdout) as { pods: Array<{ pod: string }> }).pods.map((p) => p.pod)).toContain(POD);
    expectNoRaw(rep.stdout); // JSON escapes control characters as \u00XX
    const audit = runCli(['audit', '--db', db, '--from', FROM, '--until', UNTIL, '-o', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(audit.stdout))).toContain(JSON.stringify(POD).slice(1, -1));
  });

  it('report CSV parses back to the exact pod name (quotes, comma, CR and ESC inside one field)', () => {
    const r = runCli(['report', '--db', db, '--from', FROM, '--until', UNTIL, '-o', 'csv']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsv(r.stdout);
    const header = rows[0];
    const podCol = header.indexOf('pod');
    expect(podCol).toBeGreaterThanOrEqual(0);
    for (const row of rows.slice(1).filter((x) => x.length > 1)) expect(row).toHaveLength(header.length);
    expect(rows.map((row) => row[podCol])).toContain(POD);
  });

  it('report CSV to a terminal shows the control characters of the pod name escaped (a file or pipe gets the exact value)', () => {
    const flags = { db, from: FROM, until: UNTIL, format: 'csv' };
    const tty = runReport(flags, Date.now(), true).text;
    expectNoRaw(tty.replace(/\r\n/g, '\n'));
    expect(tty).toContain('ev\\e[2Jil');
    expect(parseCsv(runReport(flags, Date.now(), false).text).map((row) => row[1])).toContain(POD);
  });

  it.runIf(existsSync(join(ROOT, 'src/report/html.ts')))('report --format html keeps <script> and escapes as text', () => {
    const r = runCli(['report', '--db', db, '--from', FROM, '--until', UNTIL, '-o', 'html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('<script>x</script>');
    expect(r.stdout).not.toContain('<script>alert');
    expect(r.stdout).toMatch(/&lt;script&gt;x&lt;\/script&gt;/);
    expectNoRaw(r.stdout);
  });
});

describe('hostile text in error messages', () => {
  it('a missing file whose name holds an escape sequence', () => {
    const r = runCli(['ingest', join(tmp.dir, `no${ESC}]0;pwn\x07file${ESC}[2J.log`), '--db', join(tmp.dir, 'e.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expectNoRaw(r.stderr);
  });

  it('an existing file whose name holds an escape sequence (format note and summary)', () => {
    const path = join(tmp.dir, `web${ESC}[2J\r.log`);
    writeFileSync(path, mainLine('n') + '\n');
    const r = runCli(['ingest', path, '--db', join(tmp.dir, 'n.db')]);
    expect(r.code, r.stderr).toBe(0);
    expectNoRaw(r.stdout + r.stderr);
  });

  it('a hostile --format value', () => {
    const r = runCli(['ingest', '--format', `evil${ESC}]0;pwn\x07\r${ESC}[2J`, '--db', join(tmp.dir, 'f.db'), '-'], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown format/);
    expectNoRaw(r.stderr);
  });

  it('a hostile unknown option and a hostile --since value', () => {
    const opt = runCli(['ingest', `--ev${ESC}[2Jil`]);
    expect(opt.code).toBe(2);
    expectNoRaw(opt.stderr);
    const since = runCli(['report', '--db', db, '--since', `1${ESC}[2J\r`]);
    expect(since.code).toBe(2);
    expectNoRaw(since.stderr);
  });
});

describe('hostile text in watch --output lines', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ pods: 1 });
  });
  afterAll(async () => {
    await c.close();
  });

  it('prints the request with every control character escaped', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', [
      mainLine('w', { ua: UA, target: TARGET, referer: REFERER }),
      mainLine('w2', { ua: UA, target: `/b${ESC}[2J${ESC}]0;x${ESC}\\c`, referer: REFERER }),
    ]);
    const run = startCli(['watch', 'web-0', '--kubeconfig', c.kubeconfig, '--db', c.db, '--output', 'lines', '--format', 'main'], { env: { HOME: c.dir } });
    await until(() => run.out.stdout.split('\n').length > 2, 30_000, 'the printed requests');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    // A request line with control characters is not split into method and target: the view shows '-' for them.
    expect(run.out.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expectNoRaw(run.out.stdout + run.out.stderr);
  }, 60_000);
});
