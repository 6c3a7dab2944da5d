import { describe, expect, it } from 'vitest';
import { mappedColumns, rowRequest, unknownColumns } from '../../src/batch/request.js';
import { REQUESTS, VERBS } from '../../src/protocol/catalogue.js';

// A batch row's fields as a request: a column is a request key (spec spelling, flag spelling or any
// case), `Parameters.X` / `values.X` / `data.X` fill nested objects, flags give constant keys, an
// empty CSV cell leaves its key out, and a value of the wrong type makes the row an error row.

const RunQuery = REQUESTS.RunQuery;
const GetRecord = REQUESTS.GetRecord;
const Disposition = REQUESTS.Disposition;

describe('rowRequest: columns', () => {
  it('a column is a key by its spec spelling, its flag spelling or in any case', () => {
    for (const column of ['QueryNumber', 'query-number', 'querynumber', 'QUERYNUMBER']) {
      expect(rowRequest(RunQuery, { [column]: '3' }, {})).toEqual({ msg: { type: 'RunQuery', QueryNumber: 3, Parameters: {}, values: {} } });
    }
  });

  it('Parameters.X and values.X fill the nested objects (and so do the flag spellings param.X, value.X)', () => {
    const { msg } = rowRequest(RunQuery, { QueryNumber: '2', 'values.Name': 'Jo', 'value.Tel': '0163', 'Parameters.URN': '1001', 'param.Client': 'Acme' }, {});
    expect(msg).toEqual({ type: 'RunQuery', QueryNumber: 2, Parameters: { URN: '1001', Client: 'Acme' }, values: { Name: 'Jo', Tel: '0163' } });
  });

  it('data.X fills Disposition data; the rest of the key is kept whole (dots included)', () => {
    const { msg } = rowRequest(Disposition, { outcome: '251', 'data.URN': '1001', 'data.a.b': 'x' }, {});
    expect(msg).toMatchObject({ type: 'Disposition', outcome: 251, data: { URN: '1001', 'a.b': 'x' } });
  });

  it('a JSONL row may give the nested object whole', () => {
    const { msg } = rowRequest(RunQuery, { QueryNumber: 1, Parameters: { URN: '1001' } }, {});
    expect(msg).toEqual({ type: 'RunQuery', QueryNumber: 1, Parameters: { URN: '1001' }, values: {} });
  });

  it('an unknown column is an error naming it', () => {
    expect(rowRequest(GetRecord, { URN: '1', Colour: 'red' }, {})).toEqual({ error: 'Colour is not a key of GetRecord' });
  });

  it('an unknown column of a verb with a key-value key says how a nested value is written', () => {
    expect(rowRequest(REQUESTS.TransferCall, { Colour: 'red' }, {})).toEqual({ error: 'Colour is not a key of TransferCall (a nested value is written data.Colour)' });
  });

  it('a dotted column on a key that is not a key-value array is an error', () => {
    expect(rowRequest(RunQuery, { 'QueryNumber.x': '1' }, {})).toEqual({ error: 'QueryNumber.x is not a key of RunQuery' });
    expect(rowRequest(RunQuery, { QueryNumber: '1', 'Nope.x': '1' }, {})).toEqual({ error: 'Nope.x is not a key of RunQuery' });
  });
});

describe('rowRequest: a column that is no key of the verb', () => {
  it('goes into the key the catalogue names (RunQuery: Parameters), a CSV of records as it is', () => {
    expect(rowRequest(RunQuery, { URN: '1001' }, { QueryNumber: 1 }).msg).toEqual({ type: 'RunQuery', QueryNumber: 1, Parameters: { URN: '1001' }, values: {} });
    expect(unknownColumns(RunQuery, ['URN', 'QueryNumber', 'values.Name'])).toEqual([]);
    expect(mappedColumns(RunQuery, ['URN', 'QueryNumber', 'Parameters.Client', 'Name'])).toEqual(['URN → Parameters.URN', 'Name → Parameters.Name']);
  });

  it('Disposition: into data, beside data.X columns', () => {
    expect(rowRequest(Disposition, { outcome: '251', Notes: 'called back', 'data.URN': '1001' }, {}).msg).toMatchObject({ data: { Notes: 'called back', URN: '1001' } });
  });

  it('the catalogue names only key-value keys of the verb itself', () => {
    const named = VERBS.filter((v) => REQUESTS[v].otherColumns !== undefined);
    expect(named).toEqual(['Disposition', 'RunQuery']);
    for (const v of named) expect(REQUESTS[v].keys.find((k) => k.wire === REQUESTS[v].otherColumns)?.type, v).toBe('keyValue');
  });

  it('a verb without one refuses it, once, before anything is sent', () => {
    expect(unknownColumns(GetRecord, ['URN', 'Name'])).toEqual(['Name']);
  });
});

describe('rowRequest: constants', () => {
  it('constant keys apply to every row', () => {
    expect(rowRequest(RunQuery, { 'Parameters.URN': '1001' }, { QueryNumber: 1 }).msg).toEqual({
      type: 'RunQuery', QueryNumber: 1, Parameters: { URN: '1001' }, values: {},
    });
  });

  it('a row\'s column wins over a constant', () => {
    expect(rowRequest(RunQuery, { QueryNumber: '3' }, { QueryNumber: 1 }).msg).toMatchObject({ QueryNumber: 3 });
  });

  it('nested columns are merged into a constant object, the column winning on the same name', () => {
    const constants = { QueryNumber: 1, Parameters: { Client: 'Acme', URN: 'constant' } };
    expect(rowRequest(RunQuery, { 'Parameters.URN': '1001' }, constants).msg).toMatchObject({ Parameters: { Client: 'Acme', URN: '1001' } });
  });

  it('does not change the constants given (each row starts from them afresh)', () => {
    const constants = { QueryNumber: 1, Parameters: { Client: 'Acme' } };
    rowRequest(RunQuery, { 'Parameters.URN': '1001' }, constants);
    rowRequest(RunQuery, { QueryNumber: '7' }, constants);
    expect(constants).toEqual({ QueryNumber: 1, Parameters: { Client: 'Acme' } });
    expect(rowRequest(RunQuery, {}, constants).msg).toMatchObject({ QueryNumber: 1, Parameters: { Client: 'Acme' } });
  });
});

describe('rowRequest: empty cells', () => {
  it('an empty cell of a non-string key leaves it out: the constant, or the documented empty value, is sent', () => {
    expect(rowRequest(RunQuery, { QueryNumber: '', 'Parameters.URN': '1001' }, { QueryNumber: 4 }).msg).toMatchObject({ QueryNumber: 4 });
    expect(rowRequest(Disposition, { outcome: '251', sessionIndex: '' }, {}).msg).toMatchObject({ sessionIndex: 0 });
  });

  it('an empty nested cell leaves that name out of the object', () => {
    expect(rowRequest(RunQuery, { QueryNumber: '1', 'Parameters.URN': '', 'Parameters.Client': 'Acme' }, {}).msg).toEqual({
      type: 'RunQuery', QueryNumber: 1, Parameters: { Client: 'Acme' }, values: {},
    });
  });

  it('an empty cell of a required key with no constant is an error', () => {
    expect(rowRequest(RunQuery, { QueryNumber: '' }, {})).toEqual({ error: 'RunQuery.QueryNumber is required' });
    expect(rowRequest(GetRecord, {}, {})).toEqual({ error: 'GetRecord.URN is required' });
  });

  it('an empty cell of a string key is the empty string', () => {
    expect(rowRequest(Disposition, { outcome: '251', callbackNumber: '' }, {}).msg).toMatchObject({ callbackNumber: '' });
    expect(rowRequest(GetRecord, { URN: '' }, {}).msg).toEqual({ type: 'GetRecord', URN: '' });
  });
});

describe('rowRequest: types', () => {
  it('CSV text becomes the key\'s type: integers, booleans', () => {
    const { msg } = rowRequest(Disposition, { outcome: ' 251 ', personalCallback: 'true' }, {});
    expect(msg).toMatchObject({ outcome: 251, personalCallback: true });
  });

  it('a JSONL number for a string key becomes a string', () => {
    expect(rowRequest(GetRecord, { URN: 1001 }, {}).msg).toEqual({ type: 'GetRecord', URN: '1001' });
  });

  it('a value of the wrong type is an error naming the key and the value', () => {
    expect(rowRequest(RunQuery, { QueryNumber: 'abc' }, {}).error).toBe('RunQuery.QueryNumber must be an integer, got "abc"');
    expect(rowRequest(RunQuery, { QueryNumber: '-1' }, {}).error).toBe('RunQuery.QueryNumber must be at least 0, got -1');
    expect(rowRequest(Disposition, { outcome: '251', personalCallback: 'maybe' }, {}).error).toMatch(/^Disposition\.personalCallback must be true or false/);
    expect(rowRequest(GetRecord, { URN: { a: 1 } }, {}).error).toMatch(/^GetRecord\.URN must be a string/);
  });

  it('a nested value that is itself an object is an error', () => {
    expect(rowRequest(RunQuery, { QueryNumber: 1, Parameters: { URN: { deep: 1 } } }, {}).error).toMatch(/^RunQuery\.Parameters must hold plain values, but URN is/);
    expect(rowRequest(RunQuery, { QueryNumber: 1, Parameters: 'URN=1' }, {}).error).toMatch(/^RunQuery\.Parameters must be an object/);
  });

  it('a list of integers from a CSV cell: 1,2,3 or [1,2,3]', () => {
    const spec = REQUESTS.GetMessageHistory;
    expect(rowRequest(spec, { messageList: '1, 2,3' }, {}).msg).toEqual({ type: 'GetMessageHistory', messageList: [1, 2, 3] });
    expect(rowRequest(spec, { messageList: '[4,5]' }, {}).msg).toEqual({ type: 'GetMessageHistory', messageList: [4, 5] });
    expect(rowRequest(spec, { messageList: [6] }, {}).msg).toEqual({ type: 'GetMessageHistory', messageList: [6] });
    expect(rowRequest(spec, { messageList: '1,x' }, {}).error).toMatch(/^GetMessageHistory\.messageList must be an array of integers/);
  });
});

describe('unknownColumns', () => {
  it('lists the columns that are no key of the verb, checked before anything is sent', () => {
    expect(unknownColumns(RunQuery, ['QueryNumber', 'query-number', 'Parameters.URN', 'param.X', 'values.Name', 'value.Tel'])).toEqual([]);
    expect(unknownColumns(RunQuery, ['Parameters.URN', 'Colour', 'QueryNumber.x', 'URN', ''])).toEqual(['QueryNumber.x', '']);
    expect(unknownColumns(GetRecord, ['URN', 'Colour', ''])).toEqual(['Colour', '']);
    expect(unknownColumns(Disposition, ['outcome', 'data.URN', 'callback-number'])).toEqual([]);
  });
});
