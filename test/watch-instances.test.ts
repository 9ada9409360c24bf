// Every line once through container restarts the pod status is late to report, restarts while a stream waits in the
// --max-streams queue or while snatscope is not running, clocks that step back, deleted pods with a backlog and
// --tail on containers that start during the run: rows stored == lines served, each once, against the emulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { UserError } from '../src/errors.js';
import { buildAudit } from '../src/report/audit.js';
import { addWebPod, readRows, readSql, startCluster, waitFor, type Cluster } from './helpers/kube.js';
import { Served, startWatch } from './helpers/watch-run.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 1 });
});
afterEach(async () => {
  await c.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The audit's coverage gaps of one pod over [from, now]. */
function gapsOf(pod: string, from: number): { reason: string }[] {
  const db = new Database(c.db, { readonly: true });
  try {
    return buildAudit(db, { from, until: Date.now() }).coverage.find((x) => x.pod === pod)?.gaps ?? [];
  } finally {
    db.close();
  }
}
const sourceOf = (tag: string) => readRows(c.db).find((r) => r.target === `/r/${tag}`)?.source;
const logRequests = (pod: string) => c.emu.requestLog.filter((r) => r.url.includes(`/pods/${pod}/log`)).map((r) => r.url);

describe('container restarts', () => {
  it('a restart whose status update lags the end of the old stream: the new instance is never read as the old one', async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    s.many('web-0', 'old-', 300);
    await s.allStored('the old instance');
    s.put('web-0', 'old-last');
    // The log switches at once; the pod status shows the restart 3 s later (the tail waits only 60 ms). The new
    // instance logs in a later second than the old one's last line, before the status catches up.
    c.model.restartContainer('default', 'web-0', 'nginx', { statusLagMs: 3000 });
    await sleep(1100);
    s.many('web-0', 'new-', 200);
    await s.allStored('both instances');
    await sleep(300);
    await w.stop();
    expect(s.check()).toEqual({ stored: 501, served: 501, dup: [], missing: [] });
    expect(sourceOf('old-last')).toBe(sourceOf('old-0'));
    expect(sourceOf('new-0')).not.toBe(sourceOf('old-0'));
    expect(logRequests('web-0').some((u) => u.includes('previous=true')), logRequests('web-0').join('\n')).toBe(true);
  }, 30_000);

  it('a restart of an instance that logged nothing, whose status update lags: the new instance is stored once, on its own source', async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    await waitFor(() => c.emu.openLogStreams === 1, 5000, 'the stream of the silent instance');
    c.model.restartContainer('default', 'web-0', 'nginx', { statusLagMs: 3000 });
    await sleep(200);
    s.many('web-0', 'new-', 200);
    await s.allStored('the new instance', 15_000);
    await sleep(500);
    await w.stop();
    expect(s.check()).toEqual({ stored: 200, served: 200, dup: [], missing: [] });
    // Stored under the new instance's source, not the silent one's.
    expect(readSql<{ n: number }>(c.db, "SELECT count(DISTINCT source) AS n FROM requests")[0].n).toBe(1);
    expect(readSql<{ id: string }>(c.db, "SELECT s.container_id AS id FROM requests r JOIN sources s ON s.id = r.source LIMIT 1")[0].id)
      .toContain(c.model.podState('default', 'web-0')!.containers[0].log.containerId.replace(/^\w+:\/\//, ''));
  }, 30_000);

  it('a restart while the pod watch is silent: the old instance is read to its end, the new one once the watch speaks', async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    s.many('web-0', 'old-', 100);
    await s.allStored('the old instance');
    c.emu.silenceWatches(true);
    s.put('web-0', 'old-last');
    c.model.restartContainer('default', 'web-0', 'nginx');
    s.many('web-0', 'new-', 150);
    await sleep(2000); // the old tail reconnects (follow=true serves the new instance) several times meanwhile
    expect(s.check().dup).toEqual([]);
    c.emu.silenceWatches(false);
    await s.allStored('the new instance after the watch came back');
    await sleep(300);
    await w.stop();
    expect(s.check()).toEqual({ stored: 251, served: 251, dup: [], missing: [] });
    expect(sourceOf('old-last')).toBe(sourceOf('old-0'));
    expect(sourceOf('new-149')).not.toBe(sourceOf('old-0'));
  }, 30_000);

  it('a restart while its stream waits in the --max-streams queue: the old instance is read with previous=true', async () => {
    const s = new Served(c);
    s.many('web-0', 'a-', 10);
    const w = await startWatch(c, { selector: 'app=web', maxStreams: 1 });
    await s.allStored('web-0');
    addWebPod(c.model, 1); // queued behind web-0
    s.many('web-1', 'old-', 355);
    await waitFor(() => w.stderr.text.includes('queued'), 5000, 'the queue');
    c.model.restartContainer('default', 'web-1', 'nginx');
    s.many('web-1', 'new-', 185);
    c.model.deletePod('default', 'web-0'); // frees the one stream slot
    await s.allStored('both instances of web-1');
    await sleep(300);
    await w.stop();
    expect(s.check()).toEqual({ stored: 550, served: 550, dup: [], missing: [] });
    expect(logRequests('web-1').some((u) => u.includes('previous=true'))).toBe(true);
    expect(sourceOf('old-0')).not.toBe(sourceOf('new-0'));
  }, 30_000);

  it('a restart while snatscope is not running (stopped, or between two --no-follow runs): the rest of the old instance is read from its cursor', async () => {
    const t0 = Date.now() - 1000;
    for (const follow of [true, false]) {
      const s = new Served(c);
      const pod = follow ? 'web-0' : 'web-1';
      if (!follow) addWebPod(c.model, 1);
      s.many(pod, `${pod}-a-`, 200);
      const w1 = await startWatch(c, { targets: [pod], follow });
      if (follow) {
        await s.allStored('the first run');
        await w1.stop();
      } else {
        expect((await w1.done).exitCode).toBe(0);
      }
      s.many(pod, `${pod}-b-`, 110); // the old instance goes on while nothing reads it
      c.model.restartContainer('default', pod, 'nginx');
      s.many(pod, `${pod}-c-`, 90);
      const w2 = await startWatch(c, { targets: [pod], follow });
      if (follow) {
        await s.allStored('the second run');
        await sleep(300);
        await w2.stop();
      } else {
        expect((await w2.done).exitCode).toBe(0);
      }
      const own = readRows(c.db).filter((r) => r.pod === pod);
      expect(own.length).toBe(400);
      expect(s.check().dup).toEqual([]);
      expect(s.check().missing).toEqual([]);
      expect(sourceOf(`${pod}-b-109`)).toBe(sourceOf(`${pod}-a-0`));
      expect(sourceOf(`${pod}-c-0`)).not.toBe(sourceOf(`${pod}-a-0`));
      // Coverage from what was stored: both instances are complete up to now, so the audit shows no gap.
      expect(gapsOf(pod, t0)).toEqual([]);
    }
  }, 40_000);

  it('an instance replaced twice while snatscope was not running: its loss is said, recorded and an audit gap', async () => {
    const t0 = Date.now() - 1000;
    const s = new Served(c);
    s.many('web-0', 'a-', 5);
    const w1 = await startWatch(c, { targets: ['web-0'] });
    await s.allStored('the first run');
    await w1.stop();
    c.model.appendLog('default', 'web-0', 'nginx', 'x');
    c.model.restartContainer('default', 'web-0', 'nginx');
    c.model.restartContainer('default', 'web-0', 'nginx');
    const w2 = await startWatch(c, { targets: ['web-0'] });
    await waitFor(() => w2.stderr.text.includes('replaced again'), 5000, 'the loss notice');
    await w2.stop();
    expect(w2.stderr.text).toMatch(/default\/web-0\/nginx: instance \w+ ended while snatscope was not running and was replaced again; its remaining lines cannot be read/);
    const ev = readSql<{ detail: string }>(c.db, "SELECT detail FROM pod_events WHERE event = 'stream-error'");
    expect(ev.some((e) => e.detail.includes('replaced again'))).toBe(true);
    // The audit shows the loss: the first instance was not read to its end.
    const gaps = gapsOf('web-0', t0);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].reason).toMatch(/^container instance \w{12} was not read to its end \(nothing stored after \d\d:\d\d:\d\d\)$/);
  }, 30_000);
});

describe('clocks and deletions', () => {
  it('a container clock that steps back: the cursor stays at the latest second; older lines are stored once and counted', async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    s.many('web-0', 'a-', 100);
    await s.allStored('lines before the step');
    c.model.setClockOffset('default', 'web-0', 'nginx', -60_000);
    s.many('web-0', 'b-', 150);
    await s.allStored('lines after the step back');
    expect(c.emu.cutLogStreams({ pod: 'web-0' })).toBe(1);
    await waitFor(() => c.emu.openLogStreams === 1, 5000, 'the resumed stream');
    await sleep(200);
    s.many('web-0', 'c-', 40);
    await s.allStored('lines after the resume');
    c.emu.endLogStreams({ pod: 'web-0' });
    await sleep(300);
    const r = await w.stop();
    expect(s.check()).toEqual({ stored: 290, served: 290, dup: [], missing: [] });
    expect(r.exitCode).toBe(0);
    expect(w.stderr.text).toMatch(/190 lines older than their stream's latest second \(a clock stepped back\), each stored once/);
  }, 30_000);

  it('a clock that steps back by 20 minutes, then watch restarts: every line stored once, the older ones counted', async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    s.many('web-0', 'a-', 50);
    await s.allStored('lines before the step');
    c.model.setClockOffset('default', 'web-0', 'nginx', -20 * 60_000);
    s.many('web-0', 'b-', 60);
    await s.allStored('lines after the step back');
    await w.stop();
    s.many('web-0', 'c-', 40);
    const w2 = await startWatch(c, { targets: ['web-0'] });
    await sleep(2500);
    c.emu.endLogStreams({ pod: 'web-0' });
    await sleep(300);
    const r = await w2.stop();
    expect(s.check()).toEqual({ stored: 150, served: 150, dup: [], missing: [] });
    expect(r.exitCode).toBe(0);
    expect(w.stderr.text).toMatch(/60 lines older than their stream's latest second \(a clock stepped back\), each stored once/);
    expect(w2.stderr.text).toMatch(/40 lines older than their stream's latest second \(a clock stepped back\), each stored once/);
  }, 30_000);

  it("a deleted pod's backlog drains to the end of its stream, not for a fixed time", async () => {
    const s = new Served(c);
    const w = await startWatch(c, { targets: ['web-0'] });
    s.put('web-0', 'first');
    await s.allStored('the first line');
    c.emu.dripLogStreams(10, 120, { pod: 'web-0' }); // 485 lines take ~6 s to arrive (longer than the old fixed 5 s)
    s.many('web-0', 'backlog-', 485);
    c.model.deletePod('default', 'web-0');
    await s.allStored('the whole backlog', 20_000);
    await w.stop();
    expect(s.check()).toEqual({ stored: 486, served: 486, dup: [], missing: [] });
  }, 30_000);

  it('--tail applies to containers running at the start only: a restarted container and a new pod are read from their start', async () => {
    const s = new Served(c);
    s.many('web-0', 'before-', 50);
    const w = await startWatch(c, { targets: ['web-.*'], tail: 5 });
    await waitFor(() => readRows(c.db).length === 5, 5000, 'the last 5 lines');
    c.model.restartContainer('default', 'web-0', 'nginx');
    s.many('web-0', 'restart-', 45);
    addWebPod(c.model, 1);
    s.many('web-1', 'new-pod-', 30);
    await waitFor(() => readRows(c.db).length >= 80, 10_000, 'the new instances');
    await sleep(300);
    await w.stop();
    const tags = readRows(c.db).map((r) => r.target.slice(3));
    expect(tags.filter((t) => t.startsWith('before-'))).toEqual(['before-45', 'before-46', 'before-47', 'before-48', 'before-49']);
    expect(tags.filter((t) => t.startsWith('restart-')).length).toBe(45);
    expect(tags.filter((t) => t.startsWith('new-pod-')).length).toBe(30);
    expect(tags.length).toBe(80);
  }, 30_000);
});


describe('two writers, and a --no-follow run that gives up', () => {
  it('a second watch on the same database exits 6 naming the first; with --wait it starts when the first stops', async () => {
    const s = new Served(c);
    s.many('web-0', 'a-', 50);
    const w1 = await startWatch(c, { targets: ['web-0'] });
    await s.allStored('the first writer');
    const second = await startWatch(c, { targets: ['web-0'] }).then((w) => w.done).then(() => null, (e: unknown) => e as UserError);
    expect(second).toBeInstanceOf(UserError);
    expect(second!.exitCode).toBe(6);
    expect(second!.message).toMatch(new RegExp(`^database .*snatscope\\.db is being written by pid ${process.pid} \\(snatscope watch, since \\d\\d:\\d\\d:\\d\\d\\); nothing was written$`));
    const w2 = startWatch(c, { targets: ['web-0'], wait: true });
    s.many('web-0', 'b-', 50);
    await s.allStored('lines while the second waits');
    await sleep(300);
    await w1.stop();
    const waiting = await w2;
    s.many('web-0', 'c-', 50);
    await s.allStored('lines after the second started');
    await sleep(300);
    await waiting.stop();
    expect(waiting.stderr.text).toContain(`waiting for pid ${process.pid} (snatscope watch`);
    expect(s.check()).toEqual({ stored: 150, served: 150, dup: [], missing: [] });
  }, 30_000);

  it('--no-follow that gives up on a stream (repeated 500s) exits 5 naming it; the other stream is stored whole', async () => {
    addWebPod(c.model, 1);
    const s = new Served(c);
    s.many('web-0', 'a-', 870);
    c.model.appendLog('default', 'web-1', 'nginx', Array.from({ length: 290 }, (_, i) => `line ${i}`));
    c.emu.failNext(1000, 500, { path: /\/pods\/web-1\/log/ });
    const w = await startWatch(c, { selector: 'app=web', follow: false });
    const r = await w.done;
    expect(r.exitCode).toBe(5);
    expect(w.stderr.text).toMatch(/snatscope: not read to the end: default\/web-1\/nginx: 500 InternalError: injected failure 500 \(0 lines read\)/);
    expect(w.stderr.text).toContain('1 of 2 streams were given up; the stored data is incomplete');
    expect(s.check()).toEqual({ stored: 870, served: 870, dup: [], missing: [] });
  }, 30_000);
});
