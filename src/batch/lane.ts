import type { Json } from '../protocol/codec.js';

// What a batch job sends its rows on: one profile's session, with how many of its requests are in
// flight. The session server gives the runner one lane per profile; tests give it fakes.

/**
 * Why a request of a lane failed: the server's error, lost in flight, no answer in time, never sent
 * (the session could not take it), or refused before it was sent (over the frame limit, or not a valid request).
 */
export type LaneErrorKind = 'aapi' | 'lost' | 'timeout' | 'closed' | 'invalid';

export class LaneError extends Error {
  constructor(readonly kind: LaneErrorKind, message: string, readonly response?: Json) {
    super(message);
  }
}

export interface Lane {
  readonly profile: string;
  readonly inFlight: number;
  /** The response; rejects with a LaneError. */
  request(msg: Json): Promise<Json>;
}
