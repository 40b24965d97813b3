/**
 * Live position re-read: the exchange's position is compared with the bot's; fills the bot missed are applied
 * from /info userFills; a drift no fill explains (a fill lost inside the bot) is adopted only when seen twice in a
 * row, with the cash moved at the mid so equity does not jump; a drift that resolves itself (a fill in flight) is
 * never adopted; a doubt (store error, unknown outcome) triggers a check soon.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import type { OrderAction } from '../../src/core/orders.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import type { Venue, VenueReportEvent } from '../../src/engine/venue.ts';
import type { ClearinghouseState, UserFill } from '../../src/exchange/hyperliquid/info-schemas.ts';
import { PositionCheck } from '../../src/exchange/hyperliquid/trading/position-check.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { testClock } from '../support/clock-double.ts';
import { OPEN_LIMITS as LIMITS, NO_QUOTES as none } from '../support/engine-doubles.ts';

const quiet = createLogger({ component: 't', level: 'error', quiet: true });
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

const bbo = (exchMs: number, mid: number): MarketEvent => ({
  kind: 'bbo',
  exchMs,
  recvS: exchMs / 1000,
  bidPx: mid - 0.5,
  bidSz: 1,
  askPx: mid + 0.5,
  askSz: 1,
});

/** Turns userFills into fill reports once per tid, as HyperliquidVenue.applyFills does. */
class FillsVenue implements Venue {
  readonly mode = 'live' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly seen = new Set<number>();
  onMarket(): void {}
  submit(_a: readonly OrderAction[]): void {}
  tick(): void {}
  cloidOf(): string | null {
    return null;
  }
  restingOrders() {
    return [];
  }
  applyFills(fills: readonly UserFill[]): void {
    const out: VenueReportEvent[] = [];
    for (const f of fills) {
      if (typeof f.tid !== 'number' || this.seen.has(f.tid)) continue;
      this.seen.add(f.tid);
      out.push({
        report: {
          type: 'fill',
          cid: 0,
          side: f.side === 'B' ? 'buy' : 'sell',
          px: Number(f.px),
          sz: Number(f.sz),
          feeQuote: Number(f.fee),
          liquidity: 'maker',
          exchMs: f.time,
          leavesSz: 0,
        },
        fill: { tid: f.tid, oid: f.oid, closedPnlQuote: 0, hash: f.hash, cloid: null },
      });
    }
    if (out.length > 0) this.onReports(out);
  }
  async cancelAll(): Promise<void> {}
  async stop(): Promise<void> {}
}

function userFill(tid: number, side: 'B' | 'A', sz: string, px = '100'): UserFill {
  return {
    coin: 'BTC',
    px,
    sz,
    side,
    time: 1_000 + tid,
    startPosition: '0',
    dir: 'Open Long',
    closedPnl: '0',
    hash: `0x${tid.toString(16).padStart(64, '0')}`,
    oid: tid,
    crossed: false,
    fee: '0',
    tid,
    feeToken: 'USDC',
  } as UserFill;
}

function state(szi: number): ClearinghouseState {
  return {
    assetPositions:
      szi === 0
        ? []
        : [
            {
              type: 'oneWay',
              position: {
                coin: 'BTC',
                szi: String(szi),
                entryPx: '100',
                leverage: { type: 'cross', value: 20 },
                liquidationPx: null,
                marginUsed: '1',
                positionValue: String(Math.abs(szi) * 100),
                returnOnEquity: '0',
                unrealizedPnl: '0',
              },
            },
          ],
    marginSummary: { accountValue: '1000', totalMarginUsed: '0', totalNtlPos: '0', totalRawUsd: '1000' },
    crossMarginSummary: { accountValue: '1000', totalMarginUsed: '0', totalNtlPos: '0', totalRawUsd: '1000' },
    crossMaintenanceMarginUsed: '0',
    withdrawable: '1000',
    time: 1,
  } as ClearinghouseState;
}

function setup() {
  const exchange = { szi: 0, fills: [] as UserFill[], reads: 0 };
  const venue = new FillsVenue();
  const store = openStore(':memory:');
  const engine = new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'live' } as never,
    coin: 'BTC',
    strategy: none,
    lotBase: 1,
    venue,
    clock: testClock({ now: 5_000 }),
    risk: LIMITS,
    startingBalanceQuote: 1000,
    store,
    logger: quiet,
    tickMs: 3_600_000,
  });
  engine.start();
  engine.onMarket(bbo(5_000, 100));
  const check = new PositionCheck({
    info: {
      clearinghouseState: async () => {
        exchange.reads++;
        return state(exchange.szi);
      },
      userFills: async () => exchange.fills,
    },
    venue,
    coin: 'BTC',
    intervalMs: 0,
    logger: quiet,
    confirmDelayMs: 3_600_000,
    doubtDelayMs: 10,
  });
  check.start(engine);
  return { exchange, venue, engine, check, store };
}

test('position check: in step, nothing changes', async () => {
  const { check, engine } = setup();
  assert.equal(await check.checkNow(), 'in-step');
  assert.equal(engine.account().positionBase, 0);
  await check.stop();
  await engine.stop('t');
});

test('position check: fills the bot never got are applied from /info userFills (cash and fees too)', async () => {
  const { check, engine, exchange, venue } = setup();
  venue.applyFills([userFill(1, 'B', '0.5')]);
  // The exchange has two more fills the push never brought.
  exchange.fills = [
    userFill(1, 'B', '0.5'),
    userFill(2, 'B', '0.25', '99'),
    userFill(3, 'A', '0.125', '101'),
  ];
  exchange.szi = 0.625;
  assert.equal(await check.checkNow(), 'fills-applied');
  close(engine.account().positionBase, 0.625);
  close(engine.account().cashQuote, 1000 - 50 - 24.75 + 12.625);
  assert.equal(engine.summary().fills, 3);
  await check.stop();
  await engine.stop('t');
});

test('position check: a drift no fill explains is adopted only when seen twice; the equity does not jump', async () => {
  const { check, engine, exchange, venue, store } = setup();
  // Two fills the venue reported but the bot lost (as when a failing step dropped its batch): the venue drops
  // their tids, so only the exchange's position can put it right.
  venue.seen.add(7);
  venue.seen.add(8);
  exchange.fills = [userFill(7, 'B', '0.5'), userFill(8, 'B', '0.5')];
  exchange.szi = 1;
  const equityBefore = engine.account().equityQuote;
  assert.equal(await check.checkNow(), 'suspect');
  assert.equal(engine.account().positionBase, 0, 'one sighting is not enough');
  assert.equal(await check.checkNow(), 'adopted');
  assert.equal(engine.account().positionBase, 1);
  close(engine.account().equityQuote, equityBefore);
  const ev = store.riskEvents({ limit: 5 }).find((e) => e.kind === 'reconcile');
  assert.match(ev?.detail ?? '', /the bot had 0 BTC, the exchange has 1 \(twice in a row/);
  assert.equal(check.counts.adopted, 1);
  await check.stop();
  await engine.stop('t');
});

test('position check: a fill in flight (the exchange shows it first) is never adopted', async () => {
  const { check, engine, exchange, venue } = setup();
  exchange.szi = 0.5; // the exchange already has the fill…
  venue.seen.add(9); // …whose push is on its way (userFills does not list it yet)
  assert.equal(await check.checkNow(), 'suspect');
  // The push arrives before the confirming read.
  venue.seen.delete(9);
  venue.applyFills([userFill(9, 'B', '0.5')]);
  assert.equal(await check.checkNow(), 'in-step');
  assert.equal(check.counts.adopted, 0);
  close(engine.account().positionBase, 0.5);
  await check.stop();
  await engine.stop('t');
});

test('position check: a doubt triggers a check soon; a burst of doubts makes one', async () => {
  const { check, engine, exchange } = setup();
  for (let i = 0; i < 5; i++) check.doubt('store refused');
  const t0 = Date.now();
  while (exchange.reads === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(exchange.reads, 1);
  assert.equal(check.counts.checks, 1);
  await check.stop();
  await engine.stop('t');
});
