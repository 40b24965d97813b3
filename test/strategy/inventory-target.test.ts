import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import { runSettings } from '../../src/config/run-settings.ts';
import { configSchema } from '../../src/config/schema.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Bbo, MarketEvent, Side } from '../../src/core/market.ts';
import type { StrategyConfig } from '../../src/strategy/index.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import { btcInstrument } from '../support/instruments.ts';

const NOW = Date.parse('2025-09-10T12:00:00Z');
const book: Bbo = { exchMs: NOW, recvS: NOW / 1000, bidPx: 99_999, bidSz: 1, askPx: 100_001, askSz: 1 };
const PARAMS = { sigma: 3, A: 1, k: 0.05, gamma: 1e-4 };
// As test/strategy/two-sided.test.ts: BTC at 100 000, 1 lot = 0.001 BTC, rolling τ = 1 h. One lot of inventory
// moves the reservation price by γσ²τ = 1e-4 · 9 · 3600 = 3.24 USDC; half spread 21.600027, fee 15 per side.
const BASE: Partial<StrategyConfig> = {
  orderSizeBase: 0.001,
  maxPositionLots: 5,
  instrument: btcInstrument,
  horizon: { kind: 'rolling', tauS: 3600 },
};
const quote = (config: Partial<StrategyConfig>, positionBase: number) =>
  createStrategy({ ...BASE, ...config }).quote({ nowMs: NOW, bbo: book, positionBase, params: PARAMS });

describe('inventory target: r = s − (q − q*)·γσ²τ', () => {
  it('flat with a target of +2 lots: r = 100 000 + 2 · 3.24 = 100 006.48; bid 99 969, ask 100 044', () => {
    const q = quote({ inventoryTargetLots: 2 }, 0);
    assert.ok(Math.abs((q.explain?.reservationPrice ?? 0) - 100_006.48) < 1e-9);
    assert.equal(q.bid?.px, 99_969); // 100 006.48 − 21.600027 − 15 = 99 969.879973 ↓
    assert.equal(q.ask?.px, 100_044); // 100 006.48 + 36.600027 = 100 043.080027 ↑
    assert.equal(q.explain?.qLots, 0); // q stays the position; the target is reported beside it
    assert.equal(q.explain?.inventoryTargetLots, 2);
  });
  it('at the target (q = q* = 2 lots) the quotes are those of a flat book without a target', () => {
    const atTarget = quote({ inventoryTargetLots: 2 }, 0.002);
    const flat = quote({}, 0);
    assert.equal(atTarget.explain?.reservationPrice, 100_000);
    assert.deepEqual(atTarget.bid, flat.bid);
    assert.deepEqual(atTarget.ask, flat.ask);
    assert.equal(flat.explain?.inventoryTargetLots, undefined);
  });
  it('a short target (−1 lot) when flat skews down: r = 100 000 − 3.24', () => {
    const q = quote({ inventoryTargetLots: -1 }, 0);
    assert.ok(Math.abs((q.explain?.reservationPrice ?? 0) - 99_996.76) < 1e-9);
  });
  it('GLFT skews around the target too: q = q* gives the GLFT quotes of q = 0', () => {
    const a = quote({ model: 'glft', inventoryTargetLots: 3 }, 0.003);
    const b = quote({ model: 'glft' }, 0);
    assert.equal(a.explain?.reservationPrice, b.explain?.reservationPrice);
  });
  it('a target beyond the max position is refused, naming the key', () => {
    assert.throws(() => createStrategy({ ...BASE, inventoryTargetLots: 6 }), UserError);
    assert.throws(() => createStrategy({ ...BASE, inventoryTargetLots: 6 }), /inventoryTargetLots/);
  });
  it('config strategy.inventory_target and --inventory-target reach the strategy (the flag wins)', () => {
    const cfg = configSchema.parse({ strategy: { inventory_target: 1.5, filled_order_delay_s: 2 } });
    const fromFile = runSettings(cfg, {});
    assert.equal(fromFile.strategy.inventoryTargetLots, 1.5);
    assert.equal(fromFile.strategy.filledOrderDelayMs, 2000);
    const fromFlag = runSettings(cfg, { inventoryTarget: -1, filledOrderDelayS: 0.5 });
    assert.equal(fromFlag.strategy.inventoryTargetLots, -1);
    assert.equal(fromFlag.strategy.filledOrderDelayMs, 500);
    assert.throws(
      () => runSettings(cfg, { inventoryTarget: 9 }),
      /--inventory-target .* beyond the max position of 5 lots/,
    );
  });
  it('--params-source online: the online settings from the config and flags; calibrated: none', () => {
    const cfg = configSchema.parse({ strategy: { params_source: 'blend', online: { blend_weight: 0.25 } } });
    const s = runSettings(cfg, { onlineWindowS: 300 });
    assert.deepEqual(s.online, {
      source: 'blend',
      windowS: 300,
      refreshS: 5,
      blendWeight: 0.25,
      boundsFactor: 3,
      minSigmaCoverage: 0.5,
      minOrders: 50,
    });
    assert.equal(runSettings(cfg, { paramsSource: 'calibrated' }).online, null);
    assert.equal(runSettings(configSchema.parse({}), {}).online, null);
    assert.throws(() => runSettings(cfg, { onlineRefreshS: 900 }), /--online-refresh-s/);
  });
});

// ── fill delay, hand-timed on the backtest's SimulatedClock ───────────────────────────────────────────────────
const T0 = Date.UTC(2025, 0, 1, 12);
let tid = 1;
const bbo = (dt: number, bidPx: number, askPx: number): MarketEvent => ({
  kind: 'bbo',
  exchMs: T0 + dt,
  recvS: (T0 + dt) / 1000,
  bidPx,
  bidSz: 1,
  askPx,
  askSz: 1,
});
const trade = (dt: number, side: Side, px: number): MarketEvent => ({
  kind: 'trade',
  exchMs: T0 + dt,
  recvS: (T0 + dt) / 1000,
  px,
  sz: 1,
  side,
  tid: tid++,
});

function engine(filledOrderDelayMs: number): BacktestEngine {
  return new BacktestEngine({
    strategy: createStrategy({ ...BASE, filledOrderDelayMs }),
    params: PARAMS,
    orderSizeBase: 0.001,
    maxPositionLots: 5,
    latencyMs: 0,
    requoteIntervalMs: 1000,
  });
}
const restingSides = (e: BacktestEngine) =>
  e.venue
    .openOrders()
    .map((o) => o.side)
    .sort();

describe('fill delay: no new order on a side for S seconds after a fill on it (engine clock)', () => {
  it('bid filled at 1.000 s with a 3 s delay: no bid until 3.999 s, a bid again at 4.000 s; the ask quotes all along', () => {
    const e = engine(3000);
    e.onEvent(bbo(0, 99_999, 100_001));
    e.onEvent(bbo(10, 99_999, 100_001)); // orders live (latency 0)
    assert.deepEqual(restingSides(e), ['buy', 'sell']);
    // A sell print far through our bid (≈ 99 963) fills it at 1.000 s.
    e.onEvent(trade(1000, 'sell', 99_000));
    assert.equal(e.ledger.snapshot().buyFills, 1);
    assert.equal(e.loop.lastQuote?.bid, null);
    assert.equal(e.loop.lastQuote?.explain?.withheld, 'fill delay');
    assert.match(e.loop.lastQuote?.explain?.note ?? '', /no bid: fill delay until 2025-01-01T12:00:04.000Z/);
    assert.ok(e.loop.lastQuote?.ask !== null);
    // The touch moves (so the strategy is asked at each of these times): still no bid before 4.000 s.
    e.onEvent(bbo(2000, 99_998, 100_000));
    assert.equal(e.loop.lastQuote?.bid, null);
    e.onEvent(bbo(3999, 99_999, 100_001));
    assert.equal(e.loop.lastQuote?.bid, null);
    assert.deepEqual(restingSides(e), ['sell']);
    e.onEvent(bbo(4000, 99_998, 100_000));
    assert.ok(e.loop.lastQuote?.bid !== null, 'bid back at fill + 3 s');
    e.onEvent(bbo(4010, 99_998, 100_000));
    assert.deepEqual(restingSides(e), ['buy', 'sell']);
    // The time withheld is counted: 1.000 s → 4.000 s.
    assert.equal(e.finish().pulledSeconds['fill delay'], 3);
  });

  it('an ask fill delays only the ask; delay 0 (default) re-quotes the filled side at once', () => {
    const e = engine(2000);
    e.onEvent(bbo(0, 99_999, 100_001));
    e.onEvent(trade(500, 'buy', 101_000)); // through our ask (≈ 100 037)
    assert.equal(e.ledger.snapshot().sellFills, 1);
    assert.equal(e.loop.lastQuote?.ask, null);
    assert.ok(e.loop.lastQuote?.bid !== null);
    e.onEvent(bbo(2499, 99_998, 100_000));
    assert.equal(e.loop.lastQuote?.ask, null);
    e.onEvent(bbo(2500, 99_999, 100_001));
    assert.ok(e.loop.lastQuote?.ask !== null);

    const none = engine(0);
    none.onEvent(bbo(0, 99_999, 100_001));
    none.onEvent(trade(500, 'buy', 101_000));
    assert.equal(none.ledger.snapshot().sellFills, 1);
    assert.ok(none.loop.lastQuote?.ask !== null);
  });
});
