// NDJSON output: one object per request with the fields of RequestRow (time in ms since epoch; NaN as null) and,
// beside `time`, `timestamp`: the same instant in RFC3339 (UTC, milliseconds).
// JSON.stringify already escapes C0 controls; the C1 controls, line/paragraph separators and bidi overrides that it
// leaves raw are written as \u escapes too, so the output is valid JSON and still safe on a terminal.
import { ROW_FIELDS, type RequestRow } from '../fields.js';
import { BatchWriter, type TextOut } from './sinkio.js';

const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_G = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The RequestRow keys in output order: a replacer list, so no object is built per row. */
const FIELDS: string[] = [...ROW_FIELDS];

/** The JSON keys of one output object, in order. */
export const JSON_KEYS: string[] = [FIELDS[0], 'timestamp', ...FIELDS.slice(1)];
if (FIELDS[0] !== 'time') throw new Error('json.ts: the field table must start with time');

export function rowJson(row: RequestRow): string {
  let text = JSON.stringify(row, FIELDS);
  const comma = text.indexOf(',');
  const stamp = Number.isFinite(row.time) ? `"${new Date(row.time).toISOString()}"` : 'null';
  text = `${text.slice(0, comma)},"timestamp":${stamp}${text.slice(comma)}`;
  return UNSAFE.test(text) ? text.replace(UNSAFE_G, escapeChar) : text;
}

export class JsonSink {
  private readonly out: BatchWriter;

  constructor(stream: TextOut) {
    this.out = new BatchWriter(stream);
  }

  write(row: RequestRow): void {
    this.out.push(rowJson(row) + '\n');
  }

  close(): void {
    this.out.flush();
  }
}
