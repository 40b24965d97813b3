/**
 * The monitoring API and dashboard of `hlmm trade --tickers` (several coins, one account): one server on the
 * port and with the password rules of `hlmm trade --ticker` (monitoringApiSettings), serving every coin — each
 * with its own history recorder (markouts, 2 h of quotes) and chart tape — and the account's risk state.
 */
import type { HlmmConfig } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import type { AccountRisk } from '../engine/account-risk.ts';
import { BotInsight } from '../engine/bot-insight.ts';
import type { TradingEngine } from '../engine/trading-engine.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { monitoringApiSettings, type TradeCommandOptions } from './trade-options.ts';

export interface MultiApi {
  url: string;
  close(): Promise<void>;
}

/** Starts the API for every coin's engine; null when the API is off (--api-port 0 or api_server.enabled false). */
export async function startMultiApi(args: {
  o: TradeCommandOptions;
  cfg: HlmmConfig;
  engines: ReadonlyMap<string, TradingEngine>;
  account: AccountRisk;
  store: TradeStore;
  logger: Logger;
}): Promise<MultiApi | null> {
  const { o, cfg, logger } = args;
  const settings = monitoringApiSettings(o, cfg);
  if (settings === null) return null;
  const { startApiServer } = await import('../api/server.ts');
  const { MarketTape } = await import('../api/candles.ts');
  const unsubscribe: (() => void)[] = [];
  const coins = [...args.engines.values()].map((engine) => {
    const insight = new BotInsight(() => engine.openOrders());
    unsubscribe.push(engine.subscribeEvents(insight));
    // The parameters already loaded count from the first bot time.
    insight.params(engine.params());
    const tape = new MarketTape(() => engine.quotes());
    unsubscribe.push(engine.subscribeEvents(tape));
    return { view: engine, insight, tape };
  });
  const first = coins[0];
  try {
    const api = await startApiServer({
      view: first.view,
      coins,
      account: args.account,
      store: args.store,
      // Recorded market files of the coins, for FreqUI's /pair_history.
      dataDir: o.replay ?? o.collect,
      ...settings,
      corsOrigins: o.apiCors ?? cfg.api_server.CORS_origins,
      wsToken: cfg.api_server.ws_token[0],
      allowedHosts: o.apiAllowedHosts ?? cfg.api_server.allowed_hosts,
      logger: logger.child('api'),
      webRoot: o.apiWebRoot,
    });
    logger.info('monitoring API listening', {
      url: api.url,
      user: settings.username,
      coins: [...args.engines.keys()].join(','),
    });
    return {
      url: api.url,
      close: async () => {
        await api.close().catch(() => {});
        for (const u of unsubscribe) u();
      },
    };
  } catch (err) {
    for (const u of unsubscribe) u();
    throw err;
  }
}
