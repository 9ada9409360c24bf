// A bulk load on a realistic mix: 100k rows in one batch come back exactly in the rollup report.
// Speed is measured by `npm run bench`, not here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Store, report } from '../db/index.js';
import type { AddressClass, RequestRow } from '../src/types.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatscope-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('commits 100k realistic rows in one batch and reports them from the rollups', () => {
  const N = 100_000;
  const classes: AddressClass[] = ['node', 'node', 'pod', 'private', 'external', 'external', 'external', 'unknown'];
  // One joined text per pool so each row gets a fresh string (as a parser produces), not a cached one.
  const pool = (n: number, mk: (i: number) => string) => {
    const parts = Array.from({ length: n }, (_, i) => mk(i));
    const off = [0];
    for (const p of parts) off.push(off[off.length - 1] + p.length);
    return { big: parts.join(''), off };
  };
  const uas = pool(5000, (i) => `Mozilla/5.0 (X11; Linux x86_64; rv:${i % 130}.0) Gecko/20100101 Firefox/${i}`);
  const targets = pool(1000, (i) => `/api/v1/items/${i}?page=${i % 17}`);
  const fresh = (p: { big: string; off: number[] }, k: number) => p.big.slice(p.off[k], p.off[k + 1]);
  const rows: RequestRow[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < N; i++) {
    const cls = classes[i % classes.length];
    rows.push({
      time: t0 + i * 30, namespace: 'shop', pod: `web-${i % 10}`, container: 'nginx', nodeName: `node-${i % 3}`,
      remoteAddr: `203.0.${(i >> 8) & 255}.${i & 255}`, cls, owner: cls === 'node' ? `node-${i % 3}` : null,
      client: i % 4 === 0 ? '198.51.100.7' : null, clientCls: i % 4 === 0 ? 'external' : null,
      method: 'GET', target: fresh(targets, (i * 7) % 1000), protocol: 'HTTP/1.1', status: 200, bytes: i % 5000,
      referer: null, userAgent: fresh(uas, (i * 13) % 5000), xff: i % 4 === 0 ? '198.51.100.7' : null,
      requestTime: 0.004, upstreamAddr: null,
    });
  }
  const store = Store.open(path.join(dir, 'speed.db'));
  const src = store.source('stdin', 'stdin');
  for (let i = 0; i < N; i++) {
    store.add(src.id, rows[i]);
    store.advance(src.id, i + 1);
  }
  store.flush();
  const rep = report(store.db);
  expect(rep.totals.requests).toBe(N);
  expect(rep.pods).toHaveLength(10);
  expect(rep.totals.classes.node).toBe(N / 4);
  store.close();
});
