// Gate for tests that need something from the machine (a binary, a kernel feature): on a laptop a missing
// prerequisite skips the tests with the reason; under CI=true it is an error, so CI never silently skips.

/** Returns whether to run. Missing and CI=true: throws (the test file fails). Missing elsewhere: warns, false. */
export function requirePrereq(name: string, ok: boolean, why: string): boolean {
  if (ok) return true;
  const msg = `prerequisite missing: ${name} (${why})`;
  if (process.env.CI === 'true') throw new Error(`${msg}; CI must provide it`);
  console.warn(`skipping tests that need ${name}: ${why}`);
  return false;
}
