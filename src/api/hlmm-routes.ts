import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/log.ts';
import type { AccountRisk } from '../engine/account-risk.ts';
import type { BotView } from '../engine/bot-view.ts';
import type { Desk, Desks } from './coins.ts';
import { combineAnswers, flattenAnswer, parseForceExitBody } from './flatten-request.ts';
import type { History } from './history.ts';
import { overviewOf } from './overview.ts';

/**
 * hlmm's own endpoints, for what Freqtrade has no words for: the quotes with the model values behind them, the
 * A–S parameters and their history, inventory, fills, the equity curve and the risk state. Units as in
 * src/engine/bot-view.ts: prices and money in quote currency (USDC), sizes in base units, times in Unix ms.
 *
 * Several coins (`hlmm trade --tickers`): every per-coin route takes `?coin=ETH` (required then; with one coin it
 * may name that coin or be left out). GET /overview is the all-coins view with the account; the controls
 * (POST /stop, /start, /flatten, /kill) act on the coin `?coin=` names, or on every coin without it.
 */

function intQuery(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'string' && value !== '' ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

/** Inventory as the dashboard shows it: position in base units and in lots, its value and the limit. */
export function inventoryOf(view: BotView) {
  const account = view.account();
  const risk = view.risk();
  const quotes = view.quotes();
  const mid = account.mid;
  return {
    positionBase: account.positionBase,
    /** q of the model: position ÷ order size now (the latest quote's q only when the lot is not known). */
    qLots: risk.lotBase ? account.positionBase / risk.lotBase : (quotes?.explain?.qLots ?? null),
    maxPositionLots: risk.maxPositionLots,
    notionalQuote: mid === null ? null : account.positionBase * mid,
    mid,
    unrealizedPnlQuote: account.unrealizedPnlQuote,
  };
}

/** Everything the dashboard needs on (re)connect, in one answer. */
export function snapshotOf(view: BotView, history: History) {
  return {
    info: view.info(),
    account: view.account(),
    risk: view.risk(),
    quotes: view.quotes(),
    openOrders: view.openOrders(),
    params: view.params(),
    inventory: inventoryOf(view),
    recentFills: history.recentFills(50),
    paramsHistory: history.paramsHistory(200),
    equity: history.equityCurve({ maxPoints: 500 }),
    nowMs: view.nowMs?.() ?? Date.now(),
  };
}

/**
 * The coin a per-coin request is about: `?coin=` (ticker or pair), or the only coin. Sends 404 (a coin the bot does
 * not trade) or 422 (several coins, none named) and returns null.
 */
export function deskOfRequest(desks: Desks, req: FastifyRequest, reply: FastifyReply): Desk | null {
  const coin = (req.query as Record<string, unknown>).coin;
  if (coin === undefined || coin === '') {
    if (!desks.multi) return desks.first;
    reply.code(422).send({
      detail: `this bot trades ${desks.names()}: add ?coin=${desks.first.coin} (or another of them) to the request.`,
    });
    return null;
  }
  const desk = desks.find(coin);
  if (!desk) {
    reply.code(404).send({ detail: `this bot does not trade ${String(coin)}; it trades ${desks.names()}.` });
    return null;
  }
  return desk;
}

export function registerHlmmRoutes(
  app: FastifyInstance,
  ctx: { desks: Desks; account: AccountRisk | null; logger: Logger },
): void {
  const { desks, logger } = ctx;
  const base = '/api/v1/hlmm';
  /** A per-coin GET: the handler runs on the coin the request names. */
  const perCoin =
    (handler: (d: Desk, q: Record<string, unknown>) => unknown) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const desk = deskOfRequest(desks, req, reply);
      if (desk === null) return reply;
      return handler(desk, req.query as Record<string, unknown>);
    };

  app.get(`${base}/overview`, async () => overviewOf(desks, ctx.account));

  app.get(
    `${base}/snapshot`,
    perCoin((d) => snapshotOf(d.view, d.history)),
  );

  app.get(
    `${base}/quotes`,
    perCoin((d) => {
      const account = d.view.account();
      return { quotes: d.view.quotes(), bbo: account.bbo, mid: account.mid, openOrders: d.view.openOrders() };
    }),
  );

  app.get(
    `${base}/params`,
    perCoin((d, q) => ({
      ...d.view.params(),
      history: d.history.paramsHistory(intQuery(q.limit, 200, 1, 10_000)),
    })),
  );

  app.get(
    `${base}/inventory`,
    perCoin((d) => inventoryOf(d.view)),
  );

  app.get(
    `${base}/account`,
    perCoin((d) => d.view.account()),
  );

  app.get(
    `${base}/orders`,
    perCoin((d) => ({ openOrders: d.view.openOrders() })),
  );

  /** Our fills, oldest first after `since` (a store id), or the newest `limit` when `since` is absent. */
  app.get(
    `${base}/fills`,
    perCoin((d, q) => {
      const history = d.history;
      const limit = intQuery(q.limit, 100, 1, 5000);
      if (typeof q.since === 'string') {
        const fills = history.fillsSince(intQuery(q.since, 0, 0, Number.MAX_SAFE_INTEGER), limit);
        return { fills, lastId: fills.length > 0 ? fills[fills.length - 1].id : Number(q.since) || 0 };
      }
      const fills = history.recentFills(limit);
      return { fills, lastId: fills.length > 0 ? Math.max(...fills.map((f) => f.id)) : 0 };
    }),
  );

  app.get(
    `${base}/equity`,
    perCoin((d, q) => ({
      points: d.history.equityCurve({
        fromMs: typeof q.from === 'string' ? Number(q.from) || undefined : undefined,
        toMs: typeof q.to === 'string' ? Number(q.to) || undefined : undefined,
        maxPoints: intQuery(q.max_points, 1000, 2, 20_000),
      }),
    })),
  );

  app.get(
    `${base}/risk`,
    perCoin((d, q) => ({ ...d.view.risk(), events: d.history.riskEvents(intQuery(q.limit, 50, 1, 1000)) })),
  );

  // ---- controls: one coin (?coin=) or every coin -----------------------------------------------------------------
  /** The coins a control acts on: the one `?coin=` names, else all (404 for a coin the bot does not trade). */
  const targets = (req: FastifyRequest, reply: FastifyReply): Desk[] | null => {
    const coin = (req.query as Record<string, unknown>).coin;
    if (coin === undefined || coin === '') return [...desks.list];
    const desk = deskOfRequest(desks, req, reply);
    return desk === null ? null : [desk];
  };
  const coinsText = (ds: readonly Desk[]) =>
    ds.length === desks.list.length && desks.multi ? 'every coin' : ds.map((d) => d.coin).join(', ');

  app.post(`${base}/stop`, async (req, reply) => {
    const ds = targets(req, reply);
    if (ds === null) return reply;
    const running = ds.filter((d) => !d.view.risk().stoppedByUser);
    logger.info('api: stop quoting', { user: req.apiUser, coins: ds.map((d) => d.coin).join(',') });
    for (const d of running) await d.view.stopQuoting('stopped through the API');
    return {
      status:
        running.length === 0
          ? `already stopped (${coinsText(ds)})`
          : `stopped quoting on ${coinsText(running)}: resting orders cancelled, positions kept.`,
      coins: ds.map((d) => d.coin),
    };
  });

  app.post(`${base}/start`, async (req, reply) => {
    const ds = targets(req, reply);
    if (ds === null) return reply;
    const held = ds.filter((d) => {
      const r = d.view.risk();
      return r.stoppedByUser || r.killSwitch.tripped || r.entriesStopped;
    });
    logger.info('api: start quoting', { user: req.apiUser, coins: ds.map((d) => d.coin).join(',') });
    for (const d of held) await d.view.startQuoting();
    // Every coin started again: the account's kill switch is re-armed (it trips again if its limit still holds).
    if (ctx.account && ds.length === desks.list.length) ctx.account.killSwitch = null;
    return {
      status: held.length === 0 ? `already running (${coinsText(ds)})` : `starting ${coinsText(held)} ...`,
      coins: ds.map((d) => d.coin),
    };
  });

  // Flatten: the engine's one flatten per coin (reduce-only IOC within the slippage cap); body as forceexit's
  // without tradeid ({"ordertype"?, "amount"?}; amount only with one coin).
  app.post(`${base}/flatten`, async (req, reply) => {
    const ds = targets(req, reply);
    if (ds === null) return reply;
    const parsed = parseForceExitBody({ ...((req.body as object | null) ?? {}), tradeid: 'all' });
    if ('detail' in parsed) return reply.code(422).send({ detail: parsed.detail });
    if (parsed.request.amountBase !== undefined && ds.length > 1)
      return reply.code(422).send({ detail: 'amount goes with one coin: add ?coin= to the request.' });
    const holding = ds.filter((d) => d.view.account().positionBase !== 0);
    if (holding.length === 0)
      return reply.code(400).send({ detail: `No open position on ${coinsText(ds)}: nothing to flatten.` });
    logger.info('api: flatten', { user: req.apiUser, coins: holding.map((d) => d.coin).join(',') });
    const answers = await Promise.all(holding.map((d) => flattenAnswer(d.view, parsed.request, d.coin)));
    const answer = combineAnswers(holding.map((d, i) => ({ coin: d.coin, answer: answers[i] })));
    return reply.code(answer.code).send(answer.body);
  });

  // Kill: the kill switch of the coin, or the account's (every coin): orders cancelled, no quoting until /start.
  app.post(`${base}/kill`, async (req, reply) => {
    const ds = targets(req, reply);
    if (ds === null) return reply;
    const all = ds.length === desks.list.length;
    const reason = all && desks.multi ? 'account kill switch through the API' : 'kill switch through the API';
    for (const d of ds) {
      if (!d.view.tripKillSwitch)
        return reply.code(501).send({ detail: 'This bot cannot trip its kill switch through the API.' });
    }
    logger.warn('api: kill switch', { user: req.apiUser, coins: ds.map((d) => d.coin).join(',') });
    // The account's switch trips every coin of the account; one coin's trips that coin only.
    if (ctx.account && all) ctx.account.tripKillSwitch(reason, desks.first.view.nowMs?.() ?? Date.now());
    for (const d of ds) d.view.tripKillSwitch?.(reason);
    return {
      status: `kill switch tripped on ${coinsText(ds)}: orders cancelled, no quoting until /start.`,
      coins: ds.map((d) => d.coin),
    };
  });
}
