import JSON5 from 'json5';
import { secretEnvVars, secretKeys } from '../protocol/catalogue.js';

// What a reader is shown of a secret (a password, a code, a DeviceID). What the server sent (a
// frame) is masked by key: the value of every key the catalogue marks secret, wherever it stands.
// What a person wrote (titles, messages, the recipe's lines and the patterns it expects, once
// interpolated) is masked by key and by value: the secrets known at that point. Never a frame by
// value: the built-in agent's password `demo` is also its name and its tenant's. Both happen before
// anything is serialised, so that no escaping (JSON, XML) can hide a secret from the masking.

export const MASKED = '[Masked]';

const SECRET = new Set([...secretKeys()].map((k) => k.toLowerCase()));
const isSecret = (key: string) => SECRET.has(key.toLowerCase());
/** An empty value hides nothing: shown as it is, so that "no password was given" stays visible. */
const hides = (v: unknown) => v !== '' && v != null;

/** A copy of a frame with the value of every secret key (Password, SecondFactor, DeviceID ...) shown as [Masked]. */
export function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecret(k) && hides(v) ? MASKED : mask(v);
  return out;
}

/** A value of a frame quoted in a message, masked by the key it stands under (when it has one), never by value. */
export interface Quote {
  quote: unknown;
  under?: string;
}

/** Text for a reader: words, and values quoted from frames (written as JSON). */
export type Message = string | readonly (string | Quote)[];

function quoted({ quote, under }: Quote): string {
  const shown = under === undefined ? mask(quote) : (mask({ [under]: quote }) as Record<string, unknown>)[under];
  return JSON.stringify(shown) ?? String(shown);
}

const pattern = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A secret key written in a recipe (JSON5), quoted or not, and its value: `Password: "x"`, `"SecondFactor": 123456`.
const LITERAL = new RegExp(
  `((?<![\\w$-])(["']?)(?:${[...SECRET].map(pattern).join('|')})\\2\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'|[^\\s,}\\]]+)`,
  'gi',
);
/** `"${password}"` says where the secret comes from, not what it is; `""` that there is none. */
const NOTHING_TO_HIDE = /^(["'])(\$\{[^}]*\})?\1$/;

interface Span {
  from: number;
  to: number;
}

export interface MaskedLine {
  text: string;
  moved(offset: number, end?: boolean): number;
}

/** The secret values known so far, and free text masked with them. */
export class Redactor {
  /** Each secret as it is, inside a JSON string (a message quoting JSON) and a JSON5 one (a recipe's line). */
  private readonly forms = new Set<string>();
  /** One pass over the text, longest first: a secret found inside `[Masked]` is never masked again. */
  private found: RegExp | undefined;

  constructor(values: unknown[] = []) {
    this.add(...values);
  }

  add(...values: unknown[]): this {
    for (const v of values) {
      if ((typeof v !== 'string' && typeof v !== 'number') || v === '') continue;
      const s = String(v);
      this.forms.add(s).add(JSON.stringify(s).slice(1, -1)).add(JSON5.stringify(s, { quote: "'" }).slice(1, -1));
    }
    const longestFirst = [...this.forms].sort((a, b) => b.length - a.length);
    this.found = longestFirst.length ? new RegExp(longestFirst.map(pattern).join('|'), 'g') : undefined;
    return this;
  }

  /** The secrets the environment holds for secret keys (AAPI_PASSWORD). */
  fromEnv(env: NodeJS.ProcessEnv): this {
    return this.add(...[...secretEnvVars()].map((name) => env[name]));
  }

  /** The secrets a frame carries under secret keys (a Password sent, a DeviceID received), at any depth. */
  learn(frame: unknown): void {
    if (Array.isArray(frame)) for (const v of frame) this.learn(v);
    else if (frame !== null && typeof frame === 'object') {
      for (const [k, v] of Object.entries(frame)) {
        if (isSecret(k) && hides(v)) this.add(v);
        else this.learn(v);
      }
    }
  }

  text(s: string): string {
    return this.found ? s.replace(this.found, MASKED) : s;
  }

  /** What the recipe wrote (an expected pattern, interpolated): masked by key, and by value in every string. */
  written(v: unknown): unknown {
    const strings = (x: unknown): unknown => {
      if (typeof x === 'string') return this.text(x);
      if (Array.isArray(x)) return x.map(strings);
      if (x === null || typeof x !== 'object') return x;
      return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, strings(y)]));
    };
    return strings(mask(v));
  }

  /** A message's words masked by value, the values it quotes by key (a pattern the recipe wrote comes `written`). */
  message(m: Message): string {
    return typeof m === 'string' ? this.text(m) : m.map((part) => (typeof part === 'string' ? this.text(part) : quoted(part))).join('');
  }

  /**
   * A line of a recipe as written: the literal value of a secret key, and the secrets known, masked.
   * `moved` says where an offset of the line went, for the carets under a value: `end` for the end
   * of a value, which stays after a mask it falls into.
   */
  line(s: string): MaskedLine {
    const spans: Span[] = [];
    for (const m of s.matchAll(LITERAL)) {
      if (NOTHING_TO_HIDE.test(m[3])) continue;
      const quote = /^["']/.test(m[3]) ? 1 : 0;
      const from = m.index + m[1].length + quote;
      spans.push({ from, to: from + m[3].length - 2 * quote });
    }
    if (this.found) for (const m of s.matchAll(this.found)) spans.push({ from: m.index, to: m.index + m[0].length });
    // Overlapping masks are one: nothing of either shows between them.
    const merged = spans.sort((a, b) => a.from - b.from).reduce<Span[]>((out, sp) => {
      const last = out.at(-1);
      if (last && sp.from <= last.to) last.to = Math.max(last.to, sp.to);
      else out.push({ ...sp });
      return out;
    }, []);
    let text = '';
    let at = 0;
    for (const { from, to } of merged) {
      text += s.slice(at, from) + MASKED;
      at = to;
    }
    const moved = (offset: number, end = false) => {
      let shift = 0;
      for (const { from, to } of merged) {
        if (offset <= from) break;
        if (offset < to) return from + shift + (end ? MASKED.length : 0);
        shift += MASKED.length - (to - from);
      }
      return offset + shift;
    };
    return { text: text + s.slice(at), moved };
  }
}
