// String interning and pod references of the store's write side. Low-cardinality strings (method, protocol,
// owner, upstream, user agent, referer) become ids in `strings` through a bounded two-generation Map cache; each
// (namespace, pod, container, node) becomes an id in `pods`, remembered per source so most rows build no key.
// A layer of the writer object (see db/open.ts), so add() reaches intern()/podRef() with no extra call.

import type Database from 'better-sqlite3';
import type { RequestRow } from '../src/types.js';
import type { StoreOptions } from './interface.js';
import { StoreConnection } from './open.js';

/** Pod ids stay below this, so (minute, pod) packs into one number key (db/rollups.ts). */
export const MAX_POD_REFS = 1 << 24;

/** A copy of s that does not keep a larger parent string (a sliced log line) alive while cached. */
export function detach(s: string): string {
  // Concatenation then slice flattens into a fresh string of s.length + 1 characters (short ones are copied whole).
  return (' ' + s).slice(1);
}

/** Last pod ref seen per source: most rows of a source share it, so no key is built per row. */
class PodSlot {
  namespace = '';
  pod = '';
  container = '';
  node: string | null = null;
  id = -1;
}

export class RefInterner extends StoreConnection {
  private readonly internCacheSize: number;
  private strCache = new Map<string, number>();
  private strOld = new Map<string, number>();
  private readonly podIds = new Map<string, number>();
  private readonly podSlots = new Map<number, PodSlot>();
  private readonly refSt!: { internString: Database.Statement; selPod: Database.Statement; insPod: Database.Statement };

  protected constructor(db: Database.Database, file: string, opts: StoreOptions) {
    super(db, file, opts);
    this.internCacheSize = Math.max(16, opts.internCacheSize ?? 100_000);
    if (this.readonly) return;
    this.refSt = {
      internString: db.prepare('INSERT INTO strings (s) VALUES (?) ON CONFLICT (s) DO UPDATE SET s = s RETURNING id').pluck(),
      selPod: db.prepare('SELECT id FROM pods WHERE namespace = ? AND pod = ? AND container = ? AND node = ?').pluck(),
      insPod: db.prepare('INSERT INTO pods (namespace, pod, container, node) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Ids handed out inside a rolled-back transaction no longer exist: forget every cached one. */
  protected forgetRefs(): void {
    this.strCache.clear();
    this.strOld.clear();
    this.podIds.clear();
    this.podSlots.clear();
  }

  protected intern(s: string): number {
    const id = this.strCache.get(s);
    return id !== undefined ? id : this.internMiss(s);
  }

  /** Two generations: when the current one is full it becomes the old one; hits in the old one move back. */
  private internMiss(s: string): number {
    let id = this.strOld.get(s);
    const flat = detach(s);
    if (id === undefined) id = this.refSt.internString.get(flat) as number;
    if (this.strCache.size >= this.internCacheSize >> 1) {
      this.strOld = this.strCache;
      this.strCache = new Map();
    }
    this.strCache.set(flat, id);
    return id;
  }

  protected podRef(sourceId: number, row: RequestRow): number {
    let slot = this.podSlots.get(sourceId);
    if (
      slot !== undefined &&
      slot.pod === row.pod &&
      slot.namespace === row.namespace &&
      slot.container === row.container &&
      slot.node === row.nodeName
    ) {
      return slot.id;
    }
    if (slot === undefined) this.podSlots.set(sourceId, (slot = new PodSlot()));
    const ns = detach(row.namespace);
    const pod = detach(row.pod);
    const container = detach(row.container);
    const node = row.nodeName === null ? null : detach(row.nodeName);
    const key = `${ns}\u0000${pod}\u0000${container}\u0000${node ?? ''}`;
    let id = this.podIds.get(key);
    if (id === undefined) {
      id = this.refSt.selPod.get(ns, pod, container, node ?? '') as number | undefined;
      if (id === undefined) id = Number(this.refSt.insPod.run(ns, pod, container, node ?? '').lastInsertRowid);
      if (id >= MAX_POD_REFS) throw new Error('too many distinct pod/container/node combinations in one database');
      this.podIds.set(key, id);
    }
    slot.namespace = ns;
    slot.pod = pod;
    slot.container = container;
    slot.node = node;
    slot.id = id;
    return id;
  }
}
