/**
 * The engine's controls behind FreqUI's buttons, on a paper engine with real fills: stopentry keeps only the
 * exit side, force entry is one IOC taker order checked against the limits, cancel open orders cancels the quotes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import { PaperVenue } from '../../src/engine/paper-venue.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import { openStore } from '../../src/store/trade-store.ts';
import type { Strategy } from '../../src/strategy/types.ts';
import { testClock } from '../support/clock-double.ts';
import { recordSubmits } from '../support/engine-doubles.ts';
import { bbo } from '../support/trade-funding-double.ts';

const H = 1_756_771_200_000;

/** One lot a side, one dollar outside the touch: never fills on BBO moves alone. */
const wide: Strategy = {
  name: 'wide',
  quote: (ctx) => ({
    bid: { side: 'buy', px: ctx.bbo.bidPx - 1, sz: 0.001 },
    ask: { side: 'sell', px: ctx.bbo.askPx + 1, sz: 0.001 },
    explain: null,
  }),
  onFill: () => {},
};

function paperEngine(clock: { now: number }) {
  const venue = new PaperVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 0 });
  const sent = recordSubmits(venue);
  const store = openStore(':memory:');
  const engine = new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'dry', strategy: 'wide', stakeCurrency: 'USDC' } as never,
    coin: 'BTC',
    strategy: wide,
    lotBase: 0.001,
    venue,
    clock: testClock(clock),
    priceToleranceBps: 0,
    risk: {
      maxPositionLots: 3,
      maxNotionalQuote: 1e9,
      maxOrderSizeBase: 1,
      dailyLossLimitQuote: null,
      maxDrawdownQuote: null,
      staleDataMs: 60_000,
      lotBase: 0.001,
    },
    startingBalanceQuote: 1000,
    store,
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    tickMs: 3_600_000,
  });
  engine.acceptParams({ params: { sigma: 1, A: 1, k: 1, gamma: 1 }, notes: [] } as never, 'test');
  return { engine, venue, sent, store };
}

const sides = (engine: TradingEngine) =>
  engine
    .openOrders()
    .map((o) => o.side)
    .sort();

test('stopentry: flat → no quotes; long → only the ask; force entry refused meanwhile; start restores both', async () => {
  const clock = { now: H };
  const { engine, sent, store } = paperEngine(clock);
  engine.start();
  engine.onMarket(bbo(H, 100_100, 100_102));
  assert.deepEqual(sides(engine), ['buy', 'sell']);

  await engine.stopEntries();
  assert.equal(engine.risk().entriesStopped, true);
  clock.now = H + 10;
  engine.onMarket(bbo(H + 10, 100_100, 100_102));
  assert.deepEqual(sides(engine), [], 'flat with entries stopped: both sides are entries');
  const refused = await engine.forceEnter('buy', 0.002);
  assert.equal(refused.status, 'refused');

  await engine.startQuoting();
  assert.equal(engine.risk().entriesStopped, false);
  // Force entry: a buy of 0.002 takes the ask (100 102) at once.
  sent.length = 0;
  const entry = await engine.forceEnter('buy', 0.002);
  assert.deepEqual(entry, { status: 'sent', cid: 1_500_000_000, side: 'buy', sz: 0.002, px: 100_102 });
  assert.deepEqual(
    sent.filter((a) => a.type === 'place' && a.cid >= 1_500_000_000),
    [
      {
        type: 'place',
        cid: 1_500_000_000,
        side: 'buy',
        px: 100_102,
        sz: 0.002,
        tif: 'ioc',
        reduceOnly: false,
      },
    ],
  );
  clock.now = H + 20;
  engine.onMarket(bbo(H + 20, 100_100, 100_102));
  assert.ok(Math.abs(engine.account().positionBase - 0.002) < 1e-12, String(engine.account().positionBase));

  // Long 0.002 with entries stopped: the ask (an exit) rests, the bid does not.
  await engine.stopEntries();
  clock.now = H + 30;
  engine.onMarket(bbo(H + 30, 100_100, 100_102));
  assert.deepEqual(sides(engine), ['sell']);
  // A force sell of 0.001 is an exit: allowed while entries are stopped.
  assert.equal((await engine.forceEnter('sell', 0.001)).status, 'sent');
  await engine.stop('test');
  store.close();
});

test('force entry is refused beyond the max position; cancel open orders cancels every resting quote', async () => {
  const clock = { now: H };
  const { engine, store, sent } = paperEngine(clock);
  engine.start();
  engine.onMarket(bbo(H, 100_100, 100_102));
  const tooBig = await engine.forceEnter('buy', 0.004);
  assert.equal(tooBig.status, 'refused');
  assert.match((tooBig as { reason: string }).reason, /max position of 3 lots/);
  assert.deepEqual(await engine.forceEnter('sell', 0.003), {
    status: 'sent',
    cid: 1_500_000_000,
    side: 'sell',
    sz: 0.003,
    px: 100_100,
  });
  clock.now = H + 10;
  engine.onMarket(bbo(H + 10, 100_100, 100_102));
  assert.equal(engine.openOrders().length, 1, 'short 3 lots: only the bid may rest');
  const before = engine.openOrders()[0];
  sent.length = 0;
  assert.equal(await engine.cancelOpenOrders(), 1);
  // The quote is cancelled; the strategy re-quotes at once (quoting is on), with a new order.
  assert.ok(
    sent.some((a) => a.type === 'cancel'),
    JSON.stringify(sent),
  );
  assert.ok(!engine.openOrders().some((o) => o.oid === before.oid), 'the cancelled order still rests');
  await engine.stop('test');
  store.close();
});
