/**
 * Funding in the bot's PnL: the payment formula and hour boundaries, paper funding booked at an hour boundary of a
 * replayed market (hand-computed), and a live bot on the fake exchange recording the exchange's payment once
 * across a restart.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fundingPaymentQuote, hourBoundariesBetween } from '../../src/engine/hourly-funding.ts';
import { PaperFunding } from '../../src/exchange/hyperliquid/trading/funding.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import { bbo, engineFor } from '../support/trade-funding-double.ts';
import { until } from '../support/wait.ts';

const HOUR = 3_600_000;
const H = 1_756_771_200_000; // 2025-09-02T00:00Z: the bundled BTC sample has quotes just before and after it

test('payment = −position × price × rate: longs pay when the rate is positive; hour boundaries', () => {
  assert.ok(Math.abs(fundingPaymentQuote(0.01, 100_000, 0.0000125) - -0.0125) < 1e-15);
  assert.ok(Math.abs(fundingPaymentQuote(-0.01, 100_000, 0.0000125) - 0.0125) < 1e-15);
  assert.ok(Math.abs(fundingPaymentQuote(0.01, 100_000, -0.0001) - 0.1) < 1e-15);
  assert.equal(fundingPaymentQuote(0, 100_000, 0.0001), 0);
  assert.deepEqual(hourBoundariesBetween(H - 1, H), [H]);
  assert.deepEqual(hourBoundariesBetween(H, H + HOUR - 1), []);
  assert.deepEqual(hourBoundariesBetween(H - 10, H + 2 * HOUR), [H, H + HOUR, H + 2 * HOUR]);
});

test('paper: a replay across an hour boundary books −position × mid × rate once', async () => {
  const clock = { now: H - 5_000 };
  const funding = new PaperFunding({
    coin: 'BTC',
    info: {
      metaAndAssetCtxs: async () => [
        { universe: [{ name: 'BTC', szDecimals: 5, maxLeverage: 40 }] },
        [{ funding: '0.0000125', openInterest: '0.0', oraclePx: '100000.0', markPx: '100000.0' }],
      ],
    },
  });
  const { engine, store } = engineFor(clock, funding);
  engine.start({
    account: {
      positionBase: 0.02,
      avgEntryPx: 99_000,
      cashQuote: -980,
      realizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
    },
  });
  await funding.pollRate();
  assert.equal(funding.rate, 0.0000125);
  engine.onMarket(bbo(H - 5_000, 99_999, 100_001)); // mid 100 000 at the boundary
  clock.now = H - 1_000;
  engine.onMarket(bbo(H - 1_000, 100_009, 100_011));
  clock.now = H + 2_000; // first event after 07:00: the hour settles on the position and mid held at 07:00
  engine.onMarket(bbo(H + 2_000, 100_500, 100_502));
  clock.now = H + 60_000;
  engine.onMarket(bbo(H + 60_000, 100_500, 100_502));
  const s = await engine.stop('test');
  // 0.02 BTC × 100 010 USDC × 0.0000125 /h = 0.0250025 USDC paid by the long.
  assert.ok(Math.abs(s.funding - -0.0250025) < 1e-6);
  assert.ok(Math.abs(engine.accounting.fundingQuote - -0.0250025) < 1e-12);
  assert.ok(Math.abs(engine.accounting.cashQuote - (-980 - 0.0250025)) < 1e-9);
  const rows = store.fundingPayments();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].tsMs, H);
  assert.equal(rows[0].positionSz, 0.02);
  assert.equal(rows[0].rate, 0.0000125);
  store.close();
});

test('live on the fake exchange: the exchange funding payment is booked once, also across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-funding-'));
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress;
  const rate = 0.0001;
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    port: 0,
    // Real time: the sample's quotes stop 884 s after 00:00 and the replay then skips a day (≈ 23 hourly
    // payments at once); at 50× that came 18 s after the start, within reach of two slow bot start-ups.
    speed: 1,
    fromMs: H - 1_000,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }], fundingRatePerHour: rate },
  });
  // A long position opened before the bot starts (in-process setup); the 00:00 settlement lands before it starts.
  fake.trading.accounts.get(address.toLowerCase())!.fill('BTC', true, 108_000, 0.002, 0, 40);
  const db = join(dir, 'bot.sqlite');
  const opts = {
    live: true,
    testnet: true,
    apiUrl: fake.url,
    wsUrl: fake.wsUrl,
    clock: 'exchange' as const,
    speed: 1,
    params: join(dir, 'no-params.json'), // no parameters: the bot does not quote, the position stays
    db,
    apiPort: 0,
    quiet: true,
    logFile: join(dir, 'bot.jsonl'),
  };
  try {
    await until('the 00:00 settlement', () => fake.funding.counters.payments >= 1);
    const before = fake.funding.entriesOf(address)[0];
    assert.equal(before.time, H);
    // The last quote before 00:00 is 109 221 / 109 222: −0.002 × 109 221.5 × 0.0001 = −0.0218443 → −0.021844 USDC.
    assert.equal(before.usdc, -0.021844);

    process.env.HLMM_PRIVATE_KEY = key;
    const bot = await startTrading(opts, { handleSignals: false });
    // Paid before the account was read: recorded, not added again to PnL (it is in the account value).
    await bot.engine.refreshFunding();
    assert.equal(bot.engine.summary().funding, 0);
    // A settlement while the bot runs (injected now, at the current mark): booked once, even if polled twice.
    const mark = fake.trading.markPx('BTC');
    fake.funding.settle(fake.trading.nowMs());
    const during = fake.funding.entriesOf(address)[1];
    assert.ok(Math.abs(during.usdc - Math.round(-0.002 * mark * rate * 1e6) / 1e6) < 1e-12);
    await bot.engine.refreshFunding();
    await bot.engine.refreshFunding();
    assert.ok(Math.abs(bot.engine.accounting.fundingQuote - during.usdc) < 1e-12);
    const first = await bot.stop('test');
    assert.ok(Math.abs(first.funding - during.usdc) < 1e-9);

    process.env.HLMM_PRIVATE_KEY = key;
    const again = await startTrading(opts, { handleSignals: false });
    await again.engine.refreshFunding();
    const second = await again.stop('test');
    assert.equal(
      second.funding,
      0,
      'both payments are in the account value at the restart: not booked again',
    );
    const store = openStore(db);
    const rows = store.fundingPayments();
    assert.deepEqual(
      rows.map((r) => [r.tsMs, r.amountQuote, r.positionSz]),
      [
        [before.time, before.usdc, 0.002],
        [during.time, during.usdc, 0.002],
      ],
    );
    store.close();
  } finally {
    delete process.env.HLMM_PRIVATE_KEY;
    await fake.close();
  }
});
