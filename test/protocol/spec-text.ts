// Reads the AAPI spec TEXT (genius-aapi-v2.1.txt) so the catalogue tests compare against the document itself,
// not against a copy of it. Tables are lines of `key<TAB>value<TAB>description`.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row { key: string; value: string; description: string }

export interface Section {
  /** The heading as the spec prints it (`GetCampaigns`, `ChatMessage`). */
  heading: string;
  /** The TOC group it sits under (`Data`, `Transfers` ...); '' for events. */
  group: string;
  /** Every row of the "Request" table, envelope (type/event, SID, RID) included. */
  request: Row[];
  /** The rows of the "Expected response" table; [] when the spec says "None" or "An Acknowledge". */
  response: Row[];
}

export interface SpecError { number: number; level: string; message: string; information: string }

// The spec is the vendor's text and never part of the project: AAPI_SPEC names it, or it sits in the
// shared folder beside the clone.
const given = process.env.AAPI_SPEC;
if (given && !existsSync(given)) throw new Error(`AAPI_SPEC names ${given}, which does not exist`);
const beside = fileURLToPath(new URL('../../../shared/spec/genius-aapi-v2.1.txt', import.meta.url));
/** Where the spec was found; undefined when it was not (the tests that need it are then skipped). */
export const specPath = given ? resolve(given) : existsSync(beside) ? beside : undefined;
export const SPEC_HOW = 'set AAPI_SPEC to genius-aapi-v2.1.txt, or put it in ../shared/spec/ beside the clone';

export const specText = specPath ? readFileSync(specPath, 'utf8') : '';
const lines = specText.split(/\r?\n/);

/** The body lines strictly between two exact lines (the TOC's entries carry a TAB, so they never match). */
function between(start: string, end: string): string[] {
  const from = lines.indexOf(start);
  const to = lines.indexOf(end, from + 1);
  if (!specPath) return [];
  if (from < 0 || to < 0) throw new Error(`spec text has no "${start}" ... "${end}" section`);
  return lines.slice(from + 1, to);
}

/** The TOC entries (text before the TAB) strictly between two TOC entries. */
function tocBetween(start: string, end: string): string[] {
  const names = lines.filter((l) => l.includes('\t')).map((l) => l.split('\t')[0]);
  return names.slice(names.indexOf(start) + 1, names.indexOf(end));
}

const HEADER = 'Key\tValue\tDescription';

/** The table that starts at the first HEADER at or after `from`, up to the first line without a TAB. */
function tableAt(part: string[], from: number, until: number): Row[] {
  const start = part.indexOf(HEADER, from);
  if (start < 0 || start > until) return [];
  const rows: Row[] = [];
  for (let i = start + 1; i < part.length && part[i].includes('\t'); i++) {
    const [key, value = '', description = ''] = part[i].split('\t');
    rows.push({ key: key.trim(), value: value.trim(), description: description.trim() });
  }
  return rows;
}

/**
 * Splits a part of the spec into headed sections. A heading is a one-word line (`GetWebRTC`); the
 * section's tables follow its "Request" and "Expected response" lines. Group headings (`Data`) have no
 * "Request" of their own before the next heading, so they never become sections.
 */
function sections(part: string[]): Section[] {
  const out: Section[] = [];
  let heading = '';
  part.forEach((line, i) => {
    if (/^[A-Z][A-Za-z]*$/.test(line) && line !== 'Request' && line !== 'None') heading = line;
    if (line !== 'Request') return;
    const next = part.indexOf('Request', i + 1);
    const responseAt = part.indexOf('Expected response', i);
    out.push({
      heading,
      group: '',
      request: tableAt(part, i, responseAt),
      response: tableAt(part, responseAt, next < 0 ? part.length : next),
    });
  });
  return out;
}

export const specRequests: Section[] = sections(between('API commands', 'API events'));
export const specEvents: Section[] = sections(between('API events', 'Error Messages'));

/** The TOC's own lists of commands and events, to check the section parser against. */
const commandToc = tocBetween('API commands', 'API events');
export const tocEvents = tocBetween('API events', 'Error Messages');
/** TOC entries under "API commands" that head no request are the groups (`Data`, `Transfers` ...). */
export const specGroups = commandToc.filter((name) => !specRequests.some((s) => s.heading === name));
export const tocRequests = commandToc.filter((name) => !specGroups.includes(name));

// Each request belongs to the last group the TOC names before it.
let group = '';
for (const name of commandToc) {
  if (specGroups.includes(name)) group = name;
  else for (const s of specRequests) if (s.heading === name) s.group = group;
}

/** The "Error messages" table. Rows broken over several lines continue with leading TABs. */
export const specErrors: SpecError[] = (() => {
  const part = between('Error messages', 'Example code');
  const header = part.findIndex((l) => l.startsWith('Error Number\t'));
  const out: SpecError[] = [];
  for (const line of part.slice(header + 1)) {
    const m = /^(\d+)\t([^\t]*)\t([^\t]*)\t(.*)$/.exec(line);
    if (m) out.push({ number: Number(m[1]), level: m[2], message: m[3], information: m[4] });
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1].information += ` ${line.trim()}`;
  }
  return out;
})();

/** The keys of a section's request table that are not envelope (type, event, SID, RID). */
export function payloadKeys(section: Section): string[] {
  return section.request.map((r) => r.key).filter((k) => !['type', 'event', 'SID', 'RID'].includes(k));
}
