import type { Socket } from 'node:net';
import type { Json } from '../protocol/codec.js';
import { AapiError, ConnectFailed, ConnectionLost, FrameTooLarge, InvalidRequest, RequestTimeout } from '../session/errors.js';
import type { DaemonContext } from './context.js';
import { objectOf } from './wire.js';
import { isObject } from '../util/object.js';

// The daemon's request pipe: after the handshake and a {pipe} request, each line {id, msg} is sent on the
// session and answered {id, ok} or {id, err}, as the answers come: many may be in flight at once.
// Batch jobs use it to share a profile's session without a command line per request.

export type PipeErrorKind = 'aapi' | 'lost' | 'timeout' | 'closed' | 'invalid';

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
  // Refused before it was sent (over the frame limit, or not a valid request): the input must change.
  if (err instanceof FrameTooLarge || err instanceof InvalidRequest) return { kind: 'invalid', message };
  if (err instanceof ConnectFailed) return { kind: 'closed', message };
  return { kind: 'closed', message };
}

/**
 * Serves a connection that asked for the pipe; returns what takes its later lines. With `events`,
 * every event the daemon records is also sent down the pipe as {event}. A line that is not a
 * request {id, msg} is answered with {refused} and the connection closed, nothing of its chunk sent:
 * its id cannot be known.
 */
export function servePipe(socket: Socket, daemon: DaemonContext, timeoutMs: number, events = false): (lines: string[]) => void {
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
  // The pipe's first frame: the profile has a session and requests may come.
  socket.write(`${JSON.stringify({ ready: true })}\n`);
  if (events) {
    const stop = daemon.log.follow((e) => reply({ event: e.event }));
    socket.on('close', stop);
  }
  let broken = false;
  // The requests of one chunk are sent together: their frames leave in one write.
  return (lines) => {
    if (broken) return;
    const ids: number[] = [];
    const msgs: Json[] = [];
    for (const text of lines) {
      const req = objectOf(text);
      if (!req || typeof req.id !== 'number' || !isObject(req.msg)) {
        // Nothing of this chunk is sent: its answers could not be delivered on a connection being closed.
        broken = true;
        flush();
        socket.end(`${JSON.stringify({ refused: `not a request {id, msg}: ${text.slice(0, 80)}` })}\n`);
        return;
      }
      ids.push(req.id);
      msgs.push(req.msg as Json);
    }
    daemon.session.sendAll(msgs, { timeoutMs }).forEach((answer, i) =>
      answer.then(
        (ok) => reply({ id: ids[i], ok }),
        (err) => reply({ id: ids[i], err: errorKind(err) }),
      ),
    );
  };
}
