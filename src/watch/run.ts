// A watch run: resolve targets -> open store and pipeline -> start the topology watch -> start the pod streams -> wait
// -> shut down. Every line is stored exactly once across stream drops, container restarts and restarts of snatscope
// itself (each stream's cursor is committed with its rows), classified against the live cluster topology, and shown
// in the TUI, as lines, as NDJSON, or not at all. Per-stream problems are shown (on the TUI's status line, else
// stderr) and retried; they never end the run. An aborted signal (Ctrl-C, q in the TUI, --duration) stops the
// streams, flushes the store and resolves; a fatal start-up problem or a failed commit is thrown at the end.
import { safeText } from '../text.js';
import type { TextOut } from '../output/sinkio.js';
import type { Pipeline } from '../pipeline.js';
import type { KubeClient } from '../kube/http.js';
import type { PodStreams } from '../kube/pods.js';
import { podListError } from '../kube/startup.js';
import { WatchStreams } from '../kube/streams.js';
import { ApiOutage } from '../kube/outage.js';
import { RunEnd, excludePods, noticesTo, outageOut, resolveSelections, viewSinks } from './lifecycle.js';
import { closeLive, livePipeline, liveTopology, openRunStore, runLive, startLive, writeUnparsedNotes } from './live-run.js';
import { runMetrics } from '../metrics/attach.js';
import { checkFlags, type WatchOptions, type WatchTuning } from './options.js';

export { noticesTo };
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

/** resolve targets -> open store and pipeline -> start the topology watch -> start the pod streams -> wait -> shut down. */
export async function runWatch(o: WatchOptions, rt: WatchRuntime = {}): Promise<WatchResult> {
  const c = checkFlags(o);
  const s = await startLive(o, rt);
  const { stdout, stderr, env, view, kube, topology, live, say, client, dbPath } = s;
  const tuning = rt.tuning ?? {};
  const selections = excludePods(await resolveSelections(client, o, kube, { follow: c.follow, say }), c.podExcluded);
  const namespace = o.allNamespaces ? null : kube.namespace;
  const store = await openRunStore(s, 'watch', o, rt.signal);
  if (!store) return { exitCode: 0, lines: 0, requests: 0, unparsed: 0, streams: 0 };
  const sinks = viewSinks(view, live, stdout, o, env, topology);
  const end = new RunEnd(rt.signal, dbPath);
  const metrics = runMetrics(c.metrics, {
    topology,
    stats: () => pipeline.stats,
    sources: { kind: 'stream', states: () => streams.states() },
  });
  if (metrics) sinks.push(metrics.metrics);
  const pipeline = livePipeline(s, { store, end, sinks, metrics, flushMs: tuning.flushMs, c });
  live?.stats.setHeader({ context: kube.context, cluster: kube.server, namespace, selector: selections.map((s) => s.label ?? '').join(' '), dbPath, follow: c.follow });

  const outage = new ApiOutage(client, outageOut(live, stderr), tuning.probeMs);
  const topo = liveTopology(s, { store, end, metrics, namespace, outage, tuning });
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
  const sources = {
    stop: async () => {
      live?.stop();
      await streams.stop();
    },
    endFeeds: () => streams.endFeeds(),
  };
  const shutdown = (): Promise<void> => (closing ??= (outage.stop(), closeLive({ end, topo, client, store, topology, pipeline, metrics }, sources)));

  let ready = false;
  await runLive(s, end, { shutdown, onSwitchPolicy: rt.onSwitchPolicy }, async (tuiDone) => {
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
  });
  writeUnparsedNotes(stderr, pipeline, c);
  const st = pipeline.stats;
  const opened = streams.opened;
  const again = st.skipped > 0 ? `; ${st.skipped} lines stored by an earlier run shown, not stored again` : '';
  stderr.write(`snatscope: ${st.lines} lines, ${st.requests} requests, ${st.unparsed} unparsed from ${opened} streams (stored in ${safeText(dbPath)})${again}\n`);
  // --no-follow (a CronJob) with a stream given up: the data is partial, and the exit code says so.
  if (!c.follow && streams.givenUp.length > 0) {
    for (const g of streams.givenUp) stderr.write(`snatscope: not read to the end: ${g}\n`);
    stderr.write(`snatscope: ${streams.givenUp.length} of ${opened} streams were given up; the stored data is incomplete (the API does not say how many lines were left unread)\n`);
    return { exitCode: EXIT_STREAMS_GIVEN_UP, lines: st.lines, requests: st.requests, unparsed: st.unparsed, streams: opened };
  }
  return { exitCode: 0, lines: st.lines, requests: st.requests, unparsed: st.unparsed, streams: opened };
}
