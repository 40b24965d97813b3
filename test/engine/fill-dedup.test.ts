/**
 * Fill de-duplication stays bounded: the engine and the live venue each remember the last FILL_IDS_REMEMBERED
 * fill ids (RecentTradeIds), so a re-sent recent fill is ignored while memory does not grow with the run; the
 * store's one-row-per-tid check still catches a repeat older than that window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import { FILL_IDS_REMEMBERED, type Venue, type VenueReportEvent } from '../../src/engine/venue.ts';
import type { UserFill } from '../../src/exchange/hyperliquid/info-schemas.ts';
import { HyperliquidVenue } from '../../src/exchange/hyperliquid/trading/venue.ts';
import { openStore, type TradeStore } from '../../src/store/trade-store.ts';
import { testClock } from '../support/clock-double.ts';
import { bboAt, HandVenue, NO_QUOTES, OPEN_LIMITS } from '../support/engine-doubles.ts';

/** More distinct fills than are remembered, so the first ones must have been forgotten. */
const N = FILL_IDS_REMEMBERED + 500;

test('the remembered window is far above what Hyperliquid re-sends (its 2,000 latest fills)', () => {
  assert.ok(FILL_IDS_REMEMBERED >= 5 * 2_000);
});

/** Fill `tid` as the venue reports it: a buy for odd ids, a sell for even ones (the position stays within one unit). */
function fillOf(tid: number): VenueReportEvent {
  return {
    report: {
      type: 'fill',
      cid: 0,
      side: tid % 2 === 1 ? 'buy' : 'sell',
      px: 100,
      sz: 1,
      feeQuote: 0,
      liquidity: 'maker',
      exchMs: 1_000,
      leavesSz: 0,
    },
    fill: { tid, oid: null },
  };
}

/** The venue reports fill `tid` (a reconnect's snapshot re-sends ones already reported). */
const sendFill = (venue: HandVenue, tid: number) => venue.onReports([fillOf(tid)]);

function engineWith(venue: Venue, store: TradeStore | null) {
  const clock = { now: 1_000 };
  const engine = new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'dry' } as never,
    coin: 'BTC',
    strategy: NO_QUOTES,
    lotBase: 1,
    venue,
    clock: testClock(clock),
    priceToleranceBps: 0,
    risk: OPEN_LIMITS,
    startingBalanceQuote: 1000,
    store,
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    tickMs: 3_600_000,
  });
  engine.acceptParams({ params: { sigma: 1, A: 1, k: 1, gamma: 1 }, notes: [] } as never, 'test');
  engine.start();
  engine.onMarket(bboAt(1_000, 99.5, 100.5));
  return engine;
}

test('engine without a store: a re-sent recent fill is ignored; ids beyond the window are forgotten', async () => {
  const venue = new HandVenue();
  const engine = engineWith(venue, null);
  for (let tid = 1; tid <= N; tid++) sendFill(venue, tid);
  assert.equal(engine.summary().fills, N);
  sendFill(venue, N); // the latest, re-sent (a reconnect's snapshot)
  sendFill(venue, N - FILL_IDS_REMEMBERED + 1); // the oldest still remembered
  assert.equal(engine.summary().fills, N);
  assert.equal(engine.summary().duplicate_fills_ignored, 2);
  // Bounded: the first id left the window (only a store could still tell it was booked).
  sendFill(venue, 1);
  assert.equal(engine.summary().fills, N + 1);
  await engine.stop('test');
});

test('engine with a store: a repeat older than the window is still caught by the store', async () => {
  const store = openStore(':memory:');
  const venue = new HandVenue();
  const engine = engineWith(venue, store);
  for (let tid = 1; tid <= N; tid++) sendFill(venue, tid);
  sendFill(venue, 1);
  sendFill(venue, N);
  assert.equal(engine.summary().fills, N);
  assert.equal(engine.summary().duplicate_fills_ignored, 2);
  await engine.stop('test');
  store.close();
});

function userFill(tid: number): UserFill {
  return {
    coin: 'BTC',
    px: '100000.0',
    sz: '0.001',
    side: tid % 2 === 1 ? 'B' : 'A',
    time: 1_700_000_000_000 + tid,
    startPosition: '0.0',
    dir: 'Open Long',
    closedPnl: '0.0',
    hash: '0xabc',
    oid: 9_000_000 + tid,
    crossed: false,
    fee: '0.01',
    tid,
    feeToken: 'USDC',
  } as UserFill;
}

test('live venue: a re-sent fill is ignored, memory holds the last FILL_IDS_REMEMBERED tids', () => {
  const venue = new HyperliquidVenue({
    exchange: {} as never, // no order is sent: only the user channels are exercised
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 0,
    wallNowMs: () => 1_000_000,
  });
  const tids: number[] = [];
  venue.onReports = (events) => {
    for (const e of events) if (e.fill) tids.push(e.fill.tid);
  };
  // Restart: the fills /info returned are marked seen; the channel's snapshot then replays them.
  venue.markFillsSeen([1, 2, 3]);
  venue.onUserFills({ isSnapshot: true, user: '0x1', fills: [userFill(1), userFill(2), userFill(3)] });
  assert.deepEqual(tids, []);
  for (let tid = 4; tid <= N; tid++) venue.onUserFills({ user: '0x1', fills: [userFill(tid)] });
  assert.equal(tids.length, N - 3);
  tids.length = 0;
  // A reconnect's snapshot re-sends the latest fills: none is reported again.
  venue.onUserFills({
    isSnapshot: true,
    user: '0x1',
    fills: Array.from({ length: 2_000 }, (_, i) => userFill(N - i)),
  });
  assert.deepEqual(tids, []);
  // Bounded: the first ids left the window.
  venue.applyFills([userFill(1)]);
  assert.deepEqual(tids, [1]);
});
