import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacktestEngine } from '../../src/backtest/backtest.ts';
import { DayAccumulator } from '../../src/calibrate/day-estimate.ts';
import type { MarketEvent } from '../../src/core/market.ts';
import { generateSynthMarket, type SynthMarketSpec } from '../../src/data/synth.ts';
import { RecentTradeIds } from '../../src/data/trade-dedup.ts';
import { AggressorGrouper } from '../../src/estimate/aggressors.ts';
import { DEFAULT_MIN_ORDERS } from '../../src/estimate/intensity.ts';
import { RollingMarketEstimator } from '../../src/estimate/rolling-estimate.ts';
import { DEFAULT_MAX_GAP_MS, MidGridVolatility, sigmaFromMids } from '../../src/estimate/volatility.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import {
  combineParams,
  ONLINE_DEFAULTS,
  OnlineParams,
  type OnlineParamsSettings,
} from '../../src/strategy/online-params.ts';
import { perpInstrument } from '../support/instruments.ts';

const START = Date.UTC(2025, 0, 1);

/** A synthetic market in memory, merged as the reader merges files (at equal ms: trades, then the BBO). */
function synthEvents(spec: Partial<SynthMarketSpec> & { durationS: number }): MarketEvent[] {
  const bbos: MarketEvent[] = [];
  const trades: MarketEvent[] = [];
  generateSynthMarket(
    { sigma: 2, A: 2, k: 0.3, tickSize: 1, days: 1, seed: 7, startMs: START, startMid: 50_000, ...spec },
    {
      writeBbo: (b) => bbos.push({ kind: 'bbo', ...b }),
      writeTrade: (t) => trades.push({ kind: 'trade', ...t }),
    },
  );
  const out: MarketEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < bbos.length || j < trades.length) {
    const b = bbos[i];
    const t = trades[j];
    if (t !== undefined && (b === undefined || t.exchMs <= b.exchMs)) {
      out.push(t);
      j++;
    } else {
      out.push(b as MarketEvent);
      i++;
    }
  }
  return out;
}

/** `hlmm calibrate`'s per-event pipeline (src/calibrate/calibrate.ts) on one day, as the batch reference. */
function batchDay(events: readonly MarketEvent[], tick: number) {
  const acc = new DayAccumulator(START, DEFAULT_MAX_GAP_MS, 0);
  const ids = new RecentTradeIds();
  const grouper = new AggressorGrouper((o) => acc.onAggressor(o));
  for (const ev of events) {
    acc.onEvent(ev);
    if (ev.kind === 'bbo') {
      if (!(ev.bidPx > 0 && ev.askPx > ev.bidPx)) continue;
      const mid = (ev.bidPx + ev.askPx) / 2;
      acc.onMid(ev.exchMs, mid);
      grouper.onMid(ev.exchMs, mid);
    } else if (ev.kind === 'trade' && ids.admit(ev.tid)) {
      grouper.onPrint(ev.exchMs, ev.side, ev.px);
      acc.onTradePrint(ev.exchMs);
    }
  }
  grouper.flush();
  return acc.finish(tick, DEFAULT_MIN_ORDERS);
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('rolling estimator = the calibration estimator on the same window', () => {
  it('a window holding a whole 8-minute market gives exactly the day estimate (σ, observed time, A, k)', () => {
    const events = synthEvents({ durationS: 480 });
    const batch = batchDay(events, 1);
    const online = new RollingMarketEstimator({ windowMs: 600_000 });
    for (const ev of events) online.onEvent(ev);
    const lastMs = (events[events.length - 1] as MarketEvent).exchMs;
    const est = online.estimate(lastMs + 1, 1);
    assert.ok(batch.sigmaNoiseCorrected && batch.fit !== null && est.fit !== null);
    assert.ok(rel(est.sigma, batch.sigma) < 1e-12, `σ ${est.sigma} vs ${batch.sigma}`);
    assert.equal(est.sigmaSamples, batch.sigmaSamples);
    assert.ok(rel(est.observedS, batch.observedS) < 1e-12);
    assert.equal(est.orders, batch.buyOrders + batch.sellOrders);
    assert.ok(rel(est.fit.A, batch.fit.A) < 1e-12, `A ${est.fit.A} vs ${batch.fit.A}`);
    assert.ok(rel(est.fit.k, batch.fit.k) < 1e-12, `k ${est.fit.k} vs ${batch.fit.k}`);
    // And the truth of the synthetic market is recovered (σ 2, k 0.3 per quote unit).
    assert.ok(rel(est.sigma, 2) < 0.1, `σ ${est.sigma}`);
    assert.ok(rel(est.fit.k, 0.3) < 0.15, `k ${est.fit.k}`);
  });

  it('the rolling σ ring sums exactly what the day form sums over the same seconds', () => {
    // Mids every 250 ms for 20 minutes; the ring holds 5 minutes. Its window [10 min, 15 min) must equal the day
    // form's minutes 10–14 (whole minutes: the day form's buckets).
    const rollingVol = new MidGridVolatility(DEFAULT_MAX_GAP_MS, {
      bucketMs: 1000,
      count: 301,
      rolling: true,
    });
    const dayVol = new MidGridVolatility();
    let mid = 100_000;
    let seed = 3;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const fifteenMin = START + 15 * 60_000;
    for (let t = START; t < START + 20 * 60_000; t += 250) {
      mid += Math.round((rnd() - 0.5) * 4);
      dayVol.addMid(t, mid);
      if (t < fifteenMin) rollingVol.addMid(t, mid);
    }
    rollingVol.addMid(fifteenMin, mid); // closes the grid up to 15:00 (the mid at 14:59.75 forward-filled)
    const fromBucket = (START + 10 * 60_000) / 1000;
    const w = rollingVol.windowSums(fromBucket, fromBucket + 299);
    const m = dayVol.estimate().minutes;
    let fastSq = 0;
    let slowSq = 0;
    let fastN = 0;
    for (let minute = 10; minute < 15; minute++) {
      fastSq += m.fastSq[minute] as number;
      slowSq += m.slowSq[minute] as number;
      fastN += m.fastN[minute] as number;
    }
    assert.equal(w.fastN, 300);
    assert.equal(w.fastN, fastN);
    assert.ok(rel(w.fastSq, fastSq) < 1e-12);
    assert.ok(rel(w.slowSq, slowSq) < 1e-12);
    // The old minutes left the ring: nothing before the window is summed.
    assert.equal(rollingVol.windowSums(0, fromBucket - 1).fastN, 0);
  });

  it('day form unchanged: σ of a short series is the same as before the rolling form existed', () => {
    // Hand-made: mids 0, 1, 0, 1 … every second for 30 s. 1 s changes ±1 (RV₁ = 1); K = 10 s changes are 0
    // (RV₁₀ = 0) → the two-scales variance is negative → σ falls back to the std of 1 s changes.
    const pts: [number, number][] = [];
    for (let s = 0; s <= 30; s++) pts.push([START + s * 1000, s % 2]);
    const est = sigmaFromMids(pts);
    assert.equal(est.noiseCorrected, false);
    assert.equal(est.samples, 30);
    assert.ok(Math.abs(est.sigma - Math.sqrt(30 / 29)) < 1e-12);
  });
});

const SETTINGS: OnlineParamsSettings = { source: 'online', ...ONLINE_DEFAULTS };

describe('combineParams: bounds, blend, minimum data, fallback (hand-computed)', () => {
  const cal = { sigma: 2, A: 1, k: 0.3, gamma: 1e-4 };
  const est = (over: Partial<Parameters<typeof combineParams>[1]> = {}) => ({
    windowS: 600,
    sigma: 8,
    sigmaSamples: 600,
    observedS: 600,
    orders: 400,
    belowTickOrders: 0,
    staleOrders: 0,
    fit: { A: 1.5, k: 0.2, r2: 0.99, points: [], stepQuote: 1 },
    fitError: null,
    lastMid: 100_000,
    ...over,
  });
  it('online: σ 8 is clamped to 3 × 2 = 6; A 1.5 and k 0.2 inside the bounds are used as they are', () => {
    const p = combineParams(cal, est(), SETTINGS, 123);
    assert.equal(p.sigma, 6);
    assert.equal(p.A, 1.5);
    assert.equal(p.k, 0.2);
    assert.equal(p.gamma, 1e-4);
    assert.equal(p.sigmaFrom, 'online');
    assert.equal(p.akFrom, 'online');
    assert.match(p.note ?? '', /σ online 8 clamped to calibrated × 3/);
    assert.equal(p.updatedMs, 123);
    assert.equal(p.online?.sigma, 8);
  });
  it('blend (w = 0.5): σ = √(2·6) = 3.4641, A = √(1·1.5) = 1.2247, k = √(0.3·0.2) = 0.24495', () => {
    const p = combineParams(cal, est(), { ...SETTINGS, source: 'blend' }, 0);
    assert.ok(Math.abs(p.sigma - Math.sqrt(12)) < 1e-12);
    assert.ok(Math.abs(p.A - Math.sqrt(1.5)) < 1e-12);
    assert.ok(Math.abs(p.k - Math.sqrt(0.06)) < 1e-12);
    assert.equal(p.sigmaFrom, 'blend');
    // w = 0.25: σ = 2^0.75 · 6^0.25 = 2.6321
    const q = combineParams(cal, est(), { ...SETTINGS, source: 'blend', blendWeight: 0.25 }, 0);
    assert.ok(Math.abs(q.sigma - 2 ** 0.75 * 6 ** 0.25) < 1e-12);
  });
  it('too little data: σ needs 300 one-second changes in a 600 s window, A and k 50 orders; each falls back alone', () => {
    const p = combineParams(cal, est({ sigmaSamples: 299, sigma: 2.5 }), SETTINGS, 0);
    assert.equal(p.sigma, 2);
    assert.equal(p.sigmaFrom, 'calibrated');
    assert.equal(p.A, 1.5);
    assert.match(p.note ?? '', /299 one-second changes in the window, need 300/);
    const q = combineParams(cal, est({ orders: 49, sigma: 2.5 }), SETTINGS, 0);
    assert.equal(q.sigma, 2.5);
    assert.equal(q.A, 1);
    assert.equal(q.k, 0.3);
    assert.equal(q.akFrom, 'calibrated');
    const r = combineParams(cal, est({ fit: null, fitError: 'no order stops' }), SETTINGS, 0);
    assert.equal(r.akFrom, 'calibrated');
    assert.match(r.note ?? '', /no fit \(no order stops\)/);
    const s = combineParams(cal, est({ sigma: Number.NaN }), SETTINGS, 0);
    assert.equal(s.sigmaFrom, 'calibrated');
  });
});

describe('online parameters follow a regime switch (synthetic market, σ doubles halfway)', () => {
  // 40 minutes, σ 2 quote/√s for 20 minutes, then 4.
  const events = synthEvents({ durationS: 2400, sigma: 2, sigmaSwitch: { atS: 1200, sigma: 4 } });

  it('the 10-minute window reads σ ≈ 2 before the switch and ≈ 4 a window after it', () => {
    const online = new OnlineParams(SETTINGS, perpInstrument(0)); // szDecimals 0: tick 1 at 50 000 (5 significant figures)
    const cal = { sigma: 2, A: 2, k: 0.3, gamma: 1e-4 };
    const at: Record<number, number> = {};
    for (const ev of events) {
      for (const minute of [19, 39]) {
        const t = START + minute * 60_000;
        if (ev.exchMs >= t && at[minute] === undefined) at[minute] = online.refresh(t, cal).sigma;
      }
      online.onMarket(ev);
    }
    const before = at[19] as number;
    const after = at[39] as number;
    // A 10-minute window has ~60 independent 10 s changes on the slow scale: σ's sampling error is ≈ 8 %
    // (seeds 1–10 give 1.92–2.35 before, 3.5–4.5 after), so the tolerance is 20 % (2.5 standard errors).
    assert.ok(rel(before, 2) < 0.2, `σ before ${before}`);
    assert.ok(rel(after, 4) < 0.2, `σ after ${after}`);
    assert.ok(after / before > 1.5, `ratio ${after / before}`);
  });

  it('in a backtest: params_source online moves σ in use, calibrated keeps it; the result says so', () => {
    const run = (source: 'online' | 'calibrated') => {
      const bt = new BacktestEngine({
        strategy: createStrategy({ horizon: { kind: 'rolling', tauS: 600 }, instrument: perpInstrument(0) }),
        params: { sigma: 2, A: 2, k: 0.3, gamma: 1e-4 },
        orderSizeBase: 1,
        maxPositionLots: 5,
        online: source === 'online' ? { settings: SETTINGS, instrument: perpInstrument(0) } : null,
      });
      const seen: Record<number, number> = {};
      for (const ev of events) {
        bt.onEvent(ev);
        for (const minute of [19, 39]) {
          if (seen[minute] === undefined && ev.exchMs >= START + minute * 60_000)
            seen[minute] = bt.loop.lastQuote?.explain?.sigma ?? Number.NaN;
        }
      }
      return { seen, result: bt.finish(), view: bt.engine.params() };
    };
    const online = run('online');
    assert.ok(rel(online.seen[19] as number, 2) < 0.2, `quoted σ before ${online.seen[19]}`);
    assert.ok(rel(online.seen[39] as number, 4) < 0.2, `quoted σ after ${online.seen[39]}`);
    const stats = online.result.paramsInUse;
    assert.ok(stats !== null);
    assert.equal(stats.source, 'online');
    // A refresh every 5 s over 40 minutes (the first once the first event armed the timer).
    assert.ok(stats.refreshes >= 479 && stats.refreshes <= 480, `refreshes ${stats.refreshes}`);
    assert.ok(stats.sigma.max / stats.sigma.min > 1.5);
    // The first 5 minutes hold fewer than 300 one-second changes (half the window): σ falls back there, at most
    // the first 60 refreshes; from then on it is the window's.
    assert.ok(stats.sigmaOnlineShare < 1, `share ${stats.sigmaOnlineShare}`);
    assert.ok(stats.sigmaOnlineShare >= (stats.refreshes - 60) / stats.refreshes);
    // A and k did not change regime: the window's stay near the truth (A 2 /s, k 0.3 /quote).
    assert.ok(rel(stats.k.mean, 0.3) < 0.1, `k ${stats.k.mean}`);
    assert.ok(rel(stats.A.mean, 2) < 0.1, `A ${stats.A.mean}`);
    assert.equal(online.view.inUse?.source, 'online');
    assert.equal(online.view.current?.sigma, 2); // the calibrated value stays what the file said
    const calibrated = run('calibrated');
    assert.equal(calibrated.seen[19], 2);
    assert.equal(calibrated.seen[39], 2);
    assert.equal(calibrated.result.paramsInUse, null);
    assert.equal(calibrated.view.inUse, undefined);
  });
});
