import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import type { Timings } from '../../src/sim/fixture.js';
import type { Simulator } from '../../src/sim/server.js';
import { Harness, type RawClient } from '../helpers/client.js';

// "Transferring calls": blind, blind with connect (warm) and conference transfers, to external
// numbers, queues and other agents, with TransferUpdate, TransferOutcome and the Parking Notes.
// Calls are presented through the control API (presentMs is long), so a waiting agent stays waiting.

const h = new Harness();
afterEach(() => h.cleanup());

interface TransferView { type: string; to: string; recipient: string; status: string; parked: { client: boolean; recipient: boolean } }
interface AgentView { state: string; calls: { sessionIndex: number; phase: string; hold: boolean; transfer: TransferView | null }[] }
const agentOf = (sim: Simulator, name = 'demo') => (sim.control.state() as { agents: Record<string, AgentView> }).agents[name];

const world = (timings: Partial<Timings> = {}) => h.sim({ presentMs: 60_000, ...timings });

/** Logs `agent` in, makes it available and waiting. */
async function waiting(sim: Simulator, agent = 'demo'): Promise<RawClient> {
  const c = await h.agent(sim, agent);
  const mark = c.mark;
  expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
  await c.event('NowWaiting', 2000, mark);
  return c;
}

/** Logs `agent` in and presents it a call on record `urn`. */
async function inCall(sim: Simulator, agent = 'demo', urn = '1001'): Promise<RawClient> {
  const c = await waiting(sim, agent);
  const mark = c.mark;
  sim.control.presentCall({ agent, urn });
  await c.event('NowInCall', 2000, mark);
  return c;
}

const transfer = (TransferType: string, TransferTo: string, Recipient: string, data: Json = {}) => ({ TransferType, TransferTo, Recipient, data, sessionIndex: 0 });
const c0 = (m: Json) => m.sessionIndex === 0;
const update = (status: number) => (m: Json) => m.TransferStatus === status;
/** The events since `mark`, TransferUpdates shown with their status. */
const seen = (c: RawClient, mark: number) => c.events.slice(mark).map((e) => (e.event === 'TransferUpdate' ? `TransferUpdate ${e.TransferStatus}` : e.event));

describe('blind transfer (TransferType "1")', () => {
  it('to an external number that answers: TransferUpdate 3, 0, then NowWrapping; Disposition → NowWaiting', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    expect(await c.request('TransferCall', transfer('1', '1', '01632960777', { Note: 'vip' }))).toMatchObject({ Response: 'OK' });
    expect(await c.event('TransferUpdate', 2000, mark)).toMatchObject({ TransferStatus: 3, sessionIndex: 0 });
    expect(agentOf(sim).calls[0].transfer).toMatchObject({ type: '1', to: '1', recipient: '01632960777', status: 'offered' });
    expect(sim.control.transfer({ agent: 'demo', how: 'answer' })).toEqual({ ok: true });
    await c.event('NowWrapping', 2000, mark);
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'NowWrapping']);
    expect(await c.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting', 2000, mark);
  });

  it('to an external number that refuses: TransferUpdate 3 then 2, and the agent stays in the call', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    expect(await c.request('TransferCall', transfer('1', '1', '01632960777'))).toMatchObject({ Response: 'OK' });
    await c.event('TransferUpdate', 2000, mark, update(3));
    sim.control.transfer({ agent: 'demo', how: 'refuse' });
    await c.event('TransferUpdate', 2000, mark, update(2));
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', calls: [{ phase: 'InCall', transfer: null }] });
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 2']);
    // The call is the agent's again: it can be transferred anew, or wrapped.
    expect(await c.request('Keypress', { keyPress: '1' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('TransferCall', transfer('1', '1', '01632960778'))).toMatchObject({ Response: 'OK' });
  });

  it('after a manual call, the blind transfer ends in NowUnavailable once dispositioned', async () => {
    const sim = await world();
    const c = await h.agent(sim);
    const mark = c.mark;
    expect(await c.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ Response: 'OK' });
    await c.event('NowInCall', 2000, mark);
    expect(await c.request('TransferCall', transfer('1', '1', '01632960777'))).toMatchObject({ Response: 'OK' });
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('NowWrapping', 2000, mark);
    expect(await c.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await c.event('NowUnavailable', 2000, mark);
    expect(seen(c, mark)).toEqual(['NowCalling', 'NowInCall', 'TransferUpdate 3', 'TransferUpdate 0', 'NowWrapping', 'NowUnavailable']);
    expect(agentOf(sim).state).toBe('Unavailable');
  });

  it('has no parking: TogglePark is refused with 99', async () => {
    const sim = await world();
    const c = await inCall(sim);
    await c.request('TransferCall', transfer('1', '2', '100'));
    expect(await c.request('TogglePark', { Switch: true, Who: 'recipient' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    expect(await c.request('TogglePark', { Switch: true, Who: 'client' })).toMatchObject({ ErrorNumber: 99 });
  });
});

describe('blind transfer with connect (TransferType "0")', () => {
  it('answered, then TransferOutcome complete: OK, then NowWrapping', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    expect(await c.request('TransferCall', transfer('0', '2', '100'))).toMatchObject({ Response: 'OK' });
    await c.event('TransferUpdate', 2000, mark, update(3));
    // Completing before the recipient answers is refused.
    expect(await c.request('TransferOutcome', { Outcome: 'complete', sessionIndex: 0 })).toMatchObject({ ErrorNumber: 99 });
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(0));
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', calls: [{ transfer: { status: 'connected', parked: { client: true, recipient: false } } }] });
    const before = c.mark;
    expect(await c.request('TransferOutcome', { Outcome: 'complete', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, before);
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'NowWrapping']);
    expect(agentOf(sim).calls[0]).toMatchObject({ phase: 'Wrapping', transfer: null });
  });

  it('answered, then TransferOutcome cancel: OK, then NowInCall; the caller is back from park', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    await c.request('TransferCall', transfer('0', '1', '01632960777'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(0));
    const before = c.mark;
    expect(await c.request('TransferOutcome', { Outcome: 'cancel', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    const back = await c.event('NowInCall', 2000, before);
    expect(back).toMatchObject({ sessionIndex: 0, campaign: 'outbound' });
    expect((back.data as Json).URN).toBe('1001');
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', calls: [{ phase: 'InCall', hold: false, transfer: null }] });
    expect(await c.request('TransferOutcome', { Outcome: 'cancel', sessionIndex: 0 })).toMatchObject({ ErrorNumber: 99 });
  });

  it('may be cancelled while still offered', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    await c.request('TransferCall', transfer('0', '1', '01632960777'));
    await c.event('TransferUpdate', 2000, mark, update(3));
    expect(await c.request('TransferOutcome', { Outcome: 'cancel', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowInCall', 2000, mark);
    expect(() => sim.control.transfer({ agent: 'demo', how: 'answer' })).toThrow();
  });

  it('parking: the recipient can be parked and retrieved, the caller cannot (99)', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    await c.request('TransferCall', transfer('0', '1', '01632960777'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(0));
    expect(await c.request('TogglePark', { Switch: true, Who: 'recipient' })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].transfer!.parked).toEqual({ client: true, recipient: true });
    expect(await c.request('TogglePark', { Switch: false, Who: 'recipient' })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].transfer!.parked).toEqual({ client: true, recipient: false });
    expect(await c.request('TogglePark', { Switch: false, Who: 'client' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    expect(agentOf(sim).calls[0].transfer!.parked.client).toBe(true);
  });
});

describe('conference transfer (TransferType "2")', () => {
  it('connected gives TransferUpdate 0 and 4; complete → NowWrapping', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    expect(await c.request('TransferCall', transfer('2', '1', '01632960777'))).toMatchObject({ Response: 'OK' });
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(4));
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'TransferUpdate 4']);
    expect(agentOf(sim).calls[0].transfer).toMatchObject({ type: '2', status: 'connected', parked: { client: false, recipient: false } });
    const before = c.mark;
    expect(await c.request('TransferOutcome', { Outcome: 'complete', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, before);
  });

  it('parking: both parties can be parked and retrieved; cancel retrieves the caller', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    expect(await c.request('TogglePark', { Switch: true, Who: 'client' })).toMatchObject({ ErrorNumber: 99 }); // no transfer
    await c.request('TransferCall', transfer('2', '1', '01632960777'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(4));
    expect(await c.request('TogglePark', { Switch: true, Who: 'client' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('TogglePark', { Switch: true, Who: 'recipient' })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].transfer!.parked).toEqual({ client: true, recipient: true });
    expect(await c.request('TogglePark', { Switch: false, Who: 'client' })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].transfer!.parked).toEqual({ client: false, recipient: true });
    expect(await c.request('TogglePark', { Switch: true, Who: 'client' })).toMatchObject({ Response: 'OK' });
    const before = c.mark;
    await c.request('TransferOutcome', { Outcome: 'cancel', sessionIndex: 0 });
    await c.event('NowInCall', 2000, before);
    expect(agentOf(sim).calls[0]).toMatchObject({ phase: 'InCall', hold: false, transfer: null });
  });

  it('the customer hanging up during a connected conference gives TransferUpdate 1 and NowWrapping', async () => {
    const sim = await world();
    const c = await inCall(sim);
    const mark = c.mark;
    await c.request('TransferCall', transfer('2', '1', '01632960777'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await c.event('TransferUpdate', 2000, mark, update(4));
    sim.control.hangUp({ agent: 'demo' });
    await c.event('NowWrapping', 2000, mark);
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'TransferUpdate 4', 'TransferUpdate 1', 'NowWrapping']);
  });
});

describe('recipients', () => {
  it('inbound queue 100 answers and queue 101 refuses, as the fixture says, when left to the dialler', async () => {
    const sim = await world({ transferMs: 30 });
    const c = await inCall(sim);
    let mark = c.mark;
    expect(await c.request('TransferCall', transfer('1', '2', '101'))).toMatchObject({ Response: 'OK' });
    await c.event('TransferUpdate', 3000, mark, update(2));
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 2']);
    expect(agentOf(sim).state).toBe('InCall');
    mark = c.mark;
    expect(await c.request('TransferCall', transfer('1', '1', '01632960999'))).toMatchObject({ Response: 'OK' });
    await c.event('TransferUpdate', 3000, mark, update(2));
    mark = c.mark;
    expect(await c.request('TransferCall', transfer('1', '2', '100'))).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 3000, mark);
    expect(seen(c, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'NowWrapping']);
  });

  it('310 for an unknown queue, agent, self or bad external number; 311 for a queue that is not a number', async () => {
    const sim = await world();
    const c = await inCall(sim);
    expect(await c.request('TransferCall', transfer('1', '2', 'abc'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 311, ErrorMessage: 'Transfer request queue is in invalid format' });
    expect(await c.request('TransferCall', transfer('1', '2', '999'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 310, ErrorMessage: 'Transfer request contains invalid recipient value' });
    expect(await c.request('TransferCall', transfer('1', '0', 'nobody'))).toMatchObject({ ErrorNumber: 310 });
    expect(await c.request('TransferCall', transfer('1', '0', 'demo'))).toMatchObject({ ErrorNumber: 310 });
    expect(await c.request('TransferCall', transfer('1', '1', 'not-a-number'))).toMatchObject({ ErrorNumber: 310 });
    // None of them started a transfer.
    expect(agentOf(sim).calls[0].transfer).toBeNull();
    expect(c.events.some((e) => e.event === 'TransferUpdate')).toBe(false);
    // A bad TransferType or TransferTo is a malformed message.
    expect(await c.request('TransferCall', transfer('7', '1', '01632960777'))).toMatchObject({ ErrorNumber: 99 });
    expect(await c.request('TransferCall', transfer('1', 'queue', '100'))).toMatchObject({ ErrorNumber: 99 });
  });

  it('refuses TransferCall outside a call and during another transfer (99)', async () => {
    const sim = await world();
    const w = await waiting(sim);
    expect(await w.request('TransferCall', transfer('1', '2', '100'))).toMatchObject({ ErrorNumber: 99 });
    expect(await w.request('TransferOutcome', { Outcome: 'complete', sessionIndex: 0 })).toMatchObject({ ErrorNumber: 99 });
    sim.control.presentCall({ agent: 'demo' });
    await w.event('NowInCall');
    expect(await w.request('TransferCall', transfer('0', '2', '100'))).toMatchObject({ Response: 'OK' });
    expect(await w.request('TransferCall', transfer('0', '2', '100'))).toMatchObject({ ErrorNumber: 99 });
  });
});

describe('agent to agent', () => {
  it('GetAgents lists a waiting agent; a blind transfer brings it NowInCall with transfer: true and the record data', async () => {
    const sim = await world();
    const b = await waiting(sim, 'demo2');
    const a = await inCall(sim, 'demo', '1004');
    const agents = await a.request('GetAgents');
    expect(agents.Agents).toEqual([{ Agent: 'demo2', extension: '8600001', campaign: 'outbound' }]);
    // demo2 does not see itself.
    expect((await b.request('GetAgents')).Agents).toEqual([]);

    const mark = a.mark;
    const bMark = b.mark;
    expect(await a.request('TransferCall', transfer('1', '0', 'demo2', { Note: 'wants a discount' }))).toMatchObject({ Response: 'OK' });
    await a.event('TransferUpdate', 2000, mark, update(3));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    const received = await b.event('NowInCall', 2000, bMark);
    expect(received).toMatchObject({ transfer: true, sessionIndex: 0, campaign: 'outbound', tel: '01632960004' });
    expect(received.data).toMatchObject({ URN: '1004', Name: 'Chris Brown', Note: 'wants a discount' });
    await a.event('NowWrapping', 2000, mark);
    expect(seen(a, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'NowWrapping']);
    expect(agentOf(sim, 'demo2').state).toBe('InCall');
    // Busy now: no longer listed.
    expect((await a.request('GetAgents')).Agents).toEqual([]);
  });

  it('an agent that is not waiting refuses the transfer (TransferUpdate 2)', async () => {
    const sim = await world({ transferMs: 30 });
    const b = await h.agent(sim, 'demo2'); // connected but Unavailable
    const a = await inCall(sim);
    expect((await a.request('GetAgents')).Agents).toEqual([]);
    const mark = a.mark;
    await a.request('TransferCall', transfer('1', '0', 'demo2'));
    await a.event('TransferUpdate', 3000, mark, update(2));
    expect(b.events.map((e) => e.event)).toEqual(['NowUnavailable']);
  });

  it('the recipient hanging up after connecting gives TransferUpdate 1; the call stays with the agent', async () => {
    const sim = await world();
    const b = await waiting(sim, 'demo2');
    const a = await inCall(sim);
    const mark = a.mark;
    const bMark = b.mark;
    await a.request('TransferCall', transfer('0', '0', 'demo2'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await b.event('NowInCall', 2000, bMark, (m) => m.transfer === true);
    await a.event('TransferUpdate', 2000, mark, update(0));
    expect(sim.control.transfer({ agent: 'demo', how: 'hangup' })).toEqual({ ok: true });
    await a.event('TransferUpdate', 2000, mark, update(1));
    expect(seen(a, mark)).toEqual(['TransferUpdate 3', 'TransferUpdate 0', 'TransferUpdate 1']);
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', calls: [{ transfer: null }] });
    // The recipient's leg ended.
    await b.event('NowWrapping', 2000, bMark);
    expect(() => sim.control.transfer({ agent: 'demo', how: 'hangup' })).toThrow();
  });

  it('blind with connect to an agent: complete leaves the call with the recipient; cancel ends the recipient\'s leg', async () => {
    const sim = await world();
    const b = await waiting(sim, 'demo2');
    const a = await inCall(sim, 'demo', '1005');
    let mark = a.mark;
    let bMark = b.mark;
    await a.request('TransferCall', transfer('0', '0', 'demo2'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    expect(await b.event('NowInCall', 2000, bMark)).toMatchObject({ transfer: true, data: { URN: '1005' } });
    await a.event('TransferUpdate', 2000, mark, update(0));
    expect(await a.request('TransferOutcome', { Outcome: 'complete', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    await a.event('NowWrapping', 2000, mark);
    expect(agentOf(sim, 'demo2').state).toBe('InCall');
    expect(b.events.slice(bMark).map((e) => e.event)).toEqual(['NowInCall']);

    // demo2 finishes, waits again, and is offered the next call, which demo cancels after connecting.
    bMark = b.mark;
    await b.request('StartWrap');
    await b.request('Disposition', { outcome: 251 });
    await b.event('NowWaiting', 2000, bMark);
    mark = a.mark;
    await a.request('Disposition', { outcome: 251 });
    await a.event('NowWaiting', 2000, mark);
    sim.control.presentCall({ agent: 'demo' });
    await a.event('NowInCall', 2000, mark);
    bMark = b.mark;
    await a.request('TransferCall', transfer('0', '0', 'demo2'));
    sim.control.transfer({ agent: 'demo', how: 'answer' });
    await b.event('NowInCall', 2000, bMark);
    await a.event('TransferUpdate', 2000, mark, update(0));
    expect(await a.request('TransferOutcome', { Outcome: 'cancel', sessionIndex: 0 })).toMatchObject({ Response: 'OK' });
    await a.event('NowInCall', 2000, mark, (m) => m.transfer === false && c0(m));
    await b.event('NowWrapping', 2000, bMark);
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', calls: [{ transfer: null }] });
  });

  it('control.transfer refuses a bad `how`', async () => {
    const sim = await world();
    await inCall(sim);
    expect(() => sim.control.transfer({ agent: 'demo', how: 'explode' as never })).toThrow(/answer, refuse or hangup/);
    expect(() => sim.control.transfer({ agent: 'demo', how: 'answer' })).toThrow(/no transfer/);
  });
});
