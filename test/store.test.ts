// The SQLite store against real database files in a temp dir: schema, batches, cursors, reports, errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REQUESTS_IN_WINDOW, SCHEMA_VERSION, Store, report, sources, unparsedSummary } from '../db/index.js';
import { UserError } from '../src/errors.js';
import type { AddressClass, RequestRow } from '../src/types.js';
import { requestRow } from './helpers/rows.js';

let dir: string;
let open: Store[];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatscope-'));
  open = [];
});
afterEach(() => {
  for (const s of open) {
    try {
      s.db.close();
    } catch {
      /* already closed */
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function openStore(name = 'snat.db', opts?: Parameters<typeof Store.open>[1]): Store {
  const s = Store.open(path.join(dir, name), opts);
  open.push(s);
  return s;
}

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0); // a whole minute
const MIN = 60_000;

function row(over: Partial<RequestRow> = {}): RequestRow {
  return requestRow({ time: T0, namespace: 'shop', nodeName: 'node-a', remoteAddr: '10.0.0.1', cls: 'node', owner: 'node-a', requestTime: 0.012, ...over });
}

function count(db: Database.Database, sql: string): number {
  return db.prepare(sql).pluck().get() as number;
}

/** A small, known traffic mix over three minutes and two pods (plus one on another namespace). */
function seed(store: Store): void {
  const web1 = store.source('stream:shop/web-1/nginx', 'stream', { namespace: 'shop', pod: 'web-1', container: 'nginx', node: 'node-a' });
  const web2 = store.source('stream:shop/web-2/nginx', 'stream', { namespace: 'shop', pod: 'web-2', container: 'nginx', node: 'node-b' });
  const api = store.source('stream:api/api-0/nginx', 'stream', { namespace: 'api', pod: 'api-0', container: 'nginx', node: 'node-b' });
  const mix: [number, number, AddressClass, string | null][] = [
    // source, minute offset (+ seconds), class, recovered client
    [web1.id, 0, 'node', null],
    [web1.id, 0.5, 'node', '203.0.113.9'],
    [web1.id, 1.25, 'external', null],
    [web1.id, 2.75, 'pod', null],
    [web2.id, 0.1, 'private', null],
    [web2.id, 1.9, 'node', '198.51.100.4'],
    [web2.id, 2.2, 'unknown', null],
    [api.id, 1.5, 'external', null],
  ];
  const pods = new Map([
    [web1.id, ['shop', 'web-1', 'node-a']],
    [web2.id, ['shop', 'web-2', 'node-b']],
    [api.id, ['api', 'api-0', 'node-b']],
  ]);
  for (const [src, m, cls, client] of mix) {
    const [namespace, pod, nodeName] = pods.get(src)!;
    store.add(src, row({ time: T0 + m * MIN, namespace, pod, nodeName, cls, client, clientCls: client ? 'external' : null, owner: cls === 'node' ? nodeName : null }));
  }
  store.unparsed(web1.id, 'format', 'garbage line');
  store.flush();
}

describe('schema and migrations', () => {
  it('creates every table on an empty file and re-opens without migrating again', () => {
    const s = openStore();
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = s.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['meta', 'strings', 'pods', 'sources', 'requests', 'rollups', 'unparsed', 'unparsed_samples', 'topology', 'services', 'pod_events']),
    );
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'app'").pluck().get()).toBe('snatscope');
    seed(s);
    s.close();

    const again = openStore();
    expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(count(again.db, "SELECT count(*) FROM meta WHERE key = 'app'")).toBe(1);
    expect(count(again.db, 'SELECT count(*) FROM requests')).toBe(8);
  });

  it('refuses a database from a newer snatscope', () => {
    const file = path.join(dir, 'new.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => Store.open(file)).toThrow(/newer snatscope/);
  });
});

describe('batches, rollups and the report', () => {
  it('stores rows, keeps per-minute rollups and reports exact per-pod ratios', () => {
    const s = openStore();
    seed(s);
    expect(count(s.db, 'SELECT count(*) FROM requests')).toBe(8);
    const rollups = s.db
      .prepare('SELECT r.minute, p.pod, r.class, r.requests, r.recovered, r.bytes FROM rollups r JOIN pods p ON p.id = r.pod ORDER BY r.minute, p.pod, r.class')
      .raw()
      .all();
    const m0 = T0 / MIN;
    expect(rollups).toEqual([
      [m0, 'web-1', 0, 2, 1, 200],
      [m0, 'web-2', 2, 1, 0, 100],
      [m0 + 1, 'api-0', 3, 1, 0, 100],
      [m0 + 1, 'web-1', 3, 1, 0, 100],
      [m0 + 1, 'web-2', 0, 1, 1, 100],
      [m0 + 2, 'web-1', 1, 1, 0, 100],
      [m0 + 2, 'web-2', 4, 1, 0, 100],
    ]);

    expect(report(s.db)).toEqual({
      from: '2025-01-01T12:00:00.000Z',
      to: '2025-01-01T12:03:00.000Z',
      totals: {
        requests: 8, classes: { node: 3, probe: 0, pod: 1, private: 1, external: 2, unknown: 1 }, snatRatio: 3 / 8, recovered: 2,
        clientKnown: 4, clientRatio: 4 / 8, recoveredByClass: { node: 2, probe: 0, pod: 0, private: 0, external: 0, unknown: 0 },
      },
      pods: [
        { namespace: 'api', pod: 'api-0', nodeName: 'node-b', requests: 1, classes: { node: 0, probe: 0, pod: 0, private: 0, external: 1, unknown: 0 }, snatRatio: 0, recovered: 0, clientKnown: 1, clientRatio: 1 },
        { namespace: 'shop', pod: 'web-1', nodeName: 'node-a', requests: 4, classes: { node: 2, probe: 0, pod: 1, private: 0, external: 1, unknown: 0 }, snatRatio: 0.5, recovered: 1, clientKnown: 2, clientRatio: 0.5 },
        { namespace: 'shop', pod: 'web-2', nodeName: 'node-b', requests: 3, classes: { node: 1, probe: 0, pod: 0, private: 1, external: 0, unknown: 1 }, snatRatio: 1 / 3, recovered: 1, clientKnown: 1, clientRatio: 1 / 3 },
      ],
      unparsed: 1,
      notes: [],
    });
  });

  it('reports an empty database as zeros with no window', () => {
    const s = openStore();
    expect(report(s.db)).toEqual({
      from: null,
      to: null,
      // No client traffic: both ratios are null (not 0%, which would claim a measurement).
      totals: {
        requests: 0, classes: { node: 0, probe: 0, pod: 0, private: 0, external: 0, unknown: 0 }, snatRatio: null, recovered: 0,
        clientKnown: 0, clientRatio: null, recoveredByClass: { node: 0, probe: 0, pod: 0, private: 0, external: 0, unknown: 0 },
      },
      pods: [],
      unparsed: 0,
      notes: [],
    });
  });

  it('limits the report to a window (from inclusive, until exclusive) and to a namespace or pod', () => {
    const s = openStore();
    seed(s);
    const minute1 = report(s.db, { from: T0 + MIN, until: T0 + 2 * MIN });
    expect(minute1.from).toBe('2025-01-01T12:01:00.000Z');
    expect(minute1.to).toBe('2025-01-01T12:02:00.000Z');
    expect(minute1.totals.requests).toBe(3);
    expect(minute1.pods.map((p) => [p.pod, p.requests])).toEqual([['api-0', 1], ['web-1', 1], ['web-2', 1]]);

    // Not whole minutes: answered from the rows. 12:00:30 .. 12:01:54 holds web-1 @0.5, web-1 @1.25, api @1.5
    const mid = report(s.db, { from: T0 + 0.5 * MIN, until: T0 + 1.9 * MIN });
    expect(mid.totals.requests).toBe(3);
    expect(mid.from).toBe('2025-01-01T12:00:30.000Z');
    const midPlus = report(s.db, { from: T0 + 0.5 * MIN, until: T0 + 1.9 * MIN + 1 });
    expect(midPlus.totals.requests).toBe(4);

    const onlyFrom = report(s.db, { from: T0 + 2 * MIN });
    expect(onlyFrom.totals.requests).toBe(2);
    expect(onlyFrom.to).toBe('2025-01-01T12:03:00.000Z');

    const shop = report(s.db, { namespace: 'shop' });
    expect(shop.pods.map((p) => p.pod)).toEqual(['web-1', 'web-2']);
    expect(shop.totals.requests).toBe(7);
    expect(shop.unparsed).toBe(1);
    const api = report(s.db, { namespace: 'api', pod: 'api-0' });
    expect(api.totals.requests).toBe(1);
    expect(api.unparsed).toBe(0);
  });

  it('gives the same numbers from the rollups and from the rows', () => {
    const s = openStore();
    seed(s);
    // More, randomised traffic across minutes.
    const src = s.source('file:/var/log/extra.log', 'file', { path: '/var/log/extra.log' });
    const classes: AddressClass[] = ['node', 'pod', 'private', 'external', 'unknown'];
    for (let i = 0; i < 500; i++) {
      s.add(src.id, row({ time: T0 + i * 997, pod: `web-${i % 4}`, cls: classes[(i * 7) % 5], client: i % 3 === 0 ? '203.0.113.1' : null, bytes: i }));
    }
    s.flush();
    for (const window of [{}, { from: T0 }, { until: T0 + 5 * MIN }, { from: T0 + MIN, until: T0 + 7 * MIN }, { namespace: 'shop' }, { pod: 'web-2' }]) {
      const viaRollups = report(s.db, { ...window, via: 'rollups' });
      const viaRows = report(s.db, { ...window, via: 'rows' });
      expect(viaRows).toEqual(viaRollups);
      expect(viaRows.totals.requests).toBeGreaterThan(0);
    }
    expect(() => report(s.db, { from: T0 + 1, via: 'rollups' })).toThrow(/whole-minute/);
  });

  it('records each batch with the exact id range and time extent of its rows', () => {
    const s = openStore('snat.db', { batchSize: 50 });
    const src = s.source('stdin', 'stdin');
    for (let i = 0; i < 333; i++) {
      s.add(src.id, row({ time: T0 + ((i * 7919) % 333) * 1000, userAgent: `agent ${i % 40}` }));
      // Other inserts between rows must not confuse the id range.
      if (i % 32 === 31) s.podEvent({ namespace: 'shop', pod: 'web-1', event: 'watched' });
      if (i % 45 === 0) s.unparsed(src.id, 'format', `bad ${i}`);
      if (i % 100 === 99) s.flush();
    }
    s.close();
    const r = openStore('snat.db', { readonly: true });
    const batches = r.db.prepare('SELECT first_id, last_id, min_time, max_time FROM batches ORDER BY id').raw().all() as number[][];
    expect(batches.length).toBeGreaterThan(6);
    let next = 1;
    for (const [first, last, lo, hi] of batches) {
      expect(first).toBe(next);
      next = last + 1;
      const got = r.db.prepare('SELECT count(*), min(time), max(time) FROM requests WHERE id BETWEEN ? AND ?').raw().get(first, last);
      expect(got).toEqual([last - first + 1, lo, hi]);
    }
    expect(next - 1).toBe(333);
  });

  it('keeps batch ranges disjoint when deleted rows let ids be reused, so window queries never count a row twice', () => {
    const s = openStore();
    const src = s.source('stdin', 'stdin');
    for (let i = 0; i < 40; i++) s.add(src.id, row({ time: T0 + i * 1000 }));
    s.flush();
    s.db.exec('DELETE FROM requests WHERE id > 10'); // e.g. a prune of out-of-order rows
    for (let i = 0; i < 20; i++) s.add(src.id, row({ time: T0 + 2 * MIN + i }));
    s.flush();
    expect(s.db.prepare('SELECT first_id, last_id FROM batches ORDER BY id').raw().all()).toEqual([[1, 10], [11, 30]]);
    expect(report(s.db, { via: 'rows' }).totals.requests).toBe(30);
    const plan = s.db.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM ${REQUESTS_IN_WINDOW} WHERE r.time >= @from AND r.time < @until`).all({ from: 0, until: 1 }) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/SEARCH r USING INTEGER PRIMARY KEY/);
  });

  it('commits on its own when the batch reaches batchSize, with the cursor that covers the rows', () => {
    const s = openStore('snat.db', { batchSize: 10 });
    const reader = openStore('snat.db', { readonly: true });
    const src = s.source('stdin', 'stdin');
    for (let i = 1; i <= 25; i++) {
      s.add(src.id, row({ time: T0 + i }));
      s.advance(src.id, i);
    }
    expect(count(reader.db, 'SELECT count(*) FROM requests')).toBe(20);
    expect(sources(reader.db)[0].lines).toBe(20);
    expect(s.pending).toBe(5);
    s.flush();
    expect(count(reader.db, 'SELECT count(*) FROM requests')).toBe(25);
    expect(sources(reader.db)[0].lines).toBe(25);
  });
});

describe('cursors and rows are committed together', () => {
  it('hides rows and keeps the old cursor until flush, then shows both', () => {
    const s = openStore();
    const reader = openStore('snat.db', { readonly: true });
    const src = s.source('stream:shop/web-1/nginx', 'stream', { namespace: 'shop', pod: 'web-1', container: 'nginx' });
    for (let i = 0; i < 40; i++) s.add(src.id, row({ time: T0 + i * 1000 })); // more than one 32-row chunk
    s.advance(src.id, 40, '{"sinceTime":"2025-01-01T12:00:39Z","skip":1}');

    expect(count(reader.db, 'SELECT count(*) FROM requests')).toBe(0);
    expect(count(reader.db, 'SELECT count(*) FROM rollups')).toBe(0);
    expect(sources(reader.db)[0]).toMatchObject({ lines: 0, cursor: null });

    s.flush();
    expect(count(reader.db, 'SELECT count(*) FROM requests')).toBe(40);
    expect(count(reader.db, 'SELECT sum(requests) FROM rollups')).toBe(40);
    expect(sources(reader.db)[0]).toMatchObject({ lines: 40, cursor: '{"sinceTime":"2025-01-01T12:00:39Z","skip":1}' });
  });

  it('re-opening a source returns its committed line count, and a crash loses only the uncommitted batch', () => {
    const file = path.join(dir, 'snat.db');
    const s = Store.open(file);
    const a = s.source('file:/logs/access.log', 'file', { path: '/logs/access.log' });
    for (let i = 0; i < 7; i++) s.add(a.id, row());
    s.advance(a.id, 7);
    s.flush();
    for (let i = 0; i < 3; i++) s.add(a.id, row());
    s.advance(a.id, 10);
    s.db.close(); // crash: no flush

    const again = openStore();
    const b = again.source('file:/logs/access.log', 'file');
    expect(b).toEqual({ id: a.id, lines: 7, cursor: null });
    expect(count(again.db, 'SELECT count(*) FROM requests')).toBe(7);
    expect(sources(again.db)[0]).toMatchObject({ key: 'file:/logs/access.log', kind: 'file', path: '/logs/access.log', lines: 7 });
  });

  it('rolls back the whole batch when a flush fails and keeps working afterwards', () => {
    const s = openStore();
    const reader = openStore('snat.db', { readonly: true });
    const src = s.source('stdin', 'stdin');
    s.add(src.id, row({ userAgent: 'before' }));
    s.advance(src.id, 1);
    s.flush();
    s.add(src.id, row({ userAgent: 'lost-agent', target: '/lost' }));
    s.add(src.id, row({ status: null as unknown as number })); // violates NOT NULL at commit time
    s.advance(src.id, 3);
    expect(() => s.flush()).toThrow(/NOT NULL/);
    expect(count(reader.db, 'SELECT count(*) FROM requests')).toBe(1);
    expect(sources(reader.db)[0].lines).toBe(1);
    expect(count(reader.db, "SELECT count(*) FROM strings WHERE s = 'lost-agent'")).toBe(0);

    // Interned ids from the failed batch must not be reused.
    s.add(src.id, row({ userAgent: 'lost-agent', target: '/lost' }));
    s.advance(src.id, 2);
    s.flush();
    expect(reader.db.prepare('SELECT user_agent, target FROM requests_v ORDER BY id').raw().all()).toEqual([
      ['before', '/'],
      ['lost-agent', '/lost'],
    ]);
    expect(sources(reader.db)[0].lines).toBe(2);
  });
});

describe('hostile strings', () => {
  const hostile = [
    `it's "quoted" \\ back\\slash`,
    "'); DROP TABLE requests;--",
    'tab\there\r\nnewline\u001b[31mred\u0007bell\u007f',
    'emoji 🦊👩🏽‍💻 and ünïcödé and 中文',
    '\u202eright-to-left override',
    '',
    ' leading and trailing ',
    'x'.repeat(5000),
  ];

  it('round-trips every interned and inline string exactly', () => {
    const s = openStore();
    const src = s.source("stream:ns/p'od/c", 'stream', { namespace: "n's", pod: 'p"od', container: '🦊' });
    for (const h of hostile) {
      s.add(src.id, row({ namespace: h || 'ns', pod: `${h}-pod`, container: h, nodeName: h, remoteAddr: h, owner: h, client: h, method: h, target: h, protocol: h, referer: h, userAgent: h, xff: h, upstreamAddr: h }));
    }
    s.flush();
    const got = s.db
      .prepare('SELECT namespace, pod, container, node, remote_addr, owner, client, method, target, protocol, referer, user_agent, xff, upstream_addr FROM requests_v ORDER BY id')
      .raw()
      .all();
    expect(got).toEqual(hostile.map((h) => [h || 'ns', `${h}-pod`, h, h === '' ? null : h, h, h, h, h, h, h, h, h, h, h]));
    expect(count(s.db, 'SELECT count(*) FROM requests')).toBe(hostile.length);
    // Each distinct string is stored once.
    expect(count(s.db, 'SELECT count(*) FROM strings')).toBe(hostile.length);
    expect(sources(s.db)[0]).toMatchObject({ namespace: "n's", pod: 'p"od', container: '🦊' });
  });

  it('keeps one id per distinct string when the intern cache is smaller than the vocabulary', () => {
    const s = openStore('snat.db', { internCacheSize: 16 });
    const src = s.source('stdin', 'stdin');
    const agents = Array.from({ length: 60 }, (_, i) => `agent/${i} ${'x'.repeat(i % 20)}`);
    for (let i = 0; i < 600; i++) s.add(src.id, row({ userAgent: agents[(i * 7) % 60], target: '/t', owner: null }));
    s.flush();
    expect(count(s.db, 'SELECT count(DISTINCT user_agent) FROM requests')).toBe(60);
    expect(count(s.db, "SELECT count(*) FROM strings WHERE s LIKE 'agent/%'")).toBe(60);
    const got = s.db.prepare('SELECT user_agent FROM requests_v ORDER BY id').pluck().all();
    expect(got).toEqual(Array.from({ length: 600 }, (_, i) => agents[(i * 7) % 60]));
  });

  it('round-trips arbitrary text (property)', () => {
    const s = openStore();
    const src = s.source('stdin', 'stdin');
    const sel = s.db.prepare('SELECT user_agent, target FROM requests_v WHERE id = (SELECT max(id) FROM requests)').raw();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary-ascii', maxLength: 40 }), (ua, target) => {
        fc.pre(!ua.includes('\u0000') && !target.includes('\u0000'));
        s.add(src.id, row({ userAgent: ua, target }));
        s.flush();
        expect(sel.get()).toEqual([ua, target]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('unparsed lines, events and snapshots', () => {
  it('counts unparsed lines per source and reason and keeps three samples', () => {
    const s = openStore();
    const a = s.source('file:a.log', 'file', { path: 'a.log' });
    const b = s.source('file:b.log', 'file', { path: 'b.log' });
    for (let i = 0; i < 5; i++) s.unparsed(a.id, 'format', `bad ${i}`);
    s.unparsed(b.id, 'binary', '\u0001\u0002');
    s.flush();
    s.unparsed(a.id, 'format', 'bad 5');
    s.unparsed(a.id, 'too-long', 'y'.repeat(10_000));
    s.flush();
    const summary = unparsedSummary(s.db);
    expect(summary.map((e) => [e.source, e.reason, e.count, e.samples.length])).toEqual([
      ['file:a.log', 'format', 6, 3],
      ['file:a.log', 'too-long', 1, 1],
      ['file:b.log', 'binary', 1, 1],
    ]);
    expect(summary[0].samples).toEqual(['bad 0', 'bad 1', 'bad 2']);
    expect(summary[1].samples[0].length).toBe(2048);
    expect(report(s.db).unparsed).toBe(8);
  });

  it('stores format/envelope, pod events, topology and service snapshots', () => {
    const s = openStore();
    const src = s.source('stream:shop/web-1/nginx', 'stream', { namespace: 'shop', pod: 'web-1', container: 'nginx', containerId: 'containerd://abc' });
    s.sourceMeta(src.id, { format: 'main', envelope: 'kubectl-timestamps' });
    s.podEvent({ time: T0, namespace: 'shop', pod: 'web-1', container: 'nginx', event: 'stream-start' });
    s.podEvent({ time: T0 + 5, namespace: 'shop', pod: 'web-1', container: 'nginx', event: 'stream-error', detail: 'unexpected EOF' });
    s.topology({ nodes: [{ name: 'node-a' }] }, T0);
    s.service({ metadata: { namespace: 'shop', name: 'web' }, spec: { externalTrafficPolicy: 'Cluster' } }, T0);
    s.close();
    const r = openStore('snat.db', { readonly: true });
    expect(sources(r.db)[0]).toMatchObject({ format: 'main', envelope: 'kubectl-timestamps', containerId: 'containerd://abc' });
    expect(r.db.prepare('SELECT event, detail FROM pod_events ORDER BY time').raw().all()).toEqual([
      ['stream-start', null],
      ['stream-error', 'unexpected EOF'],
    ]);
    expect(JSON.parse(r.db.prepare('SELECT json FROM topology').pluck().get() as string)).toEqual({ nodes: [{ name: 'node-a' }] });
    expect(r.db.prepare('SELECT namespace, name FROM services').raw().get()).toEqual(['shop', 'web']);
  });
});

describe('opening problems are user errors naming the path', () => {
  function userError(fn: () => unknown): UserError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return err as UserError;
    }
    throw new Error('expected a UserError');
  }

  it('a missing directory', () => {
    const file = path.join(dir, 'nope', 'snat.db');
    const err = userError(() => Store.open(file));
    expect(err.message).toContain(file);
    expect(err.hint).toBe(`mkdir -p ${path.join(dir, 'nope')}`);
  });

  it('a path under a regular file (unwritable)', () => {
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    const file = path.join(dir, 'plain', 'snat.db');
    expect(userError(() => Store.open(file)).message).toContain(file);
  });

  it('a directory given as the database', () => {
    const err = userError(() => Store.open(dir));
    expect(err.message).toContain(dir);
    expect(err.message).toContain('is a directory');
  });

  it('a file that is not SQLite', () => {
    for (const [name, text] of [['notes.txt', 'hello, this is not a database\n'.repeat(40)], ['short.txt', 'hi']]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      const err = userError(() => Store.open(file));
      expect(err.message).toBe(`${file} is not a SQLite database`);
      expect(fs.readFileSync(file, 'utf8')).toBe(text); // untouched
    }
  });

  it('a SQLite database that another program wrote', () => {
    const file = path.join(dir, 'other.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    expect(userError(() => Store.open(file)).message).toContain('did not write');
  });

  it('a read-only open of a missing file', () => {
    const file = path.join(dir, 'missing.db');
    expect(userError(() => Store.open(file, { readonly: true })).message).toContain(file);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('read-only open', () => {
  it('reads but cannot write', () => {
    const w = openStore();
    seed(w);
    w.close();
    const r = openStore('snat.db', { readonly: true });
    expect(report(r.db).totals.requests).toBe(8);
    expect(() => r.source('stdin', 'stdin')).toThrow(/read-only/);
    expect(() => r.add(1, row())).toThrow(/read-only/);
    expect(() => r.advance(1, 5)).toThrow(/read-only/);
    expect(() => r.db.prepare("INSERT INTO meta (key, value) VALUES ('x', 'y')").run()).toThrow(/readonly/);
    r.close();
  });
});
