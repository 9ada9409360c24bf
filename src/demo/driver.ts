// Runs the demo traffic into a ClusterModel: every tick the generator catches up with the wall clock and each line
// is appended to its pod's nginx container log (stamped with its own time). It follows the Service object: a change
// of spec.externalTrafficPolicy in the model (e.g. a PATCH through the API) switches routing at the next event.

import type { ClusterModel, ModelEvent } from '../emulator/model.js';
import type { DemoPod, TrafficPolicy } from './rules.js';
import { DEMO_NAMESPACE, SERVICE_NAME, type DemoTopology } from './topology.js';
import { TrafficGenerator, type TrafficStats } from './traffic.js';

export interface DriverOptions {
  seed?: number;
  rate?: number;
  /** Tick interval (ms); lines keep their own simulated times within a tick. Default 100. */
  tickMs?: number;
  /** `kube-probe/<major>.<minor>` of the emulated kubelet. */
  probeUserAgent?: string;
  /** Called after every policy change the driver picked up from the Service. */
  onPolicy?: (policy: TrafficPolicy) => void;
}

export interface TrafficDriver {
  readonly stats: TrafficStats;
  readonly policy: TrafficPolicy;
  /** Generates up to now at once (tests call it to avoid waiting for a tick). */
  flush(): void;
  stop(): void;
}

function servicePolicy(model: ClusterModel): TrafficPolicy {
  const svc = model.getService(DEMO_NAMESPACE, SERVICE_NAME);
  return svc?.spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster';
}

export function startTraffic(model: ClusterModel, topo: DemoTopology, opts: DriverOptions = {}): TrafficDriver {
  const gen = new TrafficGenerator({
    topology: topo,
    startMs: Date.now(),
    seed: opts.seed,
    rate: opts.rate,
    policy: servicePolicy(model),
    probeUserAgent: opts.probeUserAgent,
  });
  const sink = (pod: DemoPod, line: string, timeMs: number): void => {
    model.appendLog(pod.namespace, pod.name, pod.name === topo.curl.name ? 'curl' : 'nginx', line, timeMs);
  };
  const onEvent = (ev: ModelEvent): void => {
    if (ev.resource !== 'services' || ev.object.metadata.name !== SERVICE_NAME || ev.object.metadata.namespace !== DEMO_NAMESPACE) return;
    const policy = ev.object.spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster';
    if (policy === gen.currentPolicy) return;
    gen.advance(Date.now(), sink); // everything before the change keeps the old rules
    gen.setPolicy(policy);
    opts.onPolicy?.(policy);
  };
  model.on('event', onEvent);
  const timer = setInterval(() => gen.advance(Date.now(), sink), opts.tickMs ?? 100);
  let stopped = false;
  return {
    stats: gen.stats,
    get policy() {
      return gen.currentPolicy;
    },
    flush: () => {
      if (!stopped) gen.advance(Date.now(), sink);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      model.off('event', onEvent);
    },
  };
}
