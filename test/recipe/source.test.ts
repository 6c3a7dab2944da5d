import { describe, expect, it } from 'vitest';
import { RecipeSyntaxError, Source } from '../../src/recipe/source.js';

// Where each key and value stands in a recipe's text: every error names file:line:column from these.

/** The text at a position, as far as its length goes on that line. */
const textAt = (src: Source, path: (string | number)[], key = false) => {
  const p = src.at(path, key);
  return src.lines[p.line - 1].slice(p.column - 1, p.column - 1 + p.length);
};

describe('Source limits', () => {
  it('refuses a recipe nested more than 64 levels deep at the bracket that goes beyond, before anything walks it (20,000 levels overflowed the stack)', () => {
    const deep = `{\n  steps: [],\n  vars: { a: ${'['.repeat(20_000)}${']'.repeat(20_000)} },\n}`;
    let err: unknown;
    try {
      new Source('deep.json5', deep);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecipeSyntaxError);
    // { is level 1, vars' { level 2: the 63rd [ is level 65.
    expect(err).toMatchObject({ position: { line: 3, column: 14 + 62 }, reason: 'nested more than 64 levels deep', message: 'deep.json5:3:76: nested more than 64 levels deep' });
    expect(() => new Source('ok.json5', `{ steps: [], vars: { a: ${'['.repeat(62)}${']'.repeat(62)} } }`)).not.toThrow();
  });
});

describe('Source positions', () => {
  it('records keys and values of a flat object, 1-based', () => {
    const src = new Source('r.json5', '{ name: "x", n: 12 }');
    expect(src.at(['name'], true)).toEqual({ line: 1, column: 3, length: 4 });
    expect(src.at(['name'])).toEqual({ line: 1, column: 9, length: 3 });
    expect(src.at(['n'], true)).toEqual({ line: 1, column: 14, length: 1 });
    expect(src.at(['n'])).toEqual({ line: 1, column: 17, length: 2 });
    expect(src.at([])).toEqual({ line: 1, column: 1, length: 20 });
  });

  it('records nested objects and arrays, by index, across lines', () => {
    const text = [
      '{',
      '  steps: [',
      '    { send: "Connect", with: { tenant: "demo", campaign: "outbound" } },',
      '    {',
      '      expectEvent: "NowInCall",',
      '      where: { data: { URN: 42 } },',
      '    },',
      '  ],',
      '}',
    ].join('\n');
    const src = new Source('r.json5', text);
    expect(src.at(['steps', 0])).toMatchObject({ line: 3, column: 5 });
    expect(textAt(src, ['steps', 0, 'send'])).toBe('"Connect"');
    expect(src.at(['steps', 0, 'with', 'campaign'], true)).toMatchObject({ line: 3, column: 48 });
    expect(textAt(src, ['steps', 0, 'with', 'campaign'])).toBe('"outbound"');
    expect(src.at(['steps', 1])).toMatchObject({ line: 4, column: 5, length: 1 });
    expect(src.at(['steps', 1, 'expectEvent'], true)).toMatchObject({ line: 5, column: 7, length: 11 });
    expect(src.at(['steps', 1, 'where', 'data', 'URN'])).toEqual({ line: 6, column: 29, length: 2 });
    expect(textAt(src, ['steps', 1, 'where', 'data', 'URN'], true)).toBe('URN');
  });

  it('records the elements of arrays of scalars', () => {
    const src = new Source('r.json5', '{ a: [1, "two", [3, 4], { b: true }] }');
    expect(textAt(src, ['a', 0])).toBe('1');
    expect(textAt(src, ['a', 1])).toBe('"two"');
    expect(textAt(src, ['a', 2, 1])).toBe('4');
    expect(textAt(src, ['a', 3, 'b'])).toBe('true');
    expect(textAt(src, ['a', 3, 'b'], true)).toBe('b');
  });

  it('skips line and block comments, including ones holding brackets and quotes', () => {
    const text = [
      '// a recipe { "not": "this" }',
      '{',
      '  /* a block',
      '     comment, with ] and } and "quotes" */ name: /* here too */ "x", // trailing',
      '  steps: [ // first',
      '    1, /* 2, */ 3,',
      '  ],',
      '}',
    ].join('\n');
    const src = new Source('r.json5', text);
    expect(src.at(['name'], true)).toMatchObject({ line: 4, column: 44 });
    expect(textAt(src, ['name'])).toBe('"x"');
    expect(src.at(['steps', 0])).toMatchObject({ line: 6, column: 5 });
    expect(src.at(['steps', 1])).toMatchObject({ line: 6, column: 17 });
    expect(textAt(src, ['steps', 1])).toBe('3');
  });

  it('reads single-quoted, double-quoted and unquoted keys and strings holding the other quote or an escape', () => {
    const text = `{ 'single': 'it\\'s', "double": "say \\"hi\\"", bare: 'a "q" b', next: 1 }`;
    const src = new Source('r.json5', text);
    expect(src.value).toEqual({ single: "it's", double: 'say "hi"', bare: 'a "q" b', next: 1 });
    expect(textAt(src, ['single'], true)).toBe("'single'");
    expect(textAt(src, ['single'])).toBe("'it\\'s'");
    expect(textAt(src, ['double'], true)).toBe('"double"');
    expect(textAt(src, ['double'])).toBe('"say \\"hi\\""');
    expect(textAt(src, ['bare'])).toBe(`'a "q" b'`);
    expect(textAt(src, ['next'], true)).toBe('next');
  });

  it('measures a multi-line string on its first line and keeps counting lines after it', () => {
    const text = ['{', '  note: "first \\', 'second",', '  after: 2,', '}'].join('\n');
    const src = new Source('r.json5', text);
    expect(src.value).toEqual({ note: 'first second', after: 2 });
    expect(src.at(['note'])).toEqual({ line: 2, column: 9, length: 8 });
    expect(src.at(['after'], true)).toEqual({ line: 4, column: 3, length: 5 });
    expect(src.at(['after'])).toEqual({ line: 4, column: 10, length: 1 });
  });

  it('measures a multi-line object on its first line', () => {
    const src = new Source('r.json5', '{ with: { a: 1,\n  b: 2 } }');
    expect(src.at(['with'])).toEqual({ line: 1, column: 9, length: 7 });
    expect(src.at(['with', 'b'])).toEqual({ line: 2, column: 6, length: 1 });
  });

  it('handles CRLF line ends, a BOM, and trailing commas', () => {
    const src = new Source('r.json5', '\uFEFF{\r\n  a: [1,],\r\n  b: "x",\r\n}\r\n');
    expect(src.value).toEqual({ a: [1], b: 'x' });
    expect(src.lines[2]).toBe('  b: "x",');
    expect(src.at(['b'])).toEqual({ line: 3, column: 6, length: 3 });
  });

  it('falls back to the nearest enclosing value for a path it does not know', () => {
    const src = new Source('r.json5', '{\n  steps: [\n    { send: "GetTenants" },\n  ],\n}');
    expect(src.at(['steps', 0, 'with', 'tenant'])).toEqual(src.at(['steps', 0]));
    expect(src.at(['steps', 0, 'expect'], true)).toEqual(src.at(['steps', 0]));
    expect(src.at(['nothing'])).toEqual(src.at([]));
  });

  it('reports malformed JSON5 as a RecipeSyntaxError at the offending character', () => {
    const text = '{\n  steps: [\n    { send: "GetTenants", }\n    { send: "Logoff" },\n  ],\n}';
    let err: unknown;
    try {
      new Source('bad.json5', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecipeSyntaxError);
    const e = err as RecipeSyntaxError;
    expect(e.position).toMatchObject({ line: 4, column: 5 });
    expect(e.reason).toBe("invalid character '{'");
    expect(e.message).toBe("bad.json5:4:5: invalid character '{'");
  });

  it('reports an unterminated document at its end', () => {
    expect(() => new Source('bad.json5', '{ steps: [')).toThrow(/^bad\.json5:1:11: invalid end of input$/);
  });
});
