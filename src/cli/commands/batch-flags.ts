import { REQUESTS, VERBS } from '../../protocol/catalogue.js';
import { flagKeys, flagOf } from '../../protocol/flags.js';

/** Every request key's flag, of every verb: the constant keys a batch may be given. */
export function constantFlags(): Set<string> {
  return new Set(VERBS.flatMap((v) => flagKeys(REQUESTS[v]).map(flagOf)));
}
