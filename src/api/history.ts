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

export function createHistory(store: TradeStore, view: BotView): History {
  // Fills of our coin in store-id order (as the store's allFills), read incrementally: a bot with 100 k fills
  // would otherwise re-read them all (≈ 1 s, on the bot's own event loop) after every new fill.
  const fills: TradeFill[] = [];
  let lastId = 0;
  let cachedTrips: RoundTrip[] = [];
  let dirty = true;

  const sync = () => {
    const coin = view.info().ticker;
    for (;;) {
      const batch = store.fillsSince(lastId, 5000);
      if (batch.length === 0) break;
      for (const f of batch) {
        if (f.coin === coin)
          fills.push({ side: f.side, px: f.px, sz: f.sz, feeQuote: f.feeQuote, tsMs: f.tsMs });
      }
      lastId = batch[batch.length - 1].id;
      dirty = true;
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
    recentFills: (limit) => store.fillsPage({ limit, newestFirst: true }),
    fillsSince: (afterId, limit) => store.fillsSince(afterId, limit),
    paramsHistory: (limit) => store.paramsHistory({ limit }),
    equityCurve: (range) => store.pnlSnapshots(range),
    riskEvents: (limit) => store.riskEvents({ limit }),
  };
}
