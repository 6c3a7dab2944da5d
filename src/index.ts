// The library: import { Session, startSimulator, REQUESTS } from 'genius-aapi'.
export * from './protocol/types.js';
export type * from './protocol/messages.js';
export { REQUESTS, EVENTS_TABLE, ERRORS, resolveVerb, resolveEvent, errorSpec, errorHint, type RequestTable, type EventTable, type ErrorTable } from './protocol/catalogue.js';
export { encodeRequest, parseFrame, classify, isSuccess, type Json } from './protocol/codec.js';
export { validateRequest } from './protocol/validate.js';
export { Session, type SessionOptions, type RequestOptions, type RequestArgs } from './session/session.js';
export { AapiError, type ErrorNumber, ConnectionLost, ConnectFailed, InvalidRequest, RequestTimeout, SessionClosed, FrameTooLarge, DEFAULT_MAX_FRAME_BYTES } from './session/errors.js';
export { startSimulator, type Simulator, type SimOptions } from './sim/server.js';
export { BUILTIN_FIXTURE, loadFixture, mergeFixture, type Fixture } from './sim/fixture.js';
