// The demo run: a simulated cluster on loopback (the Kubernetes API emulator, kube-proxy's rules, seeded traffic)
// watched by a watch run through a kubeconfig and HTTP exactly as a real cluster would be (`snatscope demo`, what
// `npm start` runs). --serve keeps only the cluster running; --duration stops after N seconds; the TUI's "p" key
// switches externalTrafficPolicy by a PATCH through the API.
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { TextOut } from '../output/sinkio.js';
import { safeText } from '../text.js';
import { runWatch, type WatchOptions, type WatchRuntime, type WatchTuning } from '../watch/run.js';
import { parseListen } from '../metrics/server.js';
import { runDemoAgent } from './agent-mode.js';
import { CNI_MODES, type CniMode, type TrafficPolicy } from './rules.js';
import { startDemoCluster, type DemoCluster } from './session.js';
import { DEFAULT_RATE } from './traffic.js';
import { DEMO_NAMESPACE, L7_PROXY_IP, NODE_PORT, SERVICE_NAME } from './topology.js';
import { redactUrl } from '../../db/location.js';

export interface DemoFlags {
  policy?: string;
  rate?: string | number;
  seed?: string | number;
  cni?: string;
  ipv6?: boolean;
  serve?: boolean;
  duration?: string | number;
  output?: string;
  db?: string;
  /** --metrics [HOST:]PORT of the run. */
  metrics?: string;
  /** Run the node agent over the emulated kubelet's files instead of watch over the API. */
  agent?: boolean;
}

export interface DemoRuntime {
  signal?: AbortSignal;
  stdout?: TextOut;
  stderr?: TextOut;
  env?: NodeJS.ProcessEnv;
  tuning?: WatchTuning;
  /** Called once the cluster is up (tests: switch the policy, look at the model). */
  onCluster?(cluster: DemoCluster): void;
}

export interface DemoSettings {
  policy: TrafficPolicy;
  rate: number;
  seed: number;
  cni: CniMode;
  ipv6: boolean;
  durationMs: number | null;
  output: 'tui' | 'lines' | 'json' | 'none' | undefined;
  metrics: string | undefined;
  agent: boolean;
}

/** Every flag checked before anything starts. */
export function checkDemoFlags(f: DemoFlags): DemoSettings {
  const p = (f.policy ?? 'Cluster').toLowerCase();
  if (p !== 'cluster' && p !== 'local') {
    throw new UserError(`--policy ${safeText(String(f.policy))} is not an externalTrafficPolicy`, '--policy Cluster or --policy Local');
  }
  const rate = Number(f.rate ?? DEFAULT_RATE);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 20_000) {
    throw new UserError(`--rate ${safeText(String(f.rate))} is not a request rate between 1 and 20000 per second`, '--rate 300');
  }
  const seed = Number(f.seed ?? 1);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UserError(`--seed ${safeText(String(f.seed))} is not a whole number`, '--seed 42');
  }
  const cni = (f.cni ?? 'flannel-vxlan') as CniMode;
  if (!CNI_MODES.includes(cni)) {
    throw new UserError(`--cni ${safeText(String(f.cni))} is not a CNI mode the demo knows`, `--cni ${CNI_MODES.join(', --cni ')}`);
  }
  let durationMs: number | null = null;
  if (f.duration !== undefined) {
    const d = Number(f.duration);
    if (!Number.isFinite(d) || d <= 0) throw new UserError(`--duration ${safeText(String(f.duration))} is not a number of seconds`, '--duration 10');
    durationMs = Math.round(d * 1000);
  }
  const output = f.output;
  if (output !== undefined && output !== 'tui' && output !== 'lines' && output !== 'json' && output !== 'none') {
    throw new UserError(`--output ${safeText(output)} is not an output`, '--output tui, lines, json or none');
  }
  if (f.metrics !== undefined) parseListen(String(f.metrics)); // checked before the cluster starts
  if (f.agent && f.serve) throw new UserError('--agent and --serve cannot be used together', 'one of them');
  return {
    policy: p === 'local' ? 'Local' : 'Cluster', rate, seed, cni, ipv6: f.ipv6 === true, durationMs, output,
    metrics: f.metrics === undefined ? undefined : String(f.metrics), agent: f.agent === true,
  };
}

function waitFor(signal: AbortSignal | undefined, ms: number | null): Promise<void> {
  return new Promise((resolve) => {
    const timer = ms === null ? null : setTimeout(done, ms);
    function done() {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs the demo; resolves with the exit code once the signal fires, the duration ends or the TUI quits. */
export async function runDemo(flags: DemoFlags, rt: DemoRuntime = {}): Promise<number> {
  const s = checkDemoFlags(flags);
  const stderr = rt.stderr ?? process.stderr;
  const say = (msg: string) => stderr.write(`snatscope demo: ${msg}\n`);
  const cluster = await startDemoCluster({ cni: s.cni, ipv6: s.ipv6, policy: s.policy, rate: s.rate, seed: s.seed });
  const dbPath = flags.db ?? join(cluster.dir, 'demo.db');
  let keepDir = false;
  try {
    rt.onCluster?.(cluster);
    say(
      `emulated cluster at ${cluster.url}: ydzs-master + ydzs-node1..3 (${s.cni}${s.ipv6 ? ', dual-stack' : ''}), ` +
        `deploy/nginx with 1 pod on ydzs-node1 and 2 on ydzs-node2, svc/${SERVICE_NAME} NodePort 80:${NODE_PORT} ` +
        `externalTrafficPolicy ${s.policy}; ${s.rate} requests/s, seed ${s.seed}`,
    );
    const kubectl = `kubectl --kubeconfig ${cluster.kubeconfig}`;
    if (flags.serve) {
      say(`serving until Ctrl-C${s.durationMs !== null ? ` or ${s.durationMs / 1000}s` : ''}; kubeconfig ${cluster.kubeconfig}`);
      (rt.stdout ?? process.stdout).write(
        `${kubectl} get pods -o wide\n` +
          `${kubectl} patch svc ${SERVICE_NAME} -p '{"spec":{"externalTrafficPolicy":"Local"}}'\n` +
          `${kubectl} get ep,endpointslices,ds -A\n` +
          `npx snatscope watch deploy/nginx --kubeconfig ${cluster.kubeconfig} --trust ${L7_PROXY_IP}/32\n`,
      );
      await waitFor(rt.signal, s.durationMs);
      return 0;
    }
    if (flags.db === undefined) keepDir = true;
    say(`requests are stored in ${redactUrl(dbPath)} (npx snatscope report --db ${redactUrl(dbPath)}); try also: ${kubectl} get pods -o wide`);
    const ac = new AbortController();
    const stop = () => ac.abort();
    rt.signal?.addEventListener('abort', stop, { once: true });
    if (rt.signal?.aborted) ac.abort();
    const timer = s.durationMs === null ? null : setTimeout(stop, s.durationMs);
    const options: WatchOptions = {
      targets: ['deploy/nginx'],
      namespace: DEMO_NAMESPACE,
      kubeconfig: cluster.kubeconfig,
      db: dbPath,
      format: 'main',
      trust: [`${L7_PROXY_IP}/32`],
      output: s.output,
      metrics: s.metrics,
    };
    // onSwitchPolicy: the TUI's "p" key PATCHes the Service through the API (runWatch passes it on to the TUI).
    const runtime: WatchRuntime = {
      signal: ac.signal,
      stdout: rt.stdout,
      stderr: rt.stderr,
      env: rt.env,
      tuning: rt.tuning,
      onSwitchPolicy: async (p: TrafficPolicy) => {
        await cluster.switchPolicy(p);
      },
    };
    try {
      if (s.agent) {
        const t = rt.tuning ?? {};
        const { signal, stdout, stderr, env, onSwitchPolicy } = runtime;
        const tuning = { flushMs: t.flushMs, syncTimeoutMs: t.syncTimeoutMs, watch: t.watch };
        return await runDemoAgent(cluster, options, { signal, stdout, stderr, env, onSwitchPolicy, tuning }, say);
      }
      const res = await runWatch(options, runtime);
      return res.exitCode;
    } finally {
      if (timer) clearTimeout(timer);
      rt.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await cluster.close({ keepDir });
  }
}
