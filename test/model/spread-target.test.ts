import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { asTotalSpread } from '../../src/model/avellaneda-stoikov.ts';
import { glftTotalSpread } from '../../src/model/glft.ts';
import { gammaForTotalSpread, minimumTotalSpread } from '../../src/model/spread-target.ts';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('gammaForTotalSpread', () => {
  it('BTC: the γ giving 0.1 % of a 100k mid (100 USDC) at σ = 3, τ = 1 h, k = 0.05', () => {
    const gamma = gammaForTotalSpread(100, 3, 3600, 0.05);
    assert.ok(gamma !== null);
    close(asTotalSpread(gamma, 3, 3600, 0.05), 100, 1e-10);
    // γ·32400 + (2/γ)ln(1+20γ) = 100 → γ ≈ 1.89e-3 (checked by the spread above, and plausibly sized)
    assert.ok(gamma > 1e-3 && gamma < 3e-3, String(gamma));
  });
  it('no γ gives a spread below 2/k when σ²τ ≥ 1/k² (the spread only rises from 2/k): null', () => {
    // 2/k = 40 USDC; 0.01 % of 100k = 10 USDC is out of reach
    assert.equal(gammaForTotalSpread(10, 3, 3600, 0.05), null);
    assert.deepEqual(minimumTotalSpread(3, 3600, 0.05), { spreadQuote: 40, gamma: 0 });
  });
  it('two roots (σ²τ < 1/k²): the larger γ, on the branch where the spread widens with γ', () => {
    // σ = 0.01, τ = 1, k = 1: S(γ) = 1e-4·γ + (2/γ)ln(1+γ), S(0⁺) = 2, minimum below 2
    const min = minimumTotalSpread(0.01, 1, 1);
    assert.ok(min.spreadQuote < 2 && min.gamma > 0);
    const target = (min.spreadQuote + 2) / 2;
    const gamma = gammaForTotalSpread(target, 0.01, 1, 1)!;
    close(asTotalSpread(gamma, 0.01, 1, 1), target, 1e-10);
    assert.ok(gamma > min.gamma);
    assert.equal(gammaForTotalSpread(min.spreadQuote * 0.99, 0.01, 1, 1), null);
  });
  it('τ = 0 (end of day): the spread falls with γ from 2/k, one root', () => {
    const gamma = gammaForTotalSpread(1.2907704227514234, 2, 0, 1.5)!;
    close(gamma, 0.1, 1e-9); // the paper's liquidity term for γ = 0.1
  });
  it('GLFT: round trip', () => {
    const gamma = gammaForTotalSpread(2 * 0.6712438194366945, 2, 0, 1.5, { kind: 'glft', A: 140 })!;
    close(glftTotalSpread(gamma, 2, 140, 1.5), 2 * 0.6712438194366945, 1e-10);
  });
  it('non-finite or non-positive inputs give null', () => {
    assert.equal(gammaForTotalSpread(Number.NaN, 3, 3600, 0.05), null);
    assert.equal(gammaForTotalSpread(100, Number.POSITIVE_INFINITY, 3600, 0.05), null);
    assert.equal(gammaForTotalSpread(100, 3, 3600, 0), null);
    assert.equal(gammaForTotalSpread(100, 3, 3600, 0.05, { kind: 'glft', A: -1 }), null);
  });
  it('property: inverts asTotalSpread on the rising branch (σ²τ ≥ 1/k²)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-5, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: 1, max: 86_400, noNaN: true }),
        fc.double({ min: 0.005, max: 5, noNaN: true }),
        (gamma, sigma, tau, k) => {
          fc.pre(sigma * sigma * tau >= 1 / (k * k));
          const target = asTotalSpread(gamma, sigma, tau, k);
          const found = gammaForTotalSpread(target, sigma, tau, k);
          assert.ok(found !== null);
          close(asTotalSpread(found, sigma, tau, k), target, 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
