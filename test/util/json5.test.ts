import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { Json5Error, MAX_DEPTH, parseJson5, tooDeep } from '../../src/util/json5.js';

// The one JSON5 parser for what users give (recipes, `aapi send`, `--data`): nesting is bounded, so
// nothing that walks the value afterwards can overflow the stack.

const nest = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;

describe('tooDeep', () => {
  it('takes MAX_DEPTH levels, and names where the one beyond begins', () => {
    expect(MAX_DEPTH).toBe(64);
    expect(tooDeep(nest(MAX_DEPTH))).toBeUndefined();
    expect(tooDeep(nest(MAX_DEPTH + 1))).toEqual({ line: 1, column: MAX_DEPTH + 1 });
    expect(tooDeep(`{\n  a: ${'{b: '.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}\n}`)).toEqual({ line: 2, column: 6 + 4 * (MAX_DEPTH - 1) });
  });

  it('counts no bracket inside a string or a comment, and keeps counting lines there', () => {
    const brackets = '['.repeat(100);
    expect(tooDeep(`{ a: "${brackets}", b: '${brackets}', c: "\\"${brackets}" }`)).toBeUndefined();
    expect(tooDeep(`{ // ${brackets}\n /* ${brackets}\n ${brackets} */ a: 1 }`)).toBeUndefined();
    expect(tooDeep(`{ s: "a\\\n b", /* x\n y */ c: // z\n ${nest(MAX_DEPTH)} }`)).toEqual({ line: 4, column: MAX_DEPTH + 1 });
  });

  it('is linear and iterative: a million levels are found at once, not by the stack', () => {
    expect(tooDeep(nest(1_000_000, '{a:', '}'))).toEqual({ line: 1, column: 3 * MAX_DEPTH + 1 });
  });
});

describe('parseJson5', () => {
  it('parses what JSON5 parses', () => {
    const text = "{ a: 1, 'b': [true, null, +Infinity], c: { d: 'x', }, // c\n}";
    expect(parseJson5(text)).toEqual(JSON5.parse(text));
  });

  it('refuses nesting too deep, or malformed text, with line and column', () => {
    const deep = () => parseJson5(`{ x: ${nest(20_000)} }`);
    expect(deep).toThrow(Json5Error);
    expect(deep).toThrow('nested more than 64 levels deep at 1:69');
    try {
      parseJson5('{\n  a: 1,\n  b: ?\n}');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(Json5Error);
      expect(err).toMatchObject({ line: 3, column: 6, reason: "invalid character '?'", message: "invalid character '?' at 3:6" });
    }
  });

  it('places a line break inside a string at the end of its line (JSON5 says column 0 of the next, which broke the carets)', () => {
    expect(() => parseJson5("{\n  a: 'x\n}")).toThrow("invalid character '\\n' at 2:8");
  });
});
