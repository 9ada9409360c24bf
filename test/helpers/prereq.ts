// Gate for tests that need something from the machine (root, a binary, a kernel feature): on a laptop a missing
// prerequisite skips the tests with the reason; under CI=true it is a failure, so CI never silently skips.
import { it } from 'vitest';

const inCI = () => process.env.CI === 'true';

/** One prerequisite. Returns whether to run. Missing and CI=true: throws (the test file fails). Elsewhere: warns. */
export function requirePrereq(name: string, ok: boolean, why: string): boolean {
  if (ok) return true;
  const msg = `prerequisite missing: ${name} (${why})`;
  if (inCI()) throw new Error(`${msg}; CI must provide it`);
  console.warn(`skipping tests that need ${name}: ${why}`);
  return false;
}

export interface Gate {
  skip: boolean;
  reason: string;
}

/**
 * Several prerequisites, reported as a test of their own: it fails under CI=true and is skipped (with the reason)
 * elsewhere when `missing` is not empty. Use `gate.skip` with describe.skipIf for the tests that need them.
 */
export function prereqGate(what: string, missing: string[]): Gate {
  const reason = missing.length ? `${what} needs ${missing.join(', ')}` : '';
  it(`has what ${what} needs (required when CI=true)`, (ctx) => {
    if (!missing.length) return;
    if (inCI()) throw new Error(`${reason}: CI must provide it`);
    ctx.skip(reason);
  });
  if (missing.length && !inCI()) console.warn(`skipping: ${reason}`);
  return { skip: missing.length > 0, reason };
}
