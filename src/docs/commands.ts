import { describeKey, flagOf } from '../protocol/flags.js';
import { BUILTIN_COMMANDS } from '../cli/surface/builtins.js';
import { commandLine, visibleOptions } from '../cli/surface/commands.js';
import { GLOBAL_OPTIONS } from '../cli/surface/globals.js';
import { COMMAND_RUNS, type Builtin } from '../cli/surface/routing.js';
import type { OptionDecl } from '../cli/surface/types.js';
import { absentValue, ERRORS, EVENTS_TABLE, REQUESTS } from '../protocol/catalogue.js';
import { ERROR_CODES, EVENTS, VERBS, type KeySpec } from '../protocol/types.js';

// docs/commands.md, made from the CLI's declared surface (src/cli/surface/: the built-in commands
// and global options) and the catalogue: every verb with its keys, every event, every error.
// `npm run docs` writes it; a test fails when the checked-in file differs.

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function keyRow(key: KeySpec): string {
  const flag = key.env ? `(${key.env})` : `\`--${flagOf(key)}\``;
  const values = key.choices ? key.choices.map((c) => `\`${JSON.stringify(c.value)}\`${c.names ? ` (${c.names.join(', ')})` : ''}: ${c.meaning}`).join('<br>') : '';
  const when = key.required ? 'required' : key.optional ? 'optional' : `default \`${JSON.stringify(absentValue(key))}\``;
  return `| \`${key.wire}\` | ${flag} | ${key.type} | ${when} | ${cell(key.description)}${values ? `<br>${cell(values)}` : ''} |`;
}

const RUNS = { local: 'in the caller\'s own process', server: 'in the session server' };

function optionRows(options: Readonly<Record<string, OptionDecl>>): string[] {
  return visibleOptions(options).map(([name, o]) => {
    const flag = [name, ...(o.alias ?? [])].map((n) => `\`${n.length > 1 ? '--' : '-'}${n}\``).join(', ');
    const value = o.type === 'boolean' ? 'switch' : o.repeatable || o.array ? `${o.type}, repeatable` : o.type;
    const given = o.required ? 'required' : o.default !== undefined ? `\`${JSON.stringify(o.default)}\`` : '';
    return `| ${flag} | ${value} | ${given} | ${cell(o.describe)} |`;
  });
}

function builtinDoc(): string[] {
  const out = ['## Global options', '', 'Every command takes these.', '', '| option | value | default | description |', '|---|---|---|---|', ...optionRows(GLOBAL_OPTIONS), ''];
  out.push('## Built-in commands', '');
  for (const name of Object.keys(BUILTIN_COMMANDS) as Builtin[]) {
    const c = BUILTIN_COMMANDS[name];
    if (!c.section) continue;
    out.push(`### \`aapi ${commandLine(name, c.positionals ?? [])}\``, '', c.description, '');
    for (const p of c.positionals ?? []) out.push(`- \`${p.name}\`: ${p.describe}${p.choices ? ` (${p.choices.join(', ')})` : ''}`);
    if (c.positionals?.length) out.push('');
    const rows = optionRows(c.options ?? {});
    if (rows.length) out.push('| option | value | default | description |', '|---|---|---|---|', ...rows, '');
    if (c.epilogue) out.push(c.epilogue, '');
    out.push(`Runs ${RUNS[COMMAND_RUNS[name]]}.`, '');
  }
  return out;
}

export function renderCommandsDoc(): string {
  const out: string[] = [
    '# aapi commands, events and errors',
    '',
    'Generated from the CLI\'s declared surface (`src/cli/surface/`) and the protocol catalogue (`src/protocol/`)',
    'by `npm run docs`; do not edit by hand.',
    '',
    ...builtinDoc(),
    '## Requests',
    '',
    'One command per verb; every global option applies. Each runs in the session server.',
    '',
  ];
  for (const verb of VERBS) {
    const spec = REQUESTS[verb];
    out.push(`### ${verb} — \`aapi ${spec.cli}\``, '', spec.summary, '', spec.description, '');
    if (spec.keys.length) {
      out.push('| key | flag | type | when left out | description |', '|---|---|---|---|---|');
      for (const key of spec.keys) out.push(keyRow(key));
      out.push('');
    } else out.push('No keys besides RID and SID.', '');
    const envelope = [spec.rid ? 'RID' : 'no RID', spec.sid ? 'SID' : 'no SID'].join(', ');
    const success = spec.success.kind === 'ok' ? '`Response: OK`' : spec.success.kind === 'status' ? `\`${spec.success.key}: ${spec.success.value}\`` : spec.success.kind === 'payload' ? `the \`${spec.success.key}\` key` : 'no reply';
    out.push(`Envelope: ${envelope}. Success: ${success}.${spec.response.length ? ` Response keys: ${spec.response.map((k) => `\`${k.wire}\``).join(', ')}.` : ''}`);
    if (spec.errors.length) out.push(`Errors: ${spec.errors.join(', ')} (besides 99, 198, 199).`);
    if (spec.note) out.push('', `> ${spec.note}`);
    out.push('');
  }
  out.push('## Events', '', 'Every event carries `event` and a `RID`, which its Acknowledge repeats.', '');
  for (const name of EVENTS) {
    const e = EVENTS_TABLE[name];
    out.push(`### ${name}${e.aliases.length ? ` (also: ${e.aliases.join(', ')})` : ''}`, '', e.summary + (e.state ? ` The agent is now **${e.state}**.` : ''), '');
    if (e.keys.length) {
      out.push('| key | type | description |', '|---|---|---|');
      for (const k of e.keys) out.push(`| \`${k.wire}\` | ${k.type} | ${cell(describeKey(k).replace(/ \[default: .*$/, ''))} |`);
      out.push('');
    }
    if (e.note) out.push(`> ${e.note}`, '');
  }
  out.push('## Errors', '', '| number | level | message | meaning | what to do |', '|---|---|---|---|---|');
  for (const n of ERROR_CODES) {
    const e = ERRORS[n];
    out.push(`| ${n} | ${e.level} | ${cell(e.message)} | ${cell(e.information)}${e.unreachable ? ` (No AAPI verb reaches it: ${e.unreachable}.)` : ''} | ${cell([e.hint, ...(e.byDetail ?? []).map((d) => `When the ErrorDetail says "${d.detail.source}": ${d.hint}`)].join(' '))} |`);
  }
  out.push('');
  return out.join('\n');
}

