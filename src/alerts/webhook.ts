import type { Alert, AlertFieldValue, AlertKind, AlertSink } from './alerts.ts';

/**
 * A Freqtrade-style webhook: POST to `url`, the body form-encoded (Freqtrade's default) or JSON. Per event kind the
 * config may give a template — an object whose string values may name the alert's fields in braces, Freqtrade's
 * way (`{"value1": "Exit fill {amount} {coin} at {price}"}`; `{price:.2f}` rounds to 2 decimals) — or `false` to
 * send nothing for that kind. Without one, the default payload is sent: `type`, `bot_name`, `coin`, `pair`,
 * `timestamp` (Unix ms, bot time), `message` and the alert's fields.
 */
export type WebhookTemplate = Record<string, string | number | boolean | null>;

export interface WebhookSettings {
  url: string;
  format: 'json' | 'form';
  templates: Partial<Record<AlertKind, WebhookTemplate | false | null>>;
}

/** The body's fields: the template filled in, or the default payload. */
export function webhookPayload(
  alert: Alert,
  template: WebhookTemplate | null | undefined,
): Record<string, AlertFieldValue | boolean> {
  const values: Record<string, AlertFieldValue> = {
    type: alert.kind,
    bot_name: alert.botName,
    coin: alert.coin,
    // Freqtrade names futures pairs BASE/QUOTE:SETTLE; Hyperliquid perps settle in USDC.
    pair: `${alert.coin}/USDC:USDC`,
    timestamp: alert.tsMs,
    message: alert.message,
    ...alert.fields,
  };
  if (!template) return values;
  const out: Record<string, AlertFieldValue | boolean> = {};
  for (const [k, v] of Object.entries(template)) out[k] = typeof v === 'string' ? fillTemplate(v, values) : v;
  return out;
}

/** `{name}` and `{name:.Nf}` / `{name:Nf}` (N decimals) replaced; an unknown name stays as written. */
export function fillTemplate(text: string, values: Record<string, AlertFieldValue>): string {
  return text.replace(
    /\{([A-Za-z_][A-Za-z0-9_]*)(?::\.?(\d+)f)?\}/g,
    (whole, name: string, decimals?: string) => {
      if (!(name in values)) return whole;
      const v = values[name];
      if (decimals !== undefined && typeof v === 'number') return v.toFixed(Number(decimals));
      return v === null ? '' : String(v);
    },
  );
}

export function webhookBody(
  payload: Record<string, AlertFieldValue | boolean>,
  format: 'json' | 'form',
): { body: string; contentType: string } {
  if (format === 'json') return { body: JSON.stringify(payload), contentType: 'application/json' };
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(payload)) form.append(k, v === null ? '' : String(v));
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  constructor(private readonly s: WebhookSettings) {}

  /** True when the config silences this kind (`false`). */
  silenced(kind: AlertKind): boolean {
    return this.s.templates[kind] === false;
  }

  async send(alert: Alert, signal: AbortSignal): Promise<void> {
    const t = this.s.templates[alert.kind];
    if (t === false) return;
    const { body, contentType } = webhookBody(webhookPayload(alert, t), this.s.format);
    let res: Response;
    try {
      res = await fetch(this.s.url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
        signal,
      });
    } catch (err) {
      // Never the URL: a webhook URL often carries its key (IFTTT, Discord, Slack).
      throw new Error(`webhook: no answer (${causeOf(err)})`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook: HTTP ${res.status}`);
  }
}

export function causeOf(err: unknown): string {
  if (err instanceof Error && err.name === 'AbortError') return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.name : 'error');
}
