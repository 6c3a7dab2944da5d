import JSON5 from 'json5';
import { expect } from 'vitest';

// A secret can leak escaped: inside a JSON string, a JSON string inside another (a report's JSON of a
// message quoting JSON), a JSON5 one (a recipe, a recording), XML (JUnit). These are every form it
// may take in an output, to search each output for.

const json = (s: string) => JSON.stringify(s).slice(1, -1);
const json5 = (s: string) => JSON5.stringify(s, { quote: "'" }).slice(1, -1);
const xmlNumeric = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const xmlNamed = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The secret raw and in every escaping an output might give it, and its longest run of plain characters (any other escaping keeps it). */
export function secretForms(secret: string): string[] {
  const texts = [secret, json(secret), json(json(secret)), json5(secret)];
  const forms = texts.flatMap((t) => [t, xmlNumeric(t), xmlNamed(t)]);
  const plain = secret.split(/[^A-Za-z0-9]+/).sort((a, b) => b.length - a.length)[0];
  if (plain.length < 6) throw new Error(`a secret for this search needs a run of 6 plain characters, to find it however escaped: ${JSON.stringify(secret)}`);
  return [...new Set([...forms, plain])];
}

/** The secret appears in `text` in none of its forms. */
export function expectNowhere(text: string, secret: string, what: string): void {
  for (const form of secretForms(secret)) expect(text.includes(form), `${what} holds ${JSON.stringify(form)}:\n${text}`).toBe(false);
}

/** A password of every JSON and XML metacharacter (the review's `Zq"9\wPX` in it), with a plain run to find it by. */
export const METACHAR_PASSWORD = 'Zq"9\\wPX-Kx7Vq3Wp <&]]>\n\'end';
