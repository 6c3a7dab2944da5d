import { Json5Error, parseJson5 } from '../util/json5.js';

// A recipe's text, its parsed value, and where in the text each key and value stands, so that every
// error can name file:line:column.

export interface Position {
  line: number;
  column: number;
  /** Length of the value's text on its first line, for the carets under it. */
  length: number;
}

/** Something found in a recipe, where it stands. */
export interface Finding {
  file: string;
  position: Position;
  reason: string;
}

/** `file:line:column`: how every error and report names a place in a recipe. */
export const placeOf = (file: string, position: Position) => `${file}:${position.line}:${position.column}`;

export class RecipeSyntaxError extends Error implements Finding {
  constructor(readonly file: string, readonly position: Position, readonly reason: string) {
    super(`${placeOf(file, position)}: ${reason}`);
  }
}

export class Source {
  /** Positions of values by path (`steps.3.with.outcome`), and of keys by path with a `#key` suffix. */
  private readonly positions = new Map<string, Position>();
  readonly lines: string[];
  readonly value: unknown;

  constructor(readonly file: string, readonly text: string) {
    this.lines = text.split(/\r?\n/);
    try {
      this.value = parseJson5(text);
    } catch (err) {
      if (!(err instanceof Json5Error)) throw err;
      throw new RecipeSyntaxError(file, { line: err.line, column: err.column, length: 1 }, err.reason);
    }
    new Scanner(text, this.positions).scanDocument();
  }

  /** Where the value at `path` stands (or the nearest enclosing value that has a position). */
  at(path: (string | number)[], key = false): Position {
    for (let n = path.length; n >= 0; n--) {
      const p = this.positions.get(path.slice(0, n).join('.') + (key && n === path.length ? '#key' : ''));
      if (p) return p;
    }
    return { line: 1, column: 1, length: 1 };
  }
}

/** Walks valid JSON5 (parseJson5 has already accepted it, so it nests at most MAX_DEPTH deep) recording where each value begins. */
class Scanner {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(private readonly s: string, private readonly out: Map<string, Position>) {}

  scanDocument(): void {
    this.skip();
    this.value([]);
  }

  private here(length = 1): Position {
    return { line: this.line, column: this.col, length };
  }

  private advance(n = 1): void {
    for (let k = 0; k < n; k++) {
      if (this.s[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  /** Skips white space and comments. */
  private skip(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) return;
      if (/\s|\uFEFF/.test(c)) this.advance();
      else if (this.s.startsWith('//', this.i)) while (this.i < this.s.length && this.s[this.i] !== '\n') this.advance();
      else if (this.s.startsWith('/*', this.i)) {
        const end = this.s.indexOf('*/', this.i + 2);
        this.advance((end < 0 ? this.s.length : end + 2) - this.i);
      } else return;
    }
  }

  private value(path: string[]): void {
    const start = this.here();
    const begin = this.i;
    const c = this.s[this.i];
    if (c === '{') this.object(path);
    else if (c === '[') this.array(path);
    else if (c === '"' || c === "'") this.string();
    else while (this.i < this.s.length && !/[\s,\]}/]/.test(this.s[this.i])) this.advance();
    const firstLine = this.s.slice(begin, this.i).split('\n')[0];
    this.out.set(path.join('.'), { ...start, length: Math.max(1, firstLine.length) });
  }

  private string(): string {
    const quote = this.s[this.i];
    this.advance();
    let text = '';
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      if (this.s[this.i] === '\\') {
        text += this.s[this.i + 1];
        this.advance(2);
      } else {
        text += this.s[this.i];
        this.advance();
      }
    }
    this.advance();
    return text;
  }

  private key(): string {
    const c = this.s[this.i];
    if (c === '"' || c === "'") return this.string();
    const begin = this.i;
    while (this.i < this.s.length && !/[\s:]/.test(this.s[this.i])) this.advance();
    return this.s.slice(begin, this.i);
  }

  private object(path: string[]): void {
    this.advance(); // {
    this.skip();
    while (this.s[this.i] !== '}') {
      const at = this.here();
      const begin = this.i;
      const k = this.key();
      this.out.set([...path, k].join('.') + '#key', { ...at, length: this.i - begin });
      this.skip();
      this.advance(); // :
      this.skip();
      this.value([...path, k]);
      this.skip();
      if (this.s[this.i] === ',') this.advance();
      this.skip();
    }
    this.advance(); // }
  }

  private array(path: string[]): void {
    this.advance(); // [
    this.skip();
    let n = 0;
    while (this.s[this.i] !== ']') {
      this.value([...path, String(n++)]);
      this.skip();
      if (this.s[this.i] === ',') this.advance();
      this.skip();
    }
    this.advance(); // ]
  }
}
