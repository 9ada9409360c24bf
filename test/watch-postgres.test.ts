// A running `watch` (the real CLI against the emulated cluster) storing into a real PostgreSQL that is restarted
// under it: the watch keeps reading, says once that the connection was lost and once that it is back, and after
// Ctrl-C every request appended to the logs is stored exactly once. Two watches of the same pods: the second says
// the streams are stored by the first and stores none of them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { startCli, until } from './helpers/hostile.js';
import { accessLine, startCluster, type Cluster } from './helpers/kube.js';

const pgb = backends()[1];

describe.skipIf(pgb.skip)('watch into PostgreSQL', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await startCluster({ pods: 2 });
  });
  afterEach(async () => {
    await c.close();
  });

  /** Appends `per` lines to each pod every 20 ms until stopped; returns the targets appended. */
  function traffic(per: number, prefix: string): { stop(): void; targets: string[] } {
    const targets: string[] = [];
    let n = 0;
    const timer = setInterval(() => {
      for (const pod of ['web-0', 'web-1']) {
        const batch: string[] = [];
        for (let i = 0; i < per; i++) {
          const tag = `${prefix}${pod}-${n++}`;
          batch.push(accessLine(tag));
          targets.push(`/r/${tag}`);
        }
        c.model.appendLog('default', pod, 'nginx', batch);
      }
    }, 20);
    return { stop: () => clearInterval(timer), targets };
  }

  const stored = (db: string) => pgb.rows(db, 'SELECT target FROM requests_v');

  it('rides out a server restart: reconnects, says so once, loses and duplicates nothing', async () => {
    const db = pgb.fresh('watch_restart');
    const run = startCli(['watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', db, '--format', 'main', '--output', 'none'], { env: { HOME: c.dir } });
    await until(() => c.emu.openLogStreams === 2, 20_000, 'two log streams');
    const t = traffic(20, 'a');
    await until(() => pgb.num(db, 'SELECT count(*) FROM requests') > 200, 20_000, 'committed rows');
    pgb.server!.stop('fast');
    // Lines keep coming while the server is down; the watch keeps reading them.
    await new Promise((r) => setTimeout(r, 1500));
    pgb.server!.start();
    await until(() => /reconnected/.test(run.out.stderr), 30_000, 'the reconnect notice');
    await new Promise((r) => setTimeout(r, 500));
    t.stop();
    const all = t.targets.length;
    await until(() => pgb.num(db, 'SELECT count(*) FROM requests') >= all, 20_000, `all ${all} rows stored`);
    run.child.kill('SIGINT');
    expect(await run.exited, run.out.stderr).toBe(0);
    const lost = run.out.stderr.match(/connection lost/g) ?? [];
    const back = run.out.stderr.match(/reconnected after [\d.]+ s; nothing was lost/g) ?? [];
    expect(lost).toHaveLength(1);
    expect(back).toHaveLength(1);
    const rows = stored(db);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.sort()).toEqual([...t.targets].sort());
    expect(pgb.num(db, 'SELECT sum(requests) FROM rollups')).toBe(all);
  }, 120_000);

  it('a second watch of the same pods stores none of their lines and says why', async () => {
    const db = pgb.fresh('watch_two');
    const args = ['watch', '-l', 'app=web', '--kubeconfig', c.kubeconfig, '--db', db, '--format', 'main', '--output', 'none'];
    const first = startCli(args, { env: { HOME: c.dir } });
    await until(() => c.emu.openLogStreams === 2, 20_000, 'the first watch streaming');
    await until(() => pgb.num(db, 'SELECT count(*) FROM sources') === 2, 20_000, 'the first watch owning its sources');
    const second = startCli(args, { env: { HOME: c.dir } });
    await until(() => (second.out.stderr.match(/not stored by this run/g) ?? []).length === 2, 20_000, 'the second watch refusing both streams');
    const t = traffic(10, 'b');
    await new Promise((r) => setTimeout(r, 1000));
    t.stop();
    await until(() => pgb.num(db, 'SELECT count(*) FROM requests') >= t.targets.length, 20_000, 'the first watch storing every line');
    second.child.kill('SIGINT');
    first.child.kill('SIGINT');
    expect(await second.exited, second.out.stderr).toBe(0);
    expect(await first.exited, first.out.stderr).toBe(0);
    expect(second.out.stderr).toMatch(/default\/web-0\/nginx: not stored by this run: .* is being stored by snatscope watch pid \d+ on /);
    const rows = stored(db);
    expect(rows.sort()).toEqual([...t.targets].sort());
  }, 120_000);
});
