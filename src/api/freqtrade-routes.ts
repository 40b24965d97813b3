import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { scrubKeyMaterialDeep } from '../config/key-material.ts';
import type { Logger } from '../core/log.ts';
import type { BotView } from '../engine/bot-view.ts';
import { flattenAnswer, parseForceExitBody } from './flatten-request.ts';
import {
  balanceToFreqtrade,
  dailyToFreqtrade,
  type FreqtradeContext,
  ftDate,
  pairOf,
  pct,
  profitToFreqtrade,
  showConfigToFreqtrade,
  tradeToFreqtrade,
} from './freqtrade-shapes.ts';
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
    scrubKeyMaterialDeep(showConfigToFreqtrade(view.info(), view.risk())),
  );

  app.get(`${api}/status`, async () => {
    const ctx = context();
    const hasOrders = view.openOrders().length > 0;
    return history
      .trips()
      .filter((t) => t.isOpen)
      .map((t) => tradeToFreqtrade(t, ctx, hasOrders));
  });

  app.get(`${api}/trades`, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const limit = intParam(q.limit, 500, 1, 500);
    const offset = intParam(q.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    if (limit === null || offset === null) {
      return reply.code(422).send({ detail: 'limit must be an integer 1–500 and offset an integer ≥ 0.' });
    }
    const ctx = context();
    // Freqtrade lists closed trades only, oldest first (order_by_id).
    const closed = history.trips().filter((t) => !t.isOpen);
    const page = closed.slice(offset, offset + limit).map((t) => tradeToFreqtrade(t, ctx, false));
    return { trades: page, trades_count: page.length, offset, total_trades: closed.length };
  });

  app.get(`${api}/trade/:tradeid`, async (req, reply) => {
    const id = Number((req.params as { tradeid: string }).tradeid);
    const trip = history.trips().find((t) => t.id === id);
    if (!trip) return reply.code(404).send({ detail: 'Trade not found.' });
    return tradeToFreqtrade(trip, context(), view.openOrders().length > 0);
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
    const open = history.trips().filter((t) => t.isOpen);
    const stake = open.reduce((s, t) => s + t.openPositionBase * (t.costBasisPx ?? t.avgOpenPx), 0);
    return { current: open.length, max: 1, total_stake: stake };
  });

  app.get(`${api}/performance`, async () => {
    const closed = history.trips().filter((t) => !t.isOpen);
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

  app.get(`${api}/daily`, async (req, reply) => {
    const days = intParam((req.query as Record<string, unknown>).timescale, 7, 1, 365);
    if (days === null) return reply.code(422).send({ detail: 'timescale must be an integer 1–365.' });
    const account = view.account();
    return dailyToFreqtrade(
      history.trips(),
      days,
      account.startingBalanceQuote,
      botNowMs(view),
      view.info().stakeCurrency,
    );
  });

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
    if (!risk.stoppedByUser && !risk.killSwitch.tripped) return { status: 'already running' };
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

  // A market maker's every quote is an entry; "no new entries" therefore means no quotes. The position is kept.
  app.post(`${api}/stopentry`, async (req) => {
    logger.info('api: stopentry (stop quoting)', { user: req.apiUser });
    await view.stopQuoting('stopentry through the API');
    return {
      status:
        'No more entries will occur from now: quoting stopped, position kept. Run /start to quote again.',
    };
  });
  app.post(`${api}/stopbuy`, async (req) => {
    await view.stopQuoting('stopentry through the API');
    logger.info('api: stopbuy (stop quoting)', { user: req.apiUser });
    return { status: 'No more entries will occur from now: quoting stopped. Run /start to quote again.' };
  });

  app.post(`${api}/reload_config`, async (req) => {
    logger.info('api: reload config', { user: req.apiUser });
    await view.reloadConfig();
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
  app.post(`${api}/forcesell`, forceExit);
}

/** The bot's clock: exchange time in a replay (so replayed fills fall on their own days), else the wall clock. */
function botNowMs(view: BotView): number {
  return view.nowMs?.() ?? Date.now();
}
