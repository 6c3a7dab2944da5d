// What several benches share: an `aapi sim` to measure against, the floor process to compare a
// session server with, and the median.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const aapi = join(root, 'bin', 'aapi.js');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The PID of AAPI_HOME `home`'s session server, from its lock; undefined when none runs. */
export function serverPidOf(home) {
  try {
    const pid = Number(JSON.parse(readFileSync(join(home, 'run', 'aapi.lock'), 'utf8')).pid);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Ends by its PID a session server that its logout did not end: a bench leaves nothing running. */
export function endServer(pid) {
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // it ended with the logout
  }
}

/** `aapi sim` on a free port: resolves with the child, its URL and its control URL (the caller ends it). */
export function startSim(extra = [], env = process.env) {
  const proc = spawn(process.execPath, [aapi, 'sim', '--port', '0', '--host', '127.0.0.1', ...extra], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the simulator printed no URL in 15 s')), 15_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      if (lines.length >= 3) {
        clearTimeout(timer);
        resolve({ proc, url: lines[0], controlUrl: lines[1] });
      }
    });
    proc.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  });
}

/**
 * The floor a session server is compared with: a bare Node process holding one authenticated ws
 * connection to `url` as `agent`, idle. Resolves with the child once it is authenticated.
 */
export async function bareHolder(url, agent) {
  const script = `
const WebSocket = require(${JSON.stringify(join(root, 'node_modules', 'ws'))});
const ws = new WebSocket(process.argv[1]);
ws.on('open', () => ws.send(JSON.stringify({ type: 'Authenticate', RID: 1, Agent: ${JSON.stringify(agent)}, Password: 'demo', extension: '8600001' })));
ws.on('message', (m) => { if (String(m).includes('"SID"')) console.log('ready'); });
setInterval(() => {}, 1 << 30);`;
  const proc = spawn(process.execPath, ['-e', script, url], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } });
  await new Promise((resolve, reject) => {
    proc.stdout.once('data', resolve);
    proc.once('exit', (code) => reject(new Error(`the bare ws client exited (${code})`)));
  });
  return proc;
}
