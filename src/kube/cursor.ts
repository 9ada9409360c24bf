// The resume cursor of one container instance's log, and the check that a (re)connected stream serves that instance.
//
// Cursor: the second of the last line delivered, how many lines of each second from there on were delivered, and the
// stamp of the last line. The API server cuts sinceTime to whole seconds, is inclusive, and filters EVERY line by
// its stamp, so a resume asks for sinceTime=<that second> and the stream replays, in log order, every line stamped
// at or after it: the first `count[s]` lines of each second s are the ones delivered already and are skipped (what
// stern does for one second). Normally that is one second; after a container's clock stepped back, the seconds the
// clock has not caught up with yet are kept too, so lines delivered before the step are not stored twice and lines
// after it are not filtered out. Lines older than the latest second seen are counted as out of order.
//
// Verification: the replayed lines ARE the check that the stream belongs to this instance. `follow=true` always
// serves the container's CURRENT instance, whatever the (possibly lagging) pod status says; another instance's log
// does not replay the same lines with the same last stamp (RFC3339Nano). A stream that serves a line we do not owe
// before the last delivered line came round again, whose replay of that line has another stamp, or that ends
// cleanly before it, is "foreign": nothing of it is delivered.

/** Where a stream resumes: `sinceTime` is a whole second (RFC3339, UTC), `skip` the lines of it already delivered. */
export interface TailCursor {
  sinceTime: string;
  skip: number;
  /** Stamp of the last line delivered at sinceTime's second (verifies the instance on resume). */
  last?: string;
  /** Lines delivered at seconds after sinceTime (only after a clock stepped back): second (RFC3339) -> count. */
  later?: Record<string, number>;
  /** The instance was read from its first line (no --tail or --since cut it): nothing before the cursor is missing. */
  whole?: boolean;
  /** The instance was read to its end (no later run needs to read it). */
  end?: boolean;
}

/** A line is new (deliver it), seen (an earlier connection delivered it) or foreign (another instance's log). */
export type LineVerdict = 'new' | 'seen' | 'foreign';

/**
 * How far back (s) a clock may step past lines already stored and still be resumed exactly. A bigger step makes the
 * replay hold lines the cursor cannot account for: the stream is then taken for another instance and given up, loudly.
 */
const STEP_WINDOW_S = 600;

const SECOND_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** A stored stream cursor (JSON), or null when there is none or it is not one; StreamCursor checks the values. */
export function parseCursor(json: string | null | undefined): TailCursor | null {
  if (!json) return null;
  try {
    const c = JSON.parse(json) as Partial<TailCursor> | null;
    return c && typeof c.sinceTime === 'string' && typeof c.skip === 'number' ? (c as TailCursor) : null;
  } catch {
    return null;
  }
}

export class StreamCursor {
  /** Second of the last line delivered (YYYY-MM-DDTHH:MM:SS, UTC), '' before the first line. */
  private sec = '';
  private last = '';
  /** Lines delivered per second, for `sec` and the seconds after it (more than one only after a clock step). */
  private readonly counts = new Map<string, number>();
  /** Latest second delivered. */
  private max = '';
  /** Lines older than the latest second seen (a clock stepped back), delivered once. */
  outOfOrder = 0;
  /** Lines dropped on resume because an earlier connection delivered them already. */
  skipped = 0;
  /** The instance was read to its end. */
  complete = false;
  /** Read from its first line. */
  readonly whole: boolean;
  private owed: Map<string, number> | null = null;
  private expectLast = '';

  /** `fromStart`: with no stored cursor, the first request reads the instance from its first line. */
  constructor(c?: TailCursor | null, fromStart = false) {
    const valid = !!c && SECOND_RE.test(c.sinceTime) && Number.isInteger(c.skip) && c.skip >= 0;
    this.whole = valid ? c!.whole === true : fromStart;
    if (c && valid) {
      this.sec = this.max = c.sinceTime.slice(0, 19);
      this.counts.set(this.sec, c.skip);
      for (const [k, n] of Object.entries(c.later ?? {})) {
        if (!SECOND_RE.test(k) || !Number.isInteger(n) || n <= 0 || k <= `${this.sec}Z`) continue;
        this.counts.set(k.slice(0, 19), n);
        if (k.slice(0, 19) > this.max) this.max = k.slice(0, 19);
      }
      this.last = typeof c.last === 'string' ? c.last : '';
      this.complete = c.end === true;
    }
  }

  get value(): TailCursor | null {
    if (!this.sec) return null;
    const c: TailCursor = { sinceTime: `${this.sec}Z`, skip: this.counts.get(this.sec) ?? 0 };
    if (this.last) c.last = this.last;
    if (this.whole) c.whole = true;
    for (const [k, n] of this.counts) {
      // Stored: what a resume from the last line's second replays (the seconds after it, after a clock step).
      if (k > this.sec) (c.later ??= {})[`${k}Z`] = n;
    }
    if (this.complete) c.end = true;
    return c;
  }

  json(): string | null {
    const v = this.value;
    return v ? JSON.stringify(v) : null;
  }

  /**
   * Counts a resume may need: every second from the last line's on, and (in memory only) the STEP_WINDOW_S seconds
   * below the latest one, for a clock that steps back later: a resume from the stepped-back second replays them.
   */
  private forget(sec: string): void {
    const floor = new Date(Date.parse(`${this.max > sec ? this.max : sec}Z`) - STEP_WINDOW_S * 1000).toISOString().slice(0, 19);
    const keep = floor < sec ? floor : sec;
    for (const k of this.counts.keys()) if (k < keep) this.counts.delete(k);
  }

  /** Before a request: the sinceTime to ask for (null: none); opens the replay window that verifies the instance. */
  resume(): string | null {
    this.owed = null;
    if (this.sec) {
      this.owed = new Map();
      for (const [k, n] of this.counts) if (k >= this.sec) this.owed.set(k, n);
    }
    this.expectLast = this.last;
    return this.sec ? `${this.sec}Z` : null;
  }

  /** False when the stream ended before the last delivered line was replayed: it was not this instance's log. */
  replayComplete(): boolean {
    return this.owed === null;
  }

  /** One timestamped line (the stamp is everything before the first space). */
  classify(line: string): LineVerdict {
    const sp = line.indexOf(' ');
    const stamp = sp === -1 ? line : line.slice(0, sp);
    const sec = utcSecond(stamp);
    const owed = this.owed;
    if (owed !== null) {
      if (sec < this.sec) {
        this.skipped++;
        return 'seen';
      }
      const left = owed.get(sec) ?? 0;
      if (left === 0) return 'foreign';
      owed.set(sec, left - 1);
      this.skipped++;
      if (sec === this.sec && left === 1) {
        if (this.expectLast !== '' && stamp !== this.expectLast) return 'foreign';
        this.owed = null;
      }
      return 'seen';
    }
    if (sec < this.max) this.outOfOrder++;
    else this.max = sec;
    if (sec > this.sec && this.counts.size > 0) this.forget(sec);
    this.sec = sec;
    this.last = stamp;
    this.counts.set(sec, (this.counts.get(sec) ?? 0) + 1);
    return 'new';
  }
}

/** The whole UTC second of an RFC3339 stamp; fast path for the `Z` stamps kubelet writes. */
function utcSecond(stamp: string): string {
  if (stamp.charCodeAt(stamp.length - 1) === 90 /* Z */ && stamp.length >= 20) {
    const c = stamp.charCodeAt(19);
    if (c === 46 /* . */ || c === 90) return stamp.slice(0, 19);
  }
  const ms = Date.parse(stamp);
  return Number.isNaN(ms) ? stamp.slice(0, 19) : new Date(ms).toISOString().slice(0, 19);
}
