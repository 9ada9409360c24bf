// The target pods, kept current by list+watch (one watch per selection: label/field selector, optional name filter),
// and one tail per running container instance (key namespace/pod/container/containerID). New pods and restarted
// containers (a new containerID) get a tail; the old instance's tail reads what is left (previous=true) and ends;
// tails of deleted pods drain until their stream ends or goes idle. An instance that ended while snatscope was not
// running (its stored cursor is not at its end) is read to its end with previous=true when it is the one before the
// current instance, and reported lost when it is older. Only instances running when the run starts get --tail /
// --since; later ones are read from their start. At most `maxStreams` tails read at once: the rest wait in a queue (said
// once, never an error) and start as others end. Pod lifecycle changes go to `onPodEvent`. What an instance is, its key
// and what a pod status says about it: instances.ts.
import type { KubeClient, KubeError } from './http.js';
import { instanceDecision, podEvent, streamKey, type ContainerInstance, type ContainerStatus, type PodEvent, type Selection } from './instances.js';
import type { ResumeDecision, Tail } from './tail.js';
import { ResourceWatch, type KubeObject, type ResourceWatchOptions, type WatchEventType } from './watch.js';

export { streamKey, type ContainerInstance, type PodEvent, type Selection } from './instances.js';

export interface PodStreamsOptions {
  client: KubeClient;
  selections: Selection[];
  /** Which containers of a pod (default all). */
  containerMatch?: (name: string) => boolean;
  /** Tails reading at once (default 50). */
  maxStreams?: number;
  /** false: read what each log holds now, pick up no new pods, end. */
  follow?: boolean;
  /** kubectl logs -p: one tail per container's previous (terminated) instance, none for containers without one. */
  previous?: boolean;
  /** Creates (not starts) the tail of one container instance; `decide` and `onState` must be passed to the Tail. */
  /** null: this container is not read by this run (another writer stores it); it is not offered again. */
  openTail(inst: ContainerInstance, decide: () => ResumeDecision, onState: (t: Tail) => void): Tail | null;
  onTailEnded?(inst: ContainerInstance, tail: Tail): void;
  onTailState?(inst: ContainerInstance, tail: Tail): void;
  onPodEvent?(ev: PodEvent): void;
  onNotice?(message: string): void;
  onError?(err: KubeError, retryInMs: number): void;
  /** Watch tuning (tests). */
  watch?: Partial<ResourceWatchOptions>;
  /** Container IDs of this container's instances stored with a cursor that is not at their end (an earlier run). */
  unfinished?(namespace: string, pod: string, container: string): string[];
  /** A stored instance that can no longer be read (it is older than previous=true reaches). */
  onLost?(inst: ContainerInstance): void;
}

interface Pod {
  obj: KubeObject;
  sels: Set<number>;
}

interface Running {
  inst: ContainerInstance;
  tail: Tail | null; // null while queued
}

export class PodStreams {
  private readonly pods = new Map<string, Pod>();
  private readonly streams = new Map<string, Running>();
  /** Container instances another writer stores (PostgreSQL source lock): not opened again by this run. */
  private readonly refused = new Set<string>();
  private readonly queue: string[] = [];
  private readonly watches: ResourceWatch<KubeObject>[] = [];
  private active = 0;
  private readonly waitingSeen = new Map<string, string>();
  private stopped = false;
  private queuedSaid = 0;
  private idleWaiters: Array<() => void> = [];
  private syncedAll = false;
  /** Instances whose tail ended: never opened again in this run. */
  private readonly finished = new Set<string>();
  /** Containers whose stored instances were looked at. */
  private readonly storedChecked = new Set<string>();
  private readonly maxStreams: number;
  private readonly follow: boolean;

  constructor(private readonly opts: PodStreamsOptions) {
    this.maxStreams = Math.max(1, opts.maxStreams ?? 50);
    this.follow = opts.follow ?? true;
  }

  start(): this {
    this.opts.selections.forEach((sel, i) => {
      const path = sel.namespace ? `/api/v1/namespaces/${encodeURIComponent(sel.namespace)}/pods` : '/api/v1/pods';
      const w = new ResourceWatch<KubeObject>(
        this.opts.client,
        { ...this.opts.watch, path, query: { labelSelector: sel.labelSelector, fieldSelector: sel.fieldSelector } },
        {
          onEvent: (type, obj) => this.onPod(i, type, obj),
          onError: (err, ms) => this.opts.onError?.(err, ms),
        },
      );
      this.watches.push(w);
      w.start();
    });
    return this;
  }

  /** Resolves once every selection has been listed (false on timeout). In --no-follow mode the watches then stop. */
  async synced(timeoutMs = 30_000): Promise<boolean> {
    const ok = (await Promise.all(this.watches.map((w) => w.synced(timeoutMs)))).every(Boolean);
    if (ok && !this.follow) await Promise.all(this.watches.map((w) => w.stop()));
    this.syncedAll = ok;
    this.checkIdle();
    return ok;
  }

  /** Resolves when no stream is reading or queued (after the first sync): the end of a --no-follow run. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** "namespace/name" of the target pods currently seen. */
  podKeys(): IterableIterator<string> {
    return this.pods.keys();
  }

  /** Pods seen per selection (in the order of `selections`). */
  selectionCounts(): number[] {
    const n = this.opts.selections.map(() => 0);
    for (const p of this.pods.values()) for (const s of p.sels) n[s]++;
    return n;
  }

  /** The container names of the pods seen, and whether any of them passes the container filter. */
  containerNames(): { names: string[]; matched: boolean } {
    const names = new Set<string>();
    for (const p of this.pods.values()) {
      for (const c of (p.obj as { spec?: { containers?: { name: string }[] } }).spec?.containers ?? []) names.add(c.name);
    }
    const match = this.opts.containerMatch;
    return { names: [...names].sort(), matched: !match || [...names].some((n) => match(n)) };
  }

  get counts(): { pods: number; active: number; queued: number } {
    return { pods: this.pods.size, active: this.active, queued: this.queue.length };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.watches.map((w) => w.stop()));
    this.queue.length = 0;
    const tails: Promise<void>[] = [];
    for (const r of this.streams.values()) if (r.tail) tails.push(r.tail.stop());
    await Promise.all(tails);
  }

  private onPod(sel: number, type: WatchEventType, obj: KubeObject): void {
    if (this.stopped) return;
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    const key = `${ns}/${name}`;
    const match = this.opts.selections[sel].match;
    const selected = type !== 'DELETED' && (!match || match(name));
    let pod = this.pods.get(key);
    if (selected) {
      if (!pod) {
        // A pod first seen while terminating gets no streams.
        if (obj.metadata.deletionTimestamp) return;
        pod = { obj, sels: new Set() };
        this.pods.set(key, pod);
        this.event('added', obj);
      }
      pod.obj = obj;
      pod.sels.add(sel);
      // Terminating (graceful deletion): nginx still serves and logs while it drains, so its streams go on until
      // the containers stop; only new instances are not picked up.
      if (!obj.metadata.deletionTimestamp) this.reconcile(pod);
      return;
    }
    if (!pod) return;
    pod.sels.delete(sel);
    if (pod.sels.size > 0) return;
    this.pods.delete(key);
    for (const wk of this.waitingSeen.keys()) if (wk.startsWith(`${key}/`)) this.waitingSeen.delete(wk);
    for (const fk of this.finished) if (fk.startsWith(`${key}/`)) this.finished.delete(fk);
    this.event('deleted', obj);
    // Streams of a deleted pod: a live one drains (its stream ends when the container stops), queued ones are dropped.
    for (const [k, r] of this.streams) {
      if (r.inst.namespace !== ns || r.inst.pod !== name) continue;
      if (r.tail) r.tail.finish();
      else this.dropQueued(k);
    }
  }

  /** Starts or queues a tail for each running container instance of the pod that has none yet. */
  private reconcile(pod: Pod): void {
    const obj = pod.obj as KubeObject & { spec?: { containers?: { name: string }[]; nodeName?: string }; status?: { containerStatuses?: ContainerStatus[] } };
    const statuses = obj.status?.containerStatuses ?? [];
    for (const c of obj.spec?.containers ?? []) {
      if (this.opts.containerMatch && !this.opts.containerMatch(c.name)) continue;
      const cs = statuses.find((s) => s.name === c.name);
      const wk = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}/${c.name}`;
      const waiting = cs?.state?.waiting?.reason ?? null;
      if (waiting !== null && this.waitingSeen.get(wk) !== waiting) this.event('waiting', obj, c.name, cs?.containerID, waiting);
      if (waiting !== null) this.waitingSeen.set(wk, waiting);
      else this.waitingSeen.delete(wk);
      const ns = obj.metadata.namespace ?? '';
      const base = { namespace: ns, pod: obj.metadata.name, container: c.name, nodeName: obj.spec?.nodeName ?? null };
      if (cs && !this.opts.previous) this.resumeStored(obj, base, cs);
      // -p: the previous (terminated) instance of each container instead of the current one.
      const id = this.opts.previous ? cs?.lastState?.terminated?.containerID : cs?.containerID;
      if (!id) continue;
      const readable = this.opts.previous || cs!.state?.running !== undefined || (cs!.state?.terminated !== undefined);
      if (!readable) continue;
      const inst: ContainerInstance = { ...base, containerId: id, atStart: !this.syncedAll };
      const key = streamKey(inst);
      if (this.streams.has(key) || this.finished.has(key) || this.refused.has(key)) continue;
      const restarted = [...this.streams.values()].some(
        (r) => r.inst.namespace === inst.namespace && r.inst.pod === inst.pod && r.inst.container === inst.container,
      );
      this.event(restarted ? 'restarted' : 'started', obj, c.name, id, restarted ? `restart ${cs!.restartCount ?? 0}` : undefined);
      this.streams.set(key, { inst, tail: null });
      this.queue.push(key);
    }
    this.pump();
  }

  /**
   * Once per container and run: instances stored by an earlier run whose cursor is not at their end. The one before
   * the current instance is read to its end (previous=true, from its cursor); an older one is lost, loudly.
   */
  private resumeStored(obj: KubeObject, base: Omit<ContainerInstance, 'containerId' | 'atStart'>, cs: ContainerStatus): void {
    const ck = `${base.namespace}/${base.pod}/${base.container}`;
    if (!this.opts.unfinished || this.storedChecked.has(ck)) return;
    this.storedChecked.add(ck);
    const prev = cs.lastState?.terminated?.containerID;
    for (const id of this.opts.unfinished(base.namespace, base.pod, base.container)) {
      if (id === cs.containerID) continue;
      const inst: ContainerInstance = { ...base, containerId: id, atStart: false };
      const key = streamKey(inst);
      if (this.streams.has(key) || this.finished.has(key)) continue;
      if (id !== prev) {
        this.finished.add(key);
        this.opts.onLost?.(inst);
        continue;
      }
      this.event('restarted', obj, base.container, id, `ended while not watched; reading the rest (previous=true)`);
      this.streams.set(key, { inst, tail: null });
      this.queue.push(key);
    }
  }

  private pump(): void {
    while (!this.stopped && this.active < this.maxStreams && this.queue.length > 0) {
      const key = this.queue.shift()!;
      const r = this.streams.get(key);
      if (!r) continue;
      this.active++;
      const decide = () => this.decide(r.inst);
      const tail = this.opts.openTail(r.inst, decide, (t) => this.opts.onTailState?.(r.inst, t));
      if (tail === null) {
        this.active--;
        this.streams.delete(key);
        this.refused.add(key);
        continue;
      }
      r.tail = tail;
      tail.done.then(() => this.ended(key, r));
      tail.start();
    }
    if (this.queue.length > 0 && this.queue.length !== this.queuedSaid) {
      this.queuedSaid = this.queue.length;
      this.opts.onNotice?.(
        `${this.active + this.queue.length} containers match, --max-streams ${this.maxStreams}: ${this.queue.length} queued until another stream ends`,
      );
    } else if (this.queue.length === 0) this.queuedSaid = 0;
  }

  private ended(key: string, r: Running): void {
    this.active--;
    this.streams.delete(key);
    if (this.pods.has(`${r.inst.namespace}/${r.inst.pod}`)) this.finished.add(key);
    if (r.tail) this.opts.onTailEnded?.(r.inst, r.tail);
    this.pump();
    this.checkIdle();
  }

  private dropQueued(key: string): void {
    const i = this.queue.indexOf(key);
    if (i !== -1) this.queue.splice(i, 1);
    this.streams.delete(key);
    this.checkIdle();
  }

  /** What a tail's container instance is doing now, from the latest pod object. */
  private decide(inst: ContainerInstance): ResumeDecision {
    if (this.stopped) return 'end';
    return instanceDecision(this.pods.get(`${inst.namespace}/${inst.pod}`)?.obj, inst);
  }

  private checkIdle(): void {
    if (!this.syncedAll || this.streams.size > 0 || this.queue.length > 0) return;
    if (this.follow && !this.stopped) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private event(type: PodEvent['type'], obj: KubeObject, container?: string, containerId?: string, detail?: string): void {
    this.opts.onPodEvent?.(podEvent(type, obj, container, containerId, detail));
  }
}
