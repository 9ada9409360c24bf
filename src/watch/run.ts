// A watch run: resolve targets -> open store and pipeline -> start the topology watch -> start the pod streams -> wait
// -> shut down. Every line is stored exactly once across stream drops, container restarts and restarts of snatscope
// itself (each stream's cursor is committed with its rows), classified against the live cluster topology, and shown
// in the TUI, as lines, as NDJSON, or not at all. Per-stream problems are shown (on the TUI's status line, else
// stderr) and retried; they never end the run. An aborted signal (Ctrl-C, q in the TUI, --duration) stops the
// streams, flushes the store and resolves; a fatal start-up problem or a failed commit is thrown at the end.
import type { StoreWriter } from '../../db/index.js';
import type { Topology } from '../classify/index.js';
import { safeText } from '../text.js';
import type { TextOut } from '../output/sinkio.js';
import { Pipeline, type Sink } from '../pipeline.js';
import { loadKube } from '../kube/config.js';
import { KubeClient } from '../kube/http.js';
import type { PodStreams } from '../kube/pods.js';
import { podListError, startupUserError } from '../kube/startup.js';
import { WatchStreams } from '../kube/streams.js';
import { ApiOutage } from '../kube/outage.js';
import { TopologySync } from '../kube/topology-sync.js';
import type { LiveFeed } from '../live/feed.js';
import { buildClassifier } from '../classify/flags.js';
import { defaultDbPath, openWriter } from '../../db/cli-open.js';
import { isStoreFailure } from '../../db/errors.js';
import { RunEnd, excludePods, noticesTo, outageOut, resolveSelections, viewSinks } from './lifecycle.js';
import { runMetrics, type RunMetrics } from '../metrics/attach.js';

export { noticesTo };
import { checkFlags, chooseView, type OutputMode, type WatchOptions, type WatchTuning } from './options.js';
import { loadTui } from './tui.js';

export type { OutputMode, WatchOptions, WatchTuning } from './options.js';

export interface WatchRuntime {
  signal?: AbortSignal;
  stdout?: TextOut;
  stderr?: TextOut;
  env?: NodeJS.ProcessEnv;
  tuning?: WatchTuning;
  /** Called once streaming has started (tests, benchmark): the live parts. */
  onStarted?(run: WatchRun): void;
  /** Offered to the TUI (its "p" key): switch the Service in front of the pods to this externalTrafficPolicy. */
  onSwitchPolicy?: (p: 'Cluster' | 'Local') => Promise<void>;
}

export interface WatchRun {
  pipeline: Pipeline;
  pods: PodStreams;
  client: KubeClient;
}

/** Exit code of a --no-follow run that gave up on at least one stream (README: exit codes). */
export const EXIT_STREAMS_GIVEN_UP = 5;

export interface WatchResult {
  exitCode: number;
  lines: number;
  requests: number;
  unparsed: number;
  /** Container streams opened. */
  streams: number;
}

/** What closeRun() stops and closes. */
interface RunParts {
  end: RunEnd;
  live: LiveFeed | null;
  streams: WatchStreams;
  topo: TopologySync;
  client: KubeClient;
  store: StoreWriter;
  topology: Topology;
  pipeline: Pipeline;
  sinks: Sink[];
  dbPath: string;
  metrics: RunMetrics | null;
}

/**
 * Stops the streams and the topology watch, then flushes and closes the store. After a failed commit the store is
 * abandoned instead: the failed batch (rows and cursors together) is rolled back, so the next run resumes exactly there.
 */
async function closeRun(p: RunParts): Promise<void> {
  p.live?.stop();
  await p.streams.stop();
  await p.topo.stop();
  if (!p.end.storeFailed) {
    try {
      p.streams.endFeeds();
      p.store.topology(p.topology.snapshot());
      await p.pipeline.close();
      p.store.close();
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      p.end.storeFailure(err);
    }
  }
  if (p.end.storeFailed) {
    for (const sink of p.sinks) await sink.close?.();
    p.store.abandon(); // the failed batch (rows and cursors) is rolled back
  }
  await p.metrics?.close();
  p.client.close();
}

/** resolve targets -> open store and pipeline -> start the topology watch -> start the pod streams -> wait -> shut down. */
export async function runWatch(o: WatchOptions, rt: WatchRuntime = {}): Promise<WatchResult> {
  const stdout = rt.stdout ?? process.stdout;
  const stderr = rt.stderr ?? process.stderr;
  const env = rt.env ?? process.env;
  const tuning = rt.tuning ?? {};
  const c = checkFlags(o);
  const view = chooseView(o.output, stdout.isTTY === true);
  const kube = loadKube({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace }, { env });
  const { topology, classifier } = buildClassifier({ trust: o.trust ?? [], internalCidr: o.internalCidr ?? [] });
  // The TUI is part of the build: one that fails to load is a bug (thrown: exit 70 with the cause), not the lines view.
  const live = view === 'tui' ? await loadTui() : null;
  const say = noticesTo(live, stderr);

  const client = new KubeClient(kube.kc);
  const selections = excludePods(await resolveSelections(client, o, kube, { follow: c.follow, say }), c.podExcluded);
  const namespace = o.allNamespaces ? null : kube.namespace;
  const dbPath = o.db ?? defaultDbPath();
  let store: StoreWriter | null;
  try {
    store = await openWriter(dbPath, 'watch', { wait: o.wait, signal: rt.signal, say });
  } catch (err) {
    client.close();
    throw err;
  }
  if (!store) {
    // Stopped while waiting for the other writer: nothing was read or written.
    client.close();
    return { exitCode: 0, lines: 0, requests: 0, unparsed: 0, streams: 0 };
  }
  const sinks = viewSinks(view, live, stdout, o, env, topology);
  const end = new RunEnd(rt.signal, dbPath);
  const metrics = runMetrics(c.metrics, {
    topology,
    stats: () => pipeline.stats,
    sources: { kind: 'stream', states: () => streams.states() },
  });
  if (metrics) sinks.push(metrics.metrics);
  // A commit that fails ends the run with one clear line.
  const pipeline: Pipeline = new Pipeline({
    store, classifier, topology, format: c.format, jsonFields: c.jsonFields, sinks, showLine: c.showLine,
    onFailure: (err) => {
      metrics?.metrics.abandoned();
      end.storeFailure(err);
      end.stop();
    },
    onCommit: metrics ? (seconds) => metrics.metrics.committed(seconds) : undefined,
  });
  pipeline.autoFlush(tuning.flushMs ?? 250);
  live?.stats.setHeader({ context: kube.context, cluster: kube.server, namespace, selector: selections.map((s) => s.label ?? '').join(' '), dbPath, follow: c.follow });

  const outage = new ApiOutage(client, outageOut(live, stderr), tuning.probeMs);
  const topo = new TopologySync({
    client, topology, namespace, watch: tuning.watch, syncTimeoutMs: tuning.syncTimeoutMs, say, outage,
    onChange: () => {
      store.topology(topology.snapshot());
      metrics?.metrics.topologyChanged();
      live?.refresh();
    },
    onFatal: (err) => end.fail(startupUserError(err, kube.server)),
  });
  const streams: WatchStreams = new WatchStreams({
    client, store, pipeline, selections, containerMatch: c.containerMatch, containerText: o.container, maxStreams: c.maxStreams, follow: c.follow,
    sinceTime: c.sinceTime, tailLines: c.tailLines, fromFlags: c.fromFlags, previous: c.previous, tuning, say, view: live,
    onReconnect: metrics ? () => metrics.metrics.reconnect() : undefined,
    onFatal: (err) => end.fail(podListError(err, kube.server)),
    onNothing: (err) => end.fail(err),
    outage,
  });
  live?.track(topology, streams);

  // Stops the streams, then flushes and closes the store: once, whoever asks first (the TUI's quit, the end of the run).
  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => (closing ??= (outage.stop(), closeRun({ end, live, streams, topo, client, store, topology, pipeline, sinks, dbPath, metrics })));

  // The TUI comes up at once (so start-up shows on it); q / Ctrl-C shut down before it unmounts, an abort unmounts it.
  const tuiDone = live?.run({
    onQuit: () => {
      end.stop();
      return shutdown();
    },
    onSwitchPolicy: rt.onSwitchPolicy,
    signal: end.signal,
  });

  let ready = false;
  try {
    await metrics?.serve(() => ready && !end.signal.aborted, say);
    // Topology first, so the first lines are classified against the cluster as it is.
    topo.start();
    await topo.synced(end.stopped);
    if (!end.signal.aborted) {
      const pods = await streams.start(end.signal, end.stopped);
      ready = true;
      if (!end.signal.aborted) rt.onStarted?.({ pipeline, pods, client });
    }
    live?.countUnparsed(pipeline);
    await (tuiDone ?? streams.done(end.stopped));
  } finally {
    if (tuiDone) {
      // An error above: take the UI down before anything is printed.
      end.stop();
      await tuiDone.catch(() => {});
    }
    await shutdown();
  }
  end.rethrow();
  const s = pipeline.stats;
  const opened = streams.opened;
  const again = s.skipped > 0 ? `; ${s.skipped} lines stored by an earlier run shown, not stored again` : '';
  stderr.write(`snatscope: ${s.lines} lines, ${s.requests} requests, ${s.unparsed} unparsed from ${opened} streams (stored in ${safeText(dbPath)})${again}\n`);
  // --no-follow (a CronJob) with a stream given up: the data is partial, and the exit code says so.
  if (!c.follow && streams.givenUp.length > 0) {
    for (const g of streams.givenUp) stderr.write(`snatscope: not read to the end: ${g}\n`);
    stderr.write(`snatscope: ${streams.givenUp.length} of ${opened} streams were given up; the stored data is incomplete (the API does not say how many lines were left unread)\n`);
    return { exitCode: EXIT_STREAMS_GIVEN_UP, lines: s.lines, requests: s.requests, unparsed: s.unparsed, streams: opened };
  }
  return { exitCode: 0, lines: s.lines, requests: s.requests, unparsed: s.unparsed, streams: opened };
}
