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
    'quote currency (USDC): day PnL − risk_penalty × √minutes × std of minute PnL; in-sample (γ chosen on the day scored)',
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
      tested_gamma: h.gammaChoice.tested?.gamma ?? null,
      tested_on: h.gammaChoice.tested?.date ?? null,
      tested_total_spread: h.gammaChoice.tested?.spreadQuote ?? null,
      total_spread: h.gammaChoice.publishedSpreadQuote,
      note: h.gammaChoice.note,
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
      min_fills: r.minFills,
      min_fit_r2: r.minFitR2,
      max_bbo_age_ms: r.maxRefAgeMs,
      data_end: Number.isFinite(h.lastMs) ? new Date(h.lastMs).toISOString() : null,
      left_out_incomplete_day: r.droppedIncompleteDay,
      headline_rule:
        'sigma = mean of the last ≤ 7 daily sigmas; A, k = last complete day; gamma = the gamma giving, with these sigma and k, the total spread of the best eligible gamma (≥ min_fills fills) of the last day that had one',
      notes: r.notes,
    },
  };
}

export type ParamsJson = ReturnType<typeof buildParamsJson>;
