import { isIP } from 'node:net';

/**
 * When the monitoring API may listen where other machines can reach it. Anyone who reaches the port with the
 * credentials can stop the bot, flatten the position and read the account, so beyond loopback every credential
 * must be of real strength. One rule, used by the config check, the trade start-up (after flags) and the server.
 */

/** Passwords and secrets from Freqtrade's and hlmm's examples, or trivially guessable. */
const WELL_KNOWN_SECRETS = new Set([
  '',
  'password',
  'freqtrader',
  'freqtrade',
  'supersecurepassword',
  'somethingrandom',
  'super-secret',
  'supersecret',
  'secret',
  'changeme',
  'change-me',
  'hlmm',
  'admin',
  'secret_ws_t0ken.',
]);

export function isWellKnownSecret(value: string): boolean {
  return WELL_KNOWN_SECRETS.has(value.trim().toLowerCase());
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/**
 * A crude upper bound of a secret's entropy in bits: length × log2(size of the character classes it uses). It
 * cannot tell a random string from a clever pattern, but it refuses the short, digit-only secrets people type
 * ("1234567890123456" ≈ 53 bits); `distinctChars` below catches repetition ("aaaa…").
 */
export function estimatedEntropyBits(secret: string): number {
  let alphabet = 0;
  if (/[a-z]/.test(secret)) alphabet += 26;
  if (/[A-Z]/.test(secret)) alphabet += 26;
  if (/[0-9]/.test(secret)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(secret)) alphabet += 33;
  return alphabet === 0 ? 0 : secret.length * Math.log2(alphabet);
}

function distinctChars(secret: string): number {
  return new Set(secret).size;
}

interface StrengthRule {
  chars: number;
  bits: number;
  distinct: number;
}

function isWeak(secret: string, rule: StrengthRule): boolean {
  return (
    isWellKnownSecret(secret) ||
    secret.length < rule.chars ||
    estimatedEntropyBits(secret) < rule.bits ||
    distinctChars(secret) < rule.distinct
  );
}

/** Strength each credential needs off loopback. */
export const EXPOSED_MIN = {
  password: { chars: 12, bits: 50, distinct: 6 },
  jwtSecret: { chars: 32, bits: 128, distinct: 10 },
  wsToken: { chars: 16, bits: 64, distinct: 6 },
} as const satisfies Record<string, StrengthRule>;

export interface ApiCredentials {
  username: string;
  password: string;
  jwtSecret: string;
  wsTokens: readonly string[];
}

/**
 * Why an API on `host` with these credentials would be unsafe, as a sentence fragment naming the config key,
 * or null. Loopback needs nothing here (a random JWT secret per run is used when none is set).
 */
export function apiExposureProblem(host: string, c: ApiCredentials): string | null {
  if (isLoopbackHost(host)) return null;
  const where = `"api_server.listen_ip_address" is ${host}, which other machines can reach`;
  const pw = c.password;
  if (isWeak(pw, EXPOSED_MIN.password) || pw === c.username) {
    return `"api_server.password" must be set to a non-default value of real strength (or HLMM_API_PASSWORD): at least ${EXPOSED_MIN.password.chars} characters of mixed kinds, not the user name, when ${where}; set one or listen on 127.0.0.1`;
  }
  const js = c.jwtSecret;
  if (isWeak(js, EXPOSED_MIN.jwtSecret) || js === pw || js === c.username) {
    return `"api_server.jwt_secret_key" must be at least ${EXPOSED_MIN.jwtSecret.chars} random characters (or HLMM_API_JWT_SECRET_KEY), different from the password, when ${where}; e.g. use \`openssl rand -hex 32\``;
  }
  for (const t of c.wsTokens) {
    if (isWeak(t, EXPOSED_MIN.wsToken) || t === pw || t === js || t === c.username) {
      return `"api_server.ws_token" must be at least ${EXPOSED_MIN.wsToken.chars} random characters (or HLMM_API_WS_TOKEN), different from the password and the JWT secret, when ${where}; e.g. use \`openssl rand -hex 16\``;
    }
  }
  return null;
}
