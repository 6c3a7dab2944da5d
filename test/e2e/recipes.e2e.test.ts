import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAapi, spawnSim, type Run } from '../helpers/spawn.js';

// Every shipped recipe, run by the real binary against its own embedded simulator
// (`aapi run --sim FILE --reporter json`), and again against its own `aapi sim --string-ids`, which
// writes RID and SID as strings as the real dialler does (ERRATA 7): it must exit 0 with every step passed.

const RECIPES_DIR = fileURLToPath(new URL('../../recipes/', import.meta.url));
const RECIPES = readdirSync(RECIPES_DIR).filter((f) => f.endsWith('.json5')).sort();
/** A recipe takes a few seconds; this bounds one on a loaded machine (the process is killed after it). */
const RECIPE_MS = 60_000;
/** Recipes run at most this many at a time. */
const PARALLEL = 2;

let home: string;
const env = () => ({ AAPI_HOME: home, NO_COLOR: '1', AAPI_PASSWORD: '', AAPI_SERVER: '' });

/** Runs `task`s at most `n` at a time, in the order they were queued. */
function limiter(n: number) {
  let running = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (running >= n || queue.length === 0) return;
    running++;
    queue.shift()!();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        task().then(resolve, reject).finally(() => {
          running--;
          next();
        });
      });
      next();
    });
}

interface StepReport {
  title: string;
  status: 'passed' | 'failed' | 'skipped';
  at: string;
  message?: string;
  expected?: unknown;
  actual?: unknown;
}
interface Report {
  passed: boolean;
  recipes: { file: string; passed: boolean; error?: string; steps: StepReport[] }[];
}

/** What to show when a recipe did not pass: the failing steps, or the raw output when it was not a report. */
function explain(run: Run, report: Report | undefined): string {
  if (!report) return `exit ${run.code}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
  const lines = [`exit ${run.code}`];
  for (const r of report.recipes) {
    if (r.error) lines.push(`${r.file}: ${r.error}`);
    for (const s of r.steps.filter((x) => x.status !== 'passed').slice(0, 3)) {
      lines.push(`${s.at} ${s.title}: ${s.status}${s.message ? ` - ${s.message}` : ''}`);
      if (s.expected !== undefined) lines.push(`  expected: ${JSON.stringify(s.expected)}`);
      if (s.actual !== undefined) lines.push(`  actual:   ${JSON.stringify(s.actual).slice(0, 1000)}`);
    }
  }
  if (run.stderr) lines.push(`stderr: ${run.stderr.slice(0, 2000)}`);
  return lines.join('\n');
}

/** How each recipe is run: against the embedded simulator, and against an `aapi sim` with these flags. */
const MODES: { name: string; sim: string[] | null }[] = [
  { name: 'with --sim', sim: null },
  { name: 'against aapi sim --string-ids', sim: ['--string-ids'] },
];

async function runRecipe(file: string, sim: string[] | null): Promise<Run> {
  const path = join(RECIPES_DIR, file);
  if (!sim) return runAapi(['run', '--sim', path, '--reporter', 'json'], { env: env(), ms: RECIPE_MS });
  const server = await spawnSim(sim);
  try {
    return await runAapi(['run', path, '--server', server.url, '--control', server.controlUrl, '--reporter', 'json'], { env: env(), ms: RECIPE_MS });
  } finally {
    await server.stop();
  }
}

// Started together in beforeAll, two at a time, in the order of the tests below: when a test
// begins, every recipe before it has finished, so its own is already running and the test waits
// at most RECIPE_MS for it.
const runs = new Map<string, Promise<Run>>();

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'aapi-recipes-e2e-'));
  const limit = limiter(PARALLEL);
  for (const mode of MODES) {
    for (const file of RECIPES) {
      const run = limit(() => runRecipe(file, mode.sim));
      run.catch(() => {}); // reported by its own test
      runs.set(`${mode.name} ${file}`, run);
    }
  }
});

afterAll(async () => {
  await Promise.allSettled(runs.values());
  rmSync(home, { recursive: true, force: true });
}, RECIPE_MS * 2);

describe('shipped recipes', () => {
  it('include the standard cycle, and each is listed in recipes/README.md', () => {
    expect(RECIPES).toContain('standard-cycle.json5');
    expect(RECIPES.length).toBeGreaterThanOrEqual(14);
    const readme = readFileSync(join(RECIPES_DIR, 'README.md'), 'utf8');
    for (const file of RECIPES) expect(readme, `recipes/README.md does not mention ${file}`).toContain(`(${file})`);
  });

  it('all pass `aapi run --check`', async () => {
    const run = await runAapi(['run', '--check', ...RECIPES.map((f) => join(RECIPES_DIR, f))], { env: env(), ms: RECIPE_MS });
    expect(run.code, run.stderr).toBe(0);
  }, RECIPE_MS + 5_000);
});

describe.each(MODES)('shipped recipes $name', (mode) => {
  for (const file of RECIPES) {
    it(`${file} passes`, async () => {
      const run = await runs.get(`${mode.name} ${file}`)!;
      let report: Report | undefined;
      try {
        report = JSON.parse(run.stdout) as Report;
      } catch {
        report = undefined;
      }
      const why = explain(run, report);
      expect(run.code, why).toBe(0);
      expect(report?.passed, why).toBe(true);
      expect(report!.recipes, why).toHaveLength(1);
      const [recipe] = report!.recipes;
      expect(recipe.error, why).toBeUndefined();
      expect(recipe.steps.length, why).toBeGreaterThan(0);
      expect(recipe.steps.filter((s) => s.status !== 'passed').map((s) => `${s.at} ${s.title}`), why).toEqual([]);
    }, RECIPE_MS + 10_000);
  }
});
