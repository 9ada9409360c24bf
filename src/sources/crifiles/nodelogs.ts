// Every container log of the selected pods in one node's pods folder: one InstanceFollower per container instance
// (`<namespace>_<pod>_<uid>/<container>/<restart>.log...`), stepped one after another by a single loop (a poll every
// `pollMs`, the folder scanned every `scanMs`). An instance is final once a newer restart of its container has a log,
// or once its pod is no longer selected (deleted): it is read to its end and then ended. A folder of a pod that is
// not (or no longer) selected is still drained when the store has an unfinished source for it (the pod was deleted
// while the agent was down).
import { join } from 'node:path';
import type { CriLineSink } from './crilines.js';
import { InstanceFollower, parseInstanceCursor } from './follower.js';
import { fileSourceKey, listDir, parsePodDir, restartsIn, type PodDir } from './layout.js';

/** A pod on this node that is selected, by uid. */
export interface WantedPod {
  namespace: string;
  pod: string;
  uid: string;
}

/** One container instance's log. */
export interface InstanceRef {
  dir: PodDir;
  container: string;
  restart: number;
  /** The store's source key. */
  key: string;
  /** The container folder. */
  path: string;
}

/** The pipeline side of one instance: its stored cursor, where its lines go, and its end. */
export interface InstanceFeed {
  storedCursor: string | null;
  sink: CriLineSink;
  /** `done`: read to its end (the cursor says so); else the run stops and it resumes next time. */
  end(done: boolean): void;
}

export interface NodeLogsOptions {
  podsDir: string;
  containerMatch?: (name: string) => boolean;
  /** Opens the pipeline source of an instance; `cursor` gives its exact position at any moment. */
  open(ref: InstanceRef, cursor: () => string | null): InstanceFeed;
  /** Whether the store has an unfinished source with this key. */
  unfinished(key: string): boolean;
  onGap?(ref: InstanceRef, message: string): void;
  onRotation?(ref: InstanceRef): void;
  onStart?(ref: InstanceRef): void;
  onEnd?(ref: InstanceRef, done: boolean): void;
  /** Something failed in the loop (an unreadable folder): said, the loop goes on. */
  onError?(err: unknown): void;
  pollMs?: number;
  scanMs?: number;
  maxLineLength?: number;
}

interface Followed {
  ref: InstanceRef;
  follower: InstanceFollower;
  feed: InstanceFeed;
}

export class NodeLogs {
  private wanted = new Map<string, WantedPod>();
  private readonly followed = new Map<string, Followed>();
  private readonly finished = new Set<string>();
  private readonly ignored = new Set<string>();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastScan = 0;
  /** Bytes read from files so far. */
  bytes = 0;

  constructor(private readonly o: NodeLogsOptions) {}

  /** The selected pods now (from the pod watch): instances of pods no longer in it become final. */
  setPods(pods: Map<string, WantedPod>): void {
    this.wanted = pods;
    for (const f of this.followed.values()) if (!this.isWanted(f.ref.dir)) f.follower.final = true;
    this.lastScan = 0;
    this.wake?.();
  }

  /** Container instances being read. */
  get instances(): number {
    return this.followed.size;
  }

  /** The state of each instance being read: live, or draining (final: read to its end, then ended). */
  *states(): Iterable<string> {
    for (const f of this.followed.values()) yield f.follower.final ? 'draining' : 'live';
  }

  /** Instance refs being read (for views and metrics). */
  refs(): InstanceRef[] {
    return [...this.followed.values()].map((f) => f.ref);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading; every open instance ends with its exact position (it resumes there next time). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    for (const f of this.followed.values()) {
      await f.follower.close();
      f.feed.end(false);
      this.o.onEnd?.(f.ref, false);
    }
    this.followed.clear();
  }

  /** One pass now (tests): scan, then step every follower once. */
  async pass(): Promise<void> {
    await this.scan();
    await this.stepAll();
  }

  private async run(): Promise<void> {
    const pollMs = this.o.pollMs ?? 200;
    const scanMs = this.o.scanMs ?? 1000;
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastScan >= scanMs) await this.scan();
        await this.stepAll();
      } catch (err) {
        this.o.onError?.(err);
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, pollMs);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private async stepAll(): Promise<void> {
    for (const [key, f] of this.followed) {
      if (this.stopping) return;
      const n = await f.follower.step();
      this.bytes += n;
      if (f.follower.done) {
        this.followed.delete(key);
        this.finished.add(key);
        f.feed.end(true);
        this.o.onEnd?.(f.ref, true);
      }
    }
  }

  private isWanted(d: PodDir): boolean {
    const w = this.wanted.get(d.uid);
    return w !== undefined && w.namespace === d.namespace && w.pod === d.pod;
  }

  private async scan(): Promise<void> {
    this.lastScan = Date.now();
    const root = this.o.podsDir;
    for (const name of (await listDir(root)) ?? []) {
      const d = parsePodDir(name);
      if (!d) continue;
      const wanted = this.isWanted(d);
      for (const container of (await listDir(join(root, name))) ?? []) {
        if (this.o.containerMatch && !this.o.containerMatch(container)) continue;
        const path = join(root, name, container);
        const restarts = restartsIn((await listDir(path)) ?? []);
        const newest = restarts[restarts.length - 1];
        for (const restart of restarts) {
          const key = fileSourceKey(d, container, restart);
          const final = !wanted || restart < newest;
          const f = this.followed.get(key);
          if (f) {
            if (final) f.follower.final = true;
            continue;
          }
          if (this.finished.has(key) || (!wanted && this.ignored.has(key))) continue;
          if (!wanted && !this.o.unfinished(key)) {
            this.ignored.add(key);
            continue;
          }
          this.follow({ dir: d, container, restart, key, path }, final);
        }
      }
    }
  }

  private follow(ref: InstanceRef, final: boolean): void {
    let follower: InstanceFollower | null = null;
    const feed = this.o.open(ref, () => follower?.cursorJson() ?? null);
    follower = new InstanceFollower(
      ref.path,
      ref.restart,
      feed.sink,
      parseInstanceCursor(feed.storedCursor),
      {
        gap: (message) => this.o.onGap?.(ref, message),
        next: () => this.o.onRotation?.(ref),
      },
      this.o.maxLineLength,
    );
    follower.final = final;
    this.followed.set(ref.key, { ref, follower, feed });
    this.o.onStart?.(ref);
  }
}
