import type { HlmmConfig } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { ALERT_KINDS, AlertDispatcher, type AlertSink, AlertSubscriber } from './alerts.ts';
import { TelegramSink } from './telegram.ts';
import { WebhookSink } from './webhook.ts';

export interface Alerts {
  subscriber: AlertSubscriber;
  dispatcher: AlertDispatcher;
  /** Where alerts go, for the start-up log line (never the URL or the token). */
  sinks: string[];
}

/**
 * The alert sinks the config turns on (webhook, telegram), or null when none is. A sink turned on without what it
 * needs is one sentence naming the key.
 */
export function alertsFor(
  cfg: HlmmConfig,
  w: { botName: string; coin: string; logger: Logger | null; env?: NodeJS.ProcessEnv },
): Alerts | null {
  const built = alertDispatcherFor(cfg, w);
  if (built === null) return null;
  return { ...built, subscriber: new AlertSubscriber(built.dispatcher, w.botName, w.coin) };
}

/** Several coins in one bot: one dispatcher (one queue per sink), one subscriber per coin naming its coin. */
export interface CoinsAlerts {
  dispatcher: AlertDispatcher;
  subscribers: Map<string, AlertSubscriber>;
  sinks: string[];
}

export function alertsForCoins(
  cfg: HlmmConfig,
  w: { botName: string; coins: readonly string[]; logger: Logger | null; env?: NodeJS.ProcessEnv },
): CoinsAlerts | null {
  const built = alertDispatcherFor(cfg, w);
  if (built === null) return null;
  const subscribers = new Map<string, AlertSubscriber>();
  for (const coin of w.coins) subscribers.set(coin, new AlertSubscriber(built.dispatcher, w.botName, coin));
  return { ...built, subscribers };
}

function alertDispatcherFor(
  cfg: HlmmConfig,
  w: { logger: Logger | null; env?: NodeJS.ProcessEnv },
): { dispatcher: AlertDispatcher; sinks: string[] } | null {
  const env = w.env ?? process.env;
  const sinks: AlertSink[] = [];
  const wh = cfg.webhook;
  if (wh.enabled) {
    if (wh.url === null)
      throw new UserError(
        '"webhook.enabled" is true but "webhook.url" is not set; give the URL to POST alerts to.',
      );
    const templates = Object.fromEntries(ALERT_KINDS.map((k) => [k, wh[k]]));
    sinks.push(new WebhookSink({ url: wh.url, format: wh.format, templates }));
  }
  const tg = cfg.telegram;
  if (tg.enabled) {
    const token = env.HLMM_TELEGRAM_TOKEN?.trim() || tg.token;
    if (token === '')
      throw new UserError(
        '"telegram.enabled" is true but no bot token is set; put it in HLMM_TELEGRAM_TOKEN (or "telegram.token").',
      );
    if (tg.chat_id === '')
      throw new UserError(
        '"telegram.enabled" is true but "telegram.chat_id" is not set; give the chat to send to.',
      );
    sinks.push(new TelegramSink({ baseUrl: tg.base_url, token, chatId: tg.chat_id, silent: tg.silent }));
  }
  if (sinks.length === 0) return null;
  const dispatcher = new AlertDispatcher(
    sinks,
    { retries: wh.retries, retryDelayMs: wh.retry_delay * 1000, timeoutMs: wh.timeout * 1000 },
    w.logger,
  );
  return { dispatcher, sinks: sinks.map((s) => s.name) };
}
