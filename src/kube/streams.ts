// The log streams of a watch run: the target pods (PodStreams) and, per running container instance, a Tail that
// feeds its own pipeline source and resumes from the cursor committed with that source's rows. Pod lifecycle changes
// and stream problems are recorded as pod events in the store and said once (a retry with the same reason is not
// said again); a view (the TUI) can follow each stream's state. An error retrying cannot fix before the pod list
// first synced (credentials, permissions, DNS, TLS) goes to `onFatal`; later ones are said and retried.
import { SourceBusyError, type StoreWriter } from '../../db/index.js';
import { safeText, shortContainerId } from '../text.js';
import type { Pipeline, SourceFeed } from '../pipeline.js';
import type { BackoffOptions } from './backoff.js';
import type { KubeClient, KubeError } from './http.js';
import { PodStreams, streamKey, type ContainerInstance, type PodEvent, type Selection } from './pods.js';
import { fatalAtStart, neverRetry } from './startup.js';
import { UserError } from '../errors.js';
import { CommittedFilter, laterCursor } from './committed.js';
import type { ApiOutage } from './outage.js';
import { parseCursor, type TailCursor } from './cursor.js';
import { Tail, type ResumeDecision } from './tail.js';

export { parseCursor } from './cursor.js';
import type { ResourceWatchOptions } from './watch.js';

/** What a view is told about the streams (LiveFeed implements it for the TUI). */
export interface StreamView {
  /** A pod lifecycle event (after it is recorded in the store). */
  podEvent(ev: PodEvent): void;
  /** The tail of this container instance is being opened (it has left the --max-streams queue). */
  opening(inst: ContainerInstance): void;
  /** A tail changed state (connecting, live, retrying with a reason, ended). */
  tailState(inst: ContainerInstance, tail: Tail): void;
}

/** Timeouts and backoff (tests, benchmark); defaults are the production values. */
export interface StreamTuning {
  idleMs?: number;
  endGraceMs?: number;
  backoff?: BackoffOptions;
  watch?: Partial<ResourceWatchOptions>;
  syncTimeoutMs?: number;
}

export interface WatchStreamsOptions {
  client: KubeClient;
  store: StoreWriter;
  pipeline: Pipeline;
  selections: Selection[];
  containerMatch?: (name: string) => boolean;
  /** What the user typed after -c (for messages). */
  containerText?: string;
  maxStreams: number;
  follow: boolean;
  /** kubectl logs -p: each container's previous instance, read once. */
  previous?: boolean;
  /** Where a log starts: with `fromFlags` (--since, --since-time or --tail given) also one with a stored cursor. */
  sinceTime?: string;
  tailLines?: number;
  fromFlags?: boolean;
  tuning: StreamTuning;
  say(message: string): void;
  view?: StreamView | null;
  onFatal(err: KubeError): void;
  /** A stream was opened again after a drop (metrics). */
  onReconnect?(): void;
  /** The API server being unreachable is said once there, not per stream and retry. */
  outage?: ApiOutage;
  /** A selection or the container filter matches nothing and the run does not follow (--no-follow). */
  onNothing(err: UserError): void;
}

const EVENT_KIND = { added: 'watched', deleted: 'deleted', started: 'stream-start', restarted: 'restart', waiting: 'stream-error' } as const;

function streamName(i: ContainerInstance): string {
  return safeText(`${i.namespace}/${i.pod}/${i.container}`);
}

/** The pod watches and container tails of one watch run, with their pipeline sources. */
export class WatchStreams {
  /** Container streams opened so far. */
  opened = 0;
  /** Set (and started) by start(). */
  pods: PodStreams | null = null;
  private readonly feeds = new Map<Tail, SourceFeed>();
  private readonly lastReason = new Map<Tail, string | null>();
  /** Streams that ended without reading their instance to the end, as "ns/pod/container: reason (N lines read)". */
  readonly givenUp: string[] = [];
  private synced = false;
  private resumeSaid = false;

  constructor(private readonly o: WatchStreamsOptions) {}

  /** "namespace/name" of the target pods seen so far (none before start). */
  podKeys(): Iterable<string> {
    return this.pods ? this.pods.podKeys() : [];
  }

  /**
   * Starts the pod watches and waits for their first list (or the end of the run); says when that takes long or
   * finds no pods yet.
   */
  async start(signal: AbortSignal, stopped: Promise<void>): Promise<PodStreams> {
    const { o } = this;
    const pods = (this.pods = new PodStreams({
      client: o.client,
      selections: o.selections,
      containerMatch: o.containerMatch,
      maxStreams: o.maxStreams,
      follow: o.follow,
      previous: o.previous,
      watch: o.tuning.watch,
      unfinished: (ns, pod, container) => o.store.unfinishedInstances(ns, pod, container),
      onLost: (inst) => this.lost(inst),
      openTail: (inst, decide, onState) => this.openTail(inst, decide, onState),
      onTailState: (inst, t) => this.tailState(inst, t),
      onTailEnded: (inst, t) => this.tailEnded(inst, t),
      onPodEvent: (ev) => this.podEvent(ev),
      onNotice: o.say,
      onError: (err, ms) => {
        if ((!this.synced && fatalAtStart(err)) || neverRetry(err)) {
          o.onFatal(err);
          return;
        }
        if (o.outage?.failed(err)) return;
        o.say(`pods: ${err.text} (retrying in ${Math.round(ms / 1000)}s)`);
      },
    }).start());
    const firstSync = await Promise.race([pods.synced(o.tuning.syncTimeoutMs ?? 30_000), stopped.then(() => true)]);
    this.synced = true;
    if (!firstSync && !signal.aborted) o.say('the pod list is taking long; streams start as pods are seen');
    if (!signal.aborted && firstSync) this.checkMatches(pods);
    return pods;
  }

  /**
   * Nothing that matches nothing looks like success: a selection without pods, or a -c no selected pod has, ends a
   * --no-follow run with one line (exit 2, like kubectl's NotFound); a following run says it waits.
   */
  private checkMatches(pods: PodStreams): void {
    const { o } = this;
    const counts = pods.selectionCounts();
    const empty = o.selections.filter((_, i) => counts[i] === 0);
    if (empty.length > 0) {
      const what = empty.map((s) => s.missing ?? `no pods match ${s.label ?? ''}`).join('; ');
      if (!o.follow) return o.onNothing(new UserError(what, 'kubectl get pods -A to see what exists, or drop --no-follow to wait for it'));
      o.say(`${what}; waiting for it`);
    }
    const c = pods.containerNames();
    if (pods.counts.pods > 0 && !c.matched) {
      const what = `-c ${o.containerText ?? ''} matches no container of the ${pods.counts.pods} selected pods (they have: ${c.names.join(', ')})`;
      if (!o.follow) return o.onNothing(new UserError(safeText(what), `-c ${c.names[0] ?? 'NAME'}`));
      o.say(`${what}; waiting for one`);
    } else if (o.previous && pods.counts.pods > 0 && this.opened === 0) {
      o.onNothing(new UserError(`no previous container instance in the ${pods.counts.pods} selected pods (none has restarted)`, 'without -p for the current logs'));
    }
  }

  /** Resolves when the run may end: once stopped or, with --no-follow, once every stream has read its log. */
  done(stopped: Promise<void>): Promise<void> {
    if (!this.pods || this.o.follow) return stopped;
    return Promise.race([this.pods.idle(), stopped]);
  }

  /** Stops the pod watches and every tail. */
  async stop(): Promise<void> {
    await this.pods?.stop();
  }

  /** The state of every stream: queued (waiting for a --max-streams slot), then its tail's (metrics). */
  *states(): Iterable<string> {
    for (let i = this.pods?.counts.queued ?? 0; i > 0; i--) yield 'queued';
    for (const t of this.feeds.keys()) yield t.state;
  }

  /** Ends every open source feed (its position and cursor go into the last commit). */
  endFeeds(): void {
    for (const feed of this.feeds.values()) feed.end();
  }

  /** A pipeline source for this container instance and the Tail that feeds it, resuming from the stored cursor. */
  private openTail(inst: ContainerInstance, decide: () => ResumeDecision, onState: (t: Tail) => void): Tail | null {
    const { o } = this;
    const key = `k8s:${streamKey(inst)}`;
    o.view?.opening(inst);
    let tail: Tail | null = null;
    let stored: TailCursor | null = null;
    let feed: SourceFeed;
    try {
      feed = o.pipeline.openSource(
        key,
        'stream',
        { namespace: inst.namespace, pod: inst.pod, container: inst.container, containerId: inst.containerId, nodeName: inst.nodeName ?? undefined },
        // Never behind the committed cursor: a stream the user started earlier re-reads stored lines first.
        { cursor: () => (stored ? JSON.stringify(laterCursor(stored, tail?.cursor() ?? null)) : (tail?.cursorJson() ?? null)) },
      );
    } catch (err) {
      // Another writer stores this container (a second watch, an agent whose old process still runs): said once.
      if (!(err instanceof SourceBusyError)) throw err;
      o.say(`${streamName(inst)}: not stored by this run: ${safeText(err.message)}`);
      return null;
    }
    stored = parseCursor(feed.storedCursor);
    // --since/--since-time/--tail: what is printed follows the flag (stored lines shown, not stored again); without
    // them the stream resumes from the stored cursor, and the run says so once.
    const committed = stored && o.fromFlags && inst.atStart ? new CommittedFilter(stored, o.sinceTime ? undefined : o.tailLines) : undefined;
    if (stored && !o.fromFlags && !this.resumeSaid) {
      this.resumeSaid = true;
      o.say('resuming from the cursors stored in the database (lines stored before are not printed again; --since or --tail to choose what is printed)');
    }
    tail = new Tail({
      client: o.client,
      namespace: inst.namespace,
      pod: inst.pod,
      container: inst.container,
      follow: o.follow,
      previous: o.previous,
      // --since / --tail only for instances running when the run started; later ones are read from their start.
      start: inst.atStart ? { cursor: committed ? null : stored, sinceTime: o.sinceTime, tailLines: o.tailLines } : { cursor: stored },
      committed,
      onStored: (line) => feed.show(line),
      onLine: (line) => feed.push(line),
      onTooLong: (head) => feed.tooLong(head),
      onState,
      decide,
      idleMs: o.tuning.idleMs,
      endGraceMs: o.tuning.endGraceMs,
      backoff: o.tuning.backoff,
    });
    this.feeds.set(tail, feed);
    this.opened++;
    return tail;
  }

  /** A retry with a new reason is recorded and said; going live again after a recorded error is recorded too. */
  private tailState(inst: ContainerInstance, t: Tail): void {
    this.o.view?.tailState(inst, t);
    if (t.state === 'live' && t.connects > 1) this.o.onReconnect?.();
    if (t.state === 'live') this.o.outage?.reached();
    if (t.state === 'retrying' && t.retryError && this.o.outage?.failed(t.retryError)) {
      // Recorded for the audit's coverage, said once for all streams (the outage's status line).
      if (this.lastReason.get(t) !== t.reason) {
        this.lastReason.set(t, t.reason);
        this.o.store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-error', detail: t.reason });
      }
    } else if (t.state === 'retrying' && t.reason && !t.quietRetry && this.lastReason.get(t) !== t.reason) {
      this.lastReason.set(t, t.reason);
      this.o.store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-error', detail: t.reason });
      this.o.say(`${streamName(inst)}: ${t.reason}; retrying`);
    } else if (t.state === 'live' && this.lastReason.delete(t)) {
      // Back after a recorded error: the stream covers the pod again from now, lines or not (audit coverage).
      this.o.store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-start', detail: 'reconnected' });
    }
  }

  /** A tail ended: its feed ends, the end is recorded, and said unless it is routine. */
  private tailEnded(inst: ContainerInstance, t: Tail): void {
    const feed = this.feeds.get(t);
    // Read to its end: the cursor says so (committed with the last rows), so no later run reads it again.
    if (feed && t.complete) feed.dirty = true;
    feed?.end();
    if (t.outOfOrder > 0) this.o.say(`${streamName(inst)}: ${t.outOfOrder} lines older than their stream's latest second (a clock stepped back), each stored once`);
    if (t.gaveUp) this.givenUp.push(`${streamName(inst)}: ${t.reason ?? 'given up'} (${t.lines} lines read)`);
    this.feeds.delete(t);
    this.lastReason.delete(t);
    // Coverage comes from the instances' cursors (src/report/coverage.ts); the events say when reading stopped. An
    // instance read to its end changes nothing for the container (its next instance is read); one given up or gone
    // before its end is an error, which does not end the reading of the container's current instance.
    const event = t.gaveUp || t.reason === 'container gone' ? 'stream-error' : t.complete && t.reason === null ? null : 'stream-end';
    if (event) this.o.store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event, detail: t.reason });
    if (t.reason && t.reason !== 'stopped' && t.reason !== 'pod deleted' && t.reason !== 'container gone') this.o.say(`${streamName(inst)}: ended: ${t.reason}`);
  }

  /** A stored instance older than previous=true reaches: what it still held is lost, recorded and said. */
  private lost(inst: ContainerInstance): void {
    const detail = `instance ${shortContainerId(inst.containerId)} ended while snatscope was not running and was replaced again; its remaining lines cannot be read`;
    this.o.store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-error', detail });
    this.o.say(`${streamName(inst)}: ${detail}`);
    this.givenUp.push(`${streamName(inst)}: ${detail}`);
  }

  /** Every pod event is recorded; a container that waits (CrashLoopBackOff, ...) is said. */
  private podEvent(ev: PodEvent): void {
    this.o.store.podEvent({ time: ev.time, namespace: ev.namespace, pod: ev.pod, container: ev.container ?? null, event: EVENT_KIND[ev.type], detail: ev.detail ?? null });
    if (ev.type === 'waiting') this.o.say(`${safeText(`${ev.namespace}/${ev.pod}/${ev.container ?? ''}`)}: waiting (${safeText(ev.detail ?? '')})`);
    this.o.view?.podEvent(ev);
  }
}
