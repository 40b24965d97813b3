import type { Bbo, Side } from '../core/market.ts';
import type { ModelParams } from '../model/params.ts';
import type { ParamsInUse } from '../strategy/online-params.ts';
import type { DesiredQuotes } from '../strategy/types.ts';

/**
 * What a running bot (`hlmm trade`) exposes to the outside: the REST API, the dashboard's WebSocket and the
 * console. The engine implements it; readers never mutate engine state except through the controls.
 * Units: prices in quote currency (USDC), sizes and positions in base units, times in Unix ms.
 */
export interface BotInfo {
  botName: string;
  ticker: string;
  /** 'dry' = paper (simulated fills on the real feed or a replay), 'live' = real orders. */
  mode: 'dry' | 'live';
  strategy: string;
  model: 'as' | 'glft';
  stakeCurrency: string;
  startedMs: number;
  version: string;
  /** Where market data comes from: the exchange's WebSocket URL or "replay:<dir>". */
  feed: string;
  /**
   * Leverage on the coin, times: live the one set with updateLeverage (else the exchange's for the open
   * position); paper the configured one. Absent = 1 (nothing set, nothing known).
   */
  leverage?: number;
}

import type { FlattenOutcome, FlattenRequest } from './flatten.ts';

export type { FlattenOutcome, FlattenRequest, FlattenResult } from './flatten.ts';

export interface RiskState {
  /** False while the risk layer keeps quotes off (kill switch, stale data, disconnected, stopped, no params). */
  quoting: boolean;
  /**
   * What actually rests: "on", "pulled (reason)" when nothing is quoted — a risk pull, or the strategy
   * withholding both sides (stale book, max order size…) — or "one side (reason)". The status line's quoting=.
   */
  state?: string;
  /** Set when quoting was stopped by hand (API/dashboard) rather than by a risk rule. */
  stoppedByUser: boolean;
  /**
   * Set after a stopentry (Freqtrade's stopbuy): no order that would grow |position| — only the side that reduces
   * it rests. Cleared by start.
   */
  entriesStopped?: boolean;
  killSwitch: { tripped: boolean; reason: string | null; atMs: number | null };
  staleData: boolean;
  lastMarketMs: number | null;
  maxPositionLots: number;
  /** One lot, base units: the order size that q counts in (q = position ÷ lotBase). */
  lotBase?: number;
  dailyLossLimitQuote: number | null;
  maxDrawdownQuote: number | null;
}

export interface AccountState {
  positionBase: number;
  /** Quote cash including realized PnL, fees and funding already booked. */
  cashQuote: number;
  startingBalanceQuote: number;
  realizedPnlQuote: number;
  unrealizedPnlQuote: number;
  feesQuote: number;
  fundingQuote: number;
  /** cash + position × mid. */
  equityQuote: number;
  mid: number | null;
  bbo: Bbo | null;
  /** Peak equity − equity now, quote (what the max-drawdown limit compares). */
  drawdownQuote?: number;
  /** Equity at the UTC day's start − equity now, quote; positive = a loss today (what the daily loss limit compares). */
  dayLossQuote?: number;
}

export interface OpenOrderView {
  oid: number;
  cloid: string | null;
  side: Side;
  px: number;
  sz: number;
  filledSz: number;
  createdMs: number;
}

export interface FillView {
  /** Exchange trade id (idempotency key). */
  tid: number;
  oid: number;
  side: Side;
  px: number;
  sz: number;
  feeQuote: number;
  liquidity: 'maker' | 'taker';
  tsMs: number;
}

export interface ParamsView {
  /** The parameters file's values (calibrated). */
  current: ModelParams | null;
  source: string | null;
  loadedMs: number | null;
  /** With online parameters: the values the strategy quotes with now and where each came from. */
  inUse?: ParamsInUse;
}

export type BotEvent =
  | { type: 'quotes'; tsMs: number; quotes: DesiredQuotes }
  | { type: 'fill'; fill: FillView; positionBase: number }
  | { type: 'status'; account: AccountState; risk: RiskState }
  | { type: 'params'; params: ParamsView }
  | { type: 'log'; tsMs: number; level: string; msg: string };

/** What a force entry did: one IOC taker order sent, or refused with the reason (one sentence). */
export type ForceEntryOutcome =
  | { status: 'sent'; cid: number; side: Side; sz: number; px: number }
  | { status: 'refused'; reason: string };

export interface BotControls {
  /** Stop quoting: cancel resting orders, keep the process and the feed up. */
  stopQuoting(reason: string): Promise<void>;
  startQuoting(): Promise<void>;
  /**
   * Close the position (or `amountBase` of it) with reduce-only IOC limits within the slippage cap, then keep
   * quoting state as it was. One flatten at a time: a second request joins the working one.
   */
  flatten(req?: FlattenRequest): Promise<FlattenOutcome>;
  /** Re-read the config and parameters files. */
  reloadConfig(): Promise<void>;
  /** Freqtrade's stopentry: no new entries (no order that grows |position|); exits still quoted. */
  stopEntries?(): Promise<void>;
  /**
   * Freqtrade's forceenter: one immediate-or-cancel taker order of `sz` base units on `side`, priced at `limitPx`
   * or the far touch, refused when the risk limits or the bot's state forbid it.
   */
  forceEnter?(side: Side, sz: number, limitPx?: number): Promise<ForceEntryOutcome>;
  /** Cancels the bot's resting orders now (quoting goes on: the strategy re-quotes at its next step). */
  cancelOpenOrders?(): Promise<number>;
  /** Trips the kill switch: orders cancelled, no quoting until started again; a no-op when already tripped. */
  tripKillSwitch?(reason: string): void;
}

export interface BotView extends BotControls {
  info(): BotInfo;
  /** The bot's clock, Unix ms: exchange time in a replay, the wall clock live. Absent = wall clock. */
  nowMs?(): number;
  account(): AccountState;
  risk(): RiskState;
  quotes(): DesiredQuotes | null;
  openOrders(): OpenOrderView[];
  params(): ParamsView;
  /** Recent log lines kept in memory for the API's /logs. */
  recentLogs(limit: number): { tsMs: number; level: string; msg: string }[];
  /** Live events for the dashboard and the Freqtrade message WebSocket. Returns an unsubscribe function. */
  subscribe(listener: (event: BotEvent) => void): () => void;
}
