import type { Json } from '../protocol/codec.js';
import type { ValidatedRequestOf } from '../protocol/messages.js';
import type { Verb } from '../protocol/types.js';
import { CALL_HANDLERS } from './calls.js';
import { DATA_HANDLERS } from './data.js';
import type { Dialler } from './dialler.js';
import { MESSAGING_HANDLERS } from './messaging.js';
import type { AgentLine, Conn, SimSession } from './model.js';
import { SESSION_HANDLERS } from './session-verbs.js';
import { TRANSFER_HANDLERS } from './transfers.js';

/**
 * What a handler gets: the request's validated values (absent keys filled) and who sent it. `Ctx<V>`
 * types the values as verb V's; a helper that serves several verbs takes them as Json.
 */
export interface Ctx<V extends Verb = never> {
  d: Dialler;
  conn: Conn;
  rid: number;
  values: [V] extends [never] ? Json : ValidatedRequestOf<V>;
}

export interface SessionCtx<V extends Verb = never> extends Ctx<V> {
  session: SimSession;
  line: AgentLine;
}

/** A handler returns the fields of its successful answer (the envelope comes from the catalogue), or throws SimError. */
export type Handler<C> = (ctx: C) => Json | void;

/** One handler per verb: a verb of the catalogue with no handler fails `tsc`. */
export type HandlerTable = { [V in Verb]-?: Handler<V extends 'Authenticate' ? Ctx<V> : SessionCtx<V>> };

export const HANDLERS: HandlerTable = {
  ...SESSION_HANDLERS,
  ...CALL_HANDLERS,
  ...DATA_HANDLERS,
  ...TRANSFER_HANDLERS,
  ...MESSAGING_HANDLERS,
};
