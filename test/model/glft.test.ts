import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { asTotalSpread, reservationPrice } from '../../src/model/avellaneda-stoikov.ts';
import {
  glftC1,
  glftC2,
  glftHalfSpread,
  glftQuotes,
  glftSkew,
  glftTotalSpread,
} from '../../src/model/glft.ts';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('GLFT closed form (hand-computed, γ = 0.1, σ = 2, A = 140, k = 1.5)', () => {
  it('ξ = γ: c1 = ln(1+γ/k)/γ, c2 = √(γσ²/(2Ak)·(1+γ/k)^(1+k/γ))', () => {
    close(glftC1(0.1, 1.5), 0.6453852113757116); // 10·ln(16/15)
    close(glftC2(0.1, 2, 140, 1.5), 0.051717216121965996); // √(0.4/420·(16/15)^16)
    close(glftHalfSpread(0.1, 2, 140, 1.5), 0.6712438194366945);
    close(glftTotalSpread(0.1, 2, 140, 1.5), 2 * 0.6712438194366945);
  });
  it('ξ = 0: c1 = 1/k, c2 = √(γσ²e/(2Ak))', () => {
    close(glftC1(0.1, 1.5, 'zero'), 1 / 1.5);
    close(glftC2(0.1, 2, 140, 1.5, 'zero'), 0.05088064304455735);
    close(glftHalfSpread(0.1, 2, 140, 1.5, 'zero'), 0.6921069881889453);
  });
  it('quotes: centre s − q·c2, bid/ask ∓ (c1 + c2/2); δ_bid = c1 + (2q+1)c2/2, δ_ask = c1 − (2q−1)c2/2', () => {
    const c1 = 0.6453852113757116;
    const c2 = 0.051717216121965996;
    const q = glftQuotes(100, 3, 0.1, 2, 140, 1.5);
    close(q.reservationPrice, 100 - 3 * c2);
    close(100 - q.bid, c1 + ((2 * 3 + 1) / 2) * c2);
    close(q.ask - 100, c1 - ((2 * 3 - 1) / 2) * c2);
    close(glftSkew(-2, 0.1, 2, 140, 1.5), -2 * c2);
  });
});

describe('GLFT properties and its agreement with A–S', () => {
  const g = fc.double({ min: 1e-5, max: 5, noNaN: true });
  const s = fc.double({ min: 1e-3, max: 50, noNaN: true });
  const a = fc.double({ min: 0.01, max: 500, noNaN: true });
  const k = fc.double({ min: 1e-3, max: 10, noNaN: true });
  const xi = fc.constantFrom('gamma' as const, 'zero' as const);
  it('the skew follows inventory', () => {
    fc.assert(
      fc.property(g, s, a, k, xi, fc.double({ min: 0.01, max: 50, noNaN: true }), (gm, sg, A, kk, x, q) => {
        assert.ok(glftQuotes(0, q, gm, sg, A, kk, x).reservationPrice < 0);
        assert.ok(glftQuotes(0, -q, gm, sg, A, kk, x).reservationPrice > 0);
      }),
    );
  });
  it('the spread widens with σ', () => {
    fc.assert(
      fc.property(g, s, a, k, xi, fc.double({ min: 1.01, max: 10, noNaN: true }), (gm, sg, A, kk, x, f) => {
        assert.ok(glftTotalSpread(gm, sg * f, A, kk, x) > glftTotalSpread(gm, sg, A, kk, x));
      }),
    );
  });
  it('ξ = 0: the spread widens with γ (c1 = 1/k fixed, c2 ∝ √γ)', () => {
    fc.assert(
      fc.property(g, s, a, k, fc.double({ min: 1.01, max: 10, noNaN: true }), (gm, sg, A, kk, f) => {
        assert.ok(glftTotalSpread(gm * f, sg, A, kk, 'zero') > glftTotalSpread(gm, sg, A, kk, 'zero'));
      }),
    );
  });
  it('common limit σ → 0: no inventory risk, both give the pure liquidity spread (2/γ)ln(1+γ/k) and no skew', () => {
    fc.assert(
      fc.property(g, a, k, fc.double({ min: 0, max: 86_400, noNaN: true }), (gm, A, kk, tau) => {
        close(glftTotalSpread(gm, 0, A, kk), asTotalSpread(gm, 0, tau, kk), 1e-12);
        assert.equal(glftSkew(1, gm, 0, A, kk), 0);
        assert.equal(reservationPrice(100, 1, gm, 0, tau), 100);
      }),
    );
  });
  it('common limit γ → 0 (risk neutral): both half spreads tend to 1/k and the skews vanish', () => {
    fc.assert(
      fc.property(s, a, k, fc.double({ min: 1, max: 3600, noNaN: true }), (sg, A, kk, tau) => {
        const gm = 1e-24 * kk; // c2 ∝ √γ converges slowly: go far into the limit
        close(glftHalfSpread(gm, sg, A, kk), 1 / kk, 1e-5);
        close(asTotalSpread(gm, sg, tau, kk) / 2, 1 / kk, 1e-5);
      }),
    );
  });
  it('ξ = 0 is the ξ → 0 limit of the ξ = γ formulas (c1 and the growth factor)', () => {
    close(glftC1(1e-12, 1.5), glftC1(1e-12, 1.5, 'zero'), 1e-9);
  });
});
