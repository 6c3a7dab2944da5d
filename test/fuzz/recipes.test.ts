import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecipe } from '../../src/recipe/check.js';
import { mutate, mutateValues } from './gen.js';
import { inProcess, type InProcess } from './inprocess.js';
import { badEnding, replay, Rng, SEED } from './rng.js';

// The shipped recipes with random edits (bytes and tokens), each checked, and some run against an
// embedded simulator: every one ends with 0, 1 or 2 (3 or 4 if it cannot reach its server or waits
// too long), never a stack trace. Replay a failure with the FUZZ_SEED it prints.

const RECIPES = fileURLToPath(new URL('../../recipes/', import.meta.url));

let w: InProcess;
let dir: string;
let shipped: { name: string; text: string }[];
beforeAll(async () => {
  w = await inProcess('recipes');
  dir = join(w.home, 'recipes');
  mkdirSync(dir);
  // Beside their data, as shipped: a forEach names its file relative to the recipe.
  cpSync(join(RECIPES, 'data'), join(dir, 'data'), { recursive: true });
  shipped = readdirSync(RECIPES).filter((f) => f.endsWith('.json5')).sort().map((name) => ({ name, text: readFileSync(join(RECIPES, name), 'utf8') }));
}, 30_000);
afterAll(() => w?.close(), 30_000);

/** Every wait made short, so that a run of a mutant fails in moments rather than in the recipe's own 10 or 30 s. */
const hurried = (text: string) =>
  text
    .replace(/,\s*within:\s*("[^"]*"|\d+)/g, '')
    .replace(/(expect(?:No)?Event:\s*"[^"]*")/g, '$1, within: "150ms"')
    .replace(/sleep:\s*"[^"]*"/g, 'sleep: "20ms"');

function checks(file: string, text: string): boolean {
  try {
    checkRecipe(file, text);
    return true;
  } catch {
    return false;
  }
}

describe('fuzz', () => {
  it('mutated shipped recipes: checked (aapi run --check), and some run with --sim', async () => {
    expect(shipped.length).toBeGreaterThan(5);
    const rng = new Rng(SEED ^ 0x7ec1be);
    const failures: string[] = [];
    const CHECKED = 300;
    const RUN = 10;
    for (let i = 0; i < CHECKED + RUN && failures.length < 5; i++) {
      const run = i >= CHECKED;
      const base = rng.pick(shipped);
      const file = join(dir, `mutant-${i}-${base.name}`);
      // A run is worth its time only for a recipe that passes the check: its values are swapped until one does.
      let text = rng.chance(0.3) ? mutateValues(rng, base.text, 1 + rng.int(6)) : mutate(rng, base.text, 1 + rng.int(6));
      for (let tries = 0; run && tries < 50; tries++) {
        text = hurried(mutateValues(rng, base.text, 1 + rng.int(3)));
        if (checks(file, text)) break;
      }
      writeFileSync(file, text);
      const argv = run ? ['run', '--sim', file, ...(rng.chance(0.5) ? ['--reporter', rng.pick(['json', 'junit', 'tap'])] : [])] : ['run', '--check', file];
      const r = await w.run(argv);
      const why = badEnding(r.code, r.out);
      if (why) failures.push(replay('recipes', i, { argv, text }, why, r.out));
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 120_000);
});
