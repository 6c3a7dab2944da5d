// string-width (under yargs' cliui, wrap-ansi and ora) makes an Intl.Segmenter as it is loaded: about 8 ms
// of every start of the CLI, for widths that only help text needs. This esbuild plugin makes it on first use.
// Should string-width change the line, it is left as it is (slower, not broken); test/build.test.ts notices.
import { readFile } from 'node:fs/promises';

const EAGER = 'const segmenter = new Intl.Segmenter();';
const LAZY = 'let madeSegmenter; const segmenter = { segment: (text) => (madeSegmenter ??= new Intl.Segmenter()).segment(text) };';

export const lazySegmenter = {
  name: 'lazy-segmenter',
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replace(EAGER, LAZY),
      loader: 'js',
    }));
  },
};
