import { scrubKeyMaterialDeep } from '../core/key-material.ts';
import type { HlmmConfig } from './schema.ts';

export const REDACTED = '[redacted]';

/**
 * A copy of the config safe to print, log or serve (show_config, `--json` dumps): the API password, JWT secret
 * and WebSocket tokens are replaced by "[redacted]" when set (an unset one stays "" so a dump shows it is unset).
 * The private key never is in the config — only the name of its environment variable or its file's path.
 */
export function redactedConfig(cfg: HlmmConfig): HlmmConfig {
  const hide = (v: string) => (v === '' ? '' : REDACTED);
  // Scrubbed as a whole too: a key pasted anywhere (a bot name, a URL) must not come out of a dump either.
  return scrubKeyMaterialDeep({
    ...cfg,
    api_server: {
      ...cfg.api_server,
      password: hide(cfg.api_server.password),
      jwt_secret_key: hide(cfg.api_server.jwt_secret_key),
      ws_token: cfg.api_server.ws_token.map(hide),
    },
  });
}
