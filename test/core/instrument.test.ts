import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Instrument,
  isValidPrice,
  isValidSize,
  lotSizeBase,
  meetsMinOrderValue,
  priceAbove,
  priceBelow,
  priceDecimalsAt,
  roundPrice,
  roundSize,
  sizeForNotional,
  tickSizeAt,
} from '../../src/core/instrument.ts';
import { hyperliquidInstrument } from '../../src/exchange/hyperliquid/rules.ts';
import { knownPerpInstrument } from '../../src/exchange/hyperliquid/universe.ts';
import { DEFAULT_INSTRUMENT } from '../../src/strategy/config.ts';

// Hyperliquid's BTC and ETH perps (≤ 5 significant figures, ≤ 6 − szDecimals decimals, 10 USDC minimum).
const BTC: Instrument = {
  coin: 'BTC',
  szDecimals: 5,
  maxPriceDecimals: 1,
  priceSignificantFigures: 5,
  minOrderValueQuote: 10,
  maxLeverage: 50,
};
const ETH: Instrument = { ...BTC, coin: 'ETH', szDecimals: 4, maxPriceDecimals: 2 };
// A venue with a fixed 0.01 tick and no significant-figure rule, 5 USDC minimum, 3 size decimals.
const FIXED: Instrument = {
  coin: 'X',
  szDecimals: 3,
  maxPriceDecimals: 2,
  priceSignificantFigures: null,
  minOrderValueQuote: 5,
  maxLeverage: 10,
};

describe('Instrument price grid', () => {
  it('decimals and tick at a price, by hand', () => {
    // BTC at 100 000: 6 digits before the point leave −1 significant decimals → 0 decimals, tick 1.
    assert.equal(priceDecimalsAt(BTC, 100_000), 0);
    assert.equal(tickSizeAt(BTC, 100_000), 1);
    // BTC at 9 000: 4 digits → 1 decimal (also the 6 − 5 cap) → tick 0.1.
    assert.equal(tickSizeAt(BTC, 9_000), 0.1);
    // ETH at 4 000: 4 digits → 1 decimal (the cap 6 − 4 = 2 is looser) → 0.1; at 40: 3 decimals capped at 2.
    assert.equal(tickSizeAt(ETH, 4_000), 0.1);
    assert.equal(priceDecimalsAt(ETH, 40), 2);
    // The fixed-tick venue: 2 decimals at any price.
    assert.equal(tickSizeAt(FIXED, 100_000), 0.01);
    assert.equal(tickSizeAt(FIXED, 0.5), 0.01);
  });

  it('rounds in the asked direction and says NaN for no price', () => {
    assert.equal(roundPrice(BTC, 100_000.7, 'down'), 100_000);
    assert.equal(roundPrice(BTC, 100_000.2, 'up'), 100_001);
    assert.equal(roundPrice(BTC, 9_123.45, 'down'), 9_123.4);
    assert.equal(roundPrice(BTC, 9_123.45, 'up'), 9_123.5);
    assert.equal(roundPrice(FIXED, 100_000.456, 'down'), 100_000.45);
    assert.equal(roundPrice(FIXED, 100_000.451, 'up'), 100_000.46);
    assert.ok(Number.isNaN(roundPrice(BTC, 0, 'down')));
    assert.ok(Number.isNaN(roundPrice(BTC, Number.NaN, 'up')));
  });

  it('no decimals (whole-number grid): the same doubles as scaling by 10^0', () => {
    // The decimals-0 path skips × 1 and ÷ 1; the reference does them, with the same grid tolerance.
    const ref = (px: number, dir: 'down' | 'up' | 'nearest') => {
      const scaled = px * 1;
      const nearest = Math.round(scaled);
      if (Math.abs(scaled - nearest) <= 1e-12 * Math.max(1, Math.abs(scaled))) return nearest / 1;
      return (dir === 'down' ? Math.floor(scaled) : dir === 'up' ? Math.ceil(scaled) : nearest) / 1;
    };
    for (const px of [10_001.5, 99_661.4999, 100_000.7, 123_456.000_000_01, 54_321.5, 2 ** 40 + 0.5])
      for (const dir of ['down', 'up', 'nearest'] as const)
        assert.ok(Object.is(roundPrice(BTC, px, dir), ref(px, dir)), `${px} ${dir}`);
    assert.equal(roundSize({ ...BTC, szDecimals: 0 }, 2.7), 2);
    assert.equal(roundSize({ ...BTC, szDecimals: 0 }, 2.2, 'up'), 3);
  });

  it('the next valid price above and below', () => {
    assert.equal(priceBelow(BTC, 100_000), 99_999);
    assert.equal(priceAbove(BTC, 100_000), 100_001);
    // Just under a power of ten the significant-figure grid is finer: 10 000 → 9 999.9.
    assert.equal(priceBelow(BTC, 10_000), 9_999.9);
    assert.equal(priceBelow(FIXED, 10_000), 9_999.99);
    assert.equal(priceAbove(FIXED, 10_000), 10_000.01);
  });

  it('validity: integers always, decimals only on the grid', () => {
    assert.equal(isValidPrice(BTC, 123_456), true);
    assert.equal(isValidPrice(BTC, 100_000.5), false);
    assert.equal(isValidPrice(BTC, 9_000.1), true);
    assert.equal(isValidPrice(FIXED, 100_000.25), true);
    assert.equal(isValidPrice(FIXED, 100_000.255), false);
  });
});

describe('Instrument lot grid and minimum order value', () => {
  it('lot size, size rounding and validity', () => {
    assert.equal(lotSizeBase(BTC), 0.00001);
    assert.equal(lotSizeBase(FIXED), 0.001);
    assert.equal(roundSize(BTC, 0.0012345), 0.00123);
    assert.equal(roundSize(BTC, 0.0012345, 'up'), 0.00124);
    assert.equal(roundSize(FIXED, 0.0015, 'nearest'), 0.002);
    assert.equal(isValidSize(BTC, 0.00123), true);
    assert.equal(isValidSize(BTC, 0.000123), false);
    assert.ok(Number.isNaN(roundSize(BTC, -1)));
  });

  it('sizes up to the minimum order value', () => {
    // 10 USDC at 100 000 = 0.0001 BTC exactly; at 99 999 it takes 0.00010001 → up to 0.00011.
    assert.equal(sizeForNotional(BTC, 10, 100_000), 0.0001);
    assert.equal(sizeForNotional(BTC, 10, 99_999), 0.00011);
    // ETH at 4 000: 10 / 4 000 = 0.0025 (on the 0.0001 grid).
    assert.equal(sizeForNotional(ETH, 10, 4_000), 0.0025);
    assert.equal(meetsMinOrderValue(BTC, 100_000, 0.0001), true);
    assert.equal(meetsMinOrderValue(BTC, 99_999, 0.0001), false);
    // The fixed venue's own minimum (5) is the default; an explicit one overrides it.
    assert.equal(meetsMinOrderValue(FIXED, 10, 0.5), true);
    assert.equal(meetsMinOrderValue(FIXED, 10, 0.5, 10), false);
  });
});

describe('the Hyperliquid adapter states its perps as Instruments', () => {
  it('from a meta universe entry and from the shipped table', () => {
    assert.deepEqual(hyperliquidInstrument({ name: 'ETH', szDecimals: 4, maxLeverage: 50 }), ETH);
    assert.deepEqual(knownPerpInstrument('BTC'), BTC);
    assert.deepEqual(knownPerpInstrument('btc'), { ...BTC, coin: 'btc' });
    assert.equal(knownPerpInstrument('NOPE'), null);
    // --sz-decimals for a coin not in the table: its grid, the cautious leverage 1.
    assert.deepEqual(knownPerpInstrument('NOPE', 2), {
      coin: 'NOPE',
      szDecimals: 2,
      maxPriceDecimals: 4,
      priceSignificantFigures: 5,
      minOrderValueQuote: 10,
      maxLeverage: 1,
    });
  });

  it("the strategy's default contract is Hyperliquid's BTC", () => {
    assert.deepEqual(DEFAULT_INSTRUMENT, knownPerpInstrument('BTC'));
  });
});
