import { randomBytes, randomInt } from 'node:crypto';
import type { Dialler, Failures } from './dialler.js';
import { notNow, SimError } from './errors.js';
import { fixtureAgent } from './fixture.js';
import type { Ctx, HandlerTable, SessionCtx } from './handlers.js';

// Authentication, tenants and campaigns, the connection to the dialler, and acknowledgements.

type Verbs = 'Authenticate' | 'GetTenants' | 'GetCampaigns' | 'Connect' | 'Logoff' | 'KeepAlive' | 'GetWebRTC' | 'Acknowledge';

function banned(f: Failures | undefined, now: number): boolean {
  return f !== undefined && f.bannedUntil > now;
}

/** Counts a failed login against the agent and the address, banning each past its limit (102, 103). */
function failed(d: Dialler, agent: string, ip: string): void {
  const { banAfter, ipBanAfter, banMs } = d.fixture.timings;
  const now = d.now();
  for (const [map, k, limit] of [[d.agentFailures, agent, banAfter], [d.ipFailures, ip, ipBanAfter]] as const) {
    const f = map.get(k) ?? { count: 0, bannedUntil: 0 };
    f.count++;
    if (f.count >= limit) {
      f.bannedUntil = now + banMs;
      f.count = 0;
    }
    map.set(k, f);
  }
}

export function tenantsOf(d: Dialler, agent: string): string[] {
  return fixtureAgent(d.fixture, agent)?.tenants ?? Object.keys(d.fixture.tenants);
}

/** The campaign a request names, checked as Connect and GetWebRTC check it (110, 113). */
function campaignOf(d: Dialler, agent: string, tenant: string, campaign: string) {
  if (!tenantsOf(d, agent).includes(tenant) || !d.fixture.tenants[tenant]) {
    throw new SimError(110, `no access to tenant ${JSON.stringify(tenant)}`);
  }
  const c = d.fixture.tenants[tenant][campaign];
  if (!c) throw new SimError(113, `tenant ${tenant} has no campaign ${JSON.stringify(campaign)}`);
  if (!c.started) throw new SimError(113, `campaign ${campaign} is stopped`);
  return c;
}

function authenticate({ d, conn, values }: Ctx<'Authenticate'>) {
  const { Agent: agent, Password: password } = values;
  const now = d.now();
  if (banned(d.ipFailures.get(conn.ip), now)) throw new SimError(103);
  if (!agent && !password) throw new SimError(106);
  if (!agent) throw new SimError(105);
  if (!password) throw new SimError(104);
  if (banned(d.agentFailures.get(agent), now)) throw new SimError(102);
  const entry = fixtureAgent(d.fixture, agent);
  if (!entry || entry.password !== password) {
    failed(d, agent, conn.ip);
    throw new SimError(100);
  }
  if (entry.authorised === false) throw new SimError(101);
  let deviceId: string | undefined;
  if (entry.secondFactor) {
    const device = typeof values.DeviceID === 'string' ? d.devices.get(values.DeviceID) : undefined;
    if (!(device && device.agent === agent && device.until > now)) {
      if (values.SecondFactor === undefined || values.SecondFactor === '') throw new SimError(107);
      if (values.SecondFactor !== entry.secondFactor) {
        failed(d, agent, conn.ip);
        throw new SimError(100, 'the second factor is not valid');
      }
      deviceId = randomBytes(16).toString('hex');
      const days = typeof values.StoreDevice === 'number' ? values.StoreDevice : 0;
      if (days > 0) d.devices.set(deviceId, { agent, until: now + days * d.fixture.timings.dayMs });
    }
  }
  d.agentFailures.delete(agent);
  d.ipFailures.delete(conn.ip);
  const session = d.openSession(conn, agent);
  const line = d.lineOf(agent)!;
  if (values.extension) line.extension = values.extension;
  return deviceId ? { SID: session.sid, DeviceID: deviceId } : { SID: session.sid };
}

function connect({ d, line, session, values }: SessionCtx<'Connect'>) {
  const { tenant, campaign } = values;
  campaignOf(d, session.agent, tenant, campaign);
  if (line.calls.size > 0) throw notNow('cannot change campaign while a call or session is open');
  const phone = d.fixture.extensions[line.extension];
  if (phone === 'unreachable') throw new SimError(150, `extension ${line.extension} does not answer`);
  if (phone === 'busy') throw new SimError(151, `extension ${line.extension} is busy`);
  line.cancel(line.presentTimer);
  line.presentTimer = null;
  line.tenant = tenant;
  line.campaign = campaign;
  line.available = false;
  line.pendingUnavailable = false;
  line.emit('NowUnavailable');
}

function logoff({ line, session }: SessionCtx) {
  line.reset();
  session.loggingOff = true;
  line.emit('NowLoggedOff');
}

function acknowledge({ d, line, session, rid }: SessionCtx) {
  if (!line.outbox.ack(rid)) {
    const awaiting = line.outbox.awaiting;
    throw notNow(awaiting ? `the event awaiting acknowledgement has RID ${awaiting.RID}, not ${rid}` : `no event awaits acknowledgement (RID ${rid})`);
  }
  if (session.loggingOff && line.outbox.pending === 0) d.removeLine(line);
}

export const SESSION_HANDLERS: Pick<HandlerTable, Verbs> = {
  Authenticate: authenticate,
  GetTenants: ({ d, session }) => ({ tenants: tenantsOf(d, session.agent) }),
  GetCampaigns: ({ d, session, values }) => {
    const { tenant } = values;
    if (!tenantsOf(d, session.agent).includes(tenant) || !d.fixture.tenants[tenant]) {
      throw new SimError(110, `no access to tenant ${JSON.stringify(tenant)}`);
    }
    return { campaigns: Object.keys(d.fixture.tenants[tenant]) };
  },
  Connect: connect,
  Logoff: logoff,
  KeepAlive: () => {},
  GetWebRTC: ({ d, line, session, values }) => {
    campaignOf(d, session.agent, values.tenant, values.campaign);
    const extension = `9${randomInt(100000, 999999)}`;
    line.extension = extension;
    return {
      'webrtc-extension': extension,
      'webrtc-password': randomBytes(12).toString('base64url'),
      'webrtc-uri': `wss://webrtc.sim.invalid/${extension}`,
    };
  },
  Acknowledge: acknowledge,
};
