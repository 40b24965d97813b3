import { type Instrument, meetsMinOrderValue, roundSize, sizeForNotional } from '../core/instrument.ts';
import type { ModelParams } from '../model/params.ts';
import { noQuoteExplain } from '../strategy/model-quote.ts';
import type {
  DesiredQuotes,
  OwnFill,
  QuoteContext,
  QuoteExplain,
  QuoteIntent,
  Strategy,
} from '../strategy/types.ts';
import type { AccountSnapshot } from './account.ts';
import { exceedsAccountNotional } from './account-risk.ts';

/** The account's total-notional limit as one coin's gate sees it (several coins, one account: account-risk.ts). */
export interface AccountNotionalGate {
  maxTotalNotionalQuote: number;
  /** Σ |position| × mid of the account's other coins, quote. */
  othersNotionalQuote(): number;
}

/**
 * The risk layer of `hlmm trade`, in one place. Two jobs:
 *
 * 1. Per quote (`RiskGatedStrategy`, wrapping the one Strategy object shared with the backtester): no quote when
 *    quoting is off (kill switch, stale data, disconnected feed, stopped by the user, store unavailable), when the parameters are
 *    missing or not finite and positive (never a quote from NaN), and no side whose fill would take the position
 *    beyond the lot or notional limit, nor an order larger than the max order size.
 * 2. Per check (`RiskGuard.evaluate`, on every timer tick and fill): the kill switch trips when the drawdown from
 *    the peak equity reaches `maxDrawdownQuote` or today's loss reaches `dailyLossLimitQuote` (UTC day); it stays
 *    tripped (orders cancelled, no quoting, the process stays up for inspection) until an operator restarts
 *    quoting. Stale data (no market message for `staleDataMs` of bot time) or a dropped feed pull the quotes
 *    until data flows again.
 */
export interface RiskLimits {
  /** |position| may not exceed this many lots (lot = strategy order size). */
  maxPositionLots: number;
  /** |position| × mid may not exceed this, quote. */
  maxNotionalQuote: number;
  /**
   * Largest single order, base units. null = one lot, or — when one lot is worth less than the venue's minimum
   * order value at the order's price — the smallest order worth that minimum (the strategy sizes up to it; a
   * limit of exactly one lot would silently refuse every order of a cheap lot, e.g. 0.001 ETH).
   */
  maxOrderSizeBase: number | null;
  /**
   * The traded contract (lot grid, minimum order value) from the venue, for the null max order size; without it
   * the null max order size is one lot.
   */
  instrument?: Instrument;
  /** Kill switch when today's loss (UTC day, from the day's first equity) reaches this, quote; null = off. */
  dailyLossLimitQuote: number | null;
  /** Kill switch when peak equity − equity reaches this, quote; null = off. */
  maxDrawdownQuote: number | null;
  /** Pull quotes when no market message arrived for this long, bot ms. */
  staleDataMs: number;
  /** One lot, base units. */
  lotBase: number;
}

export type PullReason =
  | 'kill-switch'
  | 'stale-data'
  | 'disconnected'
  | 'stopped-by-user'
  | 'no-params'
  | 'store-unavailable';

export interface RiskVerdict {
  /** The kill switch tripped in this evaluation (it was not tripped before). */
  tripped: string | null;
  /** Stale data started (true) or ended (false) in this evaluation; null = no change. */
  staleChanged: boolean | null;
}

const LOT_EPSILON = 1e-9;

export class RiskGuard {
  killSwitch: { tripped: boolean; reason: string | null; atMs: number | null } = {
    tripped: false,
    reason: null,
    atMs: null,
  };
  stale = false;
  connected = true;
  stoppedByUser = false;
  /** Freqtrade's stopentry: only orders that bring |position| down (never across zero) may rest. */
  entriesStopped = false;
  paramsOk = false;
  /** False while the store cannot write (disk full, locked): no quote rests that the bot could not record. */
  storeOk = true;
  lastMarketMs: number | null = null;
  /** Set when this coin shares an account with others (`--tickers`); null = this coin's limits only. */
  accountNotional: AccountNotionalGate | null = null;
  /** Why the shared account adds to no position now (its margin limit, account-risk.ts), or null. */
  accountEntriesLimit: string | null = null;

  constructor(readonly limits: RiskLimits) {}

  /** Why quoting is off right now, or null when quotes may rest. */
  pullReason(): PullReason | null {
    if (this.killSwitch.tripped) return 'kill-switch';
    if (this.stoppedByUser) return 'stopped-by-user';
    if (!this.storeOk) return 'store-unavailable';
    if (!this.connected) return 'disconnected';
    if (this.stale) return 'stale-data';
    if (!this.paramsOk) return 'no-params';
    return null;
  }

  onMarket(exchMs: number): void {
    if (this.lastMarketMs === null || exchMs > this.lastMarketMs) this.lastMarketMs = exchMs;
  }

  /** Checks the loss limits and data freshness at bot time `nowMs`. */
  evaluate(account: AccountSnapshot, nowMs: number): RiskVerdict {
    const verdict: RiskVerdict = { tripped: null, staleChanged: null };
    const l = this.limits;
    if (!this.killSwitch.tripped) {
      let reason: string | null = null;
      if (l.maxDrawdownQuote !== null && account.drawdownQuote >= l.maxDrawdownQuote) {
        reason = `drawdown ${account.drawdownQuote.toFixed(2)} USDC reached the limit ${l.maxDrawdownQuote} USDC`;
      } else if (l.dailyLossLimitQuote !== null && account.dayLossQuote >= l.dailyLossLimitQuote) {
        reason = `today's loss ${account.dayLossQuote.toFixed(2)} USDC reached the daily limit ${l.dailyLossLimitQuote} USDC`;
      }
      if (reason !== null) {
        this.killSwitch = { tripped: true, reason, atMs: nowMs };
        verdict.tripped = reason;
      }
    }
    const stale = this.lastMarketMs === null ? false : nowMs - this.lastMarketMs > l.staleDataMs;
    if (stale !== this.stale) {
      this.stale = stale;
      verdict.staleChanged = stale;
    }
    return verdict;
  }

  /** Operator restart after a kill switch (API / dashboard "start"). */
  resetKillSwitch(): void {
    this.killSwitch = { tripped: false, reason: null, atMs: null };
  }

  /**
   * Drops the sides the limits forbid; notes why on the explain. With a ladder every level counts: level i is
   * judged as if levels 0..i of its side all filled (the sum of the side's resting sizes plus the position), and
   * the first level over a limit is dropped with every level behind it.
   */
  filter(q: DesiredQuotes, positionBase: number, mid: number): DesiredQuotes {
    if (q.bidLevels !== undefined || q.askLevels !== undefined)
      return this.filterLevels(q, positionBase, mid);
    const bid = this.allowSide(q.bid, positionBase, mid, q.explain);
    const ask = this.allowSide(q.ask, positionBase, mid, q.explain);
    if (bid === q.bid && ask === q.ask) return q;
    return { bid, ask, explain: q.explain };
  }

  private filterLevels(q: DesiredQuotes, positionBase: number, mid: number): DesiredQuotes {
    const bids = this.allowLevels(q.bidLevels ?? (q.bid ? [q.bid] : []), positionBase, mid, q.explain);
    const asks = this.allowLevels(q.askLevels ?? (q.ask ? [q.ask] : []), positionBase, mid, q.explain);
    return {
      bid: bids[0] ?? null,
      ask: asks[0] ?? null,
      explain: q.explain,
      bidLevels: bids,
      askLevels: asks,
    };
  }

  private allowLevels(
    levels: readonly QuoteIntent[],
    positionBase: number,
    mid: number,
    explain: QuoteExplain | null,
  ): readonly QuoteIntent[] {
    let restingBase = 0;
    for (let i = 0; i < levels.length; i++) {
      const o = levels[i];
      if (this.allowSide(o, positionBase, mid, explain, restingBase, i) === null) return levels.slice(0, i);
      restingBase += o.sz;
    }
    return levels;
  }

  private allowSide(
    o: QuoteIntent | null,
    positionBase: number,
    mid: number,
    explain: QuoteExplain | null,
    restingBase = 0,
    level = 0,
  ): QuoteIntent | null {
    if (o === null) return null;
    const l = this.limits;
    const side =
      level === 0
        ? o.side === 'buy'
          ? 'bid'
          : 'ask'
        : `${o.side === 'buy' ? 'bid' : 'ask'} level ${level + 1}`;
    const maxSz = maxOrderSizeAt(l, o.px);
    if (o.sz > maxSz * (1 + LOT_EPSILON)) {
      note(
        explain,
        `no ${side}: size ${o.sz} above max order size ${maxSz}`,
        level === 0 ? 'max order size' : null,
      );
      return null;
    }
    const after = positionBase + (o.side === 'buy' ? o.sz + restingBase : -o.sz - restingBase);
    if (this.entriesStopped) return this.exitOnly(o, side, positionBase, restingBase, explain);
    // A side that reduces |position| is always allowed: it brings us back inside the limits.
    if (Math.abs(after) < Math.abs(positionBase)) return o;
    if (Math.abs(after) / l.lotBase > l.maxPositionLots + LOT_EPSILON) {
      note(
        explain,
        `no ${side}: a fill would exceed risk max position ${l.maxPositionLots} lots`,
        level === 0 ? 'max position' : null,
      );
      return null;
    }
    if (Math.abs(after) * mid > l.maxNotionalQuote) {
      note(
        explain,
        `no ${side}: a fill would exceed max notional ${l.maxNotionalQuote} USDC`,
        level === 0 ? 'max notional' : null,
      );
      return null;
    }
    if (this.accountEntriesLimit !== null) {
      note(explain, `no ${side}: ${this.accountEntriesLimit}`, level === 0 ? 'account margin' : null);
      return null;
    }
    const acct = this.accountNotional;
    if (
      acct !== null &&
      exceedsAccountNotional(acct.maxTotalNotionalQuote, acct.othersNotionalQuote(), Math.abs(after) * mid)
    ) {
      note(
        explain,
        `no ${side}: a fill would exceed the account's total notional ${acct.maxTotalNotionalQuote} USDC`,
        'account notional',
      );
      return null;
    }
    return o;
  }

  /**
   * Entries stopped (stopentry): only an order that reduces |position| without crossing zero. A quote larger than
   * what is left to close (position minus our resting exits on that side) is cut down to it on the lot grid, so a
   * position smaller than one order still gets its exit; below the venue's minimum order value it cannot be quoted
   * and the note says to flatten instead.
   */
  private exitOnly(
    o: QuoteIntent,
    side: string,
    positionBase: number,
    restingBase: number,
    explain: QuoteExplain | null,
  ): QuoteIntent | null {
    const reduces = (o.side === 'buy' && positionBase < 0) || (o.side === 'sell' && positionBase > 0);
    const leftBase = Math.abs(positionBase) - restingBase;
    if (!reduces || !(leftBase > 0)) {
      note(explain, `no ${side}: entries stopped (stopentry)`, 'entries stopped');
      return null;
    }
    if (o.sz <= leftBase * (1 + LOT_EPSILON)) return o;
    const inst = this.limits.instrument;
    const sz = inst === undefined ? leftBase : roundSize(inst, leftBase, 'down');
    if (!(sz > 0) || (inst !== undefined && !meetsMinOrderValue(inst, o.px, sz))) {
      note(
        explain,
        `no ${side}: entries stopped and the ${leftBase} left to close is below the minimum order; flatten to close it`,
        'entries stopped',
      );
      return null;
    }
    return { ...o, sz };
  }
}

/** Notes why; `withheld` only when a whole side goes (a ladder level further out is not a withheld side). */
function note(explain: QuoteExplain | null, text: string, withheld: string | null): void {
  if (explain === null) return;
  explain.note = explain.note ? `${explain.note}; ${text}` : text;
  if (withheld !== null) explain.withheld ??= withheld;
}

/** The max order size in force at `px` (see RiskLimits.maxOrderSizeBase). */
export function maxOrderSizeAt(l: RiskLimits, px: number): number {
  if (l.maxOrderSizeBase !== null) return l.maxOrderSizeBase;
  const inst = l.instrument;
  const lot = l.lotBase;
  if (inst === undefined || !(px > 0) || meetsMinOrderValue(inst, px, lot)) return lot;
  return Math.max(lot, sizeForNotional(inst, inst.minOrderValueQuote, px));
}

const NOTES: Record<PullReason, string> = {
  'kill-switch': 'no quote: kill switch tripped',
  'stale-data': 'no quote: market data is stale',
  disconnected: 'no quote: market data feed disconnected',
  'stopped-by-user': 'no quote: stopped by the operator',
  'no-params': 'no quote: no valid model parameters loaded',
  'store-unavailable': 'no quote: store unavailable',
};

const positive = (x: number) => Number.isFinite(x) && x > 0;

function paramsUsable(p: ModelParams | null): p is ModelParams {
  return p !== null && positive(p.sigma) && positive(p.A) && positive(p.k) && positive(p.gamma);
}

/**
 * The shared strategy behind the risk gate: the same object the backtester runs, asked only when quoting is
 * allowed, its answer then filtered by the limits. Implements Strategy so QuotingLoop needs no change.
 */
export class RiskGatedStrategy implements Strategy {
  readonly name: string;
  readonly levels: number;
  constructor(
    readonly inner: Strategy,
    readonly guard: RiskGuard,
  ) {
    this.name = inner.name;
    this.levels = inner.levels ?? 1;
  }

  quote(ctx: QuoteContext): DesiredQuotes {
    const pull = this.guard.pullReason();
    const mid = (ctx.bbo.bidPx + ctx.bbo.askPx) / 2; // midPrice, inlined on the per-quote path
    if (pull !== null || !paramsUsable(ctx.params)) {
      const reason = pull ?? 'no-params';
      const explain = noQuoteExplain(mid, ctx.params, NOTES[reason]);
      explain.withheld = reason;
      return { bid: null, ask: null, explain };
    }
    return this.guard.filter(this.inner.quote(ctx), ctx.positionBase, mid);
  }

  onFill(fill: OwnFill): void {
    this.inner.onFill(fill);
  }
}
