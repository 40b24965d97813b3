/**
 * The dashboard of a REAL three-coin paper bot (`hlmm trade --tickers BTC,ETH,BNB --replay DIR`, synthetic
 * markets, looping) in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): log in, see the
 * all-coins overview with one row per coin (mid, position, pnl, quotes, parameters, status) and the account,
 * open each coin's page (today's one-coin page, fed with that coin's data), stop one coin from its page, then stop
 * every coin from the overview. Screenshots of the overview and a coin page are written (docs/images/ with
 * HLMM_SCREENSHOT_DIR=docs/images, as docs/dashboard.md shows them).
 *
 * Every wait is for a condition on the page or the bot (the replay loops, so the market keeps moving).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { buildDashboard, NO_BROWSER, openDashboardBrowser } from '../support/dashboard-browser.ts';
import {
  MULTI_COINS,
  MULTI_PASSWORD,
  MULTI_TICKERS,
  MULTI_USER,
  type MultiCoin,
  startMultiBot,
  writeMultiReplay,
} from '../support/multi-coin-bot.ts';
import { until } from '../support/wait.ts';

/** Screenshots of the overview and a coin page; `HLMM_SCREENSHOT_DIR=docs/images` refreshes the docs' ones. */
const IMAGES = process.env.HLMM_SCREENSHOT_DIR ?? join(tmpdir(), 'hlmm-dashboard-shots');

describe('dashboard of a three-coin bot in a browser', { skip: NO_BROWSER }, () => {
  let bot: Awaited<ReturnType<typeof startMultiBot>>;
  let replay: string;
  let webRoot: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const engine = (t: MultiCoin) => {
    const e = bot.engines.get(t);
    assert.ok(e);
    return e;
  };
  const rowText = (coin: string) =>
    page.evaluate((c) => document.querySelector(`#coins-body tr[data-coin="${c}"]`)?.textContent ?? '', coin);

  before(async () => {
    webRoot = await buildDashboard();
    replay = await writeMultiReplay();
    bot = await startMultiBot(replay, { apiWebRoot: webRoot });
    ({ context, page, profile } = await openDashboardBrowser(1400, pageErrors));
    mkdirSync(IMAGES, { recursive: true });
  });
  after(async () => {
    await context?.close();
    await bot?.stop('test done');
    for (const d of [webRoot, profile, replay, bot?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('the overview: one row per coin with mid, position, pnl, quotes, parameters and status; the account', async () => {
    await page.goto(bot.apiUrl as string);
    await page.fill('#user', MULTI_USER);
    await page.fill('#password', MULTI_PASSWORD);
    await page.click('#login-button');
    await page.waitForSelector('#overview:not([hidden])');
    assert.equal(
      await page.isVisible('#coin-view'),
      false,
      'the one-coin page waits for a coin to be chosen',
    );
    const tabs = await page.$$eval('#coin-tabs button', (bs) => bs.map((b) => b.textContent));
    assert.deepEqual(tabs, ['All coins', ...MULTI_TICKERS]);
    await page.waitForFunction(() => document.querySelectorAll('#coins-body tr').length === 3);
    // Every coin quoting with a mid and both quotes, and holding a position on at least one coin.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#coins-body tr')).every((tr) => {
          const td = tr.querySelectorAll('td');
          return (
            td[2]?.textContent !== '—' &&
            / × /.test(td[6]?.textContent ?? '') &&
            / × /.test(td[7]?.textContent ?? '')
          );
        }) &&
        Array.from(document.querySelectorAll('#coins-body tr')).some(
          (tr) => !/^-?0$/.test(tr.querySelectorAll('td')[3]?.textContent ?? ''),
        ),
    );
    for (const t of MULTI_TICKERS) {
      const cells = await page.$$eval(`#coins-body tr[data-coin="${t}"] td`, (tds) =>
        tds.map((d) => d.textContent),
      );
      assert.equal(cells[0], t);
      const mid = Number(cells[2]);
      const want = engine(t).account().mid as number;
      assert.ok(Math.abs(mid - want) / want < 0.05, `${t}: its own mid (${mid} near ${want})`);
      // The σ in use is the coin's parameters file (3 significant digits).
      assert.equal(Number(cells[8]), Number(MULTI_COINS[t].sigma.toPrecision(3)), `${t} σ`);
      assert.equal(cells[12], 'file');
      assert.match(cells[1] ?? '', /^(quoting|one side|pulled)$/);
    }
    assert.match((await page.textContent('#acct-equity')) ?? '', /^\d+\.\d\d USDC$/);
    assert.match(
      (await page.textContent('#acct-notional')) ?? '',
      /^\d+\.\d\d \/ (\d+\.\d\d|no limit) USDC$/,
    );
    // Paper: Σ |position| × mid ÷ leverage, no limit configured.
    assert.match((await page.textContent('#acct-margin')) ?? '', /^\d+\.\d\d \/ no limit USDC$/);
    assert.equal(await page.textContent('#acct-kill'), 'armed');
    assert.equal(await page.textContent('#bot-ticker'), 'BTC, ETH, BNB · all coins');
    assert.match((await page.textContent('#status')) ?? '', /^[0-3] of 3 quoting$/);
    assert.match((await page.textContent('#acct-quoting')) ?? '', /^[0-3] of 3$/);
    await page.screenshot({ path: join(IMAGES, 'dashboard-multi-overview.png'), fullPage: true });
  });

  it("each coin's page shows that coin's data", async () => {
    await page.click('#coins-body tr[data-coin="ETH"]');
    await page.waitForSelector('#coin-view:not([hidden])');
    assert.equal(await page.isVisible('#overview'), false);
    assert.match(page.url(), /#coin=ETH$/);
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');
    for (const t of ['ETH', 'BNB', 'BTC'] as const) {
      if (t !== 'ETH') await page.click(`#coin-tabs button[data-view="${t}"]`);
      await page.waitForFunction(
        (c) => document.getElementById('bot-ticker')?.textContent?.startsWith(`${c} ·`),
        t,
      );
      await page.waitForFunction(() =>
        /^\d+(\.\d+)? × /.test(document.getElementById('quote-bid')?.textContent ?? ''),
      );
      const mid = Number(await page.textContent('#quote-mid'));
      const want = engine(t).account().mid as number;
      assert.ok(Math.abs(mid - want) / want < 0.05, `${t} page: its mid (${mid} near ${want})`);
      assert.equal(
        Number(await page.textContent('#p-sigma')),
        MULTI_COINS[t].sigma,
        `${t} page: its σ (USDC/√s)`,
      );
      await page.waitForFunction(() => document.querySelectorAll('#markouts-body tr').length === 3);
      await page.waitForFunction(() =>
        /UTC on the bot's clock/.test(document.getElementById('price-note')?.textContent ?? ''),
      );
      if (t === 'ETH') {
        await page.waitForFunction(() =>
          /^\d+(\.\d+)? × /.test(document.getElementById('quote-bid')?.textContent ?? ''),
        );
        await page.screenshot({ path: join(IMAGES, 'dashboard-multi-coin.png'), fullPage: true });
      }
    }
  });

  it('stop on a coin page stops that coin; stop all on the overview stops every coin', async () => {
    // On BTC's page (the last one opened above).
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'quoting');
    await page.click('#btn-stop');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match((await page.textContent('#confirm-text')) ?? '', /^BTC: Stop quoting\?/);
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'stopped');
    assert.equal(engine('BTC').risk().stoppedByUser, true);
    assert.equal(engine('ETH').risk().stoppedByUser, false, 'ETH goes on');
    assert.equal(engine('BNB').risk().stoppedByUser, false, 'BNB goes on');
    await until("BTC's orders cancelled", () => engine('BTC').openOrders().length === 0);

    await page.click('#coin-tabs button[data-view="overview"]');
    await page.waitForSelector('#overview:not([hidden])');
    await page.waitForFunction(() =>
      /stopped/.test(document.querySelector('#coins-body tr[data-coin="BTC"]')?.textContent ?? ''),
    );
    assert.doesNotMatch(await rowText('ETH'), /stopped/);
    await page.click('#btn-stop-all');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match((await page.textContent('#confirm-text')) ?? '', /EVERY coin/);
    await page.click('#confirm-yes');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('#coins-body tr .badge')).every(
        (b) => b.textContent === 'stopped',
      ),
    );
    for (const t of MULTI_TICKERS) assert.equal(engine(t).risk().stoppedByUser, true, `${t} stopped`);
    assert.match((await page.textContent('#account-result')) ?? '', /stopped quoting on ETH, BNB/);
    assert.deepEqual(pageErrors, []);
  });
});
