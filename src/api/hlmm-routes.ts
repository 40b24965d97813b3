import type { FastifyInstance } from 'fastify';
import type { BotView } from '../engine/bot-view.ts';
import type { History } from './history.ts';

/**
 * hlmm's own endpoints, for what Freqtrade has no words for: the quotes with the model values behind them, the
 * A–S parameters and their history, inventory, fills, the equity curve and the risk state. Units as in
 * src/engine/bot-view.ts: prices and money in quote currency (USDC), sizes in base units, times in Unix ms.
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
    /** q of the model: position ÷ order size (from the latest quote explanation), when known. */
    qLots: quotes?.explain?.qLots ?? null,
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

export function registerHlmmRoutes(app: FastifyInstance, ctx: { view: BotView; history: History }): void {
  const { view, history } = ctx;
  const base = '/api/v1/hlmm';

  app.get(`${base}/snapshot`, async () => snapshotOf(view, history));

  app.get(`${base}/quotes`, async () => {
    const account = view.account();
    return { quotes: view.quotes(), bbo: account.bbo, mid: account.mid, openOrders: view.openOrders() };
  });

  app.get(`${base}/params`, async (req) => {
    const q = req.query as Record<string, unknown>;
    return { ...view.params(), history: history.paramsHistory(intQuery(q.limit, 200, 1, 10_000)) };
  });

  app.get(`${base}/inventory`, async () => inventoryOf(view));

  app.get(`${base}/account`, async () => view.account());

  app.get(`${base}/orders`, async () => ({ openOrders: view.openOrders() }));

  /** Our fills, oldest first after `since` (a store id), or the newest `limit` when `since` is absent. */
  app.get(`${base}/fills`, async (req) => {
    const q = req.query as Record<string, unknown>;
    const limit = intQuery(q.limit, 100, 1, 5000);
    if (typeof q.since === 'string') {
      const fills = history.fillsSince(intQuery(q.since, 0, 0, Number.MAX_SAFE_INTEGER), limit);
      return { fills, lastId: fills.length > 0 ? fills[fills.length - 1].id : Number(q.since) || 0 };
    }
    const fills = history.recentFills(limit);
    return { fills, lastId: fills.length > 0 ? Math.max(...fills.map((f) => f.id)) : 0 };
  });

  app.get(`${base}/equity`, async (req) => {
    const q = req.query as Record<string, unknown>;
    return {
      points: history.equityCurve({
        fromMs: typeof q.from === 'string' ? Number(q.from) || undefined : undefined,
        toMs: typeof q.to === 'string' ? Number(q.to) || undefined : undefined,
        maxPoints: intQuery(q.max_points, 1000, 2, 20_000),
      }),
    };
  });

  app.get(`${base}/risk`, async (req) => {
    const q = req.query as Record<string, unknown>;
    return { ...view.risk(), events: history.riskEvents(intQuery(q.limit, 50, 1, 1000)) };
  });
}
