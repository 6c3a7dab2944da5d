// Mutation testing, run on demand (`npm run mutate`), never in CI or `npm test`: it takes tens of
// minutes on a 2-core machine. It mutates the modules whose guarantees matter most and runs the
// in-process tests of vitest.mutate.config.ts against each mutant. Reports: reports/mutation/.
//
// One module or file only: npx stryker run --mutate 'src/session/session.ts'
// The wait mark's command code is outside this scope; to add it (check the line ranges first):
//   npx stryker run --mutate 'src/session/**/*.ts,src/cli/commands/session.ts:75-121,src/cli/commands/verb.ts:63-76'
// A full run takes about 45 minutes here (concurrency 1); mutants that hang a test count as Timeout (killed).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  // The vitest runner always measures coverage per test: each mutant runs only the tests that reach it.
  coverageAnalysis: 'perTest',
  // No type checker: a mutant that does not type-check is still run (and nearly always killed);
  // checking each one with tsc costs more than it saves here.
  checkers: [],
  // Stryker would rewrite tsconfig.json's paths in its sandbox through the TypeScript JS API, which
  // TypeScript 7 (the native compiler) no longer has. Ours has no extends or references to rewrite:
  // naming a file that does not exist skips that step.
  tsconfigFile: 'tsconfig.stryker-skip.json',
  mutate: [
    'src/session/**/*.ts',
    'src/batch/**/*.ts',
    'src/daemon/**/*.ts',
    'src/recipe/events.ts',
    'src/recipe/run.ts',
  ],
  // The machine has 2 cores, shared: one test runner at a time (override with --concurrency 2).
  concurrency: 1,
  // Session tests wait on real timers (KeepAlive, reconnect backoff): leave mutants room before timing out.
  timeoutMS: 10_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'html', 'json', 'progress-append-only'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // Inside reports/ (ignored by git, and never copied into a sandbox).
  tempDirName: 'reports/.stryker-tmp',
  ignorePatterns: ['/dist', '/dist.*', '/.aapi-test-*', '/bench'],
  cleanTempDir: true,
};
