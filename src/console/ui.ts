import { writeFileSync } from 'node:fs';
import JSON5 from 'json5';
import WebSocket from 'ws';
import type { ChalkInstance } from 'chalk';
import { CliError, EXIT } from '../util/exit.js';
import { flagOf, valuesFromArgs } from '../protocol/flags.js';
import type { IO } from '../util/io.js';
import { REQUESTS, VERBS } from '../protocol/catalogue.js';
import { classify, parseFrame, type Json } from '../protocol/codec.js';
import { isObject } from '../util/object.js';
import type { KeySpec, RequestSpec, Verb } from '../protocol/types.js';
import { ConsoleModel, type LogEntry, type Toggles } from './model.js';
import type { PipeError } from '../daemon/pipe-client.js';
import { openPipe } from '../cli/session-errors.js';
import { alsoTrusting } from '../session/ca.js';
import { describeConnectFailure } from '../session/connect-failure.js';
import { clockOf } from '../session/frame-log.js';

// The terminal side of `aapi console`: enquirer prompts for picking a command and filling its keys,
// with the SENT/RECEIVED log printed above the prompt as frames arrive.

/** Who the console logs in as at start (`--agent`), as `aapi login` would. */
export interface ConsoleLogin {
  agent: string;
  password: string;
  extension: string;
  tenant?: string;
  campaign?: string;
  secondFactor?: string;
}

export interface ConsoleOptions {
  url: string;
  insecure: boolean;
  /** How long to wait for the answers of the login at start. */
  timeoutMs: number;
  login?: ConsoleLogin;
  /** Extra certificate authorities to trust (PEM). */
  ca?: string;
  /** Use this profile's live session (from `aapi login`) instead of a connection of its own. */
  attach?: { profile: string; io: IO; timeoutMs: number };
  record?: string;
  io: IO;
  c: ChalkInstance;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type PromptCtor = new (options: Record<string, unknown>) => { run(): Promise<any>; clear(lines?: number): void; render(): Promise<void> | void; state: { size?: number } };

const META = [
  { name: ':raw', message: ':raw      type any JSON5 message' },
  { name: ':ack', message: ':ack      acknowledge an event by hand' },
  { name: ':toggle', message: ':toggle   automatic RID / SID / acknowledgement' },
  { name: ':history', message: ':history  send a previous message again' },
  { name: ':quit', message: ':quit     log off (if logged in here) and leave' },
];

function keyValueInput(text: string): unknown[] {
  // `URN=1, Name=Jo` or a JSON5 object, the same forms as the --data flag.
  return text.trim().startsWith('{') ? [text] : text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The value typed for a key, as the CLI flag would take it; throws CliError with the reason. */
function parseKey(spec: RequestSpec, key: KeySpec, text: string): unknown {
  const raw = key.type === 'keyValue' ? keyValueInput(text) : key.type === 'boolean' ? /^(true|yes|1)$/i.test(text) : text;
  const one = { ...spec, keys: [{ ...key, env: undefined, required: false }] };
  return valuesFromArgs(one, { [flagOf(key)]: raw }, {})[key.wire];
}

/** How the console reaches the server: its own WebSocket, or a profile daemon's request pipe. */
interface Wire {
  send(msg: Json): void;
  close(): void;
}

async function wsWire(o: ConsoleOptions, model: ConsoleModel, onClose: () => void): Promise<Wire> {
  const url = o.url;
  const ws = new WebSocket(url, { rejectUnauthorized: !o.insecure, ca: o.ca === undefined ? undefined : alsoTrusting(o.ca), minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => {
      const { reason, hint } = describeConnectFailure(url, err);
      reject(new CliError(`cannot connect to ${url}: ${reason}`, EXIT.connection, hint));
    });
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const parsed = parseFrame(data.toString());
    if (parsed.ok) model.receive(parsed.value);
    else model.note(`RECEIVED a frame that is not JSON: ${parsed.reason}`);
  });
  ws.on('close', onClose);
  return { send: (msg) => ws.send(JSON.stringify(msg)), close: () => ws.close() };
}

async function pipeWire(attach: NonNullable<ConsoleOptions['attach']>, model: ConsoleModel, onClose: () => void): Promise<Wire> {
  const pipe = await openPipe(attach.profile, attach.io, attach.timeoutMs, (event) => model.receive(event));
  pipe.onClose = onClose;
  return {
    send: (msg) => {
      pipe.request(msg).then(
        (response) => model.receive(response),
        (err: PipeError) => (err.response ? model.receive(err.response) : model.note(err.message)),
      );
    },
    close: () => pipe.close(),
  };
}

export async function runConsole(o: ConsoleOptions): Promise<number> {
  const { default: Enquirer } = await import('enquirer');
  const P = Enquirer as unknown as Record<string, PromptCtor>;
  const { io, c } = o;
  const streams = { stdin: io.stdin, stdout: io.stdout };


  let current: InstanceType<PromptCtor> | null = null;
  const colour = (e: LogEntry) => (e.kind === 'sent' ? c.blue : e.kind === 'response' ? c.green : e.kind === 'event' ? c.cyan : e.kind === 'error' ? c.red : c.dim);
  const print = (e: LogEntry) => {
    const line = `${c.dim(clockOf(e.time))} ${colour(e)(e.text)}${e.note ? `\n             ${c.red.dim(e.note)}` : ''}`;
    if (current) {
      // Above the prompt being filled, which is drawn again underneath. The cursor sits on the
      // prompt's line: erase from the bottom of its choices.
      current.clear(current.state.size ?? 0);
      io.stdout.write(`${line}\n`);
      void current.render();
    } else io.stdout.write(`${line}\n`);
  };
  let closed = false;
  let wire: Wire | undefined;
  const model = new ConsoleModel((msg) => wire!.send(msg), print);
  const onClose = () => {
    closed = true;
    model.note('the connection closed');
    model.disconnected();
  };
  wire = o.attach
    ? await pipeWire(o.attach, model, onClose)
    : await wsWire(o, model, onClose);
  model.attached = !!o.attach;

  const ask = async <T>(ctor: string, options: Record<string, unknown>): Promise<T> => {
    const prompt = new P[ctor]({ ...streams, ...options });
    current = prompt;
    try {
      return (await prompt.run()) as T;
    } finally {
      current = null;
    }
  };

  const state = () => `${c.bold(model.view.state)}${model.unacked.length ? c.yellow(` · ${model.unacked.length} to acknowledge`) : ''}`;
  const commandChoices = [
    ...VERBS.map((v) => ({ name: v, message: `${v.padEnd(18)} ${c.dim(REQUESTS[v].cli)}` })),
    ...META,
  ];
  model.note(o.attach
    ? `attached to profile ${o.attach.profile}'s session: its daemon fills RID and SID and acknowledges events`
    : o.login
      ? `connected to ${o.url}; logging in as ${o.login.agent}. Type to filter the commands.`
      : `connected to ${o.url}. Pick Authenticate first; type to filter the commands.`);

  /**
   * The login at start, sent as the user would send it, so the log shows it. A refusal stays in
   * the log, with the catalogue's explanation, and the console stays open for another Authenticate:
   * what the Test Client does. Whether the session is the console's own to log off at the end.
   */
  const logIn = async (l: ConsoleLogin): Promise<boolean> => {
    const credentials: Json = { Agent: l.agent, Password: l.password, extension: l.extension };
    if (l.secondFactor) credentials.SecondFactor = l.secondFactor;
    const answered = (answer: Json | undefined, verb: Verb) => {
      if (!answer && !closed) model.note(`no answer to ${verb} within ${o.timeoutMs} ms`);
      return answer !== undefined && classify(answer).kind !== 'error';
    };
    if (!answered(await model.exchange('Authenticate', credentials, o.timeoutMs), 'Authenticate')) {
      if (!closed) model.note(`not logged in as ${l.agent}: pick Authenticate to try again`);
      return false;
    }
    if (l.tenant && l.campaign) answered(await model.exchange('Connect', { tenant: l.tenant, campaign: l.campaign }, o.timeoutMs), 'Connect');
    return true;
  };

  const fill = async (verb: Verb): Promise<Json> => {
    const spec = REQUESTS[verb];
    const values: Json = {};
    for (const key of spec.keys) {
      const label = `${key.wire} ${c.dim(`(${key.type}${key.required ? ', required' : key.optional ? ', optional' : ''})`)}`;
      if (key.env) {
        const typed = await ask<string>('Password', { message: label, hint: key.description });
        const value = typed || io.env[key.env];
        if (value !== undefined) values[key.wire] = value;
        continue;
      }
      if (key.closed && key.choices) {
        const none = key.required ? [] : [{ name: '', message: c.dim('(leave out)') }];
        const picked = await ask<string>('Select', {
          message: label,
          choices: [...key.choices.map((ch) => ({ name: String(ch.value), message: `${ch.value}: ${ch.meaning}` })), ...none],
          initial: key.default !== undefined ? key.choices.findIndex((ch) => ch.value === key.default) : 0,
        });
        if (picked !== '') values[key.wire] = parseKey(spec, key, picked);
        continue;
      }
      const typed = await ask<string>('Input', {
        message: label,
        hint: c.dim(key.description),
        initial: key.default !== undefined ? String(key.default) : undefined,
        validate: (text: string) => {
          if (text === '') return key.required ? `${key.wire} is required` : true;
          try {
            parseKey(spec, key, text);
            return true;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
      if (typed !== '') values[key.wire] = parseKey(spec, key, typed);
    }
    return values;
  };

  const manual = async (spec: RequestSpec) => {
    const number = async (name: string) => Number(await ask<string>('Input', { message: name, validate: (t: string) => /^\d+$/.test(t) || `${name} is a number` }));
    return {
      rid: spec.rid && !model.toggles.autoRid ? await number('RID') : undefined,
      sid: spec.sid && !model.toggles.autoSid ? await number('SID') : undefined,
    };
  };

  let ownsSession = o.login ? await logIn(o.login) : false;
  for (;;) {
    if (closed) break;
    let picked: string;
    try {
      picked = await ask<string>('AutoComplete', { message: () => `[${state()}] Command`, choices: commandChoices, limit: 12 });
    } catch {
      break; // Ctrl-C or Esc: leave as :quit does
    }
    try {
      if (picked === ':quit') break;
      if (picked === ':raw') {
        const text = await ask<string>('Input', { message: 'JSON5 message', hint: c.dim('{type: "GetTenants"} — RID and SID follow the toggles') });
        let msg: unknown;
        try {
          msg = JSON5.parse(text);
        } catch (err) {
          model.note(`not JSON5: ${(err as Error).message}`);
          continue;
        }
        if (!isObject(msg)) model.note('a message is a JSON5 object');
        else model.transmit(msg as Json);
        continue;
      }
      if (picked === ':ack') {
        if (!model.unacked.length) {
          model.note('no event is waiting for acknowledgement');
          continue;
        }
        const rid = await ask<string>('Select', {
          message: 'Acknowledge which event?',
          choices: model.unacked.map((e) => ({ name: String(e.RID), message: `RID ${e.RID} ${e.event}` })),
        });
        model.acknowledge(Number(rid));
        continue;
      }
      if (picked === ':toggle') {
        const names: (keyof Toggles)[] = ['autoRid', 'autoSid', 'autoAck'];
        const which = await ask<keyof Toggles>('Select', {
          message: 'Toggle',
          choices: names.map((n) => ({ name: n, message: `${n.padEnd(8)} ${model.toggles[n] ? c.green('on') : c.red('off')}` })),
        });
        model.toggle(which);
        continue;
      }
      if (picked === ':history') {
        if (!model.history.length) {
          model.note('nothing sent yet');
          continue;
        }
        const i = await ask<string>('Select', {
          message: 'Send again',
          choices: model.shownHistory().map(({ index, text }) => ({ name: String(index), message: text.slice(0, 100) })),

        });
        const { RID: _r, SID: _s, ...again } = model.history[Number(i)];
        model.transmit(again);
        continue;
      }
      const verb = picked as Verb;
      const values = await fill(verb);
      const msg = model.build(verb, values, await manual(REQUESTS[verb]));
      model.transmit(msg);
      if (verb === 'Authenticate' && !o.attach) ownsSession = true;
      if (verb === 'Logoff') ownsSession = false;
    } catch (err) {
      if (err instanceof CliError) model.note(err.message);
      // a cancelled form returns to the command picker
    }
  }

  if (ownsSession && !closed && model.sid !== undefined) {
    model.transmit({ type: 'Logoff' });
    await new Promise((r) => setTimeout(r, 500));
  }
  wire.close();
  if (o.record) {
    const replay = model.replay(o.record, o.url, o.insecure);
    writeFileSync(o.record, model.recipe(`recorded console session against ${o.url}`, replay));
    io.stderr.write(`recorded as a recipe: ${o.record} (replay: ${replay})\n`);
  }
  return EXIT.ok;
}
