// Compiled by `tsc --noEmit` (npm test), never run: each `@ts-expect-error` fails the build when the
// line under it compiles, so the library's types are proven to refuse these calls.
import { AapiError, Session, type AapiEvent } from '../../src/index.js';

export async function calls(s: Session): Promise<void> {
  // Right: required keys given, optional ones left to the session, closed choices as documented.
  await s.request('RunQuery', { QueryNumber: 1, Parameters: { URN: '1001' } });
  await s.request('TransferCall', { TransferType: '1', TransferTo: '2', Recipient: '100' });
  await s.request('GoAvailable', { live: 1, offline: -1 });
  await s.request('GoAvailable');
  await s.request('Logoff', {}, { timeoutMs: 500 });
  await s.request('GetMessageHistory', { messageList: [1, 2] });
  const tenants: string[] = (await s.request('GetTenants')).tenants;
  const connected: 'Connected' = (await s.request('Connect', { tenant: 'demo', campaign: 'outbound' })).status;
  void tenants, connected;

  // @ts-expect-error a misspelt key
  await s.request('RunQuery', { QueryNumber: 1, Parameterz: {} });
  // @ts-expect-error a wrong type: QueryNumber is an integer
  await s.request('RunQuery', { QueryNumber: '1' });
  // @ts-expect-error a value outside a closed choice: TransferType is "0", "1" or "2"
  await s.request('TransferCall', { TransferType: '3', TransferTo: '0', Recipient: 'demo2' });
  // @ts-expect-error a closed choice travels as a digit string, not a number (ERRATA 14)
  await s.request('TransferCall', { TransferType: 1, TransferTo: '0', Recipient: 'demo2' });
  // @ts-expect-error a missing required key: Recipient
  await s.request('TransferCall', { TransferType: '0', TransferTo: '0' });
  // @ts-expect-error a verb with required keys needs its values
  await s.request('ManualDial');
  // @ts-expect-error a key-value array holds scalars
  await s.request('Disposition', { outcome: 251, data: { URN: { nested: 1 } } });
  // @ts-expect-error a verb without keys takes none
  await s.request('Logoff', { Agent: 'demo' });
  // @ts-expect-error an unknown verb
  await s.request('Frobnicate', {});
  // @ts-expect-error a response key the verb does not have
  (await s.request('GetRecord', { URN: '1001' })).Data;

  // Right: the handler gets the event's own keys; an alias names the same event (ERRATA 5).
  const off = s.onEvent('NowInCall', (e) => {
    const kind: 0 | 3 | 4 | 5 = e.calltype;
    const urn = e.data.URN;
    void kind, urn, e.sessionIndex ?? 0;
  });
  off();
  s.onEvent('ChatMessage', (e) => void e.message.toUpperCase());
  // Still the session's own lifecycle, by EventEmitter's names.
  s.on('reconnecting', (r) => void r.attempt);

  // @ts-expect-error an unknown event name
  s.onEvent('NowInCal', () => {});
  // @ts-expect-error a lifecycle event is not an AAPI event
  s.onEvent('closed', () => {});
  // @ts-expect-error a misspelt key of the event
  s.onEvent('NowInCall', (e) => e.callType);
  // @ts-expect-error a value outside the event's closed choice
  s.onEvent('TransferUpdate', (e) => e.TransferStatus === 7);

  try {
    await s.request('Disposition', { outcome: 251 });
  } catch (err) {
    if (err instanceof AapiError && err.is(320)) {
      const level: 'Serious' = err.entry.level;
      void level;
    }
    // @ts-expect-error not an error number of the catalogue
    if (err instanceof AapiError && err.is(3200)) return;
  }
}

export function narrow(e: AapiEvent): string {
  if (e.event === 'ChatMessage' || e.event === 'ChatReceived') return e.direction;
  // @ts-expect-error NowWaiting has no keys of its own
  if (e.event === 'NowWaiting') return e.sessionIndex;
  return e.event;
}
