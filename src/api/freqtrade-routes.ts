import os from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scrubKeyMaterialDeep } from '../core/key-material.ts';
import type { Logger } from '../core/log.ts';
import type { BotView } from '../engine/bot-view.ts';
import { flattenAnswer, parseForceExitBody } from './flatten-request.ts';
import {
  balanceToFreqtrade,
  type FreqtradeContext,
  ftDate,
  pairOf,
  pct,
  profitToFreqtrade,
  showConfigToFreqtrade,
  tradeToFreqtrade,
} from './freqtrade-shapes.ts';
import { entriesOf, exitsOf, mixTagsOf, statsOf, type TimeUnit, timeUnitProfit } from './freqtrade-stats.ts';
import type { History } from './history.ts';

/**
 * Freqtrade's REST endpoints (the set FreqUI and `freqtrade`-style scripts use to show and steer a bot), answered
 * from the running bot (BotView) and its SQLite history. Field names follow Freqtrade's api_schemas.py.
 */

function intParam(value: unknown, fallback: number, min: number, max: number): number | null {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) return null;
  return n;
}

/** CPU busy share per core since the previous call (Freqtrade: psutil.cpu_percent(percpu=True)). */
function cpuSampler() {
  let prev = os.cpus().map((c) => c.times);
  return () => {
    const now = os.cpus().map((c) => c.times);
    const out = now.map((t, i) => {
      const p = prev[i] ?? { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
      const busy = t.user + t.nice + t.sys + t.irq - (p.user + p.nice + p.sys + p.irq);
      const total = busy + (t.idle - p.idle);
      return total > 0 ? Math.round((busy / total) * 1000) / 10 : 0;
    });
    prev = now;
    return out;
  };
}

export function registerFreqtradeRoutes(
  app: FastifyInstance,
  deps: { view: BotView; history: History; logger: Logger },
): void {
  const { view, history, logger } = deps;
  const api = '/api/v1';
  const sampleCpu = cpuSampler();

  const context = (): FreqtradeContext => {
    const account = view.account();
    return { info: view.info(), markPx: account.mid, startingBalanceQuote: account.startingBalanceQuote };
  };

  app.get(`${api}/ping`, async () => ({ status: 'pong' }));
  app.get(`${api}/version`, async () => ({ version: view.info().version }));
  // Scrubbed: no value served here may carry a 64-hex-digit secret, wherever it came from.
  app.get(`${api}/show_config`, async () =>
    scrubKeyMaterialDeep(
      showConfigToFreqtrade(view.info(), view.risk(), { forceEntry: view.forceEnter !== undefined }),
    ),
  );

  const openOrders = () => view.openOrders();

  app.get(`${api}/status`, async () => {
    const ctx = context();
    const orders = openOrders();
    return history
      .listedTrips()
      .filter((t) => t.isOpen)
      .map((t) => tradeToFreqtrade(t, ctx, orders, { status: true }));
  });

  app.get(`${api}/trades`, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    // Freqtrade: any limit (0 = every closed trade, newest close first), any offset.
    const limit = intParam(q.limit, 500, 0, Number.MAX_SAFE_INTEGER);
    const offset = intParam(q.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    if (limit === null || offset === null) {
      return reply
        .code(422)
        .send({ detail: 'limit and offset must be integers ≥ 0 (limit 0 = every closed trade).' });
    }
    const ctx = context();
    const closed = history.listedTrips().filter((t) => !t.isOpen);
    // Freqtrade orders a page by trade id (order_by_id) and the whole list (limit 0) by close date, newest first.
    const chosen =
      limit === 0
        ? [...closed].sort((x, y) => (y.closeMs ?? 0) - (x.closeMs ?? 0))
        : closed.slice(offset, offset + limit);
    const page = chosen.map((t) => tradeToFreqtrade(t, ctx, []));
    return { trades: page, trades_count: page.length, offset, total_trades: closed.length };
  });

  const tradeIdOf = (req: { params: unknown }): number | null => {
    const raw = (req.params as { tradeid: string }).tradeid;
    const id = Number(raw);
    return /^\d+$/.test(raw) && Number.isSafeInteger(id) ? id : null;
  };
  const findTrip = (id: number | null) =>
    id === null ? undefined : history.listedTrips().find((t) => t.id === id);
  const tradeIdError = (reply: FastifyReply) =>
    reply.code(422).send({ detail: 'tradeid must be an integer (the trade_id of /status or /trades).' });

  app.get(`${api}/trade/:tradeid`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    const trip = findTrip(id);
    if (!trip) return reply.code(404).send({ detail: 'Trade not found.' });
    return tradeToFreqtrade(trip, context(), openOrders(), { status: true });
  });

  // DELETE /trades/{id}: Freqtrade forgets the trade. hlmm keeps the fills (the account and PnL are built from
  // them) and stops listing the trade; the open trade is the live position and cannot be forgotten.
  app.delete(`${api}/trades/:tradeid`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    const trip = findTrip(id);
    if (!trip) return reply.code(404).send({ detail: `Trade ${id} not found.` });
    if (trip.isOpen) {
      return reply.code(400).send({
        detail: `Trade ${id} is the open position; exit it first (forceexit), then delete it.`,
      });
    }
    history.hideTrip(trip, botNowMs(view));
    logger.info('api: trade deleted from the lists', { user: req.apiUser, trade: id });
    return {
      cancel_order_count: 0,
      result: 'success',
      result_msg: `Deleted trade ${id}. Closed 0 open orders. (Its fills stay in the store and the account.)`,
      trade_id: id,
    };
  });

  // DELETE /trades/{id}/open-order: the open trade's orders are the resting quotes; they are cancelled now and
  // the strategy re-quotes at its next step unless quoting is stopped.
  app.delete(`${api}/trades/:tradeid/open-order`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    const trip = findTrip(id);
    if (!trip?.isOpen) return reply.code(400).send({ detail: 'Invalid trade_id.' });
    if (openOrders().length === 0) return reply.code(400).send({ detail: 'No open order for trade_id.' });
    if (!view.cancelOpenOrders)
      return reply.code(501).send({ detail: 'This bot cannot cancel orders through the API.' });
    logger.info('api: cancel open orders', { user: req.apiUser, trade: id });
    await view.cancelOpenOrders();
    const now = findTrip(id) ?? trip;
    return tradeToFreqtrade(now, context(), openOrders(), { status: true });
  });

  // POST /trades/{id}/reload: Freqtrade re-reads the trade's orders from the exchange; hlmm re-reads its fills
  // from the store (where the live venue and the position check write what the exchange reported).
  app.post(`${api}/trades/:tradeid/reload`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    history.reload();
    const trip = findTrip(id);
    if (!trip) return reply.code(404).send({ detail: `Could not find trade with id ${id}.` });
    return tradeToFreqtrade(trip, context(), openOrders(), { status: true });
  });

  app.get(`${api}/profit`, async () => {
    const ctx = context();
    const trips = history.trips();
    return profitToFreqtrade(
      trips,
      history.summary(ctx.markPx, ctx.startingBalanceQuote),
      ctx,
      botNowMs(view),
    );
  });

  app.get(`${api}/balance`, async () => balanceToFreqtrade(view.account(), view.info()));

  app.get(`${api}/count`, async () => {
    const open = history.listedTrips().filter((t) => t.isOpen);
    const stake = open.reduce((s, t) => s + t.openPositionBase * (t.costBasisPx ?? t.avgOpenPx), 0);
    return { current: open.length, max: view.risk().entriesStopped ? 0 : 1, total_stake: stake };
  });

  app.get(`${api}/performance`, async () => {
    const closed = history.listedTrips().filter((t) => !t.isOpen);
    if (closed.length === 0) return [];
    const ratio = closed.reduce((s, t) => s + t.profitRatio, 0);
    return [
      {
        pair: pairOf(view.info()),
        profit: pct(ratio),
        profit_ratio: ratio,
        profit_pct: pct(ratio),
        profit_abs: closed.reduce((s, t) => s + t.profitQuote, 0),
        count: closed.length,
      },
    ];
  });

  // /daily, /weekly, /monthly: Freqtrade takes any timescale ≥ 1 (defaults 7 days, 4 weeks, 3 months).
  const timeUnit = (unit: TimeUnit, fallback: number) => async (req: FastifyRequest, reply: FastifyReply) => {
    const n = intParam(
      (req.query as Record<string, unknown>).timescale,
      fallback,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    if (n === null) return reply.code(422).send({ detail: 'timescale must be an integer greater than 0.' });
    return timeUnitProfit(history.listedTrips(), {
      timescale: n,
      unit,
      startingBalanceQuote: view.account().startingBalanceQuote,
      nowMs: botNowMs(view),
      stake: view.info().stakeCurrency,
    });
  };
  app.get(`${api}/daily`, timeUnit('days', 7));
  app.get(`${api}/weekly`, timeUnit('weeks', 4));
  app.get(`${api}/monthly`, timeUnit('months', 3));

  app.get(`${api}/stats`, async () => statsOf(history.listedTrips()));
  /** `?pair=` of another market: none of our trades (Freqtrade filters by pair). */
  const ofPair = (req: FastifyRequest) => {
    const pair = (req.query as Record<string, unknown>).pair;
    return typeof pair === 'string' && pair !== '' && pair !== pairOf(view.info())
      ? []
      : history.listedTrips();
  };
  app.get(`${api}/entries`, async (req) => entriesOf(ofPair(req)));
  app.get(`${api}/exits`, async (req) => exitsOf(ofPair(req)));
  app.get(`${api}/mix_tags`, async (req) => mixTagsOf(ofPair(req)));

  app.get(`${api}/whitelist`, async () => ({
    whitelist: [pairOf(view.info())],
    length: 1,
    method: ['StaticPairList'],
  }));

  const blacklist = () => ({
    blacklist: [],
    blacklist_expanded: [],
    errors: {},
    length: 0,
    method: ['StaticPairList'],
  });
  app.get(`${api}/blacklist`, async () => blacklist());
  const readOnly = async (_req: unknown, reply: { code(n: number): { send(b: unknown): unknown } }) =>
    reply.code(405).send({ detail: 'hlmm trades one market set in its config; the blacklist is read-only.' });
  app.post(`${api}/blacklist`, readOnly);
  app.delete(`${api}/blacklist`, readOnly);

  app.get(`${api}/locks`, async () => ({ lock_count: 0, locks: [] }));

  app.get(`${api}/logs`, async (req, reply) => {
    const limit = intParam((req.query as Record<string, unknown>).limit, 500, 1, 10_000);
    if (limit === null) return reply.code(422).send({ detail: 'limit must be an integer 1–10000.' });
    // Freqtrade's row: [date text, timestamp ms, logger name, level, message].
    const logs = view
      .recentLogs(limit)
      .map((l) => [ftDate(l.tsMs), l.tsMs, 'hlmm', l.level.toUpperCase(), l.msg]);
    return { log_count: logs.length, logs };
  });

  app.get(`${api}/health`, async () => {
    const risk = view.risk();
    const info = view.info();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      last_process: iso(risk.lastMarketMs),
      last_process_ts: risk.lastMarketMs === null ? null : Math.floor(risk.lastMarketMs / 1000),
      bot_start: iso(info.startedMs),
      bot_start_ts: Math.floor(info.startedMs / 1000),
      bot_startup: iso(info.startedMs),
      bot_startup_ts: Math.floor(info.startedMs / 1000),
    };
  });

  app.get(`${api}/sysinfo`, async () => ({
    cpu_pct: sampleCpu(),
    ram_pct: Math.round((1 - os.freemem() / os.totalmem()) * 1000) / 10,
  }));

  // ---- bot control: Freqtrade's words mapped onto quoting ------------------------------------------------------
  app.post(`${api}/start`, async (req) => {
    // Only an operator's stop is undone here: quotes pulled by a risk rule (stale data) come back by themselves.
    const risk = view.risk();
    if (!risk.stoppedByUser && !risk.killSwitch.tripped && !risk.entriesStopped)
      return { status: 'already running' };
    logger.info('api: start quoting', { user: req.apiUser });
    await view.startQuoting();
    return { status: 'starting trader ...' };
  });

  app.post(`${api}/stop`, async (req) => {
    // Checked against the operator's stop, not `quoting`: quotes pulled for stale data would otherwise make the
    // stop a no-op and quoting would resume when data came back.
    if (view.risk().stoppedByUser) return { status: 'already stopped' };
    logger.info('api: stop quoting', { user: req.apiUser });
    await view.stopQuoting('stopped through the API');
    return { status: 'stopping trader ...' };
  });

  // Freqtrade's stopentry: no new entries, open trades still exited. For a market maker: only the side that brings
  // the position back towards zero keeps quoting (nothing rests while flat); /start quotes both sides again.
  const stopEntry = async (req: FastifyRequest) => {
    logger.info('api: stopentry (exits only)', { user: req.apiUser });
    if (view.stopEntries) await view.stopEntries();
    else await view.stopQuoting('stopentry through the API');
    return {
      status:
        'No more entries will occur from now: only the side that reduces the position is quoted. Run /start to quote both sides again.',
    };
  };
  app.post(`${api}/stopentry`, stopEntry);
  app.post(`${api}/stopbuy`, stopEntry);

  // A Freqtrade reload restores max_open_trades from the config, which ends a stopentry — and it is the only way
  // FreqUI offers to undo one (its Start button is greyed while the bot runs). An operator's stop and a tripped
  // kill switch stay as they are: undoing those is /start's job.
  app.post(`${api}/reload_config`, async (req) => {
    logger.info('api: reload config', { user: req.apiUser });
    await view.reloadConfig();
    const risk = view.risk();
    if (risk.entriesStopped && !risk.stoppedByUser && !risk.killSwitch.tripped) {
      logger.info('api: reload config ends the stopentry', { user: req.apiUser });
      await view.startQuoting();
    }
    return { status: 'Reloading config ...' };
  });

  // forceexit {tradeid}: the open round trip is the position, so exiting it flattens the position.
  const forceExit = async (
    req: { body: unknown; apiUser?: string },
    reply: { code(n: number): { send(b: unknown): unknown } },
  ) => {
    const parsed = parseForceExitBody(req.body ?? {});
    if ('detail' in parsed) return reply.code(422).send({ detail: parsed.detail });
    const open = history.trips().find((t) => t.isOpen);
    const wanted = (req.body as { tradeid: unknown }).tradeid;
    if (!open && view.account().positionBase === 0)
      return reply.code(400).send({ detail: 'No open trade: the position is flat.' });
    if (wanted !== 'all' && open && String(wanted) !== String(open.id)) {
      return reply
        .code(400)
        .send({ detail: `Trade ${String(wanted)} is not open; the open trade is ${open.id}.` });
    }
    logger.info('api: forceexit (flatten)', { user: req.apiUser });
    // One flatten behind this, the dashboard button and the kill switch (src/api/flatten-request.ts).
    const answer = await flattenAnswer(view, parsed.request, open?.id ?? 'all');
    logger.info(`api: forceexit answered ${answer.code}`, {
      answer: 'result' in answer.body ? answer.body.result : answer.body.detail,
    });
    return reply.code(answer.code).send(answer.body);
  };
  app.post(`${api}/forceexit`, forceExit);

  // forceenter {pair, side, price?, ordertype?, stakeamount?}: one IOC taker order through the engine, checked
  // against the risk limits. Size = stakeamount ÷ price (USDC → base units), or one lot without a stake amount.
  // Refusals carry `error` too: FreqUI shows that key of a failed force entry (Freqtrade's RPC errors).
  const forceEnter = async (req: FastifyRequest, reply: FastifyReply) => {
    const refuse = (code: number, detail: string) => reply.code(code).send({ detail, error: detail });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const info = view.info();
    if (!view.forceEnter) return refuse(501, 'This bot does not take force entries.');
    if (body.pair !== pairOf(info) && body.pair !== info.ticker)
      return refuse(422, `pair must be ${pairOf(info)} (this bot trades one market).`);
    const sideWord = body.side ?? 'long';
    if (sideWord !== 'long' && sideWord !== 'short') return refuse(422, 'side must be "long" or "short".');
    if (body.ordertype != null && body.ordertype !== 'limit' && body.ordertype !== 'market')
      return refuse(422, 'ordertype must be "limit" or "market".');
    const num = (v: unknown) => (v == null ? undefined : typeof v === 'number' ? v : Number.NaN);
    const price = num(body.price);
    const stake = num(body.stakeamount);
    if (price !== undefined && !(Number.isFinite(price) && price > 0))
      return refuse(422, 'price must be a positive number (USDC).');
    if (stake !== undefined && !(Number.isFinite(stake) && stake > 0))
      return refuse(422, 'stakeamount must be a positive number (USDC).');
    const account = view.account();
    const side = sideWord === 'long' ? 'buy' : 'sell';
    const touch = account.bbo ? (side === 'buy' ? account.bbo.askPx : account.bbo.bidPx) : null;
    const refPx = price ?? touch;
    if (refPx === null) return refuse(400, 'No market data yet to price the entry at; try again shortly.');
    const lot = view.quotes()?.bid?.sz ?? view.quotes()?.ask?.sz ?? null;
    const sz = stake !== undefined ? stake / refPx : lot;
    if (sz === null)
      return refuse(400, 'stakeamount is required until the bot has quoted once (it sets the lot).');
    logger.info('api: forceenter', { user: req.apiUser, side, sz, px: price ?? 'touch' });
    const outcome = await view.forceEnter(side, sz, price);
    if (outcome.status === 'refused') return refuse(400, `Failed to enter position: ${outcome.reason}`);
    return {
      status: `Created entry order: ${outcome.side} ${outcome.sz} at ${outcome.px} (immediate-or-cancel taker; what does not fill at once is cancelled).`,
    };
  };
  app.post(`${api}/forceenter`, forceEnter);
  app.post(`${api}/forcebuy`, forceEnter);
  app.post(`${api}/forcesell`, forceExit);
}

/** The bot's clock: exchange time in a replay (so replayed fills fall on their own days), else the wall clock. */
function botNowMs(view: BotView): number {
  return view.nowMs?.() ?? Date.now();
}
