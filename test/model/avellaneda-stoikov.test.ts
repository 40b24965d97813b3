import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  asQuotes,
  asTotalSpread,
  inventorySkewAs,
  reservationPrice,
} from '../../src/model/avellaneda-stoikov.ts';
import { horizonSeconds, parseHorizon } from '../../src/model/horizon.ts';
import { dailyPctFromSigma, sigmaFromDailyPct } from '../../src/model/units.ts';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('Avellaneda–Stoikov formulas (hand-computed)', () => {
  // s = 100, q = 2, γ = 0.1, σ = 2, τ = 0.5, k = 1.5:
  // skew = 2·0.1·4·0.5 = 0.4; spread = 0.1·4·0.5 + 20·ln(16/15) = 0.2 + 1.2907704227514 = 1.4907704227514
  it('reservation price r = s − qγσ²τ', () => {
    close(reservationPrice(100, 2, 0.1, 2, 0.5), 99.6);
    close(reservationPrice(100, -2, 0.1, 2, 0.5), 100.4);
    close(reservationPrice(100, 0, 0.1, 2, 0.5), 100);
  });
  it('total spread γσ²τ + (2/γ)ln(1+γ/k)', () => {
    close(asTotalSpread(0.1, 2, 0.5, 1.5), 1.4907704227514234);
    // τ = 0 leaves the liquidity term only: the paper's 1.29 for γ = 0.1
    close(asTotalSpread(0.1, 2, 0, 1.5), 1.2907704227514234);
  });
  it('quotes are r ∓ spread/2', () => {
    const q = asQuotes(100, 2, 0.1, 2, 0.5, 1.5);
    close(q.reservationPrice, 99.6);
    close(q.halfSpread, 0.7453852113757117);
    close(q.bid, 98.85461478862429);
    close(q.ask, 100.3453852113757);
  });
  it('the γ → 0 limit of the spread is 2/k (log1p keeps it exact)', () => {
    close(asTotalSpread(1e-15, 2, 0.5, 1.5), 2 / 1.5, 1e-12);
  });
});

describe('units: the skew is material at realistic BTC values', () => {
  // mid 100 000 USDC, σ = 3 USDC/√s (≈ 0.88 %/day), k = 0.05 /USDC, γ = 1e-4 /USDC, τ = 6 h.
  const mid = 100_000;
  const sigma = 3;
  const gamma = 1e-4;
  const tauS = 6 * 3600;
  it('q = ±1 lot moves the reservation price by q·γ·σ²·τ = 19.44 USDC', () => {
    close(inventorySkewAs(1, gamma, sigma, tauS), 19.44);
    close(mid - reservationPrice(mid, 1, gamma, sigma, tauS), 19.44);
    close(reservationPrice(mid, -1, gamma, sigma, tauS) - mid, 19.44);
    const q = asQuotes(mid, 0, gamma, sigma, tauS, 0.05);
    // total spread 19.44 + 2e4·ln(1.002) = 19.44 + 39.96003 USDC ≈ 5.9 bps: a sensible BTC quote width
    close(q.ask - q.bid, 19.44 + 2e4 * Math.log(1.002));
    assert.ok(q.ask - q.bid > 40 && q.ask - q.bid < 100);
  });
  it('σ as a relative daily figure (the original unit slip) gives a negligible skew; the helper converts it', () => {
    const dailyPct = dailyPctFromSigma(sigma, mid); // 3·√86400/1e5·100 = 0.8818 %
    close(dailyPct, 0.881816307401944);
    const slipSkew = inventorySkewAs(1, gamma, dailyPct / 100, tauS); // σ = 0.0088 "per day" mixed with USDC
    assert.ok(slipSkew < 1e-3, `slip skew ${slipSkew}`);
    const rightSkew = inventorySkewAs(1, gamma, sigmaFromDailyPct(dailyPct, mid), tauS);
    close(rightSkew, 19.44);
    assert.ok(rightSkew / slipSkew > 1e5);
  });
  it('sigmaFromDailyPct and dailyPctFromSigma are inverses', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.double({ min: 1e-4, max: 1e6, noNaN: true }),
        (pct, m) => {
          close(dailyPctFromSigma(sigmaFromDailyPct(pct, m), m), pct, 1e-12);
        },
      ),
    );
  });
});

describe('Avellaneda–Stoikov properties', () => {
  const gammaArb = fc.double({ min: 1e-6, max: 10, noNaN: true });
  const sigmaArb = fc.double({ min: 1e-3, max: 100, noNaN: true });
  const kArb = fc.double({ min: 1e-3, max: 10, noNaN: true });
  const tauArb = fc.double({ min: 1, max: 86_400, noNaN: true });
  it('the skew follows inventory: long → r below mid, short → above, flat → at mid', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        gammaArb,
        sigmaArb,
        tauArb,
        (q, g, s, t) => {
          // mid 0 so that a tiny skew is not lost to rounding against a large price
          assert.ok(reservationPrice(0, q, g, s, t) < 0);
          assert.ok(reservationPrice(0, -q, g, s, t) > 0);
          assert.equal(reservationPrice(1000, 0, g, s, t), 1000);
        },
      ),
    );
  });
  it('the spread widens with σ (τ > 0)', () => {
    fc.assert(
      fc.property(
        gammaArb,
        sigmaArb,
        kArb,
        tauArb,
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (g, s, k, t, f) => {
          const wider = asTotalSpread(g, s * f, t, k) - asTotalSpread(g, s, t, k);
          // exactly the risk term's growth γ(f² − 1)σ²τ > 0 (up to rounding when that term is tiny)
          assert.ok(wider >= 0);
          close(wider, g * (f * f - 1) * s * s * t, 1e-6);
        },
      ),
    );
  });
  it('the spread widens with γ when σ²τ ≥ 1/k² (always true at market values; below it the liquidity term dominates)', () => {
    fc.assert(
      fc.property(
        gammaArb,
        sigmaArb,
        kArb,
        tauArb,
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (g, s, k, t, f) => {
          fc.pre(s * s * t >= 1 / (k * k));
          assert.ok(asTotalSpread(g * f, s, t, k) >= asTotalSpread(g, s, t, k));
        },
      ),
    );
  });
  it('|skew| grows with γ, σ and |q|', () => {
    fc.assert(
      fc.property(
        gammaArb,
        sigmaArb,
        tauArb,
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (g, s, t, f) => {
          const base = inventorySkewAs(1, g, s, t);
          assert.ok(inventorySkewAs(1, g * f, s, t) > base);
          assert.ok(inventorySkewAs(1, g, s * f, t) > base);
          assert.ok(inventorySkewAs(2, g, s, t) > base);
        },
      ),
    );
  });
});

describe('horizon', () => {
  it('end of the UTC day: τ is the seconds to the next midnight', () => {
    const noon = Date.parse('2025-09-10T12:00:00Z');
    assert.equal(horizonSeconds({ kind: 'end-of-day-utc' }, noon), 43_200);
    assert.equal(horizonSeconds({ kind: 'end-of-day-utc' }, Date.parse('2025-09-10T23:59:59.500Z')), 0.5);
    assert.equal(horizonSeconds({ kind: 'end-of-day-utc' }, Date.parse('2025-09-11T00:00:00Z')), 86_400);
  });
  it('end of day: the reused day gives the same doubles as the formula afresh (day edges, fractional ms)', () => {
    const fresh = (nowMs: number) => ((Math.floor(nowMs / 86_400_000) + 1) * 86_400_000 - nowMs) / 1000;
    const eod = { kind: 'end-of-day-utc' } as const;
    const midnight = Date.parse('2025-09-11T00:00:00Z');
    const edges = [-2, -1.0000001, -1, -0.5, -1e-7, -1e-12, 0, 1e-7, 0.5, 1, 1.5, 2, 43_200_000];
    // In both orders, so each time is asked both as a new day and inside a remembered one.
    for (const t of [...edges, ...edges.slice().reverse()]) {
      const nowMs = midnight + t;
      assert.ok(Object.is(horizonSeconds(eod, nowMs), fresh(nowMs)), `nowMs ${nowMs}`);
    }
    fc.assert(
      fc.property(
        fc.double({ min: -1e16, max: 1e16, noNaN: true }),
        fc.double({ min: 0, max: 86_400_000 }),
        (a, b) => {
          for (const nowMs of [a, a + b, a - b])
            if (!Object.is(horizonSeconds(eod, nowMs), fresh(nowMs))) return false;
          return true;
        },
      ),
    );
    assert.ok(Number.isNaN(horizonSeconds(eod, Number.NaN)));
  });
  it('rolling: τ is constant', () => {
    assert.equal(horizonSeconds({ kind: 'rolling', tauS: 3600 }, 123), 3600);
  });
  it('parses eod and seconds, refuses the rest', () => {
    assert.deepEqual(parseHorizon('eod'), { kind: 'end-of-day-utc' });
    assert.deepEqual(parseHorizon('3600'), { kind: 'rolling', tauS: 3600 });
    assert.equal(parseHorizon('-5'), null);
    assert.equal(parseHorizon('soon'), null);
  });
});
