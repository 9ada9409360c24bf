// The API server going away mid-watch: every tail and watch retries on its own, but the user is told once, on one
// status line that updates ("API server unreachable since 12:01:33, retrying"), not once per watcher per retry. While
// it is down, GET /version every few seconds says when it is back ("API server reachable again after 20s").
import type { KubeClient, KubeError } from './http.js';

/** Connection-level failures: nothing answered (refused, reset, timed out, no route, DNS). */
export function unreachable(status: number, reason: string): boolean {
  return status === 0 && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN|Timeout|socket hang up)/.test(reason);
}

/** Where the status goes: `line(text)` replaces the status (null clears it); `done(text)` is a line that stays. */
export interface OutageOut {
  line(text: string | null): void;
  done(text: string): void;
}

export class ApiOutage {
  private since: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  constructor(
    private readonly client: KubeClient,
    private readonly out: OutageOut,
    private readonly probeMs = 2000,
  ) {}

  get down(): boolean {
    return this.since !== null;
  }

  /** A failed request: true when it is the server being unreachable (then it is said here, once), else false. */
  failed(err: Pick<KubeError, 'status' | 'reason'>): boolean {
    if (!unreachable(err.status, err.reason)) return false;
    if (this.since === null) {
      this.since = Date.now();
      this.out.line(this.text());
      this.timer = setInterval(() => void this.tick(), this.probeMs);
      this.timer.unref();
    }
    return true;
  }

  /** Something got through (a stream went live): the server is back. */
  reached(): void {
    if (this.since === null) return;
    const secs = Math.round((Date.now() - this.since) / 1000);
    this.since = null;
    this.clearTimer();
    this.out.line(null);
    this.out.done(`API server reachable again after ${secs}s`);
  }

  stop(): void {
    this.clearTimer();
    if (this.since !== null) this.out.line(null);
  }

  private text(): string {
    const t = new Date(this.since ?? Date.now());
    const hh = (n: number) => String(n).padStart(2, '0');
    return `API server unreachable since ${hh(t.getHours())}:${hh(t.getMinutes())}:${hh(t.getSeconds())}, retrying`;
  }

  private async tick(): Promise<void> {
    if (this.since === null || this.probing) return;
    this.probing = true;
    try {
      await this.client.getJson('/version', {}, { signal: AbortSignal.timeout(this.probeMs) });
      this.reached();
    } catch {
      if (this.since !== null) this.out.line(this.text());
    } finally {
      this.probing = false;
    }
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
