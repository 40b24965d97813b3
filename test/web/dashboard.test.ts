import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { BotInsight } from '../../src/engine/bot-insight.ts';
import { type RunningBot, startTrading } from '../../src/trade/run-trade.ts';
import {
  BotDouble,
  quotesAt,
  startTestServer,
  TEST_PASSWORD,
  TEST_USER,
  type TestServer,
} from '../support/api-bot-double.ts';
import { buildDashboard, NO_BROWSER, openDashboardBrowser } from '../support/dashboard-browser.ts';
import { freePort } from '../support/multi-coin-bot.ts';
import { settledAfter, until } from '../support/wait.ts';

/**
 * The dashboard in headless Chromium, first against a REAL paper bot (issue 6's test): `hlmm trade --replay
 * data/sample` started in process with its API on a free loopback port — log in, watch the quotes and the mid move
 * with the replay, stop with a confirmation, and see both the page and the bot stopped with no resting orders.
 * Then against the BotView test double for what a replay cannot script (exact values, a fill, the phone width).
 *
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): log in, watch the
 * quotes move as the bot emits quote events, press stop, confirm, and see the bot told to stop and the page say
 * "stopped". The page is built from src/web with the same esbuild options as scripts/build.mjs.
 *
 * The replay loops, so the market keeps moving however long the test takes on a busy machine; every wait is for a
 * condition on the page or the bot, with test/support/wait.ts's hang guard as its budget.
 */
/** Screenshots of each state, to look at (desktop and phone width); printed at the end of the run. */
const SHOTS = process.env.HLMM_SCREENSHOT_DIR ?? join(tmpdir(), 'hlmm-dashboard-shots');
mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stderr.write(`dashboard screenshot: ${path}\n`);
}
describe('dashboard in a browser against a replayed paper bot', { skip: NO_BROWSER }, () => {
  const password = 'dashboard-replay-password';
  let bot: RunningBot;
  let context: BrowserContext;
  let page: Page;
  let webRoot: string;
  let profile: string;
  let dir: string;
  const pageErrors: string[] = [];

  before(async () => {
    webRoot = await buildDashboard();
    dir = mkdtempSync(join(tmpdir(), 'hlmm-web-replay-'));
    bot = await startTrading(
      {
        replay: 'data/sample',
        loop: true,
        // 300 exchange seconds per wall second: the BBO (and so the quotes) changes several times a second.
        speed: 300,
        params: 'data/sample/params_BTC.json',
        db: join(dir, 'bot.sqlite'),
        apiPort: await freePort(),
        apiHost: '127.0.0.1',
        apiUser: 'hlmm',
        apiPassword: password,
        apiWebRoot: webRoot,
        quiet: true,
        logFile: join(dir, 'bot.jsonl'),
        resetPaper: true,
      },
      { handleSignals: false },
    );
    ({ context, page, profile } = await openDashboardBrowser(1280, pageErrors));
  });

  after(async () => {
    await context?.close();
    await bot?.stop('test done');
    for (const d of [webRoot, profile, dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('logs in, watches the quotes move with the replay, stops quoting after a confirmation', async () => {
    await page.goto(bot.apiUrl as string);
    await page.fill('#user', 'hlmm');
    await page.fill('#password', password);
    await page.click('#login-button');
    await page.waitForSelector('#app:not([hidden])');
    assert.equal(await page.isVisible('#login-form'), false, 'the login form is gone once logged in');
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');
    assert.equal(await page.textContent('#bot-name'), bot.engine.info().botName);
    assert.equal(await page.textContent('#bot-mode'), 'dry run');

    // Quotes arrive and then change as the replayed market moves.
    await page.waitForFunction(() =>
      /^\d+(\.\d+)? × /.test(document.getElementById('quote-bid')?.textContent ?? ''),
    );
    const first = `${await page.textContent('#quote-bid')} / ${await page.textContent('#quote-ask')} @ ${await page.textContent('#quote-mid')}`;
    await page.waitForFunction(
      (was) =>
        `${document.getElementById('quote-bid')?.textContent} / ${document.getElementById('quote-ask')?.textContent} @ ${document.getElementById('quote-mid')?.textContent}` !==
          was && /^\d+(\.\d+)? × /.test(document.getElementById('quote-bid')?.textContent ?? ''),
      first,
    );
    assert.match((await page.textContent('#p-sigma')) ?? '', /^3\.54/); // params_BTC.json σ, USDC/√s

    // The price chart opens on the server's history (bot clock), not empty; the parameters have a row on the
    // bot's clock (2025 in this replay, not the machine's year); Greek letters as written; a unit on each figure.
    await page.waitForFunction(() =>
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d → \d\d:\d\d:\d\d UTC on the bot's clock/.test(
        document.getElementById('price-note')?.textContent ?? '',
      ),
    );
    const pricePoints = await page.evaluate(() =>
      document.querySelectorAll('#price-chart canvas').length > 0 ? 1 : 0,
    );
    assert.equal(pricePoints, 1);
    await page.waitForFunction(() =>
      /^2025-09-/.test(document.querySelector('#params-body td')?.textContent ?? ''),
    );
    const heading = await page.evaluate(() => {
      const h = Array.from(document.querySelectorAll('h2')).find((e) => e.textContent?.startsWith('Model'));
      // innerText, not textContent: the text as CSS renders it (text-transform included) is what is checked.
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
      return h ? h.innerText : '';
    });
    assert.match(heading, /\(σ, A, k, γ\)/, 'the Greek letters are not upper-cased');
    assert.match((await page.textContent('#pnl-realized')) ?? '', / USDC$/);
    assert.match((await page.textContent('#pnl-unrealized')) ?? '', / USDC$/);
    assert.match((await page.textContent('#pnl-fees')) ?? '', / USDC$/);
    assert.match((await page.textContent('#risk-dll')) ?? '', /^\d+\.\d\d \/ (\d+\.\d\d|no limit) USDC$/);
    assert.match((await page.textContent('#risk-mdd')) ?? '', /^\d+\.\d\d \/ (\d+\.\d\d|no limit) USDC$/);
    await page.waitForFunction(() => document.querySelectorAll('#markouts-body tr').length === 3);
    await shot(page, 'replay-desktop');

    // The replay has gaps longer than the stale-data limit, when the bot pulls its quotes by itself: press stop
    // while it quotes (see test/api/replay.test.ts for a stop during such a pull).
    await until('the bot quoting', () => bot.engine.risk().quoting);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'quoting');
    await page.click('#btn-stop');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'stopped');
    assert.match((await page.textContent('#quote-state')) ?? '', /^Quoting stopped by hand/);
    await until('resting orders cancelled', () => bot.engine.openOrders().length === 0);
    assert.equal(bot.engine.risk().quoting, false);
    assert.equal(bot.engine.risk().stoppedByUser, true);
    // Still stopped after five minutes more of market (the replay keeps running, the bot must not quote again by
    // itself).
    await settledAfter(bot.engine, 300_000, 'five minutes of market after the stop');
    assert.equal(bot.engine.risk().quoting, false);
    assert.equal(bot.engine.openOrders().length, 0);
    assert.equal(await page.textContent('#status'), 'stopped');
    assert.equal(await page.textContent('#risk-quoting'), 'no (stopped by user)');
    assert.deepEqual(pageErrors, []);
  });
});

// Skipped only on a developer machine without Chromium; in CI (.ci/run installs it) a missing browser fails.
describe('dashboard in a browser against the BotView test double', { skip: NO_BROWSER }, () => {
  let s: TestServer;
  let context: BrowserContext;
  let page: Page;
  let webRoot: string;
  let profile: string;
  let closed = false;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    webRoot = await buildDashboard();
    // Ten minutes of a market with a one-minute hole and two fills, on the bot's clock, for the chart to open on.
    const insight = new BotInsight();
    const t0 = Date.now() - 10 * 60_000;
    insight.params(new BotDouble().params());
    for (let i = 0; i < 600; i++) {
      if (i >= 300 && i < 360) continue;
      const t = t0 + i * 1000;
      const mid = 100_000 + 20 * Math.sin(i / 40);
      insight.clock(t);
      insight.market({
        kind: 'bbo',
        exchMs: t,
        recvS: 0,
        bidPx: mid - 0.5,
        bidSz: 1,
        askPx: mid + 0.5,
        askSz: 1,
      });
      if (i === 120 || i === 450)
        insight.fill({
          tid: i,
          oid: i,
          cid: i,
          cloid: null,
          side: i === 120 ? 'buy' : 'sell',
          px: i === 120 ? mid - 5 : mid + 5,
          sz: 0.001,
          feeQuote: 0.015,
          liquidity: 'maker',
          exchMs: t,
          positionBase: 0,
          closedPnlQuote: null,
          hash: null,
        });
    }
    s = await startTestServer({ webRoot, insight });
    ({ context, page, profile } = await openDashboardBrowser(1280, pageErrors));
    page.on('request', (r) => requests.push(r.url()));
  });

  after(async () => {
    await context?.close();
    if (!closed) await s?.close();
    for (const dir of [webRoot, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, shows live quotes, and stops quoting after a confirmation', async () => {
    await page.goto(s.server.url);
    await page.fill('#user', TEST_USER);
    await page.fill('#password', 'not the password');
    await page.click('#login-button');
    await page.waitForFunction(() => document.getElementById('login-error')?.textContent !== '');
    assert.equal(await page.textContent('#login-error'), 'Incorrect username or password');

    await page.fill('#password', TEST_PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#app:not([hidden])');
    assert.equal(await page.isVisible('#login-form'), false, 'the login form is gone once logged in');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'quoting');
    assert.equal(await page.textContent('#bot-name'), 'hlmm-test');
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');

    // Quotes move as the bot emits them.
    s.view.emit({ type: 'quotes', tsMs: Date.now(), quotes: quotesAt(100_000) });
    await page.waitForFunction(() => document.getElementById('quote-bid')?.textContent === '99995 × 0.001');
    assert.equal(await page.textContent('#quote-ask'), '100005 × 0.001');
    s.view.emit({ type: 'quotes', tsMs: Date.now() + 1000, quotes: quotesAt(100_020, 7, 1) });
    await page.waitForFunction(() => document.getElementById('quote-bid')?.textContent === '100013 × 0.001');
    assert.equal(await page.textContent('#quote-ask'), '100027 × 0.001');
    assert.equal(await page.textContent('#quote-mid'), '100020.00');
    assert.equal(await page.textContent('#p-sigma'), '3');
    assert.equal(await page.textContent('#inv-q'), '1.00');

    // A fill appears in the recent fills.
    s.view.emit({
      type: 'fill',
      fill: {
        tid: 1,
        oid: 1,
        side: 'buy',
        px: 100_013,
        sz: 0.001,
        feeQuote: 0.01,
        liquidity: 'maker',
        tsMs: Date.now(),
      },
      positionBase: 0.001,
    });
    await page.waitForFunction(() => document.getElementById('fills-body')?.textContent?.includes('100013'));

    await page.waitForFunction(() =>
      /on the bot's clock/.test(document.getElementById('price-note')?.textContent ?? ''),
    );
    await shot(page, 'double-desktop');

    // Stop, but cancel: nothing happens.
    await page.click('#btn-stop');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-no');
    await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
    assert.deepEqual(s.view.calls, []);

    // Flatten asks first, saying what it sends (the engine's one flatten); cancel: nothing is sent.
    await page.click('#btn-flatten');
    await page.waitForSelector('#confirm-dialog[open]');
    const flattenText = (await page.textContent('#confirm-text')) ?? '';
    assert.match(flattenText, /^Flatten the position now\?/);
    assert.match(flattenText, /reduce-only IOC limit orders/);
    assert.match(flattenText, /slippage cap \(--flatten-cap-bps, 50 bps by default\)/);
    assert.match(flattenText, /re-tried/);
    await page.click('#confirm-no');
    await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
    assert.deepEqual(s.view.calls, []);

    // Stop and confirm: the bot is told to stop, the page says "stopped".
    await page.click('#btn-stop');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match((await page.textContent('#confirm-text')) ?? '', /Stop quoting\?/);
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'stopped');
    assert.deepEqual(s.view.calls, ['stopQuoting:stopped through the API']);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'stopped');

    // Everything the page loaded came from our server: no CDN.
    const origin = new URL(s.server.url).origin.replace('http', '');
    const foreign = requests.filter((u) => !u.replace(/^(http|ws)/, '').startsWith(origin));
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => window.innerWidth === 390);
    // The charts re-size on the resize event, a frame or more after the viewport changed (later on a busy
    // machine): wait for the layout to settle, then measure (a page that never fits fails with its overflow).
    await page
      .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, undefined, {
        timeout: 30_000,
      })
      .catch(() => {});
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    const stopBox = await page.locator('#btn-stop').boundingBox();
    assert.ok(stopBox && stopBox.width > 300, 'controls take the full width on a phone');
    await shot(page, 'double-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('says plainly when the bot is gone (no raw "Failed to fetch")', async () => {
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');
    await s.close();
    closed = true;
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'bot unreachable');
    assert.match(
      (await page.textContent('#quote-state')) ?? '',
      /^No connection to the bot since \d\d:\d\d:\d\d UTC/,
    );
    // Waited for, not read once: its countdown becomes "connecting" when a retry starts.
    await page.waitForFunction(() =>
      /^no answer from the bot; retrying in \d+ s$/.test(document.getElementById('conn')?.textContent ?? ''),
    );
    assert.equal(await page.getAttribute('#status', 'data-state'), 'gone');
    await page.click('#btn-start');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(() =>
      /did not answer|fetch/i.test(document.getElementById('control-result')?.textContent ?? ''),
    );
    const result = (await page.textContent('#control-result')) ?? '';
    assert.doesNotMatch(result, /Failed to fetch/);
    assert.match(result, /^The bot did not answer/);
    await shot(page, 'double-gone-desktop');
  });
});
