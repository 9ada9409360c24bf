// Sources and their positions: each log source (file, stdin, API stream) is one `sources` row keyed by its
// stream key, holding the lines committed so far and the stream cursor. advance() only notes the new position;
// write() stores it inside the batch's transaction, so a position is committed together with the rows it covers.

import type Database from 'better-sqlite3';
import type { SourceDetails, SourceKind, SourceState } from './interface.js';

export class SourcePositions {
  private readonly pendingLines = new Map<number, number>();
  private readonly pendingCursor = new Map<number, string | null>();
  private readonly st: {
    selSource: Database.Statement;
    insSource: Database.Statement;
    touchSource: Database.Statement;
    advSource: Database.Statement;
    advSourceCursor: Database.Statement;
    cursorSource: Database.Statement;
    metaSource: Database.Statement;
  };

  constructor(db: Database.Database) {
    this.st = {
      selSource: db.prepare('SELECT id, lines, cursor FROM sources WHERE key = ?'),
      insSource: db.prepare(
        'INSERT INTO sources (key, kind, namespace, pod, container, container_id, node, path, first_seen, last_seen) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      touchSource: db.prepare(
        'UPDATE sources SET namespace = coalesce(?, namespace), pod = coalesce(?, pod), container = coalesce(?, container), ' +
          'container_id = coalesce(?, container_id), node = coalesce(?, node), path = coalesce(?, path), last_seen = ? WHERE id = ?',
      ),
      advSource: db.prepare('UPDATE sources SET lines = ?, last_seen = ? WHERE id = ?'),
      advSourceCursor: db.prepare('UPDATE sources SET lines = ?, cursor = ?, last_seen = ? WHERE id = ?'),
      cursorSource: db.prepare('UPDATE sources SET cursor = ?, last_seen = ? WHERE id = ?'),
      metaSource: db.prepare('UPDATE sources SET format = coalesce(?, format), envelope = coalesce(?, envelope) WHERE id = ?'),
    };
  }

  /** True when positions wait to be committed. */
  get pending(): boolean {
    return this.pendingLines.size > 0 || this.pendingCursor.size > 0;
  }

  /** Get or create the source with this key (see StoreWriter.source). */
  source(key: string, kind: SourceKind, details: SourceDetails): SourceState {
    const now = Date.now();
    const d = details;
    const row = this.st.selSource.get(key) as { id: number; lines: number; cursor: string | null } | undefined;
    if (row) {
      this.st.touchSource.run(
        d.namespace ?? null, d.pod ?? null, d.container ?? null, d.containerId ?? null, d.node ?? null, d.path ?? null, now, row.id,
      );
      // A position advanced in the open batch is committed with it: that is the one to resume from.
      const cursor = this.pendingCursor.has(row.id) ? (this.pendingCursor.get(row.id) ?? null) : row.cursor;
      return { id: row.id, lines: this.pendingLines.get(row.id) ?? row.lines, cursor };
    }
    const info = this.st.insSource.run(
      key, kind, d.namespace ?? null, d.pod ?? null, d.container ?? null, d.containerId ?? null, d.node ?? null, d.path ?? null, now, now,
    );
    return { id: Number(info.lastInsertRowid), lines: 0, cursor: null };
  }

  /** The source with this key and its position, without creating it (null when there is none). */
  peek(key: string): SourceState | null {
    const row = this.st.selSource.get(key) as { id: number; lines: number; cursor: string | null } | undefined;
    if (!row) return null;
    const cursor = this.pendingCursor.has(row.id) ? (this.pendingCursor.get(row.id) ?? null) : row.cursor;
    return { id: row.id, lines: this.pendingLines.get(row.id) ?? row.lines, cursor };
  }

  /** Store the detected line format and envelope (inside the open transaction). */
  meta(sourceId: number, meta: { format?: string | null; envelope?: string | null }): void {
    this.st.metaSource.run(meta.format ?? null, meta.envelope ?? null, sourceId);
  }

  advance(sourceId: number, lines: number, cursor?: string | null): void {
    this.pendingLines.set(sourceId, lines);
    if (cursor !== undefined) this.pendingCursor.set(sourceId, cursor);
  }

  /** Write the advanced positions (inside the batch's transaction). */
  write(): void {
    const st = this.st;
    const now = Date.now();
    for (const [id, lines] of this.pendingLines) {
      if (this.pendingCursor.has(id)) st.advSourceCursor.run(lines, this.pendingCursor.get(id) ?? null, now, id);
      else st.advSource.run(lines, now, id);
    }
    for (const [id, cursor] of this.pendingCursor) {
      if (!this.pendingLines.has(id)) st.cursorSource.run(cursor, now, id);
    }
  }

  /** After a commit or a rollback: nothing pending. */
  clear(): void {
    this.pendingLines.clear();
    this.pendingCursor.clear();
  }
}
