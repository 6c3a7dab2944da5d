import type { KeySpec, RequestSpec } from '../../protocol/types.js';
import { describeKey, flagKeys, flagOf, kebab, stdinFlags } from '../../protocol/flags.js';
import type { Completes, OptionDecl } from './types.js';

// A verb's options, made from its catalogue entry: one per request key (kebab-case, the spec's
// spelling as an alias), `--password-stdin` for a key that comes from the environment, and `--rid`.

const RID = 'RID';

/** The words a key's value may be given as: the names of its choices, else a closed list of values. */
function completesOf(key: KeySpec): Completes | undefined {
  if (!key.choices) return undefined;
  const names = key.choices.flatMap((c) => c.names ?? []);
  if (names.length) return names;
  return key.closed ? key.choices.map((c) => String(c.value)) : undefined;
}

export function verbOptions(spec: RequestSpec): Record<string, OptionDecl> {
  const options: Record<string, OptionDecl> = {};
  for (const key of flagKeys(spec)) {
    const flag = flagOf(key);
    const list = key.type === 'keyValue' || key.type === 'intArray';
    options[flag] = {
      type: key.type === 'boolean' ? 'boolean' : 'string',
      describe: describeKey(key),
      ...(key.wire !== flag && { alias: [key.wire] }),
      ...(list && { array: true }),
      ...(key.type !== 'boolean' && { completes: completesOf(key) }),
      group: 'Request keys:',
    };
  }
  // A key from the environment (the password) may come on stdin instead, or from a prompt; given
  // as a flag it is refused (it would show in `ps`), not unknown.
  for (const { key, name, describe } of stdinFlags(spec)) {
    options[name] = { type: 'boolean', describe };
    options[flagOf(key)] = { type: 'string', describe: '', hidden: true };
  }
  // The RID is the envelope's, not one of the verb's keys, but it too is taken in the spec's spelling.
  if (spec.rid) options[kebab(RID)] = { type: 'number', alias: [RID], describe: 'send this RID instead of a fresh one (acknowledge: the event\'s RID)' };
  return options;
}

