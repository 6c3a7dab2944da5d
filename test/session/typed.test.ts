import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { EventOf } from '../../src/protocol/messages.js';
import { AapiError } from '../../src/session/errors.js';
import { Session } from '../../src/session/session.js';
import { fakeServer, error, ok, type FakeServer } from './fake-server.js';

// What the session's typed layer promises at run time: RID and SID as numbers, events by name or
// alias. The types themselves: test/protocol/messages.test.ts and test/types/wrong-calls.ts.

describe('Session.request and Session.onEvent', () => {
  let server: FakeServer | undefined;
  const sessions: Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.close();
    await server?.close();
  });

  const open = async (handle: Parameters<typeof fakeServer>[0]) => {
    server = await fakeServer(handle);
    const s = await Session.open({ url: server.url, agent: 'demo', password: 'demo', reconnect: false, timeoutMs: 2000 });
    sessions.push(s);
    return s;
  };

  it('gives RID and SID as numbers, as its type says, when the dialler sends strings (ERRATA 7)', async () => {
    const s = await open((msg, reply) => {
      if (msg.type === 'GetTenants') reply({ RID: String(msg.RID), SID: String(msg.SID), tenants: ['demo'] });
      else return false;
    });
    const r = await s.request('GetTenants');
    expect(r).toEqual({ RID: expect.any(Number), SID: s.sid, tenants: ['demo'] });
    expectTypeOf(r.tenants).toEqualTypeOf<string[]>();
  });

  it('rejects with an AapiError whose number narrows to its catalogue entry', async () => {
    const s = await open((msg, reply) => (msg.type === 'Disposition' ? reply(error(msg, 320)) : false));
    const err = await s.request('Disposition', { outcome: 251 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).is(320) && (err as AapiError).entry?.hint).toMatch(/start-wrap/);
  });

  it('calls a handler with the events of its name or alias only, until it is removed', async () => {
    const s = await open((msg, reply, conn) => {
      if (msg.type !== 'GoAvailable') return false;
      reply(ok(msg));
      conn.send({ event: 'NowAvailable', RID: 7001 });
      conn.send({ event: 'ChatMessage', RID: '7002', sessionIndex: 1, sessionID: 'c1', direction: 'CustomerToAgent', agent: 'demo', message: 'hi' });
      conn.send({ event: 'ChatReceived', RID: 7003, sessionIndex: 1, sessionID: 'c1', direction: 'CustomerToAgent', agent: 'demo', message: 'again' });
    });
    const chats: EventOf<'ChatReceived'>[] = [];
    const off = s.onEvent('ChatMessage', (e) => {
      chats.push(e);
      off();
    });
    const available: string[] = [];
    s.onEvent('NowAvailable', (e) => available.push(e.event));
    await s.request('GoAvailable', { live: 1 });
    await server!.until((r) => r.filter((x) => x.msg.type === 'Acknowledge').length === 3);
    expect(available).toEqual(['NowAvailable']);
    // Removed after the first: the second chat is not seen; RID is a number as typed.
    expect(chats).toEqual([expect.objectContaining({ event: 'ChatMessage', RID: 7002, message: 'hi' })]);
  });

  it('refuses an unknown event name from untyped code at once', async () => {
    const s = await open(() => false);
    expect(() => s.onEvent('NoSuchEvent' as 'NowAvailable', () => {})).toThrow(/unknown event "NoSuchEvent"/);
  });
});
