import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import type { Bbo } from '../../src/core/market.ts';
import { isValidPrice, isValidSize } from '../../src/exchange/hyperliquid/rules.ts';
import type { ModelParams } from '../../src/model/params.ts';
import type { StrategyConfig } from '../../src/strategy/index.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import { btcInstrument } from '../support/instruments.ts';

const NOW = Date.parse('2025-09-10T12:00:00Z');
const bbo = (bidPx: number, askPx: number): Bbo => ({
  exchMs: NOW,
  recvS: NOW / 1000,
  bidPx,
  bidSz: 1,
  askPx,
  askSz: 1,
});
const PARAMS: ModelParams = { sigma: 3, A: 1, k: 0.05, gamma: 1e-4 };
// BTC, 1 lot = 0.001 BTC (≈ 100 USDC), rolling τ = 1 h.
const BASE: Partial<StrategyConfig> = {
  orderSizeBase: 0.001,
  maxPositionLots: 5,
  instrument: btcInstrument,
  horizon: { kind: 'rolling', tauS: 3600 },
};

function quote(
  config: Partial<StrategyConfig>,
  positionBase: number,
  book = bbo(99_999, 100_001),
  params = PARAMS,
) {
  return createStrategy({ ...BASE, ...config }).quote({ nowMs: NOW, bbo: book, positionBase, params });
}

describe('two-sided strategy (A–S, BTC at 100 000, σ = 3, k = 0.05, γ = 1e-4, τ = 3600 s)', () => {
  // half spread = (1e-4·9·3600 + 2e4·ln(1.002))/2 = 21.600027; fee = 0.00015·100 000 = 15 USDC per side.
  it('flat: bid = mid − half − fee rounded down, ask = mid + half + fee rounded up', () => {
    const q = quote({}, 0);
    assert.deepEqual(q.bid, { side: 'buy', px: 99_963, sz: 0.001 }); // 99 963.39997 ↓
    assert.deepEqual(q.ask, { side: 'sell', px: 100_037, sz: 0.001 }); // 100 036.60003 ↑
    assert.ok(Math.abs(q.explain!.halfSpreadBid - 21.600026626730582) < 1e-9);
    assert.equal(q.explain!.qLots, 0);
    assert.equal(q.explain!.tauS, 3600);
    assert.equal(q.explain!.note, undefined);
  });
  it('long one lot: both quotes move down by q·γ·σ²·τ = 3.24 USDC', () => {
    const q = quote({}, 0.001);
    assert.equal(q.explain!.reservationPrice, 100_000 - 3.24);
    assert.equal(q.bid!.px, 99_960); // 99 960.16 ↓
    assert.equal(q.ask!.px, 100_034); // 100 033.36 ↑
  });
  it('the maker fee widens each side by feeRate × mid', () => {
    const noFee = quote({ makerFeeRate: 0 }, 0);
    assert.equal(noFee.bid!.px, 99_978); // 99 978.39997 ↓
    assert.equal(noFee.ask!.px, 100_022); // 100 021.60003 ↑
    const fee = quote({ makerFeeRate: 0.0003 }, 0);
    assert.equal(fee.bid!.px, 99_948); // 30 USDC more
    assert.equal(fee.ask!.px, 100_052);
  });
  it('max position: the side whose fill would exceed the limit is not quoted', () => {
    const atLimit = quote({}, 0.005);
    assert.equal(atLimit.bid, null);
    assert.ok(atLimit.ask);
    assert.match(atLimit.explain!.note!, /max position 5 lots/);
    const nearLimit = quote({}, 0.0045); // a bid fill would make 5.5 lots
    assert.equal(nearLimit.bid, null);
    const shortLimit = quote({}, -0.005);
    assert.equal(shortLimit.ask, null);
    assert.ok(shortLimit.bid);
    assert.ok(quote({}, 0.004).bid); // 4 + 1 = 5 lots: allowed
  });
  it('post-only: a bid that would cross is pulled behind the best ask', () => {
    // short 5 lots with τ = 1 day: r = 100 000 + 5·77.76 = 100 388.8, model bid 100 314.94 > best ask 100 001
    const q = quote({ maxPositionLots: 10, horizon: { kind: 'rolling', tauS: 86_400 } }, -0.005);
    assert.equal(q.bid!.px, 100_000); // one tick under the best ask
    assert.equal(q.ask!.px, 100_463); // 100 462.66 ↑
    assert.match(q.explain!.note!, /post-only/);
  });
  it('post-only on a one-tick book: an ask that would cross rests at the best ask', () => {
    const q = quote(
      { maxPositionLots: 10, horizon: { kind: 'rolling', tauS: 86_400 } },
      0.005,
      bbo(99_999, 100_000),
    );
    assert.equal(q.ask!.px, 100_000);
    assert.ok(q.bid!.px < 99_999);
  });
  it('minimum spread (bps of mid) widens both sides around the centre', () => {
    const q = quote({ minSpreadBps: 20 }, 0); // 200 USDC
    assert.equal(q.bid!.px, 99_900);
    assert.equal(q.ask!.px, 100_100);
  });
  it('one lot worth less than 10 USDC is sized up to the minimum order value', () => {
    const q = quote({ orderSizeBase: 0.00005 }, 0, bbo(99_999, 100_001), { ...PARAMS, gamma: 1e-4 });
    // bid ≈ 99 963: 10 / 99 963 = 0.00010004 → 0.00011 BTC
    assert.equal(q.bid!.sz, 0.00011);
    assert.ok(q.bid!.px * q.bid!.sz >= 10);
    assert.ok(q.ask!.px * q.ask!.sz >= 10);
  });
  it('NaN / non-finite params or book → no quotes and a note', () => {
    for (const params of [
      { ...PARAMS, sigma: Number.NaN },
      { ...PARAMS, k: Number.POSITIVE_INFINITY },
      { ...PARAMS, gamma: 0 },
    ]) {
      const q = quote({}, 0, bbo(99_999, 100_001), params);
      assert.equal(q.bid, null);
      assert.equal(q.ask, null);
      assert.match(q.explain!.note!, /model parameter/);
    }
    const crossed = quote({}, 0, bbo(100_001, 99_999));
    assert.equal(crossed.bid, null);
    assert.match(crossed.explain!.note!, /crossed/);
    assert.match(quote({}, 0, bbo(Number.NaN, 100_001)).explain!.note!, /best bid/);
    assert.match(quote({}, Number.NaN).explain!.note!, /position/);
  });
  it('GLFT model: infinite horizon (τ NaN), skew q·c2', () => {
    const q = quote({ model: 'glft' }, 0.002);
    assert.ok(Number.isNaN(q.explain!.tauS));
    assert.ok(q.explain!.reservationPrice < 100_000);
    assert.ok(q.bid!.px < q.ask!.px);
  });
  it('bad settings are user errors naming the key', () => {
    assert.throws(
      () => createStrategy({ orderSizeBase: 0 }),
      (e) => e instanceof UserError && /orderSizeBase/.test(e.message),
    );
    assert.throws(
      () => createStrategy({ makerFeeRate: Number.NaN }),
      (e) => e instanceof UserError && /makerFeeRate/.test(e.message),
    );
  });
  it('property: quotes are venue-valid, rest passively and never cross each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20_000, max: 200_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e-2, noNaN: true }),
        fc.constantFrom('as' as const, 'glft' as const),
        (bid, spreadTicks, lots, sigma, k, gamma, model) => {
          const book = bbo(bid, bid + spreadTicks);
          const q = quote(
            { model, maxPositionLots: 10, horizon: { kind: 'rolling', tauS: 7200 } },
            Math.round(lots * 1000) / 1e6,
            book,
            { sigma, k, gamma, A: 0.5 },
          );
          if (q.bid) {
            assert.ok(q.bid.px < book.askPx && isValidPrice(q.bid.px, 5) && isValidSize(q.bid.sz, 5));
          }
          if (q.ask) {
            assert.ok(q.ask.px > book.bidPx && isValidPrice(q.ask.px, 5) && isValidSize(q.ask.sz, 5));
          }
          if (q.bid && q.ask) assert.ok(q.bid.px < q.ask.px);
        },
      ),
      { numRuns: 500 },
    );
  });
});
