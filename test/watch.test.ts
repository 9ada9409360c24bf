// `snatscope watch` in-process (runWatch) against the emulated cluster, with a real store in a temp dir: every line
// appended is stored exactly once through resets, clean ends, stalls, watch expiry, pods added and deleted, a
// container restart and a restart of the watcher itself; addresses are classified against the live topology.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWatch, type WatchOptions, type WatchRun, type WatchTuning } from '../src/watch/run.js';
import { accessLine, addWebPod, exactlyOnce, readRows, readSql, startCluster, waitFor, type Cluster } from './helpers/kube.js';

let c: Cluster;
beforeEach(async () => {
  c = await startCluster({ pods: 2 });
});
afterEach(async () => {
  await c.close();
});

const TUNING: WatchTuning = {
  idleMs: 500,
  endGraceMs: 60,
  backoff: { baseMs: 20, maxMs: 250 },
  watch: { idleMs: 3000, backoff: { baseMs: 20, maxMs: 250 } },
  flushMs: 50,
};

class Out {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

interface Running {
  done: Promise<Awaited<ReturnType<typeof runWatch>>>;
  stop(): Promise<Awaited<ReturnType<typeof runWatch>>>;
  stdout: Out;
  stderr: Out;
  run: () => WatchRun;
}

async function start(opts: Partial<WatchOptions> = {}, tuning: WatchTuning = TUNING): Promise<Running> {
  const ac = new AbortController();
  const stdout = new Out();
  const stderr = new Out();
  let run: WatchRun | null = null;
  const done = runWatch(
    { kubeconfig: c.kubeconfig, db: c.db, output: 'none', format: 'main', ...opts },
    { signal: ac.signal, stdout, stderr, env: {}, tuning, onStarted: (r) => (run = r) },
  );
  done.catch(() => {});
  await waitFor(() => run !== null || stderr.text.includes('error'), 10_000, 'watch to start');
  return {
    done,
    stdout,
    stderr,
    run: () => run!,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

/** Appends one tagged line per call and remembers the tag. */
function writer(expected: string[]) {
  return (pod: string, tag: string, time = Date.now(), remote = '203.0.113.7', container = 'nginx') => {
    c.model.appendLog('default', pod, container, accessLine(tag, remote), time);
    expected.push(tag);
  };
}

async function storedAll(expected: string[], what: string, timeoutMs = 10_000): Promise<void> {
  const targets = expected.map((t) => (t.startsWith('/r/') ? t : `/r/${t}`));
  await waitFor(() => exactlyOnce(readRows(c.db), targets).missing.length === 0, timeoutMs, what);
}

describe('snatscope watch', () => {
  it('stores every line exactly once through cuts, clean ends, stalls, watch expiry, pod churn, a restart and its own restart', async () => {
    const expected: string[] = [];
    const put = writer(expected);
    const w = await start({ selector: 'app=web' });
    const sec = Math.floor(Date.now() / 1000) * 1000;

    // Several lines in one second on both pods, then a reset in the middle of that second.
    for (let i = 0; i < 3; i++) put('web-0', `w0-a${i}`, sec + i);
    for (let i = 0; i < 3; i++) put('web-1', `w1-a${i}`, sec + i);
    await storedAll(expected, 'first lines');
    expect(c.emu.cutLogStreams({ pod: 'web-0' })).toBe(1);
    for (let i = 3; i < 6; i++) put('web-0', `w0-a${i}`, sec + i);
    await storedAll(expected, 'lines after a reset');

    // A clean end while the container keeps running.
    expect(c.emu.endLogStreams({ pod: 'web-1' })).toBe(1);
    put('web-1', 'w1-after-end', sec + 10);
    await storedAll(expected, 'lines after a clean end');

    // A stall: the idle timer (500 ms) reconnects.
    c.emu.stallLogStreams(8000, { pod: 'web-0' });
    put('web-0', 'w0-during-stall', sec + 11);
    await storedAll(expected, 'a line written during a stall', 5000);

    // Every watch expires (410): re-list; a pod added meanwhile is picked up.
    c.emu.expireWatches();
    addWebPod(c.model, 2);
    await waitFor(() => c.emu.openLogStreams >= 3, 5000, 'a stream for the new pod');
    put('web-2', 'w2-a0');
    await storedAll(expected, 'the new pod');

    // A container restart: the old instance's last lines, then the new instance.
    put('web-1', 'w1-last-of-old');
    c.model.restartContainer('default', 'web-1', 'nginx');
    put('web-1', 'w1-new-0');
    await storedAll(expected, 'both instances of a restarted container');

    // A pod deleted right after writing: its last lines drain first.
    put('web-0', 'w0-last');
    c.model.deletePod('default', 'web-0');
    await storedAll(expected, 'the last lines of a deleted pod');

    // Stop the watcher, keep writing (same second as lines before the stop), start it again.
    const sec2 = Math.floor(Date.now() / 1000) * 1000;
    put('web-2', 'w2-b0', sec2);
    put('web-2', 'w2-b1', sec2);
    await storedAll(expected, 'lines before the stop');
    const first = await w.stop();
    expect(first.exitCode).toBe(0);
    put('web-2', 'w2-b2', sec2);
    put('web-2', 'w2-b3', sec2);
    put('web-1', 'w1-new-1', sec2);
    const w2 = await start({ selector: 'app=web' });
    put('web-2', 'w2-b4', sec2 + 500);
    await storedAll(expected, 'lines written while stopped and after the restart');
    await new Promise((r) => setTimeout(r, 300));
    await w2.stop();

    const rows = readRows(c.db);
    const { dup, missing } = exactlyOnce(rows, expected.map((t) => `/r/${t}`));
    expect(dup).toEqual([]);
    expect(missing).toEqual([]);
    expect(rows.length).toBe(expected.length);

    // A restarted container is its own source (key ends with the new containerID); each line belongs to its instance.
    const sources = readSql<{ key: string; container_id: string }>(c.db, "SELECT key, container_id FROM sources WHERE pod = 'web-1'");
    expect(sources.length).toBe(2);
    const sourceOf = (tag: string) => rows.find((r) => r.target === `/r/${tag}`)!.source;
    expect(sourceOf('w1-last-of-old')).toBe(sourceOf('w1-a0'));
    expect(sourceOf('w1-new-0')).not.toBe(sourceOf('w1-a0'));
    expect(sourceOf('w1-new-1')).toBe(sourceOf('w1-new-0'));
    // The old instance was read to its end with previous=true; the stall was noticed by the idle timer.
    expect(c.emu.requestLog.some((r) => r.url.includes('/pods/web-1/log') && r.url.includes('previous=true'))).toBe(true);
    expect(c.emu.requestLog.filter((r) => r.url.includes('/pods/web-0/log')).length).toBeGreaterThanOrEqual(3);
    const events = readSql<{ event: string }>(c.db, 'SELECT DISTINCT event FROM pod_events').map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['watched', 'deleted', 'stream-start', 'stream-end', 'restart']));
  }, 60_000);

  it('classifies clients against the cluster topology (node InternalIP, podCIDR .1, CNI annotation, pod IP)', async () => {
    const w = await start({ targets: ['web-0'] });
    const put = writer([]);
    put('web-0', 'node-ip', undefined, '10.0.0.11');
    put('web-0', 'gateway', undefined, '10.244.2.1');
    put('web-0', 'flannel', undefined, '192.168.50.12');
    put('web-0', 'pod-ip', undefined, '10.244.2.11');
    put('web-0', 'other-private', undefined, '172.16.5.5');
    put('web-0', 'public', undefined, '198.51.100.23');
    await storedAll(['node-ip', 'gateway', 'flannel', 'pod-ip', 'other-private', 'public'].map((t) => `/r/${t}`), 'rows');
    await w.stop();
    const got = Object.fromEntries(readRows(c.db).map((r) => [r.target.slice(3), [r.class, r.owner]]));
    expect(got).toEqual({
      'node-ip': ['node', 'node-a'],
      gateway: ['node', 'node-b'],
      flannel: ['node', 'node-b'],
      'pod-ip': ['pod', 'default/web-1'],
      'other-private': ['private', null],
      public: ['external', null],
    });
    // Only the target pod was streamed.
    expect(new Set(readRows(c.db).map((r) => r.pod))).toEqual(new Set(['web-0']));
  });

  it('ends by itself with --no-follow after reading what the logs hold', async () => {
    c.model.appendLog('default', 'web-0', 'nginx', [accessLine(1), accessLine(2), accessLine(3)]);
    c.model.appendLog('default', 'web-1', 'nginx', [accessLine(4)]);
    const res = await runWatch(
      { kubeconfig: c.kubeconfig, db: c.db, output: 'none', format: 'main', follow: false, tail: 2 },
      { stdout: new Out(), stderr: new Out(), env: {}, tuning: TUNING },
    );
    expect(res).toMatchObject({ exitCode: 0, lines: 3, requests: 3, streams: 2 });
    expect(readRows(c.db).map((r) => r.target).sort()).toEqual(['/r/2', '/r/3', '/r/4']);
  });

  it.each([
    ['lines', (text: string) => expect(text).toMatch(/^web-0 external 203\.0\.113\.7 {2}GET \/r\/1 200\n/)],
    ['json', (text: string) => expect(JSON.parse(text.split('\n')[0])).toMatchObject({ pod: 'web-0', cls: 'external', target: '/r/1', status: 200, requestTime: null })],
    ['none', (text: string) => expect(text).toBe('')],
  ])('writes --output %s', async (output, check) => {
    c.model.appendLog('default', 'web-0', 'nginx', accessLine(1));
    const stdout = new Out();
    await runWatch(
      { kubeconfig: c.kubeconfig, db: c.db, output, format: 'main', follow: false, targets: ['web-0'] },
      { stdout, stderr: new Out(), env: {}, tuning: TUNING },
    );
    check(stdout.text);
  });

  it('queues streams beyond --max-streams and serves them when another ends', async () => {
    addWebPod(c.model, 2);
    const w = await start({ selector: 'app=web', maxStreams: 2 });
    await waitFor(() => w.stderr.text.includes('queued'), 5000, 'the queue notice');
    expect(w.stderr.text).toMatch(/3 containers match, --max-streams 2: 1 queued/);
    expect(w.run().pods.counts).toMatchObject({ active: 2, queued: 1 });
    for (let i = 0; i < 3; i++) c.model.appendLog('default', `web-${i}`, 'nginx', accessLine(`p${i}`));
    const streamed = () => readRows(c.db).map((r) => r.pod);
    await waitFor(() => streamed().length === 2, 5000, 'two streams');
    const served = new Set(streamed());
    const waiting = ['web-0', 'web-1', 'web-2'].find((p) => !served.has(p))!;
    c.model.deletePod('default', [...served][0]);
    await waitFor(() => streamed().includes(waiting), 5000, 'the queued stream to start');
    await w.stop();
  });

  it('shows a 403 on pods/log for one pod and keeps streaming the others', async () => {
    c.emu.failNext(1000, 403, {
      path: /pods\/web-1\/log/,
      message: 'pods "web-1" is forbidden: User "system:serviceaccount:default:snatscope" cannot get resource "pods/log" in API group "" in the namespace "default"',
    });
    const w = await start({ selector: 'app=web' });
    c.model.appendLog('default', 'web-0', 'nginx', accessLine('ok'));
    await storedAll(['/r/ok'], 'the permitted pod');
    await waitFor(() => w.stderr.text.includes('forbidden'), 5000, 'the 403 message');
    expect(w.stderr.text).toContain('default/web-1/nginx: forbidden: cannot get pods/log in namespace default');
    await w.stop();
  });

  it('fails at start with one clear line when the pods cannot be listed', async () => {
    c.emu.failNext(100, 403, {
      path: /\/namespaces\/default\/pods\?/,
      message: 'pods is forbidden: User "system:serviceaccount:default:x" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    await expect(
      runWatch({ kubeconfig: c.kubeconfig, db: c.db, output: 'none', selector: 'app=web' }, { stdout: new Out(), stderr: new Out(), env: {}, tuning: TUNING }),
    ).rejects.toThrow('cannot list the target pods: forbidden: cannot list pods in namespace default');
  });

  it('fails at start with one clear line for an unknown context', async () => {
    await expect(
      runWatch({ kubeconfig: c.kubeconfig, db: c.db, context: 'nope', output: 'none' }, { stdout: new Out(), stderr: new Out(), env: {} }),
    ).rejects.toThrow(/context "nope" is not in the kubeconfig/);
  });

  it('resolves deploy/NAME and svc/NAME to their pod selectors', async () => {
    c.model.addPod({ namespace: 'default', name: 'other', nodeName: 'node-a', ip: '10.244.1.99', labels: { app: 'other' }, containers: ['nginx'] });
    c.model.addService({ namespace: 'default', name: 'web', selector: { app: 'web' }, ports: [{ port: 80 }], type: 'NodePort' });
    c.model.addDeployment({ namespace: 'default', name: 'web', selector: { app: 'web' } });
    for (const name of ['web-0', 'web-1', 'other']) c.model.appendLog('default', name, 'nginx', accessLine(name));
    for (const target of ['svc/web', 'deploy/web']) {
      const stdout = new Out();
      await runWatch(
        // A database per run: a second run over the same one would (rightly) resume after the stored lines.
        { kubeconfig: c.kubeconfig, db: `${c.db}.${target.replace('/', '-')}`, output: 'json', format: 'main', follow: false, targets: [target] },
        { stdout, stderr: new Out(), env: {}, tuning: TUNING },
      );
      const pods = stdout.text.trim().split('\n').map((l) => JSON.parse(l).pod).sort();
      expect(pods, target).toEqual(['web-0', 'web-1']);
    }
    await expect(
      runWatch({ kubeconfig: c.kubeconfig, db: c.db, output: 'none', targets: ['deploy/missing'] }, { stdout: new Out(), stderr: new Out(), env: {} }),
    ).rejects.toThrow(/deployment "missing" not found in namespace default/);
  });
});
