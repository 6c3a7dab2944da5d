import { describe, expect, it } from 'vitest';
import { mask, Redactor } from '../../src/session/mask.js';

// mask(): what every log and report shows of a frame. Secrets (the catalogue's secret keys:
// Password, SecondFactor, DeviceID, webrtc-password) are [Masked] at any depth and in any case; nothing else
// changes, and the message given is left as it was. Redactor: free text masked by the secret values known.

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

describe('Redactor', () => {
  it('masks every occurrence of every secret in text, longest first, in one pass', () => {
    const r = new Redactor(['abc', 'abcdef', '']);
    expect(r.text('abcdef abc xabcx')).toBe('[Masked] [Masked] x[Masked]x');
    expect(r.text('nothing here')).toBe('nothing here');
    // A secret found in [Masked] itself is not masked again.
    expect(new Redactor(['pw', 'ask']).text('pw')).toBe('[Masked]');
  });

  it('ignores secrets that are empty or not strings or numbers', () => {
    const r = new Redactor([undefined, null, '', {}, true]);
    expect(r.text('{} true null')).toBe('{} true null');
    expect(new Redactor([123456]).text('code 123456')).toBe('code [Masked]');
  });

  it('finds a secret as it stands inside a JSON string or a JSON5 one, escaped', () => {
    const r = new Redactor(['q"\\\'z\n']);
    expect(r.text(`raw q"\\'z\n json ${JSON.stringify('q"\\\'z\n')} json5 'q"\\\\\\'z\\n'`)).toBe('raw [Masked] json "[Masked]" json5 \'[Masked]\'');
  });

  it('learns the values of secret keys in a frame, at any depth, and the environment\'s password', () => {
    const r = new Redactor();
    r.learn({ type: 'Authenticate', Agent: 'ag', Password: 'pw1', nested: [{ DeviceID: 'dev-9' }], SecondFactor: 123456, 'webrtc-password': '' });
    expect(r.text('ag pw1 dev-9 123456')).toBe('ag [Masked] [Masked] [Masked]');
    expect(new Redactor().fromEnv({ AAPI_PASSWORD: 'envpw', OTHER: 'x' }).text('envpw x')).toBe('[Masked] x');
  });

  it('quotes a frame\'s values in a message by key, never by value; its words by value', () => {
    const r = new Redactor(['demo']);
    expect(r.message(['tenant demo: got ', { quote: ['demo', 'other'], under: 'tenants' }, ' and ', { quote: 'x', under: 'Password' }, ' of ', { quote: { Password: 'p' } }]))
      .toBe('tenant [Masked]: got ["demo","other"] and "[Masked]" of {"Password":"[Masked]"}');
    expect(r.message('demo')).toBe('[Masked]');
  });

  it('masks what a recipe wrote by key and by value in every string, leaving the value given as it was', () => {
    const pattern = { tenants: ['demo', 'x-demo-y', 3], Password: 'p', nested: { k: 'demo' } };
    expect(new Redactor(['demo']).written(pattern)).toEqual({ tenants: ['[Masked]', 'x-[Masked]-y', 3], Password: '[Masked]', nested: { k: '[Masked]' } });
    expect(pattern.tenants[0]).toBe('demo');
    expect(new Redactor().written('a response without error')).toBe('a response without error');
  });

  it('says where an offset of a masked line went: after each mask, shifted; inside one, at its start, or its end for an end', () => {
    const line = new Redactor(['long-secret']).line('{ Password: "abcdefghij", Agent: "long-secret", x: 1 }');
    expect(line.text).toBe('{ Password: "[Masked]", Agent: "[Masked]", x: 1 }');
    expect(line.moved(2)).toBe(2);
    expect(line.moved(13)).toBe(13);
    expect(line.moved(15)).toBe(13);
    expect(line.moved(15, true)).toBe(21);
    expect(line.moved(23)).toBe(21);
    expect(line.moved(49)).toBe(44);
    expect(line.text.slice(line.moved(48), line.moved(52, true))).toBe('x: 1');
  });

  it('masks a secret key written literally on a recipe\'s line, however quoted, but not a reference or an empty one', () => {
    const r = new Redactor(['known']);
    expect(r.line('{ Password: "a\\"b", extension: "1" }').text).toBe('{ Password: "[Masked]", extension: "1" }');
    expect(r.line(`{ 'password': 'x\\'y', "SecondFactor": 123456, DeviceID: dev }`).text).toBe(`{ 'password': '[Masked]', "SecondFactor": [Masked], DeviceID: [Masked] }`);
    expect(r.line('sessions: { a: { agent: "known", password: "${pw}" } }').text).toBe('sessions: { a: { agent: "[Masked]", password: "${pw}" } }');
    expect(r.line('{ PasswordHint: "h", Password: "" }').text).toBe('{ PasswordHint: "h", Password: "" }');
  });
});
