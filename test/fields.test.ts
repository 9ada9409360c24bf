// The request-field table (src/fields.ts) against every copy of the field list: the derived ones (types' empty
// values, JSON output keys, INSERT columns, requests_v) and the hand-unrolled hot-path ones (Store.add binds, the
// worker's column packer and reader, both toRow copies in src/source-feed.ts). A field added to the table and missed in
// any copy fails here.
import { describe, expect, it } from 'vitest';
import { INSERT_COLUMNS, Store } from '../db/index.js';
import { Classifier, Topology } from '../src/classify/index.js';
import {
  PARSED_FIELDS,
  REQUEST_FIELDS,
  ROW_FIELDS,
  emptyRequestRow,
  newParsedLine,
  resetParsedLine,
  type ParsedLine,
  type RequestRow,
} from '../src/fields.js';
import { rowJson } from '../src/output/json.js';
import { RowColumns } from '../src/parallel/columns.js';
import { RowReader } from '../src/parallel/reader.js';
import type { BatchMessage } from '../src/parallel/wire.js';
import { Pipeline } from '../src/pipeline.js';
import { tempStores } from './helpers/stores.js';

const temp = tempStores('snatscope-fields-');
const openStore = (): Store => temp.open('fields.db');

/** A row whose every field holds a value of its own, none of them the empty value. */
function fullRow(): RequestRow {
  return {
    time: Date.UTC(2026, 10, 27, 8, 44, 38, 123),
    namespace: 'shop',
    pod: 'web-1',
    container: 'nginx',
    nodeName: 'node-a',
    remoteAddr: '10.0.0.5',
    cls: 'node',
    owner: 'node-a',
    client: '203.0.113.7',
    clientCls: 'external',
    method: 'POST',
    target: '/cart?id=7',
    protocol: 'HTTP/2.0',
    status: 201,
    bytes: 4321,
    referer: 'https://shop.example/',
    userAgent: 'curl/8.5.0',
    xff: '203.0.113.7, 10.0.0.5',
    requestTime: 0.25,
    upstreamAddr: '10.244.0.12:80',
  };
}

describe('the request-field table', () => {
  it('names every field once', () => {
    const names = REQUEST_FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    const columns = REQUEST_FIELDS.flatMap((f) => (f.column === null ? [] : [f.column]));
    expect(new Set(columns).size).toBe(columns.length);
  });

  it('gives a fresh ParsedLine and RequestRow exactly its fields, in table order, empty', () => {
    expect(Object.keys(newParsedLine())).toEqual(PARSED_FIELDS);
    expect(Object.keys(emptyRequestRow())).toEqual(ROW_FIELDS);
    const line = newParsedLine() as unknown as Record<string, unknown>;
    for (const f of REQUEST_FIELDS.filter((s) => s.parsed)) expect(line[f.name]).toEqual(f.empty);
  });

  it('resets every ParsedLine field', () => {
    const line = newParsedLine() as unknown as Record<string, unknown>;
    for (const k of PARSED_FIELDS) line[k] = typeof line[k] === 'number' ? 7 : 'junk';
    resetParsedLine(line as unknown as ParsedLine);
    expect(line).toEqual(newParsedLine());
    expect(Object.keys(line)).toEqual(PARSED_FIELDS);
  });

  it('fullRow (used below) covers every RequestRow field with a non-empty value', () => {
    const row = fullRow() as unknown as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(ROW_FIELDS);
    for (const f of REQUEST_FIELDS.filter((s) => s.row)) expect(row[f.name]).not.toEqual(f.empty);
  });

  it('writes --output json with every row field, in table order', () => {
    expect(Object.keys(JSON.parse(rowJson(fullRow())))).toEqual(['time', 'timestamp', ...ROW_FIELDS.slice(1)]);
  });
});

describe('the store against the table', () => {
  it('inserts into one requests column per stored field (plus the source), all of which exist', () => {
    const s = openStore();
    const have = (s.db.prepare('PRAGMA table_info(requests)').all() as { name: string }[]).map((c) => c.name);
    for (const c of INSERT_COLUMNS) expect(have).toContain(c);
    const stored = REQUEST_FIELDS.filter((f) => f.row && f.column !== null).map((f) => f.column);
    expect(INSERT_COLUMNS).toEqual(['source', 'time', 'pod', ...stored.filter((c) => c !== 'time')]);
  });

  it('stores every field of a row in its own column: requests_v gives each back (Store.add binds in column order)', () => {
    const s = openStore();
    const src = s.source('fields', 'file', { path: '/tmp/fields.log' });
    const row = fullRow();
    s.add(src.id, row);
    s.flush();
    const v = s.db.prepare('SELECT * FROM requests_v').get() as Record<string, unknown>;
    const want: Record<string, unknown> = {};
    for (const f of REQUEST_FIELDS) {
      if (!f.row || f.view === null) continue;
      const value = (row as unknown as Record<string, unknown>)[f.name];
      want[f.view] = f.store === 'ms' ? Math.round((value as number) * 1000) : value;
    }
    const got: Record<string, unknown> = {};
    for (const k of Object.keys(want)) got[k] = v[k];
    expect(got).toEqual(want);
    // Every view column is a field, or one of the three the view adds (row id, source key, UTC text of the time).
    expect(Object.keys(v).sort()).toEqual([...Object.keys(want), 'id', 'source', 'utc'].sort());
    expect(v.source).toBe('fields');
    expect(v.utc).toBe('2026-11-27 08:44:38');
  });

  it('stores a row of empty (null) optional fields as NULLs, not as neighbouring values', () => {
    const s = openStore();
    const src = s.source('empty', 'file', {});
    const row = { ...fullRow(), nodeName: null, owner: null, client: null, clientCls: null, method: null, target: null, protocol: null, referer: null, userAgent: null, xff: null, requestTime: NaN, upstreamAddr: null };
    s.add(src.id, row);
    s.flush();
    const v = s.db.prepare('SELECT node, owner, client, client_class, method, target, protocol, referer, user_agent, xff, request_ms, upstream_addr FROM requests_v').raw().get();
    expect(v).toEqual(new Array(12).fill(null));
  });
});

describe("the parse worker's columns against the table", () => {
  it('carry every field of a row across and back, in table order', () => {
    let full = false;
    const cols = new RowColumns({ id: 1, lines: 0, cursor: null }, 8, () => (full = true));
    const rows = [fullRow(), { ...fullRow(), nodeName: null, owner: null, clientCls: null, client: null, xff: null, requestTime: NaN, target: '' }];
    for (const r of rows) cols.add(1, r);
    expect(full).toBe(false);
    const batch = { t: 'batch', chunks: 1, position: 2, lines: 2, skipped: 0, stats: [], done: true, ...cols.cut() } as BatchMessage;
    const reader = new RowReader();
    reader.load(batch);
    for (const r of rows) {
      const back = reader.next();
      expect(Object.keys(back)).toEqual(ROW_FIELDS);
      expect({ ...back }).toEqual(r);
    }
  });
});

describe("the pipeline's row copies against the table", () => {
  // Every field the parser fills, with a trusted proxy so the client is recovered.
  const format =
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time $upstream_addr';
  const line =
    '10.0.0.5 - - [27/Nov/2026:08:44:38 +0000] "POST /cart?id=7 HTTP/2.0" 201 4321 "https://shop.example/" "curl/8.5.0" "203.0.113.7, 10.0.0.5" 0.250 10.244.0.12:80';

  function run(reuseRows: boolean): { rows: RequestRow[]; keys: string[][] } {
    const store = openStore();
    const rows: RequestRow[] = [];
    const keys: string[][] = [];
    const capture = (row: RequestRow) => {
      rows.push({ ...row });
      keys.push(Object.keys(row));
    };
    const add = store.add.bind(store);
    if (reuseRows) {
      store.add = (id: number, row: RequestRow) => {
        capture(row);
        add(id, row);
      };
    }
    const topology = new Topology();
    topology.addNodeIp('10.0.0.5', 'node-a');
    const classifier = new Classifier(topology, { trust: ['10.0.0.0/8'] });
    const p = new Pipeline({ store, classifier, topology, format, reuseRows, sinks: reuseRows ? [] : [{ write: capture }] });
    const feed = p.openSource('fields', 'file', { namespace: 'shop', pod: 'web-1', container: 'nginx', nodeName: 'node-a' });
    feed.push(line);
    feed.end();
    p.flush();
    return { rows, keys };
  }

  it('the fresh row (with sinks) and the refilled row (reuseRows) both carry every field, the same values', () => {
    const fresh = run(false);
    const reused = run(true);
    expect(fresh.keys).toEqual([ROW_FIELDS]);
    expect(reused.keys).toEqual([ROW_FIELDS]);
    expect(fresh.rows[0]).toEqual({ ...fullRow(), time: Date.UTC(2026, 10, 27, 8, 44, 38) }); // $time_local has whole seconds
    expect(reused.rows[0]).toEqual(fresh.rows[0]);
  });
});

describe("a source's details", () => {
  it("records the pod's node in sources.node (the pipeline's nodeName reaches the store's node)", () => {
    const store = openStore();
    const topology = new Topology();
    const p = new Pipeline({ store, classifier: new Classifier(topology, {}), topology, format: 'main' });
    p.openSource('k8s:shop/web-1/nginx/abc', 'stream', { namespace: 'shop', pod: 'web-1', container: 'nginx', nodeName: 'node-a' });
    p.flush();
    const row = store.db.prepare('SELECT namespace, pod, container, node FROM sources').get();
    expect(row).toEqual({ namespace: 'shop', pod: 'web-1', container: 'nginx', node: 'node-a' });
  });
});
