import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every import points down (issue 16): a module may import its own layer or a lower one, never a
// higher one, so that the library (protocol, session) can be used without the CLI, and a helper
// that two layers share lives in the lower one. Type-only and dynamic imports count too: a type
// import upward still ties the lower layer to the higher one's shape. Read with patterns, not a
// parser: TypeScript 7 has no JavaScript API, and esbuild drops type-only imports before it reports.

/** Bottom up. A new folder under src/ fails the test below until it is given its layer here. */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'protocol'],
  ['session', 'sim'],
  ['batch', 'recipe', 'proxy'],
  // The session server: it runs batch jobs, and gets the CLI's command runner injected.
  ['daemon'],
  ['cli', 'console', 'docs'],
  // The entry points: the thin client, and the library's index. Nothing imports them.
  ['client.ts', 'index.ts'],
];

const root = fileURLToPath(new URL('..', import.meta.url));

/** `src/batch/run.ts` → `batch`; `src/client.ts` → `client.ts`. */
const unitOf = (file: string) => file.split('/')[1];

function layerOf(file: string): number {
  const unit = unitOf(file);
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  if (layer < 0) throw new Error(`${file}: src/${unit} has no layer in test/layers.test.ts`);
  return layer;
}

// Comments go (one may quote an import); strings stay, as the import paths are strings.
const COMMENT_OR_STRING = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)/g;
const IMPORTS = [
  // import x from, import type {...} from, export * from, export { y } from: a statement's start to its `from`.
  /(?:^|[;}\n])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g,
  /(?:^|[;}\n])\s*import\s*(['"])([^'"]+)\1/g,
  /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
];

function importedPaths(text: string): string[] {
  const code = text.replace(COMMENT_OR_STRING, (_match, string: string | undefined) => string ?? '');
  return IMPORTS.flatMap((re) => [...code.matchAll(re)].map((m) => m[2]));
}

/** The imports of one file (`src/...`) that point at a higher layer, as `from → to`. */
function upwardImports(file: string, text: string): string[] {
  const own = layerOf(file);
  const out: string[] = [];
  for (const fileName of importedPaths(text)) {
    if (!fileName.startsWith('.')) continue; // a package or a node: module
    const target = normalize(join(dirname(file), fileName)).replace(/\\/g, '/').replace(/\.js$/, '.ts');
    if (!target.startsWith('src/')) throw new Error(`${file} imports ${fileName}, outside src/`);
    if (layerOf(target) > own) out.push(`${file} → ${target}`);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('layers', () => {
  it('no file under src/ imports from a layer above its own', () => {
    const files = sources('src');
    expect(files.length).toBeGreaterThan(50);
    const upward = files.flatMap((f) => upwardImports(f, readFileSync(join(root, f), 'utf8')));
    expect(upward).toEqual([]);
  });

  it('catches static, type-only, re-exported and dynamic imports upward, and allows downward and sideways ones', () => {
    const text = [
      "import { EXIT } from '../cli/exit.js';",
      "import type { DaemonContext } from '../daemon/context.js';",
      "export { main } from '../cli/main.js';",
      "const { run } = await import('../recipe/run.js');",
      "import { flagOf } from '../protocol/flags.js';",
      "import { LaneError } from './lane.js';",
      "import { didYouMean } from '../util/suggest.js';",
      "import JSON5 from 'json5';",
    ].join('\n');
    expect(upwardImports('src/session/x.ts', text)).toEqual([
      'src/session/x.ts → src/cli/exit.ts',
      'src/session/x.ts → src/daemon/context.ts',
      'src/session/x.ts → src/cli/main.ts',
      'src/session/x.ts → src/recipe/run.ts',
    ]);
    expect(upwardImports('src/console/ui.ts', "import { openPipe } from '../cli/session-errors.js';")).toEqual([]);
    expect(() => upwardImports('src/nowhere/x.ts', '')).toThrow(/no layer/);
  });
});
