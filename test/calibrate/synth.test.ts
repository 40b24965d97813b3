import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { calibrate } from '../../src/calibrate/calibrate.ts';
import { writeSynthMarket } from '../../src/data/synth.ts';

// Markets whose truth is known: `hlmm synth` writes them with MarketDataWriter (the collector's layout) and
// calibrate reads them back through the same reader as real data. Two whole UTC days each, 1 s mid steps (small
// files: ~0.5 s a set).
const root = mkdtempSync(join(tmpdir(), 'hlmm-calibrate-synth-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface RecoverySet {
  name: string;
  sigma: number;
  A: number;
  k: number;
  tickSize: number;
  startMid: number;
  /** Largest relative σ error allowed per day (default 10 %). */
  sigmaTol?: number;
}

describe('calibrate recovers σ, A, k on synthetic markets (within 10 %)', () => {
  const sets: RecoverySet[] = [
    // BTC-like σ/tick (3 ticks per √s): the noise-corrected σ must stay within 2 %.
    { name: 'BTC-like, tick 1', sigma: 3, A: 0.03, k: 0.3, tickSize: 1, startMid: 100_000, sigmaTol: 0.02 },
    { name: 'small price, tick 0.01', sigma: 0.05, A: 0.05, k: 40, tickSize: 0.01, startMid: 100 },
    { name: 'ETH-like, tick 0.1', sigma: 1, A: 0.02, k: 2, tickSize: 0.1, startMid: 3000 },
    // σ below one tick per √s: the rounded mid's noise dominates the 1 s changes.
    { name: 'σ half a tick per √s', sigma: 0.5, A: 0.05, k: 0.3, tickSize: 1, startMid: 100_000 },
    { name: 'σ 0.3 tick per √s', sigma: 0.3, A: 0.08, k: 0.5, tickSize: 1, startMid: 100_000 },
    // k·tick ≥ 1: most orders stop at the touch, the curve is measured on few levels.
    { name: 'k·tick = 1', sigma: 2, A: 0.1, k: 1, tickSize: 1, startMid: 100_000 },
    { name: 'k·tick = 1.5, σ one tick', sigma: 1, A: 0.1, k: 1.5, tickSize: 1, startMid: 100_000 },
    {
      name: 'k·tick = 1 on a 0.5 tick, σ 0.4 tick',
      sigma: 0.2,
      A: 0.08,
      k: 2,
      tickSize: 0.5,
      startMid: 20_000,
    },
    // Thin markets: A well below 0.1/s.
    { name: 'A = 0.005/s, shallow k', sigma: 3, A: 0.005, k: 0.1, tickSize: 1, startMid: 100_000 },
    { name: 'large tick 5, σ 0.8 tick, A 0.02/s', sigma: 4, A: 0.02, k: 0.1, tickSize: 5, startMid: 50_000 },
    { name: 'deep book, σ 5 ticks', sigma: 5, A: 0.05, k: 0.1, tickSize: 1, startMid: 100_000 },
  ];
  for (const [i, s] of sets.entries()) {
    it(`${s.name} (σ ${s.sigma}, A ${s.A}, k ${s.k}, tick ${s.tickSize})`, async () => {
      const dir = join(root, `recover-${i}`);
      const { name: _name, sigmaTol: _tol, ...spec } = s;
      await writeSynthMarket({ ...spec, outDir: dir, ticker: 'SYN', days: 2, seed: 100 + i, stepMs: 1000 });
      const r = await calibrate({ dataDir: dir, ticker: 'SYN', tickSize: s.tickSize, searchGamma: false });
      assert.equal(r.days.length, 2, 'both whole days are complete');
      const rel = (x: number, truth: number) => Math.abs(x / truth - 1);
      for (const d of r.days) {
        const fit = d.fit;
        assert.ok(fit !== null, `${d.date}: ${d.fitError}`);
        if (fit === null) continue;
        assert.ok(d.sigmaNoiseCorrected, 'whole days have the slow scale');
        assert.ok(rel(d.sigma, s.sigma) < (s.sigmaTol ?? 0.1), `σ ${d.sigma} vs ${s.sigma}`);
        // The synth gives A its Avellaneda–Stoikov meaning (a quote at distance δ is reached at A·e^(−kδ)), and
        // λ(δ) is anchored at the depths actually observed, so the fit must return the spec's A.
        assert.ok(rel(fit.A, s.A) < 0.1, `A ${fit.A} vs ${s.A}`);
        assert.ok(rel(fit.k, s.k) < 0.1, `k ${fit.k} vs ${s.k}`);
        assert.ok(fit.r2 > 0.9, `R² ${fit.r2}`);
      }
      assert.ok(rel(r.headline.sigma, s.sigma) < (s.sigmaTol ?? 0.1));
      // Below a tick per √s the uncorrected 1 s standard deviation is far off: the correction is doing the work.
      if (s.sigma <= 0.5 * s.tickSize)
        for (const d of r.days) assert.ok(d.rawSigma / s.sigma > 1.2, `raw σ ${d.rawSigma} vs ${s.sigma}`);
    });
  }
});
