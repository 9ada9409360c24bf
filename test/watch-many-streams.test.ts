// Many streams at once: 50 container streams from the emulated API server (same process) through the line stage,
// classifier and store; every line is committed exactly once. Speed is measured by `npm run bench`, not here.
import { describe, expect, it } from 'vitest';
import { runWatch, type WatchRun } from '../src/watch/run.js';
import { accessLine, addWebPod, readSql, startCluster, waitFor } from './helpers/kube.js';

const PODS = 50;
const LINES_PER_POD = 4000;

describe('watch with many streams', () => {
  it(`stores ${PODS} x ${LINES_PER_POD} lines from ${PODS} streams`, async () => {
    const c = await startCluster({ pods: 0 });
    try {
      for (let i = 0; i < PODS; i++) addWebPod(c.model, i);
      const ac = new AbortController();
      let run: WatchRun | null = null;
      const out = { text: '', write: (s: string) => ((out.text += s), true) };
      const done = runWatch(
        { kubeconfig: c.kubeconfig, db: c.db, output: 'none', format: 'main', selector: 'app=web' },
        { signal: ac.signal, stdout: out, stderr: out, env: {}, onStarted: (r) => (run = r), tuning: { flushMs: 250 } },
      );
      await waitFor(() => run !== null && c.emu.openLogStreams === PODS, 20_000, 'all streams');
      const batch: string[] = [];
      for (let j = 0; j < 100; j++) batch.push(accessLine(j, `10.${j % 3 === 0 ? '0.0.11' : j % 3 === 1 ? '244.2.11' : '9.9.9'}`));
      for (let k = 0; k < LINES_PER_POD / 100; k++) {
        for (let i = 0; i < PODS; i++) c.model.appendLog('default', `web-${i}`, 'nginx', batch);
      }
      const total = PODS * LINES_PER_POD;
      await waitFor(() => run!.pipeline.stats.lines === total, 120_000, 'all lines parsed');
      run!.pipeline.flush();
      ac.abort();
      await done;
      const stored = readSql<{ n: number }>(c.db, 'SELECT count(*) AS n FROM requests')[0].n;
      expect(stored).toBe(total);
    } finally {
      await c.close();
    }
  }, 180_000);
});
