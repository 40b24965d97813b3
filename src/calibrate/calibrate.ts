/**
 * `hlmm calibrate`: σ, A, k and γ from recorded market data, walk-forward by UTC day.
 *
 * One pass over the merged stream (prices + trades). Per UTC day: σ (./volatility.ts), aggressive orders and their
 * depths (./aggressors.ts), the λ(δ) fit (./intensity.ts). When a day ends (the next day's first event arrives),
 * its estimates are final; if a previous usable day exists, the day is backtested on a γ grid with that PREVIOUS
 * day's σ, A, k (./gamma-search.ts): what is estimated on day N−1 trades day N, nothing of day N leaks into the
 * parameters it is traded with. In this thread a day's search ends before the next day is read (at most two days'
 * events in memory: the last usable day is kept for the published-parameter search); on worker threads
 * (`daysInFlight` 2) a day's search runs while the next day is read and searched, and the published search starts
 * as soon as the last day's estimates are known, so the workers take backtests from one queue without waiting for
 * a round's last backtest or for the reading. Progress lines and notes come out in day order either way.
 * Headline (the parameters for the day after the last usable day): σ = mean of the last ≤ 7 daily σ; A, k = the
 * last usable day's fit; γ = the best eligible γ of one more search on the last usable day with exactly those
 * σ, A, k (./headline-gamma.ts: published as tested, never re-solved), or the fallback γ when the data do not
 * identify it. Out of sample: each day also trades the γ chosen on the day before (with the σ, A, k known at its
 * start) and that score is reported (walk-forward). 95 % intervals: block bootstrap over hours (./confidence.ts).
 * Coverage: a day with less fresh book than `minCoverageMinutes`, or too few orders to fit λ(δ), is skipped with a
 * note; the run fails only when fewer than two days qualify.
 *
 * A γ is eligible only with at least `minFills` fills in its backtest (DEFAULT_MIN_FILLS): a γ that never trades
 * scores 0 and would beat every γ whose PnL is below its one-sigma band, i.e. the search would reward not trading.
 * The best score of a day is in-sample (γ is chosen on the day it is scored on); σ, A, k are out-of-sample.
 */
import { UserError } from '../core/errors.ts';
import type { MarketEvent } from '../core/market.ts';
import {
  ColumnMarketStream,
  type DayColumns,
  type MarketDays,
  openMarketDays,
  openMarketStream,
} from '../data/event-cache.ts';
import { rangeOf } from '../data/event-columns.ts';
import { describeBadRows, type RowStats } from '../data/reader.ts';
import { AggressorGrouper, DEFAULT_MAX_REF_AGE_MS } from '../estimate/aggressors.ts';
import { DEFAULT_MIN_ORDERS } from '../estimate/intensity.ts';
import { DEFAULT_MAX_GAP_MS, headlineSigma } from '../estimate/volatility.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import type { ModelParams } from '../model/params.ts';
import { gammaForTotalSpread, type SpreadModelSpec, totalSpreadFor } from '../model/spread-target.ts';
import type { QuotingModel } from '../strategy/config.ts';
import { type BacktestMany, inThread } from './backtest-pool.ts';
import { bootstrapRng, DEFAULT_BOOTSTRAP_REPLICATES, DEFAULT_BOOTSTRAP_SEED } from './bootstrap.ts';
import { gammaInterval, type Interval, intensityIntervals, sigmaInterval } from './confidence.ts';
import type { DayBacktester, DayBacktestOutcome } from './day-backtest.ts';
import { DayAccumulator, type DayEstimate } from './day-estimate.ts';
import { ColumnDayEvents, type DayEvents } from './day-events.ts';
import type { DayLease, DaySlots } from './day-slots.ts';
import { type GammaRange, gammaRange, searchGammaBatched } from './gamma-search.ts';
import { FALLBACK_SPREAD_FRACTION, gammaNotIdentified, type HeadlineGamma } from './headline-gamma.ts';
import { OrderedProgress, type ProgressLane } from './ordered-progress.ts';
import {
  type CalibrationObjective,
  DEFAULT_RISK_PENALTY,
  type ObjectiveSpec,
  objectiveScore,
} from './score.ts';
import { resolveTickSize, type TickSize } from './tick-size.ts';
import { isLastDayComplete, utcDayStartMs } from './trading-day.ts';

export type { QuotingModel };

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
  /** Backtests one day; required unless `searchGamma` is false (or `backtestMany` is given). */
  backtest?: DayBacktester;
  /** Runs batches of day backtests (on worker threads: ./backtest-pool.ts); default: `backtest`, in this thread. */
  backtestMany?: BacktestMany;
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
  /** What the γ search maximises (default `lower-bound`). */
  objective?: CalibrationObjective;
  /** One lot, base units (the utility objective turns γ per lot into γ per USDC of wealth; default 0.001). */
  orderSizeBase?: number;
  /** A day with less fresh book than this is skipped, minutes (default DEFAULT_MIN_COVERAGE_MINUTES). */
  minCoverageMinutes?: number;
  /** γ published when the data do not identify it, 1/quote per lot (default: FALLBACK_SPREAD_FRACTION rule). */
  fallbackGamma?: number;
  /** Bootstrap resamples (default DEFAULT_BOOTSTRAP_REPLICATES) and seed (default DEFAULT_BOOTSTRAP_SEED). */
  bootstrapReplicates?: number;
  bootstrapSeed?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Read through the columnar event cache (default true; false parses the CSV files: `--no-cache`). */
  cache?: boolean;
  /**
   * Copies a day's cache columns where the backtests run (the worker pool's shared memory: ./backtest-pool.ts)
   * as soon as it is loaded; the day is then read and searched from that one copy. Default: none (in this thread).
   */
  shareColumns?: (columns: DayColumns) => DayColumns;
  /**
   * Reused buffers the cache's days are read into (./day-slots.ts; shared memory when there are workers): the
   * days in memory are at most its slots, and no day is copied after it is read. Without it each day is read into
   * memory of its own (and copied by `shareColumns`). At least `daysInFlight` slots; with exactly that many the next
   * day is read once the oldest search has ended.
   */
  daySlots?: DaySlots;
  /**
   * Day searches that may run at once (default 1: a day's search starts once the previous day's has ended). With
   * worker threads, 2 lets a day's search run while the next day is read and searched, so no worker waits for a
   * round's last backtest or for the reading; each day's parameters and results are the same either way.
   */
  daysInFlight?: number;
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
  /** Per-minute PnL of the backtest (for the bootstrap of γ), when the backtester gives it. */
  minutePnl?: DayBacktestOutcome['minutePnl'];
}

/** Fresh book a day needs to be used, minutes: below it λ(δ) rests on a handful of orders (docs/calibrate.md). */
export const DEFAULT_MIN_COVERAGE_MINUTES = 2;

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

export interface OutOfSampleScore {
  /** The γ chosen on `chosenOn`, traded on this day with the σ, A, k known at its start. */
  gamma: number;
  chosenOn: string;
  score: number;
  pnl: number;
  fills: number;
}

export interface CalibratedDay extends DayEstimate {
  /** Why the day is not used (coverage under the minimum, λ(δ) not fittable); null when it is used. */
  skipped: string | null;
  gamma: DayGammaResult | null;
  /** The previous usable day's chosen γ traded on this day (walk-forward, out of sample). */
  oos: OutOfSampleScore | null;
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
  /** The search with the published σ, A, k on the last usable day (null without a γ search). */
  headlineSearch: (DayGammaResult & { date: string }) | null;
  /** 95 % bootstrap intervals of the published values (null when not computable). */
  confidence: { sigma: Interval | null; A: Interval | null; k: Interval | null; gamma: Interval | null };
  bootstrap: { replicates: number; seed: number };
  /** Mean walk-forward out-of-sample score over the days that have one, and how many. */
  oosSummary: { meanScore: number; days: number };
  objective: CalibrationObjective;
  minCoverageMinutes: number;
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
const DAY_MS = 86_400_000;

export async function calibrate(opts: CalibrateOptions): Promise<CalibrationResult> {
  const model = opts.model ?? 'as';
  const horizon: HorizonConfig = opts.horizon ?? { kind: 'end-of-day-utc' };
  const tauS = representativeTauS(horizon);
  const wantGamma = opts.searchGamma !== false;
  if (wantGamma && opts.backtest === undefined && opts.backtestMany === undefined)
    throw new Error('calibrate: a backtest function is required');
  const runMany: BacktestMany =
    opts.backtestMany ?? inThread(opts.backtest ?? (() => ({}) as DayBacktestOutcome));
  const minOrders = opts.minOrders ?? DEFAULT_MIN_ORDERS;
  const maxGapMs = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  const riskPenalty = opts.riskPenalty ?? DEFAULT_RISK_PENALTY;
  const maxRefAgeMs = opts.maxRefAgeMs ?? DEFAULT_MAX_REF_AGE_MS;
  const minFills = opts.minFills ?? DEFAULT_MIN_FILLS;
  const minFitR2 = opts.minFitR2 ?? DEFAULT_MIN_FIT_R2;
  const minCoverageMinutes = opts.minCoverageMinutes ?? DEFAULT_MIN_COVERAGE_MINUTES;
  const objective: ObjectiveSpec = {
    objective: opts.objective ?? 'lower-bound',
    riskPenalty,
    lotBase: opts.orderSizeBase ?? 0.001,
  };
  const bootstrap = {
    replicates: opts.bootstrapReplicates ?? DEFAULT_BOOTSTRAP_REPLICATES,
    seed: opts.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED,
  };
  const notes: string[] = [];
  const progress = opts.progress ?? (() => {});
  // Lines in day order while searches overlap: `lane` takes the lines of the day being read.
  const lanes = new OrderedProgress(progress);
  let lane = lanes.open();
  const warn = (line: string) => lane.write(`warning: ${line}`);
  // The notes in the order of the work (a day's search may end after the next day's notes are known).
  const noteParts: string[][] = [];
  const daysInFlight = Math.max(1, opts.daysInFlight ?? 1);
  const searches: Promise<void>[] = [];
  let searchesDone = 0;
  // Through the cache, the stream is read one UTC day at a time (only the days in use are in memory) and a day's
  // events for the γ search are a view of its columns (no copy); from CSV, the accumulator keeps them in a
  // compact store.
  const marketDays: MarketDays | null =
    opts.cache === false ? null : await openMarketDays(opts.dataDir, opts.ticker, { warn });
  const stream =
    marketDays === null
      ? await openMarketStream(opts.dataDir, opts.ticker, {
          books: false,
          fromMs: opts.fromMs,
          toMs: opts.toMs,
          cache: false,
          warn,
        })
      : null;
  const windowFromMs = opts.fromMs ?? Number.NEGATIVE_INFINITY;
  const windowToMs = opts.toMs ?? Number.POSITIVE_INFINITY;
  // The loaded day (column path): the day being read, and closed before the next one is loaded.
  let dayColumns: DayColumns | null = null;
  // Its slot (opts.daySlots), held by the reading until the day is closed; its search and the last usable day
  // hold it on their own.
  let dayLease: DayLease | null = null;
  const eventsOf = (acc: DayAccumulator): DayEvents | null => {
    if (dayColumns === null) return acc.events;
    const from = Math.max(acc.dayStartMs, windowFromMs);
    const to = Math.min(acc.dayStartMs + DAY_MS, windowToMs);
    return new ColumnDayEvents(dayColumns, rangeOf(dayColumns, from, to));
  };

  const days: CalibratedDay[] = [];
  const tickSample: number[] = [];
  let tick: TickSize | null = null;
  let current: DayAccumulator | null = null;
  // The last usable day and its events: the published-parameter search runs on it once the data end.
  let lastUsable: {
    day: CalibratedDay;
    events: DayEvents | null;
    search: Promise<void> | null;
    lease: DayLease | null;
  } | null = null;
  const grouper = new AggressorGrouper((order) => {
    // Orders are emitted when their millisecond closes; they belong to the day of their own timestamp.
    if (current !== null && utcDayStartMs(order.exchMs) === current.dayStartMs) current.onAggressor(order);
  });
  let lateEvents = 0;
  let lastDayEvents = 0;
  let lastBboMs = Number.NaN;
  let lastMid = Number.NaN;
  let lastMs = Number.NaN;

  const closeDay = async (acc: DayAccumulator) => {
    const dayLane = lane;
    lane = lanes.open();
    const notesOfDay: string[] = [];
    noteParts.push(notesOfDay);
    // At most `daysInFlight` searches at once: the oldest ends before this day's starts.
    while (searches.length - searchesDone >= daysInFlight) await searches[searchesDone++];
    const search = searchDay(acc, dayLane, notesOfDay);
    if (search === null) {
      dayLane.close();
      return;
    }
    search.catch(() => {}); // awaited below and at the end; a failure must not be an unhandled rejection first
    searches.push(search);
  };

  /** Closes a day's estimates; returns its γ search (with the walk-forward run), or null when it has none. */
  const searchDay = (
    acc: DayAccumulator,
    dayLane: ProgressLane,
    notesOfDay: string[],
  ): Promise<void> | null => {
    const progress = (line: string) => dayLane.write(line);
    if (tick === null) tick = resolveTickSize(opts.ticker, opts.tickSize, lastMid, tickSample);
    if (!(tick.tick > 0)) {
      throw new UserError(
        `Cannot infer the price tick of ${opts.ticker} from ${opts.dataDir}; pass --tick-size.`,
      );
    }
    const estimate = acc.finish(tick.tick, minOrders);
    const fitPoor = estimate.fit === null || !(estimate.fit.r2 >= minFitR2);
    const day: CalibratedDay = {
      ...estimate,
      skipped: null,
      gamma: null,
      oos: null,
      gammaSkipped: null,
      fitPoor,
    };
    const coverage = `${(estimate.bookHours * 60).toFixed(1)} min of fresh book, ${(estimate.tradeHours * 60).toFixed(0)} min with trades`;
    progress(
      `${day.date}: σ ${fmt(day.sigma)} quote/√s (uncorrected ${fmt(day.rawSigma)}), ${day.buyOrders + day.sellOrders} aggressive orders, ` +
        `${coverage}, ` +
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
    if (estimate.bookHours * 60 < minCoverageMinutes)
      day.skipped = `coverage ${coverage}, under the minimum of ${minCoverageMinutes} min of fresh book (--min-coverage-minutes)`;
    else if (day.fit === null) day.skipped = `too few aggressive orders to fit λ(δ) (${day.fitError})`;
    else if (!(day.sigma > 0)) day.skipped = 'the BBO never moves: no σ';
    if (day.skipped !== null) {
      notesOfDay.push(`${day.date}: skipped: ${day.skipped}`);
      days.push(day);
      return null;
    }
    if (day.fitPoor) {
      notesOfDay.push(
        `${day.date}: warning: λ(δ) fit R² ${day.fit?.r2.toFixed(3)} is below ${minFitR2}; its A, k are unreliable`,
      );
    }
    const prev = lastUsable?.day;
    // Only yesterday's search, not its events: today's search must not keep yesterday's day in memory.
    const prevSearch = lastUsable?.search ?? null;
    const events = eventsOf(acc);
    const lease = dayColumns === null ? null : dayLease;
    let search: Promise<void> | null = null;
    if (!wantGamma) day.gammaSkipped = 'γ search disabled';
    else if (prev === undefined)
      day.gammaSkipped = 'first usable day: no previous day to take parameters from';
    else if (events === null || events.length === 0) day.gammaSkipped = 'no events';
    else {
      const params = paramsOf(prev);
      lease?.retain();
      search = (async () => {
        try {
          // Walk-forward: yesterday's chosen γ (once yesterday's search has ended), traded today with the σ, A, k
          // known at today's start — queued with the search's backtests (it does not depend on them), reported
          // after them.
          const oosRun = (async () => {
            await prevSearch;
            const chosen = prev.gamma?.best;
            if (!chosen) return null;
            const o = (
              await runMany([{ events, params: { ...params, gamma: chosen.gamma }, withEquity: false }])
            )[0];
            return { chosen, o: o as DayBacktestOutcome };
          })();
          oosRun.catch(() => {}); // awaited below, after the search
          day.gamma = await searchDayGamma(
            runMany,
            events,
            params,
            prev.date,
            prev.lastMid,
            day,
            model,
            tauS,
            opts,
            objective,
            minFills,
            progress,
          );
          if (day.gamma === null)
            day.gammaSkipped = 'no γ range: no γ gives a spread between 0.01 % and 1 % of the mid';
          else if (day.gamma.noEligible !== null) notesOfDay.push(`${day.date}: ${day.gamma.noEligible}`);
          const oos = await oosRun;
          if (oos !== null) {
            const { chosen, o } = oos;
            const score = objectiveScore(objective, o.pnl, o.minutes, o.minuteStd, chosen.gamma);
            day.oos = { gamma: chosen.gamma, chosenOn: prev.date, score, pnl: o.pnl, fills: o.fills };
            progress(
              `${day.date}: out of sample, γ ${fmt(chosen.gamma)} chosen on ${prev.date}: score ${score.toFixed(2)}, ${o.fills} fills`,
            );
          }
        } finally {
          lease?.release();
          dayLane.close();
        }
      })();
    }
    lastUsable?.lease?.release();
    lease?.retain();
    lastUsable = { day, events, search, lease };
    days.push(day);
    return search;
  };

  const endDay = async () => {
    grouper.flush();
    if (current !== null) {
      lastDayEvents = current.events?.length ?? 0;
      lastBboMs = current.latestBboMs;
      const closing = current;
      current = null; // let the closed day's events go (unless kept as the last usable day)
      await closeDay(closing);
    }
  };
  const consume = async (batch: readonly MarketEvent[]) => {
    for (const ev of batch) {
      const ms = ev.exchMs;
      const dayStart = utcDayStartMs(ms);
      if (current === null || dayStart > current.dayStartMs) {
        await endDay();
        // Size the event store like the previous day (no regrowth on regular data).
        current = new DayAccumulator(
          dayStart,
          maxGapMs,
          wantGamma && marketDays === null ? Math.max(65_536, Math.ceil(lastDayEvents * 1.1)) : 0,
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
        // Re-sent prints (duplicate tids) never get here: the market stream drops them (src/data/trade-dedup.ts).
        grouper.onPrint(ms, ev.side, ev.px);
        current.onTradePrint(ms);
      }
      if (!(ms < lastMs)) lastMs = ms;
    }
  };
  // One copy of a day: in shared memory when there are workers. The loaded copy is only referenced inside this
  // function, so it can go as soon as the shared one exists (a local of the reading loop would live across its
  // awaits, i.e. for the whole day).
  const share = wantGamma ? opts.shareColumns : undefined;
  const slots = wantGamma ? opts.daySlots : undefined;
  const loadDay = async (from: MarketDays, i: number): Promise<DayColumns> => {
    const bytes = slots === undefined ? null : from.dayBytes(i);
    if (slots === undefined || bytes === null)
      return share === undefined ? from.loadDay(i) : share(await from.loadDay(i));
    dayLease = await slots.acquire(bytes);
    return from.loadDay(i, dayLease.bytes);
  };
  const endReading = () => {
    dayColumns = null;
    dayLease?.release();
    dayLease = null;
  };
  let rowStats: readonly RowStats[];
  let resent: number;
  if (marketDays !== null) {
    try {
      // The days with events in the window, in order (a later day's first event is past the window's start).
      const inWindow = marketDays.days
        .map((d, i) => ({ d, i }))
        .filter(({ d }) => d.dayStartMs + DAY_MS > windowFromMs && d.firstMs < windowToMs);
      for (let n = 0; n < inWindow.length; n++) {
        const { i } = inWindow[n] as { i: number };
        endReading(); // the last day's columns go before the next day is loaded
        dayColumns = await loadDay(marketDays, i);
        const day = new ColumnMarketStream(
          { ...dayColumns, stats: [], droppedDuplicateMs: [], droppedOutOfOrderMs: [] },
          windowFromMs,
          windowToMs,
        );
        for await (const batch of day) await consume(batch);
        // The next day's events would close this day: close it before that day is loaded (one day in memory
        // besides the last usable one). The last day is closed below, only when complete.
        if (n < inWindow.length - 1 && day.length > 0) await endDay();
      }
    } finally {
      await marketDays.close();
    }
    rowStats = marketDays.stats;
    const inRange = (ms: number) => ms >= windowFromMs && ms < windowToMs;
    resent = marketDays.droppedDuplicateMs.filter(inRange).length;
  } else {
    const csv = stream as NonNullable<typeof stream>;
    for await (const batch of csv) await consume(batch);
    rowStats = csv.stats;
    resent = csv.dropped.duplicateTrades;
  }
  grouper.flush();
  const readNotes: string[] = [];
  noteParts.push(readNotes);
  for (const stats of rowStats) {
    const line = describeBadRows(stats);
    if (line !== null) readNotes.push(line);
  }
  if (resent > 0) readNotes.push(`${resent} re-sent trades (duplicate trade ids) ignored`);
  if (lateEvents > 0) readNotes.push(`${lateEvents} late events from an already closed day ignored`);
  let droppedIncompleteDay: string | null = null;
  // Set inside consume (TypeScript cannot see assignments made inside the closure).
  const tail = current as DayAccumulator | null;
  if (tail !== null) {
    if (isLastDayComplete(tail.lastEventMs)) await closeDay(tail);
    else droppedIncompleteDay = new Date(tail.dayStartMs).toISOString().slice(0, 10);
  }
  endReading();

  const where = `${opts.dataDir} (${opts.ticker})`;
  if (days.length < 2) {
    throw new UserError(
      `${where} holds ${days.length} complete UTC day${days.length === 1 ? '' : 's'}` +
        (droppedIncompleteDay ? ` (${droppedIncompleteDay} is incomplete and left out)` : '') +
        '; calibration needs at least two: record more data with hlmm collect.',
    );
  }
  const usable = days.filter((d) => d.skipped === null);
  if (usable.length < 2) {
    const why = days
      .filter((d) => d.skipped !== null)
      .map((d) => `day ${d.date} has ${d.skipped}`)
      .join('; ');
    throw new UserError(
      `${where}: only ${usable.length} of ${days.length} days can be used (${why}); ` +
        'record more data, pass --from/--to to choose other days, or lower --min-coverage-minutes.',
    );
  }
  const last = usable[usable.length - 1] as CalibratedDay;
  const lastFit = last.fit as NonNullable<CalibratedDay['fit']>;
  const headlineDays = usable.slice(-7);
  const sigma = headlineSigma(headlineDays.map((d) => d.sigma));
  const published = { sigma, A: lastFit.A, k: lastFit.k };
  // The published γ: searched on the last usable day with exactly the published σ, A, k. It needs only the
  // estimates, so it starts while the last days' searches still run; its lines wait until those are reported.
  const kept = lastUsable as { day: CalibratedDay; events: DayEvents | null; lease: DayLease | null } | null;
  const heldLines: string[] = [];
  let holdLines = true;
  const publishedProgress = (line: string) => (holdLines ? heldLines.push(line) : progress(line));
  let publishedSearch: Promise<DayGammaResult | null> | null = null;
  if (wantGamma && sigma > 0 && kept !== null && kept.events !== null && kept.events.length > 0) {
    publishedProgress(
      `${last.date}: γ search with the published σ ${fmt(sigma)}, A ${fmt(published.A)}, k ${fmt(published.k)}`,
    );
    publishedSearch = searchDayGamma(
      runMany,
      kept.events,
      published,
      'published',
      last.lastMid,
      last,
      model,
      tauS,
      opts,
      objective,
      minFills,
      publishedProgress,
      true,
    );
    publishedSearch.catch(() => {}); // awaited below, after the day searches
  }
  await Promise.all(searches);
  notes.unshift(...noteParts.flat());
  const gammaDays = usable.filter((d) => d.gamma !== null);
  if (wantGamma && gammaDays.length === 0) {
    throw new UserError(`${where}: no day could be backtested to choose γ (${last.gammaSkipped}).`);
  }
  const chosenDays = gammaDays.filter((d) => d.gamma?.best !== null);
  if (wantGamma && chosenDays.length === 0) {
    throw new UserError(
      `${where}: no backtested day had a γ with at least ${minFills} fills; ` +
        'record more data or lower --min-fills (fewer fills make the choice of γ noise).',
    );
  }
  if (last.fitPoor)
    notes.push(`the published A, k come from ${last.date}, whose fit is poor (R² below ${minFitR2})`);
  // Set by the first closed day (TypeScript cannot see assignments made inside the closure).
  const resolvedTick = tick as TickSize | null;
  if (resolvedTick === null) throw new Error('calibrate: tick size not resolved');
  if (!(sigma > 0)) throw new UserError(`${where}: the BBO never moves, σ cannot be estimated.`);
  const spec = spreadModelSpec(model, lastFit.A);

  let headlineSearch: CalibrationResult['headlineSearch'] = null;
  for (const line of heldLines) progress(line);
  holdLines = false;
  if (publishedSearch !== null) {
    const r = await publishedSearch;
    headlineSearch = r === null ? null : { ...r, date: last.date };
  }
  kept?.lease?.release(); // the last day's slot: every search is over
  const rng = bootstrapRng(bootstrap.seed);
  const settings = { replicates: bootstrap.replicates, rng };
  const sigmaCI = sigmaInterval(headlineDays, settings);
  const akCI = intensityIntervals(last, resolvedTick.tick, minOrders, settings);
  const gammaCI = headlineSearch === null ? null : gammaInterval(headlineSearch.curve, objective, settings);
  const best = headlineSearch?.best ?? null;
  const unidentified = wantGamma
    ? gammaNotIdentified(headlineSearch?.curve ?? [], best, minFills, gammaCI)
    : 'γ search disabled';
  let fallbackGamma = opts.fallbackGamma ?? Number.NaN;
  let fallbackSource = 'the fallback γ passed (--fallback-gamma)';
  if (!(fallbackGamma > 0)) {
    const target = FALLBACK_SPREAD_FRACTION * lastMid;
    fallbackGamma =
      gammaForTotalSpread(target, sigma, tauS, published.k, spec) ??
      headlineSearch?.range.gammaHigh ??
      Number.NaN;
    fallbackSource = `the γ quoting a total spread of ${FALLBACK_SPREAD_FRACTION * 100} % of the mid with the published σ, k (no --fallback-gamma)`;
  }
  const gamma = unidentified === null && best !== null ? best.gamma : fallbackGamma;
  const gammaChoice: HeadlineGamma = {
    gamma,
    identified: unidentified === null,
    note: unidentified,
    tested:
      best === null
        ? null
        : {
            date: last.date,
            gamma: best.gamma,
            score: best.score,
            fills: best.fills,
            spreadQuote: best.spreadQuote,
            params: published,
          },
    fallbackGamma,
    fallbackSource,
    publishedSpreadQuote: totalSpreadFor(gamma, sigma, tauS, published.k, spec),
  };
  if (unidentified !== null && wantGamma)
    notes.push(
      `WARNING: γ is not identified (${unidentified}); the fallback γ ${fmt(fallbackGamma)} is published: ${fallbackSource}`,
    );
  const oosDays = usable.filter((d) => d.oos !== null);
  const oosSummary = {
    meanScore:
      oosDays.length === 0
        ? Number.NaN
        : oosDays.reduce((a, d) => a + (d.oos?.score ?? 0), 0) / oosDays.length,
    days: oosDays.length,
  };
  return {
    ticker: opts.ticker,
    tick: resolvedTick,
    model,
    horizon,
    tauS,
    days,
    droppedIncompleteDay,
    headline: { ...published, gamma, midPrice: lastMid, lastMs, gammaChoice },
    headlineSearch,
    confidence: { sigma: sigmaCI, A: akCI.A, k: akCI.k, gamma: gammaCI },
    bootstrap,
    oosSummary,
    objective: objective.objective,
    minCoverageMinutes,
    notes,
    riskPenalty,
    minFills,
    minFitR2,
    maxRefAgeMs,
  };
}

function paramsOf(d: CalibratedDay): Omit<ModelParams, 'gamma'> {
  const fit = d.fit as NonNullable<DayEstimate['fit']>;
  return { sigma: d.sigma, A: fit.A, k: fit.k };
}

async function searchDayGamma(
  runMany: BacktestMany,
  events: DayEvents,
  params: Omit<ModelParams, 'gamma'>,
  paramsFrom: string,
  gridMid: number,
  day: DayEstimate,
  model: QuotingModel,
  tauS: number,
  opts: CalibrateOptions,
  objective: ObjectiveSpec,
  minFills: number,
  progress: (line: string) => void,
  keepMinutePnl = false,
): Promise<DayGammaResult | null> {
  // The grid is built at `gridMid` (for the walk-forward: the previous day's closing mid, known before the day).
  const spec = spreadModelSpec(model, params.A);
  const range = gammaRange(gridMid, params.sigma, tauS, params.k, spec);
  if (range === null) return null;
  for (const note of range.notes) progress(`${day.date}: ${note}`);
  const started = Date.now();
  const search = await searchGammaBatched<DayBacktestOutcome & { score: number }>(
    range.gammaLow,
    range.gammaHigh,
    async (gammas) => {
      const outcomes = await runMany(
        gammas.map((gamma) => ({ events, params: { ...params, gamma }, withEquity: false })),
      );
      return outcomes.map((outcome, i) => {
        const gamma = gammas[i] as number;
        const score = objectiveScore(objective, outcome.pnl, outcome.minutes, outcome.minuteStd, gamma);
        // An ineligible γ is never chosen: it searches as −∞ and keeps its real score in the curve.
        return {
          score: outcome.fills >= minFills ? score : Number.NEGATIVE_INFINITY,
          result: { ...outcome, score, minutePnl: keepMinutePnl ? outcome.minutePnl : undefined },
        };
      });
    },
    opts.gridPoints ?? 7,
    opts.refineSteps ?? 4,
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
    ...(t.result.minutePnl ? { minutePnl: t.result.minutePnl } : {}),
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
      ? ((await runMany([{ events, params: { ...params, gamma: best.gamma }, withEquity: true }]))[0]
          ?.equityCurve ?? null)
      : null;
  return {
    paramsFrom,
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
