// A simulated kubelet for the agent's tests: containers writing nginx lines (each with a unique id in its path) into
// CRI files through the emulator's KubeletLogs, which rotates, gzips and restarts exactly like the kubelet. Every
// line written is remembered, so a test can check that each was stored exactly once.
import { StampFormatter } from '../../src/emulator/containerlog.js';
import { KubeletLogs, type ContainerLogFiles } from '../../src/emulator/kubelet-logs.js';

export interface SimContainer {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  files: ContainerLogFiles;
}

export class SimKubelet {
  readonly logs: KubeletLogs;
  /** Every line id written, in order. */
  readonly written: string[] = [];
  private seq = 0;
  private readonly stamps = new StampFormatter();
  private sub = 0;

  constructor(dir: string, opts: { maxSize?: number; maxFiles?: number } = {}) {
    let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
    this.logs = new KubeletLogs({ dir, maxSize: opts.maxSize, maxFiles: opts.maxFiles, now: () => (clock += 1000) });
  }

  container(namespace: string, pod: string, uid: string, container = 'nginx'): SimContainer {
    return { namespace, pod, uid, container, files: this.logs.container(namespace, pod, uid, container) };
  }

  /** The nginx `main` line of request `id` from a documentation-range client. */
  static line(id: string, client = '203.0.113.9'): string {
    return `${client} - - [01/Dec/2026:12:00:00 +0000] "GET /r/${id} HTTP/1.1" 200 612 "-" "curl/8.5.0" "-"`;
  }

  /** Writes `n` lines; `long` makes the runtime split each into P parts and an F. */
  write(c: SimContainer, n: number, opts: { long?: boolean; stderr?: boolean } = {}): string[] {
    const ids: string[] = [];
    const lines: string[] = [];
    const stamps: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${c.pod}-${c.container}-${++this.seq}`;
      ids.push(id);
      lines.push(SimKubelet.line(opts.long ? `${id}?${'x'.repeat(20_000)}` : id));
      stamps.push(this.stamps.format(Date.UTC(2026, 11, 1, 12, 0, 0) + this.seq, this.sub++ % 1000));
    }
    c.files.write(lines, stamps, opts.stderr ? 'stderr' : 'stdout');
    this.written.push(...ids);
    return ids;
  }
}

/** The request id of a stored target `/r/<id>` (query cut). */
export function idOf(target: string): string {
  return target.replace(/^\/r\//, '').replace(/\?.*$/, '');
}
