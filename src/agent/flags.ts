// `snatscope agent` flags, checked before anything touches the cluster, the files or the database.
import { statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { KubeClient } from '../kube/http.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import type { Listen } from '../metrics/attach.js';
import { safeText } from '../text.js';
import type { TextOut } from '../output/sinkio.js';
import type { Pipeline } from '../pipeline.js';
import type { JsonFields } from '../parse/index.js';
import { checkFlags, type LiveOptions } from '../watch/options.js';
import type { NodeLogs } from '../sources/crifiles/nodelogs.js';

export interface AgentOptions extends LiveOptions {
  /** Default $NODE_NAME. */
  node?: string;
  /** Default /var/log/pods. */
  podsDir?: string;
}

export interface AgentTuning {
  pollMs?: number;
  scanMs?: number;
  flushMs?: number;
  syncTimeoutMs?: number;
  watch?: Partial<ResourceWatchOptions>;
}

export interface AgentRuntime {
  signal?: AbortSignal;
  stdout?: TextOut;
  stderr?: TextOut;
  env?: NodeJS.ProcessEnv;
  tuning?: AgentTuning;
  onStarted?(run: { pipeline: Pipeline; logs: NodeLogs; client: KubeClient }): void;
  /** Offered to the TUI (its "p" key), as in watch. */
  onSwitchPolicy?: (p: 'Cluster' | 'Local') => Promise<void>;
}

export interface AgentResult {
  exitCode: number;
  lines: number;
  requests: number;
  unparsed: number;
}

export interface AgentSettings {
  node: string;
  podsDir: string;
  format: string;
  jsonFields: JsonFields;
  containerMatch?: (name: string) => boolean;
  metrics: Listen | null;
  pollMs?: number;
  scanMs?: number;
}

export const DEFAULT_PODS_DIR = '/var/log/pods';

export function checkAgentFlags(o: AgentOptions, env: NodeJS.ProcessEnv, tuning: AgentTuning = {}): AgentSettings {
  const node = (o.node ?? env.NODE_NAME ?? '').trim();
  if (!node) {
    throw new UserError('the agent needs the name of its node', '--node NAME, or NODE_NAME from the downward API (spec.nodeName) as in deploy/agent-daemonset.yaml');
  }
  const podsDir = o.podsDir ?? DEFAULT_PODS_DIR;
  let isDir = false;
  try {
    isDir = statSync(podsDir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UserError(`cannot read --pods-dir ${safeText(podsDir)}: ${code ?? (err as Error).message}`, 'running as root, or as the group that owns the kubelet\'s log files');
  }
  if (!isDir) throw new UserError(`--pods-dir ${safeText(podsDir)} is not a folder`, `the kubelet's pods log folder (default ${DEFAULT_PODS_DIR}; mount it with hostPath, read-only)`);
  // --format and -c as watch reads them.
  const { format, jsonFields, containerMatch, metrics } = checkFlags({ format: o.format, jsonField: o.jsonField, container: o.container, metrics: o.metrics });
  return { node, podsDir, format, jsonFields, containerMatch, metrics, pollMs: tuning.pollMs, scanMs: tuning.scanMs };
}
