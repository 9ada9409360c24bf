// The resume cursor of one container instance's log, and the check that a (re)connected stream serves that instance.
//
// Cursor: the LATEST whole second seen, how many lines of that second were delivered, and the stamp of the last of
// them. It never moves back: a line older than it (the container's clock stepped back) is delivered once and counted
// as out of order. The API server cuts sinceTime to whole seconds and is inclusive, so a resume asks for
// sinceTime=<that second> and the stream replays that second: its first `count` lines are skipped (what stern does).
//
// Verification: the replayed lines ARE the check that the stream belongs to this instance. `follow=true` always
// serves the container's CURRENT instance, whatever the (possibly lagging) pod status says; another instance's log
// does not hold the same `count` lines with the same last stamp (RFC3339Nano) at that second. A stream that serves a
// later second while lines of the cursor second are still owed, whose count-th replayed line has another stamp, or
// that ends cleanly before the replay is complete is "foreign": nothing of it is delivered.

/** Where a stream resumes: `sinceTime` is a whole second (RFC3339, UTC), `skip` the lines of it already delivered. */
export interface TailCursor {
  sinceTime: string;
  skip: number;
  /** Stamp of the last line delivered at sinceTime's second (verifies the instance on resume). */
  last?: string;
  /** The instance was read to its end (no later run needs to read it). */
  end?: boolean;
}

/** A line is new (deliver it), seen (an earlier connection delivered it) or foreign (another instance's log). */
export type LineVerdict = 'new' | 'seen' | 'foreign';

const SECOND_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export class StreamCursor {
  /** Latest whole second seen (YYYY-MM-DDTHH:MM:SS, UTC), '' before the first line. */
  private sec = '';
  private count = 0;
  private last = '';
  /** Lines older than the cursor (a clock stepped back), delivered once. */
  outOfOrder = 0;
  /** Lines dropped on resume because an earlier connection delivered them already. */
  skipped = 0;
  /** The instance was read to its end. */
  complete = false;
  private resumeSec = '';
  private skipLeft = 0;
  private expectLast = '';

  constructor(c?: TailCursor | null) {
    if (c && SECOND_RE.test(c.sinceTime) && Number.isInteger(c.skip) && c.skip >= 0) {
      this.sec = c.sinceTime.slice(0, 19);
      this.count = c.skip;
      this.last = typeof c.last === 'string' ? c.last : '';
      this.complete = c.end === true;
    }
  }

  /** True before the first line (nothing to resume from, nothing to verify against). */
  get empty(): boolean {
    return this.sec === '';
  }

  get value(): TailCursor | null {
    if (!this.sec) return null;
    const c: TailCursor = { sinceTime: `${this.sec}Z`, skip: this.count };
    if (this.last) c.last = this.last;
    if (this.complete) c.end = true;
    return c;
  }

  json(): string | null {
    const v = this.value;
    return v ? JSON.stringify(v) : null;
  }

  /** Before a request: the sinceTime to ask for (null: none); opens the replay window that verifies the instance. */
  resume(): string | null {
    this.resumeSec = this.sec;
    this.skipLeft = this.sec ? this.count : 0;
    this.expectLast = this.last;
    return this.sec ? `${this.sec}Z` : null;
  }

  /** False when the stream ended while lines of the cursor second were still owed: it was not this instance's log. */
  replayComplete(): boolean {
    return this.skipLeft === 0;
  }

  /** One timestamped line (the stamp is everything before the first space). */
  classify(line: string): LineVerdict {
    const sp = line.indexOf(' ');
    const stamp = sp === -1 ? line : line.slice(0, sp);
    const sec = utcSecond(stamp);
    if (this.resumeSec !== '') {
      if (sec < this.resumeSec) {
        this.skipped++;
        return 'seen';
      }
      if (sec === this.resumeSec && this.skipLeft > 0) {
        this.skipLeft--;
        this.skipped++;
        if (this.skipLeft === 0) {
          if (this.expectLast !== '' && stamp !== this.expectLast) return 'foreign';
          this.resumeSec = '';
        }
        return 'seen';
      }
      if (this.skipLeft > 0) return 'foreign';
      this.resumeSec = '';
    }
    if (sec > this.sec) {
      this.sec = sec;
      this.count = 1;
      this.last = stamp;
    } else if (sec === this.sec) {
      this.count++;
      this.last = stamp;
    } else {
      this.outOfOrder++;
    }
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
