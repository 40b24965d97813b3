import os from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scrubKeyMaterialDeep } from '../core/key-material.ts';
import type { Logger } from '../core/log.ts';
import type { BotView } from '../engine/bot-view.ts';
import { summarizeTrades, unrealizedQuote } from '../store/round-trips.ts';
import type { Desk, Desks, NumberedTrip } from './coins.ts';
import { combineAnswers, flattenAnswer, parseForceExitBody } from './flatten-request.ts';
import {
  balanceOfCoins,
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

/**
 * Freqtrade's REST endpoints (the set FreqUI and `freqtrade`-style scripts use to show and steer a bot), answered
 * from the running bot (BotView) and its SQLite history. Field names follow Freqtrade's api_schemas.py.
 *
 * Several coins (`hlmm trade --tickers`) answer as one Freqtrade bot trading several pairs (freqtrade/rpc/rpc.py):
 * the whitelist lists every pair; /status, /trades, /trade/{id} cover every coin with one trade-id sequence
 * (coins.ts); /profit, /daily…, /stats sum over the coins; /performance has one row per pair, best first; /count
 * counts every open trade against one per coin; /balance is the one USDC account plus each coin's position; start,
 * stop, stopentry and reload_config act on every coin; forceexit "all" flattens every coin, a trade id that
 * trade's coin; forceenter the coin of its pair.
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
  deps: {
    desks: Desks;
    logger: Logger;
    /** After /start resumed coins: the account's kill switch is re-armed (several coins). */
    onStartAll?: () => void;
  },
): void {
  const { desks, logger } = deps;
  const { first } = desks;
  const view = first.view;
  const api = '/api/v1';
  const sampleCpu = cpuSampler();

  const context = (desk: Desk = first): FreqtradeContext => {
    const account = desk.view.account();
    return {
      info: desk.view.info(),
      markPx: account.mid,
      startingBalanceQuote: account.startingBalanceQuote,
    };
  };
  const asOpen = (n: NumberedTrip) =>
    tradeToFreqtrade(n.trip, context(n.desk), n.desk.view.openOrders(), { status: true });
  const allRisks = () => desks.list.map((d) => d.view.risk());

  app.get(`${api}/ping`, async () => ({ status: 'pong' }));
  app.get(`${api}/version`, async () => ({ version: view.info().version }));
  // Scrubbed: no value served here may carry a 64-hex-digit secret, wherever it came from.
  app.get(`${api}/show_config`, async () => {
    const base = showConfigToFreqtrade(view.info(), view.risk(), {
      forceEntry: view.forceEnter !== undefined,
    });
    if (!desks.multi) return scrubKeyMaterialDeep(base);
    const risks = allRisks();
    return scrubKeyMaterialDeep({
      ...base,
      // One round trip per coin can be open at a time; a stopentry coin takes none (Freqtrade: 0 after stopentry).
      max_open_trades: risks.filter((r) => !r.entriesStopped).length,
      state: risks.some((r) => r.quoting) ? 'running' : 'stopped',
      ticker: desks.list.map((d) => d.coin).join(','),
      tickers: desks.list.map((d) => d.coin),
    });
  });

  app.get(`${api}/status`, async () =>
    desks
      .trades(true)
      .filter((n) => n.trip.isOpen)
      .map(asOpen),
  );

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
    const closed = desks.trades(true).filter((n) => !n.trip.isOpen);
    // Freqtrade orders a page by trade id (order_by_id) and the whole list (limit 0) by close date, newest first.
    const chosen =
      limit === 0
        ? [...closed].sort((x, y) => (y.trip.closeMs ?? 0) - (x.trip.closeMs ?? 0))
        : closed.slice(offset, offset + limit);
    const page = chosen.map((n) => tradeToFreqtrade(n.trip, context(n.desk), []));
    return { trades: page, trades_count: page.length, offset, total_trades: closed.length };
  });

  const tradeIdOf = (req: { params: unknown }): number | null => {
    const raw = (req.params as { tradeid: string }).tradeid;
    const id = Number(raw);
    return /^\d+$/.test(raw) && Number.isSafeInteger(id) ? id : null;
  };
  const findTrip = (id: number | null): NumberedTrip | undefined =>
    id === null ? undefined : desks.trades(true).find((n) => n.trip.id === id);
  const tradeIdError = (reply: FastifyReply) =>
    reply.code(422).send({ detail: 'tradeid must be an integer (the trade_id of /status or /trades).' });

  app.get(`${api}/trade/:tradeid`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    const found = findTrip(id);
    if (!found) return reply.code(404).send({ detail: 'Trade not found.' });
    return asOpen(found);
  });

  // DELETE /trades/{id}: Freqtrade forgets the trade. hlmm keeps the fills (the account and PnL are built from
  // them) and stops listing the trade; the open trade is the live position and cannot be forgotten.
  app.delete(`${api}/trades/:tradeid`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    const found = findTrip(id);
    if (!found) return reply.code(404).send({ detail: `Trade ${id} not found.` });
    if (found.trip.isOpen) {
      return reply.code(400).send({
        detail: `Trade ${id} is the open position; exit it first (forceexit), then delete it.`,
      });
    }
    found.desk.history.hideTrip(found.local, botNowMs(found.desk.view));
    logger.info('api: trade deleted from the lists', {
      user: req.apiUser,
      trade: id,
      ...(desks.multi ? { coin: found.desk.coin } : {}),
    });
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
    const found = findTrip(id);
    if (!found?.trip.isOpen) return reply.code(400).send({ detail: 'Invalid trade_id.' });
    const coinView = found.desk.view;
    if (coinView.openOrders().length === 0)
      return reply.code(400).send({ detail: 'No open order for trade_id.' });
    if (!coinView.cancelOpenOrders)
      return reply.code(501).send({ detail: 'This bot cannot cancel orders through the API.' });
    logger.info('api: cancel open orders', { user: req.apiUser, trade: id });
    await coinView.cancelOpenOrders();
    return asOpen(findTrip(id) ?? found);
  });

  // POST /trades/{id}/reload: Freqtrade re-reads the trade's orders from the exchange; hlmm re-reads its fills
  // from the store (where the live venue and the position check write what the exchange reported).
  app.post(`${api}/trades/:tradeid/reload`, async (req, reply) => {
    const id = tradeIdOf(req);
    if (id === null) return tradeIdError(reply);
    for (const d of desks.list) d.history.reload();
    const found = findTrip(id);
    if (!found) return reply.code(404).send({ detail: `Could not find trade with id ${id}.` });
    return asOpen(found);
  });

  app.get(`${api}/profit`, async () => {
    const ctx = context();
    if (!desks.multi) {
      const history = first.history;
      return profitToFreqtrade(
        history.trips(),
        history.summary(ctx.markPx, ctx.startingBalanceQuote),
        ctx,
        botNowMs(view),
      );
    }
    // Every coin's trades in one list; the open ones valued at their own coin's mid.
    const all = desks.trades(false);
    const trips = all.map((n) => n.trip);
    const markOf = new Map(all.map((n) => [n.trip, n.desk.view.account().mid]));
    const pairOfTrip = new Map(all.map((n) => [n.trip, n.desk.pair]));
    const summary = summarizeTrades(trips, { startingBalanceQuote: ctx.startingBalanceQuote });
    let unrealized = 0;
    for (const n of all) {
      const mark = markOf.get(n.trip) ?? null;
      if (n.trip.isOpen && mark !== null) unrealized += unrealizedQuote(n.trip, mark);
    }
    return profitToFreqtrade(
      trips,
      { ...summary, profitAllQuote: summary.profitAllQuote + unrealized },
      ctx,
      botNowMs(view),
      {
        markPxOf: (t) => markOf.get(t) ?? null,
        pairOf: (t) => pairOfTrip.get(t) ?? first.pair,
      },
    );
  });

  app.get(`${api}/balance`, async () =>
    desks.multi
      ? balanceOfCoins(desks.list.map((d) => ({ account: d.view.account(), info: d.view.info() })))
      : balanceToFreqtrade(view.account(), view.info()),
  );

  app.get(`${api}/count`, async () => {
    const open = desks.trades(true).filter((n) => n.trip.isOpen);
    const stake = open.reduce(
      (s, n) => s + n.trip.openPositionBase * (n.trip.costBasisPx ?? n.trip.avgOpenPx),
      0,
    );
    // One open round trip per coin at most; none for a coin after its stopentry.
    const max = allRisks().filter((r) => !r.entriesStopped).length;
    return { current: open.length, max, total_stake: stake };
  });

  app.get(`${api}/performance`, async () => {
    const rows = [];
    for (const d of desks.list) {
      const closed = d.history.listedTrips().filter((t) => !t.isOpen);
      if (closed.length === 0) continue;
      const ratio = closed.reduce((s, t) => s + t.profitRatio, 0);
      rows.push({
        pair: d.pair,
        profit: pct(ratio),
        profit_ratio: ratio,
        profit_pct: pct(ratio),
        profit_abs: closed.reduce((s, t) => s + t.profitQuote, 0),
        count: closed.length,
      });
    }
    // Freqtrade: best pair (largest absolute profit) first.
    return rows.sort((a, b) => b.profit_abs - a.profit_abs);
  });

  const listedTrips = () => desks.trades(true).map((n) => n.trip);

  // /daily, /weekly, /monthly: Freqtrade takes any timescale ≥ 1 (defaults 7 days, 4 weeks, 3 months).
  const timeUnit = (unit: TimeUnit, fallback: number) => async (req: FastifyRequest, reply: FastifyReply) => {
    const n = intParam(
      (req.query as Record<string, unknown>).timescale,
      fallback,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    if (n === null) return reply.code(422).send({ detail: 'timescale must be an integer greater than 0.' });
    return timeUnitProfit(listedTrips(), {
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

  app.get(`${api}/stats`, async () => statsOf(listedTrips()));
  /** `?pair=` of another market: none of our trades (Freqtrade filters by pair); without it, every coin's. */
  const ofPair = (req: FastifyRequest) => {
    const pair = (req.query as Record<string, unknown>).pair;
    if (typeof pair !== 'string' || pair === '') return listedTrips();
    const desk = desks.list.find((d) => d.pair === pair);
    return desk ? desk.history.listedTrips() : [];
  };
  app.get(`${api}/entries`, async (req) => entriesOf(ofPair(req)));
  app.get(`${api}/exits`, async (req) => exitsOf(ofPair(req)));
  app.get(`${api}/mix_tags`, async (req) => mixTagsOf(ofPair(req)));

  app.get(`${api}/whitelist`, async () => ({
    whitelist: desks.list.map((d) => d.pair),
    length: desks.list.length,
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
    // Freqtrade's row: [date text, timestamp ms, logger name, level, message]; with several coins the logger
    // name says the coin (hlmm.ETH) and the lines of all coins are merged in time order.
    const lines = desks.list.flatMap((d) =>
      d.view.recentLogs(limit).map((l) => ({ ...l, name: desks.multi ? `hlmm.${d.coin}` : 'hlmm' })),
    );
    if (desks.multi) lines.sort((a, b) => a.tsMs - b.tsMs);
    const logs = lines
      .slice(-limit)
      .map((l) => [ftDate(l.tsMs), l.tsMs, l.name, l.level.toUpperCase(), l.msg]);
    return { log_count: logs.length, logs };
  });

  app.get(`${api}/health`, async () => {
    const last = allRisks().reduce<number | null>(
      (m, r) => (r.lastMarketMs === null ? m : m === null ? r.lastMarketMs : Math.max(m, r.lastMarketMs)),
      null,
    );
    const startedMs = Math.min(...desks.list.map((d) => d.view.info().startedMs));
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      last_process: iso(last),
      last_process_ts: last === null ? null : Math.floor(last / 1000),
      bot_start: iso(startedMs),
      bot_start_ts: Math.floor(startedMs / 1000),
      bot_startup: iso(startedMs),
      bot_startup_ts: Math.floor(startedMs / 1000),
    };
  });

  app.get(`${api}/sysinfo`, async () => ({
    cpu_pct: sampleCpu(),
    ram_pct: Math.round((1 - os.freemem() / os.totalmem()) * 1000) / 10,
  }));

  // ---- bot control: Freqtrade's words mapped onto quoting, on every coin --------------------------------------
  app.post(`${api}/start`, async (req) => {
    // Only an operator's stop is undone here: quotes pulled by a risk rule (stale data) come back by themselves.
    const held = desks.list.filter((d) => {
      const risk = d.view.risk();
      return risk.stoppedByUser || risk.killSwitch.tripped || risk.entriesStopped;
    });
    if (held.length === 0) return { status: 'already running' };
    logger.info('api: start quoting', { user: req.apiUser });
    for (const d of held) await d.view.startQuoting();
    deps.onStartAll?.();
    return { status: 'starting trader ...' };
  });

  app.post(`${api}/stop`, async (req) => {
    // Checked against the operator's stop, not `quoting`: quotes pulled for stale data would otherwise make the
    // stop a no-op and quoting would resume when data came back.
    const running = desks.list.filter((d) => !d.view.risk().stoppedByUser);
    if (running.length === 0) return { status: 'already stopped' };
    logger.info('api: stop quoting', { user: req.apiUser });
    for (const d of running) await d.view.stopQuoting('stopped through the API');
    return { status: 'stopping trader ...' };
  });

  // Freqtrade's stopentry: no new entries, open trades still exited. For a market maker: only the side that brings
  // the position back towards zero keeps quoting (nothing rests while flat); /start quotes both sides again.
  const stopEntry = async (req: FastifyRequest) => {
    logger.info('api: stopentry (exits only)', { user: req.apiUser });
    for (const d of desks.list) {
      if (d.view.stopEntries) await d.view.stopEntries();
      else await d.view.stopQuoting('stopentry through the API');
    }
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
    for (const d of desks.list) await d.view.reloadConfig();
    for (const d of desks.list) {
      const risk = d.view.risk();
      if (risk.entriesStopped && !risk.stoppedByUser && !risk.killSwitch.tripped) {
        logger.info('api: reload config ends the stopentry', {
          user: req.apiUser,
          ...(desks.multi ? { coin: d.coin } : {}),
        });
        await d.view.startQuoting();
      }
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
    if (desks.multi) return forceExitCoins(req, reply, parsed.request);
    const history = first.history;
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

  /** forceexit with several coins: "all" flattens every coin holding a position, a trade id that trade's coin. */
  const forceExitCoins = async (
    req: { body: unknown; apiUser?: string },
    reply: { code(n: number): { send(b: unknown): unknown } },
    request: Parameters<typeof flattenAnswer>[1],
  ) => {
    const wanted = (req.body as { tradeid: unknown }).tradeid;
    const open = desks.trades(false).filter((n) => n.trip.isOpen);
    let targets: { desk: Desk; trade: string | number }[];
    if (wanted === 'all') {
      if (request.amountBase !== undefined)
        return reply.code(422).send({
          detail: `amount goes with one trade id: this bot trades ${desks.names()}; pass the tradeid of the coin's open trade (GET /status).`,
        });
      targets = desks.list
        .filter((d) => d.view.account().positionBase !== 0 || open.some((n) => n.desk === d))
        .map((d) => ({ desk: d, trade: open.find((n) => n.desk === d)?.trip.id ?? 'all' }));
      if (targets.length === 0)
        return reply.code(400).send({ detail: 'No open trade: every position is flat.' });
    } else {
      const n = open.find((x) => String(x.trip.id) === String(wanted));
      if (!n) {
        const ids = open.map((x) => `${x.trip.id} (${x.desk.coin})`).join(', ');
        return reply.code(400).send({
          detail: `Trade ${String(wanted)} is not open; ${ids === '' ? 'every position is flat' : `the open trades are ${ids}`}.`,
        });
      }
      targets = [{ desk: n.desk, trade: n.trip.id }];
    }
    logger.info('api: forceexit (flatten)', {
      user: req.apiUser,
      coins: targets.map((t) => t.desk.coin).join(','),
    });
    const answers = await Promise.all(targets.map((t) => flattenAnswer(t.desk.view, request, t.trade)));
    const answer = combineAnswers(targets.map((t, i) => ({ coin: t.desk.coin, answer: answers[i] })));
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
    const desk = desks.multi ? desks.find(body.pair) : first;
    if (desk === undefined)
      return refuse(
        422,
        `pair must be one of ${desks.list.map((d) => d.pair).join(', ')} (the pairs this bot trades).`,
      );
    const coinView = desk.view;
    const info = coinView.info();
    if (!coinView.forceEnter) return refuse(501, 'This bot does not take force entries.');
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
    const account = coinView.account();
    const side = sideWord === 'long' ? 'buy' : 'sell';
    const touch = account.bbo ? (side === 'buy' ? account.bbo.askPx : account.bbo.bidPx) : null;
    const refPx = price ?? touch;
    if (refPx === null) return refuse(400, 'No market data yet to price the entry at; try again shortly.');
    const lot = coinView.quotes()?.bid?.sz ?? coinView.quotes()?.ask?.sz ?? null;
    const sz = stake !== undefined ? stake / refPx : lot;
    if (sz === null)
      return refuse(400, 'stakeamount is required until the bot has quoted once (it sets the lot).');
    logger.info('api: forceenter', {
      user: req.apiUser,
      side,
      sz,
      px: price ?? 'touch',
      ...(desks.multi ? { coin: desk.coin } : {}),
    });
    const outcome = await coinView.forceEnter(side, sz, price);
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
