import { describe, expect, it } from 'vitest';
import { mask } from '../../src/session/mask.js';

// mask(): what every log and report shows of a message. Secrets (the catalogue's secret keys:
// Password, SecondFactor, DeviceID, webrtc-password) are [Masked] at any depth and in any case; nothing else
// changes, and the message given is left as it was.

describe('mask', () => {
  it('masks each secret key of the catalogue, in any case', () => {
    expect(mask({ Password: 'p', SecondFactor: '123456', DeviceID: 'd', 'webrtc-password': 'w' })).toEqual({
      Password: '[Masked]', SecondFactor: '[Masked]', DeviceID: '[Masked]', 'webrtc-password': '[Masked]',
    });
    expect(mask({ PASSWORD: 'p', secondfactor: '1', 'WebRTC-Password': 'w' })).toEqual({
      PASSWORD: '[Masked]', secondfactor: '[Masked]', 'WebRTC-Password': '[Masked]',
    });
  });

  it('masks a secret whatever its value\'s type, but not an empty, null or missing one (there is nothing to hide)', () => {
    expect(mask({ Password: 1234 })).toEqual({ Password: '[Masked]' });
    expect(mask({ Password: { nested: 'x' } })).toEqual({ Password: '[Masked]' });
    expect(mask({ Password: false })).toEqual({ Password: '[Masked]' });
    expect(mask({ Password: '' })).toEqual({ Password: '' });
    expect(mask({ Password: null })).toEqual({ Password: null });
    expect(mask({ Password: undefined })).toEqual({ Password: undefined });
  });

  it('leaves every other key and value as it is, nested objects and arrays included', () => {
    const msg = { type: 'Authenticate', Agent: 'demo', extension: '', n: 0, ok: true, none: null, list: [1, 'a', null], data: { URN: '1' } };
    expect(mask(msg)).toEqual(msg);
    // A key that only contains a secret's name is not a secret.
    expect(mask({ PasswordHint: 'h', OldPassword2: 'o' })).toEqual({ PasswordHint: 'h', OldPassword2: 'o' });
  });

  it('masks at any depth: in nested objects, in arrays, in arrays of arrays', () => {
    expect(mask({ data: { Password: 'p', keep: 'k' } })).toEqual({ data: { Password: '[Masked]', keep: 'k' } });
    expect(mask([{ Password: 'p' }, { SecondFactor: 's' }])).toEqual([{ Password: '[Masked]' }, { SecondFactor: '[Masked]' }]);
    expect(mask({ rows: [[{ password: 'p' }]] })).toEqual({ rows: [[{ password: '[Masked]' }]] });
  });

  it('returns plain values as they are', () => {
    for (const v of ['Password', 42, true, null, undefined, '']) expect(mask(v)).toBe(v);
    expect(mask([])).toEqual([]);
    expect(mask({})).toEqual({});
  });

  it('makes a copy: the message given keeps its secrets (it is still sent)', () => {
    const msg = { Password: 'p', data: { SecondFactor: 's' }, list: [{ Password: 'q' }] };
    const masked = mask(msg) as typeof msg;
    expect(msg).toEqual({ Password: 'p', data: { SecondFactor: 's' }, list: [{ Password: 'q' }] });
    expect(masked).not.toBe(msg);
    expect(masked.data).not.toBe(msg.data);
    expect(masked.list).not.toBe(msg.list);
  });
});
