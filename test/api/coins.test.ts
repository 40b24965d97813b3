/**
 * The pure parts of the several-coin API, against hand-computed values: one trade-id sequence over every coin,
 * the one USDC balance of the account, flatten answers of several coins in one, a coin's status word.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDesks, numberTrips } from '../../src/api/coins.ts';
import { combineAnswers } from '../../src/api/flatten-request.ts';
import { balanceOfCoins, shownPx } from '../../src/api/freqtrade-shapes.ts';
import { coinStatus } from '../../src/api/overview.ts';
import type { AccountState, BotInfo, RiskState } from '../../src/engine/bot-view.ts';
import type { RoundTrip } from '../../src/store/round-trips.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { BotDouble } from '../support/api-bot-double.ts';

const trip = (id: number, openMs: number): RoundTrip => ({
  id,
  side: 'long',
  isOpen: false,
  openMs,
  closeMs: openMs + 1,
  amountBase: 1,
  closedAmountBase: 1,
  openPositionBase: 0,
  maxPositionBase: 1,
  avgOpenPx: 100,
  avgClosePx: 101,
  costBasisPx: null,
  grossProfitQuote: 1,
  feesQuote: 0,
  profitQuote: 1,
  profitRatio: 0.01,
  fills: 2,
});

describe('numberTrips', () => {
  it('one coin keeps its own ids', () => {
    assert.deepEqual(numberTrips([[trip(1, 10), trip(2, 20), trip(3, 30)]]), [[1, 2, 3]]);
  });
  it('several coins: one sequence by open time, ties by coin order', () => {
    // BTC opens at 10 and 40, ETH at 20 and 40, BNB at 5: BNB 1, BTC 2, ETH 3, then the tie at 40 → BTC 4, ETH 5.
    const btc = [trip(1, 10), trip(2, 40)];
    const eth = [trip(1, 20), trip(2, 40)];
    const bnb = [trip(1, 5)];
    assert.deepEqual(numberTrips([btc, eth, bnb]), [[2, 4], [3, 5], [1]]);
  });
  it('a coin with no trips yet', () => {
    assert.deepEqual(numberTrips([[], [trip(1, 7)]]), [[], [1]]);
  });
});

describe('trade ids of a running several-coin bot', () => {
  it('an id once given stays, even when a coin later stores a round trip that opened earlier', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hlmm-desks-'));
    const store = openStore(join(dir, 'bot.sqlite'));
    try {
      const btc = new BotDouble();
      const eth = new BotDouble();
      eth.infoState = { ...eth.infoState, ticker: 'ETH' };
      const desks = createDesks(store, [{ view: btc }, { view: eth }]);
      let tid = 0;
      const trip = (coin: string, px: number, tsMs: number) => {
        for (const side of ['buy', 'sell'] as const)
          store.recordFill({
            tid: ++tid,
            coin,
            oid: tid,
            cloid: null,
            side,
            px,
            sz: 1,
            feeQuote: 0,
            liquidity: 'maker',
            tsMs: tsMs + (side === 'sell' ? 1 : 0),
          });
      };
      trip('BTC', 100, 1_000);
      trip('ETH', 10, 2_000);
      const ids = () => desks.trades(false).map((n) => `${n.desk.coin}@${n.trip.openMs}=${n.trip.id}`);
      assert.deepEqual(ids(), ['BTC@1000=1', 'ETH@2000=2']);
      // ETH stores a round trip that opened at 500, before both: it takes the next id, the others keep theirs.
      trip('ETH', 10, 500);
      trip('BTC', 100, 3_000);
      assert.deepEqual(ids(), ['BTC@1000=1', 'ETH@2000=2', 'ETH@500=3', 'BTC@3000=4']);
      // A new look-up (a restart) numbers what is there by open time, each coin in its own order.
      const again = createDesks(store, [{ view: btc }, { view: eth }]);
      assert.deepEqual(
        again.trades(false).map((n) => `${n.desk.coin}@${n.trip.openMs}=${n.trip.id}`),
        ['BTC@1000=1', 'ETH@2000=2', 'ETH@500=3', 'BTC@3000=4'],
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const info = (ticker: string): BotInfo => ({
  botName: 'b',
  ticker,
  mode: 'dry',
  strategy: 'AvellanedaStoikov',
  model: 'as',
  stakeCurrency: 'USDC',
  startedMs: 0,
  version: '0',
  feed: 'x',
});
const account = (positionBase: number, cashQuote: number, mid: number): AccountState => ({
  positionBase,
  cashQuote,
  startingBalanceQuote: 1000,
  realizedPnlQuote: 0,
  unrealizedPnlQuote: 0,
  feesQuote: 0,
  fundingQuote: 0,
  equityQuote: cashQuote + positionBase * mid,
  mid,
  bbo: null,
});

describe('balanceOfCoins', () => {
  it('one USDC balance: the shared start plus each coin’s change; one row per position', () => {
    // BTC bought 0.01 at 100 000 (cash 1000 − 1000 = 0), mid 101 000 → equity 1010.
    // ETH flat, cash 1002 (+2 realized). BNB sold 1 at 600 (cash 1600), mid 590 → equity 1010.
    const b = balanceOfCoins([
      { account: account(0.01, 0, 101_000), info: info('BTC') },
      { account: account(0, 1002, 3000), info: info('ETH') },
      { account: account(-1, 1600, 590), info: info('BNB') },
    ]);
    // cash: 1000 + (0 − 1000) + (1002 − 1000) + (1600 − 1000) = 602; equity: 1000 + 10 + 2 + 10 = 1022.
    assert.equal(b.currencies[0].currency, 'USDC');
    assert.equal(b.currencies[0].balance, 602);
    assert.equal(b.total, 1022);
    assert.equal(b.starting_capital, 1000);
    assert.ok(Math.abs(b.starting_capital_ratio - 0.022) < 1e-12);
    assert.deepEqual(
      b.currencies.slice(1).map((c) => [c.currency, c.side, c.position, c.est_stake]),
      [
        ['BTC/USDC:USDC', 'long', 0.01, 1010],
        ['BNB/USDC:USDC', 'short', 1, 590],
      ],
    );
  });
});

describe('combineAnswers', () => {
  it('200 when every coin is done, each sentence after its coin', () => {
    const a = combineAnswers([
      { coin: 'BTC', answer: { code: 200, body: { result: 'closed 0.01.' } } },
      { coin: 'ETH', answer: { code: 200, body: { result: 'closed 0.1.' } } },
    ]);
    assert.deepEqual(a, { code: 200, body: { result: 'BTC: closed 0.01. ETH: closed 0.1.' } });
  });
  it('the first refusal decides the code; 202 while one still works', () => {
    const refused = combineAnswers([
      { coin: 'BTC', answer: { code: 200, body: { result: 'closed.' } } },
      { coin: 'ETH', answer: { code: 409, body: { detail: 'the book moved past the cap.' } } },
    ]);
    assert.deepEqual(refused, {
      code: 409,
      body: { detail: 'BTC: closed. ETH: the book moved past the cap.' },
    });
    const working = combineAnswers([
      { coin: 'BTC', answer: { code: 202, body: { result: 'still working.' } } },
      { coin: 'ETH', answer: { code: 200, body: { result: 'closed.' } } },
    ]);
    assert.equal(working.code, 202);
  });
});

describe('coinStatus', () => {
  const risk = (over: Partial<RiskState>): RiskState => ({
    quoting: true,
    state: 'on',
    stoppedByUser: false,
    killSwitch: { tripped: false, reason: null, atMs: null },
    staleData: false,
    lastMarketMs: 1,
    maxPositionLots: 5,
    dailyLossLimitQuote: null,
    maxDrawdownQuote: null,
    ...over,
  });
  it('one word per state, the kill switch first', () => {
    assert.equal(coinStatus(risk({})), 'quoting');
    assert.equal(coinStatus(risk({ state: 'one side (max position)' })), 'one side');
    assert.equal(coinStatus(risk({ state: 'pulled (stale data)' })), 'pulled');
    assert.equal(coinStatus(risk({ quoting: false, stoppedByUser: true })), 'stopped');
    assert.equal(
      coinStatus(risk({ stoppedByUser: true, killSwitch: { tripped: true, reason: 'x', atMs: 1 } })),
      'kill switch',
    );
  });
});

describe('prices shown to Freqtrade clients', () => {
  it('drop the binary noise of a mid or an average, keep every meaningful digit', () => {
    assert.equal(shownPx((3005.3 + 3005.4) / 2), 3005.35);
    assert.equal(shownPx((598.66 * 0.017 + 598.75 * 0.017) / 0.034), 598.705);
    assert.equal(shownPx(100_050.5), 100_050.5);
    assert.equal(shownPx(0.000123456789012345), 0.000123456789012);
    assert.equal(shownPx(0), 0);
  });
});
