import type { KeySpec, KeyType, RequestSpec, Verb } from './types.js';

// One entry per AAPI request, in the spec's order. Descriptions are ours, faithful to the spec.

// Generic so that each key keeps its literal wire name, type and choices: the types of requests and
// responses (messages.ts) are derived from them.
function key<const W extends string, const T extends KeyType, const M extends Partial<KeySpec> = {}>(wire: W, type: T, description: string, more?: M) {
  return { wire, type, description, ...more } as { wire: W; type: T; description: string } & M;
}

const sessionIndex = key('sessionIndex', 'integer',
  'The SessionIndex of the session this applies to: 0 is the live call, 1 to 9 interactive or offline sessions. 0 when not given.',
  { default: 0, min: 0 });

const ok = { kind: 'ok' } as const;
const noReply = { kind: 'none' } as const;

const tenant = key('tenant', 'string', 'The name of the dialler tenant.');
const campaign = key('campaign', 'string', 'The name of the campaign to join first.');

const availability = <const W extends string>(what: W) =>
  key(what, 'integer', `How many concurrent ${what} sessions to accept.`, {
    default: 0,
    min: -2,
    choices: [
      { value: -2, names: ['existing'], meaning: `keep the current number of ${what} sessions` },
      { value: -1, names: ['none'], meaning: `no ${what} sessions` },
      { value: 0, names: ['configured'], meaning: `the campaign's configured number of ${what} sessions` },
    ],
  });

const recordData = (what: string) => key('data', 'keyValue', what);

export type RequestTable = { [V in Verb]-?: RequestSpec<V> };

export const REQUESTS = {
  Authenticate: {
    type: 'Authenticate', cli: 'authenticate', group: 'Connecting and Authentication',
    summary: 'Authenticate a new agent session and receive its SID.',
    description: 'Starts a new agent session on the AAPI. Every connection attempt gets a distinct SID, which all later requests carry. With two-factor authentication enabled the first attempt is refused with error 107; repeat it with the 6-digit code in SecondFactor, or with a DeviceID stored by an earlier successful code.',
    rid: true, sid: false,
    keys: [
      key('Agent', 'string', 'The agent\'s unique user name.'),
      key('Password', 'string', 'The agent\'s password (from AAPI_PASSWORD; never a flag).', { secret: true, env: 'AAPI_PASSWORD' }),
      key('extension', 'string', 'The DDI or extension of the agent\'s desk or soft phone. May be blank for a WebRTC, interactive or offline-only session.'),
      key('SecondFactor', 'string', 'The 6-digit code from the agent, after an attempt was refused with error 107.', { optional: true, secret: true }),
      key('DeviceID', 'string', 'A DeviceID returned by an earlier successful second-factor login; while it is stored, no code is asked for.', { optional: true, secret: true }),
      key('StoreDevice', 'integer', 'How many days to remember this device after a successful second factor.', { optional: true, min: 0 }),
    ],
    success: ok,
    response: [
      key('SID', 'integer', 'The SessionID of the new session; every later request must carry it.'),
      key('DeviceID', 'string', 'After a successful second factor: an ID that skips the code on later logins while it is stored.', { optional: true, secret: true }),
    ],
    errors: [100, 101, 102, 103, 104, 105, 106, 107],
    note: 'ERRATA 18: error 107 ("Requires Second Factor") means ask for the 6-digit code and authenticate again with SecondFactor.',
  },
  GetTenants: {
    type: 'GetTenants', cli: 'get-tenants', group: 'Connecting and Authentication',
    summary: 'List the tenants available to this session.',
    description: 'Asks for the dialler tenants this agent may use.',
    rid: true, sid: true, keys: [],
    success: { kind: 'payload', key: 'tenants' },
    response: [key('tenants', 'stringArray', 'The tenants available to the agent.')],
    errors: [],
    note: 'ERRATA 19: the response has no Response key; its `tenants` array is the result.',
  },
  GetCampaigns: {
    type: 'GetCampaigns', cli: 'get-campaigns', group: 'Connecting and Authentication',
    summary: 'List the campaigns available to this session within a tenant.',
    description: 'Asks for the campaigns of one tenant that this agent may join.',
    rid: true, sid: true, keys: [{ ...tenant, required: true }],
    success: { kind: 'payload', key: 'campaigns' },
    response: [key('campaigns', 'stringArray', 'The campaigns available to the agent in that tenant.')],
    errors: [110],
    note: 'ERRATA 1: the spec\'s table says `type: GetTenants`; the type sent is GetCampaigns. ERRATA 19: no Response key; `campaigns` is the result.',
  },
  Connect: {
    type: 'Connect', cli: 'connect', group: 'Connecting and Authentication',
    summary: 'Log the agent into the dialler and connect the agent\'s phone.',
    description: 'Logs the authenticated agent into a tenant\'s campaign and establishes the telephony connection to the agent\'s extension. The agent is then Unavailable: connected, but not yet taking automatic calls.',
    rid: true, sid: true, keys: [{ ...tenant, required: true }, { ...campaign, required: true }],
    success: { kind: 'status', key: 'status', value: 'Connected' },
    response: [key('status', 'string', '`Connected`: the agent is logged into the dialler and the phone is connected.')],
    errors: [110, 113, 150, 151],
    note: 'ERRATA 8: success is `status: Connected`, not `Response: OK`.',
  },
  Logoff: {
    type: 'Logoff', cli: 'logoff', group: 'Connecting and Authentication',
    summary: 'Log the agent out of the dialler and the AAPI.',
    description: 'Logs the agent out of the dialler and ends the AAPI session; the SID is no longer valid.',
    rid: true, sid: true, keys: [], success: ok, response: [], errors: [],
  },
  KeepAlive: {
    type: 'KeepAlive', cli: 'keep-alive', group: 'Connecting and Authentication',
    summary: 'Tell the server the client is still there (at least every 30 seconds).',
    description: 'Keeps the session alive. Send one at least every 30 seconds; any other request also resets the server\'s timer. A SID with no message for too long expires (error 198).',
    rid: false, sid: true, keys: [], success: noReply, response: [], errors: [],
    note: 'ERRATA 9: KeepAlive carries no RID and gets no reply.',
  },
  GetWebRTC: {
    type: 'GetWebRTC', cli: 'get-webrtc', group: 'Connecting and Authentication',
    summary: 'Get fresh one-time WebRTC extension credentials.',
    description: 'Asks for a new WebRTC extension to give a local SIP client. The credentials are unique and for one use; the extension given at Authenticate is replaced by the new one.',
    rid: true, sid: true, keys: [{ ...tenant, required: true }, { ...campaign, required: true }],
    success: ok,
    response: [
      key('webrtc-extension', 'string', 'The SIP extension to register.'),
      key('webrtc-password', 'string', 'Its password.', { secret: true }),
      key('webrtc-uri', 'string', 'The URI to register at.'),
    ],
    errors: [110, 113],
  },
  GoAvailable: {
    type: 'GoAvailable', cli: 'go-available', group: 'Availability and Call Flow',
    summary: 'Join the automatic dialling pool (or change which session types are accepted).',
    description: 'Asks to be connected automatically to inbound and outbound calls and messages. The agent gets NowAvailable, then NowWaiting. May be sent again while available to change the numbers of live, interactive and offline sessions.',
    rid: true, sid: true,
    keys: [
      key('live', 'integer', 'Whether to take live calls.', {
        default: 1, closed: true,
        choices: [
          { value: -1, names: ['existing'], meaning: 'keep the current setting for live calls' },
          { value: 0, names: ['no', 'none'], meaning: 'no live calls' },
          { value: 1, names: ['yes'], meaning: 'take live calls (the default)' },
        ],
      }),
      availability('offline'),
      availability('interactive'),
    ],
    success: ok, response: [], errors: [160],
  },
  GoUnavailable: {
    type: 'GoUnavailable', cli: 'go-unavailable', group: 'Availability and Call Flow',
    summary: 'Leave the automatic dialling pool as soon as it is safe.',
    description: 'Asks to leave the pool. To avoid abandoned calls this is granted only when safe: during a call the agent becomes Unavailable after the call is dispositioned (NowUnavailable instead of NowWaiting).',
    rid: true, sid: true,
    keys: [key('breakReason', 'integer', 'The reason code for going unavailable, from the reporting lookup table.', { min: 0 })],
    success: ok, response: [], errors: [161],
    refusedIn: [{ states: ['Unavailable'], error: 161 }],
  },
  Disposition: {
    type: 'Disposition', cli: 'disposition', group: 'Availability and Call Flow',
    summary: 'Record the outcome of the call and return the record to the database.',
    description: 'Dispositions the call: ends it if the agent is not already in wrap, records the outcome (and a callback, when given) and writes `data` back to the record. The agent then gets NowWaiting, or NowUnavailable after a manual call or a GoUnavailable asked for during the call.',
    rid: true, sid: true,
    keys: [
      key('outcome', 'integer', 'The result code of the call.', { required: true }),
      key('callbackNumber', 'string', 'The number to call back on; blank for no callback.'),
      key('callbackTime', 'string', 'When to call back; blank for no callback.'),
      key('personalCallback', 'boolean', 'Give the callback to this agent (true) or to any available agent (false). False when no callback is booked.'),
      recordData('Values to write back to the record; as many or as few as needed.'),
      sessionIndex,
    ],
    success: ok, response: [], errors: [320],
    refusedIn: [{ states: ['Unavailable', 'Waiting', 'Calling', 'InCall'], error: 320 }],
    otherColumns: 'data',
  },
  StartWrap: {
    type: 'StartWrap', cli: 'start-wrap', group: 'Availability and Call Flow',
    summary: 'Hang up the current call and start wrap.',
    description: 'Hangs up the call and moves the agent into wrap (NowWrapping).',
    rid: true, sid: true, keys: [sessionIndex], success: ok, response: [], errors: [323, 324],
    refusedIn: [{ states: ['Unavailable', 'Waiting'], error: 323 }, { states: ['Wrapping'], error: 324 }],
  },
  ManualDial: {
    type: 'ManualDial', cli: 'manual-dial', group: 'Availability and Call Flow',
    summary: 'Dial a number by hand: a manual call, or a follow-on call from wrap.',
    description: 'From Unavailable: an ad hoc call outside any campaign. From Wrapping: a follow-on call that redials the record just presented, on its number or another. The agent gets NowCalling, then NowInCall when the call connects.',
    rid: true, sid: true,
    keys: [key('telNumber', 'string', 'The telephone number to dial.', { required: true })],
    success: ok, response: [], errors: [300, 301],
  },
  PauseRecording: {
    type: 'PauseRecording', cli: 'pause-recording', group: 'Availability and Call Flow',
    summary: 'Pause call (and screen) recording.',
    description: 'Pauses the recording of the live call; the agent gets NowPaused.',
    rid: true, sid: true, keys: [], success: ok, response: [], errors: [330],
  },
  ResumeRecording: {
    type: 'ResumeRecording', cli: 'resume-recording', group: 'Availability and Call Flow',
    summary: 'Resume call (and screen) recording.',
    description: 'Resumes the paused recording of the live call; the agent gets NowRecording.',
    rid: true, sid: true, keys: [], success: ok, response: [], errors: [331],
  },
  ToggleHold: {
    type: 'ToggleHold', cli: 'toggle-hold', group: 'Availability and Call Flow',
    summary: 'Put the call on hold, or take it off hold.',
    description: 'Toggles the agent\'s "on hold" status on the live call.',
    rid: true, sid: true, keys: [], success: ok, response: [], errors: [],
  },
  GetRecord: {
    type: 'GetRecord', cli: 'get-record', group: 'Data',
    summary: 'Read a record from the dialler database.',
    description: 'Retrieves a record by its Unique Reference Number.',
    rid: true, sid: true,
    keys: [key('URN', 'string', 'The Unique Reference Number of the record.', { required: true })],
    success: { kind: 'payload', key: 'data' },
    response: [key('data', 'keyValue', 'The record\'s keys and values.')],
    errors: [210, 220],
    note: 'ERRATA 19: the response has no Response key; `data` is the result.',
  },
  NewRecord: {
    type: 'NewRecord', cli: 'new-record', group: 'Data',
    summary: 'Create a record in the dialler database and get its URN.',
    description: 'Creates a new record and returns it, with its new URN.',
    rid: true, sid: true, keys: [sessionIndex],
    success: { kind: 'payload', key: 'data' },
    response: [key('data', 'keyValue', 'The new record\'s keys and values, URN included.')],
    errors: [220],
    note: 'ERRATA 19: the response has no Response key; `data` is the result.',
  },
  RunQuery: {
    type: 'RunQuery', cli: 'run-query', group: 'Data',
    summary: 'Run a DataQuery defined for the API.',
    description: 'Runs a DataQuery (made in SuperScripter Designer or by Genius Support) with named parameters, and values for queries that write.',
    rid: true, sid: true,
    keys: [
      key('QueryNumber', 'integer', 'The number of the DataQuery to run.', { required: true, min: 0 }),
      key('Parameters', 'keyValue', 'Parameter values passed into the query.', { flag: 'param' }),
      key('values', 'keyValue', 'Data values passed into the query, normally for an INSERT.', { flag: 'value' }),
    ],
    success: { kind: 'payload', key: 'Data' },
    response: [key('Data', 'json', 'The query\'s result: an integer, a string or a key-value object, depending on the query.')],
    errors: [200, 201, 202, 210, 220],
    note: 'ERRATA 19: the response has no Response key; `Data` is the result.',
    otherColumns: 'Parameters',
  },
  MultiSale: {
    type: 'MultiSale', cli: 'multi-sale', group: 'Data',
    summary: 'Adjust the multiple-sale count of the current call.',
    description: 'Adds to (or subtracts from) the count of an outcome on the current call; the counts are written out with the disposition for reporting.',
    rid: true, sid: true,
    keys: [
      key('outcome', 'integer', 'The outcome whose count is adjusted.', { required: true }),
      key('quantity', 'integer', 'How much to adjust the count by.', { required: true }),
    ],
    success: ok, response: [], errors: [],
  },
  GetAgents: {
    type: 'GetAgents', cli: 'get-agents', group: 'Transfers',
    summary: 'List the agents a call can be transferred to now.',
    description: 'Returns the agents currently available to receive a transferred call.',
    rid: true, sid: true, keys: [],
    success: { kind: 'payload', key: 'Agents' },
    response: [key('Agents', 'json', 'The agents available for a transfer.')],
    errors: [],
    note: 'ERRATA 19: the response has no Response key; `Agents` is the result.',
  },
  TransferCall: {
    type: 'TransferCall', cli: 'transfer-call', group: 'Transfers',
    summary: 'Transfer the current call to an agent, an external number or a queue.',
    description: 'Starts a transfer of the call. The agent gets TransferUpdate 3 (offered), then 0 (connected) or 2 (failed, the call returns to the agent). A blind transfer then puts the agent in wrap; with connect or as a conference, the agent completes or cancels it with TransferOutcome.',
    rid: true, sid: true,
    keys: [
      key('TransferType', 'string', 'How to transfer.', {
        required: true, closed: true,
        choices: [
          { value: '0', names: ['blind-with-connect', 'warm'], meaning: 'Blind With Connect: hold the call until the recipient answers, then complete or cancel' },
          { value: '1', names: ['blind'], meaning: 'Blind Without Connect: push the call to the recipient and go to wrap' },
          { value: '2', names: ['conference'], meaning: 'Conference: connect all three parties, then complete or cancel' },
        ],
      }),
      key('TransferTo', 'string', 'What kind of recipient.', {
        required: true, closed: true,
        choices: [
          { value: '0', names: ['agent', 'extension'], meaning: 'a named agent or an extension number' },
          { value: '1', names: ['external'], meaning: 'an external number' },
          { value: '2', names: ['queue'], meaning: 'an inbound queue' },
        ],
      }),
      key('Recipient', 'string', 'The agent name, extension, number or queue number to transfer to.', { required: true }),
      recordData('Record data to pass along with the call.'),
      sessionIndex,
    ],
    success: ok, response: [], errors: [310, 311],
    note: 'ERRATA 14/15: TransferType and TransferTo travel as digit strings; names are accepted on the command line. "Warm" is Blind With Connect (0).',
  },
  TogglePark: {
    type: 'TogglePark', cli: 'toggle-park', group: 'Transfers',
    summary: 'Park (hold) or unpark a party of a transfer (retired in v2.0; kept for older diallers).',
    description: 'During a Blind With Connect transfer the recipient can be parked and retrieved; during a conference either party can. Blind transfers cannot park. Completing a transfer unparks everyone; cancelling it unparks the caller.',
    rid: true, sid: true,
    keys: [
      key('Switch', 'boolean', 'true to park, false to retrieve from park.', { required: true }),
      key('Who', 'string', 'Which party.', {
        required: true, closed: true,
        choices: [
          { value: 'client', meaning: 'the party first connected (the caller)' },
          { value: 'recipient', meaning: 'the party receiving the transfer' },
        ],
      }),
    ],
    success: ok, response: [], errors: [],
    note: 'ERRATA 11: the v2.0 history retires TogglePark, yet the Parking Notes document it; kept for older diallers.',
  },
  TransferOutcome: {
    type: 'TransferOutcome', cli: 'transfer-outcome', group: 'Transfers',
    summary: 'Complete or cancel a transfer in progress.',
    description: '"complete" releases the call to the recipient and puts the agent in wrap; "cancel" abandons the transfer and returns the agent to the call (NowInCall).',
    rid: true, sid: true,
    keys: [
      key('Outcome', 'string', 'What to do with the transfer.', {
        required: true, closed: true,
        choices: [
          { value: 'cancel', meaning: 'abandon the transfer; the call returns to the agent' },
          { value: 'complete', meaning: 'release the call to the recipient; the agent goes to wrap' },
        ],
      }),
      sessionIndex,
    ],
    success: ok, response: [], errors: [],
  },
  Acknowledge: {
    type: 'Acknowledge', cli: 'acknowledge', group: 'Miscellaneous',
    summary: 'Acknowledge an event, so the server sends the next one.',
    description: 'Every event must be acknowledged with its RID. The server sends the next event only after the previous one is acknowledged, so events are never processed out of order.',
    rid: true, sid: true, keys: [], success: noReply, response: [], errors: [],
    note: 'ERRATA 9 and 20: the RID is the event\'s own; there is no reply.',
  },
  SendMail: {
    type: 'SendMail', cli: 'send-mail', group: 'Miscellaneous',
    summary: 'Send a template email.',
    description: 'Sends an email made from a template defined in GDMS.',
    rid: true, sid: true,
    keys: [
      key('template', 'integer', 'The ID of the template (defined in GDMS).', { required: true }),
      key('recipient', 'string', 'The email address to send to.', { required: true }),
      sessionIndex,
    ],
    success: ok, response: [], errors: [],
  },
  SendSMS: {
    type: 'SendSMS', cli: 'send-sms', group: 'Miscellaneous',
    summary: 'Send a template SMS.',
    description: 'Sends an SMS made from a template defined in GDMS.',
    rid: true, sid: true,
    keys: [
      key('template', 'integer', 'The ID of the template (defined in GDMS).', { required: true }),
      key('recipient', 'string', 'The phone number to send to.', { required: true }),
      sessionIndex,
    ],
    success: ok, response: [], errors: [],
  },
  Keypress: {
    type: 'Keypress', cli: 'keypress', group: 'Miscellaneous',
    summary: 'Send DTMF tones on the live call.',
    description: 'Simulates pressing keypad digits (0-9, * and #) on the live call.',
    rid: true, sid: true,
    keys: [key('keyPress', 'string', 'The DTMF digits to send: 0-9, * and #.', { required: true })],
    success: ok, response: [], errors: [321, 322],
    refusedIn: [{ states: ['Unavailable', 'Waiting', 'Wrapping'], error: 321 }],
  },
  TagCall: {
    type: 'TagCall', cli: 'tag-call', group: 'Miscellaneous',
    summary: 'Tag the call with a URN, for reporting.',
    description: 'Tags the call, normally an inbound one, with a URN or account reference. For reporting only: the dialled record is not changed.',
    rid: true, sid: true,
    keys: [key('URN', 'string', 'The URN, reference or account ID to tag the call with.', { required: true }), sessionIndex],
    success: ok, response: [], errors: [],
  },
  ChapterMark: {
    type: 'ChapterMark', cli: 'chapter-mark', group: 'Miscellaneous',
    summary: 'Mark a chapter in the call recording.',
    description: 'Marks the start of a named chapter in the call, to help playback of the recording.',
    rid: true, sid: true,
    keys: [key('chaptername', 'string', 'The name of the chapter.', { required: true })],
    success: ok, response: [], errors: [340],
    refusedIn: [{ states: ['Unavailable', 'Waiting', 'Wrapping'], error: 340 }],
  },
  GetMessageID: {
    type: 'GetMessageID', cli: 'get-message-id', group: 'Miscellaneous',
    summary: 'Fetch one offline message, with its attachments.',
    description: 'Retrieves an offline message (email or SMS) by its ID, attachments included. GetMessageHistory is lighter when attachments are not needed.',
    rid: true, sid: true,
    keys: [key('messageID', 'integer', 'The message ID, as found in the record\'s GeniusMessageID or GeniusMessageHistory fields.', { required: true })],
    success: ok,
    response: [
      key('sender', 'string', 'Who sent the message.'),
      key('recipientsTo', 'stringArray', 'Its recipients.'),
      key('recipientsCc', 'stringArray', 'Its copy recipients (email only).'),
      key('subject', 'string', 'Its subject (email only).'),
      key('body', 'string', 'Its body: plain text for SMS, HTML for email.'),
      key('attachments', 'objectArray', 'Attachments, each { filename, data (base64), inline }.'),
    ],
    errors: [],
    note: 'ERRATA 3: the spec\'s table says `type: ChapterMark`; the type sent is GetMessageID. ERRATA 16: attachment data is base64 text.',
  },
  GetMessageHistory: {
    type: 'GetMessageHistory', cli: 'get-message-history', group: 'Miscellaneous',
    summary: 'Fetch several offline messages by ID, without attachments.',
    description: 'Retrieves a list of offline messages by their IDs.',
    rid: true, sid: true,
    keys: [key('messageList', 'intArray', 'The message IDs, as found in the record\'s GeniusMessageID or GeniusMessageHistory fields.', { required: true })],
    success: ok,
    response: [key('messages', 'objectArray', 'The messages, each { ID, sender, recipientsTo, recipientsCc, subject, body }.')],
    errors: [],
    note: 'ERRATA 3: the spec\'s table says `type: ChapterMark`; the type sent is GetMessageHistory.',
  },
  SendChatMessage: {
    type: 'SendChatMessage', cli: 'send-chat-message', group: 'Miscellaneous',
    summary: 'Send a chat message on an interactive session.',
    description: 'Sends a plain-text chat message to the customer of an interactive session.',
    rid: true, sid: true,
    keys: [
      key('message', 'string', 'The plain-text message.', { required: true }),
      { ...sessionIndex, description: 'The SessionIndex of the chat session (1 to 9).' },
    ],
    success: ok, response: [], errors: [],
    note: 'ERRATA 2: the spec\'s table says `type: SendSMS`; the type sent is SendChatMessage.',
  },
} as const satisfies RequestTable;
