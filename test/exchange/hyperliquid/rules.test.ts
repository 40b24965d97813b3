import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type AssetRules,
  findAssetRules,
  formatPrice,
  formatSize,
  isValidPrice,
  isValidSize,
  meetsMinOrderValue,
  priceAbove,
  priceBelow,
  priceDecimalsAt,
  roundPrice,
  roundSize,
  sizeForNotional,
  tickSizeAt,
} from '../../../src/exchange/hyperliquid/rules.ts';

const BTC = 5; // szDecimals from the real meta response
const ETH = 4;

describe('Hyperliquid rules: real szDecimals', () => {
  it('the recorded meta response gives BTC 5 and ETH 4', () => {
    const meta = JSON.parse(readFileSync('test/fixtures/hyperliquid/api-responses/info-meta.json', 'utf8'));
    const universe = meta.response.universe as AssetRules[];
    assert.equal(findAssetRules(universe, 'BTC')?.szDecimals, BTC);
    assert.equal(findAssetRules(universe, 'ETH')?.szDecimals, ETH);
    assert.equal(findAssetRules(universe, 'NOPE'), undefined);
  });
});

describe('prices: ≤ 5 significant figures and ≤ 6 − szDecimals decimals; integers always valid', () => {
  it('BTC (szDecimals 5): integer at 5+ digits, one decimal below 10 000', () => {
    assert.equal(tickSizeAt(115_234, BTC), 1);
    assert.equal(tickSizeAt(98_765.4, BTC), 1);
    assert.equal(tickSizeAt(9_876.54, BTC), 0.1);
    assert.equal(tickSizeAt(0.5, BTC), 0.1); // 6 − 5 = 1 decimal at most
    assert.ok(isValidPrice(115_234, BTC));
    assert.ok(isValidPrice(123_456, BTC)); // 6 significant figures, but an integer
    assert.ok(!isValidPrice(98_765.4, BTC));
    assert.ok(isValidPrice(9_876.5, BTC));
    assert.ok(!isValidPrice(9_876.55, BTC));
  });
  it('ETH (szDecimals 4): 0.1 at 4 digits, 0.01 at 3 (the 2-decimal cap)', () => {
    assert.equal(tickSizeAt(4_512.37, ETH), 0.1);
    assert.equal(tickSizeAt(451.237, ETH), 0.01);
    assert.equal(tickSizeAt(45.1237, ETH), 0.01); // 5 sig figs would allow 3, the decimal cap says 2
    assert.ok(isValidPrice(4_512.3, ETH));
    assert.ok(!isValidPrice(4_512.37, ETH));
    assert.ok(isValidPrice(451.23, ETH));
    assert.ok(!isValidPrice(451.234, ETH));
  });
  it('small prices, as in the docs: 0.001234 valid, 0.0012345 not (szDecimals 0); szDecimals 1 caps at 5', () => {
    assert.equal(priceDecimalsAt(0.001234, 0), 6);
    assert.ok(isValidPrice(0.001234, 0));
    assert.ok(!isValidPrice(0.0012345, 0));
    assert.ok(isValidPrice(0.01234, 1));
    assert.ok(!isValidPrice(0.012345, 1));
    assert.ok(isValidPrice(1234.5, 0));
    assert.ok(!isValidPrice(1234.56, 0));
  });
  it('directional rounding: a bid rounds down, an ask rounds up', () => {
    assert.equal(roundPrice(115_234.6, BTC, 'down'), 115_234);
    assert.equal(roundPrice(115_234.2, BTC, 'up'), 115_235);
    assert.equal(roundPrice(9_876.54, BTC, 'down'), 9_876.5);
    assert.equal(roundPrice(9_876.54, BTC, 'up'), 9_876.6);
    assert.equal(roundPrice(4_512.37, ETH, 'down'), 4_512.3);
    assert.equal(roundPrice(4_512.37, ETH, 'up'), 4_512.4);
    assert.equal(roundPrice(4_512.37, ETH, 'nearest'), 4_512.4);
    assert.equal(roundPrice(99_999.5, BTC, 'up'), 100_000); // crosses a power of ten: integer, valid
    assert.equal(roundPrice(9_999.97, BTC, 'up'), 10_000);
  });
  it('values already on the grid stay put despite binary noise (0.1 + 0.2)', () => {
    assert.equal(roundPrice(0.1 + 0.2, 0, 'up'), 0.3);
    assert.equal(roundPrice(0.1 + 0.2, 0, 'down'), 0.3);
    assert.equal(roundPrice(4_512.3, ETH, 'up'), 4_512.3);
    assert.ok(isValidPrice(0.1 + 0.2, 0));
  });
  it('one tick inside: priceBelow / priceAbove, including across powers of ten', () => {
    assert.equal(priceBelow(115_000, BTC), 114_999);
    assert.equal(priceAbove(115_000, BTC), 115_001);
    assert.equal(priceBelow(10_000, BTC), 9_999.9); // the grid is finer just below 10 000
    assert.equal(priceAbove(9_999.9, BTC), 10_000);
    assert.equal(priceBelow(4_512.3, ETH), 4_512.2);
    assert.equal(priceBelow(4_512.35, ETH), 4_512.3); // off-grid input: next grid price below
  });
  it('a price a thousandth under an integer rounds down below it (regression: tolerance was relative 1e-9)', () => {
    assert.equal(roundPrice(930_529.9990694701, 0, 'down'), 930_529);
    assert.equal(roundPrice(930_529.9990694701, 0, 'up'), 930_530);
  });
  it('non-finite or non-positive prices round to NaN', () => {
    assert.ok(Number.isNaN(roundPrice(Number.NaN, BTC, 'down')));
    assert.ok(Number.isNaN(roundPrice(-5, BTC, 'up')));
    assert.ok(!isValidPrice(Number.POSITIVE_INFINITY, BTC));
  });
  it('property: rounding gives valid prices on the right side, at most one tick away', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 2e6, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        (px, sz) => {
          const down = roundPrice(px, sz, 'down');
          const up = roundPrice(px, sz, 'up');
          const tick = tickSizeAt(px, sz);
          if (down > 0) {
            assert.ok(isValidPrice(down, sz), `down ${down}`);
            assert.ok(down <= px * (1 + 1e-12) && px - down < tick * (1 + 1e-9));
          }
          assert.ok(isValidPrice(up, sz), `up ${up}`);
          assert.ok(up >= px * (1 - 1e-12) && up - px < tick * (1 + 1e-9));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('sizes, minimum order value, wire text', () => {
  it('sizes truncate to szDecimals', () => {
    assert.equal(roundSize(0.000123456, BTC), 0.00012);
    assert.equal(roundSize(1.23456, ETH), 1.2345);
    assert.equal(roundSize(1.23451, ETH, 'up'), 1.2346);
    assert.ok(isValidSize(0.00012, BTC));
    assert.ok(!isValidSize(0.000123, BTC));
    assert.ok(isValidSize(0.1 + 0.2, 1));
  });
  it('10 USDC minimum: 0.0001 BTC at 100 000 passes, 0.00009 does not', () => {
    assert.ok(meetsMinOrderValue(100_000, 0.0001));
    assert.ok(!meetsMinOrderValue(100_000, 0.00009));
    assert.equal(sizeForNotional(10, 100_000, BTC), 0.0001);
    assert.equal(sizeForNotional(10, 99_999, BTC), 0.00011); // 0.000100001 rounds up
    assert.equal(sizeForNotional(20, 4_512.3, ETH), 0.0045); // 0.0044323… up
  });
  it('wire text has no trailing zeros or exponent', () => {
    assert.equal(formatPrice(100_000, BTC), '100000');
    assert.equal(formatPrice(9_876.5, BTC), '9876.5');
    assert.equal(formatPrice(4_512.3, ETH), '4512.3');
    assert.equal(formatSize(0.0001, BTC), '0.0001');
    assert.equal(formatSize(0.00000001 * 1e3, BTC), '0.00001');
    assert.equal(formatSize(2, ETH), '2');
  });
});
