import type { BacktestResult } from './backtest.ts';

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
    settings: {
      queue: r.config.queue,
      queue_power: r.config.queuePower,
      latency_ms: r.config.latencyMs,
      cancel_latency_ms: r.config.cancelLatencyMs,
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

/** Human-readable summary lines for the terminal. */
export function backtestText(r: BacktestResult, ticker: string): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    `backtest ${ticker} ${r.config.strategy}: ${iso(r.startMs) ?? '?'} → ${iso(r.endMs) ?? '?'}`,
    `events            ${r.events} (bbo ${r.bboEvents}, trades ${r.tradeEvents}, books ${r.bookEvents})`,
    `fills             ${r.fills} (buy ${r.buyFills}, sell ${r.sellFills}; maker ${r.makerFills}, taker ${r.takerFills})`,
    `pnl               ${f(r.pnlQuote, 4)} USDC = spread capture ${f(r.spreadCaptureQuote, 4)} + inventory ${f(r.inventoryPnlQuote, 4)} − fees ${f(r.feesQuote, 4)}`,
    `final position    ${r.positionBase} (${f(r.finalPositionLots, 3)} lots) at mid ${r.lastMid}`,
    `inventory         mean |q| ${f(r.meanAbsQLots, 3)} lots, max |q| ${f(r.maxAbsPositionLots, 3)} lots, at limit ${f(r.timeAtLimitShare * 100, 1)} % of time`,
    `risk              Sharpe ${f(r.sharpe)}, Sortino ${f(r.sortino)} (annualised, per-minute PnL, ${r.minutes} min), max drawdown ${f(r.maxDrawdownQuote, 4)} USDC`,
    `minute pnl        mean ${f(r.minutePnlMeanQuote, 4)} USDC, std ${f(r.minutePnlStdQuote, 4)} USDC over ${r.minutes} min`,
    `turnover          ${f(r.turnoverQuote)} USDC; orders ${r.ordersPlaced} placed (${r.modifies} of them modifies), ${r.cancels} cancelled, ${r.rejects} rejected`,
  ];
  if (r.fundingQuote !== 0)
    lines.push(
      `funding           ${f(r.fundingQuote, 4)} USDC (assumed rate ${r.config.fundingRatePerHour}/h)`,
    );
  const pulled = Object.entries(r.pulledSeconds).filter(([, s]) => s > 0);
  if (pulled.length > 0)
    lines.push(`quotes withheld   ${pulled.map(([why, s]) => `${why} ${f(s / 3600, 2)} h`).join(', ')}`);
  if (r.killSwitch !== null) lines.push(`kill switch       ${r.killSwitch}`);
  return `${lines.join('\n')}\n`;
}
