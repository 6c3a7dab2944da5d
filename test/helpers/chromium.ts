import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

// Debian's chromium, headless, with nothing of its own reaching the network (no updates, sync or
// QUIC probes): a request the page makes is the page's. Shared by the report's test and its benchmark.

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
