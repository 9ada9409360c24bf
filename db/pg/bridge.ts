// The main thread's side of the PostgreSQL worker. The store's API is synchronous like better-sqlite3's (callers
// are the same for both backends): call() posts a request and blocks on a shared counter (Atomics.wait) until the
// worker has answered, then takes the answer off the port (receiveMessageOnPort). post() sends without waiting
// (commits in flight, at most a bounded number); their answers are collected by the next call or wait.
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { PgConnection } from '../location.js';
import type { WireError } from './conn.js';
import type { Notice, Reply, Request, WorkerInit } from './worker.js';

/** An error from PostgreSQL or the connection, as thrown on the main thread. */
export class PgStoreError extends Error {
  readonly code: string;
  readonly kind: WireError['kind'];
  readonly hint: string | undefined;
  constructor(w: WireError) {
    super(w.message);
    this.name = 'PgStoreError';
    this.code = w.code;
    this.kind = w.kind;
    this.hint = w.hint;
  }
}

// Under vitest the sources are TypeScript: the worker runs from the build (tests build first).
const here = fileURLToPath(import.meta.url);
const WORKER = here.endsWith('.ts') ? new URL('../../dist/db/pg/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url);

export interface BridgeOptions {
  connection: PgConnection;
  readonly: boolean;
  appName: string;
  writer: string;
  reconnectMs: number;
  onNotice: (n: Notice) => void;
}

export class Bridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private readonly answers = new Map<number, Reply>();
  /** Posted requests not yet answered, oldest first, with a weight (rows of a commit). */
  private readonly inflight: { id: number; weight: number }[] = [];
  private inflightWeight = 0;
  private dead = false;

  constructor(o: BridgeOptions) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WorkerInit = {
      port: port2,
      flag: this.flag,
      connection: o.connection,
      password: o.connection.password,
      readonly: o.readonly,
      appName: o.appName,
      writer: o.writer,
      reconnectMs: o.reconnectMs,
    };
    this.worker = new Worker(WORKER, { workerData: init, transferList: [port2] });
    this.worker.on('message', (n: Notice) => o.onNotice(n));
    this.worker.on('error', () => {
      this.dead = true;
    });
    this.worker.unref();
  }

  /** Sends a request and blocks until its answer; throws what the worker threw. */
  call<T>(req: Request): T {
    return this.wait<T>(this.send(req));
  }

  /** Sends without waiting; `weight` counts toward the bound that backpressure() keeps. */
  post(req: Request, weight: number): number {
    const id = this.send(req);
    this.inflight.push({ id, weight });
    this.inflightWeight += weight;
    return id;
  }

  /** Waits for posted requests until at most `maxWeight` is in flight; throws the first failure among them. */
  settle(maxWeight: number): void {
    while (this.inflight.length && (this.inflightWeight > maxWeight || this.done(this.inflight[0].id))) {
      const { id, weight } = this.inflight.shift()!;
      this.inflightWeight -= weight;
      this.wait(id);
    }
  }

  get pendingPosts(): number {
    return this.inflight.length;
  }

  /** Ends the worker (its connection closes; an open transaction rolls back on the server). */
  terminate(): void {
    this.dead = true;
    this.port.close();
    void this.worker.terminate();
  }

  private send(req: Request): number {
    if (this.dead) throw new PgStoreError({ message: 'PostgreSQL store is closed', code: 'closed', kind: 'final' });
    const id = this.nextId++;
    this.port.postMessage({ id, req });
    return id;
  }

  private done(id: number): boolean {
    this.drain();
    return this.answers.has(id);
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const r = m.message as Reply;
      this.answers.set(r.id, r);
    }
  }

  private wait<T>(id: number): T {
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      this.drain();
      const r = this.answers.get(id);
      if (r !== undefined) {
        this.answers.delete(id);
        if (r.error) throw new PgStoreError(r.error);
        return r.ok as T;
      }
      if (this.dead) throw new PgStoreError({ message: 'PostgreSQL store worker ended', code: 'closed', kind: 'final' });
      Atomics.wait(this.flag, 0, seen, 1000);
    }
  }
}
