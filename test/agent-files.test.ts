// The node agent's file reading against a simulated kubelet on a real folder: rotation (rename, reopen, gzip,
// removal of old files), restarts, partial lines, deleted pods, and crashes at random points, with positions
// committed the way the pipeline commits them (any moment, also inside a line's hand-over).
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { NodeLogs, type InstanceRef, type WantedPod } from '../src/sources/crifiles/nodelogs.js';
import { parseLogFile, parsePodDir } from '../src/sources/crifiles/layout.js';
import { rotationStamp } from '../src/emulator/kubelet-logs.js';
import { SimKubelet } from './helpers/kubelet.js';
import { tempDir } from './helpers/cli.js';
import { mulberry32 as rng } from '../src/demo/rng.js';

/** What a store would hold: per source the committed cursor and lines; uncommitted lines are lost in a crash. */
class MemStore {
  committed = new Map<string, { cursor: string | null; n: number; done: boolean }>();
  lines = new Map<string, string[]>();
  cursors = new Map<string, () => string | null>();
  gaps: string[] = [];
  commitChance = 0;
  private readonly rand: () => number;
  constructor(seed = 1) {
    this.rand = rng(seed);
  }
  commit(): void {
    for (const [key, fn] of this.cursors) {
      const prev = this.committed.get(key);
      this.committed.set(key, { cursor: fn(), n: this.lines.get(key)!.length, done: prev?.done ?? false });
    }
  }
  /** The process died: what was not committed is gone. */
  crash(): void {
    for (const [key, l] of this.lines) l.length = this.committed.get(key)?.n ?? 0;
    this.cursors.clear();
  }
  ids(): string[] {
    const out: string[] = [];
    for (const l of this.lines.values()) for (const raw of l) out.push(/\/r\/([^ ?]+)/.exec(raw)?.[1] ?? `?${raw.slice(0, 40)}`);
    return out;
  }
  reader(podsDir: string, pods: WantedPod[]): NodeLogs {
    const logs = new NodeLogs({
      podsDir,
      open: (ref: InstanceRef, cursor) => {
        const lines = this.lines.get(ref.key) ?? [];
        this.lines.set(ref.key, lines);
        this.cursors.set(ref.key, cursor);
        const push = (raw: string) => {
          lines.push(raw);
          if (this.commitChance > 0 && this.rand() < this.commitChance) this.commit();
        };
        return {
          storedCursor: this.committed.get(ref.key)?.cursor ?? null,
          sink: { line: push, tooLong: (head) => push(`TOO-LONG ${head}`) },
          end: (done) => {
            this.commit();
            if (done) this.committed.get(ref.key)!.done = true;
            this.cursors.delete(ref.key);
          },
        };
      },
      unfinished: (key) => this.committed.has(key) && !this.committed.get(key)!.done,
      onGap: (_ref, msg) => this.gaps.push(msg),
    });
    logs.setPods(new Map(pods.map((p) => [p.uid, p])));
    return logs;
  }
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function setup(opts: { maxFiles?: number } = {}) {
  const t = tempDir('snatscope-agent-');
  cleanup = t.cleanup;
  const dir = join(t.dir, 'pods');
  const kubelet = new SimKubelet(dir, { maxFiles: opts.maxFiles });
  return { dir, kubelet };
}

const WEB: WantedPod = { namespace: 'shop', pod: 'web-1', uid: '0b8e1b2c-7a35-4c1e-9f0e-1d2c3b4a5f60' };

describe('the kubelet pods folder', () => {
  it.each([
    ['shop_web-1_0b8e1b2c-7a35-4c1e-9f0e-1d2c3b4a5f60', { namespace: 'shop', pod: 'web-1', uid: '0b8e1b2c-7a35-4c1e-9f0e-1d2c3b4a5f60' }],
    ['kube-system_coredns-5d78c9869d-x2x7q_4f1c', { namespace: 'kube-system', pod: 'coredns-5d78c9869d-x2x7q', uid: '4f1c' }],
    ['no-uid_web', null],
    ['a_b_c_d', null],
  ])('names pod folder %s', (name, want) => {
    const d = parsePodDir(name);
    expect(d && { namespace: d.namespace, pod: d.pod, uid: d.uid }).toEqual(want);
  });

  it.each([
    ['0.log', { restart: 0, key: '~', gz: false }],
    ['3.log.20261201-120005', { restart: 3, key: '20261201-120005', gz: false }],
    ['3.log.20261201-120005.gz', { restart: 3, key: '20261201-120005', gz: true }],
    ['3.log.20261201-120005.tmp', null],
    ['3.log.gz', null],
    ['nginx.log', null],
  ])('names log file %s', (name, want) => {
    const f = parseLogFile(name);
    expect(f && { restart: f.restart, key: f.key, gz: f.gz }).toEqual(want);
  });

  it('names rotated files the way the kubelet does (YYYYMMDD-HHMMSS, local time)', () => {
    const ms = new Date(2026, 11, 1, 9, 5, 7).getTime();
    expect(rotationStamp(ms)).toBe('20261201-090507');
  });
});

describe('agent file reading', () => {
  it('reads every line once through rotations, gzip of older files and a container restart', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    const logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 50);
    await logs.pass();
    for (let r = 0; r < 4; r++) {
      kubelet.write(c, 30);
      c.files.rotate();
      kubelet.write(c, 20);
      if (r % 2 === 1) await logs.pass();
    }
    c.files.restartContainer();
    kubelet.write(c, 25);
    await logs.pass();
    await logs.pass();
    await logs.pass();
    expect(mem.ids()).toEqual(kubelet.written);
    expect(mem.gaps).toEqual([]);
    // The first instance ended (a newer restart has a log), the second is still followed.
    expect(mem.committed.get(`cri:shop/web-1/${WEB.uid}/nginx/0`)?.done).toBe(true);
    expect(logs.instances).toBe(1);
    await logs.stop();
  });

  it('drains a renamed log before moving on: lines written before the runtime reopens are not lost', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    const logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 10);
    await logs.pass();
    c.files.rotate({ reopen: false });
    kubelet.write(c, 7); // still lands in the renamed file
    await logs.pass();
    kubelet.write(c, 5);
    c.files.reopen();
    kubelet.write(c, 9);
    await logs.pass();
    await logs.pass();
    expect(mem.ids()).toEqual(kubelet.written);
    await logs.stop();
  });

  it('joins partial lines (P parts and their F), also when a rotation falls between them', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    const logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 2, { long: true });
    // A P part, a rotation, and its F in the new file; a stderr line in between.
    c.files.writeRaw('2026-12-01T12:00:01.000000001Z stdout P 203.0.113.9 - - [01/Dec/2026:12:00:00 +0000] "GET /r/split-1 HT');
    c.files.writeRaw('\n');
    await logs.pass();
    c.files.rotate();
    c.files.writeRaw('2026-12-01T12:00:01.000000002Z stderr F 2026/12/01 12:00:01 [error] 7#7: upstream timed out\n');
    c.files.writeRaw('2026-12-01T12:00:01.000000003Z stdout F TP/1.1" 200 612 "-" "curl/8.5.0" "-"\n');
    await logs.pass();
    await logs.pass();
    const lines = [...mem.lines.values()].flat();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\S+ stdout F 203\.0\.113\.9 .*"GET \/r\/web-1-nginx-1\?x{20000} HTTP\/1\.1" 200/);
    expect(lines[2]).toMatch(/stderr F .*upstream timed out/);
    expect(lines[3]).toBe('2026-12-01T12:00:01.000000001Z stdout F 203.0.113.9 - - [01/Dec/2026:12:00:00 +0000] "GET /r/split-1 HTTP/1.1" 200 612 "-" "curl/8.5.0" "-"');
    await logs.stop();
  });

  it('after crashes at random points reads each line exactly once, also from files rotated and gzipped meanwhile', async () => {
    const rand = rng(7);
    for (let round = 0; round < 20; round++) {
      // maxFiles high: here no rotated file is removed before the reader got to it (that is a gap, tested below).
      const { dir, kubelet } = setup({ maxFiles: 100 });
      const pods = [WEB, { namespace: 'shop', pod: 'web-2', uid: 'a1b2c3d4-0000-4000-8000-000000000002' }];
      const cs = pods.map((p) => kubelet.container(p.namespace, p.pod, p.uid));
      const mem = new MemStore(round + 1);
      mem.commitChance = 0.02;
      let logs = mem.reader(dir, pods);
      for (let step = 0; step < 60; step++) {
        const c = cs[Math.floor(rand() * cs.length)];
        const r = rand();
        if (r < 0.55) kubelet.write(c, 1 + Math.floor(rand() * 40), { long: rand() < 0.05 });
        else if (r < 0.7) c.files.rotate();
        else if (r < 0.75) c.files.restartContainer();
        else if (r < 0.9) await logs.pass();
        else {
          // kill -9: nothing after the last commit survives; a new process resumes from the committed cursors.
          mem.crash();
          logs = mem.reader(dir, pods);
        }
      }
      for (let i = 0; i < 4; i++) await logs.pass();
      const ids = mem.ids();
      expect(new Set(ids).size, `round ${round}: no line twice`).toBe(ids.length);
      expect(ids.sort(), `round ${round}: every line`).toEqual([...kubelet.written].sort());
      expect(mem.gaps, `round ${round}`).toEqual([]);
      await logs.stop();
      cleanup?.();
      cleanup = null;
    }
  });

  it('says so when a file it had not finished was removed by the kubelet while it was down', async () => {
    const { dir, kubelet } = setup({ maxFiles: 2 });
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    mem.commitChance = 1;
    let logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 10);
    await logs.pass();
    await logs.stop();
    kubelet.write(c, 10);
    c.files.rotate();
    kubelet.write(c, 10);
    c.files.rotate(); // maxFiles 2: the first rotated file is removed
    kubelet.write(c, 10);
    logs = mem.reader(dir, [WEB]);
    await logs.pass();
    await logs.pass();
    expect(mem.gaps).toHaveLength(1);
    expect(mem.gaps[0]).toMatch(/was removed before it was read to its end: the lines after byte \d+ are lost/);
    const ids = mem.ids();
    expect(ids.slice(0, 10)).toEqual(kubelet.written.slice(0, 10));
    expect(ids.slice(10)).toEqual(kubelet.written.slice(20)); // 11-20 were in the removed file
    await logs.stop();
  });

  it('says so when a deleted pod\'s folder is removed before its newer files were read', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    const logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 10);
    await logs.pass();
    kubelet.write(c, 5);
    c.files.rotate();
    kubelet.write(c, 7); // in the new live file, never read
    logs.setPods(new Map());
    kubelet.logs.removePod(WEB.namespace, WEB.pod, WEB.uid);
    await logs.pass();
    // The open file is still read to its end through its descriptor; the newer one is gone, and that is said.
    expect(mem.ids()).toEqual(kubelet.written.slice(0, 15));
    expect(mem.gaps).toEqual(['the log folder was removed before the files after 0.log were read: their lines, if any, are lost']);
    await logs.stop();
  });

  it('drains a deleted pod to its end and ends it; a pod that is not selected is never read', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const other = kubelet.container('shop', 'batch-1', 'ffff0000-0000-4000-8000-000000000009');
    const mem = new MemStore();
    const logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 10);
    kubelet.write(other, 10);
    await logs.pass();
    kubelet.write(c, 5);
    logs.setPods(new Map());
    await logs.pass();
    expect(mem.ids()).toEqual(kubelet.written.filter((id) => id.startsWith('web-1')));
    expect(mem.committed.get(`cri:shop/web-1/${WEB.uid}/nginx/0`)?.done).toBe(true);
    expect(logs.instances).toBe(0);
    rmSync(join(dir, `shop_web-1_${WEB.uid}`), { recursive: true });
    await logs.stop();
  });

  it('drains the folder of a pod deleted while the agent was down when its log was not finished', async () => {
    const { dir, kubelet } = setup();
    const c = kubelet.container(WEB.namespace, WEB.pod, WEB.uid);
    const mem = new MemStore();
    mem.commitChance = 1;
    let logs = mem.reader(dir, [WEB]);
    kubelet.write(c, 10);
    await logs.pass();
    await logs.stop();
    kubelet.write(c, 6);
    logs = mem.reader(dir, []); // the pod is gone from the API
    await logs.pass();
    await logs.pass();
    expect(mem.ids()).toEqual(kubelet.written);
    expect(logs.instances).toBe(0);
    await logs.stop();
  });
});
