// Gate for tests that need machine prerequisites: on a laptop without them the tests skip with the reason;
// under CI=true a missing prerequisite is a failure, so CI can never silently skip the lab.
import { it } from 'vitest';

export interface Gate {
  skip: boolean;
  reason: string;
}

/** Registers a test that fails in CI (and skips elsewhere, with the reason) when `missing` is not empty. */
export function requirePrereq(what: string, missing: string[]): Gate {
  const reason = missing.length ? `${what} needs ${missing.join(', ')}` : '';
  it(`has what ${what} needs (required when CI=true)`, (ctx) => {
    if (!missing.length) return;
    if (process.env.CI === 'true') throw new Error(`${reason}: CI must provide it`);
    ctx.skip(reason);
  });
  if (missing.length && process.env.CI !== 'true') console.warn(`skipping: ${reason}`);
  return { skip: missing.length > 0, reason };
}
