// The request fields, defined once: the ParsedLine and RequestRow types, their empty values, the JSON output keys,
// the store's INSERT columns, the worker's wire columns and the requests_v view all derive from REQUEST_FIELDS.
// The hot-path copies that stay hand-unrolled for speed (resetParsedLine, the two toRow copies in src/source-feed.ts,
// the binds in Store.add, RowColumns.add / RowReader.next) are checked against this table by test/fields.test.ts.
//
// Per field:
// - type: 'number' | 'string' | 'class' (an AddressClass); nullable: null allowed.
// - parsed: a ParsedLine field (what the nginx parser fills); row: a RequestRow field (what the store receives).
// - empty: the value of a fresh object (ParsedLine uses it too: NaN marks an absent time).
// - store: how db/ keeps it: 'time' (ms integer), 'who' (one ref into `pods` for namespace/pod/container/node),
//   'class' (the class id), 'intern' (an id into `strings`), 'inline' (the text itself), 'number', 'ms' (seconds
//   stored as integer ms). The worker's wire packs 'intern' fields as dictionary ids, 'inline' as text, 'who' once
//   per owner, classes as ints, the rest as doubles.
// - column: the `requests` column (null for ParsedLine-only fields and for 'who', which is the `pod` column);
//   view: the requests_v column; viewFrom: a column written by older versions, read where `column` is NULL.
import type { AddressClass } from './classes.js';

export type FieldType = 'number' | 'string' | 'class';
export type StoreKind = 'time' | 'who' | 'class' | 'intern' | 'inline' | 'number' | 'ms';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly parsed: boolean;
  readonly row: boolean;
  readonly empty: number | string | null;
  readonly store: StoreKind | null;
  readonly column: string | null;
  readonly view: string | null;
  readonly viewFrom?: string;
}

export const REQUEST_FIELDS = [
  { name: 'time', type: 'number', nullable: false, parsed: true, row: true, empty: NaN, store: 'time', column: 'time', view: 'time' },
  { name: 'namespace', type: 'string', nullable: false, parsed: false, row: true, empty: '', store: 'who', column: null, view: 'namespace' },
  { name: 'pod', type: 'string', nullable: false, parsed: false, row: true, empty: '', store: 'who', column: null, view: 'pod' },
  { name: 'container', type: 'string', nullable: false, parsed: false, row: true, empty: '', store: 'who', column: null, view: 'container' },
  { name: 'nodeName', type: 'string', nullable: true, parsed: false, row: true, empty: null, store: 'who', column: null, view: 'node' },
  { name: 'remoteAddr', type: 'string', nullable: false, parsed: true, row: true, empty: '', store: 'inline', column: 'remote_addr', view: 'remote_addr' },
  { name: 'request', type: 'string', nullable: false, parsed: true, row: false, empty: '', store: null, column: null, view: null },
  { name: 'cls', type: 'class', nullable: false, parsed: false, row: true, empty: 'unknown', store: 'class', column: 'class', view: 'class' },
  { name: 'owner', type: 'string', nullable: true, parsed: false, row: true, empty: null, store: 'intern', column: 'owner', view: 'owner' },
  { name: 'client', type: 'string', nullable: true, parsed: false, row: true, empty: null, store: 'inline', column: 'client', view: 'client' },
  { name: 'clientCls', type: 'class', nullable: true, parsed: false, row: true, empty: null, store: 'class', column: 'client_class', view: 'client_class' },
  { name: 'method', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'intern', column: 'method', view: 'method' },
  { name: 'target', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'inline', column: 'target_text', view: 'target', viewFrom: 'target' },
  { name: 'protocol', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'intern', column: 'protocol', view: 'protocol' },
  { name: 'status', type: 'number', nullable: false, parsed: true, row: true, empty: 0, store: 'number', column: 'status', view: 'status' },
  { name: 'bytes', type: 'number', nullable: false, parsed: true, row: true, empty: 0, store: 'number', column: 'bytes', view: 'bytes' },
  { name: 'referer', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'intern', column: 'referer', view: 'referer' },
  { name: 'userAgent', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'intern', column: 'user_agent', view: 'user_agent' },
  { name: 'xff', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'inline', column: 'xff', view: 'xff' },
  { name: 'requestTime', type: 'number', nullable: false, parsed: true, row: true, empty: NaN, store: 'ms', column: 'request_ms', view: 'request_ms' },
  { name: 'upstreamAddr', type: 'string', nullable: true, parsed: true, row: true, empty: null, store: 'intern', column: 'upstream_addr', view: 'upstream_addr' },
  { name: 'envPod', type: 'string', nullable: true, parsed: true, row: false, empty: null, store: null, column: null, view: null },
  { name: 'envContainer', type: 'string', nullable: true, parsed: true, row: false, empty: null, store: null, column: null, view: null },
] as const satisfies readonly FieldSpec[];

type Field = (typeof REQUEST_FIELDS)[number];
type Base<F extends Field> = F['type'] extends 'number' ? number : F['type'] extends 'class' ? AddressClass : string;
type Value<F extends Field> = F['nullable'] extends true ? Base<F> | null : Base<F>;
type RecordOf<Fs extends Field> = { [F in Fs as F['name']]: Value<F> };

/**
 * Fields of one nginx access-log line, after envelope and nginx unescaping; one object reused between lines.
 * time: ms since epoch (envelope timestamp, else $time_local/$time_iso8601/$msec), NaN if none; request: the raw
 * $request ('' for a bare CRLF); method/target/protocol: null unless $request is an HTTP request line; xff:
 * $http_x_forwarded_for, null for '-'; requestTime: $request_time in s, NaN when absent; envPod/envContainer: from a
 * `kubectl logs --prefix` envelope.
 */
export type ParsedLine = RecordOf<Extract<Field, { parsed: true }>>;

/**
 * A fully classified request, as the store receives it (copied out of the reused ParsedLine). client: recovered from
 * X-Forwarded-For through trusted proxies (realip), else null; clientCls: its class.
 */
export type RequestRow = RecordOf<Extract<Field, { row: true }>>;

export type ParsedField = keyof ParsedLine;
export type RowField = keyof RequestRow;

/** ParsedLine keys in table order. */
export const PARSED_FIELDS: readonly ParsedField[] = REQUEST_FIELDS.filter((f) => f.parsed).map((f) => f.name as ParsedField);
/** RequestRow keys in table order (also the key order of `--output json`). */
export const ROW_FIELDS: readonly RowField[] = REQUEST_FIELDS.filter((f) => f.row).map((f) => f.name as RowField);

/** The table entry of a field. */
export function fieldSpec(name: string): FieldSpec {
  const f = REQUEST_FIELDS.find((s) => s.name === name);
  if (f === undefined) throw new Error(`no request field ${name}`);
  return f;
}

/** A constant as JavaScript source. */
function literal(v: number | string | null): string {
  return typeof v === 'number' && Number.isNaN(v) ? 'NaN' : JSON.stringify(v);
}

// The factories and the reset are compiled from the table into plain object literals and assignments: an object
// built key by key from a loop would leave V8's fast properties past a dozen fields (dictionary mode), and every
// hot-path read and write of the row would pay for it.
function compileFactory<T>(keys: readonly string[]): () => T {
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: ${literal(fieldSpec(k).empty)}`).join(', ')}};`;
  return new Function(body) as () => T;
}

/** Statements that empty every ParsedLine field of the object `v` (for generated parsers, see src/parse/codegen.ts). */
export function parsedLineResetSource(v: string): string {
  return PARSED_FIELDS.map((k) => `${v}.${k} = ${literal(fieldSpec(k).empty)};`).join(' ');
}

/** A fresh ParsedLine with every field empty (time and requestTime NaN). */
export const newParsedLine: () => ParsedLine = compileFactory<ParsedLine>(PARSED_FIELDS);

/** Empties a ParsedLine in place (same field order as newParsedLine, so the object keeps one hidden class). */
export const resetParsedLine = new Function('out', parsedLineResetSource('out')) as (out: ParsedLine) => void;

/** A RequestRow to refill in place (hot paths that reuse one object), every field present in table order. */
export const emptyRequestRow: () => RequestRow = compileFactory<RequestRow>(ROW_FIELDS);
