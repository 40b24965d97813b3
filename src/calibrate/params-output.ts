/**
 * The parameters file `hlmm calibrate` writes (issue 4 "Output"; read back by src/model/params-file.ts).
 * Top-level keys ticker, timestamp, units, market_data, optimal_parameters, days are the contract; quotes and
 * calibration are extra detail for people and reports.
 */
import { asQuotes } from '../model/avellaneda-stoikov.ts';
import { glftQuotes } from '../model/glft.ts';
import { dailyPctFromSigma } from '../model/units.ts';
import type { CalibrationResult } from './calibrate.ts';

export const PARAMS_UNITS = {
  mid_price: 'quote currency (USDC)',
  sigma:
    'quote currency per √second (USDC/√s): two-scales (1 s and 10 s) realized volatility of the mid, corrected for tick rounding',
  sigma_daily_pct: 'percent of the mid per day: sigma × √86400 ÷ mid × 100',
  A: 'aggressive orders per second per side (intercept of λ(δ) = A·e^(−kδ))',
  k: 'per quote unit (1/USDC)',
  gamma: 'per quote unit (1/USDC): risk aversion',
  tau_s: 'seconds',
  q: 'lots (position ÷ order_size_base)',
  score:
    'quote currency (USDC): the objective (calibration.objective): lower-bound = day PnL − risk_penalty × √minutes × std of minute PnL; utility = day PnL − (γ ÷ lot)/2 × minutes × std²; in-sample unless named oos',
  confidence: '95 % bootstrap interval over hours [low, high], in the unit of the value',
  coverage: 'hours',
  timestamps: 'ISO 8601 UTC',
} as const;

interface QuotePair {
  bid: number;
  ask: number;
  reservation_price: number;
}

export function buildParamsJson(r: CalibrationResult, orderSizeBase: number, nowMs = Date.now()) {
  const h = r.headline;
  const quoteAt = (q: number): QuotePair => {
    const x =
      r.model === 'as'
        ? asQuotes(h.midPrice, q, h.gamma, h.sigma, r.tauS, h.k)
        : glftQuotes(h.midPrice, q, h.gamma, h.sigma, h.A, h.k);
    return { bid: x.bid, ask: x.ask, reservation_price: x.reservationPrice };
  };
  return {
    ticker: r.ticker,
    timestamp: new Date(nowMs).toISOString(),
    units: PARAMS_UNITS,
    market_data: {
      mid_price: h.midPrice,
      sigma: h.sigma,
      sigma_daily_pct: dailyPctFromSigma(h.sigma, h.midPrice),
      A: h.A,
      k: h.k,
    },
    optimal_parameters: {
      gamma: h.gamma,
      gamma_identified: h.gammaChoice.identified,
      gamma_note: h.gammaChoice.note,
      tested_gamma: h.gammaChoice.tested?.gamma ?? null,
      tested_on: h.gammaChoice.tested?.date ?? null,
      tested_with: 'the published sigma, A, k (market_data)',
      tested_score_in_sample: h.gammaChoice.tested?.score ?? null,
      tested_fills: h.gammaChoice.tested?.fills ?? null,
      total_spread: h.gammaChoice.publishedSpreadQuote,
      fallback_gamma: h.gammaChoice.fallbackGamma,
      fallback_source: h.gammaChoice.fallbackSource,
      oos_mean_score: Number.isFinite(r.oosSummary.meanScore) ? r.oosSummary.meanScore : null,
      oos_days: r.oosSummary.days,
      gamma_curve:
        r.headlineSearch?.curve.map((p) => ({
          gamma: p.gamma,
          total_spread: p.spreadQuote,
          score: p.score,
          pnl: p.pnl,
          fills: p.fills,
          stage: p.stage,
          eligible: p.eligible,
        })) ?? [],
    },
    confidence: {
      level: 0.95,
      method: `block bootstrap over hours (${r.bootstrap.replicates} resamples, seed ${r.bootstrap.seed})`,
      sigma: r.confidence.sigma,
      A: r.confidence.A,
      k: r.confidence.k,
      gamma: r.confidence.gamma,
    },
    quotes: {
      note: 'model prices at mid_price before fees and venue rounding; q in lots',
      model: r.model,
      tau_s: r.model === 'as' ? r.tauS : null,
      order_size_base: orderSizeBase,
      q_0: quoteAt(0),
      q_plus_1: quoteAt(1),
      q_minus_1: quoteAt(-1),
    },
    days: r.days.map((d) => ({
      date: d.date,
      skipped: d.skipped,
      book_hours: d.bookHours,
      trade_hours: d.tradeHours,
      oos: d.oos
        ? {
            gamma: d.oos.gamma,
            chosen_on: d.oos.chosenOn,
            score: d.oos.score,
            pnl: d.oos.pnl,
            fills: d.oos.fills,
          }
        : null,
      sigma: d.sigma,
      raw_sigma: d.rawSigma,
      sigma_noise_corrected: d.sigmaNoiseCorrected,
      sigma_daily_pct: dailyPctFromSigma(d.sigma, d.lastMid),
      A: d.fit?.A ?? null,
      k: d.fit?.k ?? null,
      fit_r2: d.fit?.r2 ?? null,
      fit_poor: d.fitPoor,
      aggressors: d.buyOrders + d.sellOrders,
      aggressors_stale_dropped: d.staleOrders,
      aggressors_below_tick_rejected: d.belowTickOrders,
      aggressors_buy: d.buyOrders,
      aggressors_sell: d.sellOrders,
      observed_s: d.observedS,
      last_mid: d.lastMid,
      gamma: d.gamma?.best?.gamma ?? null,
      score: d.gamma?.best?.score ?? null,
      score_in_sample: d.gamma?.best ? true : null,
      pnl: d.gamma?.best?.pnl ?? null,
      fills: d.gamma?.best?.fills ?? null,
      params_from: d.gamma?.paramsFrom ?? null,
      gamma_skipped: d.gammaSkipped,
      gamma_no_eligible: d.gamma?.noEligible ?? null,
      gamma_range: d.gamma
        ? {
            low: d.gamma.range.gammaLow,
            high: d.gamma.range.gammaHigh,
            spread_low: d.gamma.range.spreadLowQuote,
            spread_high: d.gamma.range.spreadHighQuote,
            notes: d.gamma.range.notes,
          }
        : null,
      gamma_curve:
        d.gamma?.curve.map((p) => ({
          gamma: p.gamma,
          total_spread: p.spreadQuote,
          score: p.score,
          pnl: p.pnl,
          fills: p.fills,
          minute_pnl_std: p.minuteStd,
          stage: p.stage,
          eligible: p.eligible,
        })) ?? [],
    })),
    calibration: {
      tick_size: r.tick.tick,
      tick_source: r.tick.source,
      model: r.model,
      horizon: r.horizon.kind === 'rolling' ? `rolling ${r.horizon.tauS} s` : 'end of UTC day',
      risk_penalty: r.riskPenalty,
      objective: r.objective,
      min_coverage_minutes: r.minCoverageMinutes,
      min_fills: r.minFills,
      min_fit_r2: r.minFitR2,
      max_bbo_age_ms: r.maxRefAgeMs,
      data_end: Number.isFinite(h.lastMs) ? new Date(h.lastMs).toISOString() : null,
      left_out_incomplete_day: r.droppedIncompleteDay,
      headline_rule:
        'sigma = mean of the last ≤ 7 usable daily sigmas; A, k = last usable day; gamma = the best eligible gamma (≥ min_fills fills) of a search on the last usable day with exactly these sigma, A, k; when not identified (gamma_identified false) the fallback gamma',
      notes: r.notes,
    },
  };
}

export type ParamsJson = ReturnType<typeof buildParamsJson>;
