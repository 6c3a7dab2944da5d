import { describe, expect, it } from 'vitest';
import { ClientChecker } from '../../src/proxy/checker.js';
import { RULE_IDS, type RuleId } from '../../src/proxy/rules.js';

// The rule engine alone, on a clock moved by hand: a clean exchange breaks nothing, and each rule,
// broken once, is reported once and alone.

const SID = 1234;

function session() {
  let t = 0;
  const c = new ClientChecker({ ackWithinMs: 5_000, keepAliveWithinMs: 30_000 }, () => t);
  const send = (m: object | string) => c.fromClient(typeof m === 'string' ? m : JSON.stringify(m));
  const recv = (m: object) => c.fromServer(JSON.stringify(m));
  const wait = (ms: number) => void (t += ms);
  // Authenticated and connected: the agent is Unavailable.
  send({ type: 'Authenticate', RID: 1, Agent: 'demo', Password: 'demo', extension: '8600001' });
  recv({ Response: 'OK', RID: 1, SID });
  send({ type: 'Connect', RID: 2, SID, tenant: 'demo', campaign: 'outbound' });
  recv({ status: 'Connected', RID: 2 });
  recv({ event: 'NowUnavailable', RID: 900 });
  send({ type: 'Acknowledge', RID: 900, SID });
  return { c, send, recv, wait };
}

const rules = (c: ClientChecker) => c.violations().map((v) => [v.rule, v.count]);

describe('the client rule engine', () => {
  it('finds nothing in a clean session, RID and SID as decimal strings included (ERRATA 7)', () => {
    const { c, send, recv, wait } = session();
    send({ type: 'GoAvailable', RID: '3', SID: String(SID) });
    recv({ Response: 'OK', RID: '3' });
    wait(20_000);
    send({ type: 'KeepAlive', SID });
    recv({ event: 'NowInCall', RID: 901, sessionIndex: 0, calltype: 0 });
    send({ type: 'Acknowledge', RID: 901, SID });
    send({ type: 'StartWrap', RID: 4, SID, sessionIndex: 0 });
    recv({ Response: 'OK', RID: 4 });
    recv({ event: 'NowWrapping', RID: 902, sessionIndex: 0 });
    send({ type: 'Acknowledge', RID: 902, SID });
    send({ type: 'Disposition', RID: 5, SID, outcome: 251, callbackNumber: '', callbackTime: '', personalCallback: false, data: {} });
    recv({ Response: 'OK', RID: 5 });
    c.end();
    expect(rules(c)).toEqual([]);
  });

  const cases: [RuleId, (s: ReturnType<typeof session>) => void][] = [
    ['not-json', (s) => s.send('{"type": "GoAvailable", ')],
    ['braceless-frame', (s) => s.send(`"type": "GetTenants", "RID": 3, "SID": ${SID}`)],
    ['unknown-type', (s) => s.send({ type: 'goavailable', RID: 3, SID })],
    ['key-required', (s) => s.send({ type: 'ManualDial', RID: 3, SID })],
    ['key-missing', (s) => s.send({ type: 'Authenticate', RID: 3, Agent: 'demo', Password: 'demo' })],
    ['key-type', (s) => s.send({ type: 'ManualDial', RID: 3, SID, telNumber: { n: 1 } })],
    ['key-type-loose', (s) => s.send({ type: 'GoAvailable', RID: 3, SID, live: '0' })],
    ['value-not-documented', (s) => s.send({ type: 'GoAvailable', RID: 3, SID, live: -7 })],
    ['rid-missing', (s) => s.send({ type: 'GetTenants', SID })],
    ['rid-not-int32', (s) => s.send({ type: 'GetTenants', RID: 2 ** 33, SID })],
    ['rid-reused', (s) => (s.send({ type: 'GetTenants', RID: 3, SID }), s.send({ type: 'GetAgents', RID: 3, SID }))],
    ['sid-missing', (s) => s.send({ type: 'GetTenants', RID: 3 })],
    ['sid-wrong', (s) => s.send({ type: 'GetTenants', RID: 3, SID: 99 })],
    ['ack-late', (s) => (s.recv({ event: 'NowWaiting', RID: 950 }), s.wait(6_000), s.send({ type: 'Acknowledge', RID: 950, SID }))],
    ['ack-twice', (s) => s.send({ type: 'Acknowledge', RID: 900, SID })],
    ['ack-out-of-order', (s) => (s.recv({ event: 'NowWaiting', RID: 950 }), s.recv({ event: 'NowAvailable', RID: 951 }), s.send({ type: 'Acknowledge', RID: 951, SID }), s.send({ type: 'Acknowledge', RID: 950, SID }))],
    ['ack-unknown', (s) => s.send({ type: 'Acknowledge', RID: 777, SID })],
    ['ack-missing', (s) => (s.recv({ event: 'NowWaiting', RID: 950 }), s.wait(6_000), s.send({ type: 'KeepAlive', SID }))],
    ['keepalive-missing', (s) => (s.wait(31_000), s.c.tick())],
    ['state-refused', (s) => (s.send({ type: 'Disposition', RID: 3, SID, outcome: 1, callbackNumber: '', callbackTime: '', personalCallback: false, data: {} }), s.recv({ Response: 'ERROR', RID: 3, ErrorNumber: 320 }))],
    ['server-unexpected-answer', (s) => s.recv({ Response: 'OK', RID: 4242 })],
    ['server-unknown-event', (s) => (s.recv({ event: 'NowDancing', RID: 960 }), s.send({ type: 'Acknowledge', RID: 960, SID }))],
  ];

  it('has a case below for every rule', () => {
    expect(cases.map(([r]) => r).sort()).toEqual([...RULE_IDS].sort());
  });

  it.each(cases)('reports %s once, and nothing else', (rule, act) => {
    const s = session();
    act(s);
    s.c.end();
    expect(rules(s.c)).toEqual([[rule, 1]]);
  });

  it('withdraws a state-refused guess the server answered with success (a pipelined StartWrap came first)', () => {
    const s = session();
    s.recv({ event: 'NowInCall', RID: 901, sessionIndex: 0 });
    s.send({ type: 'Acknowledge', RID: 901, SID });
    s.send({ type: 'StartWrap', RID: 3, SID, sessionIndex: 0 });
    s.send({ type: 'Disposition', RID: 4, SID, outcome: 1, callbackNumber: '', callbackTime: '', personalCallback: false, data: {} });
    s.recv({ Response: 'OK', RID: 3 });
    s.recv({ Response: 'OK', RID: 4 });
    s.c.end();
    expect(rules(s.c)).toEqual([]);
  });

  it('counts every offence, keeps the first frame, masked, and never quotes a password', () => {
    const s = session();
    s.send({ type: 'Authenticate', RID: 10, Agent: 'demo', Password: 'sekrit-pw', extension: 7 });
    s.send({ type: 'Authenticate', RID: 11, Agent: 'demo', Password: 12345678, extension: '1' });
    s.send('{"type": "Authenticate", "Password": "sekrit-pw", ');
    s.c.end();
    const all = JSON.stringify(s.c.violations());
    expect(all).not.toContain('sekrit-pw');
    expect(all).not.toContain('12345678');
    const type = s.c.violations().find((v) => v.rule === 'key-type-loose')!;
    expect(type.count).toBe(2);
    expect(type.frame).toMatchObject({ RID: 10, Password: '[Masked]' });
  });
});
