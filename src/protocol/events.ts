import type { EventName, EventSpec, KeySpec } from './types.js';

// One entry per AAPI event. Every event carries `event` and a RID to acknowledge it with.

const sessionIndex = {
  wire: 'sessionIndex', type: 'integer', default: 0, min: 0,
  description: 'The SessionIndex the event is about: 0 for the live call (ERRATA 13; readers default a missing one to 0).',
} as const satisfies KeySpec;
const sessionID = { wire: 'sessionID', type: 'string', description: 'The internal name of the call or chat session (not the SID).' } as const satisfies KeySpec;
const direction = {
  wire: 'direction', type: 'string', closed: true, description: 'Who sent the message, and to whom.',
  choices: [
    { value: 'AgentToCustomer', meaning: 'the agent wrote to the customer' },
    { value: 'CustomerToAgent', meaning: 'the customer wrote to the agent' },
    { value: 'TransfererToTransferee', meaning: 'the transferring agent wrote to the receiving agent' },
    { value: 'TransfereeToTransferer', meaning: 'the receiving agent wrote to the transferring agent' },
  ],
} as const satisfies KeySpec;
const agent = { wire: 'agent', type: 'string', description: 'The agent sending or receiving the message.' } as const satisfies KeySpec;

export type EventTable = { [E in EventName]-?: EventSpec<E> };

export const EVENTS_TABLE = {
  NowAvailable: {
    event: 'NowAvailable', aliases: [], perSession: false, keys: [],
    summary: 'The agent is available for automatic calling and will get calls and messages in due course.',
  },
  NowUnavailable: {
    event: 'NowUnavailable', aliases: [], perSession: false, keys: [], state: 'Unavailable',
    summary: 'The agent is unavailable for automatic calling.',
  },
  NowWrapping: {
    event: 'NowWrapping', aliases: [], perSession: true, keys: [sessionIndex], state: 'Wrapping',
    summary: 'The call has ended and the agent is in wrap: disposition it next.',
  },
  NowWaiting: {
    event: 'NowWaiting', aliases: [], perSession: false, keys: [], state: 'Waiting',
    summary: 'The agent is waiting for a call.',
  },
  NowRecording: {
    event: 'NowRecording', aliases: [], perSession: true, keys: [sessionIndex],
    summary: 'The call is being recorded.',
  },
  NowPaused: {
    event: 'NowPaused', aliases: [], perSession: true, keys: [sessionIndex],
    summary: 'Recording of the call is paused.',
  },
  NowInCall: {
    event: 'NowInCall', aliases: [], perSession: true, state: 'InCall',
    summary: 'The agent is connected to a call (or, on SessionIndex 1-9, to an interactive or offline session).',
    keys: [
      { wire: 'campaign', type: 'string', description: 'The campaign of the record presented.' },
      {
        wire: 'calltype', type: 'integer', description: 'What kind of call.', closed: true,
        choices: [
          { value: 0, meaning: 'Predictive Outbound' },
          { value: 3, meaning: 'Preview Outbound' },
          { value: 4, meaning: 'Progressive Outbound' },
          { value: 5, meaning: 'Inbound' },
        ],
      },
      { wire: 'tel', type: 'string', description: 'The number dialled for the record, or the caller\'s CLI on an inbound call (when known).' },
      { wire: 'transfer', type: 'boolean', description: 'Whether the call was transferred from another agent.' },
      sessionID,
      { wire: 'queuenumber', type: 'integer', description: 'The inbound queue the call came through; 0 for calls that are not inbound.' },
      { wire: 'data', type: 'keyValue', description: 'The record\'s data.' },
      { wire: 'uniquecallid', type: 'string', description: 'A value unique to this connected call.' },
      sessionIndex,
    ],
    note: 'ERRATA 12: the table\'s spellings `queuenumber` and `uniquecallid` win over the history\'s.',
  },
  NowLoggedOff: {
    event: 'NowLoggedOff', aliases: [], perSession: false, keys: [], state: 'LoggedOut',
    summary: 'The agent is logged out of the dialler and the AAPI.',
  },
  NowCalling: {
    event: 'NowCalling', aliases: [], perSession: true, keys: [sessionIndex], state: 'Calling',
    summary: 'A manual or follow-on call is being dialled.',
    note: 'ERRATA 4: the spec\'s table says `event: TransferUpdate`; the event is NowCalling.',
  },
  TransferUpdate: {
    event: 'TransferUpdate', aliases: [], perSession: true,
    summary: 'Progress of a call transfer.',
    keys: [
      {
        wire: 'TransferStatus', type: 'integer', description: 'How the transfer stands.', closed: true,
        choices: [
          { value: 0, meaning: 'transfer connected' },
          { value: 1, meaning: 'transfer disconnected: the transferrer or transferee hung up' },
          { value: 2, meaning: 'the telephony layer could not reach the transferee' },
          { value: 3, meaning: 'the transfer is being offered' },
          { value: 4, meaning: 'connected / conferencing' },
        ],
      },
      sessionIndex,
    ],
  },
  ChatReceived: {
    event: 'ChatReceived', aliases: ['ChatMessage'], perSession: true,
    summary: 'A chat message was received on an interactive session.',
    keys: [sessionIndex, sessionID, direction, agent, { wire: 'message', type: 'string', description: 'The plain-text message.' }],
    note: 'ERRATA 5: the spec\'s heading says ChatMessage; the wire name is ChatReceived. Both are accepted wherever you name an event.',
  },
  ChatTyping: {
    event: 'ChatTyping', aliases: [], perSession: true,
    summary: 'Whether the customer or the other agent is typing a chat message.',
    keys: [sessionIndex, sessionID, direction, agent, { wire: 'typing', type: 'boolean', description: 'Whether the remote party is typing.' }],
  },
} as const satisfies EventTable;
