/**
 * Engine safety: pulled or stopped quotes are never placed again by a late report; a restore does not fake a
 * drawdown and keeps the loss made earlier that UTC day (hand-computed).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import type { OrderAction, VenueReport } from '../../src/core/orders.ts';
import { Account } from '../../src/engine/account.ts';
import { OrderManager } from '../../src/engine/order-manager.ts';
import { QuotingLoop } from '../../src/engine/quoting-loop.ts';
import { RiskGatedStrategy, RiskGuard, type RiskLimits } from '../../src/engine/risk.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import type { Venue, VenueReportEvent } from '../../src/engine/venue.ts';
import { openStore, type TradeStore } from '../../src/store/trade-store.ts';
import type { Strategy } from '../../src/strategy/types.ts';
import { testClock } from '../support/clock-double.ts';
import {
  bboAt as bbo,
  FIXED_QUOTES as fixed,
  OPEN_LIMITS as LIMITS,
  placesIn as places,
} from '../support/engine-doubles.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

test('loop: after withdrawQuotes a confirmed cancel places nothing; a fresh quote follows the gate', () => {
  const guard = new RiskGuard(LIMITS);
  guard.paramsOk = true;
  const loop = new QuotingLoop({
    strategy: new RiskGatedStrategy(fixed, guard),
    params: { sigma: 1, A: 1, k: 1, gamma: 1 },
    orderManager: new OrderManager({}),
    requoteIntervalMs: 1000,
  });
  const first = loop.onMarket(bbo(0, 99.5, 100.5));
  assert.deepEqual(
    first.map((a) => `${a.type}${a.cid}`),
    ['place1', 'place2'],
  );
  loop.onReport({ type: 'ack', cid: 1, exchMs: 1 });
  loop.onReport({ type: 'ack', cid: 2, exchMs: 1 });
  guard.stoppedByUser = true;
  assert.deepEqual(loop.withdrawQuotes(), [
    { type: 'cancel', cid: 1 },
    { type: 'cancel', cid: 2 },
  ]);
  assert.equal(loop.lastQuote, null);
  assert.deepEqual(loop.poll(200), []);
  // The review's probe: the confirmed cancel used to re-place the old bid at 99 here.
  loop.onReport({ type: 'cancelled', cid: 1, exchMs: 300, reason: 'user' });
  assert.deepEqual(loop.poll(300), []);
  loop.onReport({ type: 'cancelled', cid: 2, exchMs: 310, reason: 'user' });
  assert.deepEqual(loop.poll(310), []);
  assert.deepEqual(loop.onMarket(bbo(2000, 99.4, 100.4)), [], 'no quote while stopped, even on a requote');
  guard.stoppedByUser = false;
  assert.deepEqual(
    loop.onMarket(bbo(2100, 99.3, 100.3)).map((a) => `${a.type}${a.cid}`),
    ['place3', 'place4'],
  );
});

test('loop: an order acked after the pull is cancelled, not kept', () => {
  const guard = new RiskGuard(LIMITS);
  guard.paramsOk = true;
  const loop = new QuotingLoop({
    strategy: new RiskGatedStrategy(fixed, guard),
    params: { sigma: 1, A: 1, k: 1, gamma: 1 },
    orderManager: new OrderManager({}),
  });
  loop.onMarket(bbo(0, 99.5, 100.5)); // places 1 and 2, not acked yet
  guard.stale = true;
  assert.deepEqual(loop.withdrawQuotes(), [], 'both sides in flight: nothing to cancel yet');
  loop.onReport({ type: 'ack', cid: 1, exchMs: 5 });
  assert.deepEqual(loop.poll(5), [{ type: 'cancel', cid: 1 }]);
  loop.onReport({ type: 'cancelled', cid: 1, exchMs: 9, reason: 'user' });
  assert.deepEqual(loop.poll(9), []);
});

/** A venue whose answers the test sends; cancelAll confirms every resting order at once. */
class ScriptedVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sent: OrderAction[] = [];
  private readonly resting = new Set<number>();
  onMarket(): void {}
  submit(actions: readonly OrderAction[]): void {
    this.sent.push(...actions);
  }
  tick(): void {}
  cloidOf(cid: number): string | null {
    return `0x${cid.toString(16).padStart(32, '0')}`;
  }
  restingOrders() {
    return [];
  }
  reply(...reports: VenueReport[]): void {
    for (const r of reports) {
      if (r.type === 'ack') this.resting.add(r.cid);
      else this.resting.delete(r.cid);
    }
    this.onReports(reports.map((report) => ({ report })));
  }
  async cancelAll(nowMs: number): Promise<void> {
    const cids = [...this.resting];
    this.reply(
      ...cids.map((cid) => ({ type: 'cancelled' as const, cid, exchMs: nowMs, reason: 'user' as const })),
    );
  }
  async stop(): Promise<void> {}
}

function engineWith(
  clock: { now: number },
  venue: Venue,
  store: TradeStore | null,
  risk: Partial<RiskLimits> = {},
  strategy: Strategy = fixed,
) {
  const engine = new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'dry' } as never,
    coin: 'BTC',
    strategy,
    lotBase: 1,
    venue,
    clock: testClock(clock),
    priceToleranceBps: 0,
    risk: { ...LIMITS, ...risk },
    startingBalanceQuote: 1000,
    store,
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    tickMs: 3_600_000,
  });
  engine.acceptParams({ params: { sigma: 1, A: 1, k: 1, gamma: 1 }, notes: [] } as never, 'test');
  return engine;
}

test('engine: stopQuoting, then the cancels confirmed and new books: nothing is placed again', async () => {
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineWith(clock, venue, null);
  engine.start();
  engine.onMarket(bbo(1_000, 99.5, 100.5));
  venue.reply({ type: 'ack', cid: 1, exchMs: 1_001 }, { type: 'ack', cid: 2, exchMs: 1_001 });
  assert.equal(places(venue.sent).length, 2);
  venue.sent.length = 0;

  await engine.stopQuoting('test');
  assert.deepEqual(venue.sent, [
    { type: 'cancel', cid: 1 },
    { type: 'cancel', cid: 2 },
  ]);
  clock.now = 1_300;
  venue.reply(
    { type: 'cancelled', cid: 1, exchMs: 1_300, reason: 'user' },
    { type: 'cancelled', cid: 2, exchMs: 1_300, reason: 'user' },
  );
  clock.now = 5_000;
  engine.onMarket(bbo(5_000, 99.2, 100.2));
  assert.deepEqual(places(venue.sent), [], 'stopped: no order placed');

  // The operator starts again: fresh quotes on the next book.
  await engine.startQuoting();
  clock.now = 5_100;
  engine.onMarket(bbo(5_100, 99.1, 100.1));
  assert.deepEqual(
    places(venue.sent).map((a) => a.cid),
    [3, 4],
  );
  await engine.stop('test');
});

test('engine: a dropped feed pulls the quotes and the confirmed cancels re-place nothing', async () => {
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineWith(clock, venue, null);
  engine.start();
  engine.onMarket(bbo(1_000, 99.5, 100.5));
  venue.reply({ type: 'ack', cid: 1, exchMs: 1_001 }, { type: 'ack', cid: 2, exchMs: 1_001 });
  venue.sent.length = 0;
  engine.setFeedConnected(false);
  venue.reply(
    { type: 'cancelled', cid: 1, exchMs: 1_300, reason: 'user' },
    { type: 'cancelled', cid: 2, exchMs: 1_300, reason: 'user' },
  );
  assert.deepEqual(
    venue.sent.map((a) => a.type),
    ['cancel', 'cancel'],
  );
  await engine.stop('test');
});

test('engine: stop() cancels everything and the cancel reports re-place nothing', async () => {
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineWith(clock, venue, null);
  engine.start();
  engine.onMarket(bbo(1_000, 99.5, 100.5));
  venue.reply({ type: 'ack', cid: 1, exchMs: 1_001 }, { type: 'ack', cid: 2, exchMs: 1_001 });
  venue.sent.length = 0;
  clock.now = 1_500;
  await engine.stop('test');
  assert.deepEqual(places(venue.sent), []);
  engine.onMarket(bbo(2_000, 99, 100));
  assert.deepEqual(places(venue.sent), [], 'after stop, a late market event places nothing');
});

const SHORT = {
  positionBase: -0.001,
  avgEntryPx: 100_000,
  // equity at mid 100 000 = 1100 − 0.001 × 100 000 = 1000
  cashQuote: 1100,
  realizedPnlQuote: 0,
  feesQuote: 0,
  fundingQuote: 0,
};
const DAY = Date.UTC(2025, 8, 3);

test('account: a restored short shows no drawdown at its first mark (the peak waits for a price)', () => {
  const a = new Account(1000);
  a.restore(SHORT);
  let s = a.snapshot();
  // Before any price: equity is cash alone; no baseline yet, so no loss.
  close(s.equityQuote, 1100);
  close(s.drawdownQuote, 0);
  close(s.dayLossQuote, 0);
  a.mark(100_000, DAY + 3_600_000);
  s = a.snapshot();
  close(s.equityQuote, 1000);
  close(s.peakEquityQuote, 1000);
  close(s.drawdownQuote, 0); // was 100 (peak 1100 = cash) before the fix
  close(s.dayLossQuote, 0);
  // Price up 500: the short loses 0.5.
  a.mark(100_500, DAY + 3_700_000);
  s = a.snapshot();
  close(s.equityQuote, 999.5);
  close(s.drawdownQuote, 0.5);
  close(s.dayLossQuote, 0.5);
});

test("account: a restore on the same UTC day keeps that day's start and peak from the store", () => {
  const a = new Account(1000);
  const asked: number[][] = [];
  a.restore(SHORT, (fromMs, toMs) => {
    asked.push([fromMs, toMs]);
    return { dayStartEquityQuote: 1030, peakEquityQuote: 1040 };
  });
  a.mark(100_000, DAY + 7_200_000);
  assert.deepEqual(asked, [[DAY, DAY + 7_200_000]]);
  const s = a.snapshot();
  close(s.equityQuote, 1000);
  close(s.dayStartEquityQuote, 1030);
  close(s.dayLossQuote, 30); // 1030 − 1000: the loss made before the restart still counts
  close(s.peakEquityQuote, 1040);
  close(s.drawdownQuote, 40);
  // Nothing recorded that day: the first mark is the baseline.
  const b = new Account(1000);
  b.restore(SHORT, () => null);
  b.mark(99_000, DAY + 1);
  close(b.snapshot().equityQuote, 1001);
  close(b.snapshot().dayStartEquityQuote, 1001);
  close(b.snapshot().peakEquityQuote, 1001);
  // The next UTC day starts from its own first mark, as without a restore.
  b.mark(99_000, DAY + 86_400_000);
  close(b.snapshot().dayStartEquityQuote, 1001);
});

const idle: Strategy = {
  name: 'idle',
  quote: () => ({ bid: null, ask: null, explain: null }),
  onFill: () => {},
};

function pnlAt(store: TradeStore, tsMs: number, equityQuote: number): void {
  store.recordPnl({
    tsMs,
    coin: 'BTC',
    midPx: 100_000,
    positionSz: 0,
    cashQuote: equityQuote,
    realizedQuote: 0,
    unrealizedQuote: 0,
    feesQuote: 0,
    fundingQuote: 0,
    equityQuote,
  });
}

test('engine restart: a short restored from the store does not trip a 100 USDC drawdown kill switch', async () => {
  const store = openStore(':memory:');
  const clock = { now: DAY + 3_600_000 };
  const engine = engineWith(clock, new ScriptedVenue(), store, { maxDrawdownQuote: 100 }, idle);
  engine.start({ account: SHORT });
  engine.onMarket(bbo(clock.now, 99_999, 100_001));
  // The engine's timer (1 h here) would evaluate the guard on this snapshot: do it now.
  const s = engine.accounting.snapshot();
  close(s.drawdownQuote, 0);
  assert.equal(engine.guard.evaluate(s, clock.now).tripped, null);
  await engine.stop('test');
  store.close();
});

test('engine restart: the daily loss made before a crash counts after the restart (same UTC day)', async () => {
  const store = openStore(':memory:');
  // Earlier today: started at 1050, peaked at 1060, then the process died.
  pnlAt(store, DAY - 1_000, 2_000); // yesterday: ignored
  pnlAt(store, DAY + 60_000, 1_050);
  pnlAt(store, DAY + 120_000, 1_060);
  pnlAt(store, DAY + 180_000, 1_020);
  pnlAt(store, DAY + 3_600_000 + 10, 5_000); // after the restart's first mark: not "earlier"
  const clock = { now: DAY + 3_600_000 };
  const engine = engineWith(clock, new ScriptedVenue(), store, { dailyLossLimitQuote: 40 }, idle);
  engine.start({ account: SHORT });
  engine.onMarket(bbo(clock.now, 99_999, 100_001)); // mid 100 000 → equity 1000
  const s = engine.accounting.snapshot();
  close(s.dayStartEquityQuote, 1050);
  close(s.dayLossQuote, 50);
  close(s.peakEquityQuote, 1060);
  close(s.drawdownQuote, 60);
  const v = engine.guard.evaluate(s, clock.now);
  assert.match(v.tripped ?? '', /today's loss 50\.00 USDC reached the daily limit 40 USDC/);
  await engine.stop('test');
  store.close();
});

test('engine: orders the venue refused without sending are not counted in orders_placed', async () => {
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineWith(clock, venue, null);
  engine.start();
  try {
    engine.onMarket(bbo(1_000, 99.5, 100.5));
    assert.equal(places(venue.sent).length, 2);
    assert.equal(engine.summary().orders_placed, 2);
    // The venue refuses both locally (e.g. its dead man's switch is not armed): nothing reached the exchange.
    venue.onReports([
      { report: { type: 'reject', cid: 1, exchMs: 1_001, reason: 'invalid-order' }, notSent: true },
      { report: { type: 'reject', cid: 2, exchMs: 1_001, reason: 'invalid-order' }, notSent: true },
    ]);
    const s = engine.summary();
    assert.equal(s.rejects, 2);
    // Whatever the loop sent since (it re-quotes at once), the two refused ones are not among the placed.
    assert.equal(s.orders_placed, places(venue.sent).length - 2);
    // A rejection by the exchange itself (sent, then refused) still counts as placed.
    const before = engine.summary().orders_placed;
    const [again] = places(venue.sent).slice(2);
    venue.onReports([{ report: { type: 'reject', cid: again.cid, exchMs: 1_002, reason: 'invalid-order' } }]);
    assert.equal(engine.summary().orders_placed, places(venue.sent).length - 2);
    assert.ok(engine.summary().orders_placed >= before);
  } finally {
    await engine.stop('test');
  }
});

test('engine: a second flatten while the first exit is in flight sends nothing (it used to flip the position)', async () => {
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineWith(clock, venue, null);
  engine.start({
    account: {
      positionBase: 2,
      avgEntryPx: 100,
      cashQuote: 800,
      realizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
    },
  });
  try {
    engine.onMarket(bbo(1_000, 99.5, 100.5));
    const before = venue.sent.length;
    const first = await engine.flatten();
    const second = await engine.flatten();
    const third = await engine.flatten();
    assert.equal(first.status, 'sent');
    assert.deepEqual(second, { ...first, status: 'in-flight' });
    assert.deepEqual(third, second);
    const exits = venue.sent.slice(before).filter((a) => a.type === 'place' && a.reduceOnly === true);
    assert.equal(exits.length, 1, 'one exit order');
    assert.ok(first.status === 'sent');
    // The exit fills half, then its IOC rest is cancelled: the flatten re-tries the remaining 1 on the next book.
    venue.onReports([
      {
        report: {
          type: 'fill',
          cid: first.cid,
          side: 'sell',
          px: 99.5,
          sz: 1,
          feeQuote: 0,
          liquidity: 'taker',
          exchMs: 1_001,
          leavesSz: 1,
        },
        fill: { tid: 77, oid: null },
      },
    ]);
    assert.equal((await engine.flatten()).status, 'in-flight', 'still working after a partial fill');
    venue.onReports([{ report: { type: 'cancelled', cid: first.cid, exchMs: 1_002, reason: 'ioc' } }]);
    clock.now = 1_003;
    engine.onMarket(bbo(1_003, 99.5, 100.5));
    const next = await engine.flatten();
    assert.equal(next.status, 'in-flight', 'the re-try works; a request joins it');
    assert.equal(next.status === 'in-flight' ? next.sz : 0, 1);
    const retries = venue.sent.slice(before).filter((a) => a.type === 'place' && a.reduceOnly === true);
    assert.equal(retries.length, 2, 'one re-try, for the remaining 1');
    assert.equal(engine.summary().position, 1);
  } finally {
    await engine.stop('test');
  }
});
