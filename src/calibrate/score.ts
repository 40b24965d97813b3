/**
 * The risk-adjusted score that picks γ, in quote currency (USDC):
 *
 *   score = Σ x_m − κ · √n · std(x)
 *
 * where x_m is the PnL of minute m of the backtested day (equity change, fees included, inventory marked to the
 * mid), n the number of minutes and std their sample standard deviation. Σx is the day's PnL and √n·std(x) its
 * standard deviation if minutes were independent, so with κ = 1 (default) the score is a one-sigma lower bound on
 * the day's PnL: a γ that earns a little more by carrying much more inventory risk does not win. A day without
 * fills scores 0, so a γ that loses money on average is never preferred to standing aside.
 */

import type { LedgerSnapshot } from '../backtest/ledger.ts';

export const DEFAULT_RISK_PENALTY = 1;

export interface MinutePnlStats {
  /** Sum of minute PnL = equity change over the day, quote units. */
  pnl: number;
  minutes: number;
  /** Sample standard deviation of minute PnL, quote units. */
  minuteStd: number;
  score: number;
}

/**
 * Minute PnL from an equity curve (`timesMs` ascending, `equity` in quote units; last value per minute counts)
 * and its score. Minutes without samples carry the equity forward (their PnL is 0).
 */
export function scoreEquity(
  timesMs: ArrayLike<number>,
  equity: ArrayLike<number>,
  riskPenalty = DEFAULT_RISK_PENALTY,
): MinutePnlStats {
  const n = Math.min(timesMs.length, equity.length);
  if (n === 0) return { pnl: 0, minutes: 0, minuteStd: 0, score: 0 };
  const minutePnl: number[] = [];
  let minute = Math.floor((timesMs[0] as number) / 60_000);
  let minuteStartEquity = equity[0] as number;
  let last = equity[0] as number;
  for (let i = 0; i < n; i++) {
    const m = Math.floor((timesMs[i] as number) / 60_000);
    if (m > minute) {
      minutePnl.push(last - minuteStartEquity);
      for (let gap = minute + 1; gap < m; gap++) minutePnl.push(0);
      minuteStartEquity = last;
      minute = m;
    }
    last = equity[i] as number;
  }
  minutePnl.push(last - minuteStartEquity);
  return scoreMinutePnl(minutePnl, riskPenalty);
}

/** The score of a series of minute PnL (quote units). */
export function scoreMinutePnl(
  minutePnl: readonly number[],
  riskPenalty = DEFAULT_RISK_PENALTY,
): MinutePnlStats {
  const minutes = minutePnl.length;
  const pnl = minutePnl.reduce((a, b) => a + b, 0);
  if (minutes < 2) return { pnl, minutes, minuteStd: 0, score: pnl };
  const mean = pnl / minutes;
  let ss = 0;
  for (const x of minutePnl) ss += (x - mean) ** 2;
  const minuteStd = Math.sqrt(ss / (minutes - 1));
  return { pnl, minutes, minuteStd, score: scoreFromStats(pnl, minutes, minuteStd, riskPenalty) };
}

/**
 * The score of a backtest from its ledger's own per-minute statistics (the same minute series the Sharpe ratio
 * uses): pnl = final equity (the run starts flat with zero cash), std = the ledger's sample std of minute PnL,
 * taken as 0 with fewer than 2 minutes (as scoreMinutePnl does).
 */
export function scoreLedger(
  ledger: Pick<LedgerSnapshot, 'equityQuote' | 'minutes' | 'minutePnlStdQuote'>,
  riskPenalty = DEFAULT_RISK_PENALTY,
): MinutePnlStats {
  const pnl = ledger.equityQuote;
  const minutes = ledger.minutes;
  const minuteStd = minutes < 2 || Number.isNaN(ledger.minutePnlStdQuote) ? 0 : ledger.minutePnlStdQuote;
  return { pnl, minutes, minuteStd, score: scoreFromStats(pnl, minutes, minuteStd, riskPenalty) };
}

/** The score from the day's PnL, its number of minutes and the minute-PnL std (quote units). */
export function scoreFromStats(
  pnl: number,
  minutes: number,
  minuteStd: number,
  riskPenalty = DEFAULT_RISK_PENALTY,
): number {
  return pnl - riskPenalty * Math.sqrt(Math.max(0, minutes)) * minuteStd;
}

/**
 * What the γ search maximises (docs/calibrate.md "Objective"):
 * - `lower-bound` (default): day PnL − κ·√n·std(minute PnL), a one-sigma lower bound on the day's PnL;
 * - `utility`: the Avellaneda–Stoikov mean–variance utility in wealth units, E[X] − (γ_w/2)·Var[X], with X the day's
 *   PnL (mean = day PnL, variance = n·std² if minutes are independent) and γ_w the CARA risk aversion per USDC of
 *   wealth = the quoting γ (per lot) ÷ the lot in base units (docs/models.md: γ_code = γ_wealth × lot).
 */
export type CalibrationObjective = 'lower-bound' | 'utility';

export interface ObjectiveSpec {
  objective: CalibrationObjective;
  /** κ of the lower bound. */
  riskPenalty: number;
  /** One lot in base units (to turn the quoting γ into γ per USDC of wealth for the utility). */
  lotBase: number;
}

/** The objective's value for one backtest of γ (`gamma` per lot, 1/quote), quote units. */
export function objectiveScore(
  spec: ObjectiveSpec,
  pnl: number,
  minutes: number,
  minuteStd: number,
  gamma: number,
): number {
  if (spec.objective === 'lower-bound') return scoreFromStats(pnl, minutes, minuteStd, spec.riskPenalty);
  return utilityFromStats(pnl, minutes, minuteStd, gamma / spec.lotBase);
}

/** E[X] − (γ_w/2)·Var[X] with Var[X] = n·std² (quote units; γ_w per quote unit of wealth). */
export function utilityFromStats(
  pnl: number,
  minutes: number,
  minuteStd: number,
  gammaWealthPerQuote: number,
): number {
  return pnl - (gammaWealthPerQuote / 2) * Math.max(0, minutes) * minuteStd * minuteStd;
}
