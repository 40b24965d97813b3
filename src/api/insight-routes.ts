import type { FastifyInstance } from 'fastify';
import { markoutsJson } from '../engine/markouts.ts';
import type { Desks } from './coins.ts';
import { deskOfRequest } from './hlmm-routes.ts';

/**
 * The running bot's markouts and its recent market history, for the dashboard (and anyone watching):
 * - GET /api/v1/hlmm/markouts — signed mid move after our fills at 1, 10 and 60 s (USDC per unit and bps;
 *   positive = good for us), mean, p10/p50/p90 and count, over the latest 10 000 fills.
 * - GET /api/v1/hlmm/history?minutes=60[&after_ms=T] — one row per bot second: best bid/ask, our quotes; our
 *   fills; the parameters in force — all on the bot's clock (exchange time in a replay), null values at holes in
 *   the data. `after_ms` (Unix ms, bot clock) keeps only the rows and fills stamped after it, for polling.
 * Without a recorder (a test server) both answer 404 with a sentence. With several coins, `?coin=ETH` names the
 * coin (each has its own recorder).
 */
export function registerInsightRoutes(app: FastifyInstance, ctx: { desks: Desks }): void {
  const base = '/api/v1/hlmm';
  const missing = { detail: 'This bot keeps no market history (it runs without the history recorder).' };

  app.get(`${base}/markouts`, async (req, reply) => {
    const desk = deskOfRequest(ctx.desks, req, reply);
    if (desk === null) return reply;
    if (desk.insight === null) return reply.code(404).send(missing);
    return markoutsJson(desk.insight.markouts.summary());
  });

  app.get(`${base}/history`, async (req, reply) => {
    const desk = deskOfRequest(ctx.desks, req, reply);
    if (desk === null) return reply;
    const insight = desk.insight;
    if (insight === null) return reply.code(404).send(missing);
    const q = req.query as Record<string, unknown>;
    const raw = typeof q.minutes === 'string' ? Number(q.minutes) : 60;
    if (!Number.isFinite(raw) || raw <= 0 || raw > 120) {
      return reply.code(422).send({ detail: 'minutes must be a number from 1 to 120 (bot-clock minutes).' });
    }
    const after = typeof q.after_ms === 'string' ? Number(q.after_ms) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(after)) {
      return reply.code(422).send({ detail: 'after_ms must be a time in Unix milliseconds (bot clock).' });
    }
    return insight.history(raw * 60_000, after);
  });
}
