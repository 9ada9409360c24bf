// `report --every`: runs a job on an interval (`1h`, `15m`) or a cron expression (`0 6 * * *`) until its signal aborts
// (SIGINT or SIGTERM: src/shutdown.ts). Scheduling is croner's: cron expressions and intervals in-process, without a daemon, and croner has
// zero dependencies. A run in progress always finishes (reports are synchronous), then the process exits cleanly.
import { Cron } from 'croner';
import { UserError } from '../errors.js';
import { parseDuration } from '../time.js';

export interface Schedule {
  /** Human description ("every 1h", "cron 0 6 * * *"). */
  describe: string;
  /** Starts the job; resolves once `signal` aborts and the schedule has stopped. */
  run(job: () => void, signal: AbortSignal): Promise<void>;
}

const LOOKS_LIKE_DURATION = /^\d/;

/** Validates --every: a duration of at least 1s, or a 5/6-field cron expression. */
export function parseSchedule(spec: string): Schedule {
  const s = spec.trim();
  let make: (job: () => void) => Cron;
  let describe: string;
  if (LOOKS_LIKE_DURATION.test(s) && !s.includes(' ')) {
    const ms = parseDuration(s, '--every');
    if (ms < 1000) throw new UserError(`--every ${s} is shorter than a second`, '--every 1h, --every 15m or a cron expression');
    // Every second is eligible; `interval` spaces runs by the duration, the first run comes at once.
    make = (job) => new Cron('* * * * * *', { interval: Math.round(ms / 1000), protect: true }, job);
    describe = `every ${s}`;
  } else {
    try {
      new Cron(s, { paused: true }).stop();
    } catch (err) {
      throw new UserError(`--every "${spec}" is neither a duration nor a cron expression (${(err as Error).message})`, `--every 1h or --every '0 6 * * *'`);
    }
    make = (job) => new Cron(s, { protect: true }, job);
    describe = `cron ${s}`;
  }
  return {
    describe,
    run: (job, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const cron = make(job);
        signal.addEventListener(
          'abort',
          () => {
            cron.stop();
            resolve();
          },
          { once: true },
        );
      }),
  };
}
