// Hardening, signals and crashes with real child processes: SIGINT / SIGTERM / kill -9 in the middle of an ingest of a
// big file and of a watch against the emulated cluster. Every request accepted before the signal is committed
// (ingest exits 130/143; watch exits 0 on Ctrl-C by design and 143 on SIGTERM), the database passes integrity_check,
// and the next run resumes so that each request is stored exactly once (final count == input lines).
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { integrity, mainLine, requestCount, startCli, storedTargets, until, writeMainLog } from './helpers/hostile.js';
import { accessLine, startCluster, type Cluster } from './helpers/kube.js';
import Database from 'better-sqlite3';

const LINES = 200_000;

let tmp: ReturnType<typeof tempDir>;
let bigLog: string;
beforeAll(() => {
  tmp = tempDir('snatscope-hard-sig-');
  bigLog = join(tmp.dir, 'web-big.log');
  writeMainLog(bigLog, LINES, 'b');
});
afterAll(() => tmp.cleanup());

/** Rows in a database that may be being written (0 while it does not exist yet). */
function rowsNow(db: string): number {
  try {
    return requestCount(db);
  } catch {
    return 0;
  }
}

function committedLines(db: string): number {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT coalesce(sum(lines), 0) FROM sources').pluck().get() as number);
  } finally {
    d.close();
  }
}

function expectExactlyOnce(targets: string[], n: number): void {
  expect(targets).toHaveLength(n);
  expect(new Set(targets).size).toBe(n);
}

describe('ingest interrupted mid-way', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGKILL', 137],
  ] as const)('%s: what was accepted is committed, the re-run stores the rest exactly once', async (signal, code) => {
    const db = join(tmp.dir, `ingest-${signal}.db`);
    const run = startCli(['ingest', bigLog, '--db', db, '-q']);
    // Mid-way: the first commit is visible, the file is far from done.
    await until(() => rowsNow(db) > 0, 20_000, 'the first committed rows');
    run.child.kill(signal);
    expect(await run.exited, run.out.stderr).toBe(code);
    expect(integrity(db)).toBe('ok');
    const stored = requestCount(db);
    expect(stored).toBeLessThan(LINES);
    // Rows and the source position are committed together: the position covers exactly the stored rows.
    expect(committedLines(db)).toBe(stored);
    if (signal !== 'SIGKILL') {
      const m = /ingested: (\d+) lines, (\d+) requests/.exec(run.out.stdout);
      expect(m, run.out.stdout).not.toBeNull();
      expect(Number(m![2])).toBe(stored); // every request the summary counted is in the store
    }
    const again = runCli(['ingest', bigLog, '--db', db, '-q']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${stored} already stored`);
    expectExactlyOnce(storedTargets(db), LINES);
  }, 90_000);
});

describe('ingest of a pipe that stays open', () => {
  it.each([
    ['SIGTERM', 'plain', 143],
    ['SIGINT', 'plain', 130],
    ['SIGTERM', 'gzip', 143],
  ] as const)('%s stops the wait for more %s input, commits every line read, and says how many', async (signal, kind, code) => {
    const gz = kind === 'gzip';
    const db = join(tmp.dir, `pipe-${signal}-${gz}.db`);
    const lines = Array.from({ length: 2000 }, (_, i) => mainLine(`p${i}`, { remote: `198.51.100.${i % 200}` })).join('\n') + '\n';
    const run = startCli(['ingest', '-', '--pod', 'piped', '--db', db, '-q'], { stdin: 'pipe' });
    if (gz) {
      // A gzip stream flushed but not ended: the whole 2000 lines can be decoded, the stream goes on.
      const z = createGzip();
      z.pipe(run.child.stdin!, { end: false });
      z.write(lines);
      z.flush();
    } else run.child.stdin!.write(lines);
    await until(() => rowsNow(db) === 2000, 20_000, 'the 2000 lines committed');
    run.child.kill(signal);
    expect(await run.exited, run.out.stderr).toBe(code);
    run.child.stdin!.destroy();
    expect(run.out.stdout).toMatch(/ingested: 2000 lines, 2000 requests/);
    expect(integrity(db)).toBe('ok');
    expect(committedLines(db)).toBe(2000);
  }, 60_000);
});

describe('watch interrupted mid-way', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await startCluster({ pods: 2 });
  });
  afterEach(async () => {
    await c.close();
  });

  /** Appends lines to both pods until stopped; returns the targets appended. */
  function traffic(): { stop(): void; targets: string[] } {
    const targets: string[] = [];
    let n = 0;
    const timer = setInterval(() => {
      for (const pod of ['web-0', 'web-1']) {
        const batch: string[] = [];
        for (let i = 0; i < 40; i++) {
          const tag = `${pod}-${n++}`;
          batch.push(accessLine(tag));
          targets.push(`/r/${tag}`);
        }
        c.model.appendLog('default', pod, 'nginx', batch);
      }
    }, 15);
    return { stop: () => clearInterval(timer), targets };
  }

  it.each([
    ['SIGINT', 0],
    ['SIGTERM', 143],
    ['SIGKILL', 137],
  ] as const)('%s: accepted requests are committed, a resumed watch stores the rest exactly once', async (signal, code) => {
    const args = ['watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', c.db, '--format', 'main'];
    const run = startCli([...args, '--output', 'json'], { env: { HOME: c.dir } });
    await until(() => c.emu.openLogStreams === 2, 20_000, 'two log streams');
    const t = traffic();
    await until(() => rowsNow(c.db) > 500, 20_000, 'committed rows');
    run.child.kill(signal);
    expect(await run.exited, run.out.stderr).toBe(code);
    t.stop();
    expect(integrity(c.db)).toBe('ok');
    const stored = storedTargets(c.db);
    if (signal !== 'SIGKILL') {
      // Every request written to the output (accepted) before the exit is in the store.
      const accepted = run.out.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { target: string }).target);
      expect(accepted.length).toBeGreaterThan(0);
      const have = new Set(stored);
      expect(accepted.filter((x) => !have.has(x))).toEqual([]);
    }
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.length).toBeLessThanOrEqual(t.targets.length);
    // A second watch resumes from the stored cursors and reads to the end of the logs.
    const resume = startCli([...args, '--no-follow', '--output', 'none'], { env: { HOME: c.dir } });
    expect(await resume.exited, resume.out.stderr).toBe(0);
    const all = storedTargets(c.db);
    expect(all.filter((x) => !t.targets.includes(x))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(t.targets.length);
  }, 90_000);
});
