import JSON5 from 'json5';

/**
 * How deeply the JSON5 a user gives (a recipe, `aapi send`, `--data`) and the JSON lines of a batch
 * or a recipe's rows may nest. Everything that walks a value (the recipe's position scanner,
 * interpolation, JSON.stringify when it is sent) recurses, and thousands of levels overflow the
 * stack; no AAPI message nests more than a few.
 */
export const MAX_DEPTH = 64;

export class Json5Error extends Error {
  constructor(readonly line: number, readonly column: number, readonly reason: string) {
    super(`${reason} at ${line}:${column}`);
  }
}

/**
 * Where the first `{` or `[` nested deeper than MAX_DEPTH stands (outside strings and comments), or
 * undefined. Lines and columns are counted as src/recipe/source.ts counts them.
 */
export function tooDeep(text: string): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return { line, column: i - lineStart + 1 };
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x22 || c === 0x27) {
      // A string: to its closing quote, past escapes (a backslash before a newline continues the line).
      for (i++; i < text.length && text.charCodeAt(i) !== c; i++) {
        if (text.charCodeAt(i) === 0x5c) i++;
        if (text.charCodeAt(i) === 10) {
          line++;
          lineStart = i + 1;
        }
      }
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (i += 2; i < stop; i++) {
        if (text.charCodeAt(i) === 10) {
          line++;
          lineStart = i + 1;
        }
      }
      i--;
    }
  }
  return undefined;
}

/** JSON5.parse, nesting at most MAX_DEPTH deep; throws Json5Error naming line and column. */
export function parseJson5(text: string): unknown {
  const deep = tooDeep(text);
  if (deep) throw new Json5Error(deep.line, deep.column, `nested more than ${MAX_DEPTH} levels deep`);
  try {
    return JSON5.parse(text);
  } catch (err) {
    const e = err as { lineNumber?: number; columnNumber?: number; message: string };
    let line = e.lineNumber ?? 1;
    let column = e.columnNumber ?? 1;
    // A line break inside a string is reported at column 0 of the next line: it ends the line before.
    if (column < 1 && line > 1) {
      line--;
      column = text.split('\n')[line - 1].length + 1;
    }
    throw new Json5Error(line, Math.max(1, column), e.message.replace(/^JSON5: /, '').replace(/ at \d+:\d+$/, ''));
  }
}
