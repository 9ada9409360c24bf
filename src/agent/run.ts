// One `snatscope agent` run: the node's selected pods (one pod watch, NodePods) -> their log files (NodeLogs) ->
// the pipeline (same parser, classifier and store as watch; each instance's file position committed with its rows)
// -> the views (TUI, lines, NDJSON) and --metrics. The topology is watched as watch does. No log stream goes
// through the API. Ends on the signal (or q in the TUI): reading stops, the positions and rows commit, exit 0.
import type { StoreWriter } from '../../db/index.js';
import { fatalAtStart, podListError } from '../kube/startup.js';
import type { LiveFeed } from '../live/feed.js';
import { runMetrics } from '../metrics/attach.js';
import { safeText } from '../text.js';
import type { Pipeline } from '../pipeline.js';
import { RunEnd, resolveSelections, viewSinks } from '../watch/lifecycle.js';
import { closeLive, livePipeline, liveTopology, openRunStore, runLive, startLive, writeUnparsedNotes } from '../watch/live-run.js';
import { checkAgentFlags, type AgentOptions, type AgentRuntime, type AgentResult } from './flags.js';
import { parseInstanceCursor } from '../sources/crifiles/follower.js';
import { NodeLogs, type InstanceRef } from '../sources/crifiles/nodelogs.js';
import { NodePods } from '../sources/crifiles/nodepods.js';

export type { AgentOptions, AgentRuntime, AgentResult };

export async function runAgent(o: AgentOptions, rt: AgentRuntime = {}): Promise<AgentResult> {
  const tuning = rt.tuning ?? {};
  const c = checkAgentFlags(o, rt.env ?? process.env, tuning);
  const s = await startLive(o, rt);
  const { stdout, stderr, env, view, kube, topology, live, say, client, dbPath } = s;
  const selections = await resolveSelections(client, o, kube);
  const store = await openRunStore(s, 'agent', o, rt.signal);
  if (!store) return { exitCode: 0, lines: 0, requests: 0, unparsed: 0 };
  const end = new RunEnd(rt.signal, dbPath);
  let logs: NodeLogs | null = null;
  const metrics = runMetrics(c.metrics, {
    topology,
    stats: () => pipeline.stats,
    sources: { kind: 'file', states: () => logs?.states() ?? [] },
  });
  const sinks = viewSinks(view, live, stdout, o, env);
  if (metrics) sinks.push(metrics.metrics);
  const pipeline = livePipeline(s, { store, end, sinks, metrics, flushMs: tuning.flushMs, c });
  const namespace = o.allNamespaces ? null : kube.namespace;
  live?.stats.setHeader({ context: kube.context, cluster: kube.server, namespace, selector: `${c.node}: ${selections.map((s) => s.label ?? '').join(' ')}`, dbPath });

  const topo = liveTopology(s, { store, end, metrics, namespace, tuning });
  logs = nodeLogs(c, store, pipeline, say, live, metrics?.metrics ?? null);
  let podsSynced = false;
  const pods = new NodePods({
    client, node: c.node, selections, watch: tuning.watch,
    onChange: (wanted) => logs!.setPods(wanted),
    onPodEvent: (type, p) => store.podEvent({ namespace: p.namespace, pod: p.pod, event: type === 'added' ? 'watched' : 'deleted', detail: c.node }),
    onError: (err, ms) => {
      // As watch: what retrying cannot fix (credentials, RBAC, DNS, TLS) ends the run before the first sync.
      if (!podsSynced && fatalAtStart(err)) end.fail(podListError(err, kube.server));
      else say(`pods on ${c.node}: ${err.text} (retrying in ${Math.round(ms / 1000)}s)`);
    },
  });
  live?.track(topology, pods);

  // Stops reading (positions stay exact), the watches, then commits and closes: once, whoever asks first.
  let closing: Promise<void> | null = null;
  const sources = {
    stop: async () => {
      await logs.stop();
      await pods.stop();
    },
  };
  const shutdown = (): Promise<void> => (closing ??= closeLive({ end, topo, client, store, topology, pipeline, metrics }, sources));
  await runLive(s, end, { shutdown, onSwitchPolicy: rt.onSwitchPolicy }, async (tuiDone) => {
    await metrics?.serve(() => podsSynced && !end.signal.aborted, say);
    topo.start();
    await topo.synced(end.stopped);
    pods.start();
    const first = await Promise.race([pods.synced(tuning.syncTimeoutMs ?? 30_000), end.stopped.then(() => true)]);
    podsSynced = true;
    if (!end.signal.aborted) {
      if (!first) say(`the pod list of ${c.node} is taking long; files are read as pods are seen`);
      else if (pods.count === 0) say(`no pods on ${c.node} match ${selections.map((s) => s.label ?? '').join(', ')} yet; waiting for some`);
      logs.start();
      rt.onStarted?.({ pipeline, logs, client });
    }
    live?.countUnparsed(pipeline);
    await (tuiDone ?? end.stopped);
  });
  writeUnparsedNotes(stderr, pipeline, c);
  const st = pipeline.stats;
  stderr.write(`snatscope: ${st.lines} lines, ${st.requests} requests, ${st.unparsed} unparsed from the log files of ${safeText(c.node)} (stored in ${safeText(dbPath)})\n`);
  return { exitCode: 0, lines: st.lines, requests: st.requests, unparsed: st.unparsed };
}

/** The node's log files as pipeline sources; their starts, ends and gaps recorded as pod events and said. */
function nodeLogs(
  c: ReturnType<typeof checkAgentFlags>,
  store: StoreWriter,
  pipeline: Pipeline,
  say: (m: string) => void,
  live: LiveFeed | null,
  metrics: { rotation(): void; gap(): void } | null,
): NodeLogs {
  const show = (ref: InstanceRef, state: 'live' | 'ended', detail?: string) =>
    live?.stats.setStream(ref.key, { namespace: ref.dir.namespace, pod: ref.dir.pod, container: ref.container, nodeName: c.node, state, detail });
  const event = (ref: InstanceRef, event: 'stream-start' | 'stream-end' | 'stream-error', detail: string) =>
    store.podEvent({ namespace: ref.dir.namespace, pod: ref.dir.pod, container: ref.container, event, detail });
  return new NodeLogs({
    podsDir: c.podsDir,
    containerMatch: c.containerMatch,
    pollMs: c.pollMs,
    scanMs: c.scanMs,
    open: (ref, cursor) => {
      const feed = pipeline.openSource(
        ref.key,
        'stream',
        { namespace: ref.dir.namespace, pod: ref.dir.pod, container: ref.container, nodeName: c.node, path: ref.path },
        { cursor },
      );
      return {
        storedCursor: feed.storedCursor,
        sink: { line: (raw) => feed.push(raw), tooLong: (head) => feed.tooLong(head) },
        end: (done) => {
          if (done) feed.dirty = true; // the "read to its end" cursor is committed even without a new line
          feed.end();
        },
      };
    },
    unfinished: (key) => {
      const src = store.peekSource(key);
      return src !== null && parseInstanceCursor(src.cursor)?.done !== true;
    },
    onStart: (ref) => {
      event(ref, 'stream-start', `files ${ref.restart}.log`);
      show(ref, 'live');
    },
    onEnd: (ref, done) => {
      if (done) event(ref, 'stream-end', 'read to its end');
      show(ref, 'ended', done ? 'read to its end' : 'stopped');
    },
    onGap: (ref, message) => {
      event(ref, 'stream-error', `gap: ${message}`);
      metrics?.gap();
      say(`${safeText(`${ref.dir.namespace}/${ref.dir.pod}/${ref.container}`)}: ${safeText(message)}`);
    },
    onRotation: () => metrics?.rotation(),
    onError: (err) => say(`reading ${safeText(c.podsDir)}: ${safeText((err as Error).message ?? String(err))}`),
  });
}
