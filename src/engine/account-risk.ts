/**
 * Account-level risk for several coins traded from one account (`--tickers`): each coin's engine keeps its own
 * per-coin limits (risk.ts); this adds the limits of the account as a whole.
 *
 * - Total notional: Σ over coins of |position| × mid may not exceed `maxTotalNotionalQuote`. Checked per quote by
 *   each coin's risk gate (a side that would take the account over is withheld; a side that reduces the coin's
 *   |position| is always allowed).
 * - Account drawdown and daily loss: the account equity is one starting balance plus every coin's PnL
 *   (equity − its own starting balance). When the drawdown from its peak, or the loss since the UTC day's first
 *   evaluation, reaches the limit, the kill switch trips on EVERY coin.
 *
 * - Margin in use: live, the exchange's own figure for the whole account (/info clearinghouseState
 *   marginSummary.totalMarginUsed, read by the trade command); in paper, each coin's |position| × mid ÷ its
 *   leverage (paperMarginQuote). When it reaches `maxMarginQuote`, no coin adds to its position (a side that
 *   reduces |position| still rests) until it is back under: the account stops growing, it is not closed. The
 *   exchange, not this module, decides liquidation from it.
 *
 * Assumes the coins share one margin account with one starting balance (Hyperliquid cross margin: one USDC
 * balance per address); each coin's engine is started with that same balance, so its equity − balance is its PnL.
 */
export interface AccountRiskLimits {
  /** Σ |position| × mid over the coins may not exceed this, quote; null = off. */
  maxTotalNotionalQuote: number | null;
  /** Kill switch on every coin when peak account equity − account equity reaches this, quote; null = off. */
  maxDrawdownQuote: number | null;
  /** Kill switch on every coin when today's account loss (UTC day) reaches this, quote; null = off. */
  dailyLossLimitQuote: number | null;
  /** No coin adds to its position while the margin in use is at or above this, quote; null or absent = off. */
  maxMarginQuote?: number | null;
}

export const NO_ACCOUNT_LIMITS: AccountRiskLimits = {
  maxTotalNotionalQuote: null,
  maxDrawdownQuote: null,
  dailyLossLimitQuote: null,
  maxMarginQuote: null,
};

/**
 * Hyperliquid's leverage on a coin whose leverage was never set: 20×, or the coin's maximum when lower (the
 * fake exchange margins positions the same way).
 */
export function defaultLeverage(maxLeverage: number): number {
  return Math.min(20, maxLeverage);
}

/** Margin a position ties up in a cross account: |position| × mid ÷ leverage, quote. */
export function paperMarginQuote(notionalQuote: number, leverage: number): number {
  return notionalQuote / leverage;
}

/** Why the account adds to no position now (margin in use at or over its limit), or null. Pure. */
export function marginLimitReason(
  maxMarginQuote: number | null | undefined,
  marginUsedQuote: number | null,
): string | null {
  if (maxMarginQuote == null || marginUsedQuote === null || marginUsedQuote < maxMarginQuote) return null;
  return `margin in use ${marginUsedQuote.toFixed(2)} USDC reached the account limit ${maxMarginQuote} USDC: no coin adds to its position`;
}

/** What the account risk reads from, and does to, one coin's engine. */
export interface AccountMember {
  readonly coin: string;
  /** This coin's PnL so far (equity − its starting balance), quote. */
  pnlQuote(): number;
  /** |position| × mid, quote (0 before the first mid). */
  notionalQuote(): number;
  /** Trips this coin's kill switch (orders cancelled, no quoting); a no-op when already tripped. */
  tripKillSwitch(reason: string): void;
  /** Paper: the margin this coin's position ties up, quote (live, the exchange's reading of the account counts). */
  marginQuote?(): number;
  /** The account's margin limit reached (its reason) or back under (null): this coin adds to no position meanwhile. */
  limitEntries?(reason: string | null): void;
}

/** The account's equity and its loss measures at one evaluation, quote. */
export interface AccountRiskState {
  equityQuote: number;
  peakEquityQuote: number;
  drawdownQuote: number;
  dayStartEquityQuote: number;
  dayLossQuote: number;
  /** Largest drawdown seen, quote. */
  maxDrawdownQuote: number;
  /** Largest Σ |position| × mid seen at an evaluation, quote. */
  maxTotalNotionalQuote: number;
  /** Margin in use, quote: the exchange's last reading (live), else Σ of the coins' estimates (paper, backtest); null when neither. */
  marginUsedQuote: number | null;
  /** Largest margin in use seen, quote; null when never known. */
  maxMarginUsedQuote: number | null;
  /** Why no coin adds to its position (margin limit reached), or null. */
  marginLimit: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Why the account's kill switch trips at this state, or null. Pure: drawdown is checked before the day's loss,
 * as the per-coin rule does (risk.ts).
 */
export function accountKillReason(
  limits: AccountRiskLimits,
  drawdownQuote: number,
  dayLossQuote: number,
): string | null {
  if (limits.maxDrawdownQuote !== null && drawdownQuote >= limits.maxDrawdownQuote)
    return `account drawdown ${drawdownQuote.toFixed(2)} USDC reached the account limit ${limits.maxDrawdownQuote} USDC`;
  if (limits.dailyLossLimitQuote !== null && dayLossQuote >= limits.dailyLossLimitQuote)
    return `account loss today ${dayLossQuote.toFixed(2)} USDC reached the account daily limit ${limits.dailyLossLimitQuote} USDC`;
  return null;
}

/** True when a side taking this coin from `coinNotionalAfterQuote` would put the account over its notional limit. */
export function exceedsAccountNotional(
  maxTotalNotionalQuote: number,
  othersNotionalQuote: number,
  coinNotionalAfterQuote: number,
): boolean {
  return othersNotionalQuote + coinNotionalAfterQuote > maxTotalNotionalQuote;
}

export class AccountRisk {
  private readonly members: AccountMember[] = [];
  private peak: number;
  private day = Number.NaN;
  private dayStart: number;
  private maxDd = 0;
  private maxNotional = 0;
  private last: AccountRiskState;
  private margin: { usedQuote: number; accountValueQuote: number; atMs: number } | null = null;
  private maxMargin: number | null = null;
  /** The reason the account kill switch tripped, and when (bot ms); null while it has not. */
  killSwitch: { reason: string; atMs: number } | null = null;
  /** Why no coin adds to its position now (margin limit), null while under it; changes only in `evaluate`. */
  marginLimit: string | null = null;
  /** Called when the margin limit is reached (its reason) and when the account is back under it (null). */
  onMarginLimit: ((reason: string | null) => void) | null = null;

  constructor(
    readonly limits: AccountRiskLimits,
    readonly startingBalanceQuote: number,
  ) {
    this.peak = startingBalanceQuote;
    this.dayStart = startingBalanceQuote;
    this.last = {
      equityQuote: startingBalanceQuote,
      peakEquityQuote: startingBalanceQuote,
      drawdownQuote: 0,
      dayStartEquityQuote: startingBalanceQuote,
      dayLossQuote: 0,
      maxDrawdownQuote: 0,
      maxTotalNotionalQuote: 0,
      marginUsedQuote: null,
      maxMarginUsedQuote: null,
      marginLimit: null,
    };
  }

  /**
   * The exchange's reading of the whole account (live: clearinghouseState marginSummary): margin in use and
   * account value, quote, at wall or bot ms `atMs`. Shown in the next evaluation's state.
   */
  noteExchangeMargin(marginUsedQuote: number, accountValueQuote: number, atMs: number): void {
    if (!Number.isFinite(marginUsedQuote)) return;
    this.margin = { usedQuote: marginUsedQuote, accountValueQuote, atMs };
    if (this.maxMargin === null || marginUsedQuote > this.maxMargin) this.maxMargin = marginUsedQuote;
  }

  /**
   * Margin in use now, quote: the exchange's last reading (live), else the Σ of the coins' own margins (paper),
   * null when neither is known.
   */
  marginUsedQuote(): number | null {
    if (this.margin !== null) return this.margin.usedQuote;
    let sum: number | null = null;
    for (const m of this.members) if (m.marginQuote) sum = (sum ?? 0) + m.marginQuote();
    return sum;
  }

  /** The exchange's last reading of the account, or null (never read). */
  exchangeMargin(): { usedQuote: number; accountValueQuote: number; atMs: number } | null {
    return this.margin;
  }

  /**
   * Trips the account's kill switch on every coin now (an operator's stop of the whole account, or a limit in
   * `evaluate`); a no-op when it already tripped.
   */
  tripKillSwitch(reason: string, nowMs: number): void {
    if (this.killSwitch !== null) return;
    this.killSwitch = { reason, atMs: nowMs };
    for (const m of this.members) m.tripKillSwitch(reason);
  }

  add(m: AccountMember): void {
    this.members.push(m);
  }

  /** Σ |position| × mid of every coin but `coin`, quote (the risk gate of `coin` adds its own). */
  othersNotionalQuote(coin: string): number {
    let sum = 0;
    for (const m of this.members) if (m.coin !== coin) sum += m.notionalQuote();
    return sum;
  }

  /** The account's equity now: one starting balance plus every coin's PnL, quote. */
  equityQuote(): number {
    let eq = this.startingBalanceQuote;
    for (const m of this.members) eq += m.pnlQuote();
    return eq;
  }

  /** Updates peak and day start at bot time `nowMs`; trips every coin's kill switch when a limit is reached. */
  evaluate(nowMs: number): AccountRiskState {
    const eq = this.equityQuote();
    if (eq > this.peak) this.peak = eq;
    const day = Math.floor(nowMs / DAY_MS);
    if (Number.isFinite(day) && day !== this.day) {
      this.day = day;
      this.dayStart = eq;
    }
    const dd = Math.max(0, this.peak - eq);
    if (dd > this.maxDd) this.maxDd = dd;
    let notional = 0;
    for (const m of this.members) notional += m.notionalQuote();
    if (notional > this.maxNotional) this.maxNotional = notional;
    const dayLoss = this.dayStart - eq;
    if (this.killSwitch === null) {
      const reason = accountKillReason(this.limits, dd, dayLoss);
      if (reason !== null) this.tripKillSwitch(reason, nowMs);
    }
    const used = this.marginUsedQuote();
    if (used !== null && this.margin === null && (this.maxMargin === null || used > this.maxMargin))
      this.maxMargin = used;
    // The reason's figure moves with every reading: members hear of a change of state, not of a new figure.
    const limit = marginLimitReason(this.limits.maxMarginQuote, used);
    if ((limit === null) !== (this.marginLimit === null)) {
      this.marginLimit = limit;
      for (const m of this.members) m.limitEntries?.(limit);
      this.onMarginLimit?.(limit);
    }
    this.last = {
      equityQuote: eq,
      peakEquityQuote: this.peak,
      drawdownQuote: dd,
      dayStartEquityQuote: this.dayStart,
      dayLossQuote: dayLoss,
      maxDrawdownQuote: this.maxDd,
      maxTotalNotionalQuote: this.maxNotional,
      marginUsedQuote: used,
      maxMarginUsedQuote: this.maxMargin,
      marginLimit: this.marginLimit,
    };
    return this.last;
  }

  /** The state at the last evaluation. */
  state(): AccountRiskState {
    return this.last;
  }
}
