import { markoutsJson } from '../engine/markouts.ts';
import { describeFillModel } from '../sim/fill-model-config.ts';
import type { BacktestResult } from './backtest.ts';
import { ratioWarning } from './sample-size.ts';

/** PnL of the same run re-played with the latency scaled (settings.ts withLatencyScaled). */
export interface LatencyLine {
  factor: number;
  latencyMs: number;
  cancelLatencyMs: number;
  pnlQuote: number;
  fills: number;
}

/** Rounds money to 1e-6 quote units and other floats to 10 significant digits for stable, readable JSON. */
function r6(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null;
}
function sig(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(10)) : null;
}
function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * The `hlmm backtest --json` object (snake_case; money in quote currency, positions in base units unless the
 * name says lots; NaN/undefined statistics are null). Field meanings: docs/backtest.md.
 */
export function backtestJson(
  r: BacktestResult,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...extra,
    strategy: r.config.strategy,
    start: iso(r.startMs),
    end: iso(r.endMs),
    events: r.events,
    bbo_events: r.bboEvents,
    trade_events: r.tradeEvents,
    book_events: r.bookEvents,
    fills: r.fills,
    buy_fills: r.buyFills,
    sell_fills: r.sellFills,
    maker_fills: r.makerFills,
    taker_fills: r.takerFills,
    buy_volume: sig(r.buyVolumeBase),
    sell_volume: sig(r.sellVolumeBase),
    pnl: r6(r.pnlQuote),
    spread_capture: r6(r.spreadCaptureQuote),
    inventory_pnl: r6(r.inventoryPnlQuote),
    fees: r6(r.feesQuote),
    funding: r6(r.fundingQuote),
    cash: r6(r.cashQuote),
    final_position: sig(r.positionBase),
    final_position_lots: sig(r.finalPositionLots),
    last_mid: sig(r.lastMid),
    final_equity: r6(r.equityQuote),
    max_abs_position: sig(r.maxAbsPositionBase),
    max_abs_position_lots: sig(r.maxAbsPositionLots),
    mean_abs_q_lots: sig(r.meanAbsQLots),
    time_at_limit: sig(r.timeAtLimitShare),
    sharpe: sig(r.sharpe),
    sortino: sig(r.sortino),
    sharpe_warning: ratioWarning(r.fills, r.activeMinutes),
    trading_minutes: r.activeMinutes,
    minutes: r.minutes,
    minute_pnl_mean: r6(r.minutePnlMeanQuote),
    minute_pnl_std: r6(r.minutePnlStdQuote),
    max_drawdown: r6(r.maxDrawdownQuote),
    turnover: r6(r.turnoverQuote),
    orders_placed: r.ordersPlaced,
    modifies: r.modifies,
    cancels: r.cancels,
    rejects: r.rejects,
    quote_calls: r.quoteCalls,
    pulled_seconds: r.pulledSeconds,
    kill_switch: r.killSwitch,
    sample_sizes: {
      fills: r.fills,
      trading_minutes: r.activeMinutes,
      clock_minutes: r.minutes,
      events: r.events,
    },
    markouts: markoutsJson(r.markouts),
    params_in_use: r.paramsInUse === null ? null : paramsInUseJson(r.paramsInUse),
    latency: {
      feed_ms_p50: sig(r.latency.feedMsP50),
      feed_ms_p99: sig(r.latency.feedMsP99),
      entry_ms_p50: sig(r.latency.entryMsP50),
      response_ms_p50: sig(r.latency.responseMsP50),
      entry_ms_p99: sig(r.latency.entryMsP99),
      response_ms_p99: sig(r.latency.responseMsP99),
      feed_events: r.latency.feedEvents,
      feed_events_without_delay: r.latency.feedSkewedEvents,
    },
    assumptions: { fill_model: describeFillModel(r.config.fillModel) },
    settings: {
      queue: r.config.queue,
      queue_power: r.config.queuePower,
      latency_ms: r.config.latencyMs,
      cancel_latency_ms: r.config.cancelLatencyMs,
      response_latency_ms: r.config.fillModel.responseLatencyMs,
      feed_latency: r.config.fillModel.feedLatency,
      latency_file: r.config.fillModel.latencyFile,
      latency_seed: r.config.fillModel.latencySeed,
      maker_fee_rate: r.config.makerFeeRate,
      taker_fee_rate: r.config.takerFeeRate,
      order_size: r.config.orderSizeBase,
      levels: r.config.levels,
      max_position_lots: r.config.maxPositionLots,
      price_tolerance_bps: r.config.priceToleranceBps,
      replace_with: r.config.replaceWith,
      requote_interval_ms: r.config.requoteIntervalMs,
      funding_rate: r.config.fundingRatePerHour,
      risk: r.config.risk === null ? null : riskJson(r.config.risk),
      params: r.config.params,
    },
  };
}

function paramsInUseJson(p: NonNullable<BacktestResult['paramsInUse']>): Record<string, unknown> {
  const range = (x: { min: number; mean: number; max: number }) => ({
    min: sig(x.min),
    mean: sig(x.mean),
    max: sig(x.max),
  });
  return {
    source: p.source,
    refreshes: p.refreshes,
    sigma_online_share: sig(p.sigmaOnlineShare),
    ak_online_share: sig(p.akOnlineShare),
    sigma: range(p.sigma),
    A: range(p.A),
    k: range(p.k),
  };
}

function riskJson(l: NonNullable<BacktestResult['config']['risk']>): Record<string, unknown> {
  return {
    max_position_lots: l.maxPositionLots,
    max_notional: l.maxNotionalQuote,
    max_order_size: l.maxOrderSizeBase,
    daily_loss_limit: l.dailyLossLimitQuote,
    max_drawdown_limit: l.maxDrawdownQuote,
    stale_data_s: l.staleDataMs / 1000,
  };
}

/** `latency_pnl` of `backtest --json`: one entry per latency factor. */
export function latencyLinesJson(lines: readonly LatencyLine[]): Record<string, unknown>[] {
  return lines.map((l) => ({
    factor: l.factor,
    latency_ms: l.latencyMs,
    cancel_latency_ms: l.cancelLatencyMs,
    pnl: r6(l.pnlQuote),
    fills: l.fills,
  }));
}

/** Human-readable summary lines for the terminal. */
export function backtestText(
  r: BacktestResult,
  ticker: string,
  latencyLines: readonly LatencyLine[] = [],
): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    `backtest ${ticker} ${r.config.strategy}: ${iso(r.startMs) ?? '?'} → ${iso(r.endMs) ?? '?'}`,
    `events            ${r.events} (bbo ${r.bboEvents}, trades ${r.tradeEvents}, books ${r.bookEvents})`,
    `fills             ${r.fills} (buy ${r.buyFills}, sell ${r.sellFills}; maker ${r.makerFills}, taker ${r.takerFills})`,
    `pnl               ${f(r.pnlQuote, 4)} USDC = spread capture ${f(r.spreadCaptureQuote, 4)} + inventory ${f(r.inventoryPnlQuote, 4)} − fees ${f(r.feesQuote, 4)}`,
    `final position    ${r.positionBase} (${f(r.finalPositionLots, 3)} lots) at mid ${r.lastMid}`,
    `inventory         mean |q| ${f(r.meanAbsQLots, 3)} lots, max |q| ${f(r.maxAbsPositionLots, 3)} lots, at limit ${f(r.timeAtLimitShare * 100, 1)} % of time`,
    `risk              Sharpe ${f(r.sharpe)}, Sortino ${f(r.sortino)} (annualised, per-minute PnL, ${r.activeMinutes} trading min, ${r.fills} fills), max drawdown ${f(r.maxDrawdownQuote, 4)} USDC`,
    `minute pnl        mean ${f(r.minutePnlMeanQuote, 4)} USDC, std ${f(r.minutePnlStdQuote, 4)} USDC over ${r.minutes} clock min`,
    `turnover          ${f(r.turnoverQuote)} USDC; orders ${r.ordersPlaced} placed (${r.modifies} of them modifies), ${r.cancels} cancelled, ${r.rejects} rejected`,
  ];
  const warning = ratioWarning(r.fills, r.activeMinutes);
  if (warning !== null) lines.push(`WARNING           ${warning}`);
  for (const h of r.markouts.horizons)
    lines.push(
      `markout ${`${h.horizonS} s`.padEnd(10)}mean ${f(h.meanMoveQuote, 4)} USDC/unit (${f(h.meanMoveBps, 2)} bps), p10 ${f(h.p10MoveBps, 2)} / p50 ${f(h.p50MoveBps, 2)} / p90 ${f(h.p90MoveBps, 2)} bps, n ${h.count} (+ = good for us)`,
    );
  for (const l of latencyLines)
    lines.push(
      `pnl at latency    ${`${l.factor}×`.padEnd(3)} ${`${l.latencyMs} ms`.padEnd(9)} ${f(l.pnlQuote, 4)} USDC (${l.fills} fills)`,
    );
  const L = r.latency;
  lines.push(
    `latency           feed p50 ${f(L.feedMsP50, 0)} ms, p99 ${f(L.feedMsP99, 0)} ms (${r.config.fillModel.feedLatency}); entry p50 ${f(L.entryMsP50, 0)} ms; response p50 ${f(L.responseMsP50, 0)} ms`,
  );
  if (r.fundingQuote !== 0)
    lines.push(
      `funding           ${f(r.fundingQuote, 4)} USDC (assumed rate ${r.config.fundingRatePerHour}/h)`,
    );
  const pulled = Object.entries(r.pulledSeconds).filter(([, s]) => s > 0);
  if (pulled.length > 0)
    lines.push(`quotes withheld   ${pulled.map(([why, s]) => `${why} ${f(s / 3600, 2)} h`).join(', ')}`);
  if (r.killSwitch !== null) lines.push(`kill switch       ${r.killSwitch}`);
  const p = r.paramsInUse;
  if (p !== null) {
    const g = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : 'n/a');
    const rg = (x: { min: number; mean: number; max: number }) => `${g(x.mean)} (${g(x.min)}–${g(x.max)})`;
    lines.push(
      `params in use     ${p.source}, ${p.refreshes} refreshes; σ from the window ${f(p.sigmaOnlineShare * 100, 0)} %, A/k ${f(p.akOnlineShare * 100, 0)} % of refreshes`,
      `                  σ ${rg(p.sigma)} USDC/√s, A ${rg(p.A)} /s, k ${rg(p.k)} /USDC (time-weighted mean (min–max))`,
    );
  }
  return `${lines.join('\n')}\n`;
}
