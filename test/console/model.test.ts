import { describe, expect, it } from 'vitest';
import { ConsoleModel, type LogEntry } from '../../src/console/model.js';
import type { Json } from '../../src/protocol/codec.js';
import { checkRecipe } from '../../src/recipe/check.js';

function setup() {
  const sent: Json[] = [];
  const log: LogEntry[] = [];
  const m = new ConsoleModel((msg) => sent.push(msg), (e) => log.push(e), () => new Date('2026-01-01T00:00:00Z'));
  return { m, sent, log };
}

describe('console model', () => {
  it('fills RID and SID automatically, and the SID from Authenticate\'s answer', () => {
    const { m, sent, log } = setup();
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'pw', extension: '1' }));
    expect(sent[0]).toMatchObject({ type: 'Authenticate', Agent: 'demo' });
    expect(sent[0].SID).toBeUndefined();
    expect(log[0].text).toContain('"Password":"[Masked]"');
    expect(log[0].text).not.toContain('pw');
    m.receive({ Response: 'OK', RID: sent[0].RID, SID: 4242 });
    m.transmit(m.build('GoAvailable', {}));
    expect(sent[1]).toMatchObject({ type: 'GoAvailable', SID: 4242, live: 1 });
    expect(sent[1].RID).toBe((sent[0].RID as number) + 1);
  });

  it('takes RID and SID from the user when the toggles are off', () => {
    const { m, sent } = setup();
    m.toggle('autoRid');
    m.toggle('autoSid');
    m.transmit(m.build('GetTenants', {}, { rid: 7, sid: 99 }));
    expect(sent[0]).toEqual({ type: 'GetTenants', RID: 7, SID: 99 });
  });

  it('acknowledges events automatically, or lists them for a manual acknowledgement', () => {
    const { m, sent } = setup();
    m.receive({ Response: 'OK', RID: 1, SID: 5 });
    m.receive({ event: 'NowAvailable', RID: 100 });
    expect(sent.at(-1)).toEqual({ type: 'Acknowledge', RID: 100, SID: 5 });
    m.toggle('autoAck');
    m.receive({ event: 'NowWaiting', RID: 101 });
    expect(sent.at(-1)).toEqual({ type: 'Acknowledge', RID: 100, SID: 5 });
    expect(m.unacked.map((e) => e.RID)).toEqual([101]);
    expect(m.view.state).toBe('Waiting');
    m.acknowledge(101);
    expect(sent.at(-1)).toEqual({ type: 'Acknowledge', RID: 101, SID: 5 });
    expect(m.unacked).toEqual([]);
  });

  it('reads RID and SID written as strings, as the real dialler writes them, and sends integers (ERRATA 7)', () => {
    const { m, sent } = setup();
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'pw', extension: '1' }));
    m.receive({ Response: 'OK', SID: '567678296', RID: String(sent[0].RID) });
    expect(m.sid).toBe(567678296);
    m.transmit(m.build('GoAvailable', {}));
    expect(sent[1]).toMatchObject({ SID: 567678296 });
    m.receive({ event: 'NowAvailable', RID: '100' });
    expect(sent.at(-1)).toEqual({ type: 'Acknowledge', RID: 100, SID: 567678296 });
    m.toggle('autoAck');
    m.receive({ event: 'NowWaiting', RID: '101' });
    expect(m.unacked.map((e) => e.RID)).toEqual(['101']);
    m.acknowledge(101);
    expect(sent.at(-1)).toEqual({ type: 'Acknowledge', RID: 101, SID: 567678296 });
    expect(m.unacked).toEqual([]);
  });

  it('exchange: sends a request and resolves with the answer of its RID, string or not; undefined after a timeout or a close', async () => {
    const { m, sent, log } = setup();
    const auth = m.exchange('Authenticate', { Agent: 'demo', Password: 'pw', extension: '1' }, 5000);
    expect(log.at(-1)!.text).toContain('"Password":"[Masked]"');
    m.receive({ Response: 'OK', RID: 1 }); // another request's answer
    m.receive({ Response: 'OK', SID: '77', RID: String(sent[0].RID) });
    expect(await auth).toMatchObject({ SID: '77' });
    const refused = m.exchange('Connect', { tenant: 'demo', campaign: 'nope' }, 5000);
    expect(sent[1]).toMatchObject({ type: 'Connect', SID: 77 });
    m.receive({ Response: 'ERROR', RID: sent[1].RID, ErrorNumber: 301 });
    expect(await refused).toMatchObject({ ErrorNumber: 301 });
    expect(await m.exchange('GetTenants', {}, 10)).toBeUndefined();
    const cut = m.exchange('GetTenants', {}, 5000);
    m.disconnected();
    expect(await cut).toBeUndefined();
  });

  it('acknowledges what waited when automatic acknowledgement comes back on', () => {
    const { m, sent } = setup();
    m.toggle('autoAck');
    m.receive({ event: 'NowAvailable', RID: 1 });
    m.receive({ event: 'NowWaiting', RID: 2 });
    m.toggle('autoAck');
    expect(sent.map((s) => s.RID)).toEqual([1, 2]);
  });

  it('explains an error with the catalogue', () => {
    const { m, log } = setup();
    m.receive({ Response: 'ERROR', RID: 3, ErrorLevel: 'Serious', ErrorNumber: 320, ErrorMessage: 'Cannot disposition, agent is not in wrap' });
    expect(log.at(-1)).toMatchObject({ kind: 'error' });
    expect(log.at(-1)!.note).toMatch(/start-wrap/);
  });

  it('writes what was done as a valid recipe, the password read from AAPI_PASSWORD', () => {
    const { m, sent } = setup();
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'secret-pw', extension: '8600001' }));
    m.receive({ Response: 'OK', RID: sent[0].RID, SID: 9 });
    m.transmit(m.build('Connect', { tenant: 'demo', campaign: 'outbound' }));
    m.receive({ event: 'NowUnavailable', RID: 50 });
    m.receive({ event: 'ChatReceived', RID: 51, sessionIndex: 1, message: 'hi' });
    const text = m.recipe('explored', m.replay('rec.json5', 'ws://127.0.0.1:8787'));
    expect(text).not.toContain('secret-pw');
    const recipe = checkRecipe('recorded.json5', text);
    expect(recipe.steps.map((s) => s.title)).toEqual(['send Authenticate', 'send Connect', 'expectEvent NowUnavailable', 'expectEvent ChatReceived']);
    expect(recipe.steps[0]).toMatchObject({ with: { Password: '${env.AAPI_PASSWORD}' } });
    expect(recipe.steps[3]).toMatchObject({ where: { sessionIndex: 1 } });
  });

  it('records a request the server refused as a step expecting that error, so the recording replays as it went', () => {
    const { m, sent } = setup();
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'secret-pw', extension: '8600001' }));
    m.transmit(m.build('Disposition', { outcome: 251 }));
    m.transmit(m.build('GetTenants', {}));
    // Answers out of order: each goes to its request by RID.
    m.receive({ Response: 'ERROR', RID: sent[1].RID, ErrorLevel: 'Serious', ErrorNumber: 320, ErrorMessage: 'Cannot disposition, agent is not in wrap' });
    m.receive({ Response: 'OK', RID: sent[0].RID, SID: 9 });
    m.receive({ RID: sent[2].RID, tenants: ['demo'] });
    // A frame it could not read is answered on RID 0: the oldest request unanswered is the one.
    m.transmit(m.build('StartWrap', {}));
    m.receive({ Response: 'ERROR', RID: 0, ErrorLevel: 'Serious', ErrorNumber: 999, ErrorMessage: 'Site rule' });
    const recipe = checkRecipe('recorded.json5', m.recipe('with mistakes', m.replay('rec.json5', 'ws://x')));
    expect(recipe.steps.map((s) => [s.title, s.kind === 'send' ? s.expectError : undefined])).toEqual([
      ['send Authenticate', undefined], ['send Disposition', 320], ['send GetTenants', undefined], ['send StartWrap', 999],
    ]);
  });

  it('gives the command that replays the recording: the environment variables to set, never their values', () => {
    const { m } = setup();
    m.transmit(m.build('GetTenants', {}));
    expect(m.replay('rec.json5', 'ws://127.0.0.1:8787')).toBe('aapi run --server ws://127.0.0.1:8787 rec.json5');
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'secret-pw', extension: '8600001' }));
    const replay = m.replay('my session.json5', 'wss://127.0.0.1:8443', true);
    expect(replay).toBe("AAPI_PASSWORD=... aapi run --server wss://127.0.0.1:8443 --insecure 'my session.json5'");
    const text = m.recipe('explored', replay);
    expect(text).toContain(`// Replay: ${replay} (AAPI_PASSWORD is read from the environment).`);
    expect(text).not.toContain('secret-pw');
  });

  it('shows the history masked, newest first, and keeps each message whole to send again', () => {
    const { m } = setup();
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'secret-pw', extension: '1', DeviceID: 'dev-1' }));
    m.transmit(m.build('GetTenants', {}));
    const shown = m.shownHistory();
    expect(shown.map((h) => h.index)).toEqual([1, 0]);
    expect(shown[1].text).toContain('"Password":"[Masked]"');
    expect(shown[1].text).toContain('"DeviceID":"[Masked]"');
    expect(shown.map((h) => h.text).join('\n')).not.toMatch(/secret-pw|dev-1/);
    expect(m.history[0]).toMatchObject({ Password: 'secret-pw', DeviceID: 'dev-1' });
  });

  it('leaves acknowledgements to the daemon when attached', () => {

    const { m, sent } = setup();
    m.attached = true;
    m.receive({ event: 'NowWaiting', RID: 1 });
    m.toggle('autoAck');
    expect(sent).toEqual([]);
    expect(m.unacked).toEqual([]);
    expect(m.toggles.autoAck).toBe(true);
    expect(m.view.state).toBe('Waiting');
  });

  it('says Authenticated once Authenticate is answered OK, not on another response', () => {
    const { m, sent } = setup();
    m.transmit(m.build('GetTenants', {}));
    m.receive({ RID: sent[0].RID, tenants: ['demo'] });
    expect(m.view.state).toBe('LoggedOut');
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'pw', extension: '1' }));
    m.receive({ Response: 'ERROR', RID: sent[1].RID, ErrorNumber: 100 });
    expect(m.view.state).toBe('LoggedOut');
    m.transmit(m.build('Authenticate', { Agent: 'demo', Password: 'demo', extension: '1' }));
    m.receive({ Response: 'OK', RID: sent[2].RID, SID: 7 });
    expect(m.view.state).toBe('Authenticated');
  });

  it('notes error 99 for an agent on no campaign with the hint to connect', () => {
    const { m, sent, log } = setup();
    m.transmit(m.build('GoAvailable', {}));
    m.receive({ Response: 'ERROR', RID: sent[0].RID, ErrorNumber: 99, ErrorLevel: 'Serious', ErrorMessage: 'Malformed message', ErrorDetail: 'the agent is not connected to the dialler: send Connect first' });
    expect(log.at(-1)?.note).toMatch(/`aapi connect --tenant T --campaign C`/);
  });
});
