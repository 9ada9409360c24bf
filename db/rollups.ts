// The two rollup aggregators of the open batch, upserted at flush: per (minute, pod, class) requests, recovered
// clients and bytes (`rollups`), and per (minute, pod, owner, address) the node-class requests (`snat_rollups`,
// the report's SNAT sources). Kept in nested Maps; add() (db/writer.ts) fills the class cells inline and calls
// addSnat() for node-class rows. A layer of the writer object (see db/open.ts).

import type Database from 'better-sqlite3';
import type { StoreOptions } from './interface.js';
import { MAX_POD_REFS, RefInterner } from './intern.js';

/** Node-class requests of one (minute, pod, owner, address) in the open batch. */
export class SnatAgg {
  requests = 0;
  constructor(readonly minute: number, readonly pod: number, readonly owner: number, readonly addr: string) {}
}

/** Rollup cell of the open batch. */
export class Agg {
  requests = 0;
  recovered = 0;
  /** Requests whose genuine client is known (clientKnown in src/classes.ts). */
  known = 0;
  bytes = 0;
  constructor(readonly minute: number, readonly pod: number, readonly cls: number) {}
}

export class RollupBatch extends RefInterner {
  /** minute -> (pod * CLASS_COUNT + class id) -> cell of the open batch. */
  protected aggs = new Map<number, Map<number, Agg>>();
  protected aggMinute = Number.NaN;
  protected aggInner: Map<number, Agg> | undefined = undefined;
  /** (minute * 2^24 + pod) -> owner id -> address -> node-class count of the open batch. */
  private snatAggs = new Map<number, Map<number, Map<string, SnatAgg>>>();
  private snatKey = Number.NaN;
  private snatOwner = -1;
  private snatInner: Map<string, SnatAgg> | undefined = undefined;
  private readonly rollupSt!: { upRollup: Database.Statement; upSnat: Database.Statement };

  protected constructor(db: Database.Database, file: string, opts: StoreOptions) {
    super(db, file, opts);
    if (this.readonly) return;
    this.rollupSt = {
      upRollup: db.prepare(
        'INSERT INTO rollups (minute, pod, class, requests, recovered, known, bytes) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (minute, pod, class) DO UPDATE SET requests = requests + excluded.requests, ' +
          'recovered = recovered + excluded.recovered, known = known + excluded.known, bytes = bytes + excluded.bytes',
      ),
      upSnat: db.prepare(
        'INSERT INTO snat_rollups (minute, pod, owner, addr, requests) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (minute, pod, owner, addr) DO UPDATE SET requests = requests + excluded.requests',
      ),
    };
  }

  protected addSnat(minute: number, pod: number, owner: number, addr: string): void {
    const key = minute * MAX_POD_REFS + pod;
    let inner = this.snatInner;
    if (key !== this.snatKey || owner !== this.snatOwner || inner === undefined) {
      let byOwner = this.snatAggs.get(key);
      if (byOwner === undefined) this.snatAggs.set(key, (byOwner = new Map()));
      inner = byOwner.get(owner);
      if (inner === undefined) byOwner.set(owner, (inner = new Map()));
      this.snatKey = key;
      this.snatOwner = owner;
      this.snatInner = inner;
    }
    let a = inner.get(addr);
    if (a === undefined) inner.set(addr, (a = new SnatAgg(minute, pod, owner, addr)));
    a.requests++;
  }

  /** Upsert both aggregates of the open batch (inside its transaction). */
  protected writeRollups(): void {
    const st = this.rollupSt;
    for (const inner of this.aggs.values()) {
      for (const a of inner.values()) st.upRollup.run(a.minute, a.pod, a.cls, a.requests, a.recovered, a.known, a.bytes);
    }
    for (const byOwner of this.snatAggs.values()) {
      for (const inner of byOwner.values()) {
        for (const a of inner.values()) st.upSnat.run(a.minute, a.pod, a.owner, a.addr, a.requests);
      }
    }
  }

  protected resetRollups(): void {
    this.aggs = new Map();
    this.aggMinute = Number.NaN;
    this.aggInner = undefined;
    this.snatAggs = new Map();
    this.snatKey = Number.NaN;
    this.snatOwner = -1;
    this.snatInner = undefined;
  }
}
