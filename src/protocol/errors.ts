import type { ErrorCode, ErrorSpec, ErrorLevel } from './types.js';

// One entry per error code of the spec: its level and message as the server sends them, the spec's
// explanation, and a hint of what to do.

export type ErrorTable = { [C in ErrorCode]-?: ErrorSpec<C> };

// Generic over the level and message too, so that each entry's type says what the server sends.
function e<const C extends ErrorCode, const L extends ErrorLevel, const M extends string>(number: C, level: L, message: M, information: string, hint: string, unreachable?: string): ErrorSpec<C> & { level: L; message: M } {
  return unreachable ? { number, level, message, information, hint, unreachable } : { number, level, message, information, hint };
}

const SCRIPT = 'SuperScripts are requested by the SuperScripter client, not by any AAPI verb';
const DESIGNER = 'Designer connections are not part of the Agent API';

export const ERRORS = {
  99: {
    ...e(99, 'Serious', 'Malformed message', 'The request is not in the expected format: not JSON, an unknown type, or a key missing or of the wrong type.', 'Check the request against `aapi <verb> --help`.'),
    byDetail: [{ detail: /not connected/i, hint: 'Connect the agent to a campaign first: `aapi connect --tenant T --campaign C` (or `aapi login` with --tenant and --campaign); `aapi get-tenants` lists the tenants.' }],
  },
  100: { ...e(100, 'Critical', 'Username and/or password is not valid', 'The credentials do not match the AAPI\'s.', 'Check the agent name and password.'), means: 'authFailed' },
  101: { ...e(101, 'Critical', 'User is not authorised to log on', 'The account has no permission to log on through the AAPI.', 'Ask an administrator to allow the account to use the AAPI.'), means: 'authFailed' },
  102: { ...e(102, 'Critical', 'User is currently banned', 'The account is blocked, normally after too many failed logins.', 'Wait for the ban to lapse, or ask an administrator to lift it.'), means: 'authFailed' },
  103: { ...e(103, 'Critical', 'IP banned', 'Too many failed logins came from this IP address; further attempts are blocked.', 'Wait for the ban to lapse, or log in from another address.'), means: 'authFailed' },
  104: { ...e(104, 'Critical', 'No password entered', 'An authentication came without a password.', 'Give the password (AAPI_PASSWORD, --password-stdin, or the prompt).'), means: 'authFailed' },
  105: { ...e(105, 'Critical', 'No agent name entered', 'An authentication came without an agent name.', 'Give the agent name (--agent or AAPI_AGENT).'), means: 'authFailed' },
  106: { ...e(106, 'Critical', 'No agent name or password entered', 'An authentication came without an agent name or a password.', 'Give the agent name and the password.'), means: 'authFailed' },
  107: { ...e(107, 'Critical', 'Requires Second Factor', 'Two-factor authentication is on for this agent: a 6-digit code, or a DeviceID stored earlier, is needed.', 'Authenticate again with the 6-digit code (--second-factor).'), means: 'authFailed' },
  110: e(110, 'Critical', 'User has requested GETCAMPAIGNS for a tenant which they don\'t have access', 'The agent asked about a tenant it has no access to.', 'List the agent\'s tenants with `aapi get-tenants`.'),
  111: e(111, 'Critical', 'User has requested a script for a tenant and/or campaign that they don\'t have access to', 'A SuperScript was asked for in a tenant the agent has no access to.', 'Use a tenant and campaign the agent has access to.', SCRIPT),
  112: e(112, 'Critical', 'User has requested a script, but no script has been configured for the requested tenant and campaign', 'A SuperScript was asked for, but the campaign has none.', 'Assign a script to the campaign.', SCRIPT),
  113: e(113, 'Serious', 'Campaign hasn\'t been started', 'The campaign to log in to is not started.', 'Start the campaign, or connect to another (`aapi get-campaigns`).'),
  114: e(114, 'Critical', 'Script requested but agent isn\'t connected', 'A SuperScript was asked for before the agent connected to the dialler.', 'Connect first.', SCRIPT),
  120: e(120, 'Critical', 'User does not have permissions to access Designer', 'A Designer connection was attempted without permission.', 'Ask an administrator for Designer access.', DESIGNER),
  121: e(121, 'Critical', 'Command requires Designer login', 'The command is only valid for a Designer user.', 'Log in as a Designer user.', DESIGNER),
  150: e(150, 'Serious', 'Unable to establish a connection to the agent phone', 'The dialler could not reach the agent on the extension or DDI given.', 'Check the extension given at login.'),
  151: e(151, 'Serious', 'Specified extension is busy', 'The dialler called the agent\'s extension or DDI, but it was busy.', 'Free the phone, then connect again.'),
  160: e(160, 'Serious', 'Can\'t go available, agent is already available', 'GoAvailable was sent while the agent was already available.', 'Nothing to do; `aapi status` shows the state.'),
  161: e(161, 'Serious', 'Can\'t go unavailable, agent is already unavailable', 'GoUnavailable was sent while the agent was already unavailable.', 'Nothing to do; `aapi status` shows the state.'),
  198: { ...e(198, 'Serious', 'SID is unknown, please reauthenticate', 'The SID is not known: it expired without KeepAlives, or the service was interrupted.', 'Authenticate again (`aapi login`); the session daemon does this itself.'), means: 'reauthenticate' },
  199: e(199, 'Serious', 'The endpoint for the SID does not match. Please reauthenticate.', 'The SID was authenticated from another IP address; requests from here are refused.', 'Authenticate again from this address.'),
  200: e(200, 'Critical', 'QueryID is unknown for this script', 'The DataQuery does not exist, or is not valid for the current script.', 'Check the QueryNumber.'),
  201: e(201, 'Serious', 'Expected parameter not found in request', 'The DataQuery needs a parameter that was not given.', 'Add the parameter with --param NAME=VALUE.'),
  202: e(202, 'Serious', 'Expected value not found in request', 'The DataQuery needs a value that was not given.', 'Add the value with --value NAME=VALUE.'),
  210: e(210, 'Serious', 'SQL query failed', 'The DataQuery failed for an unknown reason.', 'Check the query\'s inputs; ask Genius Support if it persists.'),
  220: { ...e(220, 'Serious', 'Agent has reached their request limit', 'The agent\'s limit on DataQueries or data items is reached; it is reset overnight.', 'Wait for the overnight reset, or spread the work over other agents.'), means: 'requestLimit' },
  300: e(300, 'Serious', 'Agent is not in an appropriate state to make a manual/follow-on call', 'A manual or follow-on call needs the agent to be Unavailable or Wrapping.', 'Go unavailable (or wait for wrap) first.'),
  301: e(301, 'Serious', 'Manual dial could not be made due to invalid telephone number', 'The number to dial is not valid.', 'Check the telephone number.'),
  310: e(310, 'Serious', 'Transfer request contains invalid recipient value', 'The extension, number, queue or agent to transfer to is not valid.', 'Check the recipient (`aapi get-agents` lists agents).'),
  311: e(311, 'Serious', 'Transfer request queue is in invalid format', 'The transfer\'s recipient queue is not valid.', 'Give the queue number as digits.'),
  320: e(320, 'Serious', 'Cannot disposition, agent is not in wrap', 'A Disposition was sent while the agent was not wrapping.', 'Start wrap first (`aapi start-wrap`), or wait for NowWrapping.'),
  321: e(321, 'Serious', 'Cannot send DTMF, agent is not in a call', 'DTMF needs a live call.', 'Send keypresses during a call.'),
  322: e(322, 'Warning', 'Cannot send DTMF, invalid digit(s) specified', 'DTMF digits may only be 0-9, * or #.', 'Use only 0-9, * and #.'),
  323: e(323, 'Serious', 'Cannot start wrap, agent is not talking', 'StartWrap was sent while the agent was not on a call.', 'StartWrap only applies during a call.'),
  324: e(324, 'Serious', 'Cannot start wrap, agent is already in wrap', 'StartWrap was sent while the agent was already wrapping.', 'Disposition the call next.'),
  330: e(330, 'Serious', 'Cannot pause call, call is not currently being recorded or is already paused', 'PauseRecording needs a call being recorded and not paused.', 'Pause only a call that is recording.'),
  331: e(331, 'Serious', 'Cannot resume call, call was already being recorded', 'ResumeRecording was sent while the call was already recording.', 'Resume only a paused recording.'),
  340: e(340, 'Warning', 'Cannot mark a chapter as the agent isn\'t talking', 'Chapters can only be marked during a live call.', 'Mark chapters during a call.'),
} as const satisfies ErrorTable;
