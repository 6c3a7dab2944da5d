import { describe, expect, it } from 'vitest';
import { REQUESTS } from '../../src/protocol/catalogue.js';
import { VERBS } from '../../src/protocol/types.js';
import { describeKey, flagKeys, flagOf, kebab, valuesFromArgs } from '../../src/protocol/flags.js';
import { parseDuration } from '../../src/cli/duration.js';
import { didYouMean } from '../../src/util/suggest.js';
import { CliError } from '../../src/util/exit.js';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('flag names', () => {
  it.each([
    ['telNumber', 'tel-number'], ['QueryNumber', 'query-number'], ['messageID', 'message-id'], ['URN', 'urn'],
    ['breakReason', 'break-reason'], ['sessionIndex', 'session-index'], ['TransferType', 'transfer-type'],
    ['messageList', 'message-list'], ['SecondFactor', 'second-factor'], ['chaptername', 'chaptername'],
  ])('%s → --%s', (wire, flag) => expect(kebab(wire)).toBe(flag));

  it('gives RunQuery --param and --value as the contract says', () => {
    expect(REQUESTS.RunQuery.keys.map(flagOf)).toEqual(['query-number', 'param', 'value']);
  });

  it('never makes the password a flag', () => {
    expect(flagKeys(REQUESTS.Authenticate).map((k) => k.wire)).not.toContain('Password');
  });

  it('names every verb\'s flags uniquely', () => {
    for (const verb of VERBS) {
      const flags = flagKeys(REQUESTS[verb]).map(flagOf);
      expect(new Set(flags).size, verb).toBe(flags.length);
    }
  });

  it('describes a key with its choices and what is sent when it is left out', () => {
    const live = REQUESTS.GoAvailable.keys[0];
    expect(describeKey(live)).toMatch(/-1 \(existing\): keep the current setting/);
    expect(describeKey(live)).toMatch(/\[default: 1\]/);
    expect(describeKey(REQUESTS.Disposition.keys[0])).toMatch(/\[required\]/);
  });
});

describe('values from flags', () => {
  it('converts integers and refuses what is not one, naming the key', () => {
    expect(valuesFromArgs(REQUESTS.Disposition, { outcome: '251' }, {})).toEqual({ outcome: 251 });
    expect(usage(() => valuesFromArgs(REQUESTS.Disposition, { outcome: 'abc' }, {}))).toBe('Disposition.outcome must be an integer, got "abc"');
  });

  it('requires required keys', () => {
    expect(usage(() => valuesFromArgs(REQUESTS.ManualDial, {}, {}))).toBe('missing --tel-number (ManualDial.telNumber is required)');
  });

  it('merges repeated --data K=V and JSON5 objects', () => {
    const v = valuesFromArgs(REQUESTS.Disposition, { outcome: '1', data: ['URN=1234', 'Name=Jo Bloggs', '{Client: "Acme"}'] }, {});
    expect(v.data).toEqual({ URN: '1234', Name: 'Jo Bloggs', Client: 'Acme' });
    expect(usage(() => valuesFromArgs(REQUESTS.Disposition, { outcome: '1', data: ['{URN: '] }, {}))).toMatch(/^--data: malformed JSON5/);
    expect(usage(() => valuesFromArgs(REQUESTS.Disposition, { outcome: '1', data: ['oops'] }, {}))).toMatch(/KEY=VALUE/);
  });

  it('accepts transfer names (ERRATA 14) and refuses others', () => {
    const v = valuesFromArgs(REQUESTS.TransferCall, { 'transfer-type': 'blind', 'transfer-to': 'queue', recipient: '100' }, {});
    expect(v).toMatchObject({ TransferType: '1', TransferTo: '2', Recipient: '100' });
    expect(usage(() => valuesFromArgs(REQUESTS.TransferCall, { 'transfer-type': 'sideways', 'transfer-to': '0', recipient: 'x' }, {}))).toMatch(/TransferCall.TransferType must be one of "0", "1", "2"/);
  });

  it('reads integer lists as 1,2,3 or JSON5', () => {
    expect(valuesFromArgs(REQUESTS.GetMessageHistory, { 'message-list': ['1,2', '3'] }, {})).toEqual({ messageList: [1, 2, 3] });
    expect(valuesFromArgs(REQUESTS.GetMessageHistory, { 'message-list': ['[4, 5]'] }, {})).toEqual({ messageList: [4, 5] });
    expect(usage(() => valuesFromArgs(REQUESTS.GetMessageHistory, { 'message-list': ['1,x'] }, {}))).toMatch(/must be an array of integers/);
  });

  it('takes the password from the environment only', () => {
    expect(valuesFromArgs(REQUESTS.Authenticate, { agent: 'demo' }, { AAPI_PASSWORD: 'pw' })).toMatchObject({ Agent: 'demo', Password: 'pw' });
    expect(valuesFromArgs(REQUESTS.Authenticate, { agent: 'demo', password: 'leak' }, {})).not.toHaveProperty('Password');
  });

  it('enforces documented ranges', () => {
    expect(usage(() => valuesFromArgs(REQUESTS.GoAvailable, { live: '2' }, {}))).toMatch(/GoAvailable.live must be one of -1, 0, 1/);
    expect(valuesFromArgs(REQUESTS.GoAvailable, { live: 'existing', offline: '3' }, {})).toEqual({ live: -1, offline: 3 });
  });
});

describe('durations', () => {
  it.each([['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['1500', 1500], ['1.5s', 1500]])('%s is %d ms', (t, ms) => expect(parseDuration(t)).toBe(ms));
  it('refuses nonsense', () => expect(usage(() => parseDuration('soon'))).toMatch(/--timeout takes a duration/));
  it('refuses one too long for a timer, naming the limit (it would time out after 1 ms)', () => {
    expect(usage(() => parseDuration('600h'))).toBe('--timeout is at most 596h (2147483647 ms, the longest a timer can wait), got "600h"');
    expect(usage(() => parseDuration('2147483648', 'AAPI_TIMEOUT'))).toMatch(/^AAPI_TIMEOUT is at most 596h/);
    expect(parseDuration('2147483647')).toBe(2 ** 31 - 1);
  });
});

describe('did you mean', () => {
  it('suggests the nearest or the completion', () => {
    expect(didYouMean('NowInCal', ['NowInCall', 'NowWaiting'])).toBe('; did you mean "NowInCall"?');
    expect(didYouMean('go-avail', ['go-available', 'go-unavailable'])).toBe('; did you mean "go-available"?');
    expect(didYouMean('xyzzy', ['NowInCall'])).toBe('');
  });
});
