import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import type { Timings } from '../../src/sim/fixture.js';
import type { Simulator } from '../../src/sim/server.js';
import { Harness, ManualClock, type RawClient } from '../helpers/client.js';

// "Omnichannel and SessionIndex": interactive (chat) sessions on SessionIndex 1-9 beside the live
// call on 0, the GoAvailable session counts, and the rule for GoAvailable while available (160).

const h = new Harness();
afterEach(() => h.cleanup());

interface AgentView {
  state: string;
  limits: { live: number; interactive: number; offline: number };
  calls: { sessionIndex: number; kind: string; phase: string; chat: { direction: string; message: string }[] }[];
}
const agentOf = (sim: Simulator, name = 'demo') => (sim.control.state() as { agents: Record<string, AgentView> }).agents[name];

async function available(sim: Simulator, fields: Json): Promise<RawClient> {
  const c = await h.agent(sim);
  const mark = c.mark;
  expect(await c.request('GoAvailable', fields)).toMatchObject({ Response: 'OK' });
  await c.event('NowAvailable', 2000, mark);
  await c.event('NowWaiting', 2000, mark);
  return c;
}
const world = (timings: Partial<Timings> = {}) => h.sim({ presentMs: 60_000, ...timings });

describe('GoAvailable session counts', () => {
  it('interactive 2 allows two chats; 0 means the campaign\'s configured 2; -1 none; -2 keeps the current', async () => {
    const sim = await world();
    const c = await available(sim, { live: 1, offline: -1, interactive: 2 });
    expect(agentOf(sim).limits).toEqual({ live: 1, interactive: 2, offline: 0 });
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).limits).toEqual({ live: 1, interactive: 2, offline: 2 });
    expect(await c.request('GoAvailable', { live: 0, offline: -2, interactive: -1 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).limits).toEqual({ live: 0, interactive: 0, offline: 2 });
    expect(await c.request('GoAvailable', { live: -1, offline: -2, interactive: 5 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).limits).toEqual({ live: 0, interactive: 5, offline: 2 });
    // Values outside the documented range are malformed.
    expect(await c.request('GoAvailable', { live: 2, offline: 0, interactive: 0 })).toMatchObject({ ErrorNumber: 99 });
    expect(await c.request('GoAvailable', { live: 1, offline: -3, interactive: 0 })).toMatchObject({ ErrorNumber: 99 });
  });

  it('160 for GoAvailable again with the same values; different values are OK (NowAvailable, no second NowWaiting)', async () => {
    const sim = await world();
    const c = await available(sim, { live: 1, offline: 0, interactive: 2 });
    await c.event('NowWaiting');
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 2 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 160 });
    // -2/-1 "existing" resolves to the same settings: still 160.
    expect(await c.request('GoAvailable', { live: -1, offline: -2, interactive: -2 })).toMatchObject({ ErrorNumber: 160 });
    const mark = c.mark;
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 1 })).toMatchObject({ Response: 'OK' });
    await c.event('NowAvailable', 2000, mark);
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 1 })).toMatchObject({ ErrorNumber: 160 });
    expect(c.events.slice(mark).map((e) => e.event)).toEqual(['NowAvailable']);
    expect(agentOf(sim).state).toBe('Waiting');
  });

  it('live 0: no live call is presented, and the agent is not offered for transfers', async () => {
    // The presentation delay runs on a clock the test moves, well past it: no wait that a slow machine outlasts.
    const clock = new ManualClock();
    const sim = await h.sim({ presentMs: 20 }, {}, { clock });
    const c = await available(sim, { live: 0, offline: 0, interactive: 2 });
    const other = await h.agent(sim, 'demo2');
    clock.advance(20 * 10);
    await c.request('GetTenants'); // a barrier: anything the timers sent has arrived before its answer
    expect(c.events.some((e) => e.event === 'NowInCall')).toBe(false);
    expect((await other.request('GetAgents')).Agents).toEqual([]);
    expect(() => sim.control.presentCall({ agent: 'demo' })).toThrow();
  });
});

describe('chat sessions', () => {
  it('control.chat opens SessionIndex 1: NowInCall then ChatReceived; typing gives ChatTyping; SendChatMessage answers OK', async () => {
    const sim = await world();
    const c = await available(sim, { live: 1, offline: 0, interactive: 2 });
    const mark = c.mark;
    const opened = sim.control.chat({ agent: 'demo', message: 'Hello, is anyone there?' });
    expect(opened).toMatchObject({ ok: true, sessionIndex: 1 });
    const inCall = await c.event('NowInCall', 2000, mark);
    expect(inCall).toMatchObject({ sessionIndex: 1, transfer: false, sessionID: opened.sessionID });
    const said = await c.event('ChatReceived', 2000, mark);
    expect(said).toMatchObject({ sessionIndex: 1, sessionID: opened.sessionID, direction: 'CustomerToAgent', agent: 'demo', message: 'Hello, is anyone there?' });
    expect(c.events.slice(mark).map((e) => e.event)).toEqual(['NowInCall', 'ChatReceived']);

    const typingMark = c.mark;
    sim.control.chat({ agent: 'demo', sessionIndex: 1, typing: true });
    expect(await c.event('ChatTyping', 2000, typingMark)).toMatchObject({ sessionIndex: 1, direction: 'CustomerToAgent', typing: true });
    sim.control.chat({ agent: 'demo', sessionIndex: 1, typing: false });
    expect(await c.event('ChatTyping', 2000, typingMark, (m) => m.typing === false)).toMatchObject({ sessionIndex: 1 });

    expect(await c.request('SendChatMessage', { message: 'Yes, how can I help?', sessionIndex: 1 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls.find((x) => x.sessionIndex === 1)!.chat).toEqual([
      { direction: 'CustomerToAgent', message: 'Hello, is anyone there?' },
      { direction: 'AgentToCustomer', message: 'Yes, how can I help?' },
    ]);
    // No chat on 5, and 0 is not a chat.
    expect(await c.request('SendChatMessage', { message: 'hello?', sessionIndex: 5 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    expect(await c.request('SendChatMessage', { message: 'hello?', sessionIndex: 0 })).toMatchObject({ ErrorNumber: 99 });
    expect(() => sim.control.chat({ agent: 'demo', sessionIndex: 5, message: 'x' })).toThrow(/no chat/);
  });

  it('with chatReplyMs > 0 the customer answers: ChatTyping true, ChatTyping false, ChatReceived', async () => {
    const sim = await world({ chatReplyMs: 40 });
    const c = await available(sim, { live: 1, offline: 0, interactive: 2 });
    sim.control.chat({ agent: 'demo', message: 'Hi' });
    await c.event('ChatReceived');
    const mark = c.mark;
    expect(await c.request('SendChatMessage', { message: 'What is your order number?', sessionIndex: 1 })).toMatchObject({ Response: 'OK' });
    const reply = await c.event('ChatReceived', 3000, mark);
    expect(reply).toMatchObject({ sessionIndex: 1, direction: 'CustomerToAgent' });
    expect(String(reply.message)).toContain('What is your order number?');
    expect(c.events.slice(mark).map((e) => (e.event === 'ChatTyping' ? `ChatTyping ${e.typing}` : e.event))).toEqual(['ChatTyping true', 'ChatTyping false', 'ChatReceived']);
  });

  it('StartWrap and Disposition on sessionIndex 1 end the chat; the live call on 0 is untouched', async () => {
    const sim = await world();
    const c = await available(sim, { live: 1, offline: 0, interactive: 2 });
    await c.event('NowWaiting');
    let mark = c.mark;
    sim.control.presentCall({ agent: 'demo', urn: '1002' });
    await c.event('NowInCall', 2000, mark, (m) => m.sessionIndex === 0);
    sim.control.chat({ agent: 'demo', message: 'Hi' });
    await c.event('ChatReceived', 2000, mark);
    const second = sim.control.chat({ agent: 'demo', message: 'Me too' });
    expect(second.sessionIndex).toBe(2);
    await c.event('ChatReceived', 2000, mark, (m) => m.sessionIndex === 2);
    // The limit is 2 interactive sessions.
    expect(() => sim.control.chat({ agent: 'demo', message: 'and me' })).toThrow(/no more interactive/);

    mark = c.mark;
    expect(await c.request('Disposition', { outcome: 1, sessionIndex: 1 })).toMatchObject({ ErrorNumber: 320 });
    expect(await c.request('StartWrap', { sessionIndex: 1 })).toMatchObject({ Response: 'OK' });
    expect(await c.event('NowWrapping', 2000, mark)).toMatchObject({ sessionIndex: 1 });
    expect(await c.request('StartWrap', { sessionIndex: 1 })).toMatchObject({ ErrorNumber: 324 });
    expect(await c.request('SendChatMessage', { message: 'bye', sessionIndex: 1 })).toMatchObject({ ErrorNumber: 99 });
    expect(agentOf(sim)).toMatchObject({ state: 'InCall' });
    expect(agentOf(sim).calls.map((x) => [x.sessionIndex, x.kind, x.phase])).toEqual([[0, 'live', 'InCall'], [1, 'interactive', 'Wrapping'], [2, 'interactive', 'InCall']]);
    expect(await c.request('Disposition', { outcome: 7, sessionIndex: 1, data: {} })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls.map((x) => [x.sessionIndex, x.phase])).toEqual([[0, 'InCall'], [2, 'InCall']]);
    expect(sim.control.state().dispositions).toEqual([expect.objectContaining({ outcome: 7, sessionIndex: 1 })]);
    // Nothing was said about the live call, and no NowWaiting came.
    expect(c.events.slice(mark).map((e) => e.event)).toEqual(['NowWrapping']);
    // SessionIndex 1 is free again for the next chat.
    expect(sim.control.chat({ agent: 'demo', message: 'Hello again' }).sessionIndex).toBe(1);
    // The live call still works as usual.
    expect(await c.request('Keypress', { keyPress: '5' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, mark, (m) => m.sessionIndex === 0);
  });

  it('GoAvailable with interactive -1 refuses chats (control error); so does an unavailable agent', async () => {
    const sim = await world();
    const c = await h.agent(sim);
    expect(() => sim.control.chat({ agent: 'demo', message: 'hi' })).toThrow(/interactive/);
    await c.request('GoAvailable', { live: 1, offline: 0, interactive: -1 });
    expect(agentOf(sim).limits.interactive).toBe(0);
    expect(() => sim.control.chat({ agent: 'demo', message: 'hi' })).toThrow(/interactive/);
    expect(c.events.some((e) => e.event === 'ChatReceived')).toBe(false);
    expect(() => sim.control.chat({ agent: 'nobody', message: 'hi' })).toThrow(/not logged in/);
  });
});
