import type { Json } from '../protocol/codec.js';
import type { KeyValue } from '../protocol/types.js';
import type { Dialler } from './dialler.js';
import { SimError } from './errors.js';
import { fixtureAgent } from './fixture.js';
import type { HandlerTable, SessionCtx } from './handlers.js';
import type { AgentLine } from './model.js';

// The record store and the DataQueries of the fixture, with the per-agent request limit (220).

type Verbs = 'GetRecord' | 'NewRecord' | 'RunQuery';

export function requestLimit(d: Dialler, agent: string): number | undefined {
  return d.requestLimits.get(agent) ?? fixtureAgent(d.fixture, agent)?.requestLimit;
}

/** Counts one data request against the agent's limit, refusing it once the limit is reached. */
function charge(d: Dialler, line: AgentLine): void {
  const limit = requestLimit(d, line.name);
  if (limit !== undefined && line.requestsUsed >= limit) {
    throw new SimError(220, `the limit is ${limit} requests`);
  }
  line.requestsUsed++;
}

export function createRecord(d: Dialler, fields: KeyValue): KeyValue {
  const urn = String(d.nextUrn++);
  const record = { ...fields, URN: urn };
  d.records.set(urn, record);
  return record;
}

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

function runQuery({ d, line, values }: SessionCtx<'RunQuery'>): Json {
  const number = String(values.QueryNumber);
  const query = Object.hasOwn(d.fixture.queries, number) ? d.fixture.queries[number] : undefined;
  if (!query) throw new SimError(200, `no DataQuery ${number}`);
  charge(d, line);
  const { Parameters: parameters, values: inputs } = values;
  switch (query.kind) {
    case 'lookup': {
      const missing = query.parameters.find((p) => !given(parameters[p]));
      if (missing) throw new SimError(201, `DataQuery ${number} needs parameter ${missing}`);
      const found = [...d.records.values()].find((r) => query.parameters.every((p) => String(r[p]) === String(parameters[p])));
      return { Data: found ? { ...found } : {} };
    }
    case 'insert': {
      const missing = query.values.find((v) => !given(inputs[v]));
      if (missing) throw new SimError(202, `DataQuery ${number} needs value ${missing}`);
      return { Data: createRecord(d, inputs).URN };
    }
    case 'count': {
      const missing = query.parameters.find((p) => !given(parameters[p]));
      if (missing) throw new SimError(201, `DataQuery ${number} needs parameter ${missing}`);
      const where = Object.entries(parameters).filter(([, v]) => given(v));
      return { Data: [...d.records.values()].filter((r) => where.every(([k, v]) => String(r[k]) === String(v))).length };
    }
    case 'fail':
      throw new SimError(210, `DataQuery ${number} is defined to fail`);
  }
}

export const DATA_HANDLERS: Pick<HandlerTable, Verbs> = {
  GetRecord: ({ d, line, values }) => {
    charge(d, line);
    const record = d.records.get(values.URN);
    if (!record) throw new SimError(210, `no record with URN ${JSON.stringify(values.URN)}`);
    return { data: { ...record } };
  },
  NewRecord: ({ d, line, values }) => {
    charge(d, line);
    const record = createRecord(d, {});
    // A call with no record yet (a manual call) takes the new one.
    const call = line.calls.get(values.sessionIndex);
    if (call && !call.urn) {
      call.urn = String(record.URN);
      Object.assign(record, call.data, { URN: record.URN });
      call.data = { ...record };
    }
    return { data: { ...record } };
  },
  RunQuery: runQuery,
};
