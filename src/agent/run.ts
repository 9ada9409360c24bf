// One `snatscope agent` run: the node's selected pods (one pod watch, NodePods) -> their log files (NodeLogs) ->
// the pipeline (same parser, classifier and store as watch; each instance's file position committed with its rows)
// -> the views (TUI, lines, NDJSON) and --metrics. The topology is watched as watch does. No log stream goes
// through the API. Ends on the signal (or q in the TUI): reading stops, the positions and rows commit, exit 0.
import { isStoreFailure, type StoreWriter } from '../../db/index.js';
import type { Topology } from '../classify/index.js';
import { loadKube } from '../kube/config.js';
import { KubeClient } from '../kube/http.js';
import { fatalAtStart, podListError, startupUserError } from '../kube/startup.js';
import { TopologySync } from '../kube/topology-sync.js';
import type { LiveFeed } from '../live/feed.js';
import { loadTui } from '../watch/tui.js';
import { runMetrics } from '../metrics/attach.js';
import { safeText } from '../text.js';
import { Pipeline } from '../pipeline.js';
import { buildClassifier } from '../classify/flags.js';
import { defaultDbPath, openWriter } from '../../db/cli-open.js';
import { RunEnd, noticesTo, resolveSelections, viewSinks } from '../watch/lifecycle.js';
import { chooseView } from '../watch/options.js';
import { checkAgentFlags, type AgentOptions, type AgentRuntime, type AgentResult } from './flags.js';
import { parseInstanceCursor } from '../sources/crifiles/follower.js';
import { NodeLogs, type InstanceRef } from '../sources/crifiles/nodelogs.js';
import { NodePods } from '../sources/crifiles/nodepods.js';

export type { AgentOptions, AgentRuntime, AgentResult };

export async function runAgent(o: AgentOptions, rt: AgentRuntime = {}): Promise<AgentResult> {
  const stdout = rt.stdout ?? process.stdout;
  const stderr = rt.stderr ?? process.stderr;
  const env = rt.env ?? process.env;
  const tuning = rt.tuning ?? {};
  const c = checkAgentFlags(o, env, tuning);
  const view = chooseView(o.output, stdout.isTTY === true);
  const kube = loadKube({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace }, { env });
  const { topology, classifier } = buildClassifier({ trust: o.trust ?? [], internalCidr: o.internalCidr ?? [] });
  const live = view === 'tui' ? await loadTui() : null;
  const say = noticesTo(live, stderr);

  const client = new KubeClient(kube.kc);
  const selections = await resolveSelections(client, o, kube);
  const dbPath = o.db ?? defaultDbPath();
  let store: StoreWriter | null;
  try {
    store = await openWriter(dbPath, 'agent', { wait: o.wait, signal: rt.signal, say });
  } catch (err) {
    client.close();
    throw err;
  }
  if (!store) {
    // Stopped while waiting for the other writer: nothing was read or written.
    client.close();
    return { exitCode: 0, lines: 0, requests: 0, unparsed: 0 };
  }
  const end = new RunEnd(rt.signal, dbPath);
  let logs: NodeLogs | null = null;
  const metrics = runMetrics(c.metrics, {
    topology,
    stats: () => pipeline.stats,
    sources: { kind: 'file', states: () => logs?.states() ?? [] },
  });
  const sinks = viewSinks(view, live, stdout, o, env);
  if (metrics) sinks.push(metrics.metrics);
  const pipeline: Pipeline = new Pipeline({
    store, classifier, topology, format: c.format, jsonFields: c.jsonFields, sinks,
    onFailure: (err) => {
      end.storeFailure(err);
      end.stop();
    },
    onCommit: metrics ? (s) => metrics.metrics.committed(s) : undefined,
  });
  pipeline.autoFlush(tuning.flushMs ?? 250);
  const namespace = o.allNamespaces ? null : kube.namespace;
  live?.stats.setHeader({ context: kube.context, cluster: kube.server, namespace, selector: `${c.node}: ${selections.map((s) => s.label ?? '').join(' ')}`, dbPath });

  const topo = new TopologySync({
    client, topology, namespace, watch: tuning.watch, syncTimeoutMs: tuning.syncTimeoutMs, say,
    onChange: () => {
      store.topology(topology.snapshot());
      metrics?.metrics.topologyChanged();
      live?.refresh();
    },
    onFatal: (err) => end.fail(startupUserError(err, kube.server)),
  });
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

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => (closing ??= closeAgent({ end, logs, pods, topo, client, store, topology, pipeline, metrics }));
  const tuiDone = live?.run({ onQuit: () => (end.stop(), shutdown()), onSwitchPolicy: rt.onSwitchPolicy, signal: end.signal });
  try {
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
  } finally {
    if (tuiDone) {
      end.stop();
      await tuiDone.catch(() => {});
    }
    await shutdown();
  }
  end.rethrow();
  const s = pipeline.stats;
  stderr.write(`snatscope: ${s.lines} lines, ${s.requests} requests, ${s.unparsed} unparsed from the log files of ${safeText(c.node)} (stored in ${safeText(dbPath)})\n`);
  return { exitCode: 0, lines: s.lines, requests: s.requests, unparsed: s.unparsed };
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

interface AgentParts {
  end: RunEnd;
  logs: NodeLogs;
  pods: NodePods;
  topo: TopologySync;
  client: KubeClient;
  store: StoreWriter;
  topology: Topology;
  pipeline: Pipeline;
  metrics: { close(): Promise<void> } | null;
}

/** Stops reading (positions stay exact), the watches, then commits and closes; a failed commit is rolled back. */
async function closeAgent(p: AgentParts): Promise<void> {
  await p.logs.stop();
  await p.pods.stop();
  await p.topo.stop();
  if (!p.end.storeFailed) {
    try {
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
