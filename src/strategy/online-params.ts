/**
 * Online parameters: σ, A and k re-estimated inside the run loop over a rolling window of the market, by the
 * calibration's own estimators in their streaming form (src/estimate/rolling-estimate.ts). γ always comes from
 * the calibration (it is chosen by backtesting, not measured).
 *
 * `params_source`:
 * - `calibrated`: the parameters file only (no estimator runs);
 * - `online`: the window's σ, A, k, each within bounds, with a fallback to the calibrated value;
 * - `blend`: a geometric weighting of the two, p = p_cal^(1−w) · p_online^w (w = `blendWeight`, default 0.5).
 *   Geometric because σ, A and k are scales (k is a decay rate, A a rate): halfway between 1 and 4 is 2, not 2.5,
 *   and a blend of two positive numbers stays positive.
 *
 * Rules, each a market assumption stated here once:
 * - minimum data: σ needs 1 s mid changes covering at least `minSigmaCoverage` of the window (default half) and
 *   a valid two-scales correction; A and k need at least `minOrders` aggressive orders in the window (default 50)
 *   and a successful fit. A 10-minute window of BTC holds several hundred orders; fewer means a quiet or broken
 *   feed, where yesterday's calibration is the better guess.
 * - bounds: an online value is clamped to [calibrated ÷ F, calibrated × F] (F = `boundsFactor`, default 3). The
 *   market's σ, A and k move within a factor of a few over a day; a window outside that range is more likely a
 *   data problem (a feed hole, a burst of re-sent trades) than a regime the model should quote.
 * - fallback: a group (σ, or A with k) that fails its minimum-data rule uses the calibrated value; σ and (A, k)
 *   fall back independently. Before the first refresh everything is calibrated.
 */

import { type Instrument, tickSizeAt } from '../core/instrument.ts';
import type { MarketEvent } from '../core/market.ts';
import type { RollingEstimate } from '../estimate/rolling-estimate.ts';
import { RollingMarketEstimator } from '../estimate/rolling-estimate.ts';
import type { ModelParams } from '../model/params.ts';

export type ParamsSource = 'calibrated' | 'online' | 'blend';

export interface OnlineParamsSettings {
  source: 'online' | 'blend';
  /** Rolling window, seconds (default 600). */
  windowS: number;
  /** Re-estimate every this many seconds of bot time (default 5). */
  refreshS: number;
  /** Blend: weight of the online value, 0–1 (default 0.5). */
  blendWeight: number;
  /** Online values are clamped to [calibrated ÷ F, calibrated × F] (default 3). */
  boundsFactor: number;
  /** σ needs 1 s changes over at least this fraction of the window (default 0.5). */
  minSigmaCoverage: number;
  /** A and k need at least this many aggressive orders in the window (default 50). */
  minOrders: number;
}

export const ONLINE_DEFAULTS: Omit<OnlineParamsSettings, 'source'> = {
  windowS: 600,
  refreshS: 5,
  blendWeight: 0.5,
  boundsFactor: 3,
  minSigmaCoverage: 0.5,
  minOrders: 50,
};

/** Where one value in use came from. */
export type ValueOrigin = 'calibrated' | 'online' | 'blend';

/** The parameters the strategy quotes with now, and why (API, dashboard, quote log, backtest report). */
export interface ParamsInUse {
  sigma: number;
  A: number;
  k: number;
  gamma: number;
  source: ParamsSource;
  sigmaFrom: ValueOrigin;
  /** Origin of A and k (they are fitted together). */
  akFrom: ValueOrigin;
  /** Why a value fell back or was clamped (null when nothing did). */
  note: string | null;
  /** Bot time of the refresh, Unix ms (null before the first). */
  updatedMs: number | null;
  /** The window's raw estimate (before bounds and blend), null before the first refresh. */
  online: {
    windowS: number;
    sigma: number;
    A: number;
    k: number;
    sigmaSamples: number;
    orders: number;
    observedS: number;
  } | null;
}

/** The calibrated parameters as "in use" (params_source calibrated, or before the first refresh). */
export function calibratedInUse(calibrated: ModelParams, source: ParamsSource = 'calibrated'): ParamsInUse {
  return {
    ...pick(calibrated),
    source,
    sigmaFrom: 'calibrated',
    akFrom: 'calibrated',
    note: null,
    updatedMs: null,
    online: null,
  };
}

/**
 * The pure rule (module comment): calibrated parameters + one window estimate → the parameters in use.
 * `nowMs` only stamps the result.
 */
export function combineParams(
  calibrated: ModelParams,
  est: RollingEstimate,
  s: OnlineParamsSettings,
  nowMs: number,
): ParamsInUse {
  const notes: string[] = [];
  const out = calibratedInUse(calibrated, s.source);
  out.updatedMs = nowMs;
  out.online = {
    windowS: est.windowS,
    sigma: est.sigma,
    A: est.fit?.A ?? Number.NaN,
    k: est.fit?.k ?? Number.NaN,
    sigmaSamples: est.sigmaSamples,
    orders: est.orders,
    observedS: est.observedS,
  };
  const from: ValueOrigin = s.source === 'blend' ? 'blend' : 'online';
  const needSamples = s.minSigmaCoverage * est.windowS;
  if (!(est.sigmaSamples >= needSamples))
    notes.push(
      `σ calibrated: ${est.sigmaSamples} one-second changes in the window, need ${Math.ceil(needSamples)}`,
    );
  else if (!(est.sigma > 0)) notes.push('σ calibrated: the window gives no noise-corrected σ');
  else {
    out.sigma = mix(calibrated.sigma, bounded('σ', est.sigma, calibrated.sigma, s.boundsFactor, notes), s);
    out.sigmaFrom = from;
  }
  if (est.orders < s.minOrders)
    notes.push(`A, k calibrated: ${est.orders} aggressive orders in the window, need ${s.minOrders}`);
  else if (est.fit === null) notes.push(`A, k calibrated: no fit (${est.fitError})`);
  else {
    out.A = mix(calibrated.A, bounded('A', est.fit.A, calibrated.A, s.boundsFactor, notes), s);
    out.k = mix(calibrated.k, bounded('k', est.fit.k, calibrated.k, s.boundsFactor, notes), s);
    out.akFrom = from;
  }
  out.note = notes.length > 0 ? notes.join('; ') : null;
  return out;
}

/** Clamps an online value to [cal ÷ F, cal × F], noting when it had to. */
export function bounded(name: string, online: number, cal: number, factor: number, notes: string[]): number {
  const lo = cal / factor;
  const hi = cal * factor;
  if (online < lo) {
    notes.push(`${name} online ${sig(online)} clamped to calibrated ÷ ${factor}`);
    return lo;
  }
  if (online > hi) {
    notes.push(`${name} online ${sig(online)} clamped to calibrated × ${factor}`);
    return hi;
  }
  return online;
}

/** online: the (bounded) online value; blend: cal^(1−w)·online^w. */
function mix(cal: number, online: number, s: OnlineParamsSettings): number {
  if (s.source === 'online') return online;
  const w = s.blendWeight;
  return cal ** (1 - w) * online ** w;
}

function pick(p: ModelParams): ModelParams {
  return { sigma: p.sigma, A: p.A, k: p.k, gamma: p.gamma };
}

function sig(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

/**
 * The engine's online-parameters component: every market event feeds the estimator; `refresh` (on the engine's
 * clock, every `refreshS`) turns the window into the parameters in use. The depth grid uses the venue's price
 * tick at the current mid (Hyperliquid: 5 significant figures, ≤ 6 − szDecimals decimals), as calibration does
 * for a known perp.
 */
export class OnlineParams {
  readonly settings: OnlineParamsSettings;
  private readonly estimator: RollingMarketEstimator;
  private readonly instrument: Instrument;
  refreshes = 0;
  private lastEventMs = Number.NEGATIVE_INFINITY;
  private emptyWindow: RollingEstimate | null = null;

  constructor(settings: OnlineParamsSettings, instrument: Instrument) {
    this.settings = settings;
    this.instrument = instrument;
    this.estimator = new RollingMarketEstimator({ windowMs: settings.windowS * 1000 });
  }

  get refreshMs(): number {
    return this.settings.refreshS * 1000;
  }

  onMarket(ev: MarketEvent): void {
    this.estimator.onEvent(ev);
    this.lastEventMs = ev.exchMs;
    this.emptyWindow = null;
  }

  /** The window estimate now (tests and the bench). */
  estimate(nowMs: number): RollingEstimate {
    const mid = this.estimator.lastMid;
    const tick = mid > 0 ? tickSizeAt(this.instrument, mid) : Number.NaN;
    return this.estimator.estimate(nowMs, tick);
  }

  /** True when the last market event has left the window: every estimate from now on is the same empty one. */
  windowEmpty(nowMs: number): boolean {
    return nowMs - this.lastEventMs > this.settings.windowS * 1000 + 1000;
  }

  /** The parameters in use from now on, given the calibrated ones. */
  refresh(nowMs: number, calibrated: ModelParams): ParamsInUse {
    this.refreshes++;
    const empty = this.windowEmpty(nowMs);
    let est = empty ? this.emptyWindow : null;
    if (est === null) {
      est = this.estimate(nowMs);
      if (empty) this.emptyWindow = est;
    }
    return combineParams(calibrated, est, this.settings, nowMs);
  }
}
