import type { Socket } from 'node:net';
import type { Json } from '../protocol/codec.js';
import { HANDSHAKE_MS, LineReader, line, MAX_LINE, nonce, objectOf, PROTOCOL, proofOf, proves, type BatchRequest, type CallRequest, type PipeRequest, type Refused, type StartRequest } from './wire.js';
import { PROFILE_NAME } from './paths.js';

// The daemon's side of one connection: the handshake (wire.ts), then the request it proved it may
// make. Whatever arrives, every line gets an answer or the connection is closed: never silence,
// never a throw out of here (a bug in a handler is the caller's to catch and log).

export interface Handlers {
  call(profile: string, call: CallRequest['call'], socket: Socket): void;
  /** Returns what takes the connection's later lines, the requests of each chunk together. */
  pipe(profile: string, pipe: PipeRequest['pipe'], socket: Socket): (lines: string[]) => void;
  start(profile: string, start: StartRequest['start'], socket: Socket): void;
  /** Returns what takes the connection's later lines ({stop}). */
  batch(profile: string, batch: BatchRequest['batch'], socket: Socket): (lines: string[]) => void;
}

export function accept(socket: Socket, secret: string, instance: string, handlers: Handlers, onFault: (err: unknown) => void): void {
  const mine = nonce();
  let stage: 'hello' | 'request' | 'served' = 'hello';
  let rest: ((lines: string[]) => void) | undefined;
  const refuse = (why: string, extra: Omit<Refused, 'refused'> = {}) => {
    reader.stop();
    if (!socket.destroyed) socket.end(line({ refused: why, ...extra }));
    setTimeout(() => socket.destroy(), 1000).unref();
  };
  // Until it has proved itself, a connection may not hold the daemon's attention for long.
  const timer = setTimeout(() => refuse(`no handshake within ${HANDSHAKE_MS} ms`), HANDSHAKE_MS);
  timer.unref();

  const onLine = (text: string): void => {
    const frame = objectOf(text);
    if (stage === 'hello') {
      if (!frame || frame.hello !== 'aapi') return refuse('not an aapi hello');
      if (frame.v !== PROTOCOL) return refuse('version', { v: PROTOCOL });
      if (typeof frame.nonce !== 'string' || frame.nonce.length < 16 || frame.nonce.length > 64) return refuse('a nonce of 16 to 64 characters is needed');
      socket.write(line({ welcome: 'aapi', v: PROTOCOL, nonce: mine, proof: proofOf(secret, 'server', frame.nonce), instance }));
      stage = 'request';
      return;
    }
    if (!frame || !proves(secret, 'client', mine, frame.proof)) return refuse('the client did not prove it knows the secret');
    clearTimeout(timer);
    stage = 'served';
    serve(frame);
  };

  const serve = (frame: Json): void => {
    const call = frame.call as CallRequest['call'] | undefined;
    const pipe = frame.pipe as PipeRequest['pipe'] | undefined;
    const start = frame.start as StartRequest['start'] | undefined;
    const batch = frame.batch as BatchRequest['batch'] | undefined;
    const profile = typeof frame.profile === 'string' && PROFILE_NAME.test(frame.profile) ? frame.profile : undefined;
    if (frame.probe === true) {
      socket.end(line({ probed: instance }));
    } else if (!profile) {
      refuse('a request names its profile');
    } else if (call && Array.isArray(call.argv) && call.argv.every((a) => typeof a === 'string') && call.env && typeof call.env === 'object' && call.tty && typeof call.tty === 'object') {
      handlers.call(profile, call, socket);
    } else if (pipe && typeof pipe === 'object' && typeof pipe.timeoutMs === 'number') {
      rest = handlers.pipe(profile, pipe, socket);
    } else if (start && typeof start === 'object' && typeof start.url === 'string' && typeof start.agent === 'string' && typeof start.password === 'string') {
      handlers.start(profile, start, socket);
    } else if (batch && typeof batch === 'object' && typeof batch.input === 'string' && typeof batch.output === 'string' && Array.isArray(batch.profiles) && batch.profiles.every((p) => typeof p === 'string' && PROFILE_NAME.test(p)) && Number.isInteger(batch.concurrency) && batch.concurrency >= 1) {
      rest = handlers.batch(profile, batch, socket);
    } else {
      refuse('an unknown request');
    }
  };

  const reader = new LineReader(
    (lines) => {
      try {
        let i = 0;
        for (; i < lines.length && stage !== 'served'; i++) onLine(lines[i]);
        if (i < lines.length && rest) rest(i === 0 ? lines : lines.slice(i));
      } catch (err) {
        onFault(err);
        refuse('the daemon failed on this request');
      }
    },
    () => refuse(`a line longer than ${MAX_LINE} characters`),
  );
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => reader.push(chunk));
  socket.on('error', () => {});
  socket.on('close', () => clearTimeout(timer));
}
