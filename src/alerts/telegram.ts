import type { Alert, AlertKind, AlertSink } from './alerts.ts';
import { causeOf } from './webhook.ts';

/**
 * Telegram through its Bot API: POST {base_url}/bot{token}/sendMessage with {chat_id, text}. The token is a secret:
 * it is in the request path only — never in a log line, an error, a payload or a config dump (errors name the
 * HTTP status and Telegram's description, with the token scrubbed should Telegram echo it).
 */
export interface TelegramSettings {
  /** Default https://api.telegram.org; a stand-in's URL in tests. */
  baseUrl: string;
  token: string;
  chatId: string;
  /** Kinds not sent (config telegram.silent). */
  silent: readonly AlertKind[];
}

const ICONS: Record<AlertKind, string> = {
  entry_fill: '🟢',
  exit_fill: '🔵',
  kill_switch: '🛑',
  stale_data: '⚠️',
  disconnect: '⚠️',
  reconnect: '✅',
  params_refused: '⚠️',
  shutdown: '⏹',
};

export function telegramText(alert: Alert): string {
  return `${ICONS[alert.kind]} ${alert.botName} ${alert.coin}: ${alert.message}`;
}

export class TelegramSink implements AlertSink {
  readonly name = 'telegram';
  constructor(private readonly s: TelegramSettings) {}

  async send(alert: Alert, signal: AbortSignal): Promise<void> {
    if (this.s.silent.includes(alert.kind)) return;
    const url = `${this.s.baseUrl.replace(/\/+$/, '')}/bot${this.s.token}/sendMessage`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: this.s.chatId, text: telegramText(alert) }),
        signal,
      });
    } catch (err) {
      throw new Error(`telegram: no answer (${causeOf(err)})`);
    }
    const answer = (await res.json().catch(() => null)) as { ok?: boolean; description?: string } | null;
    if (!res.ok || answer?.ok !== true) {
      const why = typeof answer?.description === 'string' ? `: ${answer.description}` : '';
      throw new Error(`telegram: HTTP ${res.status}${why}`.split(this.s.token).join('[redacted]'));
    }
  }
}
