import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import type { Simulator } from '../../src/sim/server.js';
import { Harness, ManualClock, type RawClient } from '../helpers/client.js';

// "Dialler Basics": the standard cycle, manual and follow-on calls, and what an agent does during a
// call (recording, hold, DTMF, chapters, wrap, disposition with callbacks and data).

const h = new Harness();
afterEach(() => h.cleanup());

interface AgentView {
  state: string;
  pendingUnavailable: boolean;
  calls: { sessionIndex: number; phase: string; urn: string | null; tel: string; recording: boolean; hold: boolean; multiSale: Record<string, number>; tags: string[]; chapters: string[]; dtmf: string[] }[];
}
const agentOf = (sim: Simulator, name = 'demo') => (sim.control.state() as { agents: Record<string, AgentView> }).agents[name];
const names = (c: RawClient, from = 0) => c.events.slice(from).map((e) => e.event);

/** GoAvailable, then the presented call's NowInCall. */
async function toCall(c: RawClient): Promise<Json> {
  const mark = c.mark;
  expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
  return c.event('NowInCall', 3000, mark);
}

describe('standard cycle', () => {
  it('follows the table of "Standard cycle" from log-in to log-off', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    await c.connectAgent();
    let mark = c.mark;
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    const first = await c.event('NowInCall', 3000, mark);
    expect(first).toMatchObject({ campaign: 'outbound', calltype: 0, transfer: false, queuenumber: 0, sessionIndex: 0, tel: '01632960001' });
    expect(first.data).toMatchObject({ URN: '1001', Name: 'Jo Bloggs' });
    expect(agentOf(sim).state).toBe('InCall');

    // The customer hangs up.
    mark = c.mark;
    expect(sim.control.hangUp({ agent: 'demo' })).toEqual({ ok: true });
    expect(await c.event('NowWrapping', 2000, mark)).toMatchObject({ sessionIndex: 0 });
    expect(agentOf(sim).state).toBe('Wrapping');
    mark = c.mark;
    expect(await c.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting', 2000, mark);

    // The dialler connects the next record; the agent asks to leave during the call.
    const second = await c.event('NowInCall', 3000, mark);
    expect(second.data).toMatchObject({ URN: '1002' });
    expect(second.uniquecallid).not.toBe(first.uniquecallid);
    expect(second.sessionID).not.toBe(first.sessionID);
    mark = c.mark;
    expect(await c.request('GoUnavailable', { breakReason: 3 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim)).toMatchObject({ state: 'InCall', pendingUnavailable: true });
    // The agent ends the call and disposes it: NowUnavailable instead of NowWaiting.
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, mark);
    expect(await c.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await c.event('NowUnavailable', 2000, mark);
    expect(names(c, mark)).toEqual(['NowWrapping', 'NowUnavailable']);
    expect(agentOf(sim).state).toBe('Unavailable');

    mark = c.mark;
    expect(await c.request('Logoff')).toMatchObject({ Response: 'OK' });
    await c.event('NowLoggedOff', 2000, mark);
    expect(names(c)).toEqual([
      'NowUnavailable', 'NowAvailable', 'NowWaiting', 'NowInCall', 'NowWrapping', 'NowWaiting',
      'NowInCall', 'NowWrapping', 'NowUnavailable', 'NowLoggedOff',
    ]);
    expect(sim.control.state().dispositions).toEqual([
      expect.objectContaining({ agent: 'demo', urn: '1001', outcome: 251 }),
      expect.objectContaining({ agent: 'demo', urn: '1002', outcome: 251 }),
    ]);
  });

  it('GoUnavailable while waiting is granted at once and no call is presented', async () => {
    // The presentation delay runs on a clock the test moves: the call cannot come early on a slow
    // machine, nor be missed by a wait that was too short.
    const clock = new ManualClock();
    const presentMs = 300;
    const sim = await h.sim({ presentMs }, {}, { clock });
    const c = await h.agent(sim);
    let mark = c.mark;
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting', 2000, mark);
    expect(await c.request('GoUnavailable', { breakReason: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowUnavailable', 2000, mark);
    clock.advance(presentMs * 10);
    await c.request('GetTenants'); // a barrier: anything the timers sent has arrived before its answer
    expect(names(c, mark)).toEqual(['NowAvailable', 'NowWaiting', 'NowUnavailable']);
    // The same delay, waiting, does present the call: the advance above was long enough to show one.
    mark = c.mark;
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting', 2000, mark);
    clock.advance(presentMs - 1);
    await c.request('GetTenants');
    expect(names(c, mark)).toEqual(['NowAvailable', 'NowWaiting']);
    clock.advance(1);
    await c.event('NowInCall', 2000, mark);
  });

  it('160 when already available with the same settings, 161 when already unavailable or already leaving', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const c = await h.client(sim.url);
    await c.login();
    // Not connected to the dialler yet: no availability to change.
    expect(await c.request('GoAvailable', {})).toMatchObject({ ErrorNumber: 99 });
    expect(await c.request('GoUnavailable', {})).toMatchObject({ ErrorNumber: 99 });
    expect(await c.request('Connect', { tenant: 'demo', campaign: 'outbound' })).toMatchObject({ status: 'Connected' });
    expect(await c.request('GoUnavailable', { breakReason: 1 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 161, ErrorMessage: 'Can\'t go unavailable, agent is already unavailable' });
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 160, ErrorMessage: 'Can\'t go available, agent is already available' });
    sim.control.presentCall({ agent: 'demo' });
    await c.event('NowInCall');
    expect(await c.request('GoUnavailable', { breakReason: 1 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('GoUnavailable', { breakReason: 1 })).toMatchObject({ ErrorNumber: 161 });
    // Going available again cancels the pending GoUnavailable: after the call, NowWaiting.
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).pendingUnavailable).toBe(false);
    const mark = c.mark;
    sim.control.hangUp({ agent: 'demo' });
    await c.event('NowWrapping', 2000, mark);
    await c.request('Disposition', { outcome: 1 });
    await c.event('NowWaiting', 2000, mark);
  });

  it('with talkMs > 0 the customer hangs up by itself', async () => {
    const sim = await h.sim({ talkMs: 50 });
    const c = await h.agent(sim);
    const mark = c.mark;
    await toCall(c);
    expect(await c.event('NowWrapping', 3000, mark)).toMatchObject({ sessionIndex: 0 });
    expect(agentOf(sim).state).toBe('Wrapping');
  });

  it('control.hangUp puts the agent in wrap, and is refused with no call', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(() => sim.control.hangUp({ agent: 'demo' })).toThrow(/no call/);
    expect(() => sim.control.hangUp({ agent: 'nobody' })).toThrow(/not logged in/);
    await toCall(c);
    const mark = c.mark;
    expect(sim.control.hangUp({ agent: 'demo' })).toEqual({ ok: true });
    await c.event('NowWrapping', 2000, mark);
    expect(() => sim.control.hangUp({ agent: 'demo' })).toThrow();
  });
});

describe('manual and follow-on calls', () => {
  it('manual call from Unavailable: NowCalling, NowInCall, StartWrap → NowWrapping, Disposition → NowUnavailable', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    let mark = c.mark;
    expect(await c.request('ManualDial', { telNumber: '01632 960123' })).toMatchObject({ Response: 'OK' });
    expect(await c.event('NowCalling', 2000, mark)).toMatchObject({ sessionIndex: 0 });
    const call = await c.event('NowInCall', 2000, mark);
    expect(call).toMatchObject({ tel: '01632960123', transfer: false, sessionIndex: 0 });
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, mark);
    expect(await c.request('Disposition', { outcome: 10 })).toMatchObject({ Response: 'OK' });
    await c.event('NowUnavailable', 2000, mark);
    expect(names(c, mark)).toEqual(['NowCalling', 'NowInCall', 'NowWrapping', 'NowUnavailable']);

    // Again, ended by the far end this time.
    mark = c.mark;
    expect(await c.request('ManualDial', { telNumber: '+441632960124' })).toMatchObject({ Response: 'OK' });
    await c.event('NowInCall', 2000, mark);
    sim.control.hangUp({ agent: 'demo' });
    await c.event('NowWrapping', 2000, mark);
    await c.request('Disposition', { outcome: 10 });
    await c.event('NowUnavailable', 2000, mark);
    expect(names(c, mark)).toEqual(['NowCalling', 'NowInCall', 'NowWrapping', 'NowUnavailable']);
  });

  it('follow-on call from Wrapping: NowCalling, NowInCall on the same record, NowWrapping, Disposition → NowWaiting', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const c = await h.agent(sim);
    const mark0 = c.mark;
    await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 });
    await c.event('NowWaiting', 2000, mark0);
    sim.control.presentCall({ agent: 'demo', urn: '1003' });
    const first = await c.event('NowInCall', 2000, mark0);
    expect(first.data).toMatchObject({ URN: '1003' });
    await c.request('StartWrap');
    await c.event('NowWrapping', 2000, mark0);
    const mark = c.mark;
    expect(await c.request('ManualDial', { telNumber: '07700900003' })).toMatchObject({ Response: 'OK' });
    await c.event('NowCalling', 2000, mark);
    const again = await c.event('NowInCall', 2000, mark);
    expect(again).toMatchObject({ tel: '07700900003', sessionIndex: 0 });
    expect(again.data).toMatchObject({ URN: '1003' });
    expect(again.uniquecallid).not.toBe(first.uniquecallid);
    sim.control.hangUp({ agent: 'demo' });
    await c.event('NowWrapping', 2000, mark);
    expect(await c.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting', 2000, mark);
    expect(names(c, mark)).toEqual(['NowCalling', 'NowInCall', 'NowWrapping', 'NowWaiting']);
    expect(sim.control.state().dispositions).toEqual([expect.objectContaining({ urn: '1003', outcome: 251 })]);
  });

  it('300 when Waiting, InCall or Calling; 301 for a number that is not one', async () => {
    const sim = await h.sim({ presentMs: 60_000, dialMs: 60_000 });
    const c = await h.agent(sim);
    expect(await c.request('ManualDial', { telNumber: 'abc' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 301, ErrorMessage: 'Manual dial could not be made due to invalid telephone number' });
    expect(await c.request('ManualDial', { telNumber: '' })).toMatchObject({ ErrorNumber: 301 });
    expect(await c.request('ManualDial', { telNumber: '12' })).toMatchObject({ ErrorNumber: 301 });
    const mark = c.mark;
    expect(await c.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ Response: 'OK' });
    await c.event('NowCalling', 2000, mark);
    expect(agentOf(sim).state).toBe('Calling');
    expect(await c.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ ErrorNumber: 300 });
    // Hang up while still ringing: the call goes to wrap, and after it the agent is unavailable.
    sim.control.hangUp({ agent: 'demo' });
    await c.event('NowWrapping', 2000, mark);
    await c.request('Disposition', { outcome: 1 });
    await c.event('NowUnavailable', 2000, mark);

    await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 });
    await c.event('NowWaiting', 2000, mark);
    expect(await c.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 300, ErrorMessage: 'Agent is not in an appropriate state to make a manual/follow-on call' });
    sim.control.presentCall({ agent: 'demo' });
    await c.event('NowInCall', 2000, mark);
    expect(await c.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ ErrorNumber: 300 });
  });
});

describe('during a call', () => {
  it('PauseRecording → NowPaused, again → 330; ResumeRecording → NowRecording, again → 331', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('PauseRecording')).toMatchObject({ ErrorNumber: 330 }); // no call
    await toCall(c);
    let mark = c.mark;
    expect(await c.request('ResumeRecording')).toMatchObject({ Response: 'ERROR', ErrorNumber: 331, ErrorMessage: 'Cannot resume call, call was already being recorded' });
    expect(await c.request('PauseRecording')).toMatchObject({ Response: 'OK' });
    expect(await c.event('NowPaused', 2000, mark)).toMatchObject({ sessionIndex: 0 });
    expect(agentOf(sim).calls[0].recording).toBe(false);
    expect(await c.request('PauseRecording')).toMatchObject({ Response: 'ERROR', ErrorNumber: 330, ErrorMessage: 'Cannot pause call, call is not currently being recorded or is already paused' });
    mark = c.mark;
    expect(await c.request('ResumeRecording')).toMatchObject({ Response: 'OK' });
    expect(await c.event('NowRecording', 2000, mark)).toMatchObject({ sessionIndex: 0 });
    expect(agentOf(sim).calls[0].recording).toBe(true);
    expect(await c.request('ResumeRecording')).toMatchObject({ ErrorNumber: 331 });
  });

  it('ToggleHold toggles the hold of the live call; without a call it is refused', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('ToggleHold')).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    await toCall(c);
    expect(agentOf(sim).calls[0].hold).toBe(false);
    expect(await c.request('ToggleHold')).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].hold).toBe(true);
    expect(await c.request('ToggleHold')).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].hold).toBe(false);
  });

  it('Keypress: "12#*" OK; "12a" → 322; no call → 321', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('Keypress', { keyPress: '1' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 321, ErrorMessage: 'Cannot send DTMF, agent is not in a call' });
    await toCall(c);
    expect(await c.request('Keypress', { keyPress: '12#*' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('Keypress', { keyPress: '12a' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 322, ErrorLevel: 'Warning' });
    expect(await c.request('Keypress', { keyPress: '' })).toMatchObject({ ErrorNumber: 322 });
    expect(agentOf(sim).calls[0].dtmf).toEqual(['12#*']);
    await c.request('StartWrap');
    expect(await c.request('Keypress', { keyPress: '1' })).toMatchObject({ ErrorNumber: 321 });
  });

  it('ChapterMark in a call is OK; otherwise 340', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('ChapterMark', { chaptername: 'intro' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 340, ErrorLevel: 'Warning' });
    await toCall(c);
    expect(await c.request('ChapterMark', { chaptername: 'intro' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('ChapterMark', { chaptername: 'offer' })).toMatchObject({ Response: 'OK' });
    expect(agentOf(sim).calls[0].chapters).toEqual(['intro', 'offer']);
    await c.request('StartWrap');
    expect(await c.request('ChapterMark', { chaptername: 'late' })).toMatchObject({ ErrorNumber: 340 });
  });

  it('StartWrap: 323 with no call, 324 when already wrapping; Disposition: 320 unless wrapping', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'ERROR', ErrorNumber: 323, ErrorMessage: 'Cannot start wrap, agent is not talking' });
    expect(await c.request('Disposition', { outcome: 1 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 320, ErrorMessage: 'Cannot disposition, agent is not in wrap' });
    await toCall(c);
    expect(await c.request('Disposition', { outcome: 1 })).toMatchObject({ ErrorNumber: 320 });
    expect(agentOf(sim).state).toBe('InCall');
    const mark = c.mark;
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'OK' });
    await c.event('NowWrapping', 2000, mark);
    expect(await c.request('StartWrap')).toMatchObject({ Response: 'ERROR', ErrorNumber: 324, ErrorMessage: 'Cannot start wrap, agent is already in wrap' });
    expect(await c.request('StartWrap', { sessionIndex: 3 })).toMatchObject({ ErrorNumber: 323 });
    expect(await c.request('Disposition', { outcome: 1, sessionIndex: 3 })).toMatchObject({ ErrorNumber: 320 });
    expect(await c.request('Disposition', { outcome: 1 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('Disposition', { outcome: 1 })).toMatchObject({ ErrorNumber: 320 });
  });

  it('MultiSale and TagCall are recorded with the disposition', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    expect(await c.request('MultiSale', { outcome: 251, quantity: 1 })).toMatchObject({ ErrorNumber: 99 }); // no call
    const call = await toCall(c);
    expect(await c.request('MultiSale', { outcome: 251, quantity: 2 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('MultiSale', { outcome: 251, quantity: 1 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('MultiSale', { outcome: 300, quantity: 1 })).toMatchObject({ Response: 'OK' });
    expect(await c.request('TagCall', { URN: 'ACC-42' })).toMatchObject({ Response: 'OK' });
    expect(await c.request('TagCall', { URN: 'ACC-1', sessionIndex: 4 })).toMatchObject({ ErrorNumber: 99 });
    expect(agentOf(sim).calls[0]).toMatchObject({ multiSale: { 251: 3, 300: 1 }, tags: ['ACC-42'] });
    await c.request('StartWrap');
    // Still counted in wrap.
    expect(await c.request('MultiSale', { outcome: 300, quantity: -1 })).toMatchObject({ Response: 'OK' });
    await c.request('Disposition', { outcome: 251 });
    expect(sim.control.state().dispositions).toEqual([
      expect.objectContaining({ urn: (call.data as Json).URN, outcome: 251, multiSale: { 251: 3, 300: 0 }, tags: ['ACC-42'] }),
    ]);
    // TagCall is for reporting only: the record is not changed.
    expect((await c.request('GetRecord', { URN: (call.data as Json).URN })).data).not.toHaveProperty('ACC-42');
  });

  it('Disposition books a callback and writes its data back to the record', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    const call = await toCall(c);
    const urn = (call.data as Json).URN as string;
    await c.request('StartWrap');
    const mark = c.mark;
    expect(await c.request('Disposition', {
      outcome: 260, callbackNumber: '01632960555', callbackTime: '2030-01-02 10:30', personalCallback: true,
      data: { Notes: 'call back after lunch', Name: 'Jo Bloggs-Smith' },
    })).toMatchObject({ Response: 'OK' });
    expect(sim.control.state().callbacks).toEqual([
      { agent: 'demo', urn, number: '01632960555', time: '2030-01-02 10:30', personal: true },
    ]);
    const record = await c.request('GetRecord', { URN: urn });
    expect(record.data).toMatchObject({ URN: urn, Notes: 'call back after lunch', Name: 'Jo Bloggs-Smith', Tel: '01632960001' });
    // Without a callback number or time, none is booked.
    await c.event('NowInCall', 3000, mark);
    await c.request('StartWrap');
    await c.request('Disposition', { outcome: 251, callbackNumber: '', callbackTime: '', personalCallback: false, data: {} });
    expect(sim.control.state().callbacks).toHaveLength(1);
  });
});
