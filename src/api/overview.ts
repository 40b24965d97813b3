import type { AccountRisk } from '../engine/account-risk.ts';
import type { RiskState } from '../engine/bot-view.ts';
import type { Desk, Desks } from './coins.ts';

/**
 * The all-coins view of a bot (GET /api/v1/hlmm/overview, the dashboard's overview): one row per coin and the
 * account's risk state. Units: prices and money in USDC, positions in base units, times in Unix ms (bot clock).
 * One coin (`--ticker`) answers the same shape with one row, its account figures being that coin's.
 */

/** What a coin is doing, in one word: "kill switch", "stopped", "quoting", "one side" or "pulled". */
export function coinStatus(risk: RiskState): 'kill switch' | 'stopped' | 'quoting' | 'one side' | 'pulled' {
  if (risk.killSwitch.tripped) return 'kill switch';
  if (risk.stoppedByUser) return 'stopped';
  if (!risk.quoting || risk.state?.startsWith('pulled')) return 'pulled';
  return risk.state?.startsWith('one side') ? 'one side' : 'quoting';
}

export function coinRow(desk: Desk) {
  const v = desk.view;
  const account = v.account();
  const risk = v.risk();
  const quotes = v.quotes();
  const params = v.params();
  // The values the strategy quotes with now: online ones when on, else the file's.
  const inUse = params.inUse ?? null;
  const p = inUse ?? params.current;
  return {
    coin: desk.coin,
    pair: desk.pair,
    status: coinStatus(risk),
    /** The risk layer's own words (e.g. "pulled (stale data)"). */
    state: risk.state ?? null,
    quoting: risk.quoting,
    stoppedByUser: risk.stoppedByUser,
    entriesStopped: risk.entriesStopped === true,
    killSwitch: risk.killSwitch,
    staleData: risk.staleData,
    lastMarketMs: risk.lastMarketMs,
    mid: account.mid,
    positionBase: account.positionBase,
    notionalQuote: account.mid === null ? null : account.positionBase * account.mid,
    /** Equity − the starting balance, USDC (realized + unrealized − fees + funding). */
    pnlQuote: account.equityQuote - account.startingBalanceQuote,
    realizedPnlQuote: account.realizedPnlQuote,
    unrealizedPnlQuote: account.unrealizedPnlQuote,
    feesQuote: account.feesQuote,
    fundingQuote: account.fundingQuote,
    bid: quotes?.bid ? { px: quotes.bid.px, sz: quotes.bid.sz } : null,
    ask: quotes?.ask ? { px: quotes.ask.px, sz: quotes.ask.sz } : null,
    reservationPx: quotes?.explain?.reservationPrice ?? null,
    openOrders: v.openOrders().length,
    params: p
      ? {
          sigma: p.sigma,
          A: p.A,
          k: p.k,
          gamma: p.gamma,
          /** calibrated | online | blend (online parameters), else "file". */
          source: inUse ? inUse.source : 'file',
          file: params.source,
        }
      : null,
    maxPositionLots: risk.maxPositionLots,
  };
}

/** The account: several coins under one AccountRisk, or one coin's own figures. */
export function accountOf(desks: Desks, account: AccountRisk | null) {
  const rows = desks.list.map((d) => ({ account: d.view.account(), risk: d.view.risk() }));
  const notional = rows.reduce(
    (s, r) => s + (r.account.mid === null ? 0 : Math.abs(r.account.positionBase) * r.account.mid),
    0,
  );
  const quotingCoins = rows.filter(
    (r) => coinStatus(r.risk) === 'quoting' || coinStatus(r.risk) === 'one side',
  ).length;
  if (account === null) {
    const { account: a, risk } = rows[0];
    return {
      startingBalanceQuote: a.startingBalanceQuote,
      equityQuote: a.equityQuote,
      pnlQuote: a.equityQuote - a.startingBalanceQuote,
      totalNotionalQuote: notional,
      maxTotalNotionalQuote: null,
      drawdownQuote: a.drawdownQuote ?? null,
      maxDrawdownSeenQuote: null,
      maxDrawdownLimitQuote: risk.maxDrawdownQuote,
      dayLossQuote: a.dayLossQuote ?? null,
      dailyLossLimitQuote: risk.dailyLossLimitQuote,
      marginUsedQuote: null,
      maxMarginQuote: null,
      marginLimit: null,
      killSwitch: risk.killSwitch,
      coins: rows.length,
      quotingCoins,
    };
  }
  const s = account.state();
  const equity = account.equityQuote();
  return {
    startingBalanceQuote: account.startingBalanceQuote,
    equityQuote: equity,
    pnlQuote: equity - account.startingBalanceQuote,
    totalNotionalQuote: notional,
    /** The account's notional limit (null = off). */
    maxTotalNotionalQuote: account.limits.maxTotalNotionalQuote,
    /** At the account's last evaluation (every 100 ms of wall time). */
    drawdownQuote: s.drawdownQuote,
    maxDrawdownSeenQuote: s.maxDrawdownQuote,
    maxDrawdownLimitQuote: account.limits.maxDrawdownQuote,
    dayLossQuote: s.dayLossQuote,
    dailyLossLimitQuote: account.limits.dailyLossLimitQuote,
    /** Live: the exchange's last reading; paper: Σ |position| × mid ÷ leverage (null = unknown). */
    marginUsedQuote: s.marginUsedQuote,
    maxMarginQuote: account.limits.maxMarginQuote ?? null,
    /** Why no coin adds to its position (the margin limit reached), null while under it. */
    marginLimit: s.marginLimit,
    killSwitch: account.killSwitch
      ? { tripped: true, reason: account.killSwitch.reason, atMs: account.killSwitch.atMs }
      : { tripped: false, reason: null, atMs: null },
    coins: rows.length,
    quotingCoins,
  };
}

export function overviewOf(desks: Desks, account: AccountRisk | null) {
  return {
    multi: desks.multi,
    tickers: desks.list.map((d) => d.coin),
    nowMs: desks.first.view.nowMs?.() ?? Date.now(),
    botName: desks.first.view.info().botName,
    mode: desks.first.view.info().mode,
    account: accountOf(desks, account),
    coins: desks.list.map(coinRow),
  };
}
