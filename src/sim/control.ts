import type { Json } from '../protocol/codec.js';
import type { KeyValue } from '../protocol/types.js';
import { customerHangsUp, presentCall, type Presentation } from './calls.js';
import { requestLimit } from './data.js';
import type { Dialler } from './dialler.js';
import { customerSays, customerTyping, openSession, storeMessage, takesSession } from './messaging.js';
import type { AgentLine } from './model.js';
import { resolveTransfer, type TransferEvent } from './transfers.js';

// What a test, a demo or a recipe can make the simulated world do. The same operations are the
// typed in-process API and, by name, the HTTP control endpoint (POST /<operation> with a JSON body).

export class ControlError extends Error {}

export interface Lifecycle {
  dropConnections(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function lineOf(d: Dialler, agent: unknown): AgentLine {
  const line = typeof agent === 'string' ? d.lineOf(agent) : undefined;
  if (!line) throw new ControlError(`agent ${JSON.stringify(agent)} is not logged in`);
  return line;
}

function done(ok: boolean, why: string): Json {
  if (!ok) throw new ControlError(why);
  return { ok: true };
}

export function makeControl(d: Dialler, life: Lifecycle) {
  return {
    /** Presents a call to a waiting agent now: the next campaign record, a given URN, or an inbound call on a queue. */
    presentCall(p: { agent: string } & Presentation): Json {
      const call = presentCall(d, lineOf(d, p.agent), p);
      if (!call) throw new ControlError(`agent ${p.agent} is not waiting for a live call`);
      return { ok: true, sessionID: call.sessionID, uniquecallid: call.uniquecallid };
    },
    /** The customer hangs up: the agent goes to wrap. */
    hangUp(p: { agent: string; sessionIndex?: number }): Json {
      return done(customerHangsUp(d, lineOf(d, p.agent), p.sessionIndex ?? 0), `agent ${p.agent} has no call to hang up on that session`);
    },
    /** The recipient of the agent's transfer answers, refuses, or (once connected) hangs up. */
    transfer(p: { agent: string; how: TransferEvent; sessionIndex?: number }): Json {
      if (!['answer', 'refuse', 'hangup'].includes(p.how)) throw new ControlError('how must be answer, refuse or hangup');
      return done(resolveTransfer(d, lineOf(d, p.agent), p.sessionIndex ?? 0, p.how), `agent ${p.agent} has no transfer that can ${p.how}`);
    },
    /** A customer writes (or types) on a chat: a new interactive session unless sessionIndex names one. */
    chat(p: { agent: string; message?: string; typing?: boolean; sessionIndex?: number }): Json {
      const line = lineOf(d, p.agent);
      const call = p.sessionIndex !== undefined ? line.calls.get(p.sessionIndex) : openSession(d, line, 'interactive');
      if (!call || call.kind !== 'interactive') {
        throw new ControlError(p.sessionIndex !== undefined ? `no chat on sessionIndex ${p.sessionIndex}` : `agent ${p.agent} takes no more interactive sessions (GoAvailable with interactive > 0 first)`);
      }
      if (p.typing !== undefined) customerTyping(line, call, p.typing);
      if (p.message !== undefined) customerSays(line, call, p.message);
      return { ok: true, sessionIndex: call.index, sessionID: call.sessionID };
    },
    /** An inbound email or SMS arrives as an offline session; its ID is in the record's GeniusMessageID. */
    offline(p: { agent: string; channel?: 'email' | 'sms'; from?: string; subject?: string; body?: string }): Json {
      const line = lineOf(d, p.agent);
      // Refuse before storing: a refused arrival leaves no message behind.
      if (!takesSession(line, 'offline')) throw new ControlError(`agent ${p.agent} takes no more offline sessions (GoAvailable with offline > 0 first)`);
      const channel = p.channel ?? 'email';
      const from = p.from ?? (channel === 'email' ? 'customer@example.com' : '07700900123');
      const message = storeMessage(d, {
        channel, sender: from, recipientsTo: [`${line.name}@dialler.sim.invalid`], recipientsCc: [],
        subject: channel === 'email' ? p.subject ?? 'A question' : '', body: p.body ?? 'Please call me back.',
        attachments: [],
      });
      const data: KeyValue = { GeniusMessageID: message.ID, GeniusMessageHistory: String(message.ID), Tel: channel === 'sms' ? from : '' };
      const call = openSession(d, line, 'offline', data);
      if (!call) throw new ControlError(`agent ${p.agent} takes no more offline sessions (GoAvailable with offline > 0 first)`);
      return { ok: true, sessionIndex: call.index, messageID: message.ID };
    },
    /** Sets (or, with null, clears) an agent's data request limit (error 220). */
    setRequestLimit(p: { agent: string; limit: number | null }): Json {
      if (p.limit === null) d.requestLimits.delete(p.agent);
      else if (Number.isInteger(p.limit) && p.limit >= 0) d.requestLimits.set(p.agent, p.limit);
      else throw new ControlError('limit must be a whole number or null');
      return { ok: true };
    },
    resetBans(): Json {
      d.agentFailures.clear();
      d.ipFailures.clear();
      return { ok: true };
    },
    expireDevices(): Json {
      d.devices.clear();
      return { ok: true };
    },
    /** Closes every client connection; SIDs stay valid. */
    dropConnections(): Json {
      life.dropConnections();
      return { ok: true };
    },
    /** Forgets every SID: the next request of each session gets 198. */
    expireSessions(): Json {
      d.expireAll();
      return { ok: true };
    },
    /** Stops listening and drops every connection; every SID is forgotten, as when the service goes down. */
    async stop(): Promise<Json> {
      await life.stop();
      d.expireAll();
      return { ok: true };
    },
    async start(): Promise<Json> {
      await life.start();
      return { ok: true };
    },
    /**
     * A clean world without restarting the process: every agent logged out, the fixture's records,
     * counters at zero, every connection dropped. (restart keeps what the dialler knows of each agent,
     * as a real service does.)
     */
    reset(): Json {
      life.dropConnections();
      d.reset();
      return { ok: true };
    },
    async restart(p: { downMs?: number } = {}): Promise<Json> {
      await life.stop();
      d.expireAll();
      await new Promise((r) => setTimeout(r, p.downMs ?? 0));
      await life.start();
      return { ok: true };
    },
    /** A snapshot of the world, for assertions. */
    state(): Json {
      return {
        agents: Object.fromEntries([...d.lines.values()].map((l) => [l.name, {
          state: l.state, sid: l.session?.sid ?? null, connected: l.session?.conn != null,
          tenant: l.tenant, campaign: l.campaign, extension: l.extension, limits: l.limits,
          pendingUnavailable: l.pendingUnavailable, eventsPending: l.outbox.pending,
          requestsUsed: l.requestsUsed, requestLimit: requestLimit(d, l.name) ?? null,
          calls: [...l.calls.values()].map((c) => ({
            sessionIndex: c.index, kind: c.kind, phase: c.phase, urn: c.urn ?? null, tel: c.tel,
            recording: c.recording, hold: c.hold, transfer: c.transfer
              ? { type: c.transfer.type, to: c.transfer.to, recipient: c.transfer.recipient, status: c.transfer.status, parked: c.transfer.parked }
              : null,
            multiSale: c.multiSale, tags: c.tags, chapters: c.chapters, dtmf: c.dtmf, chat: c.chat,
          })),
        }])),
        sessions: d.sessions.size,
        received: d.received,
        records: d.records.size,
        messages: d.messages.size,
        callbacks: d.callbacks.list(),
        dispositions: d.dispositions.list(),
      };
    },
  };
}

export type Control = ReturnType<typeof makeControl>;
