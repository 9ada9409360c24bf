// Read-side requests in the PostgreSQL worker: one statement (rows, first row, or rows changed), and server-side
// cursors (WITH HOLD: they survive the statement's own transaction, so commits in between do not end them) that
// the main thread pages through, for audits that stream a window's rows instead of loading them.
import type pg from 'pg';

export async function runQuery(client: pg.Client, text: string, values: unknown[], mode: 'all' | 'get' | 'run'): Promise<unknown> {
  const r = await client.query(text, values);
  if (mode === 'run') return { changes: r.rowCount ?? 0 };
  return mode === 'get' ? (r.rows[0] ?? null) : r.rows;
}

export class Cursors {
  private next_ = 1;
  private readonly open_ = new Map<number, { client: pg.Client; name: string }>();

  async open(client: pg.Client, text: string, values: unknown[]): Promise<number> {
    const id = this.next_++;
    const name = `snatscope_c${id}`;
    await client.query(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${text}`, values);
    this.open_.set(id, { client, name });
    return id;
  }

  async next(id: number, rows: number): Promise<unknown[]> {
    const c = this.open_.get(id);
    if (c === undefined) throw new Error('cursor closed (the connection was lost); run again');
    const r = await c.client.query(`FETCH ${Math.max(1, Math.floor(rows))} FROM ${c.name}`);
    return r.rows;
  }

  async close(id: number): Promise<null> {
    const c = this.open_.get(id);
    this.open_.delete(id);
    if (c !== undefined) await c.client.query(`CLOSE ${c.name}`).catch(() => undefined);
    return null;
  }

  /** The connection went away: its cursors with it. */
  clear(): void {
    this.open_.clear();
  }
}
