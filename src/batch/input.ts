import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { isObject } from '../util/object.js';

// Input rows, streamed so a file of a million rows runs in bounded memory. Rows are numbered from 1
// in file order (a CSV's header is not a row). They come a few hundred at a time, not one by one: a
// batch job takes a row in microseconds, and an await per row would cost more than the row.

export interface InputRow {
  row: number;
  fields?: Record<string, unknown>;
  /** Why the row cannot be a request (it is reported, and the job goes on). */
  error?: string;
}

const ROWS_AT_ONCE = 256;

export const formatOf = (file: string): 'csv' | 'jsonl' => (/\.jsonl?$/i.test(file) ? 'jsonl' : 'csv');

async function* csvRows(file: string): AsyncGenerator<InputRow[]> {
  // The parser hands each record to `on_record` as it parses, and keeps none: records are taken
  // here, a chunk at a time, so that rows parsed before a broken quote are not lost with the
  // stream it destroys, and a row with more fields than the header is not silently cut short.
  const ready: InputRow[] = [];
  let header: string[] | undefined;
  let row = 0;
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    on_record: (fields: string[], info: { lines: number }) => {
      if (!header) header = fields;
      else {
        row++;
        if (fields.length !== header.length) ready.push({ row, error: `line ${info.lines}: ${fields.length} fields, but the header has ${header.length}` });
        else ready.push({ row, fields: Object.fromEntries(header.map((h, i) => [h, fields[i]])) });
      }
      return null;
    },
  });
  let failure: Error | undefined;
  parser.on('error', (err: Error) => (failure ??= err));
  const feed = (chunk: Buffer | null) =>
    new Promise<void>((resolve) => {
      if (failure) return resolve();
      if (chunk) parser.write(chunk, () => resolve());
      else {
        parser.once('finish', () => resolve());
        parser.once('error', () => resolve());
        parser.end();
      }
    });
  // Small reads: the parser makes every record of a read at once (see jsonlRows).
  const input = createReadStream(file, { highWaterMark: 16 * 1024 });
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      await feed(chunk);
      if (ready.length) yield ready.splice(0);
      if (failure) break;
    }
    if (!failure) await feed(null);
    if (ready.length) yield ready.splice(0);
  } finally {
    input.destroy();
  }
  // A broken quote leaves the rest of the file unreadable: that row says so, and input ends there.
  if (failure) yield [{ row: row + 1, error: `malformed CSV: ${failure.message}` }];
}

async function* jsonlRows(file: string): AsyncGenerator<InputRow[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let row = 0;
  let line = 0;
  const take = (raw: string, out: InputRow[]) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!text.trim()) return;
    row++;
    try {
      const value: unknown = JSON.parse(text);
      if (!isObject(value)) out.push({ row, error: `line ${line}: not a JSON object` });
      else out.push({ row, fields: value });
    } catch (err) {
      out.push({ row, error: `line ${line}: not JSON: ${(err as Error).message}` });
    }
  };
  const input = createReadStream(file);
  let first = true;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let text = rest + decoder.write(chunk);
      // Windows tools often start a UTF-8 file with a byte order mark: it is not part of the first row.
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      const lines = text.split('\n');
      rest = lines.pop()!;
      // Parsed a few hundred at a time, just before they are sent: rows parsed long before would
      // outlive V8's young generation, and a large job's memory would grow with them.
      for (let i = 0; i < lines.length; i += ROWS_AT_ONCE) {
        const out: InputRow[] = [];
        for (const l of lines.slice(i, i + ROWS_AT_ONCE)) take(l, out);
        if (out.length) yield out;
      }
    }
  } finally {
    input.destroy();
  }
  rest += decoder.end();
  const out: InputRow[] = [];
  if (rest) take(rest, out);
  if (out.length) yield out;
}

/** The rows of a CSV or JSONL file, a read chunk at a time. */
export function readRows(file: string): AsyncGenerator<InputRow[]> {
  return formatOf(file) === 'jsonl' ? jsonlRows(file) : csvRows(file);
}

/** A CSV file's header: its column names, checked before anything is sent. */
export function csvHeader(file: string): string[] {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const text = buf.subarray(0, n).toString('utf8');
  const nl = text.indexOf('\n');
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  try {
    return ((parseSync(first, { bom: true }) as string[][])[0] ?? []).map(String);
  } catch {
    return [];
  }
}
