// The flags of a watch run (`snatscope watch`, and the demo's run on its own cluster), checked before anything touches
// the cluster or the database, and the view they choose.
import { parseListen, type Listen } from '../metrics/server.js';
import { UserError } from '../errors.js';
import type { BackoffOptions } from '../kube/backoff.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import { resolveFormat } from '../parse/index.js';
import { safeText } from '../text.js';
import { parseDuration, parseTime } from '../time.js';

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
  /** Wait for another writer of the database instead of exiting 6 (--wait). */
  wait?: boolean;
  format?: string;
  trust?: string[];
  internalCidr?: string[];
  output?: string;
  maxStreams?: string | number;
  /** --metrics [HOST:]PORT. */
  metrics?: string;
}

/** Knobs for tests and the benchmark (timeouts, backoff); defaults are the production values. */
export interface WatchTuning {
  idleMs?: number;
  endGraceMs?: number;
  backoff?: BackoffOptions;
  watch?: Partial<ResourceWatchOptions>;
  flushMs?: number;
  syncTimeoutMs?: number;
}

/** The view to use: the requested one, else the TUI on a terminal and lines otherwise. */
export function chooseView(requested: string | undefined, isTTY: boolean): OutputMode {
  const mode = requested ?? (isTTY ? 'tui' : 'lines');
  if (mode !== 'tui' && mode !== 'lines' && mode !== 'json' && mode !== 'none') {
    throw new UserError(`--output ${safeText(mode)} is not an output`, '--output tui, lines, json or none');
  }
  return mode;
}

export interface Checked {
  sinceTime?: string;
  tailLines?: number;
  maxStreams: number;
  follow: boolean;
  format: string;
  containerMatch?: (name: string) => boolean;
  /** Where --metrics listens, null without it. */
  metrics: Listen | null;
}

/** Every flag checked before anything touches the cluster or the database. */
export function checkFlags(o: WatchOptions, now = Date.now()): Checked {
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
  resolveFormat(format); // a UserError for an unknown preset or a malformed log_format
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
  const metrics = o.metrics === undefined ? null : parseListen(String(o.metrics));
  return { sinceTime, tailLines, maxStreams, follow: o.follow ?? true, format, containerMatch, metrics };
}

function wholeSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
