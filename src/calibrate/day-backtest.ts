/**
 * The γ search's backtest of one in-memory day: the backtester and strategy of `hlmm backtest` (BacktestEngine —
 * what runBacktestOnEvents runs — and createStrategy), never a private copy, with a fresh strategy per run. The
 * day is replayed from the compact store (./day-events.ts) into engine.onEvent, exactly as runBacktestOnEvents
 * loops over an array, without holding the day as ~1 M objects.
 */

import { BacktestEngine } from '../backtest/backtest.ts';
import type { Instrument } from '../core/instrument.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import type { ModelParams } from '../model/params.ts';
import type { QueueModelName } from '../sim/queue.ts';
import { createStrategy } from '../strategy/index.ts';
import type { DayEvents } from './day-events.ts';
import { scoreLedger } from './score.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1_440;

export interface DayBacktestOutcome {
  /** Day PnL: final equity (cash + position × last mid, fees included), quote units. */
  pnl: number;
  fills: number;
  /** Minutes in the per-minute PnL series and the sample std of minute PnL (quote units). */
  minutes: number;
  minuteStd: number;
  /** Equity curve (downsampled), only when asked for. */
  equityCurve: { timesMs: number[]; equity: number[] } | null;
  /**
   * PnL of each minute of the UTC day (index = minute of the day; equity change over the minute, quote units) and
   * the first/last minute with an event: what the bootstrap over hours resamples. Optional: stand-in backtesters
   * in tests may leave it out (then γ gets no confidence interval).
   */
  minutePnl?: { pnl: Float64Array; firstMinute: number; lastMinute: number };
}

export type DayBacktester = (
  events: DayEvents,
  params: ModelParams,
  withEquity: boolean,
) => DayBacktestOutcome;

export interface DayBacktestSettings {
  model: 'as' | 'glft';
  mode: 'two-sided' | 'long-only';
  /** One lot, base units. */
  orderSizeBase: number;
  maxPositionLots: number;
  horizon: HorizonConfig;
  /** The traded contract the strategy rounds with (its lot and price grids, minimum order value). */
  instrument: Instrument;
  makerFeeRate: number;
  takerFeeRate: number;
  latencyMs: number;
  queue: QueueModelName;
  minSpreadBps: number;
}

export function createDayBacktester(s: DayBacktestSettings): DayBacktester {
  const run = (events: DayEvents, params: ModelParams, series: boolean) => {
    const engine = new BacktestEngine({
      strategy: createStrategy({
        model: s.model,
        mode: s.mode,
        orderSizeBase: s.orderSizeBase,
        maxPositionLots: s.maxPositionLots,
        makerFeeRate: Math.max(0, s.makerFeeRate),
        minSpreadBps: s.minSpreadBps,
        horizon: s.horizon,
        instrument: s.instrument,
      }),
      params,
      orderSizeBase: s.orderSizeBase,
      maxPositionLots: s.maxPositionLots,
      queue: s.queue,
      latencyMs: s.latencyMs,
      makerFeeRate: s.makerFeeRate,
      takerFeeRate: s.takerFeeRate,
      series,
    });
    // Equity changes are booked to the minute of the event after which they are seen (fills inside the engine's
    // timer ticks land in the next event's minute): the per-minute PnL the bootstrap resamples.
    let lastEquity = 0;
    let firstMinute = -1;
    let lastMinute = -1;
    minutePnl.fill(0);
    events.replay((ev) => {
      engine.onEvent(ev);
      const minute = Math.floor((ev.exchMs % DAY_MS) / MINUTE_MS);
      if (firstMinute < 0) firstMinute = minute;
      lastMinute = minute;
      const equity = engine.ledger.equity;
      if (Number.isFinite(equity)) {
        minutePnl[minute] = (minutePnl[minute] as number) + (equity - lastEquity);
        lastEquity = equity;
      }
    });
    const r = engine.finish();
    return { r, firstMinute, lastMinute };
  };
  const minutePnl = new Float64Array(MINUTES_PER_DAY);
  return (events, params, withEquity) => {
    const { r, firstMinute, lastMinute } = run(events, params, withEquity);
    const { minutes, minuteStd } = scoreLedger(r); // the ledger's own minute-PnL std (0 below 2 minutes)
    const equityCurve =
      withEquity && r.series !== null ? { timesMs: r.series.tMs, equity: r.series.equityQuote } : null;
    return {
      pnl: r.pnlQuote,
      fills: r.fills,
      minutes,
      minuteStd,
      equityCurve,
      minutePnl: { pnl: Float64Array.from(minutePnl), firstMinute, lastMinute },
    };
  };
}
