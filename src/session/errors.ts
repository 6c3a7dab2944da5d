import { errorHint, errorMeans, errorSpec, isErrorCode } from '../protocol/catalogue.js';
import { getCI, toInt, type Json } from '../protocol/codec.js';
import { ERRORS } from '../protocol/errors.js';
import type { ErrorEntry } from '../protocol/messages.js';
import type { ErrorCode } from '../protocol/types.js';
import { formatSize } from '../util/size.js';

/**
 * An error number as the server sent it: one of the catalogue's, or another a dialler may send
 * (0 when it sent none). `number & {}` keeps the catalogue's numbers offered and narrowable.
 */
export type ErrorNumber = ErrorCode | (number & {});

/** The server answered `Response: ERROR`. */
export class AapiError extends Error {
  readonly errorNumber: ErrorNumber;
  readonly level: string;
  constructor(readonly response: Json) {
    const n = toInt(getCI(response, 'ErrorNumber')) ?? 0;
    const level = String(getCI(response, 'ErrorLevel') ?? errorSpec(n)?.level ?? 'Serious');
    const text = String(getCI(response, 'ErrorMessage') ?? errorSpec(n)?.message ?? 'unknown error');
    const detail = getCI(response, 'ErrorDetail');
    super(`ERROR ${n} ${level}: ${text}${detail ? ` (${detail})` : ''}`);
    this.errorNumber = n;
    this.level = level;
  }

  /** The catalogue's entry for this error number, when it has one. */
  get entry(): ErrorEntry | undefined {
    return isErrorCode(this.errorNumber) ? ERRORS[this.errorNumber] : undefined;
  }

  /** Whether this is error `code`, narrowing its number and catalogue entry (a number not in the catalogue fails `tsc`). */
  is<C extends ErrorCode>(code: C): this is this & { readonly errorNumber: C; readonly entry: ErrorEntry<C> } {
    return this.errorNumber === code;
  }

  /** The catalogue's advice for this error number and its detail. */
  get hint(): string | undefined {
    return errorHint(this.errorNumber, getCI(this.response, 'ErrorDetail'));
  }

  /** Errors 100-107: the credentials will not do; trying again will not help. */
  get isAuthFailure(): boolean {
    return errorMeans(this.errorNumber, 'authFailed');
  }
}

/** The connection dropped while the request was in flight: it may or may not have been carried out. */
export class ConnectionLost extends Error {
  constructor(what: string, why = 'connection lost') {
    super(`${why} while ${what} was in flight: outcome unknown`);
  }
}

/** The connection could not be made or kept (refused, TLS, DNS); `hint`, what to do, when it is known. */
export class ConnectFailed extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

export class RequestTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`no answer to ${what} within ${ms} ms`);
  }
}

/** A request that cannot be sent as it is (src/protocol/validate.ts says why): nothing was sent. */
export class InvalidRequest extends Error {}

/** The session is over for good: logged off, or authentication failed on reconnecting. */
export class SessionClosed extends Error {}

/**
 * The largest frame a session sends unless told otherwise. What a real dialler takes is not
 * documented; past this, a frame is far more likely a mistake (a file pasted into a cell) than a request.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** A request whose frame is over the session's frame limit: refused before anything was sent. */
export class FrameTooLarge extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`request is ${bytes} bytes, over the ${formatSize(limit)} frame limit (--max-frame)`);
  }
}
