import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from '../core/log.ts';
import type { BotEvent, FillView } from '../engine/bot-view.ts';
import type { RoundTrip } from '../store/round-trips.ts';
import { CHART_TIMEFRAME, pairOf } from './freqtrade-shapes.ts';

/** The chart candle new_candle follows, ms (CHART_TIMEFRAME). */
const CHART_TIMEFRAME_MS = 60_000;

import type { AccountRisk } from '../engine/account-risk.ts';
import type { Desk, Desks } from './coins.ts';
import { snapshotOf } from './hlmm-routes.ts';
import { overviewOf } from './overview.ts';

/**
 * The two WebSockets:
 * - /api/v1/message/ws — Freqtrade's message stream. A client sends `{"type":"subscribe","data":[...types]}` and
 *   then receives flat messages `{"type": "entry_fill", "trade_id": …, "pair": …}` of those types. hlmm sends
 *   `status` (quoting started/stopped), `entry_fill` (a fill that opened or grew the round trip) and `exit_fill`
 *   (a fill that reduced or closed it; a fill crossing through flat sends an exit_fill then an entry_fill), and
 *   `new_candle` when the bot clock (its quotes and fills) enters a new chart candle, so FreqUI's chart follows.
 * - /api/v1/hlmm/ws — the dashboard's stream: one `{"type":"snapshot","data":…}` then every BotEvent as is.
 *   Several coins: `?coin=ETH` is that coin's stream as above; without it, one `{"type":"overview","data":…}`
 *   (GET /api/v1/hlmm/overview) then every coin's BotEvents with a `coin` field.
 * With several coins the message stream carries every coin's fills and candles (each with its pair, trade ids
 * as /status numbers them); `status` says running while any coin quotes.
 */

/** Freqtrade's RPCMessageType values a client may subscribe to (others are refused as Freqtrade does). */
const FREQTRADE_MESSAGE_TYPES = new Set([
  'status',
  'warning',
  'exception',
  'startup',
  'entry',
  'entry_fill',
  'entry_cancel',
  'exit',
  'exit_fill',
  'exit_cancel',
  'protection_trigger',
  'protection_trigger_global',
  'strategy_msg',
  'whitelist',
  'analyzed_df',
  'new_candle',
]);

/** Quote events are dropped for a client that lags this far behind (fills and status are never dropped). */
const MAX_BUFFERED_BYTES = 1 << 20;
/** Position sizes are lot multiples summed in floating point: below this, a position is flat. */
const FLAT_EPS = 1e-9;

type FreqtradeMessage = Record<string, unknown> & { type: string };

/** Sizes derived by subtraction (0.03 − 0.02) carry float noise; no exchange lot is finer than 1e-10. */
const cleanSz = (x: number) => Math.round(x * 1e10) / 1e10;

/**
 * The Freqtrade messages for one of our fills. `trips` are the round trips including this fill; the position
 * before the fill is derived from the position after it.
 */
export function fillMessages(
  fill: FillView,
  positionAfter: number,
  trips: RoundTrip[],
  ctx: { pair: string; ticker: string; stake: string; markPx: number | null; leverage?: number },
): FreqtradeMessage[] {
  const signed = fill.side === 'buy' ? fill.sz : -fill.sz;
  const before = positionAfter - signed;
  const after = positionAfter;
  const flatBefore = Math.abs(before) <= FLAT_EPS;
  const flatAfter = Math.abs(after) <= FLAT_EPS;
  const crossed = !flatBefore && !flatAfter && Math.sign(before) !== Math.sign(after);
  const grows = flatBefore || (!crossed && Math.abs(after) > Math.abs(before));
  const last = trips[trips.length - 1];
  const common = (trip: RoundTrip) => ({
    trade_id: trip.id,
    exchange: 'Hyperliquid',
    pair: ctx.pair,
    leverage: ctx.leverage ?? 1,
    direction: trip.side === 'long' ? 'Long' : 'Short',
    order_type: 'limit',
    enter_tag: 'market_making',
    buy_tag: 'market_making',
    stake_currency: ctx.stake,
    base_currency: ctx.ticker,
    quote_currency: ctx.stake,
    fiat_currency: null,
    current_rate: ctx.markPx,
    open_date: new Date(trip.openMs).toISOString(),
  });
  const entry = (trip: RoundTrip, amount: number): FreqtradeMessage => {
    const openRate = trip.costBasisPx ?? trip.avgOpenPx;
    return {
      type: 'entry_fill',
      ...common(trip),
      limit: fill.px,
      open_rate: openRate,
      amount,
      stake_amount: trip.openPositionBase * openRate,
      // A fill adding to a position already open is a partial entry (Freqtrade: position adjustment).
      sub_trade: !flatBefore && !crossed,
    };
  };
  const exit = (trip: RoundTrip, amount: number, final: boolean): FreqtradeMessage => {
    const opened = trip.amountBase * trip.avgOpenPx;
    const ratio = opened > 0 ? trip.profitQuote / opened : 0;
    return {
      type: 'exit_fill',
      ...common(trip),
      gain: trip.profitQuote > 0 ? 'profit' : 'loss',
      limit: fill.px,
      order_rate: fill.px,
      amount,
      open_rate: trip.avgOpenPx,
      close_rate: fill.px,
      profit_amount: trip.profitQuote,
      profit_ratio: ratio,
      exit_reason: final ? 'flat' : 'reduce',
      close_date: final && trip.closeMs !== null ? new Date(trip.closeMs).toISOString() : null,
      stake_amount: opened,
      sub_trade: !final,
      cumulative_profit: trip.profitQuote,
      final_profit_ratio: final ? ratio : null,
      is_final_exit: final,
    };
  };
  if (!last) return [];
  if (crossed && trips.length >= 2) {
    const closed = trips[trips.length - 2];
    return [exit(closed, cleanSz(Math.abs(before)), true), entry(last, cleanSz(Math.abs(after)))];
  }
  if (grows) return [entry(last, fill.sz)];
  return [exit(last, fill.sz, flatAfter)];
}

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

export function registerSockets(
  app: FastifyInstance,
  deps: { desks: Desks; account: AccountRisk | null; logger: Logger },
): void {
  const { desks, logger } = deps;
  const anyQuoting = () => desks.list.some((d) => d.view.risk().quoting);

  app.get('/api/v1/message/ws', { websocket: true }, (socket, req) => {
    const topics = new Set<string>();
    let quoting = anyQuoting();
    logger.info('message ws connected', { ip: req.ip });

    socket.on('message', (raw) => {
      let msg: { type?: unknown; data?: unknown };
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (msg.type === 'subscribe' && Array.isArray(msg.data) && msg.data.length > 0) {
        if (msg.data.every((t) => typeof t === 'string' && FREQTRADE_MESSAGE_TYPES.has(t))) {
          topics.clear();
          for (const t of msg.data as string[]) topics.add(t);
        }
      } else if (msg.type === 'whitelist') {
        send(socket, { type: 'whitelist', data: desks.list.map((d) => d.pair) });
      }
    });

    const follow = (desk: Desk) => {
      const view = desk.view;
      // Start of the newest chart candle seen on the bot clock; FreqUI reloads /pair_candles on each new_candle.
      let candleStartMs: number | null = null;
      return view.subscribe((event: BotEvent) => {
        if (event.type === 'quotes' || event.type === 'fill') {
          const tsMs = event.type === 'quotes' ? event.tsMs : event.fill.tsMs;
          const startMs = Math.floor(tsMs / CHART_TIMEFRAME_MS) * CHART_TIMEFRAME_MS;
          if (candleStartMs === null || startMs > candleStartMs) {
            // Freqtrade's new_candle: [pair, timeframe, candle type], once per candle.
            if (candleStartMs !== null && topics.has('new_candle'))
              send(socket, { type: 'new_candle', data: [pairOf(view.info()), CHART_TIMEFRAME, 'futures'] });
            candleStartMs = startMs;
          }
          if (event.type === 'quotes') return;
        }
        if (event.type === 'status') {
          const now = desks.multi ? anyQuoting() : event.risk.quoting;
          if (now !== quoting) {
            quoting = now;
            if (topics.has('status'))
              send(socket, { type: 'status', status: quoting ? 'running' : 'stopped' });
          }
          return;
        }
        if (event.type !== 'fill' || !(topics.has('entry_fill') || topics.has('exit_fill'))) return;
        const info = view.info();
        let trips = desk.history.tripsIncluding(event.fill);
        if (desks.multi) {
          // The trade ids of /status: this coin's trips numbered among every coin's.
          trips = desks
            .tradesWith(desk, trips)
            .filter((n) => n.desk === desk)
            .map((n) => n.trip);
        }
        const messages = fillMessages(event.fill, event.positionBase, trips, {
          pair: pairOf(info),
          ticker: info.ticker,
          stake: info.stakeCurrency,
          markPx: view.account().mid,
          leverage: info.leverage,
        });
        for (const m of messages) if (topics.has(m.type)) send(socket, m);
      });
    };
    const unsubscribes = desks.list.map(follow);
    const unsubscribe = () => {
      for (const u of unsubscribes) u();
    };
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
  });

  app.get('/api/v1/hlmm/ws', { websocket: true }, (socket, req) => {
    logger.info('dashboard ws connected', { ip: req.ip });
    const coin = new URLSearchParams(req.url.split('?')[1] ?? '').get('coin');
    const desk = coin ? desks.find(coin) : desks.multi ? null : desks.first;
    if (coin && !desk) {
      send(socket, { type: 'error', detail: `this bot does not trade ${coin}; it trades ${desks.names()}.` });
      socket.close(1008, 'unknown coin');
      return;
    }
    const forward = (d: Desk, tag: boolean) =>
      d.view.subscribe((event: BotEvent) => {
        if (event.type === 'quotes' && socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
        send(socket, tag ? { ...event, coin: d.coin } : event);
      });
    let unsubscribes: (() => void)[];
    if (desk) {
      send(socket, { type: 'snapshot', data: snapshotOf(desk.view, desk.history) });
      unsubscribes = [forward(desk, false)];
    } else {
      send(socket, { type: 'overview', data: overviewOf(desks, deps.account) });
      unsubscribes = desks.list.map((d) => forward(d, true));
    }
    const unsubscribe = () => {
      for (const u of unsubscribes) u();
    };
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
  });
}
