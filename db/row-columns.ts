// The `requests` columns a RequestRow is written to, and the requests_v view that reads them back with strings and
// classes resolved: both derived from the field table (src/fields.ts) and the class registry (src/classes.ts).
// BatchWriter.add (db/writer.ts) binds in INSERT_COLUMNS order, hand-unrolled for speed; test/fields.test.ts checks it.
import type Database from 'better-sqlite3';
import { FALLBACK_CLASS, classCaseSql } from '../src/classes.js';
import { REQUEST_FIELDS, type FieldSpec } from '../src/fields.js';

/** The fields the store keeps, in table order. */
const STORED: readonly FieldSpec[] = REQUEST_FIELDS.filter((f) => f.row && f.store !== null);

/** Columns of one INSERT INTO requests row: the source id, then the stored fields ('who' fields share `pod`). */
export const INSERT_COLUMNS: readonly string[] = [
  'source',
  ...new Set(STORED.map((f) => (f.store === 'who' ? 'pod' : (f.column as string)))),
];

/** Parameters per inserted row. */
export const ROW_PARAMS = INSERT_COLUMNS.length;

/** `(?,?,...)` for one row. */
export const ROW_PLACEHOLDERS = `(${new Array<string>(ROW_PARAMS).fill('?').join(',')})`;

/** INSERT of `rows` rows at once. */
export function insertSql(rows: number): string {
  return `INSERT INTO requests (${INSERT_COLUMNS.join(', ')}) VALUES ${new Array<string>(rows).fill(ROW_PLACEHOLDERS).join(',')}`;
}

export const REQUESTS_VIEW = 'requests_v';

/** The UTC time of an ms-since-epoch column, per backend (the one part of the view that differs). */
const SQLITE_UTC = (col: string) => `datetime(${col} / 1000, 'unixepoch')`;

/**
 * The CREATE VIEW of requests_v (for people reading the file with sqlite3, or PostgreSQL with psql, given its `utc`
 * expression): one column per stored field.
 */
export function requestsViewSql(utc: (col: string) => string = SQLITE_UTC): string {
  const cols = ['r.id', 's.key AS source'];
  const joins = ['JOIN pods p ON p.id = r.pod', 'LEFT JOIN sources s ON s.id = r.source'];
  const str = (col: string): string => {
    const alias = `s_${col}`;
    joins.push(`LEFT JOIN strings ${alias} ON ${alias}.id = r.${col}`);
    return `${alias}.s`;
  };
  for (const f of STORED) {
    const view = f.view as string;
    const col = f.column as string;
    switch (f.store) {
      case 'time':
        cols.push(`r.${col} AS ${view}`, `${utc(`r.${col}`)} AS utc`);
        break;
      case 'who':
        cols.push(f.nullable ? `NULLIF(p.${view}, '') AS ${view}` : `p.${view} AS ${view}`);
        break;
      case 'class':
        cols.push(`${classCaseSql(`r.${col}`, f.nullable ? null : FALLBACK_CLASS)} AS ${view}`);
        break;
      case 'intern':
        cols.push(`${str(col)} AS ${view}`);
        break;
      default:
        cols.push(f.viewFrom !== undefined ? `coalesce(r.${col}, ${str(f.viewFrom)}) AS ${view}` : `r.${col} AS ${view}`);
    }
  }
  return `CREATE VIEW ${REQUESTS_VIEW} AS SELECT ${cols.join(', ')} FROM requests r ${joins.join(' ')}`;
}

/**
 * Makes the file's requests_v the one this build derives (a writable open; cheap when it already is): a database
 * written before a class or a field was added gets the new view, with its data untouched.
 */
export function ensureRequestsView(db: Database.Database): void {
  const want = requestsViewSql();
  const current = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?").pluck();
  if (current.get(REQUESTS_VIEW) === want) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    if (current.get(REQUESTS_VIEW) !== want) {
      db.exec(`DROP VIEW IF EXISTS ${REQUESTS_VIEW}`);
      db.exec(want);
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
