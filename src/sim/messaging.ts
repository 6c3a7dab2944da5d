import type { Json } from '../protocol/codec.js';
import type { KeyValue } from '../protocol/types.js';
import { newCall } from './calls.js';
import type { Dialler, StoredMessage } from './dialler.js';
import { notNow } from './errors.js';
import type { FixtureTemplate } from './fixture.js';
import type { HandlerTable, SessionCtx } from './handlers.js';
import { inCallFields, type AgentLine, type Call, type CallKind } from './model.js';

// Template email and SMS, the message store behind GetMessageID/GetMessageHistory, and chat on
// interactive sessions (Omnichannel and SessionIndex).

type Verbs = 'SendMail' | 'SendSMS' | 'GetMessageID' | 'GetMessageHistory' | 'SendChatMessage';

const render = (text: string, data: KeyValue) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(data[k] ?? ''));

export function storeMessage(d: Dialler, m: Omit<StoredMessage, 'ID'>): StoredMessage {
  const message = { ID: d.nextMessageId++, ...m };
  d.messages.set(message.ID, message);
  return message;
}

/** Notes the message on the call's record, where the spec says its ID is found. */
function noteOnRecord(d: Dialler, call: Call | undefined, id: number): void {
  if (!call) return;
  const history = String(call.data.GeniusMessageHistory ?? '');
  const fields = { GeniusMessageID: id, GeniusMessageHistory: history ? `${history},${id}` : String(id) };
  Object.assign(call.data, fields);
  const record = call.urn ? d.records.get(call.urn) : undefined;
  if (record) Object.assign(record, fields);
}

function sendTemplate(channel: 'email' | 'sms') {
  return ({ d, line, values }: SessionCtx<'SendMail' | 'SendSMS'>) => {
    const templates: Record<string, FixtureTemplate> = channel === 'email' ? d.fixture.email : d.fixture.sms;
    const template = Object.hasOwn(templates, String(values.template)) ? templates[String(values.template)] : undefined;
    if (!template) throw notNow(`no ${channel} template ${values.template}`);
    const recipient = values.recipient;
    if (channel === 'email' ? !/^[^@\s]+@[^@\s]+$/.test(recipient) : !/^\+?\d{6,15}$/.test(recipient)) {
      throw notNow(`${JSON.stringify(recipient)} is not ${channel === 'email' ? 'an email address' : 'a mobile number'}`);
    }
    const call = line.calls.get(values.sessionIndex);
    const data = call?.data ?? {};
    const message = storeMessage(d, {
      channel,
      sender: channel === 'email' ? `${line.name}@dialler.sim.invalid` : line.extension || line.name,
      recipientsTo: [recipient],
      recipientsCc: [],
      subject: template.subject ? render(template.subject, data) : '',
      body: render(template.body, data),
      attachments: (template.attachments ?? []).map((a) => ({
        filename: a.filename, data: Buffer.from(a.text).toString('base64'), inline: a.inline ?? false,
      })),
    });
    noteOnRecord(d, call, message.ID);
  };
}

const summary = ({ ID, sender, recipientsTo, recipientsCc, subject, body }: StoredMessage): Json =>
  ({ ID, sender, recipientsTo, recipientsCc, subject, body });

/** Whether an available agent takes one more session of this kind now. */
export function takesSession(line: AgentLine, kind: Exclude<CallKind, 'live'>): boolean {
  return line.available && line.freeIndex() !== undefined && line.countKind(kind) < line.limits[kind];
}

/** Opens an interactive or offline session for an available agent, on the lowest free SessionIndex. */
export function openSession(d: Dialler, line: AgentLine, kind: Exclude<CallKind, 'live'>, data: KeyValue = {}): Call | undefined {
  const index = line.freeIndex();
  if (index === undefined || !takesSession(line, kind)) return undefined;
  const call = newCall(d, line, index, kind, { data, calltype: 5, tel: String(data.Tel ?? '') });
  line.emit('NowInCall', inCallFields(call));
  return call;
}

function chatEvent(line: AgentLine, call: Call, direction: string, extra: Json): Json {
  return { sessionIndex: call.index, sessionID: call.sessionID, direction, agent: line.name, ...extra };
}

/** The customer writes on a chat session. */
export function customerSays(line: AgentLine, call: Call, message: string): void {
  call.chat.push({ direction: 'CustomerToAgent', message });
  line.emit('ChatReceived', chatEvent(line, call, 'CustomerToAgent', { message }));
}

export function customerTyping(line: AgentLine, call: Call, typing: boolean): void {
  line.emit('ChatTyping', chatEvent(line, call, 'CustomerToAgent', { typing }));
}

function sendChatMessage({ d, line, values }: SessionCtx<'SendChatMessage'>) {
  const index = values.sessionIndex;
  const call = line.calls.get(index);
  if (!call || call.kind !== 'interactive' || call.phase !== 'InCall') throw notNow(`no chat in progress on sessionIndex ${index}`);
  const message = values.message;
  call.chat.push({ direction: 'AgentToCustomer', message });
  const { chatReplyMs } = d.fixture.timings;
  if (chatReplyMs === 0) return;
  // The simulated customer reads, types for a moment, and answers.
  line.later(chatReplyMs / 2, () => {
    if (line.calls.get(index) !== call || call.phase !== 'InCall') return;
    customerTyping(line, call, true);
    line.later(chatReplyMs / 2, () => {
      if (line.calls.get(index) !== call || call.phase !== 'InCall') return;
      customerTyping(line, call, false);
      customerSays(line, call, `Thanks! You wrote: ${message}`);
    });
  });
}

export const MESSAGING_HANDLERS: Pick<HandlerTable, Verbs> = {
  SendMail: sendTemplate('email'),
  SendSMS: sendTemplate('sms'),
  GetMessageID: ({ d, values }) => {
    const message = d.messages.get(values.messageID);
    if (!message) throw notNow(`no message with ID ${values.messageID}`);
    return { ...summary(message), attachments: message.attachments };
  },
  GetMessageHistory: ({ d, values }) => ({
    messages: values.messageList.flatMap((id) => {
      const m = d.messages.get(id);
      return m ? [summary(m)] : [];
    }),
  }),
  SendChatMessage: sendChatMessage,
};
