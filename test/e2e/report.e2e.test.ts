import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { missing } from '../helpers/needs.js';
import { World } from '../helpers/e2e.js';

// The HTML report of shipped recipes, opened in a real headless Chromium: every step and every
// frame is on the page, the failed step is marked in the list and on the timeline, clicking a frame
// shows its masked JSON, the summary reads without script, and opening it fetches nothing and logs
// no error. A screenshot is left in reports/ for a person to look at.

const w = new World('report');
afterAll(() => w.dispose(), 60_000);
const skip = missing('chromium', HAVE_CHROMIUM, 'apt-get install chromium');
const ARTEFACTS = join(import.meta.dirname, '..', '..', 'reports');

/** A frame line of --verbose on stderr: time, the session when there are several, SENT or RECEIVED. */
const FRAME_LINE = /^\d\d:\d\d:\d\d\.\d{3} (?:\S+ )?(?:SENT|RECEIVED): /;

describe.skipIf(skip)('the HTML report in a browser', () => {
  let browser: Browser;
  let html: string;
  let report: { recipes: { name: string; steps: { title: string; status: string }[] }[] };
  let frameLines: string[][];
  beforeAll(async () => {
    const files = ['recipes/transfer-agent-to-agent.json5', 'test/recipe/golden/event-never-comes.json5'];
    html = join(w.scratch, 'report.html');
    const jsonFile = join(w.scratch, 'report.json');
    // One recipe at a time, so that each one's --verbose lines can be counted apart.
    frameLines = [];
    for (const [i, file] of files.entries()) {
      const r = await w.aapi(['run', '--sim', '--verbose', file]);
      expect(r.code, r.stderr).toBe(i === 0 ? 0 : 1);
      frameLines.push(r.stderr.split('\n').filter((l) => FRAME_LINE.test(l)));
    }
    const both = await w.aapi(['run', '--sim', '--report-html', html, '--report-json', jsonFile, ...files]);
    expect(both.code, both.stderr).toBe(1);
    expect(both.stderr).toContain(`the HTML report is in ${html}`);
    report = JSON.parse(readFileSync(jsonFile, 'utf8'));
    browser = await launchChromium();
  }, 120_000);
  afterAll(() => browser?.close());

  it('shows every step and every frame, marks the failure, fetches nothing and logs no error', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));
    const url = pathToFileURL(html).href;
    await page.goto(url);

    for (const [n, recipe] of report.recipes.entries()) {
      const section = page.locator(`#r${n}`);
      expect(await section.locator('.step').evaluateAll((els) => els.map((e) => e.querySelector('.title')!.textContent))).toEqual(recipe.steps.map((s) => s.title));
      const statuses = await section.locator('.step').evaluateAll((els) => els.map((e) => e.className.replace('step ', '')));
      expect(statuses).toEqual(recipe.steps.map((s) => s.status));
      // Every frame once, folded KeepAlives included, as many as --verbose printed.
      const shown = (await section.locator('.fr').evaluateAll((els) => els.flatMap((e) => e.getAttribute('data-frames')!.split(',').map(Number)))).sort((a, b) => a - b);
      expect(shown.length).toBe(frameLines[n].length);
      expect(shown).toEqual(shown.map((_, i) => i));
    }
    const failed = page.locator('#r1 .step.failed');
    expect(await failed.count()).toBe(1);
    expect(await failed.locator('.failure').textContent()).toMatch(/--> test\/recipe\/golden\/event-never-comes\.json5:7:20[\s\S]*expected: /);
    expect(await page.locator('#r1 svg .step-mark.failed').textContent()).toContain('✘ expectEvent NowInCall');
    expect(await page.locator('#r0 svg .step-mark.failed').count()).toBe(0);
    expect(await page.locator('#r0 svg .head').allTextContents()).toEqual(['alice', 'bob']);
    expect(await page.locator('#r0 svg .state').count()).toBeGreaterThan(6);

    await page.locator('#r0 .fr.request', { hasText: 'Authenticate' }).first().click();
    const detail = await page.locator('#detail-0 pre').textContent();
    expect(detail).toMatch(/alice SENT\n\{\n {2}"type": "Authenticate"/);
    expect(detail).toContain('"Password": "[Masked]"');

    mkdirSync(ARTEFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTEFACTS, 'report-timeline.png'), fullPage: true });
    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('reads without script: the summary, the index and the steps are plain HTML', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(pathToFileURL(html).href);
    expect(await page.locator('.summary').textContent()).toBe('1 of 2 recipes passed; 34 steps passed, 1 failed, 1 skipped');
    expect(await page.locator('.index tbody tr').count()).toBe(2);
    expect(await page.locator('.step').count()).toBe(report.recipes.flatMap((r) => r.steps).length);
    await context.close();
  }, 30_000);
});
