import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import type { Bbo } from '../../src/core/market.ts';
import { RiskGuard } from '../../src/engine/risk.ts';
import {
  isValidPrice,
  isValidSize,
  priceAbove,
  priceBelow,
  roundPrice,
} from '../../src/exchange/hyperliquid/rules.ts';
import type { ModelParams } from '../../src/model/params.ts';
import { createStrategy, type StrategyConfig } from '../../src/strategy/index.ts';
import { type LadderConfig, ladderSide, levelSpacingQuote } from '../../src/strategy/ladder.ts';
import type { QuoteIntent } from '../../src/strategy/types.ts';
import { btcInstrument, perpInstrument } from '../support/instruments.ts';

// BTC (szDecimals 5) near 60 000: the tick is 1 USDC (5 significant figures).
const VENUE = perpInstrument(5);
const FLAT = { positionBase: 0, lotBase: 0.001, maxPositionLots: 10 };
const cfg = (over: Partial<LadderConfig> = {}): LadderConfig => ({
  levels: 3,
  spacingTicks: 1,
  spacingHalfSpread: 0,
  sizeFactor: 1,
  grid: false,
  ...over,
});
const pxSz = (levels: readonly QuoteIntent[]) => levels.map((l) => [l.px, l.sz]);

describe('ladder (BTC near 60 000, tick 1 USDC, lot 0.001)', () => {
  it('spacing in ticks, sizes geometric: 2 ticks apart, 1, 2, 4 lots', () => {
    const c = cfg({ spacingTicks: 2, sizeFactor: 2 });
    const bids = ladderSide('buy', 59_990, 10.4, c, VENUE, FLAT);
    const asks = ladderSide('sell', 60_010, 10.4, c, VENUE, FLAT);
    assert.deepEqual(pxSz(bids.levels), [
      [59_990, 0.001],
      [59_988, 0.002],
      [59_986, 0.004],
    ]);
    assert.deepEqual(pxSz(asks.levels), [
      [60_010, 0.001],
      [60_012, 0.002],
      [60_014, 0.004],
    ]);
    assert.equal(bids.cut, null);
  });

  it('spacing as a fraction of the half spread: 0.5 × 10.4 = 5.2 USDC, rounded away from the mid', () => {
    const c = cfg({ spacingHalfSpread: 0.5 });
    assert.equal(levelSpacingQuote(c, 10.4, 59_990, VENUE), 5.2);
    // 59 990 − 5.2 = 59 984.8 → 59 984; 59 990 − 10.4 = 59 979.6 → 59 979.
    assert.deepEqual(
      ladderSide('buy', 59_990, 10.4, c, VENUE, FLAT).levels.map((l) => l.px),
      [59_990, 59_984, 59_979],
    );
    // 60 010 + 5.2 = 60 015.2 → 60 016; 60 010 + 10.4 = 60 020.4 → 60 021.
    assert.deepEqual(
      ladderSide('sell', 60_010, 10.4, c, VENUE, FLAT).levels.map((l) => l.px),
      [60_010, 60_016, 60_021],
    );
  });

  it('GLFT grid rule: interval = half spread rounded to ticks (10.4 → 10), level 0 floored/ceiled onto it', () => {
    const c = cfg({ grid: true });
    assert.equal(levelSpacingQuote(c, 10.4, 59_993, VENUE), 10);
    assert.equal(levelSpacingQuote(c, 0.3, 59_993, VENUE), 1, 'at least one tick');
    assert.deepEqual(
      ladderSide('buy', 59_993, 10.4, c, VENUE, FLAT).levels.map((l) => l.px),
      [59_990, 59_980, 59_970],
    );
    assert.deepEqual(
      ladderSide('sell', 60_007, 10.4, c, VENUE, FLAT).levels.map((l) => l.px),
      [60_010, 60_020, 60_030],
    );
  });

  it('a level that would round onto the one before takes the next price outwards (never two on one price)', () => {
    const c = cfg({ spacingHalfSpread: 1e-12 });
    assert.deepEqual(
      ladderSide('buy', 59_990, 10, c, VENUE, FLAT).levels.map((l) => l.px),
      [59_990, 59_989, 59_988],
    );
    assert.deepEqual(
      ladderSide('sell', 60_010, 10, c, VENUE, FLAT).levels.map((l) => l.px),
      [60_010, 60_011, 60_012],
    );
  });

  it('sizes on the lot grid and at least the minimum order value: 0.0001 BTC (6 USDC) is sized up to 0.00017', () => {
    const c = cfg({ sizeFactor: 2 });
    const levels = ladderSide('buy', 59_990, 10, c, VENUE, { ...FLAT, lotBase: 0.0001 }).levels;
    // 10 / 59 990 = 0.000166694… → 0.00017 (rounded up); 0.0002 × 59 989 = 12 USDC; 0.0004.
    assert.deepEqual(pxSz(levels), [
      [59_990, 0.00017],
      [59_989, 0.0002],
      [59_988, 0.0004],
    ]);
    for (const l of levels) {
      assert.ok(isValidSize(l.sz, 5) && isValidPrice(l.px, 5));
      assert.ok(l.px * l.sz >= 10);
    }
  });

  it('max position counts every level: position + the side resting sizes stay within the limit', () => {
    const limits = { positionBase: 0, lotBase: 0.001, maxPositionLots: 2 };
    const flat = ladderSide('buy', 59_990, 10, cfg(), VENUE, limits);
    assert.equal(flat.levels.length, 2);
    assert.match(flat.cut ?? '', /level 3: resting levels would exceed max position 2 lots/);
    // Long 1 lot: one bid (1 + 1 = 2 lots); every ask reduces or stays within 2 lots (1 − 3 = −2).
    const long = { ...limits, positionBase: 0.001 };
    assert.equal(ladderSide('buy', 59_990, 10, cfg(), VENUE, long).levels.length, 1);
    assert.equal(ladderSide('sell', 60_010, 10, cfg(), VENUE, long).levels.length, 3);
  });
});

const NOW = Date.parse('2025-09-10T12:00:00Z');
const BBO: Bbo = { exchMs: NOW, recvS: NOW / 1000, bidPx: 59_999, bidSz: 1, askPx: 60_001, askSz: 1 };
const PARAMS: ModelParams = { sigma: 3, A: 1, k: 0.05, gamma: 1e-4 };
const BASE: Partial<StrategyConfig> = {
  orderSizeBase: 0.001,
  maxPositionLots: 5,
  instrument: btcInstrument,
  horizon: { kind: 'rolling', tauS: 3600 },
};
const quoteWith = (over: Partial<StrategyConfig>, positionBase = 0) =>
  createStrategy({ ...BASE, ...over }).quote({ nowMs: NOW, bbo: BBO, positionBase, params: PARAMS });

describe('two-sided strategy with a ladder', () => {
  it('levels 1 is the one-bid-one-ask quote, without level arrays', () => {
    const one = quoteWith({ levels: 1 });
    assert.deepEqual(one, quoteWith({}));
    assert.equal(one.bidLevels, undefined);
  });

  it('levels 3: level 0 is the one-level quote, levels 1 and 2 one tick further out each', () => {
    const one = quoteWith({});
    const three = quoteWith({ levels: 3 });
    assert.deepEqual(three.bid, one.bid);
    assert.deepEqual(three.ask, one.ask);
    const b = one.bid?.px as number;
    const a = one.ask?.px as number;
    assert.deepEqual(
      three.bidLevels?.map((l) => l.px),
      [b, b - 1, b - 2],
    );
    assert.deepEqual(
      three.askLevels?.map((l) => l.px),
      [a, a + 1, a + 2],
    );
    assert.equal(three.bidLevels?.[0], three.bid);
  });

  it('GLFT with levels > 1 quotes the grid: levels a whole number of ticks apart, on multiples of it', () => {
    const q = quoteWith({ model: 'glft', levels: 4 });
    const bids = q.bidLevels?.map((l) => l.px) ?? [];
    assert.equal(bids.length, 4);
    const step = bids[0] - bids[1];
    assert.ok(step >= 1 && Number.isInteger(step));
    assert.equal(bids[0] % step, 0);
    assert.deepEqual(
      bids.slice(1).map((p, i) => bids[i] - p),
      [step, step, step],
    );
  });

  it('bad ladder settings are one sentence naming the key', () => {
    assert.throws(
      () => createStrategy({ levels: 0 }),
      (e: Error) => e instanceof UserError && /"levels"/.test(e.message),
    );
    assert.throws(
      () => createStrategy({ levels: 3, mode: 'long-only' }),
      (e: Error) => e instanceof UserError && /needs mode "two-sided"/.test(e.message),
    );
    assert.throws(() => createStrategy({ levelSizeFactor: 0 }), /"levelSizeFactor"/);
  });
});

describe('risk layer with a ladder', () => {
  const guard = new RiskGuard({
    maxPositionLots: 2,
    maxNotionalQuote: 1e9,
    maxOrderSizeBase: null,
    dailyLossLimitQuote: null,
    maxDrawdownQuote: null,
    staleDataMs: 1e9,
    lotBase: 0.001,
  });
  const lvl = (side: 'buy' | 'sell', px: number): QuoteIntent => ({ side, px, sz: 0.001 });
  const bids = [lvl('buy', 59_990), lvl('buy', 59_989), lvl('buy', 59_988)];
  const asks = [lvl('sell', 60_010), lvl('sell', 60_011), lvl('sell', 60_012)];

  it('the sum of a side resting sizes plus the position must stay within max position', () => {
    const q = { bid: bids[0], ask: asks[0], explain: null, bidLevels: bids, askLevels: asks };
    const flat = guard.filter(q, 0, 60_000);
    assert.equal(flat.bidLevels?.length, 2);
    assert.equal(flat.askLevels?.length, 2);
    // Long 2 lots: no bid at all; asks 2 − 3 = −1 lot: all three.
    const long = guard.filter(q, 0.002, 60_000);
    assert.equal(long.bid, null);
    assert.deepEqual(long.bidLevels, []);
    assert.equal(long.askLevels?.length, 3);
  });

  it('a quote without levels is filtered as before', () => {
    const q = { bid: bids[0], ask: asks[0], explain: null };
    assert.equal(guard.filter(q, 0, 60_000), q);
  });
});

describe('ladder properties (any price, grid, spacing, size factor)', () => {
  it('prices on the tick grid, strictly outwards, bids below asks; sizes on the lot grid and ≥ the minimum', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 200_000, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.boolean(),
        fc.double({ min: 0, max: 0.01, noNaN: true }),
        (mid, szDecimals, levels, ticks, fraction, factor, grid, halfRel) => {
          const sd = szDecimals;
          const bid0 = priceBelow(roundPrice(mid, sd, 'nearest'), sd);
          const ask0 = priceAbove(roundPrice(mid, sd, 'nearest'), sd);
          if (!(bid0 > 0)) return;
          const c = cfg({
            levels,
            spacingTicks: ticks,
            spacingHalfSpread: fraction,
            sizeFactor: factor,
            grid,
          });
          const venue = perpInstrument(sd);
          const limits = { positionBase: 0, lotBase: 10 ** -sd, maxPositionLots: 1e12 };
          const half = halfRel * mid;
          const b = ladderSide('buy', bid0, half, c, venue, limits).levels;
          const a = ladderSide('sell', ask0, half, c, venue, limits).levels;
          for (const side of [b, a])
            for (let i = 0; i < side.length; i++) {
              assert.ok(isValidPrice(side[i].px, sd), `price ${side[i].px}`);
              assert.ok(isValidSize(side[i].sz, sd), `size ${side[i].sz}`);
              assert.ok(side[i].px * side[i].sz >= 10 * (1 - 1e-9), 'minimum order value');
              if (i > 0)
                assert.ok(
                  side === b ? side[i].px < side[i - 1].px : side[i].px > side[i - 1].px,
                  'strictly outwards',
                );
            }
          if (b.length > 0 && a.length > 0) assert.ok(b[0].px < a[0].px, 'never crossing');
          if (b.length > 0) assert.ok(b[0].px <= bid0, 'level 0 never moves inwards');
          if (a.length > 0) assert.ok(a[0].px >= ask0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
