import { readFileSync } from 'node:fs';
import JSON5 from 'json5';
import type { KeyValue } from '../protocol/types.js';
import { isObject } from '../util/object.js';

// The simulated dialler's world: agents, tenants, records, queries, templates and timings. The
// built-in fixture is what `aapi sim` serves without --fixture; a fixture file is merged over it.

export interface FixtureAgent {
  password: string;
  /** false: error 101 (not authorised to log on through the AAPI). */
  authorised?: boolean;
  /** The 6-digit code of a two-factor agent. */
  secondFactor?: string;
  /** Tenants this agent may use; default: every tenant. */
  tenants?: string[];
  /** DataQuery/record requests allowed before error 220; default unlimited. */
  requestLimit?: number;
}

export interface FixtureCampaign {
  started: boolean;
  /** URNs of the records this campaign dials, in order, round and round. */
  records: string[];
  /** NowInCall calltype of its calls (0 predictive, 3 preview, 4 progressive). */
  calltype?: number;
  /** Sessions given when GoAvailable asks for the "configured" number (0). */
  interactive?: number;
  offline?: number;
}

export interface FixtureQueue {
  name: string;
  /** false: transfers to the queue are refused (TransferUpdate 2). */
  answers?: boolean;
}

export type FixtureQuery =
  | { kind: 'lookup'; parameters: string[] }
  | { kind: 'insert'; values: string[] }
  | { kind: 'count'; parameters: string[] }
  | { kind: 'fail' };

export interface FixtureTemplate {
  subject?: string;
  /** `{{Field}}` is replaced by the record's field. */
  body: string;
  attachments?: { filename: string; text: string; inline?: boolean }[];
}

export interface Timings {
  /** Waiting → NowInCall for the next campaign record. */
  presentMs: number;
  /** NowInCall → the customer hangs up; 0: never (the agent ends the call). */
  talkMs: number;
  /** NowCalling → NowInCall for manual and follow-on calls. */
  dialMs: number;
  /** TransferUpdate 3 → the recipient answers or refuses; 0: only when told through the control API. */
  transferMs: number;
  /** Delay of the customer's reply to an agent's chat message; 0: no reply. */
  chatReplyMs: number;
  /** A SID with no message for this long is forgotten (198). */
  sidIdleMs: number;
  /** One "day" of StoreDevice. */
  dayMs: number;
  /** Failed logins of one agent before it is banned (102), and of one address before it is (103). */
  banAfter: number;
  ipBanAfter: number;
  banMs: number;
  /** Every frame the simulator sends leaves this much later, in order: the delay of a network (0: none). */
  latencyMs: number;
}

export interface Fixture {
  agents: Record<string, FixtureAgent>;
  /** Agents made by number for load tests: prefix1 .. prefixN, one password. */
  agentRange?: { prefix: string; count: number; password: string };
  /** Extensions that do not connect: 'unreachable' (150) or 'busy' (151). */
  extensions: Record<string, 'unreachable' | 'busy'>;
  tenants: Record<string, Record<string, FixtureCampaign>>;
  records: Record<string, KeyValue>;
  queries: Record<string, FixtureQuery>;
  email: Record<string, FixtureTemplate>;
  sms: Record<string, FixtureTemplate>;
  queues: Record<string, FixtureQueue>;
  /** External numbers that refuse a transfer. */
  refusingNumbers: string[];
  timings: Timings;
  /**
   * Write RID and SID as decimal strings in every answer and event, as the spec's Test Client
   * screenshot shows the real dialler doing (ERRATA 7); requests may carry either form regardless.
   */
  stringIds?: boolean;
}

const record = (urn: string, name: string, tel: string, extra: KeyValue = {}): [string, KeyValue] =>
  [urn, { URN: urn, Name: name, Tel: tel, Email: `${name.split(' ')[0].toLowerCase()}@example.com`, ...extra }];

export const BUILTIN_FIXTURE: Fixture = {
  agents: {
    demo: { password: 'demo' },
    demo2: { password: 'demo' },
    demo2fa: { password: 'demo', secondFactor: '123456' },
    noaccess: { password: 'demo', authorised: false },
    limited: { password: 'demo', requestLimit: 3 },
  },
  extensions: { '8600098': 'unreachable', '8600099': 'busy' },
  tenants: {
    demo: {
      outbound: { started: true, records: ['1001', '1002', '1003', '1004', '1005'], calltype: 0, interactive: 2, offline: 2 },
      paused: { started: false, records: [] },
    },
    other: {
      sales: { started: true, records: ['2001'] },
    },
  },
  records: Object.fromEntries([
    record('1001', 'Jo Bloggs', '01632960001', { Client: 'Acme' }),
    record('1002', 'Sam Smith', '01632960002', { Client: 'Acme' }),
    record('1003', 'Alex Jones', '01632960003', { Client: 'Globex' }),
    record('1004', 'Chris Brown', '01632960004', { Client: 'Globex' }),
    record('1005', 'Pat Taylor', '01632960005', { Client: 'Initech' }),
    record('2001', 'Lee Other', '01632960101', { Client: 'Other' }),
  ]),
  queries: {
    '1': { kind: 'lookup', parameters: ['URN'] },
    '2': { kind: 'insert', values: ['Name', 'Tel'] },
    '3': { kind: 'count', parameters: [] },
    '4': { kind: 'fail' },
  },
  email: {
    '1': {
      subject: 'Your appointment',
      body: '<p>Dear {{Name}},</p><p>Thank you for your call. Your reference is {{URN}}.</p>',
      attachments: [{ filename: 'terms.txt', text: 'Terms and conditions apply.' }],
    },
  },
  sms: { '1': { body: 'Hi {{Name}}, thanks for your call. Ref {{URN}}.' } },
  queues: { '100': { name: 'Inbound sales' }, '101': { name: 'Closed queue', answers: false } },
  refusingNumbers: ['01632960999'],
  timings: {
    presentMs: 1000, talkMs: 0, dialMs: 500, transferMs: 500, chatReplyMs: 1000,
    sidIdleMs: 90_000, dayMs: 86_400_000, banAfter: 5, ipBanAfter: 20, banMs: 300_000, latencyMs: 0,
  },
};

export class FixtureError extends Error {}

/** The built-in fixture with `overrides` merged over it, one level deep per section. */
export type FixtureOverrides = Omit<Partial<Fixture>, 'timings'> & { timings?: Partial<Timings> };

export function mergeFixture(overrides: FixtureOverrides): Fixture {
  const out: Fixture = structuredClone(BUILTIN_FIXTURE);
  for (const [section, value] of Object.entries(overrides) as [keyof Fixture, unknown][]) {
    const base = out[section];
    if (!isObject(value) || base === undefined || Array.isArray(base)) {
      (out as unknown as Record<string, unknown>)[section] = value;
    } else {
      (out as unknown as Record<string, unknown>)[section] = { ...(base as object), ...(value as object) };
    }
  }
  validateFixture(out);
  return out;
}

function validateFixture(f: Fixture): void {
  for (const [tenant, campaigns] of Object.entries(f.tenants)) {
    for (const [name, c] of Object.entries(campaigns)) {
      for (const urn of c.records ?? []) {
        if (!f.records[urn]) throw new FixtureError(`tenants.${tenant}.${name}.records names URN ${urn}, which is not in records`);
      }
    }
  }
  for (const [name, a] of Object.entries(f.agents)) {
    if (typeof a.password !== 'string') throw new FixtureError(`agents.${name}.password must be a string`);
  }
  if (f.stringIds !== undefined && typeof f.stringIds !== 'boolean') throw new FixtureError(`stringIds must be true or false, got ${JSON.stringify(f.stringIds)}`);
  for (const [k, v] of Object.entries(f.timings)) {
    if (typeof v !== 'number' || v < 0) throw new FixtureError(`timings.${k} must be a number of milliseconds, got ${JSON.stringify(v)}`);
  }
}

/** Reads a JSON5 fixture file and merges it over the built-in one. */
export function loadFixture(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FixtureError(`cannot read fixture ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    const e = err as { lineNumber?: number; columnNumber?: number; message: string };
    const where = e.lineNumber ? `${path}:${e.lineNumber}:${e.columnNumber}` : path;
    throw new FixtureError(`${where}: ${e.message.replace(/^JSON5: /, '')}`);
  }
  if (!isObject(parsed)) throw new FixtureError(`${path}: a fixture must be an object`);
  try {
    return mergeFixture(parsed as FixtureOverrides);
  } catch (err) {
    throw new FixtureError(`${path}: ${(err as Error).message}`);
  }
}

/** The fixture entry of an agent, including those made by agentRange. */
export function fixtureAgent(f: Fixture, name: string): FixtureAgent | undefined {
  if (Object.hasOwn(f.agents, name)) return f.agents[name];
  const r = f.agentRange;
  if (r && name.startsWith(r.prefix)) {
    const n = Number(name.slice(r.prefix.length));
    if (Number.isInteger(n) && n >= 1 && n <= r.count && String(n) === name.slice(r.prefix.length)) return { password: r.password };
  }
  return undefined;
}
