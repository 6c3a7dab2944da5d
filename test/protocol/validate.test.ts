import { describe, expect, it } from 'vitest';
import { REQUESTS } from '../../src/protocol/catalogue.js';
import { checkValue, missingRid, validateRequest } from '../../src/protocol/validate.js';
import type { KeySpec } from '../../src/protocol/types.js';

const strict = (verb: keyof typeof REQUESTS, msg: Record<string, unknown>) => validateRequest(REQUESTS[verb], msg, 'strict');
const tolerant = (verb: keyof typeof REQUESTS, msg: Record<string, unknown>) => validateRequest(REQUESTS[verb], msg, 'tolerant');

describe('strict mode', () => {
  it('refuses a non-integer outcome with the exact message', () => {
    expect(strict('Disposition', { outcome: 'abc' }).problems).toEqual(['Disposition.outcome must be an integer, got "abc"']);
  });

  it('refuses an integer sent as a string', () => {
    expect(strict('Disposition', { outcome: '251' }).problems).toEqual(['Disposition.outcome must be an integer, got "251"']);
  });

  it('refuses keys the spec does not document', () => {
    expect(strict('Disposition', { outcome: 1, colour: 'red' }).problems).toEqual(['Disposition has no key colour']);
  });

  it('allows the envelope keys type, RID and SID', () => {
    expect(strict('Disposition', { type: 'Disposition', RID: 1, SID: 2, outcome: 1 }).problems).toEqual([]);
  });

  it('reads keys only in the spec spelling, and names a misspelt one', () => {
    expect(strict('ManualDial', { TelNumber: '0123' }).problems).toEqual(['ManualDial.telNumber is required', 'ManualDial has no key TelNumber']);
  });

  it('refuses a boolean sent as a string', () => {
    expect(strict('TogglePark', { Switch: 'true', Who: 'client' }).problems).toEqual(['TogglePark.Switch must be true or false, got "true"']);
  });

  it('refuses a digit string key sent as a number', () => {
    expect(strict('TransferCall', { TransferType: 1, TransferTo: '0', Recipient: 'x' }).problems)
      .toEqual(['TransferCall.TransferType must be a string, got 1']);
  });

  it('accepts a well-formed request and fills the keys left out', () => {
    const { values, problems } = strict('Disposition', { outcome: 251, data: { URN: '1234-test' } });
    expect(problems).toEqual([]);
    expect(values).toEqual({ outcome: 251, callbackNumber: '', callbackTime: '', personalCallback: false, data: { URN: '1234-test' }, sessionIndex: 0 });
  });

  it('leaves optional keys out when not given', () => {
    const { values, problems } = strict('Authenticate', { Agent: 'demo', Password: 'demo', extension: '8600001' });
    expect(problems).toEqual([]);
    expect(values).toEqual({ Agent: 'demo', Password: 'demo', extension: '8600001' });
  });
});

describe('tolerant mode', () => {
  it('coerces "251" to 251', () => {
    expect(tolerant('Disposition', { outcome: '251' })).toMatchObject({ problems: [], values: { outcome: 251 } });
  });

  it('still refuses "12a" as an integer', () => {
    expect(tolerant('Disposition', { outcome: '12a' }).problems).toEqual(['Disposition.outcome must be an integer, got "12a"']);
  });

  it.each([1, '1'])('reads TransferType %j as "1" (ERRATA 14)', (raw) => {
    expect(tolerant('TransferCall', { TransferType: raw, TransferTo: 2, Recipient: 100 }))
      .toMatchObject({ problems: [], values: { TransferType: '1', TransferTo: '2', Recipient: '100' } });
  });

  it.each([['true', true], ['false', false], [1, true], [0, false]] as const)('reads the boolean %j as %j', (raw, bool) => {
    expect(tolerant('Disposition', { outcome: 1, personalCallback: raw })).toMatchObject({ problems: [], values: { personalCallback: bool } });
  });

  it('refuses a boolean it cannot read', () => {
    expect(tolerant('TogglePark', { Switch: 'yes', Who: 'client' }).problems).toEqual(['TogglePark.Switch must be true or false, got "yes"']);
  });

  it('matches keys in any case', () => {
    expect(tolerant('ManualDial', { TELNUMBER: '0123' })).toMatchObject({ problems: [], values: { telNumber: '0123' } });
  });

  it('treats null as absent', () => {
    expect(tolerant('Disposition', { outcome: 1, callbackTime: null }).values).toMatchObject({ callbackTime: '' });
    expect(tolerant('ManualDial', { telNumber: null }).problems).toEqual(['ManualDial.telNumber is required']);
  });

  it('lets undocumented keys through', () => {
    expect(tolerant('Disposition', { outcome: 1, colour: 'red' }).problems).toEqual([]);
  });

  it('reads an array of integers given as strings', () => {
    expect(tolerant('GetMessageHistory', { messageList: ['1', 2] }).values).toEqual({ messageList: [1, 2] });
  });
});

describe('required keys', () => {
  it.each(['strict', 'tolerant'] as const)('%s mode names each missing key', (mode) => {
    expect(validateRequest(REQUESTS.TransferCall, { TransferType: '0' }, mode).problems)
      .toEqual(['TransferCall.TransferTo is required', 'TransferCall.Recipient is required']);
  });

  it('does not fill a missing required key', () => {
    expect(strict('Disposition', {}).values).not.toHaveProperty('outcome');
  });

  it('names the RID of an Acknowledge, the one key no session can make up (the event\'s own)', () => {
    expect(missingRid(REQUESTS.Acknowledge, { type: 'Acknowledge' })).toBe('Acknowledge.RID is required: the RID of the event it acknowledges');
    expect(missingRid(REQUESTS.Acknowledge, { type: 'Acknowledge', rid: 5 })).toBeUndefined();
    // A RID the session fills in, or none at all.
    expect(missingRid(REQUESTS.GoAvailable, { type: 'GoAvailable' })).toBeUndefined();
    expect(missingRid(REQUESTS.KeepAlive, { type: 'KeepAlive' })).toBeUndefined();
  });
});

describe('closed choices', () => {
  it('refuses GoAvailable live 2', () => {
    expect(strict('GoAvailable', { live: 2 }).problems).toEqual(['GoAvailable.live must be one of -1, 0, 1, got 2']);
  });

  it.each([-1, 0, 1])('accepts GoAvailable live %i', (live) => {
    expect(strict('GoAvailable', { live }).problems).toEqual([]);
  });

  it('refuses TransferOutcome Outcome "maybe"', () => {
    expect(strict('TransferOutcome', { Outcome: 'maybe' }).problems)
      .toEqual(['TransferOutcome.Outcome must be one of "cancel", "complete", got "maybe"']);
  });

  it('accepts TransferOutcome Outcome "complete"', () => {
    expect(strict('TransferOutcome', { Outcome: 'complete' }).problems).toEqual([]);
  });

  it('refuses TransferType 3 even in tolerant mode', () => {
    expect(tolerant('TransferCall', { TransferType: 3, TransferTo: '0', Recipient: 'x' }).problems)
      .toEqual(['TransferCall.TransferType must be one of "0", "1", "2", got 3']);
  });
});

describe('minimum values', () => {
  it('refuses GoAvailable offline -3', () => {
    expect(strict('GoAvailable', { offline: -3 }).problems).toEqual(['GoAvailable.offline must be at least -2, got -3']);
  });

  it.each([-2, 0, 5])('accepts GoAvailable offline %i: the range is open above', (offline) => {
    expect(strict('GoAvailable', { offline })).toMatchObject({ problems: [], values: { offline } });
  });

  it('refuses a negative sessionIndex', () => {
    expect(strict('StartWrap', { sessionIndex: -1 }).problems).toEqual(['StartWrap.sessionIndex must be at least 0, got -1']);
  });
});

describe('checkValue', () => {
  const key = (more: Partial<KeySpec>): KeySpec => ({ wire: 'k', type: 'string', description: 'd', ...more });

  it('enforces max', () => {
    expect(checkValue(key({ type: 'integer', max: 9 }), 10, 'strict')).toEqual({ problem: 'must be at most 9, got 10' });
    expect(checkValue(key({ type: 'integer', max: 9 }), 9, 'strict')).toEqual({ value: 9 });
  });

  it('refuses a key-value object holding nested objects', () => {
    expect(checkValue(key({ type: 'keyValue' }), { a: { b: 1 } }, 'tolerant').problem).toBe('must hold plain values, but a is {"b":1}');
    expect(checkValue(key({ type: 'keyValue' }), ['x'], 'tolerant').problem).toMatch(/^must be an object/);
  });

  it('refuses mixed string arrays and non-object arrays', () => {
    expect(checkValue(key({ type: 'stringArray' }), ['a', 1], 'tolerant').problem).toMatch(/^must be an array of strings/);
    expect(checkValue(key({ type: 'objectArray' }), [{}, 'a'], 'tolerant').problem).toMatch(/^must be an array of objects/);
  });

  it('shortens long values in messages', () => {
    expect(checkValue(key({ type: 'integer' }), 'x'.repeat(100), 'strict').problem).toBe(`must be an integer, got "${'x'.repeat(36)}...`);
  });
});
