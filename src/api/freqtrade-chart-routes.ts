import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TradeStore } from '../store/trade-store.ts';
import { CandleBuilder, PLOT_CONFIG, pairHistoryOf, resample, timeframeMs } from './candles.ts';
import type { Desk, Desks } from './coins.ts';
import { CHART_TIMEFRAME } from './freqtrade-shapes.ts';

/**
 * FreqUI's chart page: /pair_candles (the live candles of the bot's own feed, with its quotes, reservation price
 * and fills), /pair_history (candles built from recorded market files in a timerange, with the stored fills),
 * /plot_config, /available_pairs, /strategies, /strategy/{name}. Units as in candles.ts. With several coins each
 * pair has its own candles (its coin's tape and recorded files); /available_pairs lists them all.
 */
export interface ChartDeps {
  desks: Desks;
  store: TradeStore;
  /** Folder of recorded market files of the bot's coins (the replay folder or collector.collect_dir). */
  dataDir?: string;
}

const STRATEGY_DOC: Record<string, string> = {
  AvellanedaStoikov:
    'Avellaneda–Stoikov (2008) market making: reservation price r = mid − q·γ·σ²·τ, half-spread δ = γσ²τ/2 + ln(1+γ/k)/γ, with σ, A, k from hlmm calibrate and γ from the backtest. See docs/models.md.',
  GLFT: 'Guéant–Lehalle–Fernandez-Tapia market making: the infinite-horizon closed form of the A–S problem, quotes from σ, A, k and γ. See docs/models.md.',
};

/** Freqtrade's timerange "YYYYMMDD-YYYYMMDD" (either side may be empty, or Unix seconds) → [fromMs, toMs). */
export function parseTimerange(text: string): { fromMs?: number; toMs?: number } | null {
  const m = /^(\d{8}|\d{10})?-(\d{8}|\d{10})?$/.exec(text.trim());
  if (!m) return null;
  const side = (s: string | undefined) => {
    if (s === undefined) return undefined;
    if (s.length === 10) return Number(s) * 1000;
    const ms = Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8)));
    return Number.isFinite(ms) ? ms : Number.NaN;
  };
  const fromMs = side(m[1]);
  const toMs = side(m[2]);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) return null;
  return { fromMs, toMs };
}

export function registerChartRoutes(app: FastifyInstance, deps: ChartDeps): void {
  const { desks, store } = deps;
  const view = desks.first.view;
  const api = '/api/v1';
  const strategy = () => view.info().strategy;
  const pairs = () => desks.list.map((d) => d.pair);
  const deskOf = (p: unknown): Desk | undefined =>
    desks.list.find((d) => p === d.pair || p === d.view.info().ticker);
  const bad = (reply: FastifyReply, code: number, detail: string) => reply.code(code).send({ detail });

  const candleArgs = (q: Record<string, unknown>, reply: FastifyReply) => {
    const desk = deskOf(q.pair);
    if (!desk) {
      bad(reply, 404, `No data for ${String(q.pair)}: this bot trades ${pairs().join(', ')} only.`);
      return null;
    }
    const timeframe = typeof q.timeframe === 'string' ? q.timeframe : CHART_TIMEFRAME;
    const tfMs = timeframeMs(timeframe);
    if (tfMs === null || tfMs < 60_000) {
      bad(
        reply,
        422,
        `timeframe "${timeframe}" is not one of 1m, 5m, 15m, 1h, 4h, 1d (a whole number of minutes).`,
      );
      return null;
    }
    const limit = q.limit == null || q.limit === '' ? null : Number(q.limit);
    if (limit !== null && !(Number.isInteger(limit) && limit >= 0)) {
      bad(reply, 422, 'limit must be an integer ≥ 0.');
      return null;
    }
    return { desk, timeframe, tfMs, limit };
  };

  const liveCandles = (q: Record<string, unknown>, reply: FastifyReply) => {
    const args = candleArgs(q, reply);
    if (!args) return reply;
    let candles = resample(args.desk.tape?.builder.candles ?? [], args.tfMs);
    if (args.limit) candles = candles.slice(-args.limit);
    return pairHistoryOf(candles, {
      pair: args.desk.pair,
      timeframe: args.timeframe,
      tfMs: args.tfMs,
      strategy: strategy(),
      lastAnalyzedMs: view.nowMs?.() ?? Date.now(),
    });
  };
  app.get(`${api}/pair_candles`, async (req, reply) =>
    liveCandles(req.query as Record<string, unknown>, reply),
  );
  app.post(`${api}/pair_candles`, async (req, reply) =>
    liveCandles((req.body ?? {}) as Record<string, unknown>, reply),
  );

  const history = async (q: Record<string, unknown>, reply: FastifyReply) => {
    const args = candleArgs(q, reply);
    if (!args) return reply;
    const range = parseTimerange(typeof q.timerange === 'string' ? q.timerange : '');
    if (range === null)
      return bad(reply, 422, 'timerange must read YYYYMMDD-YYYYMMDD (either side may be left empty).');
    const dir = deps.dataDir;
    const ticker = args.desk.coin;
    if (!dir || !existsSync(dir))
      return bad(
        reply,
        404,
        'No recorded market files: start the bot with --replay DIR or a collector (collector.collect_dir) to chart history.',
      );
    const builder = new CandleBuilder(60_000, Number.MAX_SAFE_INTEGER);
    const { readMarket } = await import('../data/market-stream.ts');
    try {
      for await (const batch of readMarket(dir, ticker, { ...range, books: false })) {
        for (const ev of batch) {
          if (ev.kind === 'trade') builder.trade(ev.exchMs, ev.px, ev.sz);
          else if (ev.kind === 'bbo') builder.mid(ev.exchMs, (ev.bidPx + ev.askPx) / 2);
        }
      }
    } catch (err) {
      return bad(reply, 404, `No data for ${args.desk.pair} in ${dir}: ${(err as Error).message}`);
    }
    // Our stored fills of the coin inside the range, folded into their candles.
    const fromMs = range.fromMs ?? 0;
    const toMs = range.toMs ?? Number.POSITIVE_INFINITY;
    let position = 0;
    for (let after = 0; ; ) {
      const batch = store.fillsSince(after, 5000);
      if (batch.length === 0) break;
      after = batch[batch.length - 1].id;
      for (const f of batch) {
        if (f.coin !== ticker) continue;
        position += f.side === 'buy' ? f.sz : -f.sz;
        if (f.tsMs >= fromMs && f.tsMs < toMs) insertFill(builder, f.tsMs, f.side, f.px, f.sz, position);
      }
    }
    let candles = resample(builder.candles, args.tfMs);
    if (args.limit) candles = candles.slice(-args.limit);
    return pairHistoryOf(candles, {
      pair: args.desk.pair,
      timeframe: args.timeframe,
      tfMs: args.tfMs,
      strategy: strategy(),
      lastAnalyzedMs: view.nowMs?.() ?? Date.now(),
    });
  };
  app.get(`${api}/pair_history`, async (req, reply) => history(req.query as Record<string, unknown>, reply));
  app.post(`${api}/pair_history`, async (req, reply) =>
    history((req.body ?? {}) as Record<string, unknown>, reply),
  );

  app.get(`${api}/plot_config`, async () => PLOT_CONFIG);

  app.get(`${api}/available_pairs`, async (req) => {
    const q = req.query as Record<string, unknown>;
    const stake = view.info().stakeCurrency;
    const wantTf = typeof q.timeframe === 'string' ? q.timeframe : null;
    const wantStake = typeof q.stake_currency === 'string' ? q.stake_currency : null;
    const ok = (wantTf === null || wantTf === CHART_TIMEFRAME) && (wantStake === null || wantStake === stake);
    const listed = ok ? pairs() : [];
    return {
      length: listed.length,
      pairs: listed,
      pair_interval: listed.map((p) => [p, CHART_TIMEFRAME, 'futures']),
    };
  });

  app.get(`${api}/strategies`, async () => ({ strategies: [strategy()] }));
  app.get(`${api}/strategy/:name`, async (req, reply) => {
    const name = (req.params as { name: string }).name;
    if (name !== strategy()) return bad(reply, 404, 'Strategy not found');
    return {
      strategy: name,
      code: STRATEGY_DOC[name] ?? `${name}: see docs/models.md.`,
      timeframe: CHART_TIMEFRAME,
    };
  });
}

/** Adds one stored fill to the candle at its time (creating the candle at the fill price when none exists). */
function insertFill(
  builder: CandleBuilder,
  tMs: number,
  side: 'buy' | 'sell',
  px: number,
  sz: number,
  position: number,
): void {
  const t = Math.floor(tMs / builder.baseMs) * builder.baseMs;
  const candles = builder.candles;
  // Binary search for the candle: fills are folded in after the market data, so they may land anywhere.
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (candles[mid].tMs < t) lo = mid + 1;
    else hi = mid;
  }
  const c = candles[lo];
  if (c && c.tMs === t) {
    if (side === 'buy') {
      c.buyFillPx = c.buyFillPx === null ? px : (c.buyFillPx * c.buyFillSz + px * sz) / (c.buyFillSz + sz);
      c.buyFillSz += sz;
    } else {
      c.sellFillPx =
        c.sellFillPx === null ? px : (c.sellFillPx * c.sellFillSz + px * sz) / (c.sellFillSz + sz);
      c.sellFillSz += sz;
    }
    c.positionBase = position;
  }
}
