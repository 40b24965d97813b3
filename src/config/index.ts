/** The bot's config file: schema, loading with one-sentence errors, redaction, and the private key's source. */

export { looksLikePrivateKey, scrubKeyMaterial } from '../core/key-material.ts';
export { apiExposureProblem, isLoopbackHost } from './api-exposure.ts';
export {
  apiServerExposureProblem,
  closestKey,
  defaultConfig,
  isSecretPath,
  loadConfig,
  parseConfig,
  SECRET_ENV_OVERRIDES,
  SECRET_PATHS,
} from './load-config.ts';
export { type PrivateKeySource, readPrivateKey } from './private-key.ts';
export { REDACTED, redactedConfig } from './redact.ts';
export { configSchema, type HlmmConfig, type HlmmConfigInput, NETWORK_URLS } from './schema.ts';
export { strategySettings } from './strategy-settings.ts';
