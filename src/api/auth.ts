import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { apiExposureProblem } from '../config/api-exposure.ts';
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

export { isLoopbackHost, isWellKnownSecret } from '../config/api-exposure.ts';

/**
 * Refuses to expose the API beyond this machine with weak credentials: anyone on the network could stop the bot
 * or flatten the position. On loopback anything goes (local development; a random JWT secret per run).
 */
export function assertSafeBinding(
  host: string,
  password: string,
  jwtSecret: string,
  more: { username?: string; wsTokens?: readonly string[] } = {},
): void {
  const problem = apiExposureProblem(host, {
    username: more.username ?? '',
    password,
    jwtSecret,
    wsTokens: more.wsTokens ?? [],
  });
  if (problem !== null) throw new UserError(`${problem}.`);
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

/** Clock skew tolerated on a token's issue time (s): a token "issued" further in the future is forged. */
const ISSUED_AT_SKEW_S = 60;

/**
 * Tokens are accepted only when they are exactly what this server issues: HS256, of the expected type, for the
 * configured user, with `iat` and `exp` present, not expired, not issued in the future, and living no longer than
 * that type's lifetime. A token signed with the secret but without `exp`, with a 10-year `exp` or for a user
 * that does not exist is refused (a leaked secret or an old build's token must not grant forever-access).
 */
export function createTokenService(
  jwtSecret: string,
  username: string,
  nowS: () => number = () => Math.floor(Date.now() / 1000),
): TokenService {
  const key = new TextEncoder().encode(jwtSecret);
  const ttlOf = (type: TokenType) => (type === 'access' ? ACCESS_TOKEN_TTL_S : REFRESH_TOKEN_TTL_S);
  return {
    async issue(user, type) {
      const now = nowS();
      return new SignJWT({ identity: { u: user }, type })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + ttlOf(type))
        .sign(key);
    },
    async verify(token, type) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat'],
          currentDate: new Date(nowS() * 1000),
        });
        if (payload.type !== type) return null;
        const { exp, iat } = payload as { exp: number; iat: number };
        if (iat > nowS() + ISSUED_AT_SKEW_S) return null;
        if (exp - iat > ttlOf(type)) return null;
        const identity = payload.identity as { u?: unknown } | undefined;
        if (typeof identity?.u !== 'string' || !constantTimeEqual(identity.u, username)) return null;
        return identity.u;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Failed-login throttle per client address AND user name: the first `freeFailures` failures cost nothing; each
 * later one makes that address wait before its next try for that user — `baseDelayMs`, doubling per failure, at
 * most `maxDelayMs` — and a success clears the slate. Guessing slows to one try per `maxDelayMs`, while the owner
 * who mistyped (or a bots file with one wrong password) is never locked out for more than those few seconds, and
 * failures for another user name do not count against this one.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly opts: {
      freeFailures?: number;
      baseDelayMs?: number;
      maxDelayMs?: number;
      /** Failures older than this are forgotten. */
      windowMs?: number;
      now?: () => number;
    } = {},
  ) {}

  private get now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Milliseconds this address must wait before trying `user` again; 0 when it may try now. */
  retryAfterMs(ip: string, user: string): number {
    const recent = this.recent(keyOf(ip, user));
    const free = this.opts.freeFailures ?? 5;
    if (recent.length < free) return 0;
    const base = this.opts.baseDelayMs ?? 1_000;
    const delay = Math.min(base * 2 ** (recent.length - free), this.opts.maxDelayMs ?? 8_000);
    return Math.max(0, recent[recent.length - 1] + delay - this.now);
  }

  recordFailure(ip: string, user: string): void {
    const key = keyOf(ip, user);
    const recent = this.recent(key);
    recent.push(this.now);
    this.failures.set(key, recent);
    // Bound memory if many address/user pairs fail once and never return.
    if (this.failures.size > 10_000) {
      for (const k of this.failures.keys()) if (this.recent(k).length === 0) this.failures.delete(k);
    }
  }

  recordSuccess(ip: string, user: string): void {
    this.failures.delete(keyOf(ip, user));
  }

  private recent(key: string): number[] {
    const cutoff = this.now - (this.opts.windowMs ?? 15 * 60_000);
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }
}

function keyOf(ip: string, user: string): string {
  return `${ip}\u0000${user}`;
}
