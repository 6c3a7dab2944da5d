import { newCall, wrap } from './calls.js';
import type { Dialler } from './dialler.js';
import { notNow, SimError } from './errors.js';
import { fixtureAgent } from './fixture.js';
import type { HandlerTable, SessionCtx } from './handlers.js';
import { inCallFields, type AgentLine, type Call, type Transfer } from './model.js';

// The three transfer types of "Transferring calls", to an agent, an external number or a queue,
// with TransferUpdate statuses, TransferOutcome and the Parking Notes.

type Verbs = 'GetAgents' | 'TransferCall' | 'TogglePark' | 'TransferOutcome';

const BLIND = '1';
const WARM = '0';
const CONFERENCE = '2';

/** Whether a line can take a call of this kind now. */
function canTake(line: AgentLine, call: Call): boolean {
  if (!line.connected || !line.available || line.pendingUnavailable) return false;
  if (call.kind === 'live') return line.state === 'Waiting' && line.limits.live !== 0;
  return line.freeIndex() !== undefined && line.countKind(call.kind) < line.limits[call.kind];
}

function recipientAnswers(d: Dialler, call: Call, t: Transfer): boolean {
  if (t.recipientLine) return canTake(t.recipientLine, call);
  if (t.to === '1') return !d.fixture.refusingNumbers.includes(t.recipient);
  if (t.to === '2') return d.fixture.queues[t.recipient]?.answers !== false;
  return true; // a bare extension rings and is answered
}

/** Hands a copy of the call to the receiving agent, who gets NowInCall with transfer: true. */
function deliverToAgent(d: Dialler, call: Call, t: Transfer): void {
  const to = t.recipientLine!;
  const index = call.kind === 'live' ? 0 : to.freeIndex()!;
  to.cancel(to.presentTimer);
  to.presentTimer = null;
  const received = newCall(d, to, index, call.kind, {
    urn: call.urn, data: { ...call.data }, tel: call.tel, calltype: call.calltype,
    queuenumber: call.queuenumber, campaign: call.campaign, transferIn: true,
  });
  t.recipientIndex = index;
  to.emit('NowInCall', inCallFields(received));
}

/** The recipient's side of a transfer that did not go through: its call ends in wrap. */
function dropAtRecipient(t: Transfer): void {
  const to = t.recipientLine;
  const call = t.recipientIndex === undefined ? undefined : to?.calls.get(t.recipientIndex);
  if (to && call && call.phase !== 'Wrapping') wrap(to, call);
}

export type TransferEvent = 'answer' | 'refuse' | 'hangup';

/**
 * Moves a transfer on: the recipient answers or refuses an offered transfer, or hangs up a
 * connected one. Without `how`, the fixture decides whether the recipient answers.
 */
export function resolveTransfer(d: Dialler, line: AgentLine, index: number, how?: TransferEvent): boolean {
  const call = line.calls.get(index);
  const t = call?.transfer;
  if (!call || !t) return false;
  const update = (TransferStatus: number) => line.emit('TransferUpdate', { TransferStatus, sessionIndex: index });
  if (how === 'hangup') {
    if (t.status !== 'connected') return false;
    update(1);
    dropAtRecipient(t);
    endTransfer(line, call);
    return true;
  }
  if (t.status !== 'offered') return false;
  line.cancel(t.timer);
  const answers = how === undefined ? recipientAnswers(d, call, t) : how === 'answer' && (!t.recipientLine || canTake(t.recipientLine, call));
  if (!answers) {
    update(2);
    endTransfer(line, call);
    return true;
  }
  if (t.recipientLine) deliverToAgent(d, call, t);
  t.status = 'connected';
  update(0);
  if (t.type === CONFERENCE) update(4);
  if (t.type === BLIND) {
    call.transfer = undefined;
    wrap(line, call);
  }
  return true;
}

/** The call returns to the agent; the caller is retrieved from park (Parking Notes). */
function endTransfer(line: AgentLine, call: Call): void {
  line.cancel(call.transfer?.timer);
  call.transfer = undefined;
  call.hold = false;
}

function transferCall({ d, line, values }: SessionCtx<'TransferCall'>) {
  const index = values.sessionIndex;
  const call = line.calls.get(index);
  if (!call || call.phase !== 'InCall') throw notNow(`no call in progress on sessionIndex ${index}`);
  if (call.transfer) throw notNow('a transfer is already in progress');
  const { TransferType: type, TransferTo: to } = values;
  const recipient = values.Recipient.trim();
  let recipientLine: AgentLine | undefined;
  if (to === '0') {
    if (recipient === line.name) throw new SimError(310, 'an agent cannot transfer a call to itself');
    recipientLine = d.lineOf(recipient);
    if (!recipientLine && !fixtureAgent(d.fixture, recipient) && !/^\d{3,}$/.test(recipient)) {
      throw new SimError(310, `no agent or extension ${JSON.stringify(recipient)}`);
    }
    if (!recipientLine && call.kind !== 'live') throw new SimError(310, `agent ${JSON.stringify(recipient)} is not logged in`);
  } else if (to === '1') {
    if (call.kind !== 'live') throw new SimError(310, 'only live calls go to external numbers');
    if (!/^\+?\d{6,15}$/.test(recipient)) throw new SimError(310, `${JSON.stringify(recipient)} is not an external number`);
  } else {
    if (!/^\d+$/.test(recipient)) throw new SimError(311, `queue ${JSON.stringify(recipient)} is not a number`);
    if (!d.fixture.queues[recipient]) throw new SimError(310, `no inbound queue ${recipient}`);
  }
  const transfer: Transfer = {
    type, to, recipient, status: 'offered', recipientLine,
    // On a blind-with-connect transfer the caller waits parked until it completes or is cancelled.
    parked: { client: type === WARM, recipient: false },
  };
  call.transfer = transfer;
  if (Object.keys(values.data).length > 0) Object.assign(call.data, values.data);
  line.emit('TransferUpdate', { TransferStatus: 3, sessionIndex: index });
  const { transferMs } = d.fixture.timings;
  if (transferMs > 0) transfer.timer = line.later(transferMs, () => resolveTransfer(d, line, index));
}

function transferOutcome({ line, values }: SessionCtx<'TransferOutcome'>) {
  const index = values.sessionIndex;
  const call = line.calls.get(index);
  const t = call?.transfer;
  if (!call || !t) throw notNow(`no transfer in progress on sessionIndex ${index}`);
  if (values.Outcome === 'complete') {
    if (t.status !== 'connected') throw notNow('the recipient has not answered yet');
    call.transfer = undefined;
    wrap(line, call);
    return;
  }
  dropAtRecipient(t);
  endTransfer(line, call);
  line.emit('NowInCall', inCallFields(call));
}

function togglePark({ line, values }: SessionCtx<'TogglePark'>) {
  const t = line.live?.transfer;
  if (!t) throw notNow('no transfer in progress to park a party of');
  if (t.type === BLIND) throw notNow('blind transfers have no parking');
  const who = values.Who;
  if (t.type === WARM && who === 'client') {
    throw notNow('on a blind-with-connect transfer the caller stays parked until the transfer completes or is cancelled');
  }
  t.parked[who] = values.Switch;
}

export const TRANSFER_HANDLERS: Pick<HandlerTable, Verbs> = {
  GetAgents: ({ d, line }) => ({
    Agents: [...d.lines.values()]
      .filter((other) => other !== line && other.state === 'Waiting' && other.limits.live !== 0 && !other.pendingUnavailable)
      .map((other) => ({ Agent: other.name, extension: other.extension, campaign: other.campaign })),
  }),
  TransferCall: transferCall,
  TogglePark: togglePark,
  TransferOutcome: transferOutcome,
};
