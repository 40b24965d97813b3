/**
 * `hlmm calibrate`: σ, A, k and γ from recorded market data, walk-forward by UTC day.
 *
 * One pass over the merged stream (prices + trades). Per UTC day: σ (./volatility.ts), aggressive orders and their
 * depths (./aggressors.ts), the λ(δ) fit (./intensity.ts). When a day ends (the next day's first event arrives),
 * its estimates are final; if the previous day has estimates, the day is backtested on a γ grid with the PREVIOUS
 * day's σ, A, k (./gamma-search.ts): what is estimated on day N−1 trades day N, nothing of day N leaks into the
 * parameters it is traded with. Only one day's events are in memory at a time.
 * Headline (the parameters for the day after the last complete day): σ = mean of the last ≤ 7 daily σ; A, k = the
 * last complete day's fit; γ = re-solved so that, with the published σ, A, k, it quotes the total spread the chosen γ
 * of the last day with an eligible γ quoted in its backtest (./headline-gamma.ts): the chosen γ was tested with
 * that day's previous-day σ, k, and publishing it as is would quote a spread that was never tested.
 *
 * A γ is eligible only with at least `minFills` fills in its backtest (DEFAULT_MIN_FILLS): a γ that never trades
 * scores 0 and would beat every γ whose PnL is below its one-sigma band, i.e. the search would reward not trading.
 * The best score of a day is in-sample (γ is chosen on the day it is scored on); σ, A, k are out-of-sample.
 */
import { UserError } from '../core/errors.ts';
import { readMarket } from '../data/market-stream.ts';
import { describeBadRows } from '../data/reader.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import type { ModelParams } from '../model/params.ts';
import { type SpreadModelSpec, totalSpreadFor } from '../model/spread-target.ts';
import { AggressorGrouper, TradeIdFilter } from './aggressors.ts';
import type { DayBacktester, DayBacktestOutcome } from './day-backtest.ts';
import { DayAccumulator, type DayEstimate, DEFAULT_MAX_REF_AGE_MS } from './day-estimate.ts';
import type { DayEvents } from './day-events.ts';
import { type GammaRange, gammaRange, searchGamma } from './gamma-search.ts';
import { type HeadlineGamma, publishedGamma } from './headline-gamma.ts';
import { DEFAULT_MIN_ORDERS } from './intensity.ts';
import { DEFAULT_RISK_PENALTY, scoreFromStats } from './score.ts';
import { resolveTickSize, type TickSize } from './tick-size.ts';
import { isLastDayComplete, utcDayStartMs } from './trading-day.ts';
import { DEFAULT_MAX_GAP_MS, headlineSigma } from './volatility.ts';

export type QuotingModel = 'as' | 'glft';

export interface CalibrateOptions {
  dataDir: string;
  ticker: string;
  tickSize?: number;
  /** Only events with exchange time ≥ fromMs / < toMs (Unix ms). */
  fromMs?: number;
  toMs?: number;
  model?: QuotingModel;
  /** A–S horizon of the strategy (default: end of the UTC day, as the strategy's default). */
  horizon?: HorizonConfig;
  /** Backtests one day; required unless `searchGamma` is false. */
  backtest?: DayBacktester;
  /** Default true; false skips the γ search (estimates only). */
  searchGamma?: boolean;
  gridPoints?: number;
  refineSteps?: number;
  riskPenalty?: number;
  minOrders?: number;
  maxGapMs?: number;
  /** Oldest reference BBO for an aggressive order's depth, ms (default DEFAULT_MAX_REF_AGE_MS = 5 s). */
  maxRefAgeMs?: number;
  /** Fills a γ needs in its backtest to be eligible (default DEFAULT_MIN_FILLS). */
  minFills?: number;
  /** λ(δ) fits with R² below this are flagged and warned about (default DEFAULT_MIN_FIT_R2). */
  minFitR2?: number;
  /** Keep the best γ's equity curve per day (one more backtest per day; for --report). */
  keepEquity?: boolean;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface GammaPoint {
  gamma: number;
  /** Total spread this γ gives with the day's parameters at the representative horizon, quote units. */
  spreadQuote: number;
  score: number;
  pnl: number;
  fills: number;
  minuteStd: number;
  stage: 'grid' | 'refine';
  /** At least `minFills` fills: may be chosen. */
  eligible: boolean;
}

/** Fills a γ needs in its day backtest to be chosen: fewer is too little trading to judge the quotes by. */
export const DEFAULT_MIN_FILLS = 5;
/** R² of ln λ below which a day's λ(δ) fit is flagged (the exponential shape does not describe the day). */
export const DEFAULT_MIN_FIT_R2 = 0.9;

export interface DayGammaResult {
  /** The day whose estimates were traded (the previous complete day). */
  paramsFrom: string;
  params: Omit<ModelParams, 'gamma'>;
  range: GammaRange;
  /** The best-scoring eligible γ; null when no γ tried reached `minFills` fills. Its score is in-sample. */
  best: GammaPoint | null;
  /** Why `best` is null. */
  noEligible: string | null;
  curve: GammaPoint[];
  /** Equity curve of the best γ (when `keepEquity`: for the report). */
  bestEquity: { timesMs: number[]; equity: number[] } | null;
}

export interface CalibratedDay extends DayEstimate {
  gamma: DayGammaResult | null;
  /** Why no γ search ran on this day (first day, previous day unusable…). */
  gammaSkipped: string | null;
  /** The fit's R² is below `minFitR2` (or there is no fit). */
  fitPoor: boolean;
}

export interface CalibrationResult {
  ticker: string;
  tick: TickSize;
  model: QuotingModel;
  horizon: HorizonConfig;
  /** τ used for the γ grid and the quotes, seconds. */
  tauS: number;
  days: CalibratedDay[];
  /** Day left out as incomplete (date), if any. */
  droppedIncompleteDay: string | null;
  headline: ModelParams & { midPrice: number; lastMs: number; gammaChoice: HeadlineGamma };
  /** Data quality lines (bad rows, duplicates). */
  notes: string[];
  riskPenalty: number;
  minFills: number;
  minFitR2: number;
  maxRefAgeMs: number;
}

/**
 * τ standing for the whole day in the γ grid and the published quotes: the rolling horizon itself, or for the
 * end-of-day horizon its average over the day, 43 200 s (τ runs from 86 400 s down to 0).
 */
export function representativeTauS(horizon: HorizonConfig): number {
  return horizon.kind === 'rolling' ? horizon.tauS : 43_200;
}

export function spreadModelSpec(model: QuotingModel, A: number): SpreadModelSpec {
  return model === 'as' ? 'as' : { kind: 'glft', A };
}

const TICK_SAMPLE = 4096;

export async function calibrate(opts: CalibrateOptions): Promise<CalibrationResult> {
  const model = opts.model ?? 'as';
  const horizon: HorizonConfig = opts.horizon ?? { kind: 'end-of-day-utc' };
  const tauS = representativeTauS(horizon);
  const wantGamma = opts.searchGamma !== false;
  if (wantGamma && opts.backtest === undefined) throw new Error('calibrate: a backtest function is required');
  const minOrders = opts.minOrders ?? DEFAULT_MIN_ORDERS;
  const maxGapMs = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  const riskPenalty = opts.riskPenalty ?? DEFAULT_RISK_PENALTY;
  const maxRefAgeMs = opts.maxRefAgeMs ?? DEFAULT_MAX_REF_AGE_MS;
  const minFills = opts.minFills ?? DEFAULT_MIN_FILLS;
  const minFitR2 = opts.minFitR2 ?? DEFAULT_MIN_FIT_R2;
  const notes: string[] = [];
  const progress = opts.progress ?? (() => {});
  const stream = readMarket(opts.dataDir, opts.ticker, {
    books: false,
    fromMs: opts.fromMs,
    toMs: opts.toMs,
  });

  const days: CalibratedDay[] = [];
  const tickSample: number[] = [];
  let tick: TickSize | null = null;
  let current: DayAccumulator | null = null;
  const ids = new TradeIdFilter();
  const grouper = new AggressorGrouper((order) => {
    // Orders are emitted when their millisecond closes; they belong to the day of their own timestamp.
    if (current !== null && utcDayStartMs(order.exchMs) === current.dayStartMs) current.onAggressor(order);
  });
  let lateEvents = 0;
  let lastDayEvents = 0;
  let lastBboMs = Number.NaN;
  let lastMid = Number.NaN;
  let lastMs = Number.NaN;

  const closeDay = (acc: DayAccumulator) => {
    if (tick === null) tick = resolveTickSize(opts.ticker, opts.tickSize, lastMid, tickSample);
    if (!(tick.tick > 0)) {
      throw new UserError(
        `Cannot infer the price tick of ${opts.ticker} from ${opts.dataDir}; pass --tick-size.`,
      );
    }
    const estimate = acc.finish(tick.tick, minOrders);
    const fitPoor = estimate.fit === null || !(estimate.fit.r2 >= minFitR2);
    const day: CalibratedDay = { ...estimate, gamma: null, gammaSkipped: null, fitPoor };
    progress(
      `${day.date}: σ ${fmt(day.sigma)} quote/√s, ${day.buyOrders + day.sellOrders} aggressive orders ` +
        `over ${Math.round(day.observedS)} s with a fresh BBO, ` +
        (day.fit
          ? `A ${fmt(day.fit.A)}/s, k ${fmt(day.fit.k)}/quote (R² ${day.fit.r2.toFixed(3)})`
          : `no fit: ${day.fitError}`),
    );
    if (day.staleOrders > 0 || day.belowTickOrders > 0) {
      const line =
        `${day.date}: ${day.staleOrders} aggressive orders dropped (reference BBO older than ${maxRefAgeMs / 1000} s)` +
        (day.belowTickOrders > 0 ? `, ${day.belowTickOrders} rejected (depth below −1 tick)` : '');
      progress(line);
    }
    if (day.fit !== null && fitPoor) {
      notes.push(
        `${day.date}: warning: λ(δ) fit R² ${day.fit.r2.toFixed(3)} is below ${minFitR2}; its A, k are unreliable`,
      );
    }
    const prev = days[days.length - 1];
    if (!wantGamma) day.gammaSkipped = 'γ search disabled';
    else if (prev === undefined) day.gammaSkipped = 'first day: no previous day to take parameters from';
    else if (prev.fit === null || !(prev.sigma > 0))
      day.gammaSkipped = `previous day ${prev.date} has no usable σ, A, k`;
    else if (acc.events === null || acc.events.length === 0) day.gammaSkipped = 'no events';
    else {
      day.gamma = searchDayGamma(acc.events, prev, day, model, tauS, opts, riskPenalty, minFills, progress);
      if (day.gamma === null)
        day.gammaSkipped = 'no γ range: no γ gives a spread between 0.01 % and 1 % of the mid';
      else if (day.gamma.noEligible !== null) notes.push(`${day.date}: ${day.gamma.noEligible}`);
    }
    days.push(day);
  };

  for await (const batch of stream) {
    for (const ev of batch) {
      const ms = ev.exchMs;
      const dayStart = utcDayStartMs(ms);
      if (current === null || dayStart > current.dayStartMs) {
        grouper.flush();
        if (current !== null) {
          lastDayEvents = current.events?.length ?? 0;
          lastBboMs = current.latestBboMs;
          closeDay(current);
          current = null; // let the closed day's events go before the next day's store is allocated
        }
        // Size the event store like the previous day (no regrowth on regular data).
        current = new DayAccumulator(
          dayStart,
          maxGapMs,
          wantGamma ? Math.max(65_536, Math.ceil(lastDayEvents * 1.1)) : 0,
          maxRefAgeMs,
          lastBboMs,
        );
      } else if (dayStart < current.dayStartMs) {
        lateEvents++; // a re-sent trade from a day already closed
        continue;
      }
      current.onEvent(ev);
      if (ev.kind === 'bbo') {
        if (!(ev.bidPx > 0 && ev.askPx > ev.bidPx)) continue; // crossed/locked book: no mid
        const mid = (ev.bidPx + ev.askPx) / 2;
        current.onMid(ms, mid);
        grouper.onMid(ms, mid);
        lastMid = mid;
        if (tickSample.length < TICK_SAMPLE) tickSample.push(ev.bidPx, ev.askPx);
      } else if (ev.kind === 'trade') {
        if (ids.accept(ev.tid, ms)) grouper.onPrint(ms, ev.side, ev.px);
      }
      if (!(ms < lastMs)) lastMs = ms;
    }
  }
  grouper.flush();
  for (const stats of stream.stats) {
    const line = describeBadRows(stats);
    if (line !== null) notes.push(line);
  }
  if (ids.duplicates > 0) notes.push(`${ids.duplicates} re-sent trades (duplicate trade ids) ignored`);
  if (lateEvents > 0) notes.push(`${lateEvents} late events from an already closed day ignored`);
  let droppedIncompleteDay: string | null = null;
  if (current !== null) {
    if (isLastDayComplete(current.lastEventMs)) closeDay(current);
    else droppedIncompleteDay = new Date(current.dayStartMs).toISOString().slice(0, 10);
  }

  const where = `${opts.dataDir} (${opts.ticker})`;
  if (days.length < 2) {
    throw new UserError(
      `${where} holds ${days.length} complete UTC day${days.length === 1 ? '' : 's'}` +
        (droppedIncompleteDay ? ` (${droppedIncompleteDay} is incomplete and left out)` : '') +
        '; calibration needs at least two: record more data with hlmm collect.',
    );
  }
  const unfit = days.find((d) => d.fit === null);
  if (unfit !== undefined) {
    throw new UserError(
      `${where}: day ${unfit.date} has too few aggressive orders to fit λ(δ) (${unfit.fitError}); ` +
        'record more data or pass --from/--to to leave that day out.',
    );
  }
  const last = days[days.length - 1] as CalibratedDay;
  const lastFit = last.fit as NonNullable<CalibratedDay['fit']>;
  const gammaDays = days.filter((d) => d.gamma !== null);
  if (wantGamma && gammaDays.length === 0) {
    throw new UserError(`${where}: no day could be backtested to choose γ (${last.gammaSkipped}).`);
  }
  const chosenDays = gammaDays.filter((d) => d.gamma?.best !== null);
  const lastChosen = chosenDays[chosenDays.length - 1];
  if (wantGamma && lastChosen === undefined) {
    throw new UserError(
      `${where}: no backtested day had a γ with at least ${minFills} fills; ` +
        'record more data or lower --min-fills (fewer fills make the choice of γ noise).',
    );
  }
  if (wantGamma && lastChosen !== gammaDays[gammaDays.length - 1]) {
    notes.push(
      `γ comes from ${lastChosen?.date}, the last day with an eligible γ (later days had none with ${minFills} fills)`,
    );
  }
  if (last.fitPoor)
    notes.push(`the published A, k come from ${last.date}, whose fit is poor (R² below ${minFitR2})`);
  // Set by the first closed day (TypeScript cannot see assignments made inside the closure).
  const resolvedTick = tick as TickSize | null;
  if (resolvedTick === null) throw new Error('calibrate: tick size not resolved');
  const sigma = headlineSigma(days.map((d) => d.sigma));
  if (!(sigma > 0)) throw new UserError(`${where}: the BBO never moves, σ cannot be estimated.`);
  const chosen = lastChosen?.gamma?.best ?? null;
  const gammaChoice = publishedGamma(
    chosen === null || lastChosen?.gamma == null
      ? null
      : {
          date: lastChosen.date,
          gamma: chosen.gamma,
          spreadQuote: chosen.spreadQuote,
          params: lastChosen.gamma.params,
        },
    { sigma, A: lastFit.A, k: lastFit.k },
    tauS,
    spreadModelSpec(model, lastFit.A),
  );
  if (gammaChoice.note !== null) notes.push(gammaChoice.note);
  return {
    ticker: opts.ticker,
    tick: resolvedTick,
    model,
    horizon,
    tauS,
    days,
    droppedIncompleteDay,
    headline: {
      sigma,
      A: lastFit.A,
      k: lastFit.k,
      gamma: gammaChoice.gamma,
      midPrice: lastMid,
      lastMs,
      gammaChoice,
    },
    notes,
    riskPenalty,
    minFills,
    minFitR2,
    maxRefAgeMs,
  };
}

function searchDayGamma(
  events: DayEvents,
  prev: CalibratedDay,
  day: DayEstimate,
  model: QuotingModel,
  tauS: number,
  opts: CalibrateOptions,
  riskPenalty: number,
  minFills: number,
  progress: (line: string) => void,
): DayGammaResult | null {
  const fit = prev.fit as NonNullable<DayEstimate['fit']>;
  const params = { sigma: prev.sigma, A: fit.A, k: fit.k };
  // The grid is built at the previous day's closing mid: known before the day starts.
  const spec = spreadModelSpec(model, params.A);
  const range = gammaRange(prev.lastMid, params.sigma, tauS, params.k, spec);
  if (range === null) return null;
  for (const note of range.notes) progress(`${day.date}: ${note}`);
  const backtest = opts.backtest as DayBacktester;
  const started = Date.now();
  const search = searchGamma<DayBacktestOutcome & { score: number }>(
    range.gammaLow,
    range.gammaHigh,
    (gamma) => {
      const outcome = backtest(events, { ...params, gamma }, false);
      const score = scoreFromStats(outcome.pnl, outcome.minutes, outcome.minuteStd, riskPenalty);
      // An ineligible γ is never chosen: it searches as −∞ and keeps its real score in the curve.
      return {
        score: outcome.fills >= minFills ? score : Number.NEGATIVE_INFINITY,
        result: { ...outcome, score },
      };
    },
    opts.gridPoints ?? 7,
    opts.refineSteps ?? 3,
  );
  const point = (t: (typeof search.trials)[number]): GammaPoint => ({
    gamma: t.gamma,
    spreadQuote: totalSpreadFor(t.gamma, params.sigma, tauS, params.k, spec),
    score: t.result.score,
    pnl: t.result.pnl,
    fills: t.result.fills,
    minuteStd: t.result.minuteStd,
    stage: t.stage,
    eligible: t.result.fills >= minFills,
  });
  const best = search.best.result.fills >= minFills ? point(search.best) : null;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let noEligible: string | null = null;
  if (best === null) {
    const most = Math.max(...search.trials.map((t) => t.result.fills));
    noEligible = `no eligible γ: none of the ${search.trials.length} γ tried reached ${minFills} fills (most: ${most}); the day gives no γ`;
    progress(`${day.date}: ${noEligible} [${seconds} s]`);
  } else {
    progress(
      `${day.date}: best γ ${fmt(best.gamma)} (total spread ${fmt(best.spreadQuote)}), in-sample score ` +
        `${best.score.toFixed(2)}, ${best.fills} fills [${search.trials.length} backtests, ${seconds} s]`,
    );
  }
  // The chosen γ once more with its equity curve, for the report.
  const equity =
    opts.keepEquity && best !== null
      ? backtest(events, { ...params, gamma: best.gamma }, true).equityCurve
      : null;
  return {
    paramsFrom: prev.date,
    params,
    range,
    best,
    noEligible,
    curve: search.trials.map(point),
    bestEquity: equity === null ? null : thinCurve(equity.timesMs, equity.equity, 2000),
  };
}

function thinCurve(timesMs: ArrayLike<number>, equity: ArrayLike<number>, maxPoints: number) {
  const n = Math.min(timesMs.length, equity.length);
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const out = { timesMs: [] as number[], equity: [] as number[] };
  for (let i = 0; i < n; i += stride) {
    out.timesMs.push(timesMs[i] as number);
    out.equity.push(equity[i] as number);
  }
  if (n > 0 && (n - 1) % stride !== 0) {
    out.timesMs.push(timesMs[n - 1] as number);
    out.equity.push(equity[n - 1] as number);
  }
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
