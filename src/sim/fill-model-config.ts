import { UserError } from '../core/errors.ts';
import { HYPERLIQUID_BASE_MAKER_FEE_RATE, HYPERLIQUID_BASE_TAKER_FEE_RATE, RateFeeModel } from './fees.ts';
import { ConstantLatency, EmpiricalLatency, type LatencyModel, type LatencySamples } from './latency.ts';
import { createQueueModel, type QueueModelName } from './queue.ts';
import type { SimVenueConfig } from './sim-venue.ts';

/**
 * The one fill-model configuration: queue model, latencies and fees, built here and nowhere else. The backtester
 * (src/backtest/), paper trading (src/engine/paper-venue.ts) and the fake exchange take this value; the config
 * file (`fill_model`, `fees`) and the shared flags fill it (src/config/run-settings.ts). Every result that depends
 * on it states it (`describeFillModel`).
 */

/**
 * `recorded`: the strategy sees each recorded event at its local receive time (the files' `timestamp` column)
 * while the venue matches it at its exchange time; `none`: the strategy sees it at its exchange time.
 */
export type FeedLatencyMode = 'recorded' | 'none';

export interface FillModelConfig {
  queue: QueueModelName;
  /** Exponent n of the prob queue model. */
  queuePower: number;
  feedLatency: FeedLatencyMode;
  /** Multiplies every recorded feed delay (1 = as recorded); `scaleLatency` sets it. */
  feedLatencyScale: number;
  /** Order entry latency, ms (order sent → live at the matching engine). Ignored when `latencySamples` is set. */
  entryLatencyMs: number;
  /** Cancel latency, ms. Ignored when `latencySamples` is set (cancels draw from the entry samples). */
  cancelLatencyMs: number;
  /** Response latency, ms (report produced at the exchange → received by us). Ignored with `latencySamples`. */
  responseLatencyMs: number;
  /** Measured delays (from `--latency-file`): entry and response are drawn from them, seeded. */
  latencySamples: LatencySamples | null;
  /** Where the samples came from (stated in results), or null. */
  latencyFile: string | null;
  /** Seed of the latency draws: the same seed, the same backtest. */
  latencySeed: number;
  makerFeeRate: number;
  takerFeeRate: number;
}

/** The fill model's defaults, defined once (the config schema and the engine defaults read them from here). */
export const FILL_MODEL_DEFAULTS = {
  queue: 'risk-averse' as QueueModelName,
  queuePower: 3,
  feedLatency: 'recorded' as FeedLatencyMode,
  /** Order entry latency, ms; cancels the same unless set. */
  latencyMs: 100,
  /** Response latency, ms: 0 = acks and fills reach the bot the moment they happen at the exchange. */
  responseLatencyMs: 0,
  latencySeed: 1,
  makerFeeRate: HYPERLIQUID_BASE_MAKER_FEE_RATE,
  takerFeeRate: HYPERLIQUID_BASE_TAKER_FEE_RATE,
} as const;

/** A partial fill-model configuration (library callers, tests): the rest from FILL_MODEL_DEFAULTS, checked. */
export function fillModelConfig(c: Partial<FillModelConfig> = {}): FillModelConfig {
  const entry = c.entryLatencyMs ?? FILL_MODEL_DEFAULTS.latencyMs;
  const out: FillModelConfig = {
    queue: c.queue ?? FILL_MODEL_DEFAULTS.queue,
    queuePower: c.queuePower ?? FILL_MODEL_DEFAULTS.queuePower,
    feedLatency: c.feedLatency ?? FILL_MODEL_DEFAULTS.feedLatency,
    feedLatencyScale: c.feedLatencyScale ?? 1,
    entryLatencyMs: entry,
    cancelLatencyMs: c.cancelLatencyMs ?? entry,
    responseLatencyMs: c.responseLatencyMs ?? FILL_MODEL_DEFAULTS.responseLatencyMs,
    latencySamples: c.latencySamples ?? null,
    latencyFile: c.latencyFile ?? null,
    latencySeed: c.latencySeed ?? FILL_MODEL_DEFAULTS.latencySeed,
    makerFeeRate: c.makerFeeRate ?? FILL_MODEL_DEFAULTS.makerFeeRate,
    takerFeeRate: c.takerFeeRate ?? FILL_MODEL_DEFAULTS.takerFeeRate,
  };
  const need = (ok: boolean, key: string, what: string) => {
    if (!ok) throw new UserError(`fill-model setting "${key}" ${what}.`);
  };
  const ms = (x: number) => Number.isFinite(x) && x >= 0;
  need(out.queue === 'risk-averse' || out.queue === 'prob', 'queue', 'must be "risk-averse" or "prob"');
  need(Number.isFinite(out.queuePower) && out.queuePower > 0, 'queuePower', 'must be > 0');
  need(
    out.feedLatency === 'recorded' || out.feedLatency === 'none',
    'feedLatency',
    'must be recorded or none',
  );
  need(ms(out.feedLatencyScale), 'feedLatencyScale', 'must be 0 or more');
  need(ms(out.entryLatencyMs), 'entryLatencyMs', 'must be 0 or more milliseconds');
  need(ms(out.cancelLatencyMs), 'cancelLatencyMs', 'must be 0 or more milliseconds');
  need(ms(out.responseLatencyMs), 'responseLatencyMs', 'must be 0 or more milliseconds');
  need(Number.isInteger(out.latencySeed), 'latencySeed', 'must be a whole number');
  need(
    Number.isFinite(out.makerFeeRate) && Math.abs(out.makerFeeRate) < 0.01,
    'makerFeeRate',
    'must be a rate like 0.00015',
  );
  need(
    Number.isFinite(out.takerFeeRate) && Math.abs(out.takerFeeRate) < 0.01,
    'takerFeeRate',
    'must be a rate like 0.00045',
  );
  return out;
}

/** The order latency model of a configuration (a fresh one: the empirical model's draws have state). */
export function latencyModelFor(c: FillModelConfig): LatencyModel {
  if (c.latencySamples !== null) return new EmpiricalLatency(c.latencySamples, c.latencySeed);
  return new ConstantLatency(c.entryLatencyMs, c.cancelLatencyMs, c.responseLatencyMs);
}

/** The SimVenue models of a configuration; `latency` overrides the configured one (the fake exchange's 0 ms). */
export function simVenueConfigFor(c: FillModelConfig, latency?: LatencyModel): SimVenueConfig {
  return {
    queue: createQueueModel(c.queue, c.queuePower),
    latency: latency ?? latencyModelFor(c),
    fees: new RateFeeModel(c.makerFeeRate, c.takerFeeRate),
  };
}

/**
 * The same configuration with every latency multiplied by `factor` (0 = no latency at all, 2 = twice): feed
 * delays, entry, cancel and response delays, and measured samples. For "PnL at 0×, 1×, 2× the latency".
 */
export function scaleLatency(c: FillModelConfig, factor: number): FillModelConfig {
  if (!(factor >= 0) || !Number.isFinite(factor)) throw new RangeError('latency factor must be ≥ 0');
  const s = c.latencySamples;
  return {
    ...c,
    feedLatencyScale: c.feedLatencyScale * factor,
    entryLatencyMs: c.entryLatencyMs * factor,
    cancelLatencyMs: c.cancelLatencyMs * factor,
    responseLatencyMs: c.responseLatencyMs * factor,
    latencySamples:
      s === null
        ? null
        : { entryMs: s.entryMs.map((x) => x * factor), responseMs: s.responseMs.map((x) => x * factor) },
  };
}

/** The fill model as results state it (backtest JSON `assumptions.fill_model`, the report, `trade --json`). */
export interface FillModelStatement {
  queue: QueueModelName;
  queue_power: number | null;
  feed_latency: FeedLatencyMode;
  feed_latency_scale: number;
  /** "constant" or "file <path> (seed n)". */
  order_latency: string;
  entry_latency_ms: number | null;
  cancel_latency_ms: number | null;
  response_latency_ms: number | null;
  maker_fee_rate: number;
  taker_fee_rate: number;
}

export function describeFillModel(c: FillModelConfig): FillModelStatement {
  const drawn = c.latencySamples !== null;
  return {
    queue: c.queue,
    queue_power: c.queue === 'prob' ? c.queuePower : null,
    feed_latency: c.feedLatency,
    feed_latency_scale: c.feedLatencyScale,
    order_latency: drawn ? `file ${c.latencyFile ?? '(in memory)'} (seed ${c.latencySeed})` : 'constant',
    entry_latency_ms: drawn ? null : c.entryLatencyMs,
    cancel_latency_ms: drawn ? null : c.cancelLatencyMs,
    response_latency_ms: drawn ? null : c.responseLatencyMs,
    maker_fee_rate: c.makerFeeRate,
    taker_fee_rate: c.takerFeeRate,
  };
}
