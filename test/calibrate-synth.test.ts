import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { calibrate } from '../src/calibrate/calibrate.ts';
import { writeSynthMarket } from '../src/data/synth.ts';

// Markets whose truth is known: `hlmm synth` writes them with MarketDataWriter (the collector's layout) and
// calibrate reads them back through the same reader as real data. Two whole UTC days each, 1 s mid steps.
const root = mkdtempSync(join(tmpdir(), 'hlmm-calibrate-synth-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('calibrate recovers σ, A, k on synthetic markets (within 10 %)', () => {
  const sets = [
    { name: 'BTC-like, tick 1', sigma: 3, A: 0.03, k: 0.3, tickSize: 1, startMid: 100_000 },
    { name: 'small price, tick 0.01', sigma: 0.05, A: 0.05, k: 40, tickSize: 0.01, startMid: 100 },
    { name: 'ETH-like, tick 0.1', sigma: 1, A: 0.02, k: 2, tickSize: 0.1, startMid: 3000 },
  ];
  for (const [i, s] of sets.entries()) {
    it(s.name, async () => {
      const dir = join(root, `recover-${i}`);
      await writeSynthMarket({ ...s, outDir: dir, ticker: 'SYN', days: 2, seed: 100 + i, stepMs: 1000 });
      const r = await calibrate({ dataDir: dir, ticker: 'SYN', tickSize: s.tickSize, searchGamma: false });
      assert.equal(r.days.length, 2, 'both whole days are complete');
      for (const d of r.days) {
        const fit = d.fit;
        assert.ok(fit !== null, `${d.date}: ${d.fitError}`);
        if (fit === null) continue;
        const rel = (x: number, truth: number) => Math.abs(x / truth - 1);
        assert.ok(rel(d.sigma, s.sigma) < 0.1, `σ ${d.sigma} vs ${s.sigma}`);
        // The synth gives A its Avellaneda–Stoikov meaning (a quote at distance δ is reached at A·e^(−kδ)), and
        // λ(δ) is anchored at the depths actually observed, so the fit must return the spec's A.
        assert.ok(rel(fit.A, s.A) < 0.1, `A ${fit.A} vs ${s.A}`);
        assert.ok(rel(fit.k, s.k) < 0.1, `k ${fit.k} vs ${s.k}`);
        assert.ok(fit.r2 > 0.95, `R² ${fit.r2}`);
      }
      assert.ok(Math.abs(r.headline.sigma / s.sigma - 1) < 0.1);
    });
  }
});
