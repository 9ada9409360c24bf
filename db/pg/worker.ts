// The PostgreSQL store's worker thread: owns the one connection, runs requests from the main thread strictly in
// order (bridge.ts), and keeps commits exact through a lost connection: it reconnects with backoff, takes its
// sources' locks again, asks whether the batch in flight was committed (writers.seq) and sends it again if not.
// It says so once per outage (a notice to the main thread), not per retry.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type pg from 'pg';
import type { PgConnection } from '../location.js';
import type { Batch } from './batch.js';
import { commitBatch, Dictionaries } from './commit.js';
import { checkSchema, claimSource, committedSeq, connect, migrate, reclaim, wireError, type SourceMetaWire, type WireError } from './conn.js';
import { Cursors, runQuery } from './read.js';

export interface WorkerInit {
  port: MessagePort;
  flag: Int32Array;
  connection: PgConnection;
  password: string | undefined;
  readonly: boolean;
  appName: string;
  writer: string;
  /** Give up reconnecting after this long (ms). */
  reconnectMs: number;
}

export type Request =
  | { op: 'open' }
  | { op: 'source'; key: string; kind: string; meta: SourceMetaWire; now: number }
  | { op: 'commit'; batch: Batch }
  | { op: 'query'; text: string; values: unknown[]; mode: 'all' | 'get' | 'run'; once?: boolean }
  | { op: 'cursor'; text: string; values: unknown[]; once?: boolean }
  | { op: 'next'; cursor: number; rows: number }
  | { op: 'closeCursor'; cursor: number }
  | { op: 'close' };

export interface Reply {
  id: number;
  ok?: unknown;
  error?: WireError;
}

export type Notice = { notice: 'lost'; message: string } | { notice: 'back'; downMs: number };

const init = workerData as WorkerInit;
const conn: PgConnection = { ...init.connection, password: init.password };
const dict = new Dictionaries();
const owned = new Set<number>();
const cursors = new Cursors();
let client: pg.Client | null = null;
/** A final failure: every later request fails with it (later batches must not commit after a lost one). */
let broken: WireError | null = null;
/** The first open succeeded: from then on a lost connection is retried (before, it is the user's to fix). */
let opened = false;

async function ensure(): Promise<pg.Client> {
  if (client === null) client = await connect(conn, init.appName, init.readonly);
  return client;
}

function drop(): void {
  const c = client;
  client = null;
  cursors.clear();
  c?.end().catch(() => undefined);
}

/** Runs `fn` on a live connection; a lost connection is re-established (saying so once) and `fn` retried. */
async function resilient<T>(fn: (c: pg.Client, again: boolean) => Promise<T>): Promise<T> {
  let downSince = 0;
  let again = false;
  let conflicts = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const c = await ensure();
      if (again && owned.size) {
        const lost = await reclaim(c, owned);
        if (lost !== null) {
          throw Object.assign(new Error(`source ${lost} was taken by another writer while the connection was down`), { code: 'busy', hint: 'one writer per source: stop the other writer, then run again; what was committed stays' });
        }
      }
      const r = await fn(c, again);
      if (downSince) parentPort!.postMessage({ notice: 'back', downMs: Date.now() - downSince } satisfies Notice);
      return r;
    } catch (err) {
      const w = wireError(err);
      const expired = downSince !== 0 && Date.now() - downSince > init.reconnectMs;
      // A first connect that fails is the user's to fix (host, port, password): said at once, not retried.
      if (w.kind === 'connection' && opened && !expired) {
        if (downSince === 0) {
          downSince = Date.now();
          parentPort!.postMessage({ notice: 'lost', message: w.message } satisfies Notice);
        }
        drop();
        again = true;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
        continue;
      }
      if (w.kind === 'retry' && conflicts++ < 8) {
        await client?.query('ROLLBACK').catch(() => undefined);
        continue;
      }
      throw err;
    }
  }
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'open': {
      const c = await ensure();
      const v = init.readonly ? await checkSchema(c) : await migrate(c);
      opened = true;
      return v;
    }
    case 'source': {
      const r = await resilient((c) => claimSource(c, req.key, req.kind, req.meta, req.now));
      owned.add(r.id);
      return r;
    }
    case 'commit': {
      const b = req.batch;
      await resilient(async (c, again) => {
        if (again && (await committedSeq(c, init.writer)) >= b.seq) return; // the lost acknowledgement was a commit
        await dict.resolve(c, b);
        try {
          await commitBatch(c, b, dict, init.writer);
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
      return b.rows;
    }
    case 'query':
      // Inside a transaction (once): a lost connection ended it, so the statement is not retried on a new one.
      if (req.once) return runQuery(await ensure(), req.text, req.values, req.mode);
      return resilient((c) => runQuery(c, req.text, req.values, req.mode));
    case 'cursor':
      return cursors.open(await ensure(), req.text, req.values);
    case 'next':
      return cursors.next(req.cursor, req.rows);
    case 'closeCursor':
      return cursors.close(req.cursor);
    case 'close': {
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
      return null;
    }
  }
}

let chain: Promise<void> = Promise.resolve();

init.port.on('message', (msg: { id: number; req: Request }) => {
  chain = chain.then(async () => {
    let reply: Reply;
    if (broken !== null && msg.req.op !== 'close') reply = { id: msg.id, error: broken };
    else {
      try {
        reply = { id: msg.id, ok: await handle(msg.req) };
      } catch (err) {
        const w = wireError(err);
        const code = (err as { code?: string }).code;
        if (code === 'user' || code === 'busy') {
          w.kind = code;
          w.hint = (err as { hint?: string }).hint;
        }
        // A failed commit breaks the writer: nothing after it may commit (its positions would skip the lost rows).
        if (msg.req.op === 'commit') broken = w;
        reply = { id: msg.id, error: w };
      }
    }
    init.port.postMessage(reply);
    Atomics.add(init.flag, 0, 1);
    Atomics.notify(init.flag, 0);
  });
});
