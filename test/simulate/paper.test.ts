import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paperSetup, runPaperSimulation } from '../../src/simulate/as-paper.ts';
import { xoshiro128ss } from '../../src/simulate/prng.ts';

describe('seeded PRNG (xoshiro128**)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = xoshiro128ss(42);
    const b = xoshiro128ss(42);
    const c = xoshiro128ss(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b.next()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 5 }, () => c.next()),
    );
  });
  it('is uniform enough: mean ≈ 1/2, variance ≈ 1/12 over 100 000 draws, all in [0, 1)', () => {
    const r = xoshiro128ss(7);
    let sum = 0;
    let sumSq = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      assert.ok(u >= 0 && u < 1);
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean - 0.5) < 0.005, String(mean));
    assert.ok(Math.abs(sumSq / n - mean * mean - 1 / 12) < 0.002);
  });
});

describe("Avellaneda & Stoikov (2008) §4, γ = 0.1 (the paper's setup)", () => {
  const result = runPaperSimulation({ ...paperSetup, paths: 400, seed: 2008 });
  it("reproduces the paper's result: the inventory strategy has smaller profit std and final-q std", () => {
    assert.ok(result.inventory.profit_std < result.symmetric.profit_std / 1.5);
    assert.ok(result.inventory.q_std < result.symmetric.q_std / 2);
  });
  it('lands near the published table (inventory 62.94 ± 5.89, q ± 2.80; symmetric 67.21 ± 13.43, q ± 8.66)', () => {
    assert.ok(Math.abs(result.inventory.profit_mean - 62.94) < 5, String(result.inventory.profit_mean));
    assert.ok(Math.abs(result.symmetric.profit_mean - 67.21) < 5, String(result.symmetric.profit_mean));
    assert.ok(Math.abs(result.inventory.profit_std - 5.89) < 1.5);
    assert.ok(Math.abs(result.symmetric.profit_std - 13.43) < 3);
    assert.ok(Math.abs(result.inventory.q_std - 2.8) < 0.6);
    assert.ok(Math.abs(result.symmetric.q_std - 8.66) < 1.5);
    assert.ok(Math.abs(result.inventory.q_mean) < 0.5);
  });
  it('mean quoted spread = (2/γ)ln(1+γ/k) + γσ²·mean(T − t) (both strategies quote the same width)', () => {
    // mean of τ over t = 0, dt, …, T − dt is (T + dt)/2 = 0.5025
    const expected = 20 * Math.log(1 + 0.1 / 1.5) + 0.1 * 4 * 0.5025;
    assert.ok(Math.abs(result.inventory.spread - expected) < 1e-9);
    assert.equal(result.symmetric.spread, result.inventory.spread);
  });
  it('is deterministic for a seed', () => {
    assert.deepEqual(
      runPaperSimulation({ ...paperSetup, paths: 50, seed: 5 }),
      runPaperSimulation({ ...paperSetup, paths: 50, seed: 5 }),
    );
  });
});
