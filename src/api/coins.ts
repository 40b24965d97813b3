import type { BotInsight } from '../engine/bot-insight.ts';
import type { BotView } from '../engine/bot-view.ts';
import type { RoundTrip } from '../store/round-trips.ts';
import type { TradeStore } from '../store/trade-store.ts';
import type { MarketTape } from './candles.ts';
import { pairOf } from './freqtrade-shapes.ts';
import { createHistory, type History } from './history.ts';

/**
 * The coins one API serves: one for `hlmm trade --ticker`, several for `hlmm trade --tickers` (one account, one
 * store). Each coin ("desk") has its own engine view, history, market tape and recorder; the routes look a coin up
 * by ticker ("ETH") or Freqtrade pair ("ETH/USDC:USDC") and number the round trips of every coin as Freqtrade
 * numbers its trades: one sequence over all pairs.
 */
export interface CoinApi {
  view: BotView;
  /** The coin's markouts and market history (absent = those routes answer 404 for it). */
  insight?: BotInsight;
  /** The coin's live candles for FreqUI's chart. */
  tape?: MarketTape;
}

export interface Desk {
  coin: string;
  pair: string;
  view: BotView;
  insight: BotInsight | null;
  tape?: MarketTape;
  history: History;
}

/** A round trip of one coin with its trade id across all coins (`trip.id` is that id; `local` the coin's own). */
export interface NumberedTrip {
  desk: Desk;
  trip: RoundTrip;
  local: RoundTrip;
}

export interface Desks {
  readonly list: readonly Desk[];
  /** True with several coins (the answers then cover all of them, and hlmm's per-coin routes need ?coin=). */
  readonly multi: boolean;
  readonly first: Desk;
  /** The coin by ticker or pair; undefined when the bot does not trade it. */
  find(coinOrPair: unknown): Desk | undefined;
  /** Every coin's round trips with their trade ids, in id order; `listed` leaves out those deleted from the lists. */
  trades(listed: boolean): NumberedTrip[];
  /** As trades(false), with `desk`'s trips replaced (a fill announced before it is stored). */
  tradesWith(desk: Desk, trips: RoundTrip[]): NumberedTrip[];
  /** Ticker list for sentences: "BTC, ETH, SOL". */
  names(): string;
}

/**
 * Trade ids over several coins, pure: the coins' round trips merged by open time (ties: coin order), each coin's
 * kept in its own order, numbered `firstId`, `firstId + 1`, … One coin keeps its own ids.
 */
export function numberTrips(perCoin: readonly (readonly RoundTrip[])[], firstId = 1): number[][] {
  if (perCoin.length === 1 && firstId === 1) return [perCoin[0].map((t) => t.id)];
  const ids = perCoin.map((trips) => new Array<number>(trips.length).fill(0));
  const at = perCoin.map(() => 0);
  let next = firstId;
  for (;;) {
    let pick = -1;
    perCoin.forEach((trips, c) => {
      const t = trips[at[c]];
      if (t !== undefined && (pick < 0 || t.openMs < perCoin[pick][at[pick]].openMs)) pick = c;
    });
    if (pick < 0) return ids;
    ids[pick][at[pick]] = next++;
    at[pick] += 1;
  }
}

export function createDesks(store: TradeStore, coins: readonly CoinApi[]): Desks {
  if (coins.length === 0) throw new Error('the API needs at least one coin');
  const multi = coins.length > 1;
  const list: Desk[] = coins.map((c) => {
    const info = c.view.info();
    return {
      coin: info.ticker,
      pair: pairOf(info),
      view: c.view,
      insight: c.insight ?? null,
      tape: c.tape,
      history: createHistory(store, c.view, { coinOnly: multi }),
    };
  });
  // Several coins: a trade id, once given, stays (FreqUI and scripts hold trades by id). The round trips a
  // look-up finds new (each coin's ids past those numbered) are numbered after the last id, merged by open time.
  const given: number[][] = list.map(() => []);
  let nextId = 1;
  const idsOf = (perDesk: RoundTrip[][]): number[][] => {
    if (!multi) return numberTrips(perDesk);
    const fresh = perDesk.map((trips, d) => trips.filter((t) => t.id > given[d].length));
    const freshIds = numberTrips(fresh, nextId);
    fresh.forEach((trips, d) => {
      trips.forEach((t, i) => {
        given[d][t.id - 1] = freshIds[d][i];
        nextId = Math.max(nextId, freshIds[d][i] + 1);
      });
    });
    return perDesk.map((trips, d) => trips.map((t) => given[d][t.id - 1]));
  };
  const cache: ({ perDesk: RoundTrip[][]; shown: number[]; out: NumberedTrip[] } | undefined)[] = [];
  /**
   * The numbered form of each coin's round trips by position, reused for a closed trip that is still the same
   * (a coin's trips are rebuilt after each of its fills, but only its last one can change): no copy per look-up.
   */
  const wrapped: NumberedTrip[][] = list.map(() => []);
  const number = (perDesk: RoundTrip[][], listed: boolean): NumberedTrip[] => {
    const ids = idsOf(perDesk);
    // Placed at their id (ids are 1 … n without holes over all coins): in id order without a sort.
    const slots: (NumberedTrip | undefined)[] = [];
    perDesk.forEach((trips, d) => {
      const desk = list[d];
      const listedTrips = listed ? desk.history.listedTrips() : trips;
      const shown = listedTrips.length === trips.length ? null : new Set(listedTrips);
      trips.forEach((t, i) => {
        if (shown && !shown.has(t)) return;
        const id = ids[d][i];
        const was = wrapped[d][i];
        const same =
          was !== undefined &&
          was.trip.id === id &&
          t.closeMs !== null &&
          was.local.closeMs === t.closeMs &&
          was.local.openMs === t.openMs &&
          was.local.fills === t.fills;
        const n = same ? was : { desk, local: t, trip: id === t.id ? t : { ...t, id } };
        wrapped[d][i] = n;
        slots[id - 1] = n;
      });
    });
    return slots.filter((n): n is NumberedTrip => n !== undefined);
  };

  return {
    list,
    multi,
    first: list[0],
    find(key) {
      if (typeof key !== 'string' || key === '') return undefined;
      const k = key.trim();
      return list.find((d) => d.coin === k || d.pair === k) ?? list.find((d) => d.coin === k.toUpperCase());
    },
    trades: (listed) => {
      // Polled every few seconds by FreqUI on the bot's own event loop: the answer is kept until a coin's round
      // trips change (history.trips() hands out the same array until then) or one is deleted from the lists.
      const perDesk = list.map((d) => d.history.trips());
      const shown = listed ? list.map((d) => d.history.listedTrips().length) : [];
      const memo = cache[listed ? 1 : 0];
      if (memo?.perDesk.every((t, i) => t === perDesk[i]) && memo.shown.every((n, i) => n === shown[i]))
        return memo.out;
      const out = number(perDesk, listed);
      cache[listed ? 1 : 0] = { perDesk, shown, out };
      return out;
    },
    tradesWith: (desk, trips) =>
      number(
        list.map((d) => (d === desk ? trips : d.history.trips())),
        false,
      ),
    names: () => list.map((d) => d.coin).join(', '),
  };
}
