import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AapiEvent, ErrorEntry, EventOf, KeyValue, RequestOf, ResponseOf } from '../../src/index.js';
import { AapiError } from '../../src/session/errors.js';

// The types derived from the catalogue, checked by `tsc --noEmit` (npm test) through expectTypeOf.
// test/types/wrong-calls.ts holds the calls that must not compile.

describe('types derived from the catalogue', () => {
  it('types a request: required keys, optional others, closed choices as literals, open ranges as numbers', () => {
    expectTypeOf<RequestOf<'TransferCall'>>().toEqualTypeOf<{
      TransferType: '0' | '1' | '2';
      TransferTo: '0' | '1' | '2';
      Recipient: string;
      data?: KeyValue;
      sessionIndex?: number;
    }>();
    expectTypeOf<RequestOf<'GoAvailable'>>().toEqualTypeOf<{ live?: -1 | 0 | 1; offline?: number; interactive?: number }>();
    expectTypeOf<RequestOf<'RunQuery'>>().toEqualTypeOf<{ QueryNumber: number; Parameters?: KeyValue; values?: KeyValue }>();
    expectTypeOf<RequestOf<'Logoff'>>().toEqualTypeOf<Record<string, never>>();
  });

  it('types a response: its success envelope (ERRATA 6, 8, 19) and payload', () => {
    expectTypeOf<ResponseOf<'Connect'>>().toEqualTypeOf<{ RID: number; status: 'Connected' }>();
    expectTypeOf<ResponseOf<'GetTenants'>>().toEqualTypeOf<{ RID: number; tenants: string[] }>();
    expectTypeOf<ResponseOf<'Authenticate'>['SID']>().toEqualTypeOf<number>();
    expectTypeOf<ResponseOf<'Authenticate'>['DeviceID']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ResponseOf<'Logoff'>['Response']>().toEqualTypeOf<'OK' | undefined>();
    expectTypeOf<ResponseOf<'KeepAlive'>>().toEqualTypeOf<Record<string, never>>();
  });

  it('types events as a union discriminated by name, aliases included', () => {
    expectTypeOf<AapiEvent['event']>().toEqualTypeOf<
      'NowAvailable' | 'NowUnavailable' | 'NowWrapping' | 'NowWaiting' | 'NowRecording' | 'NowPaused' | 'NowInCall'
      | 'NowLoggedOff' | 'NowCalling' | 'TransferUpdate' | 'ChatReceived' | 'ChatMessage' | 'ChatTyping'
    >();
    expectTypeOf<Extract<AapiEvent, { event: 'ChatMessage' }>['direction']>()
      .toEqualTypeOf<'AgentToCustomer' | 'CustomerToAgent' | 'TransfererToTransferee' | 'TransfereeToTransferer'>();
    expectTypeOf<EventOf<'NowWrapping'>>().toEqualTypeOf<{ event: 'NowWrapping'; RID: number; sessionIndex?: number }>();
    expectTypeOf<EventOf<'TransferUpdate'>['TransferStatus']>().toEqualTypeOf<0 | 1 | 2 | 3 | 4>();
  });

  it('types error numbers with their catalogue entries', () => {
    expectTypeOf<ErrorEntry<320>['message']>().toEqualTypeOf<'Cannot disposition, agent is not in wrap'>();
    expectTypeOf<ErrorEntry<322>['level']>().toEqualTypeOf<'Warning'>();
    const e = new AapiError({ Response: 'ERROR', ErrorNumber: 320 });
    expect(e.is(320) && e.entry.level).toBe('Serious');
    expect(e.is(99)).toBe(false);
    expect(new AapiError({ Response: 'ERROR', ErrorNumber: 197 }).entry).toBeUndefined();
  });
});
