import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvHeader, formatOf, readRows, type InputRow } from '../../src/batch/input.js';

// Batch input: CSV (RFC 4180) or JSONL, streamed, rows numbered from 1 in file order (a CSV's header
// is not a row). A row that cannot be read is an error row, and the rows after it go on.

const dir = mkdtempSync(join(tmpdir(), 'aapi-batch-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(ext: string, content: string | Buffer): string {
  const path = join(dir, `in-${++n}.${ext}`);
  writeFileSync(path, content);
  return path;
}

async function rows(path: string): Promise<InputRow[]> {
  const out: InputRow[] = [];
  for await (const chunk of readRows(path)) out.push(...chunk);
  return out;
}

describe('formatOf', () => {
  it('takes .jsonl and .json as JSONL, anything else as CSV', () => {
    expect(formatOf('a.jsonl')).toBe('jsonl');
    expect(formatOf('A.JSONL')).toBe('jsonl');
    expect(formatOf('a.json')).toBe('jsonl');
    expect(formatOf('a.csv')).toBe('csv');
    expect(formatOf('a.txt')).toBe('csv');
  });
});

describe('CSV input (RFC 4180)', () => {
  it('takes the header as column names and numbers the rows from 1', async () => {
    const r = await rows(file('csv', 'QueryNumber,Parameters.URN\n1,1001\n1,1002\n'));
    expect(r).toEqual([
      { row: 1, fields: { QueryNumber: '1', 'Parameters.URN': '1001' } },
      { row: 2, fields: { QueryNumber: '1', 'Parameters.URN': '1002' } },
    ]);
  });

  it('reads quoted fields, embedded commas, doubled quotes and embedded newlines (LF and CRLF)', async () => {
    const text = 'values.Name,values.Tel\r\n"Bloggs, Jo","0163"\r\n"Line one\nline two","say ""hi"""\r\n"a\r\nb",plain\r\n';
    const r = await rows(file('csv', text));
    expect(r).toEqual([
      { row: 1, fields: { 'values.Name': 'Bloggs, Jo', 'values.Tel': '0163' } },
      { row: 2, fields: { 'values.Name': 'Line one\nline two', 'values.Tel': 'say "hi"' } },
      { row: 3, fields: { 'values.Name': 'a\r\nb', 'values.Tel': 'plain' } },
    ]);
  });

  it('ignores a UTF-8 byte order mark before the header', async () => {
    const path = file('csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('URN\n1001\n')]));
    expect(await rows(path)).toEqual([{ row: 1, fields: { URN: '1001' } }]);
    expect(csvHeader(path)).toEqual(['URN']);
  });

  it('keeps empty cells as empty strings, skips blank lines, and takes a last line without a newline', async () => {
    const r = await rows(file('csv', 'a,b\n1,\n\n,2\n\n3,4'));
    expect(r).toEqual([
      { row: 1, fields: { a: '1', b: '' } },
      { row: 2, fields: { a: '', b: '2' } },
      { row: 3, fields: { a: '3', b: '4' } },
    ]);
  });

  it('a file with only a header, or empty, has no rows', async () => {
    expect(await rows(file('csv', 'a,b\n'))).toEqual([]);
    expect(await rows(file('csv', ''))).toEqual([]);
  });

  it('a row with fewer fields than the header is an error row naming its line; the rows after go on', async () => {
    const r = await rows(file('csv', 'a,b\n1,2\n3\n4,5\n'));
    expect(r[0]).toEqual({ row: 1, fields: { a: '1', b: '2' } });
    expect(r[1].row).toBe(2);
    expect(r[1].fields).toBeUndefined();
    expect(r[1].error).toMatch(/line 3: 1 fields?, but the header has 2/);
    expect(r[2]).toEqual({ row: 3, fields: { a: '4', b: '5' } });
    expect(r).toHaveLength(3);
  });

  it('a row with more fields than the header is an error row too, not cut short', async () => {
    const r = await rows(file('csv', 'a,b\n1,2\n1,2,3\n4,5\n6,7,8,9\n'));
    expect(r.map((x) => [x.row, x.error === undefined])).toEqual([[1, true], [2, false], [3, true], [4, false]]);
    expect(r[1].error).toMatch(/line 3: 3 fields, but the header has 2/);
    expect(r[3].error).toMatch(/line 5: 4 fields, but the header has 2/);
  });

  it('every row after a mismatch is judged on its own', async () => {
    const lines = ['a,b'];
    for (let i = 1; i <= 50; i++) lines.push(i % 10 === 0 ? `${i}` : `${i},x`);
    const r = await rows(file('csv', `${lines.join('\n')}\n`));
    expect(r).toHaveLength(50);
    expect(r.filter((x) => x.error).map((x) => x.row)).toEqual([10, 20, 30, 40, 50]);
    expect(r[10]).toEqual({ row: 11, fields: { a: '11', b: 'x' } });
  });

  it('a broken quote is an error row with the next row number; the rows before it are all kept', async () => {
    const r = await rows(file('csv', 'a,b\n1,2\n3,4\n"x"y,5\n6,7\n'));
    expect(r.slice(0, 2)).toEqual([
      { row: 1, fields: { a: '1', b: '2' } },
      { row: 2, fields: { a: '3', b: '4' } },
    ]);
    expect(r[2].row).toBe(3);
    expect(r[2].error).toMatch(/^malformed CSV: .*quote.*line 4/i);
    // The parser cannot know where the broken row ends: input ends there.
    expect(r).toHaveLength(3);
  });

  it('a quote never closed is an error row after every row before it', async () => {
    const r = await rows(file('csv', 'a,b\n1,2\n"open,3\n4,5\n'));
    expect(r[0]).toEqual({ row: 1, fields: { a: '1', b: '2' } });
    expect(r[1].row).toBe(2);
    expect(r[1].error).toMatch(/^malformed CSV: .*quote not closed/i);
    expect(r).toHaveLength(2);
  });

  it('rows parsed before a broken quote far into a large file are all kept (several read chunks)', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `${i + 1},"name, ${i + 1}"`).join('\n');
    const r = await rows(file('csv', `n,name\n${body}\n"broken"x,1\n`));
    expect(r).toHaveLength(20_001);
    expect(r[19_999]).toEqual({ row: 20_000, fields: { n: '20000', name: 'name, 20000' } });
    expect(r.slice(0, 20_000).every((x, i) => x.row === i + 1 && x.fields?.n === String(i + 1))).toBe(true);
    expect(r[20_000]).toMatchObject({ row: 20_001, error: expect.stringMatching(/^malformed CSV/) });
  });

  it('streams: a consumer that stops early stops the reading', async () => {
    const body = Array.from({ length: 50_000 }, (_, i) => `${i}`).join('\n');
    const path = file('csv', `a\n${body}\n`);
    let seen = 0;
    let chunks = 0;
    for await (const chunk of readRows(path)) {
      seen = chunk[chunk.length - 1].row;
      if (++chunks === 1) break;
    }
    // Read a chunk at a time: the first holds some rows, far from all of them.
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(50_000);
  });

  it('csvHeader reads the column names only, quoted or not', () => {
    expect(csvHeader(file('csv', '"Parameters.URN",QueryNumber\r\n1001,1\n'))).toEqual(['Parameters.URN', 'QueryNumber']);
    expect(csvHeader(file('csv', ''))).toEqual([]);
  });
});

describe('JSONL input', () => {
  it('one object per line, rows numbered from 1, nested objects kept', async () => {
    const r = await rows(file('jsonl', '{"QueryNumber":1,"Parameters":{"URN":"1001"}}\n{"URN":1002}\n'));
    expect(r).toEqual([
      { row: 1, fields: { QueryNumber: 1, Parameters: { URN: '1001' } } },
      { row: 2, fields: { URN: 1002 } },
    ]);
  });

  it('takes a file that starts with a UTF-8 byte order mark (as Windows tools write it)', async () => {
    const r = await rows(file('jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n{"a":2}\r\n')])));
    expect(r).toEqual([
      { row: 1, fields: { a: 1 } },
      { row: 2, fields: { a: 2 } },
    ]);
  });

  it('skips blank lines without numbering them, takes CRLF and a last line without a newline', async () => {
    const r = await rows(file('jsonl', '{"a":1}\r\n\r\n   \n{"a":2}\r\n{"a":3}'));
    expect(r).toEqual([
      { row: 1, fields: { a: 1 } },
      { row: 2, fields: { a: 2 } },
      { row: 3, fields: { a: 3 } },
    ]);
  });

  it('a malformed line is an error row naming its line; the job goes on', async () => {
    const text = ['{"a":1}', '{"a":', '', '[1,2]', '42', 'null', '"text"', '{"a":2}'].join('\n');
    const r = await rows(file('jsonl', text));
    expect(r.map((x) => x.row)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r[0]).toEqual({ row: 1, fields: { a: 1 } });
    expect(r[1].error).toMatch(/^line 2: not JSON/);
    expect(r[2].error).toBe('line 4: not a JSON object');
    expect(r[3].error).toBe('line 5: not a JSON object');
    expect(r[4].error).toBe('line 6: not a JSON object');
    expect(r[5].error).toBe('line 7: not a JSON object');
    expect(r[6]).toEqual({ row: 7, fields: { a: 2 } });
  });
});
