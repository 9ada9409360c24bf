// Which lines of a container instance's log are already stored, when the user's --since, --since-time or --tail
// (not the stored cursor) decides where its stream starts: like kubectl, what is printed follows the flag, but a line
// at or before the instance's committed cursor is shown, never stored again.
//
// The committed cursor is a whole second S and k, the lines of S stored. A line of an earlier second is stored; of a
// later one, new; of S, stored when it is one of the first k lines of S in the log. A stream that starts at a whole
// second (the cursor, --since) sees S from its first line. A --tail stream may start inside S: a count of S's lines
// and of the lines after it, read first (sinceTime=S, no follow), says how many lines of S come before the tail.
import type { KubeClient } from './http.js';

/** A stream cursor as stored (tail.ts's TailCursor has these fields): a whole second and the lines of it delivered. */
export interface TailCursor {
  sinceTime: string;
  skip: number;
}

/** The UTC second of a log line's timestamp prefix (YYYY-MM-DDTHH:MM:SS), or '' without one. */
export function lineSecond(line: string): string {
  const sp = line.indexOf(' ');
  const stamp = sp === -1 ? line : line.slice(0, sp);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(stamp)) return stamp.slice(0, 19);
  const ms = Date.parse(stamp);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 19);
}

/** The later of two cursors (a stream that starts before its committed cursor never moves the stored one back). */
export function laterCursor(a: TailCursor | null, b: TailCursor | null): TailCursor | null {
  if (!a) return b;
  if (!b) return a;
  if (a.sinceTime !== b.sinceTime) return a.sinceTime > b.sinceTime ? a : b;
  return a.skip >= b.skip ? a : b;
}

export class CommittedFilter {
  private readonly sec: string;
  private readonly k: number;
  /** Lines of S before the first line of S this stream delivers (a --tail that starts inside S). */
  private offset = 0;
  private index = -1;

  constructor(cursor: TailCursor, private readonly tailLines?: number) {
    this.sec = cursor.sinceTime.slice(0, 19);
    this.k = cursor.skip;
  }

  /** For a --tail start: counts S's lines and those after it (no follow), so a tail that starts inside S is placed. */
  async prepare(client: KubeClient, path: string, container: string, signal?: AbortSignal): Promise<void> {
    if (this.tailLines === undefined || this.k === 0) return;
    const n = this.tailLines;
    let inS = 0;
    let after = 0;
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      const res = await client.get(path, { container, timestamps: true, sinceTime: `${this.sec}Z` }, { signal: ac.signal });
      let rest = '';
      await new Promise<void>((resolve) => {
        res.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString('utf8')).split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) {
            const s = lineSecond(l);
            if (s === this.sec) inS++;
            else if (s > this.sec) after++;
          }
          if (after >= n) {
            res.destroy();
            resolve();
          }
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
        res.on('error', () => resolve());
      });
      if (rest && lineSecond(rest) === this.sec) inS++;
    } catch {
      // Unreadable: a tail that starts inside S then counts from S's first line (its older lines are shown as stored).
      return;
    } finally {
      ac.abort();
    }
    this.offset = after >= n ? 0 : Math.max(0, inS - (n - after));
  }

  /** True when the line (timestamp prefix included) is already stored; call once per delivered line, in order. */
  stored(line: string): boolean {
    const s = lineSecond(line);
    if (s === '' || s > this.sec) return false;
    if (s < this.sec) {
      if (this.index === -1) this.index = 0; // S will be seen from its first line
      return true;
    }
    if (this.index === -1) this.index = this.offset;
    return this.index++ < this.k;
  }
}
