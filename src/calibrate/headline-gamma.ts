/**
 * The published γ and whether the data identify it.
 *
 * The published γ is a γ that was backtested with the published σ, A, k: the last usable day is searched once
 * more with exactly those parameters (`calibrate`), and its best eligible γ is published as tested — no re-solve to
 * another γ that no backtest tried. That search is in-sample twice over (the published σ includes the day, and
 * γ is chosen on it), which is why the walk-forward out-of-sample scores are reported next to it.
 *
 * γ is not identified — `gamma_identified: false` with a one-line note, and the configured fallback γ published
 * for the bot to trade — when:
 * - too few fills: no γ tried reached the minimum number of fills;
 * - the optimum is on the boundary: the best γ is the smallest or largest tried (the best may lie beyond);
 * - the curve is flat: every eligible score within FLAT_SCORE_FRACTION of the best, or the bootstrap's 95 %
 *   interval of the best γ spans every eligible γ tried (the data cannot tell the γ apart).
 */
import type { ModelParams } from '../model/params.ts';
import type { Interval } from './confidence.ts';

/** Eligible scores all within this fraction of the best score's magnitude: a flat curve. */
export const FLAT_SCORE_FRACTION = 0.01;
/** Default fallback: the γ whose total spread is this fraction of the mid (10 bps: wide, rarely filled, safe). */
export const FALLBACK_SPREAD_FRACTION = 0.001;

export interface TestedGamma {
  /** The day the published-parameter search ran on. */
  date: string;
  gamma: number;
  /** Its in-sample score on that day, quote units. */
  score: number;
  fills: number;
  /** Total spread it quotes with the published parameters at the representative τ, quote units. */
  spreadQuote: number;
  /** σ, A, k it was tested with (the published ones). */
  params: Omit<ModelParams, 'gamma'>;
}

export interface HeadlineGamma {
  /** The γ the bot should trade, 1/quote: the tested γ when identified, else the fallback. */
  gamma: number;
  identified: boolean;
  /** Why γ is not identified (one line), null when it is. */
  note: string | null;
  /** The best eligible γ of the published-parameter search (null when none was eligible). */
  tested: TestedGamma | null;
  fallbackGamma: number;
  /** Where the fallback came from (the flag, or the default spread rule). */
  fallbackSource: string;
  /** Total spread the published γ quotes with the published σ, A, k, quote units. */
  publishedSpreadQuote: number;
}

export interface CurvePoint {
  gamma: number;
  score: number;
  fills: number;
  eligible: boolean;
}

/** Why γ is not identified by this curve (and interval), or null when it is. */
export function gammaNotIdentified(
  curve: readonly CurvePoint[],
  best: CurvePoint | null,
  minFills: number,
  interval: Interval | null,
): string | null {
  if (curve.length === 0) return 'no γ was backtested with the published σ, A, k';
  if (best === null) {
    const most = Math.max(...curve.map((p) => p.fills));
    return `too few fills: none of the ${curve.length} γ backtested with the published σ, A, k reached ${minFills} fills (most: ${most})`;
  }
  const gammas = curve.map((p) => p.gamma);
  const lo = Math.min(...gammas);
  const hi = Math.max(...gammas);
  if (best.gamma <= lo * (1 + 1e-12) || best.gamma >= hi * (1 - 1e-12))
    return `optimum on the boundary: the best γ ${fmt(best.gamma)} is the ${best.gamma <= lo * (1 + 1e-12) ? 'smallest' : 'largest'} tried, the best may lie beyond the range`;
  const eligible = curve.filter((p) => p.eligible);
  if (eligible.length < 2)
    return `flat curve: only one γ reached ${minFills} fills, nothing to compare it with`;
  const worst = Math.min(...eligible.map((p) => p.score));
  if (best.score - worst <= FLAT_SCORE_FRACTION * Math.abs(best.score))
    return `flat curve: every eligible score is within ${FLAT_SCORE_FRACTION * 100} % of the best (${fmt(worst)} to ${fmt(best.score)})`;
  if (interval !== null) {
    const eLo = Math.min(...eligible.map((p) => p.gamma));
    const eHi = Math.max(...eligible.map((p) => p.gamma));
    if (interval[0] <= eLo * (1 + 1e-12) && interval[1] >= eHi * (1 - 1e-12))
      return `flat curve: the bootstrap's 95 % interval of γ (${fmt(interval[0])} to ${fmt(interval[1])}) spans every eligible γ tried`;
  }
  return null;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
