// Tests that need something npm cannot install (wine, zsh, osslsigncode, the vendor's spec) are
// skipped where it is missing, visibly, so that a fresh clone's `npm test` passes; but never in CI,
// where .ci/run installs them and a skip would hide a test that no longer runs anywhere.

/** True when the tests needing `what` must be skipped here; throws under CI, where nothing may be skipped. */
export function missing(what: string, found: unknown, howToGet: string): boolean {
  if (found) return false;
  if (process.env.CI) throw new Error(`${what} is missing, and CI runs every test: ${howToGet}`);
  console.warn(`skipped: the tests that need ${what} (${howToGet})`);
  return true;
}
