import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { flagKeys, flagOf } from '../../src/protocol/flags.js';
import { REQUESTS, resolveVerb } from '../../src/protocol/catalogue.js';
import { VERBS, type Verb } from '../../src/protocol/types.js';
import { json, MANUAL_TIMINGS, until, World, type Control } from '../helpers/e2e.js';
import type { Run } from '../helpers/spawn.js';

// Every one of the 32 verbs run from the shell through the real binary and its session daemon,
// checked against what the real simulator received and did.

const w = new World('verbs');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

/** The verbs run from the shell by the tests above the last one, which checks that all 32 were. */
const covered = new Set<Verb>();

/** Counts that tick on their own (the daemon's KeepAlives and acknowledgements). */
const BACKGROUND: ReadonlySet<string> = new Set(['KeepAlive', 'Acknowledge']);

interface Agent {
  control: Control;
  env: NodeJS.ProcessEnv;
  /**
   * Runs `aapi ARGS` (ARGS[0] a verb), expects exit `code`, and that the simulator received the verb
   * exactly once more (at least once for KeepAlive and Acknowledge, which the daemon sends too).
   */
  verb(args: string[], o?: { code?: number; env?: NodeJS.ProcessEnv }): Promise<Run>;
  wait(event: string, ...where: string[]): Promise<Record<string, any>>;
}

type Sim = Awaited<ReturnType<World['sim']>>;

/** A session on `profile` (connected to demo/outbound unless tenant is false), on `on` or a new simulator. */
async function agent(profile: string, o: { agent?: string; extension?: string; tenant?: boolean; on?: Sim } = {}): Promise<Agent & Sim> {
  const { sim, control } = o.on ?? (await w.sim({ timings: MANUAL_TIMINGS }));
  const login = await w.login(sim, { profile, agent: o.agent, extension: o.extension, tenant: o.tenant === false ? undefined : 'demo' });
  expect(login.code, login.stderr).toBe(0);
  const env = { AAPI_PROFILE: profile };
  return {
    sim,
    control,
    env,
    async verb(args, { code = 0, env: extra = {} } = {}) {
      const verb = resolveVerb(args[0]);
      if (!verb) throw new Error(`not a verb: ${args[0]}`);
      const before = (await control.state()).received[verb];
      const r = await w.aapi(args, { env: { ...env, ...extra } });
      expect(r.code, `aapi ${args.join(' ')}: ${r.stderr}`).toBe(code);
      const after = (await control.state()).received[verb];
      if (BACKGROUND.has(verb)) expect(after - before, verb).toBeGreaterThanOrEqual(1);
      else expect(after - before, `${verb} received`).toBe(1);
      if (code === 0) covered.add(verb);
      return r;
    },
    async wait(event, ...where) {
      const r = await w.aapi(['wait', event, ...where.flatMap((x) => ['--where', x])], { env });
      expect(r.code, `wait ${event}: ${r.stderr}`).toBe(0);
      return json(r);
    },
  };
}

const liveCall = async (c: Control, agentName = 'demo') => (await c.state()).agents[agentName].calls.find((x) => x.sessionIndex === 0);

describe('verbs', () => {
  it('session verbs: get-tenants, get-campaigns, connect, get-webrtc, keep-alive, authenticate, send, logoff', async () => {
    const a = await agent('session', { tenant: false });
    expect(json(await w.aapi(['status'], { env: a.env })).state).toBe('Authenticated');

    expect(json(await a.verb(['get-tenants'])).tenants).toEqual(['demo', 'other']);
    expect(json(await a.verb(['get-campaigns', '--tenant', 'demo'])).campaigns).toEqual(['outbound', 'paused']);
    const refused = await a.verb(['get-campaigns', '--tenant', 'nope'], { code: 1 });
    expect(refused.stderr).toMatch(/^ERROR 110 Critical: /m);

    expect(json(await a.verb(['connect', '--tenant', 'demo', '--campaign', 'outbound']))).toMatchObject({ status: 'Connected' });
    await a.wait('NowUnavailable');
    expect(json(await w.aapi(['status'], { env: a.env })).state).toBe('Unavailable');
    expect((await a.control.state()).agents.demo).toMatchObject({ tenant: 'demo', campaign: 'outbound', state: 'Unavailable' });

    const webrtc = json(await a.verb(['get-webrtc', '--tenant', 'demo', '--campaign', 'outbound']));
    expect(webrtc['webrtc-extension']).toMatch(/^9\d{6}$/);
    expect(webrtc['webrtc-uri']).toContain(webrtc['webrtc-extension']);
    expect(webrtc['webrtc-password']).toBe('[Masked]');

    const ka = await a.verb(['keep-alive']);
    expect(ka.stdout).toBe('');

    // A new Authenticate on the daemon's connection: the daemon carries on with the new SID.
    const auth = json(await a.verb(['authenticate', '--agent', 'demo', '--extension', '8600001'], { env: { AAPI_PASSWORD: 'demo' } }));
    expect(auth).toMatchObject({ Response: 'OK' });
    expect(typeof auth.SID).toBe('number');
    expect((await a.control.state()).agents.demo.sid).toBe(auth.SID);
    expect(json(await w.aapi(['status'], { env: a.env })).SID).toBe(auth.SID);
    expect(json(await a.verb(['get-tenants'])).tenants).toEqual(['demo', 'other']);

    // send: any message, RID and SID filled in.
    const raw = await w.aapi(['send', '{type: "GetCampaigns", tenant: "demo"}'], { env: a.env });
    expect(raw.code, raw.stderr).toBe(0);
    expect(json(raw).campaigns).toEqual(['outbound', 'paused']);

    // Logoff: the server logs the agent off, and the daemon ends with the session.
    expect(json(await a.verb(['logoff']))).toMatchObject({ Response: 'OK' });
    expect(await until(async () => (await w.aapi(['status'], { env: a.env })).code === 3, 10_000)).toBe(true);
    const after = await w.aapi(['get-tenants'], { env: a.env });
    expect(after.code).toBe(3);
    expect(after.stderr).toMatch(/logged the agent off.*aapi login/);
  }, 120_000);

  it('authenticate takes its password from AAPI_PASSWORD (or stdin, or a prompt), never a flag', async () => {
    const a = await agent('authpw', { tenant: false });
    const flag = await w.aapi(['authenticate', '--agent', 'demo', '--password', 'demo'], { env: a.env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^aapi: --password is refused: .*AAPI_PASSWORD.*--password-stdin/);
    expect((await a.control.state()).received.Authenticate).toBe(1);
    // Left out, the password is sent as the spec's empty value (ERRATA 10), and the server says so.
    const missing = await a.verb(['authenticate', '--agent', 'demo'], { code: 1 });
    expect(missing.stderr).toMatch(/^ERROR 104 Critical: No password entered$/m);
    const bad = await a.verb(['authenticate', '--agent', 'demo'], { code: 1, env: { AAPI_PASSWORD: 'wrong' } });
    expect(bad.stderr).toMatch(/^ERROR 100 Critical: /m);
    expect(bad.stdout).toBe('');
    // The refused attempts left the daemon's session as it was.
    expect((await a.verb(['get-tenants'])).code).toBe(0);
  }, 60_000);

  it('call flow: go-available, recording, hold, keypress, chapter-mark, multi-sale, tag-call, start-wrap, disposition, go-unavailable, manual-dial', async () => {
    const a = await agent('flow');
    // Not in wrap: the server refuses, exit 1 with the ERROR line and the catalogue's hint.
    const early = await a.verb(['disposition', '--outcome', '1'], { code: 1 });
    expect(early.stderr).toMatch(/^ERROR 320 Serious: Cannot disposition, agent is not in wrap$/m);
    expect(early.stderr).toMatch(/^hint: .*start-wrap/m);
    expect(early.stdout).toBe('');

    expect(json(await a.verb(['go-available', '--live', 'yes', '--interactive', '1', '--offline', 'none']))).toMatchObject({ Response: 'OK' });
    await a.wait('NowWaiting');
    expect((await a.control.state()).agents.demo.limits).toEqual({ live: 1, interactive: 1, offline: 0 });
    expect((await a.verb(['go-available', '--interactive', '1', '--offline', 'none'], { code: 1 })).stderr).toMatch(/^ERROR 160 /m);

    await a.control.post('presentCall', { agent: 'demo', urn: '1002' });
    await a.wait('NowInCall', 'data.URN=1002');

    await a.verb(['pause-recording']);
    await a.wait('NowPaused');
    expect((await a.verb(['pause-recording'], { code: 1 })).stderr).toMatch(/^ERROR 330 /m);
    await a.verb(['resume-recording']);
    await a.wait('NowRecording');
    await a.verb(['toggle-hold']);
    expect((await liveCall(a.control))!.hold).toBe(true);
    await a.verb(['keypress', '--key-press', '12#']);
    await a.verb(['keyPress', '--keyPress', '*9']);
    expect((await a.verb(['keypress', '--key-press', '12a'], { code: 1 })).stderr).toMatch(/^ERROR 322 Warning: /m);
    await a.verb(['chapter-mark', '--chaptername', 'Intro']);
    await a.verb(['multi-sale', '--outcome', '5', '--quantity', '2']);
    await a.verb(['tag-call', '--urn', 'ACC-9']);
    expect(await liveCall(a.control)).toMatchObject({
      urn: '1002', recording: true, hold: true, dtmf: ['12#', '*9'], chapters: ['Intro'], multiSale: { 5: 2 }, tags: ['ACC-9'],
    });

    // Asked during a call, GoUnavailable is granted after the disposition.
    await a.verb(['go-unavailable', '--break-reason', '3']);
    expect((await a.control.state()).agents.demo.pendingUnavailable).toBe(true);

    await a.verb(['start-wrap']);
    await a.wait('NowWrapping');
    expect(json(await w.aapi(['status'], { env: a.env })).state).toBe('Wrapping');
    await a.verb([
      'disposition', '--outcome', '251', '--data', 'Notes=called back', '--data', '{Client: "Umbrella"}',
      '--callback-number', '01632960002', '--callback-time', '2030-01-01 10:00', '--personal-callback',
    ]);
    await a.wait('NowUnavailable');
    const state = await a.control.state();
    expect(state.dispositions.at(-1)).toMatchObject({ agent: 'demo', urn: '1002', outcome: 251, multiSale: { 5: 2 }, tags: ['ACC-9'] });
    expect(state.callbacks.at(-1)).toMatchObject({ urn: '1002', number: '01632960002', time: '2030-01-01 10:00', personal: true });
    // The disposition wrote its data back to the record.
    const record = json(await a.verb(['get-record', '--urn', '1002']));
    expect(record.data).toMatchObject({ URN: '1002', Name: 'Sam Smith', Notes: 'called back', Client: 'Umbrella' });

    // From Unavailable: a manual call.
    expect((await a.verb(['manual-dial', '--tel-number', 'not-a-number'], { code: 1 })).stderr).toMatch(/^ERROR 301 /m);
    await a.verb(['manual-dial', '--tel-number', '01632960777']);
    await a.wait('NowCalling');
    const call = await a.wait('NowInCall');
    expect(call).toMatchObject({ tel: '01632960777', sessionIndex: 0 });
    expect(json(await w.aapi(['status'], { env: a.env })).state).toBe('InCall');
    await a.verb(['start-wrap', '--session-index', '0']);
    await a.wait('NowWrapping');
    await a.verb(['disposition', '--outcome', '1']);
    await a.wait('NowUnavailable');
    expect(json(await w.aapi(['status'], { env: a.env })).state).toBe('Unavailable');
  }, 180_000);

  it('data: get-record, new-record, run-query (--param, --value)', async () => {
    const a = await agent('data');
    const created = json(await a.verb(['new-record']));
    expect(created.data.URN).toMatch(/^\d+$/);
    const lookup = json(await a.verb(['run-query', '--query-number', '1', '--param', 'URN=1001']));
    expect(lookup.Data).toMatchObject({ URN: '1001', Name: 'Jo Bloggs' });
    const inserted = json(await a.verb(['run-query', '--QueryNumber', '2', '--value', 'Name=Ann Other', '--value', '{Tel: "01632960888"}']));
    expect(typeof inserted.Data).toBe('string');
    expect(json(await a.verb(['GetRecord', '--URN', inserted.Data])).data).toMatchObject({ URN: inserted.Data, Name: 'Ann Other', Tel: '01632960888' });
    expect((await a.verb(['run-query', '--query-number', '1'], { code: 1 })).stderr).toMatch(/^ERROR 201 /m);
    expect((await a.verb(['run-query', '--query-number', '2', '--value', 'Name=x'], { code: 1 })).stderr).toMatch(/^ERROR 202 /m);
    expect((await a.verb(['run-query', '--query-number', '99'], { code: 1 })).stderr).toMatch(/^ERROR 200 /m);
    expect((await a.verb(['get-record', '--urn', '9999'], { code: 1 })).stderr).toMatch(/^ERROR 210 /m);
  }, 90_000);

  it('transfers: get-agents, transfer-call, toggle-park, transfer-outcome', async () => {
    const a = await agent('xfer-a');
    const b = await agent('xfer-b', { agent: 'demo2', extension: '8600002', on: a });
    await b.verb(['go-available']);
    await b.wait('NowWaiting');
    await a.verb(['go-available']);
    await a.wait('NowWaiting');
    await a.control.post('presentCall', { agent: 'demo', urn: '1003' });
    await a.wait('NowInCall');

    const agents = json(await a.verb(['get-agents']));
    expect(agents.Agents).toEqual([expect.objectContaining({ Agent: 'demo2', extension: '8600002' })]);

    // Conference to demo2, with data passed along.
    await a.verb(['transfer-call', '--transfer-type', 'conference', '--transfer-to', 'agent', '--recipient', 'demo2', '--data', 'Note=vip']);
    expect(await a.wait('TransferUpdate')).toMatchObject({ TransferStatus: 3 });
    expect((await liveCall(a.control))!.transfer).toMatchObject({ type: '2', to: '0', recipient: 'demo2', status: 'offered' });
    await a.verb(['toggle-park', '--switch', '--who', 'recipient']);
    expect((await liveCall(a.control))!.transfer.parked).toEqual({ client: false, recipient: true });
    await a.verb(['TogglePark', '--Switch', 'false', '--Who', 'recipient']);
    expect((await liveCall(a.control))!.transfer.parked).toEqual({ client: false, recipient: false });

    await a.control.post('transfer', { agent: 'demo', how: 'answer' });
    expect(await a.wait('TransferUpdate', 'TransferStatus=0')).toMatchObject({ sessionIndex: 0 });
    expect(await a.wait('TransferUpdate', 'TransferStatus=4')).toMatchObject({ sessionIndex: 0 });
    expect(await b.wait('NowInCall')).toMatchObject({ transfer: true, data: { URN: '1003', Note: 'vip' } });

    await a.verb(['transfer-outcome', '--outcome', 'complete']);
    await a.wait('NowWrapping');
    expect((await a.verb(['transfer-outcome', '--outcome', 'cancel'], { code: 1 })).stderr).toMatch(/^ERROR 99 [A-Za-z]+: .*no transfer in progress on sessionIndex 0/m);

    // A blind transfer to a queue that refuses: TransferUpdate 2, the call stays with the agent.
    await b.verb(['transfer-call', '--transfer-type', 'blind', '--transfer-to', 'queue', '--recipient', '101']);
    await b.control.post('transfer', { agent: 'demo2', how: 'refuse' });
    expect(await b.wait('TransferUpdate', 'TransferStatus=2')).toMatchObject({ sessionIndex: 0 });
    expect((await liveCall(b.control, 'demo2'))!.phase).toBe('InCall');
    expect((await b.verb(['transfer-call', '--transfer-type', '1', '--transfer-to', '2', '--recipient', 'abc'], { code: 1 })).stderr).toMatch(/^ERROR 311 /m);
  }, 180_000);

  it('messaging: send-mail, send-sms, get-message-id, get-message-history, send-chat-message, acknowledge', async () => {
    const a = await agent('msg');
    await a.verb(['go-available', '--interactive', '1']);
    await a.wait('NowWaiting');
    await a.control.post('presentCall', { agent: 'demo', urn: '1001' });
    await a.wait('NowInCall');

    await a.verb(['send-mail', '--template', '1', '--recipient', 'jo@example.com']);
    await a.verb(['send-sms', '--template', '1', '--recipient', '07700900123']);
    expect((await a.control.state()).messages).toBe(2);
    const mail = json(await a.verb(['get-message-id', '--message-id', '1']));
    expect(mail).toMatchObject({ sender: 'demo@dialler.sim.invalid', recipientsTo: ['jo@example.com'], subject: 'Your appointment' });
    expect(mail.body).toContain('Dear Jo Bloggs');
    expect(mail.attachments).toEqual([{ filename: 'terms.txt', data: Buffer.from('Terms and conditions apply.').toString('base64'), inline: false }]);
    const history = json(await a.verb(['get-message-history', '--message-list', '1,2']));
    expect(history.messages.map((m: { ID: number }) => m.ID)).toEqual([1, 2]);
    expect(history.messages[1]).toMatchObject({ recipientsTo: ['07700900123'], body: 'Hi Jo Bloggs, thanks for your call. Ref 1001.' });
    expect((await a.verb(['get-record', '--urn', '1001'])).stdout).toMatch(/"GeniusMessageHistory":"1,2"/);

    const chat = await a.control.post('chat', { agent: 'demo', message: 'Is anyone there?' });
    await a.wait('ChatMessage', `sessionIndex=${chat.sessionIndex}`);
    await a.verb(['send-chat-message', '--message', 'Yes, how can I help?', '--session-index', String(chat.sessionIndex)]);
    const session = (await a.control.state()).agents.demo.calls.find((c) => c.sessionIndex === chat.sessionIndex)!;
    expect(session.chat).toEqual([
      { direction: 'CustomerToAgent', message: 'Is anyone there?' },
      { direction: 'AgentToCustomer', message: 'Yes, how can I help?' },
    ]);

    // Acknowledge is fire-and-forget (ERRATA 9): it is sent with the given RID and answers nothing.
    const ack = await a.verb(['acknowledge', '--rid', '12345']);
    expect(ack.stdout).toBe('');
  }, 120_000);

  it('bad input exits 2 and sends nothing', async () => {
    const a = await agent('bad');
    const before = (await a.control.state()).received;
    const cases: [string[], RegExp][] = [
      [['disposition', '--outcome', 'abc'], /Disposition\.outcome must be an integer/],
      [['disposition'], /missing --outcome/],
      [['disposition', '--outcome', '1', '--data', 'oops'], /KEY=VALUE/],
      [['disposition', '--outcome', '1', '--data', '{URN: '], /malformed JSON5/],
      [['transfer-call', '--transfer-type', 'sideways', '--transfer-to', 'agent', '--recipient', 'x'], /TransferType must be one of/],
      [['get-message-history', '--message-list', '1,x'], /must be an array of integers/],
      [['run-query', '--param', 'URN=1'], /missing --query-number/],
      [['go-available', '--live', '7'], /live must be one of/],
      [['go-available', '--bogus', '1'], /Unknown argument/i],
      [['start-wrap', '--session-index', '-1'], /at least 0/],
      [['multi-sale', '--outcome', '1', '--quantity', 'lots'], /quantity must be an integer/],
      [['manual-dial'], /missing --tel-number/],
      [['toggle-park', '--who', 'recipient'], /missing --switch/],
      [['acknowledge'], /--rid/],
      [['acknowledge', '--rid', 'abc'], /--rid must be an integer/],
      [['send', '{type: '], /malformed JSON5/],
      [['send', '[1, 2]'], /JSON5 object/],
      [['send', '{RID: 5}'], /no "type"/],
      [['wait', 'NowInCall', '--where', 'oops'], /KEY=VALUE/],
    ];
    for (const [args, message] of cases) {
      const r = await w.aapi(args, { env: a.env });
      expect(r.code, `aapi ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const after = (await a.control.state()).received;
    for (const verb of VERBS) if (!BACKGROUND.has(verb)) expect(after[verb], verb).toBe(before[verb]);
  }, 120_000);

  it('a request over the frame limit (--max-frame, AAPI_MAX_FRAME) exits 2 with one line and sends nothing', async () => {
    const a = await agent('frame');
    const before = (await a.control.state()).received;
    // 100 KB: an argument of a command line cannot be much longer (Linux: 128 KiB), so the limit is lowered.
    const big = 'x'.repeat(100_000);
    const cases: [string[], NodeJS.ProcessEnv][] = [
      [['--max-frame', '64k', 'send', `{type: "GetRecord", URN: "${big}"}`], {}],
      [['send', `{type: "GetRecord", URN: "${big}"}`], { AAPI_MAX_FRAME: '65536' }],
      [['disposition', '--outcome', '251', '--max-frame', '64KiB', '--data', `Notes=${big}`], {}],
    ];
    for (const [args, env] of cases) {
      const r = await w.aapi(args, { env: { ...a.env, ...env } });
      expect(r.code, `${args[0]} ${args[1]}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^aapi: request is 100\d{3} bytes, over the 64 KiB frame limit \(--max-frame\)\n$/);
    }
    const bad = await w.aapi(['--max-frame', 'lots', 'get-tenants'], { env: a.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('aapi: --max-frame takes a size such as 256k, 1m or 2MiB (a bare number is bytes), got "lots"\n');
    const after = (await a.control.state()).received;
    for (const verb of VERBS) if (!BACKGROUND.has(verb)) expect(after[verb], verb).toBe(before[verb]);
    // Under the default limit (1 MiB) the same request goes.
    const sent = await w.aapi(['send', `{type: "GetRecord", URN: "${big}"}`], { env: a.env });
    expect(sent.stderr).not.toMatch(/frame limit/);
    expect((await a.control.state()).received.GetRecord).toBe(before.GetRecord + 1);
  });

  it('an unknown verb exits 2 with "did you mean"; the spec\'s names work in any case', async () => {
    const a = await agent('names');
    const typo = await w.aapi(['go-avail'], { env: a.env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean "go-available"\?/);
    const other = await w.aapi(['GoAvailible'], { env: a.env });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/did you mean/);

    expect(json(await a.verb(['GoAvailable']))).toMatchObject({ Response: 'OK' });
    await a.verb(['goUnavailable']);
    await a.verb(['goavailable']);
    await a.verb(['GOUNAVAILABLE']);
    expect(json(await a.verb(['GETTENANTS', '--json'])).tenants).toEqual(['demo', 'other']);
  }, 60_000);

  it('--help of every verb shows the spec\'s description of the verb and of every key', async () => {
    const norm = (s: string) => s.replace(/\s+/g, ' ');
    const check = async (verb: Verb) => {
      const spec = REQUESTS[verb];
      const r = await w.aapi([spec.cli, '--help']);
      expect(r.code, `${spec.cli} --help: ${r.stderr}`).toBe(0);
      const help = norm(r.stdout);
      expect(help, verb).toContain(`aapi ${spec.cli}`);
      expect(help, verb).toContain(norm(spec.description));
      for (const key of spec.keys) {
        expect(help, `${verb}.${key.wire}`).toContain(norm(key.description));
        if (flagKeys(spec).includes(key)) {
          expect(help, `${verb}.${key.wire}`).toMatch(new RegExp(`--${flagOf(key)}\\b`));
          if (flagOf(key) !== key.wire) expect(help, `${verb}.${key.wire}`).toContain(`--${key.wire}`);
        }
      }
    };
    const queue = [...VERBS];
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let v = queue.shift(); v; v = queue.shift()) await check(v);
    }));
    // The spec's name in any case has the same help.
    const spec = await w.aapi(['GoAvailable', '--help']);
    expect(spec.code).toBe(0);
    expect(norm(spec.stdout)).toContain(norm(REQUESTS.GoAvailable.description));
  }, 180_000);

  it('ran every one of the 32 verbs from the shell', () => {
    expect(VERBS).toHaveLength(32);
    expect([...VERBS].filter((v) => !covered.has(v))).toEqual([]);
  });
});
