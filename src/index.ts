// The library: import { Session, startSimulator, REQUESTS } from 'genius-aapi'.
export * from './protocol/types.js';
export { REQUESTS, EVENTS_TABLE, ERRORS, resolveVerb, resolveEvent, errorSpec, errorHint } from './protocol/catalogue.js';
export { encodeRequest, parseFrame, classify, isSuccess, type Json } from './protocol/codec.js';
export { validateRequest } from './protocol/validate.js';
export { Session, type SessionOptions, type RequestOptions } from './session/session.js';
export { AapiError, ConnectionLost, ConnectFailed, InvalidRequest, RequestTimeout, SessionClosed, FrameTooLarge, DEFAULT_MAX_FRAME_BYTES } from './session/errors.js';
export { startSimulator, type Simulator, type SimOptions } from './sim/server.js';
export { BUILTIN_FIXTURE, loadFixture, mergeFixture, type Fixture } from './sim/fixture.js';
