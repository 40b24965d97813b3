import type { RoundTrip } from '../store/round-trips.ts';
import { pct } from './freqtrade-shapes.ts';

/**
 * Freqtrade's statistics endpoints over hlmm's round trips (pure): /daily, /weekly, /monthly, /stats, /entries,
 * /exits, /mix_tags. Money in the stake currency (USDC), times in Unix ms on the bot's clock, periods in UTC as
 * Freqtrade counts them (weeks start on Monday, months on the 1st).
 */

/** Every hlmm trade is opened by quoting; Freqtrade's enter_tag of all of them. */
export const ENTER_TAG = 'market_making';
/** A round trip ends when the position is back to zero; Freqtrade's exit_reason of all of them. */
export const EXIT_REASON = 'flat';

export type TimeUnit = 'days' | 'weeks' | 'months';

const DAY_MS = 86_400_000;

/** UTC start of the period containing `ms`, then `back` periods earlier. */
export function periodStartMs(ms: number, unit: TimeUnit, back: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  if (unit === 'months') return Date.UTC(y, m - back, 1);
  const today = Date.UTC(y, m, day);
  if (unit === 'days') return today - back * DAY_MS;
  // Monday of this week: getUTCDay() is 0 on Sunday.
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return today - sinceMonday * DAY_MS - back * 7 * DAY_MS;
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/**
 * Closed-trade profit per period, newest first (Freqtrade's DailyWeeklyMonthly). A period's starting balance is
 * the starting balance plus the profit of the trades closed before it.
 */
export function timeUnitProfit(
  trips: readonly RoundTrip[],
  opts: { timescale: number; unit: TimeUnit; startingBalanceQuote: number; nowMs: number; stake: string },
) {
  // Sorted by close time with running sums, so a long timescale (Freqtrade takes any) costs a binary search a row.
  const closed = trips
    .filter((t) => !t.isOpen && t.closeMs !== null)
    .map((t) => ({ closeMs: t.closeMs as number, profit: t.profitQuote }))
    .sort((a, b) => a.closeMs - b.closeMs);
  const cum = [0];
  for (const t of closed) cum.push(cum[cum.length - 1] + t.profit);
  /** Number of closed trades with closeMs < ms. */
  const countBefore = (ms: number) => {
    let lo = 0;
    let hi = closed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (closed[mid].closeMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const data = [];
  for (let i = 0; i < opts.timescale; i++) {
    const start = periodStartMs(opts.nowMs, opts.unit, i);
    // Nothing was recorded before 1970: the list stops there, however long the timescale asked.
    if (start < 0) break;
    const end = i === 0 ? Number.POSITIVE_INFINITY : periodStartMs(opts.nowMs, opts.unit, i - 1);
    const from = countBefore(start);
    const to = end === Number.POSITIVE_INFINITY ? closed.length : countBefore(end);
    const startingBalance = opts.startingBalanceQuote + cum[from];
    const abs = cum[to] - cum[from];
    data.push({
      date: new Date(start).toISOString().slice(0, 10),
      abs_profit: abs,
      rel_profit: startingBalance > 0 ? Math.round((abs / startingBalance) * 1e8) / 1e8 : 0,
      starting_balance: startingBalance,
      fiat_value: 0,
      trade_count: to - from,
    });
  }
  return { data, fiat_display_currency: '', stake_currency: opts.stake };
}

type Outcome = 'wins' | 'losses' | 'draws';
const outcomeOf = (t: RoundTrip): Outcome =>
  t.profitRatio > 0 ? 'wins' : t.profitRatio < 0 ? 'losses' : 'draws';

/** GET /stats: wins/losses/draws per exit reason and the mean duration of each, seconds (null when none). */
export function statsOf(trips: readonly RoundTrip[]) {
  const closed = trips.filter((t) => !t.isOpen && t.closeMs !== null);
  const exitReasons: Record<string, { wins: number; losses: number; draws: number }> = {};
  const durations: Record<Outcome, number[]> = { wins: [], losses: [], draws: [] };
  for (const t of closed) {
    exitReasons[EXIT_REASON] ??= { wins: 0, losses: 0, draws: 0 };
    const o = outcomeOf(t);
    exitReasons[EXIT_REASON][o] += 1;
    durations[o].push(((t.closeMs as number) - t.openMs) / 1000);
  }
  const meanS = (xs: number[]) => (xs.length > 0 ? sum(xs) / xs.length : null);
  return {
    exit_reasons: exitReasons,
    durations: {
      wins: meanS(durations.wins),
      draws: meanS(durations.draws),
      losses: meanS(durations.losses),
    },
  };
}

function tagPerformance(trips: readonly RoundTrip[]) {
  const closed = trips.filter((t) => !t.isOpen);
  if (closed.length === 0) return null;
  const ratio = sum(closed.map((t) => t.profitRatio));
  return {
    profit_ratio: ratio,
    profit_pct: pct(ratio),
    profit_abs: sum(closed.map((t) => t.profitQuote)),
    count: closed.length,
  };
}

/** GET /entries, /exits, /mix_tags: closed-trade performance per tag (one tag each in hlmm). */
export function entriesOf(trips: readonly RoundTrip[]) {
  const p = tagPerformance(trips);
  return p ? [{ enter_tag: ENTER_TAG, ...p }] : [];
}
export function exitsOf(trips: readonly RoundTrip[]) {
  const p = tagPerformance(trips);
  return p ? [{ exit_reason: EXIT_REASON, ...p }] : [];
}
export function mixTagsOf(trips: readonly RoundTrip[]) {
  const p = tagPerformance(trips);
  return p ? [{ mix_tag: `${ENTER_TAG} ${EXIT_REASON}`, ...p }] : [];
}
