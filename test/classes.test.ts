// The class registry (src/classes.ts) against everything derived from it: lookups, the stored ids and the SQL CASE of
// requests_v, rollups and reports, the live counters, the lines view, the TUI's colours, labels and share columns,
// the HTML chart colours and the pipeline's per-class counts. Two orders that disagree would put counts into the
// wrong class: here they fail.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store, report, requestsViewSql } from '../db/index.js';
import {
  CLASSES,
  CLASS_BY_ID,
  CLASS_COUNT,
  CLASS_ID,
  CLASS_INFO,
  CLASS_TABLE,
  FALLBACK_CLASS,
  SHARE_CLASSES,
  SNAT_CLASS,
  classCaseSql,
  classOfId,
  type AddressClass,
} from '../src/classes.js';
import { Classifier, Topology, describeClass } from '../src/classify/index.js';
import { LiveStats } from '../src/live/stats.js';
import { LinesSink } from '../src/output/lines.js';
import { Pipeline } from '../src/pipeline.js';
import { groupRows } from '../src/report/model.js';
import { CLASS_COLORS } from '../src/report/svg.js';
import { podColumns } from '../ui/PodTable.js';
import { CLASS_COLOR, CLASS_LABEL } from '../ui/theme.js';
import { requestRow } from './helpers/rows.js';
import { tempStores } from './helpers/stores.js';

const temp = tempStores('snatscope-classes-');
const openStore = (name = 'classes.db', opts?: Parameters<typeof Store.open>[1]): Store => temp.open(name, opts);

/** A remote address text of its own per class (the store and the views take the class as given). */
const addressOf = (c: AddressClass): string => `addr-of-${c}`;
const NODE_IP = '10.0.0.5';
const PUBLIC_IP = '203.0.113.7';

const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);

/** One stored request per class (and the same class for its recovered client). */
function storeOnePerClass(s: Store): void {
  const src = s.source('classes', 'file', {});
  for (const c of CLASSES) {
    s.add(src.id, requestRow({ time: T0, pod: `web-${c}`, remoteAddr: addressOf(c), cls: c, client: addressOf(c), clientCls: c }));
  }
  s.flush();
}

describe('the class registry', () => {
  it('gives each class one name and one stored id, dense from 0 (they fit the worker wire Int8Array)', () => {
    const names = CLASS_TABLE.map((c) => c.name);
    const ids = CLASS_TABLE.map((c) => c.id);
    expect(new Set(names).size).toBe(names.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids.map((_, i) => i));
    expect(CLASS_COUNT).toBe(CLASS_TABLE.length);
    expect(CLASS_COUNT).toBeLessThan(128);
    expect(names).toContain(FALLBACK_CLASS);
    expect(names).toContain(SNAT_CLASS);
  });

  it('derives the display list and the lookups both ways', () => {
    expect(CLASSES).toEqual(CLASS_TABLE.map((c) => c.name));
    for (const c of CLASS_TABLE) {
      expect(CLASS_ID[c.name]).toBe(c.id);
      expect(CLASS_BY_ID[c.id]).toBe(c.name);
      expect(classOfId(c.id)).toBe(c.name);
      expect(CLASS_INFO[c.name]).toBe(c);
    }
    expect(classOfId(CLASS_COUNT)).toBe(FALLBACK_CLASS);
    expect(classOfId(null)).toBe(FALLBACK_CLASS);
    expect(SHARE_CLASSES).toEqual(CLASSES.filter((c) => c !== SNAT_CLASS));
  });

  it('gives every view its colour, label and meaning from the registry', () => {
    for (const c of CLASS_TABLE) {
      expect(CLASS_COLOR[c.name]).toBe(c.color);
      expect(CLASS_LABEL[c.name]).toBe(c.label);
      expect(CLASS_COLORS[c.name]).toBe(c.hex);
      expect(describeClass(c.name)).toBe(c.meaning);
    }
    expect(Object.keys(CLASS_COLOR)).toEqual(CLASSES);
    expect(Object.keys(CLASS_LABEL)).toEqual(CLASSES);
  });
});

describe('stored classes', () => {
  it('requests_v names each class by the CASE derived from the registry', () => {
    const view = requestsViewSql();
    expect(view).toContain(`${classCaseSql('r.class', FALLBACK_CLASS)} AS class`);
    expect(view).toContain(`${classCaseSql('r.client_class', null)} AS client_class`);
    const s = openStore();
    storeOnePerClass(s);
    const rows = s.db.prepare('SELECT r.class AS id, v.class, v.client_class FROM requests r JOIN requests_v v ON v.id = r.id ORDER BY r.id').all();
    expect(rows).toEqual(CLASSES.map((c) => ({ id: CLASS_ID[c], class: c, client_class: c })));
  });

  it('rollups and the report count each class under its own name', () => {
    const s = openStore();
    storeOnePerClass(s);
    const rollups = s.db.prepare('SELECT class FROM rollups ORDER BY class').pluck().all();
    expect(rollups).toEqual([...CLASS_TABLE].map((c) => c.id).sort((a, b) => a - b));
    for (const via of ['rollups', 'rows'] as const) {
      const r = report(s.db, { via });
      expect(Object.keys(r.totals.classes)).toEqual(CLASSES);
      for (const c of CLASSES) expect(r.totals.classes[c]).toBe(1);
      for (const p of r.pods) expect(p.classes[p.pod.slice('web-'.length) as AddressClass]).toBe(1);
      // The SNAT ratio is over client traffic: the probe is not in its denominator.
      expect(r.totals.snatRatio).toBeCloseTo(1 / (CLASSES.length - 1));
      expect(groupRows(s.db, r, 'class').map((g) => [g.key, g.requests])).toEqual(CLASSES.map((c) => [c, 1]));
    }
  });

  it('a database written with the old hand-written view gets the derived one on a writable open, rows untouched', () => {
    const file = path.join(temp.dir(), 'old.db');
    const s = openStore('old.db');
    storeOnePerClass(s);
    s.close();
    const old = new Database(file);
    old.exec(`DROP VIEW requests_v; CREATE VIEW requests_v AS SELECT r.id,
      CASE r.class WHEN 0 THEN 'node' WHEN 1 THEN 'pod' WHEN 2 THEN 'private' WHEN 3 THEN 'external' ELSE 'unknown' END AS class
      FROM requests r`);
    old.close();
    const ro = openStore('old.db', { readonly: true });
    expect(ro.db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'requests_v'").pluck().get()).not.toBe(requestsViewSql());
    ro.close();
    const rw = openStore('old.db');
    expect(rw.db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'requests_v'").pluck().get()).toBe(requestsViewSql());
    expect(rw.db.prepare('SELECT class FROM requests_v ORDER BY id').pluck().all()).toEqual(CLASSES);
  });
});

describe('counters and columns per class', () => {
  it('LiveStats counts every class in its own slot: SNAT ratio, shares and top addresses', () => {
    const s = new LiveStats({ now: () => T0 });
    for (const c of CLASSES) s.write(requestRow({ time: T0, pod: 'web-1', remoteAddr: addressOf(c), cls: c }));
    const snap = s.snapshot({ detail: 'default/web-1' });
    const p = snap.pods[0];
    expect(p.snatRatio).toBeCloseTo(1 / (CLASSES.length - 1)); // over client traffic: not the probe
    expect(Object.keys(p.shares).sort()).toEqual([...SHARE_CLASSES].sort());
    // Shares are over client traffic too; the probe's own share is over all requests.
    for (const c of SHARE_CLASSES) expect(p.shares[c]).toBeCloseTo(c === 'probe' ? 1 / CLASSES.length : 1 / (CLASSES.length - 1));
    for (const c of CLASSES) expect(snap.detail!.top[c].map((e) => e.addr)).toEqual([addressOf(c)]);
  });

  it('the pipeline counts requests per class under every class name', () => {
    const s = openStore();
    const topology = new Topology();
    topology.addNodeIp(NODE_IP, 'node-a');
    const p = new Pipeline({ store: s, classifier: new Classifier(topology), topology, format: 'combined' });
    expect(Object.keys(p.stats.classes)).toEqual(CLASSES);
    const feed = p.openSource('x', 'file', { pod: 'web-1' });
    feed.push(`${PUBLIC_IP} - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0"`);
    feed.push(`${NODE_IP} - - [27/Nov/2026:08:44:38 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8.5.0"`);
    feed.end();
    p.flush();
    expect(p.stats.classes).toEqual({ ...Object.fromEntries(CLASSES.map((c) => [c, 0])), external: 1, node: 1 });
  });

  it('the lines view prints each class name, padded to one width', () => {
    const width = Math.max(...CLASSES.map((c) => c.length));
    const sink = new LinesSink({ write: () => true } as never, { color: false });
    for (const c of CLASSES) expect(sink.format(requestRow({ cls: c, remoteAddr: addressOf(c) }))).toContain(` ${c.padEnd(width)} `);
  });

  it('the TUI pod table has one share column per class but the SNAT one, most kept first', () => {
    const headers = podColumns(400).map((c) => c.header);
    const want = [...SHARE_CLASSES].sort((a, b) => CLASS_INFO[b].keep - CLASS_INFO[a].keep).map((c) => CLASS_INFO[c].header);
    expect(headers.filter((h) => want.includes(h))).toEqual(want);
  });
});
