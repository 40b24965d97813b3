import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { jwtVerify, SignJWT } from 'jose';
import { UserError } from '../core/errors.ts';

/**
 * Authentication as Freqtrade's REST API does it, so FreqUI and Freqtrade scripts log in unchanged:
 * HTTP Basic at /token/login returns an access token (15 min) and a refresh token (30 days), both HS256 JWTs
 * whose payload is `{ identity: { u: <user> }, type: 'access' | 'refresh' }`. A refresh token is only accepted at
 * /token/refresh; private endpoints take `Authorization: Bearer <access>` or Basic.
 */

export type TokenType = 'access' | 'refresh';

export const ACCESS_TOKEN_TTL_S = 15 * 60;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/**
 * Passwords and JWT secrets that appear in Freqtrade's and hlmm's examples (or are trivially guessable). A server
 * reachable from other machines must not run with one of them.
 */
const WELL_KNOWN_SECRETS = new Set([
  '',
  'password',
  'freqtrader',
  'supersecurepassword',
  'somethingrandom',
  'super-secret',
  'supersecret',
  'secret',
  'changeme',
  'change-me',
  'hlmm',
  'admin',
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
 * Refuses to expose the API beyond this machine with a guessable password or JWT secret: anyone on the network
 * could stop the bot or flatten the position. On loopback the defaults are tolerated (local development).
 */
export function assertSafeBinding(host: string, password: string, jwtSecret: string): void {
  if (isLoopbackHost(host)) return;
  if (isWellKnownSecret(password)) {
    throw new UserError(
      `api_server.listen_ip_address is "${host}" (reachable from other machines) but api_server.password is empty or a well-known default; set a strong password (e.g. through HLMM_API_PASSWORD) or listen on 127.0.0.1.`,
    );
  }
  if (isWellKnownSecret(jwtSecret) || jwtSecret.length < 16) {
    throw new UserError(
      `api_server.listen_ip_address is "${host}" (reachable from other machines) but api_server.jwt_secret_key is empty, a well-known default or shorter than 16 characters; set a long random secret (e.g. through HLMM_API_JWT_SECRET_KEY) or listen on 127.0.0.1.`,
    );
  }
}

/** Compares two strings in time independent of where they differ (hashing first makes the lengths equal). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Parses `Authorization: Basic base64(user:pass)`; null when the header is absent or not Basic. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function parseBearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export interface TokenService {
  issue(username: string, type: TokenType): Promise<string>;
  /** The user name in a valid, unexpired token of the given type; null otherwise. */
  verify(token: string, type: TokenType): Promise<string | null>;
}

export function createTokenService(jwtSecret: string): TokenService {
  const key = new TextEncoder().encode(jwtSecret);
  return {
    async issue(username, type) {
      const ttl = type === 'access' ? ACCESS_TOKEN_TTL_S : REFRESH_TOKEN_TTL_S;
      const nowS = Math.floor(Date.now() / 1000);
      return new SignJWT({ identity: { u: username }, type })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(nowS)
        .setExpirationTime(nowS + ttl)
        .sign(key);
    },
    async verify(token, type) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        if (payload.type !== type) return null;
        const identity = payload.identity as { u?: unknown } | undefined;
        return typeof identity?.u === 'string' ? identity.u : null;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Failed-login throttle per client address: after `maxFailures` failures inside `windowMs`, further attempts
 * (even correct ones) are refused until the oldest failure leaves the window. Slows password guessing to a crawl
 * without locking the owner out for long.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again; 0 when it may try now. */
  retryAfterS(ip: string): number {
    const recent = this.recent(ip);
    if (recent.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((recent[0] + this.windowMs - this.now()) / 1000));
  }

  recordFailure(ip: string): void {
    const recent = this.recent(ip);
    recent.push(this.now());
    this.failures.set(ip, recent);
    // Bound memory if many addresses fail once and never return.
    if (this.failures.size > 10_000) {
      for (const key of this.failures.keys()) {
        if (this.recent(key).length === 0) this.failures.delete(key);
      }
    }
  }

  private recent(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
  }
}
