import type { BotView, FillView } from '../engine/bot-view.ts';
import type { ParamsRecord, PnlSnapshot, StoredFill } from '../store/records.ts';
import {
  type RoundTrip,
  roundTrips,
  summarizeTrades,
  type TradeFill,
  type TradeSummary,
} from '../store/round-trips.ts';
import type { TradeStore } from '../store/trade-store.ts';

/**
 * The API's read side of the SQLite store: fills, round trips ("trades"), the equity curve, parameter and risk
 * history. Round trips are recomputed (pure, from the fills kept in memory) only when new fills arrived; the API
 * may be polled every second while a bot makes a few fills a minute.
 */
export interface History {
  trips(): RoundTrip[];
  /** The round trips the trade lists show: all but those an operator deleted (DELETE /trades/{id}). */
  listedTrips(): RoundTrip[];
  /** Hides a round trip from the lists for good (its fills, and so the account, stay). */
  hideTrip(trip: RoundTrip, nowMs: number): void;
  /** Drops the cached fills and reads them again from the store (POST /trades/{id}/reload). */
  reload(): void;
  /** Round trips as they will be once `fill` is stored (the bot may announce a fill before storing it). */
  tripsIncluding(fill: FillView): RoundTrip[];
  summary(markPx: number | null, startingBalanceQuote: number): TradeSummary;
  recentFills(limit: number): StoredFill[];
  fillsSince(afterId: number, limit: number): StoredFill[];
  paramsHistory(limit: number): Array<ParamsRecord & { id: number }>;
  equityCurve(range: { fromMs?: number; toMs?: number; maxPoints?: number }): PnlSnapshot[];
  riskEvents(limit: number): ReturnType<TradeStore['riskEvents']>;
}

/**
 * `coinOnly` (several coins in one store, `hlmm trade --tickers`): the fill lists, equity curve and parameter
 * history keep only this coin's rows — fills and PnL points by their coin, parameter sets by their source file
 * (params_<TICKER>.json, where the coin's watcher reads them). Risk events carry no coin in the store: they stay
 * the account's. Without it (one coin per store) every row is the bot's, as before.
 */
export function createHistory(store: TradeStore, view: BotView, opts: { coinOnly?: boolean } = {}): History {
  // Fills of our coin in store-id order (as the store's allFills), read incrementally: a bot with 100 k fills
  // would otherwise re-read them all (≈ 1 s, on the bot's own event loop) after every new fill.
  const fills: TradeFill[] = [];
  /** With coinOnly: the coin's stored fills (ids included) for the fill lists. */
  const stored: StoredFill[] = [];
  let lastId = 0;
  let cachedTrips: RoundTrip[] = [];
  let dirty = true;

  const sync = () => {
    const coin = view.info().ticker;
    for (;;) {
      const batch = store.fillsSince(lastId, 5000);
      if (batch.length === 0) break;
      for (const f of batch) {
        if (f.coin === coin) {
          fills.push({ side: f.side, px: f.px, sz: f.sz, feeQuote: f.feeQuote, tsMs: f.tsMs });
          if (opts.coinOnly) stored.push(f);
          // Only our coin's fills change our round trips (several coins share one store).
          dirty = true;
        }
      }
      lastId = batch[batch.length - 1].id;
    }
  };

  const trips = () => {
    sync();
    if (dirty) {
      cachedTrips = roundTrips(fills);
      dirty = false;
    }
    return cachedTrips;
  };

  let hidden: Set<string> | null = null;
  const keyOf = (t: RoundTrip) => `${t.id}:${t.openMs}`;
  const hiddenKeys = () => {
    hidden ??= store.hiddenTrades();
    return hidden;
  };

  return {
    trips,
    listedTrips() {
      const h = hiddenKeys();
      const all = trips();
      return h.size === 0 ? all : all.filter((t) => !h.has(keyOf(t)));
    },
    hideTrip(trip, nowMs) {
      store.hideTrade(trip.id, trip.openMs, nowMs);
      hiddenKeys().add(keyOf(trip));
    },
    reload() {
      fills.length = 0;
      stored.length = 0;
      lastId = 0;
      dirty = true;
      hidden = null;
    },
    tripsIncluding(fill) {
      const current = trips();
      if (store.hasFill(fill.tid)) return current;
      return roundTrips([...fills, fill]);
    },
    summary(markPx, startingBalanceQuote) {
      return summarizeTrades(trips(), { markPx: markPx ?? undefined, startingBalanceQuote });
    },
    recentFills: (limit) => {
      if (!opts.coinOnly) return store.fillsPage({ limit, newestFirst: true });
      sync();
      return stored.slice(-Math.max(0, limit)).reverse();
    },
    fillsSince: (afterId, limit) => {
      if (!opts.coinOnly) return store.fillsSince(afterId, limit);
      sync();
      let lo = 0;
      let hi = stored.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (stored[mid].id <= afterId) lo = mid + 1;
        else hi = mid;
      }
      return stored.slice(lo, lo + limit);
    },
    paramsHistory: (limit) => {
      if (!opts.coinOnly) return store.paramsHistory({ limit });
      const file = `params_${view.info().ticker}.json`;
      // Asked for more than the limit: the other coins' sets are in the same table.
      return store
        .paramsHistory({ limit: limit * 20 })
        .filter((p) => p.source.endsWith(file))
        .slice(0, limit);
    },
    equityCurve: (range) => {
      if (!opts.coinOnly) return store.pnlSnapshots(range);
      const coin = view.info().ticker;
      const points = store
        .pnlSnapshots({ fromMs: range.fromMs, toMs: range.toMs })
        .filter((p) => p.coin === coin);
      return thin(points, range.maxPoints);
    },
    // Several coins: this coin's events and the account's; one coin: every event (all are its own).
    riskEvents: (limit) => store.riskEvents(opts.coinOnly ? { limit, coin: view.info().ticker } : { limit }),
  };
}

/** At most `maxPoints` points, evenly spaced over the list, the last one always kept. */
function thin<T>(points: T[], maxPoints: number | undefined): T[] {
  if (maxPoints === undefined || maxPoints <= 0 || points.length <= maxPoints) return points;
  const step = points.length / maxPoints;
  const out: T[] = [];
  for (let i = 1; i <= maxPoints; i++) out.push(points[Math.min(points.length - 1, Math.ceil(i * step) - 1)]);
  return out;
}
