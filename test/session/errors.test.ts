import { describe, expect, it } from 'vitest';
import { AapiError, ConnectionLost, RequestTimeout } from '../../src/session/errors.js';

// The session's errors: what an ERROR response says (the server's words first, the catalogue's
// when it gives none), which numbers are authentication failures (the reconnect loop stops on
// them rather than trying again for ever), and the "outcome unknown" of a request lost in flight.

describe('AapiError', () => {
  it('takes number, level, message and detail from the response, in any case', () => {
    const e = new AapiError({ Response: 'ERROR', errorNumber: 320, errorlevel: 'Warning', ErrorMessage: 'said by the server', errordetail: 'why' });
    expect(e.errorNumber).toBe(320);
    expect(e.level).toBe('Warning');
    expect(e.message).toBe('ERROR 320 Warning: said by the server (why)');
    expect(e.response).toMatchObject({ errorNumber: 320 });
  });

  it('falls back on the catalogue for level and message, and says so when the number is unknown too', () => {
    const known = new AapiError({ Response: 'ERROR', ErrorNumber: 320 });
    expect(known.message).toBe('ERROR 320 Serious: Cannot disposition, agent is not in wrap');
    expect(known.hint).toMatch(/start-wrap/);
    const unknown = new AapiError({ Response: 'ERROR', ErrorNumber: 9999 });
    expect(unknown.message).toBe('ERROR 9999 Serious: unknown error');
    expect(unknown.hint).toBeUndefined();
    expect(new AapiError({ Response: 'ERROR' }).errorNumber).toBe(0);
  });

  it('errors 100 to 107 are authentication failures; 99, 108 and 198 are not', () => {
    const auth = (n: number) => new AapiError({ Response: 'ERROR', ErrorNumber: n }).isAuthFailure;
    expect([100, 101, 106, 107].map(auth)).toEqual([true, true, true, true]);
    expect([99, 108, 198, 0].map(auth)).toEqual([false, false, false, false]);
  });
});

describe('ConnectionLost and RequestTimeout', () => {
  it('say which request, and that its outcome is unknown', () => {
    expect(new ConnectionLost('GoAvailable').message).toBe('connection lost while GoAvailable was in flight: outcome unknown');
    expect(new RequestTimeout('GoAvailable', 250).message).toBe('no answer to GoAvailable within 250 ms');
  });
});

describe('the hint of an error', () => {
  it('follows what the ErrorDetail says when the catalogue knows it: 99 for an agent on no campaign points at `aapi connect`', () => {
    const notConnected = new AapiError({ Response: 'ERROR', ErrorNumber: 99, ErrorDetail: 'the agent is not connected to the dialler: send Connect first' });
    expect(notConnected.hint).toMatch(/`aapi connect --tenant T --campaign C`/);
    expect(notConnected.hint).not.toMatch(/--help/);
    expect(new AapiError({ Response: 'ERROR', ErrorNumber: 99, ErrorDetail: 'unknown type "Nope"' }).hint).toMatch(/`aapi <verb> --help`/);
    expect(new AapiError({ Response: 'ERROR', ErrorNumber: 99 }).hint).toMatch(/`aapi <verb> --help`/);
  });
});
