// What the store keeps besides requests: unparsed-line counts with the first few samples per source and reason
// (counted in the open batch, written at flush), cluster/service snapshots, and pod/stream events.

import type Database from 'better-sqlite3';
import type { UnparsedReason } from '../src/types.js';
import type { PodEventRecord } from './interface.js';
import { detach } from './intern.js';

const MAX_SAMPLES = 3;
const MAX_SAMPLE_CHARS = 2048;

class UnparsedPending {
  count = 0;
  readonly samples: string[] = [];
  constructor(public stored: number) {}
}

/** Unparsed counts and samples of the open batch. */
export class UnparsedCounts {
  private readonly pending = new Map<number, Map<string, UnparsedPending>>();
  private readonly st: { upUnparsed: Database.Statement; insSample: Database.Statement; countSamples: Database.Statement };

  constructor(db: Database.Database) {
    this.st = {
      upUnparsed: db.prepare(
        'INSERT INTO unparsed (source, reason, count) VALUES (?, ?, ?) ' +
          'ON CONFLICT (source, reason) DO UPDATE SET count = count + excluded.count',
      ),
      insSample: db.prepare('INSERT INTO unparsed_samples (source, reason, sample) VALUES (?, ?, ?)'),
      countSamples: db.prepare('SELECT count(*) FROM unparsed_samples WHERE source = ? AND reason = ?').pluck(),
    };
  }

  /** Count one line (inside the open transaction: the stored sample count is read once per source and reason). */
  add(sourceId: number, reason: UnparsedReason, sample: string): void {
    let bySource = this.pending.get(sourceId);
    if (bySource === undefined) this.pending.set(sourceId, (bySource = new Map()));
    let p = bySource.get(reason);
    if (p === undefined) {
      p = new UnparsedPending(this.st.countSamples.get(sourceId, reason) as number);
      bySource.set(reason, p);
    }
    p.count++;
    if (p.stored + p.samples.length < MAX_SAMPLES) {
      p.samples.push(detach(sample.length > MAX_SAMPLE_CHARS ? sample.slice(0, MAX_SAMPLE_CHARS) : sample));
    }
  }

  /** Write the batch's counts and samples (inside its transaction). */
  write(): void {
    const st = this.st;
    for (const [id, byReason] of this.pending) {
      for (const [reason, p] of byReason) {
        if (p.count > 0) st.upUnparsed.run(id, reason, p.count);
        for (const s of p.samples) st.insSample.run(id, reason, s);
      }
    }
  }

  /** After a commit (the samples are now stored) or a rollback (nothing of the batch is: forget all). */
  reset(failed: boolean): void {
    for (const byReason of this.pending.values()) {
      for (const p of byReason.values()) {
        if (!failed) p.stored += p.samples.length;
        p.count = 0;
        p.samples.length = 0;
      }
    }
    if (failed) this.pending.clear();
  }
}

/** Topology and service snapshots and pod events, written into the open transaction. */
export class Snapshots {
  private readonly st: { insTopology: Database.Statement; insService: Database.Statement; insPodEvent: Database.Statement };

  constructor(db: Database.Database) {
    this.st = {
      insTopology: db.prepare('INSERT INTO topology (time, json) VALUES (?, ?)'),
      insService: db.prepare('INSERT INTO services (time, namespace, name, json) VALUES (?, ?, ?, ?)'),
      insPodEvent: db.prepare(
        'INSERT INTO pod_events (time, namespace, pod, container, event, detail) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  topology(snapshot: unknown, time: number): void {
    this.st.insTopology.run(Math.round(time), JSON.stringify(snapshot));
  }

  service(snapshot: unknown, time: number): void {
    const s = (snapshot ?? {}) as { metadata?: { namespace?: unknown; name?: unknown }; namespace?: unknown; name?: unknown };
    const ns = s.metadata?.namespace ?? s.namespace;
    const name = s.metadata?.name ?? s.name;
    this.st.insService.run(
      Math.round(time), typeof ns === 'string' ? ns : null, typeof name === 'string' ? name : null, JSON.stringify(snapshot),
    );
  }

  podEvent(ev: PodEventRecord): void {
    this.st.insPodEvent.run(
      Math.round(ev.time ?? Date.now()), ev.namespace, ev.pod, ev.container ?? null, ev.event, ev.detail ?? null,
    );
  }
}
