import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bbo } from '../../src/core/market.ts';
import type { ModelParams } from '../../src/model/params.ts';
import type { StrategyConfig } from '../../src/strategy/index.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import type { Strategy } from '../../src/strategy/types.ts';
import { btcInstrument } from '../support/instruments.ts';

const T0 = Date.parse('2025-09-10T12:00:00Z');
const bbo = (bidPx: number, askPx: number): Bbo => ({
  exchMs: T0,
  recvS: T0 / 1000,
  bidPx,
  bidSz: 1,
  askPx,
  askSz: 1,
});
const PARAMS: ModelParams = { sigma: 3, A: 1, k: 0.05, gamma: 1e-4 };
const CONFIG: Partial<StrategyConfig> = {
  mode: 'long-only',
  instrument: btcInstrument,
  horizon: { kind: 'rolling', tauS: 3600 },
  stakeQuote: 20,
  repriceAfterMs: 15_000,
};

function make(config: Partial<StrategyConfig> = {}): Strategy {
  return createStrategy({ ...CONFIG, ...config });
}
// The book is stamped at the moment asked (fresh), so the stale-book rule stays out of these cases.
const at = (s: Strategy, dtMs: number, book: Bbo, positionBase: number, params = PARAMS) =>
  s.quote({ nowMs: T0 + dtMs, bbo: { ...book, exchMs: T0 + dtMs }, positionBase, params });

describe('long-only ping-pong', () => {
  it('flat: one buy of one stake (20 USDC on the lot grid) at the model bid, no ask', () => {
    const q = at(make(), 0, bbo(99_999, 100_001), 0);
    assert.equal(q.ask, null);
    // q = 0: same model bid as two-sided, 100 000 − 21.600027 − 15 (fee) = 99 963.39997 ↓
    assert.deepEqual(q.bid, { side: 'buy', px: 99_963, sz: 0.0002 });
  });
  it('an unfilled buy keeps its price for 15 s, then is re-priced from the model', () => {
    const s = make();
    assert.equal(at(s, 0, bbo(99_999, 100_001), 0).bid!.px, 99_963);
    const moved = bbo(100_099, 100_101); // mid +100
    const kept = at(s, 14_999, moved, 0);
    assert.equal(kept.bid!.px, 99_963);
    assert.match(kept.explain!.note!, /keeping the working price/);
    assert.equal(at(s, 15_000, moved, 0).bid!.px, 100_063); // 100 063.39997 ↓
    // and the new price is kept for the next 15 s
    const up = bbo(100_199, 100_201);
    assert.equal(at(s, 29_999, up, 0).bid!.px, 100_063);
    assert.equal(at(s, 30_000, up, 0).bid!.px, 100_163);
  });
  it('once bought: one sell of the position at the model ask, skewed by q = 1 stake', () => {
    const s = make();
    at(s, 0, bbo(99_999, 100_001), 0);
    s.onFill({ side: 'buy', px: 99_963, sz: 0.0002, exchMs: T0 + 1000, feeQuote: 0.003 });
    const q = at(s, 1000, bbo(99_999, 100_001), 0.0002);
    assert.equal(q.bid, null);
    assert.equal(q.ask!.sz, 0.0002);
    // q = 0.0002 / (20 / 100 000) = 1 lot: ask = 100 000 − 3.24 + 21.600027 + 15 = 100 033.36 ↑
    assert.equal(q.explain!.qLots, 1);
    assert.equal(q.ask!.px, 100_034);
  });
  it('after the sell fills, it buys again (fresh price, not the old one)', () => {
    const s = make();
    at(s, 0, bbo(99_999, 100_001), 0);
    at(s, 1000, bbo(99_999, 100_001), 0.0002);
    const q = at(s, 2000, bbo(100_199, 100_201), 0);
    assert.equal(q.ask, null);
    assert.equal(q.bid!.px, 100_163); // priced now at mid 100 200
  });
  it('a kept price that would now cross the book is re-priced at once (post-only first)', () => {
    const s = make();
    assert.equal(at(s, 0, bbo(99_999, 100_001), 0).bid!.px, 99_963);
    const q = at(s, 5000, bbo(99_899, 99_901), 0); // best ask 99 901 < our 99 963
    assert.equal(q.bid!.px, 99_863);
    assert.ok(q.bid!.px < 99_901);
  });
  it('a small partial buy (< 10 USDC held) keeps buying the rest of the stake at the kept price', () => {
    const s = make();
    at(s, 0, bbo(99_999, 100_001), 0);
    const q = at(s, 3000, bbo(99_999, 100_001), 0.00005); // 5 USDC held: not sellable alone
    assert.equal(q.ask, null);
    assert.equal(q.bid!.px, 99_963);
    assert.equal(q.bid!.sz, 0.00015); // (20 − 4.998) / 99 963 = 0.000150 BTC
  });
  it('max position below one stake: no buy, with a note', () => {
    const q = at(make({ maxPositionLots: 0.5 }), 0, bbo(99_999, 100_001), 0);
    assert.equal(q.bid, null);
    assert.match(q.explain!.note!, /max position/);
  });
  it('NaN params → no quotes and a note', () => {
    const q = at(make(), 0, bbo(99_999, 100_001), 0, { ...PARAMS, sigma: Number.NaN });
    assert.equal(q.bid, null);
    assert.equal(q.ask, null);
    assert.match(q.explain!.note!, /model parameter/);
  });
});
