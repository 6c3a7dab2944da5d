import { defineConfig } from 'vitest/config';

// The tests that mutation testing (`npm run mutate`, stryker.config.mjs) runs against mutated src.
// Only tests that import src in-process can kill a mutant: the e2e tests (and the others that spawn
// the bundled dist/ binary, such as the recipe golden files and run.e2e) run code that Stryker does
// not rebuild, so they are left out here. Not used by `npm test`.
export default defineConfig({
  test: {
    include: [
      'test/session/**/*.test.ts',
      'test/batch/**/*.test.ts',
      'test/daemon/**/*.test.ts',
      'test/recipe/**/*.test.ts',
      // mask() (src/session/mask.ts) is shown through these too.
      'test/console/**/*.test.ts',
      // The wait mark, over the event log (src/session/event-log.ts), in-process.
      'test/cli/wait-mark.test.ts',
    ],
    exclude: ['test/e2e/**', '**/*.e2e.test.ts', 'test/recipe/golden.test.ts', '**/node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
