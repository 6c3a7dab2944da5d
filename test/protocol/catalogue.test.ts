import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES, ERRORS, EVENTS, EVENTS_TABLE, REQUESTS, VERBS,
  absentValue, emptyValue, errorMeans, errorSpec, resolveEvent, resolveVerb, secretKeys,
} from '../../src/protocol/catalogue.js';
import type { ErrorMeaning, KeySpec, KeyType, Success } from '../../src/protocol/types.js';
import {
  SPEC_HOW, payloadKeys, specErrors, specEvents, specGroups, specPath, specRequests, tocEvents, tocRequests, type Row, type Section,
} from './spec-text.js';
import { missing } from '../helpers/needs.js';

const noSpec = missing('the AAPI spec text', specPath, SPEC_HOW);

// Where a spec table's `type`/`event` value contradicts its heading (ERRATA 1-5).
const TABLE_TYPE_SLIPS: Record<string, string> = {
  GetCampaigns: 'GetTenants', SendChatMessage: 'SendSMS', GetMessageID: 'ChapterMark', GetMessageHistory: 'ChapterMark',
};
const TABLE_EVENT_SLIPS: Record<string, string> = { NowCalling: 'TransferUpdate', ChatMessage: 'ChatReceived' };
/** The wire name of an event section: its heading, except ChatMessage (ERRATA 5). */
const wireEvent = (heading: string) => (heading === 'ChatMessage' ? 'ChatReceived' : heading);

const CONTRACT_CLI = `authenticate get-tenants get-campaigns connect logoff keep-alive get-webrtc go-available
  go-unavailable disposition start-wrap manual-dial pause-recording resume-recording toggle-hold get-record new-record
  run-query multi-sale get-agents transfer-call toggle-park transfer-outcome acknowledge send-mail send-sms keypress
  tag-call chapter-mark get-message-id get-message-history send-chat-message`.split(/\s+/);

/** The catalogue type a spec table's Value column describes; undefined when the text is not understood. */
function specType(row: Row): KeyType | undefined {
  if (/^One of (three|these) values/.test(row.value) || row.value === 'The SessionIndex of the call') return 'integer';
  if (/^(<i>\w+<\/i>\s*){2,}$/.test(row.value)) return 'string'; // an enumeration of names (direction)
  const inner = /^<i>([^<]+)<\/i>$/.exec(row.value)?.[1];
  const types: Record<string, KeyType> = {
    string: 'string', integer: 'integer', int: 'integer', boolean: 'boolean',
    'Key-Value pair array': 'keyValue', 'array of int': 'intArray',
  };
  return inner === undefined ? undefined : types[inner];
}

/** How the spec's "Expected response" table says success (ERRATA 6, 8, 9, 19). */
function specSuccess(section: Section): Success {
  const rows = section.response.filter((r) => r.key !== 'RID');
  if (rows.length === 0) return { kind: 'none' };
  if (rows.some((r) => r.key.toLowerCase() === 'response' && r.value === 'OK')) return { kind: 'ok' };
  const status = rows.find((r) => r.key === 'status');
  if (status) return { kind: 'status', key: 'status', value: status.value };
  if (rows.length !== 1) throw new Error(`${section.heading}: cannot tell its success from ${rows.map((r) => r.key)}`);
  return { kind: 'payload', key: rows[0].key };
}

/** The options a spec row documents: numbers before `:`, `=` or `-`, quoted or italic words. */
function specOptions(row: Row): string[] {
  const text = `${row.value} ${row.description}`;
  const numbers = [...text.matchAll(/(?<![\w-])(-?\d+)\s*[:=-]\s/g)].map((m) => m[1]);
  const words = [...text.matchAll(/"(\w+)"|<i>(\w+)<\/i>/g)].map((m) => m[1] ?? m[2]);
  return [...numbers, ...words.filter((w) => !['string', 'integer', 'int', 'boolean'].includes(w))];
}

const requestCases = specRequests.map((s) => [s.heading, s] as const);
const eventCases = specEvents.map((s) => [s.heading, s] as const);

describe.skipIf(noSpec)('the spec text parser', () => {
  it('finds every command and event the table of contents lists, in its order', () => {
    expect(specRequests.map((s) => s.heading)).toEqual(tocRequests);
    expect(specEvents.map((s) => s.heading)).toEqual(tocEvents);
  });

  it('finds 32 requests, 12 events and 39 errors', () => {
    expect(specRequests).toHaveLength(32);
    expect(specEvents).toHaveLength(12);
    expect(specErrors).toHaveLength(39);
  });

  it('finds table slips exactly where ERRATA 1-5 say they are', () => {
    const typeSlips = Object.fromEntries(specRequests
      .map((s) => [s.heading, s.request.find((r) => r.key === 'type')?.value] as const)
      .filter(([heading, type]) => heading !== type));
    const eventSlips = Object.fromEntries(specEvents
      .map((s) => [s.heading, s.request.find((r) => r.key === 'event')?.value] as const)
      .filter(([heading, event]) => heading !== event));
    expect(typeSlips).toEqual(TABLE_TYPE_SLIPS);
    expect(eventSlips).toEqual(TABLE_EVENT_SLIPS);
  });
});

describe.skipIf(noSpec)('requests against the spec text', () => {
  it('has one entry per spec request, in the spec order', () => {
    expect([...VERBS]).toEqual(specRequests.map((s) => s.heading));
    expect(Object.keys(REQUESTS).sort()).toEqual([...VERBS].sort());
  });

  it.each(requestCases)('%s: type is the heading name (ERRATA 1-3)', (heading) => {
    expect(REQUESTS[resolveVerb(heading)!].type).toBe(heading);
  });

  it.each(requestCases)('%s: keys are exactly the spec table keys, spelled and ordered as the spec', (heading, section) => {
    expect(REQUESTS[resolveVerb(heading)!].keys.map((k) => k.wire)).toEqual(payloadKeys(section));
  });

  it.each(requestCases)('%s: key types follow the spec table', (heading, section) => {
    const spec = REQUESTS[resolveVerb(heading)!];
    for (const row of section.request.filter((r) => payloadKeys(section).includes(r.key))) {
      expect(specType(row), `spec type of ${heading}.${row.key}: ${row.value}`).toBeDefined();
      expect(spec.keys.find((k) => k.wire === row.key)?.type, `${heading}.${row.key}: ${row.value}`).toBe(specType(row));
    }
  });

  it.each(requestCases)('%s: carries RID and SID exactly when the spec table has them', (heading, section) => {
    const spec = REQUESTS[resolveVerb(heading)!];
    expect(spec.rid).toBe(section.request.some((r) => r.key === 'RID'));
    expect(spec.sid).toBe(section.request.some((r) => r.key === 'SID'));
  });

  it.each(requestCases)('%s: only the spec\'s "Optional" keys are optional', (heading, section) => {
    const optional = section.request.filter((r) => r.description.startsWith('Optional')).map((r) => r.key);
    expect(REQUESTS[resolveVerb(heading)!].keys.filter((k) => k.optional).map((k) => k.wire)).toEqual(optional);
  });

  it.each(requestCases)('%s: response keys and success rule follow the expected response', (heading, section) => {
    const spec = REQUESTS[resolveVerb(heading)!];
    const responseKeys = section.response.map((r) => r.key).filter((k) => !['RID', 'Response', 'response'].includes(k));
    expect(spec.response.map((k) => k.wire)).toEqual(responseKeys);
    expect(spec.success).toEqual(specSuccess(section));
  });

  it.each(requestCases)('%s: sits in the group the table of contents puts it in', (heading, section) => {
    expect(REQUESTS[resolveVerb(heading)!].group).toBe(section.group);
  });

  it('uses exactly the spec\'s groups', () => {
    expect([...new Set(VERBS.map((v) => REQUESTS[v].group))]).toEqual(specGroups);
  });

  it('says in its note how each table slip is resolved', () => {
    expect(REQUESTS.GetCampaigns.note).toContain('ERRATA 1');
    expect(REQUESTS.SendChatMessage.note).toContain('ERRATA 2');
    expect(REQUESTS.GetMessageID.note).toContain('ERRATA 3');
    expect(REQUESTS.GetMessageHistory.note).toContain('ERRATA 3');
    expect(EVENTS_TABLE.NowCalling.note).toContain('ERRATA 4');
    expect(EVENTS_TABLE.ChatReceived.note).toContain('ERRATA 5');
  });
});

describe.skipIf(noSpec)('events against the spec text', () => {
  it('has one entry per spec event, in the spec order, ChatMessage as ChatReceived', () => {
    expect([...EVENTS]).toEqual(specEvents.map((s) => wireEvent(s.heading)));
    expect(Object.keys(EVENTS_TABLE).sort()).toEqual([...EVENTS].sort());
  });

  it.each(eventCases)('%s: keys are the spec table keys, plus sessionIndex on per-session events (ERRATA 13)', (heading, section) => {
    const spec = EVENTS_TABLE[resolveEvent(heading)!];
    const specKeys = payloadKeys(section);
    const extra = spec.perSession && !specKeys.includes('sessionIndex') ? ['sessionIndex'] : [];
    expect(spec.keys.map((k) => k.wire).filter((k) => !extra.includes(k))).toEqual(specKeys);
    expect(spec.keys.map((k) => k.wire).sort()).toEqual([...specKeys, ...extra].sort());
  });

  it.each(eventCases)('%s: key types follow the spec table', (heading, section) => {
    const spec = EVENTS_TABLE[resolveEvent(heading)!];
    for (const row of section.request.filter((r) => payloadKeys(section).includes(r.key))) {
      expect(specType(row), `spec type of ${heading}.${row.key}: ${row.value}`).toBeDefined();
      expect(spec.keys.find((k) => k.wire === row.key)?.type, `${heading}.${row.key}: ${row.value}`).toBe(specType(row));
    }
  });

  it('marks an event per-session exactly when it carries sessionIndex', () => {
    for (const event of EVENTS) {
      const spec = EVENTS_TABLE[event];
      expect(spec.keys.some((k) => k.wire === 'sessionIndex'), event).toBe(spec.perSession);
    }
  });

  it('names ChatMessage only as an alias', () => {
    expect(EVENTS_TABLE.ChatReceived.aliases).toEqual(['ChatMessage']);
    expect(EVENTS.filter((e) => EVENTS_TABLE[e].aliases.length > 0)).toEqual(['ChatReceived']);
  });
});

describe.skipIf(noSpec)('errors against the spec text', () => {
  it('has exactly the spec\'s error numbers, in order', () => {
    expect([...ERROR_CODES]).toEqual(specErrors.map((e) => e.number));
    expect(Object.keys(ERRORS).map(Number).sort((a, b) => a - b)).toEqual([...ERROR_CODES]);
  });

  it.each(specErrors.map((e) => [e.number, e] as const))('%i: level and message are the spec\'s, verbatim', (n, e) => {
    expect(errorSpec(n)).toMatchObject({ number: n, level: e.level, message: e.message });
  });

  it('errorSpec knows nothing beyond the spec', () => {
    expect(errorSpec(0)).toBeUndefined();
    expect(errorSpec(108)).toBeUndefined();
    expect(errorSpec(999)).toBeUndefined();
  });

  it('every error is generic, named by some verb, or explained as unreachable', () => {
    const named = new Set(VERBS.flatMap((v) => REQUESTS[v].errors));
    for (const n of ERROR_CODES) {
      const reachable = [99, 198, 199].includes(n) || named.has(n);
      expect(reachable !== Boolean(ERRORS[n].unreachable), `error ${n}`).toBe(true);
    }
  });
});

describe('catalogue content', () => {
  const allKeys: [string, KeySpec][] = [
    ...VERBS.flatMap((v) => [...REQUESTS[v].keys, ...REQUESTS[v].response].map((k) => [`${v}.${k.wire}`, k] as [string, KeySpec])),
    ...EVENTS.flatMap((e) => EVENTS_TABLE[e].keys.map((k) => [`${e}.${k.wire}`, k] as [string, KeySpec])),
  ];

  it('gives every key, and every choice of a key, a description', () => {
    const blank = allKeys.filter(([, k]) => k.description.trim() === '' || k.choices?.some((c) => c.meaning.trim() === ''));
    expect(blank.map(([name]) => name)).toEqual([]);
    expect(allKeys.length).toBeGreaterThan(60);
  });

  it('gives every verb a summary and description', () => {
    for (const v of VERBS) {
      expect(REQUESTS[v].summary.trim(), v).not.toBe('');
      expect(REQUESTS[v].description.trim(), v).not.toBe('');
    }
  });

  it('names the verbs exactly as the CONTRACT does', () => {
    expect(VERBS.map((v) => REQUESTS[v].cli)).toEqual(CONTRACT_CLI);
  });

  it('gives each verb a unique kebab-case cli name', () => {
    const names = VERBS.map((v) => REQUESTS[v].cli);
    expect(new Set(names).size).toBe(VERBS.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  const closedKeys = allKeys.filter(([, k]) => k.choices);
  it.skipIf(noSpec).each(closedKeys)('%s: choices are the options the spec documents', (name, key) => {
    const [owner, wire] = name.split('.');
    const section = [...specRequests, ...specEvents].find((s) => wireEvent(s.heading) === owner);
    const row = section!.request.find((r) => r.key === wire)!;
    const values = key.choices!.map((c) => String(c.value));
    if (key.closed) expect(values.sort()).toEqual(specOptions(row).sort());
    else expect(specOptions(row)).toEqual(expect.arrayContaining(values));
  });

  it('masks passwords, second factors and DeviceIDs (one lets a login skip the second factor)', () => {
    expect(secretKeys()).toEqual(new Set(['Password', 'SecondFactor', 'DeviceID', 'webrtc-password']));
  });

  it('says which errors mean the credentials failed (100-107), authenticate again (198) and the request limit (220)', () => {
    const meaning = (what: ErrorMeaning) => ERROR_CODES.filter((n) => errorMeans(n, what));
    expect(meaning('authFailed')).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(meaning('reauthenticate')).toEqual([198]);
    expect(meaning('requestLimit')).toEqual([220]);
    expect(errorMeans(9999, 'authFailed')).toBe(false);
  });
});

describe('resolveVerb', () => {
  it.each(['GoAvailable', 'goavailable', 'go-available', 'GOAVAILABLE', 'Go-Available'])('resolves %s', (name) => {
    expect(resolveVerb(name)).toBe('GoAvailable');
  });

  it.each(['go-avail', 'available', '', 'GoAvailableX', 'RunTool'])('rejects %j', (name) => {
    expect(resolveVerb(name)).toBeUndefined();
  });

  it('resolves every verb by its type and its cli name', () => {
    for (const v of VERBS) {
      expect(resolveVerb(v)).toBe(v);
      expect(resolveVerb(v.toLowerCase())).toBe(v);
      expect(resolveVerb(REQUESTS[v].cli)).toBe(v);
    }
  });
});

describe('resolveEvent', () => {
  it('maps the ChatMessage heading to the wire name ChatReceived (ERRATA 5)', () => {
    expect(resolveEvent('ChatMessage')).toBe('ChatReceived');
    expect(resolveEvent('chatmessage')).toBe('ChatReceived');
    expect(resolveEvent('ChatReceived')).toBe('ChatReceived');
  });

  it('is case-insensitive', () => {
    expect(resolveEvent('nowincall')).toBe('NowInCall');
    expect(resolveEvent('NOWWAITING')).toBe('NowWaiting');
  });

  it('rejects unknown events', () => {
    expect(resolveEvent('NowDancing')).toBeUndefined();
    expect(resolveEvent('GoAvailable')).toBeUndefined();
  });
});

describe('emptyValue and absentValue (ERRATA 10)', () => {
  const k = (type: KeyType, more: Partial<KeySpec> = {}): KeySpec => ({ wire: 'k', type, description: 'd', ...more });

  it.each([
    ['string', ''], ['integer', 0], ['boolean', false], ['keyValue', {}],
    ['intArray', []], ['stringArray', []], ['objectArray', []], ['json', null],
  ] as const)('the empty %s is %j', (type, empty) => {
    expect(emptyValue(k(type))).toEqual(empty);
  });

  it('absentValue is the default when there is one, else the empty value', () => {
    expect(absentValue(k('integer', { default: 1 }))).toBe(1);
    expect(absentValue(k('integer', { default: 0 }))).toBe(0);
    expect(absentValue(k('string'))).toBe('');
  });

  it('GoAvailable.live defaults to 1, as the spec says', () => {
    expect(absentValue(REQUESTS.GoAvailable.keys.find((x) => x.wire === 'live')!)).toBe(1);
  });
});
