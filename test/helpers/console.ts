import { readFileSync } from 'node:fs';
import { until } from './e2e.js';
import type { Tmux } from './tmux.js';

// What the console tests do at the console's prompts, as a person would.

/**
 * From the Authenticate form's Password prompt on: the password typed (or, without one, Enter: it
 * comes from AAPI_PASSWORD), the extension, Enter for the optional keys; then waits for the OK.
 */
export async function fillAuthenticate(t: Tmux, password?: string): Promise<void> {
  await t.until(/Password/);
  if (password !== undefined) t.type(password);
  t.keys('Enter');
  await t.until(/extension \(string\)/);
  t.type('8600001');
  t.keys('Enter');
  for (const key of ['SecondFactor', 'DeviceID', 'StoreDevice']) {
    await t.until(new RegExp(`${key} \\(`));
    t.keys('Enter');
  }
  await t.until(/RECEIVED: \{"Response":"OK","RID":\d+,"SID":\d+\}/);
}

/** `:quit`, then the exit line the terminal's command wrote to `done` ("exit N"). */
export async function quit(t: Tmux, done: string): Promise<string> {
  t.type(':quit');
  t.keys('Enter');
  await until(() => {
    try {
      return readFileSync(done, 'utf8').includes('exit');
    } catch {
      return false;
    }
  }, 15_000);
  return readFileSync(done, 'utf8').trim();
}
