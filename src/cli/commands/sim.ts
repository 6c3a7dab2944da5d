import { writeFileSync } from 'node:fs';
import { loadFixture, BUILTIN_FIXTURE, FixtureError, type Fixture } from '../../sim/fixture.js';
import { normaliseOrigin } from '../../sim/guard.js';
import { startSimulator } from '../../sim/server.js';
import { connectionError, EXIT, usageError } from '../../util/exit.js';
import type { IO } from '../../util/io.js';
import { frameLine, wireFrame } from '../../session/frame-log.js';

export interface SimArgs {
  host: string;
  /** As parsed: checked here. */
  port: unknown;
  tls: boolean;
  fixture?: string;
  controlPort: unknown;
  certOut?: string;
  /** Added to every frame the simulator sends: the delay of a network. */
  latencyMs?: number;
  allowOrigins: string[];
  /** RID and SID as decimal strings in every answer and event, as the real dialler writes them. */
  stringIds?: boolean;
  /** Every frame on stderr, per agent. */
  verbose?: boolean;
}

export function portOf(flag: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  const got = typeof value === 'number' && Number.isNaN(value) ? 'something that is not a number' : JSON.stringify(value);
  throw usageError(`${flag} must be a port number from 0 to 65535, got ${got}`);
}

/** A login that works against the built-in fixture as it is, down to `go-available` (which needs the Connect). */
export function loginExample(url: string, certOut?: string): string {
  const trust = !url.startsWith('wss') ? '' : certOut ? ` --ca ${certOut}` : ' --insecure';
  return `aapi login --server ${url}${trust} --agent demo --extension 8600001 --tenant demo --campaign outbound`;
}

/**
 * `aapi sim`: a local Genius dialler. Line 1 of stdout is its URL, line 2 the control endpoint's;
 * everything else goes to stderr so scripts can read those two lines.
 */
export async function runSim(args: SimArgs, io: IO): Promise<number> {
  const port = portOf('--port', args.port);
  const controlPort = portOf('--control-port', args.controlPort);
  for (const o of args.allowOrigins) {
    if (!normaliseOrigin(o)) throw usageError(`--allow-origin takes an origin, scheme://host[:port] (https://app.example.com), got ${JSON.stringify(o)}`);
  }
  let fixture: Fixture = BUILTIN_FIXTURE;
  if (args.fixture) {
    try {
      fixture = loadFixture(args.fixture);
    } catch (err) {
      if (err instanceof FixtureError) throw usageError(err.message);
      throw err;
    }
  }
  if (args.stringIds) fixture = { ...fixture, stringIds: true };
  if (args.latencyMs !== undefined) fixture = { ...fixture, timings: { ...fixture.timings, latencyMs: args.latencyMs } };
  let sim;
  try {
    sim = await startSimulator({
      host: args.host, port, tls: args.tls, fixture, controlPort, allowOrigins: args.allowOrigins,
      onRefused: (why) => io.stderr.write(`aapi sim: ${why}\n`),
      onFrame: args.verbose ? (who, dir, text) => io.stderr.write(`${frameLine(new Date(), dir, wireFrame(text), who)}\n`) : undefined,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      throw connectionError(`cannot listen on ${args.host}:${port}: ${e.code}`);
    }
    throw err;
  }
  if (args.certOut && sim.certificate) writeFileSync(args.certOut, sim.certificate);
  io.stdout.write(`${sim.url}\n${sim.controlUrl}\n`);
  const agents = Object.keys(fixture.agents).join(', ');
  io.stderr.write(`aapi sim: Genius AAPI simulator listening on ${sim.url} (control ${sim.controlUrl})\n`);
  io.stderr.write(`aapi sim: agents ${agents}; try: ${loginExample(sim.url, args.certOut)}\n`);
  await io.interrupted;
  await sim.close();
  return EXIT.ok;
}
