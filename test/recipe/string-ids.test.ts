import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { checkRecipe } from '../../src/recipe/check.js';
import { runRecipe } from '../../src/recipe/run.js';
import type { Simulator } from '../../src/sim/server.js';
import { startTestSim } from '../helpers/client.js';

// The recipe runner against a simulator writing RID and SID as strings, as the real dialler does
// (ERRATA 7): captures hold the strings, matches take a number and its digits alike, and the
// session under the runner sends integers.

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('a recipe against string ids', () => {
  it('captures and matches them, and sends integers', async () => {
    sim = await startTestSim({}, { stringIds: true });
    const received: Json[] = [];
    const handle = sim.dialler.handleFrame.bind(sim.dialler);
    sim.dialler.handleFrame = (conn, text) => {
      received.push(JSON.parse(text) as Json);
      handle(conn, text);
    };
    const recipe = checkRecipe('/nowhere/ids.json5', `{ name: "ids", steps: [
      { send: "Authenticate", with: { Agent: "demo", Password: "demo", extension: "8600001" },
        expect: { Response: "OK", SID: { $regex: "^\\\\d+$" } }, capture: { sid: "SID" } },
      { send: "Connect", with: { tenant: "demo", campaign: "outbound" }, expect: { status: "Connected" } },
      { expectEvent: "NowUnavailable", capture: { rid: "RID" } },
      { send: "GetTenants", expect: { tenants: ["demo", "other"] } },
      { send: "Authenticate", with: { Agent: "demo", Password: "demo", extension: "8600001" },
        expect: { Response: "OK", SID: { $ne: "\${sid}", $gt: 0 } } },
      { send: "Logoff", expect: { Response: "OK" } },
      { expectEvent: "NowLoggedOff", where: { RID: { $gt: "\${rid}" } } },
    ] }`);
    const r = await runRecipe(recipe, { url: sim.url, timeoutMs: 5000, env: {} });
    expect(r.error).toBeUndefined();
    expect(r.steps.map((s) => s.status)).toEqual(Array(7).fill('passed'));
    const bad = received.filter((m) => (m.RID !== undefined && !Number.isInteger(m.RID)) || (m.SID !== undefined && !Number.isInteger(m.SID)));
    expect(bad).toEqual([]);
    // The SID of the second Authenticate took over: Logoff carries it.
    expect(received.find((m) => m.type === 'Logoff')!.SID).not.toBe(received.find((m) => m.type === 'GetTenants')!.SID);
  });
});
