import type { Socket } from 'node:net';
import type { Json } from '../protocol/codec.js';
import { AapiError, ConnectFailed, ConnectionLost, RequestTimeout } from '../session/errors.js';
import type { DaemonContext } from './context.js';

// The daemon's request pipe: after a first line {"pipe": true}, each line {id, msg} is sent on the
// session and answered {id, ok} or {id, err}, as the answers come: many may be in flight at once.
// Batch jobs use it to share a profile's session without a command line per request.

export type PipeErrorKind = 'aapi' | 'lost' | 'timeout' | 'closed';

export interface PipeReply {
  id: number;
  ok?: Json;
  err?: { kind: PipeErrorKind; message: string; response?: Json };
}

export function errorKind(err: unknown): PipeReply['err'] {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof AapiError) return { kind: 'aapi', message, response: err.response };
  if (err instanceof ConnectionLost) return { kind: 'lost', message };
  if (err instanceof RequestTimeout) return { kind: 'timeout', message };
  if (err instanceof ConnectFailed) return { kind: 'closed', message };
  return { kind: 'closed', message };
}

/** With `events`, every event the daemon records is also sent down the pipe as {event}. */
export function servePipe(socket: Socket, daemon: DaemonContext, rest: string, timeoutMs: number, events = false): void {
  let buffer = rest;
  // The replies of one turn of the event loop go out in one write: a batch has many in flight.
  let outbox = '';
  const flush = () => {
    const text = outbox;
    outbox = '';
    if (text && !socket.destroyed) socket.write(text);
  };
  const reply = (r: PipeReply | { event: Json }) => {
    if (socket.destroyed) return;
    if (outbox === '') process.nextTick(flush);
    outbox += `${JSON.stringify(r)}\n`;
  };
  if (events) {
    const stop = daemon.log.follow((e) => reply({ event: e.event }));
    socket.on('close', stop);
  }
  // The requests of one chunk are sent together: their frames leave in one write.
  const take = () => {
    const ids: number[] = [];
    const msgs: Json[] = [];
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf('\n', start)) >= 0) {
      const line = buffer.slice(start, nl);
      start = nl + 1;
      try {
        const req = JSON.parse(line) as { id: number; msg: Json };
        ids.push(req.id);
        msgs.push(req.msg);
      } catch {
        continue;
      }
    }
    buffer = buffer.slice(start);
    daemon.session.sendAll(msgs, { timeoutMs }).forEach((answer, i) =>
      answer.then(
        (ok) => reply({ id: ids[i], ok }),
        (err) => reply({ id: ids[i], err: errorKind(err) }),
      ),
    );
  };
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    take();
  });
  take();
}
