import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { checkRecipe } from '../../src/recipe/check.js';
import type { RecipeResult } from '../../src/recipe/model.js';
import { runRecipe } from '../../src/recipe/run.js';
import { fakeServer, ok, type FakeServer } from '../session/fake-server.js';

// The recipe runner in-process, against a scripted server: how expectEvent and expectNoEvent
// match events (what arrived, what is consumed, the time allowed), what a failure says, and that
// a secret in a response that does not match is shown [Masked]. (The binary's exit codes,
// reporters and files are run.e2e.test.ts's.)

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The events the server sends after answering each GetTenants, in turn; `delayMs` before each batch. */
async function serverSending(batches: Json[][], delayMs = 0): Promise<FakeServer> {
  let rid = 5000;
  return fakeServer((msg, reply, conn, count) => {
    if (msg.type !== 'GetTenants') return false;
    reply(ok(msg, { tenants: ['demo'], Password: 'hunter2' }));
    const send = () => {
      for (const e of batches[count - 1] ?? []) conn.send({ RID: ++rid, ...e });
    };
    if (delayMs) setTimeout(send, delayMs);
    else send();
  });
}

let text = '';
async function run(steps: string[]): Promise<RecipeResult> {
  text = `{ name: "t", vars: { pw: "hunter2", zero: 0 }, secrets: ["pw"], steps: [\n${steps.join(',\n')}\n] }`;
  const recipe = checkRecipe('/nowhere/r.json5', text);
  return runRecipe(recipe, { url: server!.url, timeoutMs: 2000, env: {} });
}

/** The recipe text a failed step's position points at (where the carets go). */
const pointedAt = (r: RecipeResult, i: number) => {
  const { line, column, length } = r.steps[i].position;
  return text.split('\n')[line - 1].slice(column - 1, column - 1 + length);
};

const statuses = (r: RecipeResult) => r.steps.map((s) => s.status);

describe('expectEvent', () => {
  it('takes the first unconsumed match, in any order of checks, and captures from it', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }, { event: 'NowWaiting' }, { event: 'NowInCall', sessionIndex: 0, data: { URN: '42' } }]]);
    const r = await run([
      '{ send: "GetTenants" }',
      '{ expectEvent: "NowInCall", within: "2s", where: { sessionIndex: 0 }, capture: { urn: "data.URN" } }',
      '{ expectEvent: "NowAvailable" }',
      '{ expectEvent: "NowWaiting" }',
      '{ send: "GetRecord", with: { URN: "${urn}" } }',
    ]);
    expect(r.error).toBeUndefined();
    expect(statuses(r)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(r.passed).toBe(true);
    expect(server.of('GetRecord')[0]).toMatchObject({ URN: '42' });
  });

  it('waits for an event still to come, up to `within`', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }]], 100);
    const r = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowAvailable", within: "2s" }']);
    expect(statuses(r)).toEqual(['passed', 'passed']);
  });

  it('an event consumed once cannot match a second expectEvent', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }]]);
    const r = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowAvailable" }', '{ expectEvent: "NowAvailable", within: "50ms" }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'failed']);
    expect(r.steps[2].message).toBe('no NowAvailable within 50 ms; not yet consumed: nothing');
    expect(r.passed).toBe(false);
  });

  it('fails after `within`, naming the where and what arrived unconsumed; the steps after are skipped', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }, { event: 'NowInCall', sessionIndex: 1 }]]);
    const r = await run([
      '{ send: "GetTenants" }',
      '{ expectEvent: "NowInCall", within: "80ms", where: { sessionIndex: 0 } }',
      '{ send: "GetTenants" }',
    ]);
    expect(statuses(r)).toEqual(['passed', 'failed', 'skipped']);
    const failed = r.steps[1];
    expect(failed.message).toBe('no NowInCall matching {"sessionIndex":0} within 80 ms; not yet consumed: NowAvailable, NowInCall');
    expect(failed.expected).toEqual({ event: 'NowInCall', sessionIndex: 0 });
    expect((failed.actual as Json[]).map((e) => e.event)).toEqual(['NowAvailable', 'NowInCall']);
    expect(server.of('GetTenants')).toHaveLength(1);
  });

  it('interpolates `where` before matching', async () => {
    server = await serverSending([[{ event: 'NowInCall', sessionIndex: 1 }, { event: 'NowInCall', sessionIndex: 0 }]]);
    const r = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowInCall", where: { sessionIndex: "${zero}" }, capture: { i: "sessionIndex" } }', '{ expectEvent: "NowInCall", where: { sessionIndex: 1 } }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'passed']);
  });

  it('a failure points at the step\'s expectEvent, or at its capture', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }]]);
    const missing = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowWaiting", within: "20ms" }']);
    expect(pointedAt(missing, 1)).toBe('"NowWaiting"');
    await server.close();
    server = await serverSending([[{ event: 'NowAvailable' }]]);
    const capture = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowAvailable", capture: { urn: "data.URN" } }']);
    expect(pointedAt(capture, 1)).toBe('{ urn: "data.URN" }');
  });

  it('a capture with nothing at its path fails the step', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }]]);
    const r = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowAvailable", capture: { urn: "data.URN" } }']);
    expect(statuses(r)).toEqual(['passed', 'failed']);
    expect(r.steps[1].message).toBe('cannot capture urn: nothing at data.URN');
  });
});

describe('expectNoEvent', () => {
  it('passes when no match came and none comes within the time', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }]]);
    const r = await run(['{ send: "GetTenants" }', '{ expectEvent: "NowAvailable" }', '{ expectNoEvent: "NowAvailable", within: "50ms" }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'passed']);
  });

  it('fails on an unconsumed match that arrived before it, leaving it unconsumed', async () => {
    server = await serverSending([[{ event: 'NowUnavailable' }]]);
    const r = await run(['{ send: "GetTenants" }', '{ sleep: "50ms" }', '{ expectNoEvent: "NowUnavailable", within: "10ms" }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'failed']);
    expect(r.steps[2].message).toBe('NowUnavailable arrived and no expectEvent consumed it; none was expected within 10 ms');
    expect(r.steps[2].expected).toBe('no NowUnavailable');
    expect(r.steps[2].actual).toMatchObject({ event: 'NowUnavailable' });
  });

  it('fails on a match arriving within the time, and passes when it comes after', async () => {
    server = await serverSending([[{ event: 'NowUnavailable' }]], 100);
    const late = await run(['{ send: "GetTenants" }', '{ expectNoEvent: "NowUnavailable", within: "20ms" }']);
    expect(statuses(late)).toEqual(['passed', 'passed']);
    await server.close();
    server = await serverSending([[{ event: 'NowUnavailable' }]], 50);
    const within = await run(['{ send: "GetTenants" }', '{ expectNoEvent: "NowUnavailable", within: "1s" }']);
    expect(statuses(within)).toEqual(['passed', 'failed']);
  });

  it('a failure points at the step\'s expectNoEvent', async () => {
    server = await serverSending([[{ event: 'NowUnavailable' }]]);
    const r = await run(['{ send: "GetTenants" }', '{ expectNoEvent: "NowUnavailable", within: "200ms" }']);
    expect(statuses(r)).toEqual(['passed', 'failed']);
    expect(pointedAt(r, 1)).toBe('"NowUnavailable"');
  });

  it('interpolates `where` before looking', async () => {
    server = await serverSending([[{ event: 'NowInCall', sessionIndex: 0 }]]);
    const r = await run(['{ send: "GetTenants" }', '{ sleep: "30ms" }', '{ expectNoEvent: "NowInCall", where: { sessionIndex: "${zero}" }, within: "10ms" }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'failed']);
  });

  it('only a match counts: another event, or the same one not matching `where`, does not', async () => {
    server = await serverSending([[{ event: 'NowAvailable' }, { event: 'NowInCall', sessionIndex: 1 }]]);
    const r = await run(['{ send: "GetTenants" }', '{ sleep: "50ms" }', '{ expectNoEvent: "NowInCall", where: { sessionIndex: 0 }, within: "10ms" }', '{ expectNoEvent: "NowWaiting", within: "10ms" }']);
    expect(statuses(r)).toEqual(['passed', 'passed', 'passed', 'passed']);
  });
});

describe('secrets in failures', () => {
  it('a Password that does not match is shown [Masked], expected and actual; another key is shown as it is', async () => {
    server = await serverSending([]);
    const r = await run(['{ send: "GetTenants", expect: { Password: "${pw}-not" } }']);
    expect(r.steps[0].message).toBe('the response does not match at Password: expected "[Masked]", got "[Masked]"');
    expect(r.steps[0].message).not.toContain('hunter2');
    expect(pointedAt(r, 0)).toBe('{ Password: "${pw}-not" }');
    const plain = await run(['{ send: "GetTenants", expect: { tenants: ["other"] } }']);
    expect(plain.steps[0].message).toBe('the response does not match at tenants.0: expected "other", got "demo"');
    // A response that matches passes.
    const matching = await run(['{ send: "GetTenants", expect: { tenants: ["demo"], Password: "${pw}" } }']);
    expect(statuses(matching)).toEqual(['passed']);
  });
});
