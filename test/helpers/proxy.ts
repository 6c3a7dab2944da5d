import { once } from 'node:events';
import WebSocket from 'ws';
import { type Running, until, type World } from './e2e.js';

// Driving `aapi proxy` end to end: the real binary started in a World (stopped by PID in its
// cleanup), and a WebSocket client written in the test, as an integrator's application would be.

export async function startProxy(w: World, upstream: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; run: Running }> {
  const run = w.start(['proxy', '--upstream', upstream, '--port', '0', ...flags], env);
  const url = (await run.line(/^wss?:\/\//)).trim();
  return { url, run };
}

/** SIGTERM to a proxy, then its exit code (bounded). */
export async function stopProxy(run: Running, ms = 10_000): Promise<number | null> {
  run.proc.kill('SIGTERM');
  const timer = setTimeout(() => run.proc.kill('SIGKILL'), ms);
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined; // a test that sends no AAPI reads the frames themselves
  }
};

/** A client of the AAPI, as simple as an integrator's: it sends what it is told, and may acknowledge events. */
export class Client {
  readonly frames: string[] = [];
  autoAck = true;
  sid: number | undefined;
  private rid = 100;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.frames.push(text);
      const msg = parse(text);
      // Known before the answer's waiter wakes: an event right behind it is acknowledged with it.
      if (typeof msg?.SID === 'number' && msg.Response === 'OK') this.sid = msg.SID;
      if (this.autoAck && typeof msg?.event === 'string') this.send({ type: 'Acknowledge', RID: msg.RID, SID: this.sid });
    });
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...opts });
    await Promise.race([once(ws, 'open'), new Promise((_r, reject) => setTimeout(() => reject(new Error(`no connection to ${url}`)), 10_000))]);
    return new Client(ws);
  }

  send(m: object | string): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Sends a request with the next RID (and the SID, once known) and waits for its answer. */
  async request(m: Record<string, unknown>): Promise<Record<string, unknown>> {
    const rid = ++this.rid;
    const seen = this.frames.length;
    this.send({ ...m, RID: rid, ...(this.sid !== undefined && m.type !== 'Authenticate' ? { SID: this.sid } : {}) });
    const answer = await until(() => this.frames.slice(seen).map(parse).find((f) => f?.RID === rid && f.event === undefined), 10_000, 10);
    if (!answer) throw new Error(`no answer to ${JSON.stringify(m)}`);
    return answer;
  }

  async authenticate(password = 'demo', agent = 'demo'): Promise<void> {
    const a = await this.request({ type: 'Authenticate', Agent: agent, Password: password, extension: '8600001' });
    this.sid = a.SID as number;
  }

  /** An event with this name, once it has come. */
  event(name: string): Promise<Record<string, unknown> | undefined> {
    return until(() => this.frames.map(parse).find((f) => f?.event === name), 10_000, 10);
  }

  async close(code?: number): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close(code);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
  }
}
