// `snatscope watch [TARGET...]`: live nginx access logs of the target pods through the Kubernetes API (kubectl logs -f /
// stern, but robust): every line stored exactly once across stream drops, container restarts and restarts of
// snatscope itself (each stream's cursor is committed with its rows), classified against the live cluster topology,
// shown in the TUI (default on a TTY), as lines, as NDJSON, or not at all. Per-stream problems are shown (on the TUI's
// status line, else stderr) and retried; they never end the run. Ctrl-C (or q in the TUI) stops the streams, flushes
// the store and exits 0 (SIGTERM: 143); an aborted signal takes the TUI down the same way.
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { safeText } from '../output/escape.js';
import { LinesSink } from '../output/lines.js';
import { JsonSink } from '../output/json.js';
import type { TextOut } from '../output/sinkio.js';
import { Pipeline, type Sink, type SourceFeed } from '../pipeline.js';
import { parseDuration, parseTime } from '../time.js';
import { loadKube } from '../kube/config.js';
import { KubeClient, KubeError } from '../kube/http.js';
import { PodStreams, type ContainerInstance, type PodEvent } from '../kube/pods.js';
import { Tail, type TailCursor } from '../kube/tail.js';
import { resolveTargets } from '../kube/targets.js';
import { TopologyWatch, servicesForPods } from '../kube/topology.js';
import type { BackoffOptions } from '../kube/backoff.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import { addClassifyOptions, addDbOption, addFormatOption, buildClassifier, checkFormat, defaultDbPath, openStore } from './common.js';
import { isStoreFailure, storeFailure } from './store-errors.js';

export type OutputMode = 'tui' | 'lines' | 'json' | 'none';

export interface WatchOptions {
  targets?: string[];
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  container?: string;
  since?: string;
  sinceTime?: string;
  tail?: string | number;
  /** false: --no-follow. */
  follow?: boolean;
  context?: string;
  kubeconfig?: string;
  db?: string;
  format?: string;
  trust?: string[];
  internalCidr?: string[];
  output?: string;
  maxStreams?: string | number;
}

/** Knobs for tests and the benchmark (timeouts, backoff); defaults are the production values. */
export interface WatchTuning {
  idleMs?: number;
  endGraceMs?: number;
  backoff?: BackoffOptions;
  watch?: Partial<ResourceWatchOptions>;
  flushMs?: number;
  syncTimeoutMs?: number;
  drainMs?: number;
}

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

export interface WatchResult {
  exitCode: number;
  lines: number;
  requests: number;
  unparsed: number;
  /** Container streams opened. */
  streams: number;
}

/** The view to use: the requested one, else the TUI on a terminal and lines otherwise. */
export function chooseView(requested: string | undefined, isTTY: boolean): OutputMode {
  const mode = requested ?? (isTTY ? 'tui' : 'lines');
  if (mode !== 'tui' && mode !== 'lines' && mode !== 'json' && mode !== 'none') {
    throw new UserError(`--output ${safeText(mode)} is not an output`, '--output tui, lines, json or none');
  }
  return mode;
}

interface Checked {
  sinceTime?: string;
  tailLines?: number;
  maxStreams: number;
  follow: boolean;
  format: string;
  containerMatch?: (name: string) => boolean;
}

/** Every flag checked before anything touches the cluster or the database. */
function checkFlags(o: WatchOptions, now = Date.now()): Checked {
  if (o.since && o.sinceTime) throw new UserError('--since and --since-time cannot be used together', 'one of them');
  let sinceTime: string | undefined;
  if (o.since) sinceTime = wholeSecond(now - parseDuration(o.since, '--since'));
  if (o.sinceTime) sinceTime = wholeSecond(parseTime(o.sinceTime, '--since-time', now));
  let tailLines: number | undefined;
  if (o.tail !== undefined && o.tail !== '' && Number(o.tail) !== -1) {
    tailLines = Number(o.tail);
    if (!Number.isInteger(tailLines) || tailLines < 0) throw new UserError(`--tail ${safeText(String(o.tail))} is not a line count`, '--tail 100 (or -1 for all)');
  }
  const maxStreams = o.maxStreams === undefined ? 50 : Number(o.maxStreams);
  if (!Number.isInteger(maxStreams) || maxStreams < 1) {
    throw new UserError(`--max-streams ${safeText(String(o.maxStreams))} is not a positive number`, '--max-streams 50');
  }
  const format = o.format ?? 'auto';
  checkFormat(format);
  let containerMatch: ((name: string) => boolean) | undefined;
  if (o.container) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${o.container})$`);
    } catch {
      throw new UserError(`-c ${safeText(o.container)} is not a container name or regex`, '-c nginx');
    }
    containerMatch = (name) => re.test(name);
  }
  return { sinceTime, tailLines, maxStreams, follow: o.follow ?? true, format, containerMatch };
}

function wholeSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseCursor(json: string | null | undefined): TailCursor | null {
  if (!json) return null;
  try {
    const c = JSON.parse(json) as Partial<TailCursor>;
    return typeof c.sinceTime === 'string' && typeof c.skip === 'number' ? { sinceTime: c.sinceTime, skip: c.skip } : null;
  } catch {
    return null;
  }
}

/** A failure to reach or use the API at start-up, as one line the user can act on. */
function startupError(err: unknown, server: string): never {
  if (err instanceof KubeError) throw startupUserError(err, server);
  throw err;
}

function startupUserError(err: KubeError, server: string): UserError {
  if (err.status === 0) return new UserError(`cannot reach the Kubernetes API at ${server}: ${err.message}`, '--context NAME, or check kubectl cluster-info');
  return new UserError(err.message, err.hint ?? '--context NAME, or check your access with kubectl auth can-i');
}

/**
 * Errors that will not go away by retrying when nothing has worked yet: credentials, permissions, a host that does
 * not resolve, TLS that does not verify, nothing listening. Later in a run the same errors are retried (a cluster
 * that flaps, a token that gets refreshed).
 */
function fatalAtStart(err: KubeError): boolean {
  return err.status === 401 || err.status === 403 ||
    (err.status === 0 && /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|Timeout)/.test(err.reason));
}

export async function runWatch(o: WatchOptions, rt: WatchRuntime = {}): Promise<WatchResult> {
  const stdout = rt.stdout ?? process.stdout;
  const stderr = rt.stderr ?? process.stderr;
  const env = rt.env ?? process.env;
  const tuning = rt.tuning ?? {};
  const signal = rt.signal;
  const c = checkFlags(o);
  let view = chooseView(o.output, stdout.isTTY === true);
  const kube = loadKube({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace }, { env });
  const { topology, classifier } = buildClassifier({ trust: o.trust ?? [], internalCidr: o.internalCidr ?? [] });

  // The TUI lands separately (ui/run.js); until it is there, the lines view stands in.
  let tui: typeof import('../../ui/run.js') | null = null;
  let live: import('../live/stats.js').LiveStats | null = null;
  if (view === 'tui') {
    try {
      tui = await import('../../ui/run.js');
      const { LiveStats } = await import('../live/stats.js');
      live = new LiveStats();
    } catch {
      view = 'lines';
    }
  }
  // Notices (queued streams, per-stream errors): on the TUI's status line, else on stderr.
  const say = (msg: string) => {
    if (live) live.notice(msg);
    else stderr.write(`snatscope: ${msg}\n`);
  };

  const client = new KubeClient(kube.kc);
  let selections;
  try {
    selections = await resolveTargets(client, o.targets ?? [], {
      namespace: kube.namespace,
      allNamespaces: o.allNamespaces ?? false,
      labelSelector: o.selector,
    });
  } catch (err) {
    client.close();
    startupError(err, kube.server);
  }

  const dbPath = o.db ?? defaultDbPath();
  const store = openStore(dbPath);
  const sinks: Sink[] = [];
  if (view === 'lines') sinks.push(new LinesSink(stdout, { showNamespace: o.allNamespaces, env }));
  else if (view === 'json') sinks.push(new JsonSink(stdout));
  else if (view === 'tui' && live) sinks.push(live);
  // A commit that fails (disk full, database locked for too long) ends the run with one clear line; the failed
  // batch is rolled back (rows and cursors together), so the next run resumes exactly there.
  let storeFailed: unknown = null;
  const pipeline = new Pipeline({
    store, classifier, topology, format: c.format, sinks,
    onFailure: (err) => {
      storeFailed = err;
      fatal ??= isStoreFailure(err) ? storeFailure(err, dbPath) : null;
      inner.abort();
    },
  });
  pipeline.autoFlush(tuning.flushMs ?? 250);

  live?.setHeader({ context: kube.context, cluster: kube.server, namespace: o.allNamespaces ? null : kube.namespace,
    selector: selections.map((s) => s.label ?? '').join(' '), dbPath });

  // Ends the run: the caller's signal, the user quitting the TUI, or a fatal start-up problem (the pods cannot be
  // listed at all).
  const inner = new AbortController();
  let fatal: UserError | null = null;
  if (signal?.aborted) inner.abort();
  else signal?.addEventListener('abort', () => inner.abort(), { once: true });
  const stopped = new Promise<void>((resolve) => {
    if (inner.signal.aborted) resolve();
    else inner.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  const feeds = new Map<Tail, SourceFeed>();
  let opened = 0;
  let pods: PodStreams | null = null;
  let liveTimer: NodeJS.Timeout | null = null;
  let topo: TopologyWatch | null = null;
  // Stops the streams, then flushes and closes the store: once, whoever asks first (the TUI's quit, the end of the run).
  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (closing ??= (async () => {
      if (liveTimer) clearInterval(liveTimer);
      await pods?.stop();
      await topo?.stop();
      if (!storeFailed) {
        try {
          for (const feed of feeds.values()) feed.end();
          store.topology(topology.snapshot());
          await pipeline.close();
          store.close();
        } catch (err) {
          if (!isStoreFailure(err)) throw err;
          storeFailed = err;
          fatal ??= storeFailure(err, dbPath);
        }
      }
      if (storeFailed) {
        for (const sink of sinks) await sink.close?.();
        store.abandon(); // the failed batch (rows and cursors) is rolled back
      }
      client.close();
    })());

  // The TUI comes up at once (so start-up shows on it); q / Ctrl-C shut down before it unmounts, an abort unmounts it.
  const tuiDone = tui && live
    ? tui.runTui({
        stats: live,
        onQuit: () => {
          inner.abort();
          return shutdown();
        },
        onSwitchPolicy: rt.onSwitchPolicy,
        signal: inner.signal,
      })
    : null;

  let topoDone = false;
  try {
    const updateLive = () => {
      if (!live) return;
      live.setServices(servicesForPods(topology, pods ? pods.podKeys() : []));
      live.setNodes([...topology.nodes.values()].map((n) => ({ name: n.name, addresses: n.ownedAddrs.map((a) => a.addr) })));
    };
    // Topology first, so the first lines are classified against the cluster as it is.
    topo = new TopologyWatch({
      client,
      topology,
      namespace: o.allNamespaces ? null : kube.namespace,
      watch: tuning.watch,
      onChange: () => {
        store.topology(topology.snapshot());
        updateLive();
      },
      onNotice: say,
      onError: (err, ms) => {
        if (!topoDone && fatalAtStart(err)) {
          fatal ??= startupUserError(err, kube.server);
          inner.abort();
          return;
        }
        say(`topology: ${err.text} (retrying in ${Math.round(ms / 1000)}s)`);
      },
    }).start();
    const topoSynced = await Promise.race([topo.synced(tuning.syncTimeoutMs ?? 15_000), stopped.then(() => true)]);
    topoDone = true;
    if (!topoSynced) say('the cluster topology is not complete yet; classifying with what is known');
    store.topology(topology.snapshot());
    updateLive();

    const lastReason = new Map<Tail, string | null>();
    // TUI: streams waiting for a slot under --max-streams show as queued until their tail opens (or the pod goes).
    const queuedLive = new Map<string, ContainerInstance>();
    const liveKey = (i: { namespace: string; pod: string; container: string; containerId: string }) => `${i.namespace}/${i.pod}/${i.container}/${i.containerId}`;
    const podEvent = (ev: PodEvent) => {
      const kind = ({ added: 'watched', deleted: 'deleted', started: 'stream-start', restarted: 'restart', waiting: 'stream-error' } as const)[ev.type];
      store.podEvent({ time: ev.time, namespace: ev.namespace, pod: ev.pod, container: ev.container ?? null, event: kind, detail: ev.detail ?? null });
      if (ev.type === 'waiting') say(`${safeText(`${ev.namespace}/${ev.pod}/${ev.container ?? ''}`)}: waiting (${safeText(ev.detail ?? '')})`);
      if (!live) return;
      if ((ev.type === 'started' || ev.type === 'restarted') && ev.container && ev.containerId) {
        const inst = { namespace: ev.namespace, pod: ev.pod, container: ev.container, containerId: ev.containerId, nodeName: ev.nodeName };
        queuedLive.set(liveKey(inst), inst);
        live.setStream(liveKey(inst), { namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: 'queued' });
      } else if (ev.type === 'deleted') {
        for (const [k, inst] of queuedLive) {
          if (inst.namespace !== ev.namespace || inst.pod !== ev.pod) continue;
          queuedLive.delete(k);
          live.setStream(k, { namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: 'ended', detail: 'pod deleted' });
        }
      }
      if (ev.type === 'added' || ev.type === 'deleted') updateLive();
    };
    const streamName = (i: ContainerInstance) => safeText(`${i.namespace}/${i.pod}/${i.container}`);

    let podsSynced = false;
    if (!inner.signal.aborted) {
      pods = new PodStreams({
        client,
        selections,
        containerMatch: c.containerMatch,
        maxStreams: c.maxStreams,
        follow: c.follow,
        watch: tuning.watch,
        drainMs: tuning.drainMs,
        openTail: (inst, decide, onState) => {
          const key = `k8s:${inst.namespace}/${inst.pod}/${inst.container}/${inst.containerId}`;
          queuedLive.delete(liveKey(inst));
          let tail: Tail | null = null;
          const feed = pipeline.openSource(
            key,
            'stream',
            { namespace: inst.namespace, pod: inst.pod, container: inst.container, containerId: inst.containerId, nodeName: inst.nodeName ?? undefined },
            { cursor: () => tail?.cursorJson() ?? null },
          );
          tail = new Tail({
            client,
            namespace: inst.namespace,
            pod: inst.pod,
            container: inst.container,
            follow: c.follow,
            start: { cursor: parseCursor(feed.storedCursor), sinceTime: c.sinceTime, tailLines: c.tailLines },
            onLine: (line) => feed.push(line),
            onTooLong: (head) => feed.tooLong(head),
            onState,
            decide,
            idleMs: tuning.idleMs,
            endGraceMs: tuning.endGraceMs,
            backoff: tuning.backoff,
          });
          feeds.set(tail, feed);
          opened++;
          return tail;
        },
        onTailState: (inst, t) => {
          live?.setStream(liveKey(inst), {
            namespace: inst.namespace, pod: inst.pod, container: inst.container, nodeName: inst.nodeName, state: t.state, detail: t.reason ?? undefined,
          });
          if (t.state === 'retrying' && t.reason && !t.quietRetry && lastReason.get(t) !== t.reason) {
            lastReason.set(t, t.reason);
            store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-error', detail: t.reason });
            say(`${streamName(inst)}: ${t.reason}; retrying`);
          } else if (t.state === 'live' && lastReason.delete(t)) {
            // Back after a recorded error: the stream covers the pod again from now, lines or not (audit coverage).
            store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-start', detail: 'reconnected' });
          }
        },
        onTailEnded: (inst, t) => {
          feeds.get(t)?.end();
          feeds.delete(t);
          lastReason.delete(t);
          store.podEvent({ namespace: inst.namespace, pod: inst.pod, container: inst.container, event: 'stream-end', detail: t.reason });
          if (t.reason && t.reason !== 'stopped' && t.reason !== 'pod deleted' && t.reason !== 'container gone') say(`${streamName(inst)}: ended: ${t.reason}`);
        },
        onPodEvent: podEvent,
        onNotice: say,
        onError: (err, ms) => {
          if (!podsSynced && fatalAtStart(err)) {
            fatal ??= err.status === 0 ? startupUserError(err, kube.server) : new UserError(`cannot list the target pods: ${err.message}`, err.hint ?? undefined);
            inner.abort();
            return;
          }
          say(`pods: ${err.text} (retrying in ${Math.round(ms / 1000)}s)`);
        },
      }).start();

      const firstSync = await Promise.race([pods.synced(tuning.syncTimeoutMs ?? 30_000), stopped.then(() => true)]);
      podsSynced = true;
      if (!firstSync && !inner.signal.aborted) say('the pod list is taking long; streams start as pods are seen');
      if (!inner.signal.aborted && pods.counts.pods === 0) say(`no pods match ${selections.map((s) => s.label ?? '').join(', ')} yet; waiting for some`);
      if (!inner.signal.aborted) rt.onStarted?.({ pipeline, pods, client });
    }

    if (live) {
      let unparsedSeen = 0;
      const l = live;
      liveTimer = setInterval(() => {
        l.unparsed(pipeline.stats.unparsed - unparsedSeen);
        unparsedSeen = pipeline.stats.unparsed;
      }, 500);
      liveTimer.unref();
    }

    if (tuiDone) await tuiDone;
    else if (!pods) await stopped;
    else if (c.follow) await stopped;
    else await Promise.race([pods.idle(), stopped]);
  } finally {
    if (tuiDone) {
      // An error above: take the UI down before anything is printed.
      inner.abort();
      await tuiDone.catch(() => {});
    }
    await shutdown();
  }
  if (fatal) throw fatal;
  if (storeFailed) throw storeFailed;
  const s = pipeline.stats;
  stderr.write(`snatscope: ${s.lines} lines, ${s.requests} requests, ${s.unparsed} unparsed from ${opened} streams (stored in ${safeText(dbPath)})\n`);
  return { exitCode: 0, lines: s.lines, requests: s.requests, unparsed: s.unparsed, streams: opened };
}

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('follow the nginx access logs of pods live through the Kubernetes API, classify and store every request')
    .argument('[targets...]', 'pod name, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, svc/NAME, or a pod-name regex')
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s, else default)')
    .option('-A, --all-namespaces', 'pods in every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=nginx')
    .option('-c, --container <name>', 'container name or regex (default: all containers)')
    .option('--since <duration>', 'start with lines newer than this, e.g. 10m, 1h')
    .option('--since-time <time>', 'start with lines after this time (RFC3339 or "YYYY-MM-DD HH:MM")')
    .option('--tail <n>', 'start with the last N lines of each log (-1: all)')
    .option('--no-follow', 'read what the logs hold now and exit')
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)');
  addDbOption(cmd);
  addFormatOption(cmd);
  addClassifyOptions(cmd);
  cmd
    .addOption(new Option('--output <mode>', 'tui (default on a terminal), lines, json (NDJSON) or none').choices(['tui', 'lines', 'json', 'none']))
    .option('--max-streams <n>', 'log streams open at once; more containers wait in a queue', '50')
    .addHelpText(
      'after',
      `
A stream that drops (reset, idle, clean end while the container runs, server errors) resumes where it stopped, without
a gap or a duplicate; a restart of snatscope resumes from the cursors stored in the database.

Examples:
  snatscope watch deploy/ingress-nginx-controller -n ingress-nginx
  snatscope watch -l app=nginx --output lines
  snatscope watch 'web-.*' --since 15m --output json > requests.ndjson
  snatscope watch svc/web --no-follow --tail 1000`,
    )
    .action(async (targets: string[], flags: WatchOptions) => {
      const ac = new AbortController();
      let sig: NodeJS.Signals | null = null;
      const onSignal = (s: NodeJS.Signals) => {
        if (sig) process.exit(s === 'SIGINT' ? 130 : 143); // a second signal: stop waiting
        sig = s;
        ac.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const res = await runWatch({ ...flags, targets, output: flags.output }, { signal: ac.signal });
        process.exitCode = sig === 'SIGTERM' ? 143 : res.exitCode;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
