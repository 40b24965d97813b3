import { scrubKeyMaterialDeep } from '../core/key-material.ts';
import type { HlmmConfig } from './schema.ts';

export const REDACTED = '[redacted]';

/**
 * A copy of the config safe to print, log or serve (show_config, `--json` dumps): the API password, JWT secret,
 * WebSocket tokens and Telegram token are replaced by "[redacted]" when set (an unset one stays "" so a dump shows
 * it is unset); the webhook URL keeps its origin only.
 * The private key never is in the config — only the name of its environment variable or its file's path.
 */
export function redactedConfig(cfg: HlmmConfig): HlmmConfig {
  const hide = (v: string) => (v === '' ? '' : REDACTED);
  // Scrubbed as a whole too: a key pasted anywhere (a bot name, a URL) must not come out of a dump either.
  return scrubKeyMaterialDeep({
    ...cfg,
    webhook: { ...cfg.webhook, url: cfg.webhook.url === null ? null : redactUrl(cfg.webhook.url) },
    telegram: { ...cfg.telegram, token: hide(cfg.telegram.token) },
    api_server: {
      ...cfg.api_server,
      password: hide(cfg.api_server.password),
      jwt_secret_key: hide(cfg.api_server.jwt_secret_key),
      ws_token: cfg.api_server.ws_token.map(hide),
    },
  });
}

/** A URL with only its origin shown: webhook URLs carry their key in the path or query (IFTTT, Discord, Slack). */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/${REDACTED}`;
  } catch {
    return REDACTED;
  }
}
