// The set-up and teardown every live run (watch, agent) shares around its own sources: the view, cluster, classifier
// and client; the store behind the writer lock; the pipeline with its views and metrics; the topology watch; the
// TUI's life; the close (a failed commit rolled back); and the unparsed notes, said at once for a stream whose first
// lines are all unparsed and for every source at the end.
import type { StoreWriter } from '../../db/index.js';
import { defaultDbPath, openWriter } from '../../db/cli-open.js';
import { isStoreFailure } from '../../db/errors.js';
import type { Classifier, Topology } from '../classify/index.js';
import { buildClassifier } from '../classify/flags.js';
import { loadKube } from '../kube/config.js';
import { KubeClient } from '../kube/http.js';
import type { ApiOutage } from '../kube/outage.js';
import { startupUserError } from '../kube/startup.js';
import { TopologySync } from '../kube/topology-sync.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import type { LiveFeed } from '../live/feed.js';
import type { RunMetrics } from '../metrics/attach.js';
import type { TextOut } from '../output/sinkio.js';
import { unparsedNotes } from '../output/unparsed.js';
import type { JsonFields } from '../parse/index.js';
import { Pipeline, type Sink, type SourceMeta, type UnparsedSource } from '../pipeline.js';
import { noticesTo, type RunEnd } from './lifecycle.js';
import { chooseView, type LiveOptions, type OutputMode } from './options.js';
import { loadTui } from './tui.js';

/** What a live run starts from: where it writes, the view, the cluster, the classifier and the API client. */
export interface LiveStart {
  stdout: TextOut;
  stderr: TextOut;
  env: NodeJS.ProcessEnv;
  view: OutputMode;
  kube: ReturnType<typeof loadKube>;
  topology: Topology;
  classifier: Classifier;
  /** The TUI's feed, null for the other views. */
  live: LiveFeed | null;
  /** Notices: on the TUI's status line when there is one, else on stderr. */
  say: (message: string) => void;
  client: KubeClient;
  dbPath: string;
}

/** After the flags are checked: the view chosen, the kubeconfig read, the classifier built, the TUI loaded. */
export async function startLive(o: LiveOptions, rt: { stdout?: TextOut; stderr?: TextOut; env?: NodeJS.ProcessEnv }): Promise<LiveStart> {
  const stdout = rt.stdout ?? process.stdout;
  const stderr = rt.stderr ?? process.stderr;
  const env = rt.env ?? process.env;
  const view = chooseView(o.output, stdout.isTTY === true);
  const kube = loadKube({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace }, { env });
  const { topology, classifier } = buildClassifier({ trust: o.trust ?? [], internalCidr: o.internalCidr ?? [] });
  // The TUI is part of the build: one that fails to load is a bug (thrown: exit 70 with the cause), not the lines view.
  const live = view === 'tui' ? await loadTui() : null;
  const say = noticesTo(live, stderr);
  return { stdout, stderr, env, view, kube, topology, classifier, live, say, client: new KubeClient(kube.kc), dbPath: o.db ?? defaultDbPath() };
}

/** The store behind the writer lock; null (the client closed) when stopped while waiting for another writer. */
export async function openRunStore(
  s: LiveStart, command: 'watch' | 'agent', o: { wait?: boolean }, signal: AbortSignal | undefined,
): Promise<StoreWriter | null> {
  let store: StoreWriter | null;
  try {
    store = await openWriter(s.dbPath, command, { wait: o.wait, signal, say: s.say });
  } catch (err) {
    s.client.close();
    throw err;
  }
  if (!store) s.client.close(); // stopped while waiting for the other writer: nothing was read or written
  return store;
}

/**
 * The run's pipeline, committing every `flushMs`: a commit that fails ends the run with one clear line (its requests
 * are not counted in the metrics); a stream whose first lines are all unparsed is said at once.
 */
export function livePipeline(
  s: LiveStart,
  p: {
    store: StoreWriter; end: RunEnd; sinks: Sink[]; metrics: RunMetrics | null; flushMs?: number;
    c: { format: string; jsonFields: JsonFields; showLine?: (raw: string) => boolean };
  },
): Pipeline {
  const metrics = p.metrics?.metrics;
  const pipeline = new Pipeline({
    store: p.store, classifier: s.classifier, topology: s.topology, format: p.c.format, jsonFields: p.c.jsonFields, sinks: p.sinks,
    showLine: p.c.showLine,
    onFailure: (err) => {
      metrics?.abandoned();
      p.end.storeFailure(err);
      p.end.stop();
    },
    onCommit: metrics ? (seconds) => metrics.committed(seconds) : undefined,
    onUnparsedStart: (u) => sayUnparsed(s, u, p.c),
  });
  pipeline.autoFlush(p.flushMs ?? 250);
  return pipeline;
}

/** The topology watch of the run: each change stored, handed to the metrics and the TUI; a fatal error ends the run. */
export function liveTopology(
  s: LiveStart,
  p: {
    store: StoreWriter; end: RunEnd; metrics: RunMetrics | null; namespace: string | null; outage?: ApiOutage;
    tuning: { watch?: Partial<ResourceWatchOptions>; syncTimeoutMs?: number };
  },
): TopologySync {
  return new TopologySync({
    client: s.client, topology: s.topology, namespace: p.namespace, watch: p.tuning.watch, syncTimeoutMs: p.tuning.syncTimeoutMs,
    say: s.say, outage: p.outage,
    onChange: () => {
      p.store.topology(s.topology.snapshot());
      p.metrics?.metrics.topologyChanged();
      s.live?.refresh();
    },
    onFatal: (err) => p.end.fail(startupUserError(err, s.kube.server)),
  });
}

/**
 * Brings the TUI up (when there is one), runs `body` and waits for the end; then takes the UI down before anything
 * is printed, shuts the run down (`shutdown`: once, whoever asks first) and throws what ended it, if anything did.
 */
export async function runLive(
  s: LiveStart,
  end: RunEnd,
  o: { shutdown: () => Promise<void>; onSwitchPolicy?: (p: 'Cluster' | 'Local') => Promise<void> },
  body: (tuiDone: Promise<void> | undefined) => Promise<void>,
): Promise<void> {
  // The TUI comes up at once (so start-up shows on it); q / Ctrl-C shut down before it unmounts, an abort unmounts it.
  const tuiDone = s.live?.run({
    onQuit: () => {
      end.stop();
      return o.shutdown();
    },
    onSwitchPolicy: o.onSwitchPolicy,
    signal: end.signal,
  });
  try {
    await body(tuiDone);
  } finally {
    if (tuiDone) {
      // An error above: take the UI down before anything is printed.
      end.stop();
      await tuiDone.catch(() => {});
    }
    await o.shutdown();
  }
  end.rethrow();
}

/** What closeLive() stops and closes besides the run's own sources. */
export interface LiveParts {
  end: RunEnd;
  topo: TopologySync;
  client: KubeClient;
  store: StoreWriter;
  topology: Topology;
  pipeline: Pipeline;
  metrics: RunMetrics | null;
}

/**
 * Stops the sources (positions stay exact) and the topology watch, then commits and closes the store. After a failed
 * commit the store is abandoned instead: the failed batch (rows and positions together) is rolled back, so the next
 * run resumes exactly there.
 */
export async function closeLive(p: LiveParts, sources: { stop(): Promise<void>; endFeeds?(): void }): Promise<void> {
  await sources.stop();
  await p.topo.stop();
  if (!p.end.storeFailed) {
    try {
      sources.endFeeds?.();
      p.store.topology(p.topology.snapshot());
      await p.pipeline.close();
      p.store.close();
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      p.end.storeFailure(err);
    }
  }
  if (p.end.storeFailed) {
    for (const sink of p.pipeline.sinks) await sink.close?.();
    p.store.abandon();
  }
  await p.metrics?.close();
  p.client.close();
}

/** A source as the notes name it: namespace/pod/container for a stream, else its path. */
function sourceName(m: SourceMeta): string {
  return [m.namespace, m.pod, m.container].filter((x) => x).join('/') || (m.path ?? '?');
}

/** The notes for one source's unparsed lines of this run (src/output/unparsed.ts, as ingest prints them). */
function notesOf(u: UnparsedSource, c: { format: string; jsonFields: JsonFields }): string[] {
  return unparsedNotes(sourceName(u.meta), u.reasons, c.format, c.jsonFields);
}

/** A stream's first lines all unparsed, while the run goes on: on the TUI's status line (one line), else on stderr. */
function sayUnparsed(s: LiveStart, u: UnparsedSource, c: { format: string; jsonFields: JsonFields }): void {
  const notes = notesOf(u, c);
  if (s.live) s.live.stats.notice(notes.map((n) => n.replace(/^snatscope: /, '').trim()).join('; '));
  else for (const n of notes) s.stderr.write(`${n}\n`);
}

/** At the end of the run (the TUI down): the note of every source with unparsed lines in this run. */
export function writeUnparsedNotes(stderr: TextOut, pipeline: Pipeline, c: { format: string; jsonFields: JsonFields }): void {
  for (const u of pipeline.unparsedSources.values()) for (const n of notesOf(u, c)) stderr.write(`${n}\n`);
}
