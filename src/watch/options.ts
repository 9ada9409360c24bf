// The flags of a watch run (`snatscope watch`, and the demo's run on its own cluster), checked before anything touches
// the cluster or the database, and the view they choose.
import { parseListen, type Listen } from '../metrics/server.js';
import { UserError } from '../errors.js';
import type { BackoffOptions } from '../kube/backoff.js';
import type { ResourceWatchOptions } from '../kube/watch.js';
import { checkFormatFlags, type JsonFields } from '../parse/index.js';
import { safeText } from '../text.js';
import { parseDuration, parseTime } from '../time.js';

export type OutputMode = 'tui' | 'lines' | 'json' | 'none';

/** The flags of every live run (watch, agent): the pods, the cluster, the database, the format, the classification, the view. */
export interface LiveOptions {
  targets?: string[];
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  container?: string;
  context?: string;
  kubeconfig?: string;
  db?: string;
  /** Wait for another writer of the database instead of exiting 6 (--wait). */
  wait?: boolean;
  format?: string;
  jsonField?: string[];
  trust?: string[];
  internalCidr?: string[];
  output?: string;
  /** --metrics [HOST:]PORT. */
  metrics?: string;
}

export interface WatchOptions extends LiveOptions {
  since?: string;
  sinceTime?: string;
  tail?: string | number;
  /** false: --no-follow. */
  follow?: boolean;
  maxStreams?: string | number;
  /** stern's name for --max-streams. */
  maxLogRequests?: string | number;
  /** kubectl logs -p: the previous instance of each container. */
  previous?: boolean;
  /** Lines view: the request time first (kubectl --timestamps). */
  timestamps?: boolean;
  /** Lines view: [pod/NAME/CONTAINER] on every line (kubectl --prefix). */
  prefix?: boolean;
  /** kubectl's --all-containers: the default here (every container); only checked against -c. */
  allContainers?: boolean;
  /** stern: only lines matching one of these regexes are shown (the store keeps every line). */
  include?: string[];
  /** stern: lines matching one of these regexes are not shown. */
  exclude?: string[];
  /** stern: pods (by name) and containers never read. */
  excludePod?: string[];
  excludeContainer?: string[];
}

/** Knobs for tests and the benchmark (timeouts, backoff); defaults are the production values. */
export interface WatchTuning {
  idleMs?: number;
  endGraceMs?: number;
  backoff?: BackoffOptions;
  watch?: Partial<ResourceWatchOptions>;
  flushMs?: number;
  syncTimeoutMs?: number;
  /** How often an unreachable API server is probed (default 2 s). */
  probeMs?: number;
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
  /** --since, --since-time or --tail given: they, not a stored cursor, decide where each log starts. */
  fromFlags: boolean;
  maxStreams: number;
  follow: boolean;
  format: string;
  jsonFields: JsonFields;
  containerMatch?: (name: string) => boolean;
  /** Where --metrics listens, null without it. */
  metrics: Listen | null;
  /** --exclude-pod: pod names never read. */
  podExcluded?: (name: string) => boolean;
  /** --include/--exclude: which raw lines the view shows. */
  showLine?: (raw: string) => boolean;
  previous: boolean;
}

/** A regex flag value, or one line naming the flag. */
function regexFlag(flag: string, text: string, anchored = false): RegExp {
  try {
    return new RegExp(anchored ? `^(?:${text})$` : text);
  } catch {
    throw new UserError(`${flag} ${safeText(text)} is not a valid regular expression`, `${flag} 'nginx-.*'`);
  }
}

/** Tests a name or line against every regex of a repeatable flag. */
function anyOf(flag: string, values: string[] | undefined, anchored = false): ((s: string) => boolean) | undefined {
  if (!values || values.length === 0) return undefined;
  const res = values.map((v) => regexFlag(flag, v, anchored));
  return (s) => res.some((re) => re.test(s));
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
  if (o.maxLogRequests !== undefined && o.maxStreams !== undefined && String(o.maxLogRequests) !== String(o.maxStreams)) {
    throw new UserError('--max-log-requests and --max-streams are the same flag with two values', 'one of them');
  }
  const maxText = o.maxLogRequests ?? o.maxStreams;
  const maxFlag = o.maxLogRequests !== undefined ? '--max-log-requests' : '--max-streams';
  const maxStreams = maxText === undefined ? 50 : Number(maxText);
  if (!Number.isInteger(maxStreams) || maxStreams < 1) {
    throw new UserError(`${maxFlag} ${safeText(String(maxText))} is not a positive number`, `${maxFlag} 50`);
  }
  if (o.allContainers && o.container) throw new UserError('--all-containers and -c cannot be used together', 'one of them');
  if (o.previous && o.follow === true) throw new UserError('-p reads the previous (ended) instance of each container; it cannot follow', '-p without -f');
  const format = o.format ?? 'auto';
  const jsonFields = checkFormatFlags(format, o.jsonField); // UserError: unknown preset, bad log_format or --json-field
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
  const fromFlags = sinceTime !== undefined || (o.tail !== undefined && o.tail !== '');
  const containerExcluded = anyOf('--exclude-container', o.excludeContainer, true);
  if (containerExcluded) {
    const only = containerMatch;
    containerMatch = (name) => (!only || only(name)) && !containerExcluded(name);
  }
  const include = anyOf('--include', o.include);
  const exclude = anyOf('--exclude', o.exclude);
  const showLine = include || exclude ? (raw: string) => (!include || include(raw)) && !(exclude && exclude(raw)) : undefined;
  const previous = o.previous ?? false;
  return {
    sinceTime, tailLines, fromFlags: fromFlags || previous, maxStreams, follow: previous ? false : (o.follow ?? true), format,
    jsonFields, containerMatch, podExcluded: anyOf('--exclude-pod', o.excludePod, true), showLine, previous,
    metrics: o.metrics === undefined ? null : parseListen(String(o.metrics)),
  };
}

function wholeSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
