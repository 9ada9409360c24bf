// The stern-like live view for a terminal or a pipe: one line per request,
//   [<time>] <pod> [<container>]  <class>  <client>  <method> <target> <status>
// with the request time (RFC3339, UTC) first under --timestamps, and the container after the pod when the pod has
// several (or always, kubectl-style as [pod/NAME/CONTAINER], under --prefix);
// where the client is the remote address (with the node or pod that owns it) and, when X-Forwarded-For recovered
// one through trusted proxies, "xff <address> <class>". Colours (one per pod, one per class) only on a TTY without
// NO_COLOR. Every log-derived string goes through safeText. Implements the pipeline's Sink.
import { CLASSES, CLASS_INFO } from '../classes.js';
import type { RequestRow } from '../types.js';
import { safeField, safeText } from '../text.js';
import { BatchWriter, useColor, type TextOut } from './sinkio.js';

export interface LinesSinkOptions {
  /** Default: decided from the stream (TTY, NO_COLOR). */
  color?: boolean;
  /** Prefix pods with their namespace (-A). */
  showNamespace?: boolean;
  /** Show the container after the pod. */
  showContainer?: boolean;
  /** How many containers a pod has (from the topology): the container is shown when it is more than one. */
  containersOf?: (namespace: string, pod: string) => number;
  /** The request time first, RFC3339 (kubectl --timestamps). */
  timestamps?: boolean;
  /** [pod/NAME/CONTAINER] (kubectl --prefix). */
  prefix?: boolean;
  env?: NodeJS.ProcessEnv;
}

const RESET = '\x1b[0m';
const POD_COLORS = ['\x1b[36m', '\x1b[32m', '\x1b[35m', '\x1b[34m', '\x1b[33m', '\x1b[96m', '\x1b[92m', '\x1b[95m', '\x1b[94m'];
/** Class names padded to one width, so the columns after them line up. */
const CLASS_WIDTH = Math.max(...CLASSES.map((c) => c.length));

export class LinesSink {
  private readonly color: boolean;
  private readonly out: BatchWriter;
  /** Rendered (escaped, coloured) pod label per namespace/pod/container: computed once per pod, not per line. */
  private readonly labels = new Map<string, string>();
  private readonly classText: Record<string, string> = {};

  constructor(stream: TextOut, private readonly opts: LinesSinkOptions = {}) {
    this.color = opts.color ?? useColor(stream, opts.env);
    this.out = new BatchWriter(stream);
    for (const cls of CLASSES) {
      const pad = cls.padEnd(CLASS_WIDTH);
      this.classText[cls] = this.color ? `${CLASS_INFO[cls].ansi}${pad}${RESET}` : pad;
    }
  }

  write(row: RequestRow): void {
    this.out.push(this.format(row));
  }

  /** One rendered line, newline included. */
  format(row: RequestRow): string {
    let label = this.labels.get(row.namespace + '/' + row.pod + '/' + row.container);
    if (label === undefined) label = this.label(row);
    let client = safeText(row.remoteAddr);
    if (row.owner !== null && row.owner !== row.remoteAddr) client += ` (${safeText(row.owner)})`;
    if (row.client !== null) client += ` xff ${safeText(row.client)} ${row.clientCls ?? 'unknown'}`;
    const method = row.method === null ? '-' : safeText(row.method);
    const target = row.target === null ? '-' : safeText(row.target);
    const line = `${label} ${this.classText[row.cls] ?? row.cls} ${client}  ${method} ${target} ${row.status}\n`;
    if (!this.opts.timestamps) return line;
    return `${Number.isFinite(row.time) ? new Date(row.time).toISOString() : '-'} ${line}`;
  }

  private label(row: RequestRow): string {
    const ns = this.opts.showNamespace ? `${safeText(row.namespace)}/` : '';
    let text: string;
    if (this.opts.prefix) text = `[${ns}pod/${safeField(row.pod)}/${safeField(row.container)}]`;
    else {
      text = `${ns}${safeField(row.pod)}`;
      const several = (this.opts.containersOf?.(row.namespace, row.pod) ?? 1) > 1;
      if (this.opts.showContainer || several) text += ` ${safeField(row.container)}`;
    }
    if (this.color) {
      let h = 0;
      for (let i = 0; i < row.pod.length; i++) h = (h * 31 + row.pod.charCodeAt(i)) >>> 0;
      text = `${POD_COLORS[h % POD_COLORS.length]}${text}${RESET}`;
    }
    if (this.labels.size > 10_000) this.labels.clear();
    this.labels.set(row.namespace + '/' + row.pod + '/' + row.container, text);
    return text;
  }

  close(): void {
    this.out.flush();
  }
}
