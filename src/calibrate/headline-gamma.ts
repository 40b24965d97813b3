/**
 * The published γ, made consistent with the published σ, A, k.
 *
 * The γ search tests day N with day N−1's σ, A, k, but the parameters file publishes σ = a multi-day mean and
 * A, k of the last day. γ alone does not define the quotes: the same γ with another σ, k quotes another spread.
 * What the backtest actually validated is the total spread the chosen γ produced with the parameters it was
 * tested with, so the published γ is the one that gives that total spread with the published σ, A, k (at the same
 * representative τ). Re-solving (rather than backtesting with the published estimator) keeps the walk-forward free
 * of look-ahead: the published σ includes the last day, which no backtested day may see.
 * When that spread is below the narrowest spread the published parameters can quote, the narrowest is published
 * and the note says so. A note is printed whenever the published γ differs from the tested one.
 */
import type { ModelParams } from '../model/params.ts';
import {
  gammaForTotalSpread,
  minimumTotalSpread,
  type SpreadModelSpec,
  totalSpreadFor,
} from '../model/spread-target.ts';

export interface ChosenGamma {
  /** The day whose backtest chose it. */
  date: string;
  gamma: number;
  /** Total spread it quoted in that backtest (with `params`, at the representative τ), quote units. */
  spreadQuote: number;
  /** σ, A, k it was tested with. */
  params: Omit<ModelParams, 'gamma'>;
}

export interface HeadlineGamma {
  /** Published γ, 1/quote (NaN when there was no γ to publish). */
  gamma: number;
  /** The γ the backtest chose and the day it was chosen on (null when none). */
  tested: ChosenGamma | null;
  /** Total spread the published γ quotes with the published σ, A, k, quote units. */
  publishedSpreadQuote: number;
  /** Why the published γ differs from the tested one, or null when they are the same. */
  note: string | null;
}

/** Relative γ difference below which the tested γ is published as is. */
const SAME_GAMMA = 1e-9;

export function publishedGamma(
  chosen: ChosenGamma | null,
  published: Omit<ModelParams, 'gamma'>,
  tauS: number,
  model: SpreadModelSpec,
): HeadlineGamma {
  if (chosen === null)
    return { gamma: Number.NaN, tested: null, publishedSpreadQuote: Number.NaN, note: null };
  const { sigma, k } = published;
  let gamma = gammaForTotalSpread(chosen.spreadQuote, sigma, tauS, k, model);
  let floorNote = '';
  if (gamma === null) {
    // Not reachable: publish the narrowest spread the published parameters can quote.
    const floor = minimumTotalSpread(sigma, tauS, k, model);
    gamma =
      floor.gamma > 0 && Number.isFinite(floor.gamma)
        ? floor.gamma
        : gammaForTotalSpread(floor.spreadQuote * 1.01, sigma, tauS, k, model);
    floorNote = ` (the tested spread is below the narrowest the published σ, k can quote, ${fmt(floor.spreadQuote)}: the narrowest reachable is published)`;
  }
  if (gamma === null || !(gamma > 0)) {
    return {
      gamma: chosen.gamma,
      tested: chosen,
      publishedSpreadQuote: totalSpreadFor(chosen.gamma, sigma, tauS, k, model),
      note: `γ ${fmt(chosen.gamma)} from ${chosen.date} is published as tested: no γ reproduces its total spread ${fmt(chosen.spreadQuote)} with the published σ, k`,
    };
  }
  const publishedSpreadQuote = totalSpreadFor(gamma, sigma, tauS, k, model);
  const same = Math.abs(gamma / chosen.gamma - 1) < SAME_GAMMA;
  return {
    gamma: same ? chosen.gamma : gamma,
    tested: chosen,
    publishedSpreadQuote,
    note: same
      ? null
      : `published γ ${fmt(gamma)} differs from the γ ${fmt(chosen.gamma)} chosen on ${chosen.date}: that γ was tested ` +
        `with σ ${fmt(chosen.params.sigma)}, k ${fmt(chosen.params.k)} (total spread ${fmt(chosen.spreadQuote)}); ` +
        `with the published σ ${fmt(sigma)}, k ${fmt(k)} this γ quotes ${fmt(publishedSpreadQuote)}${floorNote}`,
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
