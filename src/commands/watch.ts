// `snatscope watch [TARGET...]`: live nginx access logs of the target pods through the Kubernetes API (kubectl logs -f /
// stern, but robust): every line stored exactly once across stream drops, container restarts and restarts of
// snatscope itself (each stream's cursor is committed with its rows), classified against the live cluster topology,
// shown in the TUI (default on a TTY), as lines, as NDJSON, or not at all. Per-stream problems are shown (on the TUI's
// status line, else stderr) and retried; they never end the run. Ctrl-C (or q in the TUI) stops the streams, flushes
// the store and exits 0 (SIGTERM: 143); an aborted signal takes the TUI down the same way.
import { Option, type Command } from 'commander';
import type { Store } from '../../db/index.js';
import type { Topology } from '../classify/index.js';
import { UserError } from '../errors.js';
import { safeText } from '../text.js';
import { LinesSink } from '../output/lines.js';
import { JsonSink } from '../output/json.js';
import type { TextOut } from '../output/sinkio.js';
import { Pipeline, type Sink } from '../pipeline.js';
import { parseDuration, parseTime } from '../time.js';
import { loadKube } from '../kube/config.js';
import { KubeClient } from '../kube/http.js';
import type { PodStreams, Selection } from '../kube/pods.js';
import { podListError, startupError, startupUserError } from '../kube/startup.js';
import { WatchStreams } from '../kube/streams.js';
import { resolveTargets } from '../kube/targets.js';
import { TopologySync } from '../kube/topology-sync.js';
import type { BackoffOptions } from '../kube/backoff.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import { LiveFeed, noticesTo } from '../live/feed.js';
import { addClassifyOptions, addDbOption, addFormatOption, buildClassifier, checkFormat, defaultDbPath, openStore } from './common.js';
import { isStoreFailure, storeFailure } from '../../db/errors.js';

export { parseCursor } from '../kube/streams.js';

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

/**
 * How the run ends: the caller's signal, the user quitting the TUI, a fatal start-up problem (the pods cannot be
 * listed at all) or a failed commit. `fatal` is the first problem to tell the user (it is thrown at the end).
 */
class RunEnd {
  private readonly ac = new AbortController();
  readonly signal = this.ac.signal;
  /** Resolves once the run is told to end. */
  readonly stopped: Promise<void>;
  fatal: UserError | null = null;
  /** A commit that failed: the store is then abandoned instead of flushed. */
  storeFailed: unknown = null;

  constructor(
    outer: AbortSignal | undefined,
    private readonly dbPath: string,
  ) {
    if (outer?.aborted) this.ac.abort();
    else outer?.addEventListener('abort', () => this.ac.abort(), { once: true });
    this.stopped = new Promise<void>((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  stop(): void {
    this.ac.abort();
  }

  /** A problem that ends the run; the first one is what the user sees. */
  fail(err: UserError): void {
    this.fatal ??= err;
    this.ac.abort();
  }

  /** A commit failed (disk full, database locked for too long): one clear line when it is the database's. */
  storeFailure(err: unknown): void {
    this.storeFailed = err;
    this.fatal ??= isStoreFailure(err) ? storeFailure(err, this.dbPath) : null;
  }

  /** Throws what ended the run, if anything did. */
  rethrow(): void {
    if (this.fatal) throw this.fatal;
    if (this.storeFailed) throw this.storeFailed;
  }
}

/** The pod selections of TARGET... and the flags; an API failure closes the client and ends the run as one line. */
async function resolveSelections(client: KubeClient, o: WatchOptions, kube: { namespace: string; server: string }): Promise<Selection[]> {
  try {
    return await resolveTargets(client, o.targets ?? [], {
      namespace: kube.namespace,
      allNamespaces: o.allNamespaces ?? false,
      labelSelector: o.selector,
    });
  } catch (err) {
    client.close();
    startupError(err, kube.server);
  }
}

/** Where each request goes besides the store: the lines or NDJSON view, or LiveStats behind the TUI. */
function viewSinks(view: OutputMode, live: LiveFeed | null, stdout: TextOut, allNamespaces: boolean | undefined, env: NodeJS.ProcessEnv): Sink[] {
  if (view === 'lines') return [new LinesSink(stdout, { showNamespace: allNamespaces, env })];
  if (view === 'json') return [new JsonSink(stdout)];
  if (view === 'tui' && live) return [live.stats];
  return [];
}

/** What closeRun() stops and closes. */
interface RunParts {
  end: RunEnd;
  live: LiveFeed | null;
  streams: WatchStreams;
  topo: TopologySync;
  client: KubeClient;
  store: Store;
  topology: Topology;
  pipeline: Pipeline;
  sinks: Sink[];
  dbPath: string;
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
  p.client.close();
}

/** resolve targets -> open store and pipeline -> start the topology watch -> start the pod streams -> wait -> shut down. */
export async function runWatch(o: WatchOptions, rt: WatchRuntime = {}): Promise<WatchResult> {
  const stdout = rt.stdout ?? process.stdout;
  const stderr = rt.stderr ?? process.stderr;
  const env = rt.env ?? process.env;
  const tuning = rt.tuning ?? {};
  const c = checkFlags(o);
  let view = chooseView(o.output, stdout.isTTY === true);
  const kube = loadKube({ kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace }, { env });
  const { topology, classifier } = buildClassifier({ trust: o.trust ?? [], internalCidr: o.internalCidr ?? [] });
  // The TUI lands separately (ui/run.js); until it is there, the lines view stands in.
  const live = view === 'tui' ? await LiveFeed.load() : null;
  if (!live && view === 'tui') view = 'lines';
  const say = noticesTo(live, stderr);

  const client = new KubeClient(kube.kc);
  const selections = await resolveSelections(client, o, kube);
  const namespace = o.allNamespaces ? null : kube.namespace;
  const dbPath = o.db ?? defaultDbPath();
  const store = openStore(dbPath);
  const sinks = viewSinks(view, live, stdout, o.allNamespaces, env);
  const end = new RunEnd(rt.signal, dbPath);
  // A commit that fails ends the run with one clear line.
  const pipeline = new Pipeline({
    store, classifier, topology, format: c.format, sinks,
    onFailure: (err) => {
      end.storeFailure(err);
      end.stop();
    },
  });
  pipeline.autoFlush(tuning.flushMs ?? 250);
  live?.stats.setHeader({ context: kube.context, cluster: kube.server, namespace, selector: selections.map((s) => s.label ?? '').join(' '), dbPath });

  const topo = new TopologySync({
    client, topology, namespace, watch: tuning.watch, syncTimeoutMs: tuning.syncTimeoutMs, say,
    onChange: () => {
      store.topology(topology.snapshot());
      live?.refresh();
    },
    onFatal: (err) => end.fail(startupUserError(err, kube.server)),
  });
  const streams = new WatchStreams({
    client, store, pipeline, selections, containerMatch: c.containerMatch, maxStreams: c.maxStreams, follow: c.follow,
    sinceTime: c.sinceTime, tailLines: c.tailLines, tuning, say, view: live,
    onFatal: (err) => end.fail(podListError(err, kube.server)),
  });
  live?.track(topology, streams);

  // Stops the streams, then flushes and closes the store: once, whoever asks first (the TUI's quit, the end of the run).
  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => (closing ??= closeRun({ end, live, streams, topo, client, store, topology, pipeline, sinks, dbPath }));

  // The TUI comes up at once (so start-up shows on it); q / Ctrl-C shut down before it unmounts, an abort unmounts it.
  const tuiDone = live?.run({
    onQuit: () => {
      end.stop();
      return shutdown();
    },
    onSwitchPolicy: rt.onSwitchPolicy,
    signal: end.signal,
  });

  try {
    // Topology first, so the first lines are classified against the cluster as it is.
    topo.start();
    await topo.synced(end.stopped);
    if (!end.signal.aborted) {
      const pods = await streams.start(end.signal, end.stopped);
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
