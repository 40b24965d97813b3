/**
 * Synthetic markets whose truth is known, for testing calibration (`hlmm synth`).
 *
 * The model, and every assumption it makes:
 * - Mid: arithmetic Brownian motion, dm = σ·dW (σ in quote/√s, no drift), sampled every `stepMs` (100 ms).
 * - Book: one tick wide around the mid — best bid = the tick at or below the mid, best ask one tick above; touch
 *   sizes are random. A BBO row is written whenever the best prices change, when a touch size is refreshed
 *   (probability `sizeRefreshProb` per step, as real books flicker) and after each aggressive order.
 * - A and k are defined the way `hlmm calibrate` measures them: per side, from the distance to the BOOK mid (best
 *   bid + ½ tick, i.e. the tick-rounded mid a resting quote sees, not the latent mid), A the intercept at δ = 0.
 * - Aggressive orders: per side, a Poisson process of rate A (orders/s). Each has a depth δ ~ Exponential(k)
 *   measured from the book mid just before it (1/quote), and sweeps every level whose distance from the mid is
 *   ≤ δ: one print per level swept, all with the order's exchange timestamp and distinct trade ids. This is the
 *   Avellaneda–Stoikov meaning of A and k: a quote at distance δ from the mid is reached at rate A·e^(−kδ). With
 *   the one-tick book the levels sit at (n + ½) ticks from the mid, so an order with δ < ½ tick reaches no level
 *   and prints nothing (only A·e^(−k·tick/2) orders/s per side trade), and the rate of orders whose furthest
 *   print is at depth ≥ (j + ½) ticks is exactly A·e^(−k·(j + ½)·tick). The mid does not react to the orders
 *   (no price impact).
 * - Timestamps: exchange ms; two orders of one side never share a millisecond (that would make them one order).
 *   Receive time = exchange time + `recvLagMs`.
 * Deterministic for a given seed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { Bbo, Side, TradePrint } from '../core/market.ts';
import { findMarketFile } from './layout.ts';
import { SeededRandom } from './synth-random.ts';
import { MarketDataWriter } from './writer.ts';

export interface SynthMarketSpec {
  /** Volatility of the mid, quote/√s. */
  sigma: number;
  /** Aggressive orders per second per side. */
  A: number;
  /** Decay of the arrival rate with depth, 1/quote. */
  k: number;
  tickSize: number;
  days: number;
  seed: number;
  /** First event time, Unix ms (default 2025-01-01T00:00:00Z, so days are whole UTC days). */
  startMs?: number;
  /** Mid at the start, quote (default 100 000). */
  startMid?: number;
  /** Mid sampling step, ms (default 100). */
  stepMs?: number;
  /** Probability per step that a touch size is refreshed (default 0.3). */
  sizeRefreshProb?: number;
  recvLagMs?: number;
  /**
   * Regime switch: from `atS` seconds after the start, the mid's σ becomes `sigma` (quote/√s). Absent = one σ
   * throughout. For testing estimators that must follow a change (online parameters).
   */
  sigmaSwitch?: { atS: number; sigma: number };
  /** Length of the market, seconds (default: days × 86 400); a shorter market ends early. */
  durationS?: number;
}

export interface SynthSink {
  writeBbo(b: Bbo): void;
  writeTrade(t: TradePrint): void;
}

export interface SynthSummary {
  bboUpdates: number;
  prints: number;
  aggressiveOrders: number;
  firstMs: number;
  lastMs: number;
  lastMid: number;
}

export const DEFAULT_SYNTH_START_MS = Date.UTC(2025, 0, 1);
const MAX_LEVELS_PER_ORDER = 10_000;

/** Checks a spec; a bad value is a UserError naming the flag. */
export function checkSynthSpec(spec: SynthMarketSpec): void {
  const need = (ok: boolean, flag: string, what: string) => {
    if (!ok) throw new UserError(`--${flag} ${what}.`);
  };
  const pos = (x: number) => Number.isFinite(x) && x > 0;
  need(pos(spec.sigma), 'sigma', 'must be a volatility in quote units per √second, greater than 0');
  need(pos(spec.A), 'A', 'must be a rate of aggressive orders per second per side, greater than 0');
  need(pos(spec.k), 'k', 'must be a decay per quote unit, greater than 0');
  need(pos(spec.tickSize), 'tick-size', 'must be a price step greater than 0');
  need(Number.isInteger(spec.days) && spec.days >= 1, 'days', 'must be a whole number of days, 1 or more');
  need(Number.isInteger(spec.seed), 'seed', 'must be a whole number');
  if (spec.sigmaSwitch !== undefined) {
    need(
      pos(spec.sigmaSwitch.sigma),
      'sigma-after',
      'must be a volatility in quote units per √second, greater than 0',
    );
    need(
      Number.isFinite(spec.sigmaSwitch.atS) && spec.sigmaSwitch.atS >= 0,
      'switch-at-s',
      'must be a number of seconds after the start, 0 or more',
    );
  }
  if (spec.durationS !== undefined)
    need(
      pos(spec.durationS) && spec.durationS <= spec.days * 86_400,
      'duration-s',
      'must be a number of seconds greater than 0 and at most days × 86 400',
    );
  const startMid = spec.startMid ?? 100_000;
  need(pos(startMid) && startMid / spec.tickSize >= 10, 'mid', 'must be a price of at least 10 ticks');
}

/** Generates the market into `sink` in exchange-time order (within each file). Synchronous and allocation-light. */
export function generateSynthMarket(
  spec: SynthMarketSpec,
  sink: SynthSink,
  onDay?: (day: number, summary: SynthSummary) => void,
): SynthSummary {
  checkSynthSpec(spec);
  const rng = new SeededRandom(spec.seed);
  const tick = spec.tickSize;
  // Prices as integer tick counts, converted once: n / (1/tick) is exact for decimal ticks such as 0.01.
  const invTick = Math.round(1 / tick);
  const decimalTick = tick < 1 && Math.abs(invTick * tick - 1) < 1e-12;
  const toPx = (n: number) => (decimalTick ? n / invTick : n * tick);
  const stepMs = spec.stepMs ?? 100;
  const refreshProb = spec.sizeRefreshProb ?? 0.3;
  const lagMs = spec.recvLagMs ?? 150;
  const startMs = spec.startMs ?? DEFAULT_SYNTH_START_MS;
  const endMs = startMs + (spec.durationS ?? spec.days * 86_400) * 1000;
  let stepSigmaTicks = (spec.sigma * Math.sqrt(stepMs / 1000)) / tick;
  const switchMs = spec.sigmaSwitch ? startMs + spec.sigmaSwitch.atS * 1000 : Number.POSITIVE_INFINITY;
  const stepSigmaAfterTicks = spec.sigmaSwitch
    ? (spec.sigmaSwitch.sigma * Math.sqrt(stepMs / 1000)) / tick
    : stepSigmaTicks;
  const kTick = spec.k * tick; // decay per tick

  let midTicks = (spec.startMid ?? 100_000) / tick;
  let bidTicks = Math.floor(midTicks);
  let bidSz = touchSize(rng);
  let askSz = touchSize(rng);
  const summary: SynthSummary = {
    bboUpdates: 0,
    prints: 0,
    aggressiveOrders: 0,
    firstMs: startMs,
    lastMs: startMs,
    lastMid: toPx(2 * bidTicks + 1) / 2,
  };
  let tid = 1_000_000;
  const writeBbo = (ms: number) => {
    sink.writeBbo({
      exchMs: ms,
      recvS: (ms + lagMs) / 1000,
      bidPx: toPx(bidTicks),
      bidSz,
      askPx: toPx(bidTicks + 1),
      askSz,
    });
    summary.bboUpdates++;
    summary.lastMs = ms;
  };
  writeBbo(startMs);

  // Next arrival (seconds since start, continuous) and last used ms, per side: [buy, sell].
  const startS = startMs / 1000;
  let nextBuyS = startS + rng.exponential(spec.A);
  let nextSellS = startS + rng.exponential(spec.A);
  let lastBuyMs = -1;
  let lastSellMs = -1;

  const aggress = (side: Side, ms: number) => {
    // Depth in ticks from the book mid (bid + ½ tick); level n (0 = touch) sits at n + ½ ticks from it, and the
    // order sweeps the levels within its depth: n + ½ ≤ δ, i.e. n ≤ ⌊δ − ½⌋. An order short of the touch is not one.
    const depthTicks = rng.exponential(kTick);
    if (depthTicks < 0.5) return;
    const levels = Math.min(MAX_LEVELS_PER_ORDER, Math.floor(depthTicks - 0.5) + 1);
    const recvS = (ms + lagMs) / 1000; // exact decimals: short rows
    for (let n = 0; n < levels; n++) {
      const px = side === 'buy' ? toPx(bidTicks + 1 + n) : toPx(bidTicks - n);
      // The touch print takes part of the displayed size; deeper levels a random size.
      const sz = n === 0 && levels === 1 ? partOf(side === 'buy' ? askSz : bidSz, rng) : touchSize(rng);
      sink.writeTrade({ exchMs: ms, recvS, px, sz, side, tid: tid++ });
      summary.prints++;
    }
    summary.aggressiveOrders++;
    // The touch that was hit shows a new size (the mid itself does not react).
    if (side === 'buy')
      askSz = levels === 1 ? roundSize(askSz * (0.2 + 0.8 * rng.uniform())) : touchSize(rng);
    else bidSz = levels === 1 ? roundSize(bidSz * (0.2 + 0.8 * rng.uniform())) : touchSize(rng);
    writeBbo(ms);
  };

  let dayIndex = 0;
  let nextDayMs = startMs + 86_400_000;
  for (let t = startMs + stepMs; t <= endMs - 1; t += stepMs) {
    const tS = t / 1000;
    // Orders arriving in (t − step, t] see the book of the previous step (published strictly before them).
    while (nextBuyS <= tS || nextSellS <= tS) {
      const buyFirst = nextBuyS <= nextSellS;
      const atS = buyFirst ? nextBuyS : nextSellS;
      // Round up: the order lands in (t − step, t] ms, never on the previous step's BBO millisecond (at equal ms a
      // reader puts trades before the BBO, so that BBO must not be the book the order saw).
      let ms = Math.max(Math.ceil(atS * 1000), t - stepMs + 1);
      if (buyFirst) {
        if (ms <= lastBuyMs) ms = lastBuyMs + 1;
        lastBuyMs = ms;
        nextBuyS += rng.exponential(spec.A);
      } else {
        if (ms <= lastSellMs) ms = lastSellMs + 1;
        lastSellMs = ms;
        nextSellS += rng.exponential(spec.A);
      }
      if (ms < endMs) aggress(buyFirst ? 'buy' : 'sell', ms);
    }
    if (t > switchMs) stepSigmaTicks = stepSigmaAfterTicks;
    midTicks += stepSigmaTicks * rng.normal();
    const newBid = Math.floor(midTicks);
    let changed = false;
    if (newBid !== bidTicks) {
      bidTicks = newBid;
      bidSz = touchSize(rng);
      askSz = touchSize(rng);
      changed = true;
    } else if (rng.uniform() < refreshProb) {
      if (rng.uniform() < 0.5) bidSz = touchSize(rng);
      else askSz = touchSize(rng);
      changed = true;
    }
    if (changed) writeBbo(t);
    if (t + stepMs >= nextDayMs) {
      summary.lastMid = toPx(2 * bidTicks + 1) / 2;
      onDay?.(dayIndex, summary);
      dayIndex++;
      nextDayMs += 86_400_000;
    }
  }
  summary.lastMid = toPx(2 * bidTicks + 1) / 2;
  return summary;
}

function roundSize(sz: number): number {
  return Math.max(0.001, Math.round(sz * 1000) / 1000);
}

/** A displayed size: 0.001 to ~5 base units, skewed small. */
function touchSize(rng: SeededRandom): number {
  const u = rng.uniform();
  return roundSize(5 * u * u * u + 0.001);
}

/** The part of a displayed size a print takes. */
function partOf(sz: number, rng: SeededRandom): number {
  return roundSize(sz * (0.05 + 0.9 * rng.uniform()));
}

export interface WriteSynthOptions extends SynthMarketSpec {
  outDir: string;
  ticker: string;
  /** Called after each generated day (0-based) — for progress output. */
  onDay?: (day: number, summary: SynthSummary) => void;
}

/** Writes the synthetic market as `prices_<TICKER>.csv` and `trades_<TICKER>.csv` in `outDir` (created if needed). */
export async function writeSynthMarket(opts: WriteSynthOptions): Promise<SynthSummary> {
  checkSynthSpec(opts);
  mkdirSync(opts.outDir, { recursive: true });
  for (const kind of ['prices', 'trades'] as const) {
    const existing = findMarketFile(opts.outDir, kind, opts.ticker);
    if (existing !== null && existsSync(existing)) {
      throw new UserError(
        `${existing} already exists; remove it or choose another --out (synth never appends to a market).`,
      );
    }
  }
  const writer = new MarketDataWriter({ dir: opts.outDir, symbol: opts.ticker });
  // Flush every ~16k rows (short-lived strings stay in the young generation: 4× faster than 200k): memory stays bounded however many days are generated.
  const sink: SynthSink = {
    writeBbo: (b) => {
      writer.writeBbo(b);
      if (writer.bufferedRows >= 16_384) writer.flushSync();
    },
    writeTrade: (t) => writer.writeTrade(t),
  };
  const summary = generateSynthMarket(opts, sink, opts.onDay);
  await writer.close();
  return summary;
}
