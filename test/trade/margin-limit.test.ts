/**
 * The account's margin limit (config account_risk.max_margin_usdc): when the margin in use reaches it, no coin
 * adds to its position (quotes that reduce stay), the coins are told once, and they resume once back under. Paper
 * estimates each coin's margin as |position| × mid ÷ leverage; live takes the exchange's reading of the account.
 * (The per-quote gate itself: test/engine/risk.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import {
  AccountRisk,
  defaultLeverage,
  marginLimitReason,
  NO_ACCOUNT_LIMITS,
  paperMarginQuote,
} from '../../src/engine/account-risk.ts';
import { MULTI_PASSWORD, MULTI_USER, startMultiBot, writeMultiReplay } from '../support/multi-coin-bot.ts';
import { settledAfter, until, WAIT_BUDGET_MS } from '../support/wait.ts';

/** A coin whose margin is |position| × mid ÷ leverage, recording what the account tells it. */
function coin(name: string, pos: { base: number }, mid: number, leverage: number, told: string[]) {
  return {
    coin: name,
    pnlQuote: () => 0,
    notionalQuote: () => Math.abs(pos.base) * mid,
    tripKillSwitch: () => {},
    marginQuote: () => paperMarginQuote(Math.abs(pos.base) * mid, leverage),
    limitEntries: (reason: string | null) => told.push(`${name}: ${reason === null ? 'resume' : 'limited'}`),
  };
}

test('paper margin by hand: 0.02 BTC at 100 000 at 20× (100) + 1 ETH at 3000 at 5× (600) = 700 USDC', () => {
  assert.equal(defaultLeverage(50), 20);
  assert.equal(defaultLeverage(3), 3);
  const told: string[] = [];
  const btc = { base: 0.02 };
  const eth = { base: -1 };
  const acct = new AccountRisk({ ...NO_ACCOUNT_LIMITS, maxMarginQuote: 650 }, 10_000);
  acct.add(coin('BTC', btc, 100_000, 20, told));
  acct.add(coin('ETH', eth, 3000, 5, told));
  const heard: (string | null)[] = [];
  acct.onMarginLimit = (r) => heard.push(r);
  const s = acct.evaluate(0);
  assert.equal(s.marginUsedQuote, 700);
  assert.equal(
    s.marginLimit,
    'margin in use 700.00 USDC reached the account limit 650 USDC: no coin adds to its position',
  );
  assert.deepEqual(told, ['BTC: limited', 'ETH: limited']);
  // Still over (750): nobody is told again.
  btc.base = 0.03;
  assert.equal(acct.evaluate(1).marginUsedQuote, 750);
  assert.equal(heard.length, 1);
  // ETH halves: 150 + 300 = 450 < 650: every coin resumes, once.
  eth.base = -0.5;
  const back = acct.evaluate(2);
  assert.equal(back.marginUsedQuote, 450);
  assert.equal(back.marginLimit, null);
  assert.equal(back.maxMarginUsedQuote, 750);
  assert.deepEqual(told, ['BTC: limited', 'ETH: limited', 'BTC: resume', 'ETH: resume']);
  assert.deepEqual(heard.length, 2);
  assert.equal(heard[1], null);
});

test("live: the exchange's reading of the account rules over the coins' own estimates; exactly at the limit counts", () => {
  const told: string[] = [];
  const acct = new AccountRisk({ ...NO_ACCOUNT_LIMITS, maxMarginQuote: 300 }, 10_000);
  acct.add(coin('BTC', { base: 0.01 }, 100_000, 20, told)); // its own estimate: 50
  assert.equal(acct.evaluate(0).marginLimit, null);
  acct.noteExchangeMargin(300, 10_000, 1);
  assert.equal(acct.evaluate(1).marginUsedQuote, 300);
  assert.match(
    acct.state().marginLimit ?? '',
    /margin in use 300\.00 USDC reached the account limit 300 USDC/,
  );
  acct.noteExchangeMargin(299.99, 10_000, 2);
  assert.equal(acct.evaluate(2).marginLimit, null);
  assert.deepEqual(told, ['BTC: limited', 'BTC: resume']);
  // Off (no limit) or unknown margin: never limited.
  assert.equal(marginLimitReason(null, 1e9), null);
  assert.equal(marginLimitReason(100, null), null);
});

describe('hlmm trade --tickers (paper) with account_risk.max_margin_usdc', () => {
  let replay: string;
  before(async () => {
    replay = await writeMultiReplay();
  });
  after(() => rmSync(replay, { recursive: true, force: true }));

  it('once a position takes the margin over the limit, no coin adds; said once in the log and in the API overview', async () => {
    const config = join(replay, 'margin.json');
    // 1 USDC: the first fill of any coin ties up more (BNB's 10 USDC minimum order at 20× is 0.5 USDC; two are 1).
    writeFileSync(config, JSON.stringify({ account_risk: { max_margin_usdc: 1 } }));
    const bot = await startMultiBot(replay, { config });
    try {
      // Counts the account's crossings of its limit (the bot's own handler still logs them).
      let crossings = 0;
      const said = bot.account.onMarginLimit;
      bot.account.onMarginLimit = (r) => {
        crossings++;
        said?.(r);
      };
      // Judged over a stretch in which the limit held throughout (a reducing fill may take the account back
      // under, and the coins add again): tried again until one such stretch is seen.
      const t0 = Date.now();
      for (;;) {
        await until('the margin limit reached', () => bot.account.marginLimit !== null);
        const at = crossings;
        for (const e of bot.engines.values())
          await settledAfter(e, 2_000, 'quotes re-decided under the limit');
        if (crossings === at && bot.account.marginLimit !== null) break;
        assert.ok(Date.now() - t0 < WAIT_BUDGET_MS, 'the margin limit never held for 2 s of exchange time');
      }
      for (const [t, e] of bot.engines) {
        const pos = e.accounting.positionBase;
        for (const o of e.openOrders()) {
          const reduces = (o.side === 'sell' && pos > 0) || (o.side === 'buy' && pos < 0);
          assert.ok(reduces, `${t}: a ${o.side} rests with position ${pos}: only reducing orders`);
        }
      }
      // The overview says so while the limit holds (it comes and goes as reducing fills flatten the coins).
      const auth = `Basic ${Buffer.from(`${MULTI_USER}:${MULTI_PASSWORD}`).toString('base64')}`;
      const shownFrom = Date.now();
      for (;;) {
        const res = await fetch(`${bot.apiUrl}/api/v1/hlmm/overview`, { headers: { authorization: auth } });
        const { account } = (await res.json()) as {
          account: { maxMarginQuote: number; marginUsedQuote: number; marginLimit: string | null };
        };
        assert.equal(account.maxMarginQuote, 1);
        if (account.marginLimit !== null) {
          assert.match(account.marginLimit, /^margin in use \d+\.\d\d USDC reached the account limit 1 USDC/);
          assert.ok(account.marginUsedQuote >= 1);
          break;
        }
        assert.ok(Date.now() - shownFrom < WAIT_BUDGET_MS, 'the overview never showed the margin limit');
        await new Promise((r) => setTimeout(r, 50));
      }
      // A coin's risk events list the account's margin event (no coin) beside its own (its coin), none of another.
      const risk = (await (
        await fetch(`${bot.apiUrl}/api/v1/hlmm/risk?coin=BTC&limit=1000`, {
          headers: { authorization: auth },
        })
      ).json()) as { events: { kind: string; coin: string | null }[] };
      assert.ok(risk.events.some((e) => e.kind === 'margin_limit' && e.coin === null));
      assert.ok(risk.events.every((e) => e.coin === null || e.coin === 'BTC'));
    } finally {
      await bot.stop('test done');
    }
    // Once per crossing: every "reached" is followed by a "back under" before the next one.
    const told = readFileSync(join(bot.dir, 'bot.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { component: string; msg: string })
      .filter((l) => l.component === 'trade' && /^margin in use/.test(l.msg))
      .map((l) => (l.msg.includes('reached the account limit') ? 'reached' : 'under'));
    assert.ok(told.length >= 1 && told[0] === 'reached', told.join(','));
    for (const [i, w] of told.entries()) assert.equal(w, i % 2 === 0 ? 'reached' : 'under', told.join(','));
  });
});
