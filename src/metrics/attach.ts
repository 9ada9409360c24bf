// --metrics for a run (watch, agent, demo): the registry as a pipeline sink whose counts move at each commit, and the
// HTTP endpoint, started once the run has its topology and sources. Without --metrics nothing is created.
import type { Topology } from '../classify/index.js';
import type { PipelineStats } from '../pipeline.js';
import { version } from '../version.js';
import { SnatMetrics, type SourceStates } from './registry.js';
import { parseListen, serveMetrics, type Listen, type MetricsEndpoint } from './server.js';

export { parseListen, type Listen };

export interface RunMetrics {
  metrics: SnatMetrics;
  endpoint: MetricsEndpoint | null;
  /** Starts the endpoint; says where it listens. */
  serve(ready: () => boolean, say: (msg: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** The metrics of one run, or null without --metrics; `listen` is checked with the other flags (parseListen). */
export function runMetrics(
  listen: Listen | null,
  o: { topology: Topology; stats: () => PipelineStats; sources?: SourceStates },
): RunMetrics | null {
  if (!listen) return null;
  const metrics = new SnatMetrics({ topology: o.topology, version: version(), unparsed: () => o.stats().unparsedBy, sources: o.sources });
  const run: RunMetrics = {
    metrics,
    endpoint: null,
    async serve(ready, say) {
      run.endpoint = await serveMetrics(listen, { metrics: () => metrics.metrics(), contentType: metrics.registry.contentType, ready });
      say(`metrics on ${run.endpoint.url}/metrics (/healthz, /readyz)`);
    },
    async close() {
      await run.endpoint?.close();
    },
  };
  return run;
}
