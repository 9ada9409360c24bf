// The kubelet's container log files, emulated on a real folder exactly as pkg/kubelet/logs/container_log_manager.go
// lays them out and rotates them: `<pods>/<namespace>_<pod>_<uid>/<container>/<restart>.log`, CRI lines
// (`<RFC3339Nano> stdout|stderr F|P <text>`), and one rotation of a live log does, in this order:
//   1. delete `*.tmp` leftovers of the container;
//   2. delete the oldest rotated files beyond maxFiles - 2;
//   3. gzip every rotated file that is not yet compressed (write X.tmp, rename it to X.gz, remove X);
//   4. rename the live `N.log` to `N.log.<YYYYMMDD-HHMMSS>` (node-local time);
//   5. the runtime reopens `N.log` (a new file): until then lines still land in the renamed one.
// A restarted container writes `<N+1>.log`. The demo (`demo --agent`), the agent's tests and the benchmark use it.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The kubelet's defaults: containerLogMaxSize 10Mi, containerLogMaxFiles 5. */
export const KUBELET_MAX_SIZE = 10 * 1024 * 1024;
export const KUBELET_MAX_FILES = 5;
/** The runtime splits longer lines into P parts of this size (containerd, CRI-O). */
export const CRI_MAX_PART = 16 * 1024;

export interface KubeletLogsOptions {
  /** The pods folder (the kubelet's /var/log/pods). */
  dir: string;
  maxSize?: number;
  maxFiles?: number;
  /** Clock for the rotated files' names (tests: never two rotations of one log in one second). */
  now?: () => number;
}

/** `YYYYMMDD-HHMMSS` in node-local time (Go layout 20060102-150405). */
export function rotationStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A CRI line: `<time> <stream> <tag> <text>\n`. */
export function criLine(stamp: string, text: string, stream: 'stdout' | 'stderr' = 'stdout', tag: 'F' | 'P' = 'F'): string {
  return `${stamp} ${stream} ${tag} ${text}\n`;
}

/** The emulated kubelet of one node: one ContainerLogFiles per container. */
export class KubeletLogs {
  readonly dir: string;
  readonly maxSize: number;
  readonly maxFiles: number;
  private readonly containers = new Map<string, ContainerLogFiles>();
  private lastStamp = 0;
  private readonly clock: () => number;

  constructor(opts: KubeletLogsOptions) {
    this.dir = opts.dir;
    this.maxSize = opts.maxSize ?? KUBELET_MAX_SIZE;
    this.maxFiles = Math.max(2, opts.maxFiles ?? KUBELET_MAX_FILES);
    this.clock = opts.now ?? Date.now;
    mkdirSync(this.dir, { recursive: true });
  }

  /** The log files of this container (created, at restart `restart`, on first use). */
  container(namespace: string, pod: string, uid: string, container: string, restart = 0): ContainerLogFiles {
    const k = `${namespace}_${pod}_${uid}/${container}`;
    let c = this.containers.get(k);
    if (!c) {
      c = new ContainerLogFiles(this, join(this.dir, `${namespace}_${pod}_${uid}`, container), restart);
      this.containers.set(k, c);
    }
    return c;
  }

  /** The pod is gone: its log folder is removed (the kubelet does this some time after the pod was deleted). */
  removePod(namespace: string, pod: string, uid: string): void {
    const prefix = `${namespace}_${pod}_${uid}/`;
    for (const [k, c] of this.containers) {
      if (!k.startsWith(prefix)) continue;
      c.close();
      this.containers.delete(k);
    }
    rmSync(join(this.dir, `${namespace}_${pod}_${uid}`), { recursive: true, force: true });
  }

  /** Rotates every live log at least maxSize long (the kubelet's containerLogMonitorInterval pass). */
  rotateBySize(): number {
    let n = 0;
    for (const c of this.containers.values()) {
      if (!c.closed && c.size >= this.maxSize) {
        c.rotate();
        n++;
      }
    }
    return n;
  }

  closeAll(): void {
    for (const c of this.containers.values()) c.close();
  }

  /** @internal A rotation name never used before for this node (strictly later second). */
  stamp(): string {
    const now = Math.floor(this.clock() / 1000) * 1000;
    this.lastStamp = Math.max(now, this.lastStamp + 1000);
    return rotationStamp(this.lastStamp);
  }
}

/** One container's log folder: the live `<restart>.log` and its rotated files. */
export class ContainerLogFiles {
  restart: number;
  /** Bytes in the live file. */
  size = 0;
  closed = false;
  private fd: number;
  /** Renamed but not yet reopened (lines go on landing in the renamed file). */
  private renamed = false;

  constructor(
    private readonly kubelet: KubeletLogs,
    readonly dir: string,
    restart: number,
  ) {
    this.restart = restart;
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(this.livePath, 'a');
  }

  get livePath(): string {
    return join(this.dir, `${this.restart}.log`);
  }

  /** Appends CRI text as the runtime does (one write per call). */
  writeRaw(text: string): void {
    if (this.closed) throw new Error(`kubelet-logs: ${this.livePath} is closed`);
    const buf = Buffer.from(text);
    writeSync(this.fd, buf);
    if (!this.renamed) this.size += buf.length;
  }

  /** Appends lines stamped `stamp` (RFC3339Nano); longer than CRI_MAX_PART, a line goes out as P parts and an F. */
  write(lines: readonly string[], stamps: readonly string[] | string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    let out = '';
    for (let i = 0; i < lines.length; i++) {
      const stamp = typeof stamps === 'string' ? stamps : stamps[i];
      const text = lines[i];
      let at = 0;
      while (text.length - at > CRI_MAX_PART) {
        out += criLine(stamp, text.slice(at, at + CRI_MAX_PART), stream, 'P');
        at += CRI_MAX_PART;
      }
      out += criLine(stamp, at === 0 ? text : text.slice(at), stream, 'F');
    }
    if (out) this.writeRaw(out);
  }

  /** One rotation (steps 1-4, and 5 unless `reopen` is false: call reopen() later). */
  rotate(opts: { reopen?: boolean } = {}): string {
    const live = `${this.restart}.log`;
    const rotatedPrefix = `${live}.`;
    const files = readdirSync(this.dir);
    for (const f of files) if (f.endsWith('.tmp')) unlinkSync(join(this.dir, f));
    // Rotated files sort by name = by age; .gz does not change the order.
    const rotated = files.filter((f) => f.startsWith(rotatedPrefix) && !f.endsWith('.tmp')).sort();
    const keep = Math.max(0, this.kubelet.maxFiles - 2);
    for (const f of rotated.slice(0, Math.max(0, rotated.length - keep))) unlinkSync(join(this.dir, f));
    for (const f of rotated.slice(Math.max(0, rotated.length - keep))) {
      if (f.endsWith('.gz')) continue;
      const src = join(this.dir, f);
      writeFileSync(`${src}.tmp`, gzipSync(readFileSync(src)));
      renameSync(`${src}.tmp`, `${src}.gz`);
      unlinkSync(src);
    }
    const name = `${rotatedPrefix}${this.kubelet.stamp()}`;
    renameSync(this.livePath, join(this.dir, name));
    this.renamed = true;
    if (opts.reopen !== false) this.reopen();
    return name;
  }

  /** The runtime reopens the live log after a rotation: later lines go to a new `<restart>.log`. */
  reopen(): void {
    if (!this.renamed) return;
    closeSync(this.fd);
    this.fd = openSync(this.livePath, 'a');
    this.renamed = false;
    this.size = 0;
  }

  /** The container restarted: its new instance writes `<restart+1>.log`. */
  restartContainer(): void {
    this.reopen();
    closeSync(this.fd);
    this.restart++;
    this.size = 0;
    this.fd = openSync(this.livePath, 'a');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
