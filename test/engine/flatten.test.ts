/**
 * The one flatten (flatten.ts): the cap price and attempt price by hand; the races of the issue driven by events
 * and a scripted or simulated clock (never sleeps): two exits 10–100 ms apart never flip the position, a miss at
 * the touch is not reported as an exit, re-tries walk within the cap, partial amounts, the kill switch's flatten.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import type { PlaceAction, VenueReport } from '../../src/core/orders.ts';
import { type Clock, SimulatedClock } from '../../src/engine/clock.ts';
import {
  FLATTEN_DEADLINE_MS,
  type FlattenRequest,
  type FlattenResult,
  flattenAttemptPx,
  flattenCapPx,
} from '../../src/engine/flatten.ts';
import { PaperVenue } from '../../src/engine/paper-venue.ts';
import type { RiskLimits } from '../../src/engine/risk.ts';
import { TradingEngine, type TradingEngineOptions } from '../../src/engine/trading-engine.ts';
import type { Venue } from '../../src/engine/venue.ts';
import type { Strategy } from '../../src/strategy/types.ts';
import { testClock } from '../support/clock-double.ts';
import { HandVenue, recordSubmits } from '../support/engine-doubles.ts';
import { btcInstrument } from '../support/instruments.ts';
import { bbo, engineFor } from '../support/trade-funding-double.ts';

const H = 1_756_771_200_000;

const idle: Strategy = {
  name: 'idle',
  quote: () => ({ bid: null, ask: null, explain: null }) as never,
  onFill: () => {},
};

/** An engine that never quotes, with limits that never bind unless a test sets them; not started. */
function flattenEngine(
  clock: Clock,
  venue: Venue,
  over: Omit<Partial<TradingEngineOptions>, 'risk'> & { risk?: Partial<RiskLimits> } = {},
): TradingEngine {
  const { risk, ...rest } = over;
  return new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'dry' } as never,
    coin: 'BTC',
    strategy: idle,
    lotBase: 0.001,
    venue,
    clock,
    risk: {
      maxPositionLots: 1000,
      maxNotionalQuote: 1e9,
      maxOrderSizeBase: 1,
      dailyLossLimitQuote: 1e9,
      maxDrawdownQuote: 1e9,
      staleDataMs: 600_000,
      lotBase: 0.001,
      ...risk,
    },
    startingBalanceQuote: 1000,
    store: null,
    logger: null,
    ...rest,
  });
}

/** Starts `engine` holding `positionBase` bought at 100 000, with `cashQuote` left. */
function startHolding(engine: TradingEngine, positionBase: number, cashQuote: number): void {
  engine.start({
    account: {
      positionBase,
      avgEntryPx: 100_000,
      cashQuote,
      realizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
    },
  });
}

function handEngine(clock: { now: number }, venue: Venue, positionBase: number, capBps = 50) {
  const engine = flattenEngine(testClock(clock), venue, {
    risk: { staleDataMs: 60_000, instrument: btcInstrument },
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    tickMs: 3_600_000,
    flatten: { slippageCapBps: capBps },
  });
  startHolding(engine, positionBase, 1000 - positionBase * 100_000);
  return engine;
}

/**
 * A hand-answered engine holding `positionBase`, one book `[bid, ask]` at H, and the flatten `req` sent (asserted:
 * its first attempt went out).
 */
async function flattening(
  positionBase: number,
  [bidPx, askPx]: [number, number],
  req?: FlattenRequest,
  capBps?: number,
) {
  const clock = { now: H };
  const venue = new HandVenue();
  const engine = handEngine(clock, venue, positionBase, capBps);
  engine.onMarket(bbo(H, bidPx, askPx));
  const out = await engine.flatten(req);
  assert.ok(out.status === 'sent');
  return { clock, venue, engine, out };
}

const fill = (cid: number, side: 'buy' | 'sell', px: number, sz: number, leavesSz: number): VenueReport => ({
  type: 'fill',
  cid,
  side,
  px,
  sz,
  feeQuote: 0,
  liquidity: 'taker',
  exchMs: H,
  leavesSz,
});

test('cap price: 50 bps from the touch, rounded inward onto the price grid', () => {
  // Sell from a bid of 100 000: 100 000 × (1 − 0.005) = 99 500 (on the grid: BTC prices ≥ 10 000 are integers).
  assert.equal(flattenCapPx('sell', 100_000, 50, btcInstrument), 99_500);
  // Buy from an ask of 100 001: 100 001 × 1.005 = 100 501.005 → rounded down to 100 501.
  assert.equal(flattenCapPx('buy', 100_001, 50, btcInstrument), 100_501);
  // Sell from 99.5 with szDecimals 5 (one price decimal): 99.5 × 0.995 = 99.0025 → rounded up to 99.1.
  assert.equal(flattenCapPx('sell', 99.5, 50, btcInstrument), 99.1);
  const book = {
    kind: 'bbo',
    exchMs: 0,
    recvS: 0,
    bidPx: 99_800,
    bidSz: 1,
    askPx: 99_801,
    askSz: 1,
  } as const;
  assert.equal(flattenAttemptPx('sell', book, 99_500, 'limit'), 99_800, 'limit: at the touch');
  assert.equal(flattenAttemptPx('sell', book, 99_500, 'market'), 99_500, 'market: at the cap');
  assert.equal(flattenAttemptPx('sell', { ...book, bidPx: 99_499 }, 99_500, 'limit'), null, 'beyond the cap');
  assert.equal(flattenAttemptPx('buy', book, 100_000, 'limit'), 99_801);
  assert.equal(flattenAttemptPx('buy', { ...book, askPx: 100_001 }, 100_000, 'market'), null);
});

test('two exits 10–100 ms apart never flip the position (paper, 40 ms order latency)', async () => {
  for (const gapMs of [10, 25, 40, 60, 100]) {
    const clock = { now: H };
    const venue = new PaperVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 40 });
    const { engine, store } = engineFor(clock, null, venue);
    const sent = recordSubmits(venue);
    engine.start({
      account: {
        positionBase: 0.001,
        avgEntryPx: 100_000,
        cashQuote: 900,
        realizedPnlQuote: 0,
        feesQuote: 0,
        fundingQuote: 0,
      },
    });
    const positions: number[] = [];
    engine.subscribeEvents({ fill: (f) => positions.push(f.positionBase) });
    engine.onMarket(bbo(H, 100_100, 100_102));
    const first = await engine.flatten();
    assert.equal(first.status, 'sent');
    // Books every 5 ms until the second request; the first exit lands at +40 ms.
    for (let t = 5; t <= gapMs; t += 5) {
      clock.now = H + t;
      engine.onMarket(bbo(H + t, 100_100, 100_102));
    }
    const landed = engine.summary().position === 0;
    const second = await engine.flatten();
    if (gapMs < 40) assert.equal(landed, false);
    if (gapMs > 40) assert.equal(landed, true);
    if (!landed) {
      assert.equal(second.status, 'in-flight', `+${gapMs} ms: the first still works`);
      assert.ok(second.status === 'in-flight' && first.status === 'sent' && second.result === first.result);
    } else assert.deepEqual(second, { status: 'flat' }, `+${gapMs} ms: already flat`);
    for (let t = gapMs + 5; t <= 200; t += 5) {
      clock.now = H + t;
      engine.onMarket(bbo(H + t, 100_100, 100_102));
    }
    const result = first.status === 'sent' ? await first.result : null;
    assert.equal(result?.status, 'done');
    assert.equal(
      result?.message,
      'filled 0.001 of 0.001 at avg 100100 (1 reduce-only IOC order, limit); position now 0.',
    );
    assert.equal(sent.length, 1, `+${gapMs} ms: one exit order in all`);
    assert.deepEqual(positions, [0], `+${gapMs} ms: long 0.001 → 0, never short`);
    assert.equal(engine.summary().position, 0);
    await engine.stop('test');
    store.close();
  }
});

test('a miss at the touch re-tries on the next book; a book beyond the cap ends it "not flat", not as an exit', async () => {
  const { clock, venue, engine, out } = await flattening(0.003, [100_000, 100_002]);
  assert.deepEqual(venue.exits(), [
    { type: 'place', cid: 1_000_000_000, side: 'sell', px: 100_000, sz: 0.003, tif: 'ioc', reduceOnly: true },
  ]);
  // The bid was taken before the IOC arrived: nothing filled, the rest cancelled. Nothing more goes on the same book.
  venue.reply({ type: 'cancelled', cid: 1_000_000_000, exchMs: H + 1, reason: 'ioc' });
  assert.equal(venue.exits().length, 1);
  assert.equal((await engine.flatten()).status, 'in-flight', 'still working between attempts');
  // A new bid 30 bps lower, within the 50 bps cap (99 500): the second IOC there fills 0.001 of it.
  clock.now = H + 10;
  engine.onMarket(bbo(H + 10, 99_700, 99_702));
  assert.deepEqual(venue.exits()[1], {
    type: 'place',
    cid: 1_000_000_001,
    side: 'sell',
    px: 99_700,
    sz: 0.003,
    tif: 'ioc',
    reduceOnly: true,
  });
  venue.reply(fill(1_000_000_001, 'sell', 99_700, 0.001, 0.002));
  venue.reply({ type: 'cancelled', cid: 1_000_000_001, exchMs: H + 11, reason: 'ioc' });
  // Then the book drops beyond the cap: the flatten ends and says so.
  clock.now = H + 20;
  engine.onMarket(bbo(H + 20, 99_400, 99_402));
  const result = await out.result;
  assert.equal(venue.exits().length, 2, 'no order beyond the cap');
  assert.equal(result.status, 'capped');
  assert.equal(result.filledBase, 0.001);
  assert.equal(result.avgPx, 99_700);
  assert.equal(result.positionBase, 0.002);
  assert.equal(
    result.message,
    'filled 0.001 of 0.003 at avg 99700 (2 reduce-only IOC orders, limit); not flat: the book moved beyond the 50 bps cap (bid 99400, cap 99500); position now 0.002.',
  );
  assert.doesNotMatch(result.message, /Created exit order/);
  assert.equal(engine.summary().position, 0.002);
  await engine.stop('test');
});

test('re-tries walk down the book until flat; the average price is of every fill', async () => {
  const clock = { now: H };
  const venue = new HandVenue();
  const engine = handEngine(clock, venue, -0.003);
  engine.onMarket(bbo(H, 99_998, 100_000));
  const out = await engine.flatten({ orderType: 'limit' });
  assert.ok(out.status === 'sent' && out.side === 'buy' && out.px === 100_000 && out.sz === 0.003);
  venue.reply(fill(out.cid, 'buy', 100_000, 0.001, 0.002), {
    type: 'cancelled',
    cid: out.cid,
    exchMs: H + 1,
    reason: 'ioc',
  });
  clock.now = H + 5;
  engine.onMarket(bbo(H + 5, 100_001, 100_010));
  const second = venue.exits()[1];
  assert.equal(second.px, 100_010);
  assert.equal(second.sz, 0.002);
  venue.reply(fill(second.cid, 'buy', 100_010, 0.002, 0));
  const r = await out.result;
  assert.equal(r.status, 'done');
  // (0.001 × 100 000 + 0.002 × 100 010) / 0.003 = 100 006.6666…
  assert.ok(Math.abs((r.avgPx ?? 0) - 100_006.66666667) < 1e-6, String(r.avgPx));
  assert.equal(r.positionBase, 0);
  assert.equal(r.attempts, 2);
  await engine.stop('test');
});

test('market: one IOC at the cap price sweeps the book; a partial amount closes only that much', async () => {
  const { venue, engine, out } = await flattening(
    0.005,
    [100_000, 100_001],
    { orderType: 'market', amountBase: 0.002 },
    20,
  );
  // 100 000 × (1 − 0.002) = 99 800.
  assert.deepEqual(venue.exits(), [
    { type: 'place', cid: 1_000_000_000, side: 'sell', px: 99_800, sz: 0.002, tif: 'ioc', reduceOnly: true },
  ]);
  venue.reply(fill(out.cid, 'sell', 99_990, 0.002, 0));
  const r = await out.result;
  assert.equal(r.status, 'done');
  assert.equal(
    r.message,
    'filled 0.002 of 0.002 at avg 99990 (1 reduce-only IOC order, market); position now 0.003.',
  );
  assert.equal(engine.summary().position, 0.003);
  // Less than one size step (BTC: 0.00001): nothing is sent.
  assert.deepEqual(await engine.flatten({ amountBase: 0.000001 }), { status: 'too-small' });
  // More than the position: the position is what closes.
  const all = await engine.flatten({ orderType: 'market', amountBase: 1 });
  assert.ok(all.status === 'sent' && all.sz === 0.003);
  await engine.stop('test');
});

test('a quote fill during the flatten shrinks the next attempt: the exit never exceeds the position', async () => {
  const { clock, venue, engine, out } = await flattening(0.003, [100_000, 100_002]);
  venue.reply({ type: 'cancelled', cid: out.cid, exchMs: H + 1, reason: 'ioc' });
  // One of our asks (cid 7, not the flatten's) fills 0.002 meanwhile.
  venue.reply(fill(7, 'sell', 100_002, 0.002, 0));
  clock.now = H + 5;
  engine.onMarket(bbo(H + 5, 100_000, 100_002));
  assert.equal(venue.exits()[1].sz, 0.001);
  venue.reply(fill(venue.exits()[1].cid, 'sell', 100_000, 0.001, 0));
  assert.equal((await out.result).positionBase, 0);
  await engine.stop('test');
});

test('refused every time: the flatten gives up after its attempts and says the exchange refused', async () => {
  const { clock, venue, engine, out } = await flattening(0.001, [100_000, 100_002]);
  for (let i = 0; i < 20 && venue.exits().length > i; i++) {
    venue.reply({ type: 'reject', cid: venue.exits()[i].cid, exchMs: H + i, reason: 'invalid-order' });
    clock.now = H + 10 * (i + 1);
    engine.onMarket(bbo(clock.now, 100_000, 100_002));
  }
  const r = await out.result;
  assert.equal(r.status, 'refused');
  assert.equal(r.attempts, 10);
  assert.equal(venue.exits().length, 10);
  assert.match(r.message, /^filled 0 of 0\.001; not flat: the exchange refused the exit/);
  await engine.stop('test');
});

test('deadline on the bot clock: no new book for 10 s ends the flatten with what it got', async () => {
  const clock = new SimulatedClock(H);
  const venue = new HandVenue();
  const engine = flattenEngine(clock, venue, { tickMs: 0, requoteIntervalMs: 0 });
  startHolding(engine, 0.002, 800);
  engine.onMarket(bbo(H, 100_000, 100_002));
  const out = await engine.flatten();
  assert.ok(out.status === 'sent');
  venue.reply(fill(out.cid, 'sell', 100_000, 0.001, 0.001), {
    type: 'cancelled',
    cid: out.cid,
    exchMs: H,
    reason: 'ioc',
  });
  let settled: FlattenResult | null = null;
  void out.result.then((r) => {
    settled = r;
  });
  clock.runTimersThrough(H + FLATTEN_DEADLINE_MS - 1);
  await Promise.resolve();
  assert.equal(settled, null, 'still working before the deadline');
  clock.runTimersThrough(H + FLATTEN_DEADLINE_MS);
  const r = await out.result;
  assert.equal(r.status, 'gave-up');
  assert.equal(
    r.message,
    'filled 0.001 of 0.002 at avg 100000 (1 reduce-only IOC order, limit); not flat: no more fills within the 50 bps cap before giving up; position now 0.001.',
  );
  await engine.stop('test');
});

test('kill switch with flatten on: the trip cancels the quotes and sends a market exit within the cap', async () => {
  const clock = new SimulatedClock(H);
  const venue = new PaperVenue({ makerFeeRate: 0.00015, takerFeeRate: 0.00045, latencyMs: 0 });
  const sent = recordSubmits(venue);
  const engine = flattenEngine(clock, venue, {
    risk: { maxDrawdownQuote: 5 },
    tickMs: 100,
    requoteIntervalMs: 0,
    flatten: { slippageCapBps: 50, onKillSwitch: true },
  });
  const kinds: string[] = [];
  engine.subscribeEvents({ risk: (kind) => kinds.push(kind) });
  startHolding(engine, 0.01, 0);
  engine.onMarket(bbo(H, 100_000, 100_002));
  clock.runTimersThrough(H + 100);
  assert.equal(kinds.length, 0);
  // The mid drops 1 000: 0.01 × 1 000 = 10 USDC of drawdown ≥ the 5 USDC limit.
  clock.advanceTo(H + 150);
  engine.onMarket(bbo(H + 150, 99_000, 99_002));
  clock.runTimersThrough(H + 200);
  assert.deepEqual(kinds, ['kill_switch']);
  clock.runTimersThrough(H + 300);
  const exits = sent.filter((a): a is PlaceAction => a.type === 'place' && a.reduceOnly === true);
  // 99 000 × 0.995 = 98 505: the market exit's limit; paper fills it at the bid.
  assert.deepEqual(exits, [
    { type: 'place', cid: 1_000_000_000, side: 'sell', px: 98_505, sz: 0.01, tif: 'ioc', reduceOnly: true },
  ]);
  assert.equal(engine.summary().position, 0);
  await engine.stop('test');
});

test('the bot stops while a flatten works: its answer says so instead of hanging', async () => {
  const { engine, out } = await flattening(0.002, [100_000, 100_002]);
  await engine.stop('SIGTERM');
  const r = await out.result;
  assert.equal(r.status, 'gave-up');
  assert.equal(
    r.message,
    'filled 0 of 0.002 (1 reduce-only IOC order, limit); not done: the bot stopped; position now 0.002.',
  );
});
