/** `NAME=VALUE` split at its first `=` (the value may hold more); undefined when no name comes before one. */
export function splitKeyValue(text: string): [name: string, value: string] | undefined {
  const eq = text.indexOf('=');
  return eq > 0 ? [text.slice(0, eq), text.slice(eq + 1)] : undefined;
}
