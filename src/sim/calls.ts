import type { ValidatedRequestOf } from '../protocol/messages.js';
import type { KeyValue } from '../protocol/types.js';
import type { Dialler } from './dialler.js';
import { notNow, SimError } from './errors.js';
import type { HandlerTable, SessionCtx } from './handlers.js';
import { inCallFields, type AgentLine, type Call, type CallKind, type Limits } from './model.js';

// The call cycle of "Dialler Basics": availability, presented calls, wrap and disposition, manual
// and follow-on calls, and what an agent does during a call.

type Verbs = 'GoAvailable' | 'GoUnavailable' | 'Disposition' | 'StartWrap' | 'ManualDial' | 'PauseRecording'
  | 'ResumeRecording' | 'ToggleHold' | 'Keypress' | 'ChapterMark' | 'MultiSale' | 'TagCall';

const notConnected = () => notNow('the agent is not connected to the dialler: send Connect first');

export function campaignOf(d: Dialler, line: AgentLine) {
  return line.tenant && line.campaign ? d.fixture.tenants[line.tenant]?.[line.campaign] : undefined;
}

/** Schedules the next campaign call for a waiting agent, after the fixture's presentation delay. */
export function scheduleNext(d: Dialler, line: AgentLine): void {
  line.cancel(line.presentTimer);
  line.presentTimer = null;
  const c = campaignOf(d, line);
  if (line.state !== 'Waiting' || line.limits.live === 0 || !c?.started || c.records.length === 0) return;
  line.presentTimer = line.later(d.fixture.timings.presentMs, () => {
    line.presentTimer = null;
    presentCall(d, line);
  });
}

function nextRecord(d: Dialler, line: AgentLine): string | undefined {
  const c = campaignOf(d, line);
  if (!c || c.records.length === 0) return undefined;
  const key = `${line.tenant}/${line.campaign}`;
  const i = d.cursors.get(key) ?? 0;
  d.cursors.set(key, i + 1);
  return c.records[i % c.records.length];
}

export interface Presentation {
  urn?: string;
  tel?: string;
  /** An inbound call through this queue (calltype 5). */
  queue?: number;
  data?: KeyValue;
}

export function newCall(d: Dialler, line: AgentLine, index: number, kind: CallKind, fields: Partial<Call>): Call {
  const call: Call = {
    index, kind, phase: 'InCall', manual: false, data: {}, tel: '', calltype: 0, queuenumber: 0,
    campaign: line.campaign ?? '', transferIn: false, recording: true, hold: false,
    multiSale: {}, tags: [], chapters: [], dtmf: [], chat: [],
    ...d.newCallIds(),
    ...fields,
  };
  line.calls.set(index, call);
  return call;
}

/** Connects a waiting agent to a call: the next campaign record, or what the control API names. */
export function presentCall(d: Dialler, line: AgentLine, p: Presentation = {}): Call | undefined {
  if (line.state !== 'Waiting' || line.limits.live === 0) return undefined;
  line.cancel(line.presentTimer);
  line.presentTimer = null;
  const urn = p.urn ?? (p.queue === undefined ? nextRecord(d, line) : undefined);
  const record = urn ? d.records.get(urn) : undefined;
  const data = { ...(record ?? {}), ...(p.data ?? {}) };
  const call = newCall(d, line, 0, 'live', {
    urn: record ? urn : undefined,
    data,
    tel: p.tel ?? String(data.Tel ?? ''),
    calltype: p.queue === undefined ? campaignOf(d, line)?.calltype ?? 0 : 5,
    queuenumber: p.queue ?? 0,
  });
  line.emit('NowInCall', inCallFields(call));
  scheduleHangUp(d, line, call);
  return call;
}

export function scheduleHangUp(d: Dialler, line: AgentLine, call: Call): void {
  const { talkMs } = d.fixture.timings;
  if (talkMs > 0 && call.kind === 'live') call.timer = line.later(talkMs, () => customerHangsUp(d, line, call.index));
}

/** Ends the talking part of a call: the agent is in wrap. */
export function wrap(line: AgentLine, call: Call): void {
  line.cancel(call.timer);
  line.cancel(call.transfer?.timer);
  call.transfer = undefined;
  call.hold = false;
  call.phase = 'Wrapping';
  line.emit('NowWrapping', { sessionIndex: call.index });
}

/** The customer hangs up (or a dialled number stops ringing): the agent goes to wrap. */
export function customerHangsUp(d: Dialler, line: AgentLine, index: number): boolean {
  const call = line.calls.get(index);
  if (!call || call.phase === 'Wrapping') return false;
  if (call.transfer?.status === 'connected') line.emit('TransferUpdate', { TransferStatus: 1, sessionIndex: index });
  wrap(line, call);
  return true;
}

/** After the live call is dispositioned: back to waiting, or unavailable when that was asked for or the call was manual. */
function afterLiveCall(d: Dialler, line: AgentLine): void {
  if (line.available && !line.pendingUnavailable) {
    line.emit('NowWaiting');
    scheduleNext(d, line);
  } else {
    line.available = false;
    line.pendingUnavailable = false;
    line.emit('NowUnavailable');
  }
}

function dispose(d: Dialler, line: AgentLine, call: Call, values: ValidatedRequestOf<'Disposition'>): void {
  if (call.urn && d.records.has(call.urn)) Object.assign(d.records.get(call.urn)!, values.data);
  if (values.callbackNumber || values.callbackTime) {
    d.callbacks.push({
      agent: line.name, urn: call.urn ?? null, number: values.callbackNumber, time: values.callbackTime,
      personal: values.personalCallback,
    });
  }
  d.dispositions.push({ agent: line.name, urn: call.urn ?? null, outcome: values.outcome, multiSale: call.multiSale, tags: call.tags, sessionIndex: call.index });
  line.calls.delete(call.index);
  if (call.index === 0) afterLiveCall(d, line);
}

function sessionCall({ line, values }: SessionCtx<'Disposition' | 'StartWrap' | 'TagCall'>): Call | undefined {
  return line.calls.get(values.sessionIndex);
}

/** The live call while the agent is talking on it. */
function talking(line: AgentLine): Call | undefined {
  const call = line.live;
  return call && call.phase === 'InCall' ? call : undefined;
}

function resolveLimits(d: Dialler, line: AgentLine, values: ValidatedRequestOf<'GoAvailable'>): Limits {
  const c = campaignOf(d, line);
  const pick = (asked: number, current: number, configured: number) =>
    asked === -2 ? current : asked === -1 ? 0 : asked === 0 ? configured : asked;
  return {
    live: values.live === -1 ? line.limits.live : values.live,
    interactive: pick(values.interactive, line.limits.interactive, c?.interactive ?? 0),
    offline: pick(values.offline, line.limits.offline, c?.offline ?? 0),
  };
}

function goAvailable(ctx: SessionCtx<'GoAvailable'>) {
  const { d, line } = ctx;
  if (!line.connected) throw notConnected();
  const limits = resolveLimits(d, line, ctx.values);
  const changed = JSON.stringify(limits) !== JSON.stringify(line.limits);
  const wasAvailable = line.available && !line.pendingUnavailable;
  if (wasAvailable && !changed) throw new SimError(160);
  line.limits = limits;
  line.available = true;
  line.pendingUnavailable = false;
  line.emit('NowAvailable');
  if (!wasAvailable && line.state === 'Waiting') line.emit('NowWaiting');
  scheduleNext(d, line);
}

function goUnavailable({ line }: SessionCtx) {
  if (!line.connected) throw notConnected();
  if (!line.available || line.pendingUnavailable) throw new SimError(161);
  if (line.live) {
    // Granted only when safe: after this call is dispositioned.
    line.pendingUnavailable = true;
    return;
  }
  line.available = false;
  line.cancel(line.presentTimer);
  line.presentTimer = null;
  line.emit('NowUnavailable');
}

const VALID_NUMBER = /^\+?[0-9]{3,20}$/;

function manualDial({ d, line, values }: SessionCtx<'ManualDial'>) {
  if (!line.connected) throw new SimError(300, 'the agent is not connected to the dialler');
  const previous = line.live;
  if (previous ? previous.phase !== 'Wrapping' : line.available) {
    throw new SimError(300, `the agent is ${line.state}; manual calls need Unavailable, follow-on calls need Wrapping`);
  }
  const tel = values.telNumber.replace(/[\s()-]/g, '');
  if (!VALID_NUMBER.test(tel)) throw new SimError(301, `${JSON.stringify(values.telNumber)} is not a telephone number`);
  const call = previous
    ? Object.assign(previous, { phase: 'Calling', tel, recording: true, hold: false, ...d.newCallIds() } satisfies Partial<Call>)
    : newCall(d, line, 0, 'live', { phase: 'Calling', manual: true, tel, calltype: 3 });
  line.emit('NowCalling', { sessionIndex: 0 });
  call.timer = line.later(d.fixture.timings.dialMs, () => {
    if (line.calls.get(0) !== call || call.phase !== 'Calling') return;
    call.phase = 'InCall';
    line.emit('NowInCall', inCallFields(call));
    scheduleHangUp(d, line, call);
  });
}

export const CALL_HANDLERS: Pick<HandlerTable, Verbs> = {
  GoAvailable: goAvailable,
  GoUnavailable: goUnavailable,
  Disposition: (ctx) => {
    const call = sessionCall(ctx);
    if (!call || call.phase !== 'Wrapping') throw new SimError(320);
    dispose(ctx.d, ctx.line, call, ctx.values);
  },
  StartWrap: (ctx) => {
    const call = sessionCall(ctx);
    if (!call) throw new SimError(323);
    if (call.phase === 'Wrapping') throw new SimError(324);
    wrap(ctx.line, call);
  },
  ManualDial: manualDial,
  PauseRecording: ({ line }) => {
    const call = talking(line);
    if (!call || !call.recording) throw new SimError(330);
    call.recording = false;
    line.emit('NowPaused', { sessionIndex: 0 });
  },
  ResumeRecording: ({ line }) => {
    const call = talking(line);
    if (!call) throw notNow('no live call to record');
    if (call.recording) throw new SimError(331);
    call.recording = true;
    line.emit('NowRecording', { sessionIndex: 0 });
  },
  ToggleHold: ({ line }) => {
    const call = talking(line);
    if (!call) throw notNow('no live call to hold');
    call.hold = !call.hold;
  },
  Keypress: ({ line, values }) => {
    const call = talking(line);
    if (!call) throw new SimError(321);
    const digits = values.keyPress;
    if (!/^[0-9*#]+$/.test(digits)) throw new SimError(322, `${JSON.stringify(digits)} has characters other than 0-9, * and #`);
    call.dtmf.push(digits);
  },
  ChapterMark: ({ line, values }) => {
    const call = talking(line);
    if (!call) throw new SimError(340);
    call.chapters.push(values.chaptername);
  },
  MultiSale: ({ line, values }) => {
    const call = line.live;
    if (!call || call.phase === 'Calling') throw notNow('no current call to count a sale on');
    const outcome = String(values.outcome);
    call.multiSale[outcome] = (call.multiSale[outcome] ?? 0) + values.quantity;
  },
  TagCall: (ctx) => {
    const call = sessionCall(ctx);
    if (!call) throw notNow(`no call on sessionIndex ${ctx.values.sessionIndex}`);
    call.tags.push(ctx.values.URN);
  },
};
