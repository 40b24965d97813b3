/**
 * POST transport to Hyperliquid's REST API (/info, /exchange) with the IP rate limit built in:
 *
 * - a weight budget per rolling minute (Hyperliquid: 1200 per IP; /exchange 1 + floor(batch/40); /info 2 or 20,
 *   plus extra weight for long answers): a request whose weight does not fit waits until it does;
 * - on HTTP 429 an exponential cool-down (base·2^(strikes−1), capped, or Retry-After when longer) that every
 *   request respects, then a retry of the *same* body; after `maxRetries` a RateLimitedError.
 *
 * Re-sending the same signed /exchange body is safe: its nonce can be executed once only, so a retry can never
 * place an order twice. Node's global fetch; the base URL is configurable (the fake exchange in tests).
 */
import { HYPERLIQUID_URLS } from './endpoints.ts';
import { HttpStatusError, RateLimitedError, ResponseShapeError, TransportError } from './errors.ts';

export const MAINNET_API_URL = HYPERLIQUID_URLS.mainnet.api;
export const TESTNET_API_URL = HYPERLIQUID_URLS.testnet.api;

/** Hyperliquid's REST limit: aggregated weight per minute per IP (docs, "Rate limits and user limits"). */
export const IP_WEIGHT_PER_MINUTE = 1200;
const WINDOW_MS = 60_000;

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Request weight spent over the last rolling minute. Requests wait in FIFO order until their weight fits; a
 * request heavier than the whole budget is let through once the window is empty (it could never fit otherwise).
 */
export class RequestBudget {
  readonly weightPerMinute: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  /** (time ms, weight) of requests in the current window, oldest first. */
  readonly #spent: { t: number; w: number }[] = [];
  #queue: Promise<void> = Promise.resolve();
  /** Everything this budget let through since it was made: requests and their weight (every user of it). */
  readonly totals = { requests: 0, weight: 0 };

  constructor(opts: { weightPerMinute?: number; now?: () => number; sleep?: Sleep } = {}) {
    this.weightPerMinute = opts.weightPerMinute ?? IP_WEIGHT_PER_MINUTE;
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? realSleep;
  }

  /** Weight spent in the window ending now. */
  used(): number {
    this.#prune(this.#now());
    let sum = 0;
    for (const e of this.#spent) sum += e.w;
    return sum;
  }

  /** How long a request of `weight` would wait right now (0 = it fits). */
  waitMs(weight: number): number {
    const now = this.#now();
    this.#prune(now);
    let used = this.used();
    if (used + weight <= this.weightPerMinute || this.#spent.length === 0) return 0;
    for (const e of this.#spent) {
      used -= e.w;
      if (used + weight <= this.weightPerMinute || used === 0) return Math.max(0, e.t + WINDOW_MS - now);
    }
    return 0;
  }

  /** Waits until `weight` fits, then records it. Concurrent callers are served in order. */
  take(weight: number): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (let wait = this.waitMs(weight); wait > 0; wait = this.waitMs(weight)) await this.#sleep(wait);
      this.#spent.push({ t: this.#now(), w: weight });
      this.totals.requests++;
      this.totals.weight += weight;
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Records weight known only after the answer (e.g. per 20 fills returned); never waits. */
  charge(weight: number): void {
    if (weight <= 0) return;
    this.#spent.push({ t: this.#now(), w: weight });
    this.totals.weight += weight;
  }

  #prune(now: number): void {
    while (this.#spent.length > 0 && (this.#spent[0] as { t: number }).t <= now - WINDOW_MS)
      this.#spent.shift();
  }
}

export interface HttpTransportOptions {
  /** e.g. https://api.hyperliquid.xyz or http://127.0.0.1:PORT (no trailing /info). */
  baseUrl: string;
  budget?: RequestBudget;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Retries after an HTTP 429 before RateLimitedError (default 3). */
  maxRetries?: number;
  /** First cool-down after a 429 (default 500 ms); doubles per consecutive strike. */
  backoffBaseMs?: number;
  /** Longest cool-down (default 30 s). */
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: Sleep;
}

export class HttpTransport {
  readonly baseUrl: string;
  readonly budget: RequestBudget;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  #strikes = 0;
  #cooldownUntil = 0;

  constructor(opts: HttpTransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? realSleep;
    this.budget = opts.budget ?? new RequestBudget({ now: this.#now, sleep: this.#sleep });
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxRetries = opts.maxRetries ?? 3;
    this.#backoffBaseMs = opts.backoffBaseMs ?? 500;
    this.#backoffMaxMs = opts.backoffMaxMs ?? 30_000;
    this.#fetch = opts.fetch ?? globalThis.fetch;
  }

  /** Ms left of the current rate-limit cool-down (0 = none). */
  cooldownMs(): number {
    return Math.max(0, this.#cooldownUntil - this.#now());
  }

  /** Consecutive rate-limit strikes since the last successful request. */
  get strikes(): number {
    return this.#strikes;
  }

  /**
   * Starts (or lengthens) a cool-down after a rate-limit signal and returns its length in ms. Also used by the
   * exchange client when the answer is an address-based rate-limit error rather than an HTTP 429.
   */
  noteRateLimited(retryAfterMs?: number): number {
    this.#strikes += 1;
    const exponential = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** (this.#strikes - 1));
    const delay = Math.max(exponential, retryAfterMs ?? 0);
    this.#cooldownUntil = Math.max(this.#cooldownUntil, this.#now() + delay);
    return delay;
  }

  /** POSTs JSON to `path` after taking `weight` from the budget; returns the parsed JSON answer. */
  async post(path: '/info' | '/exchange', body: unknown, weight: number): Promise<unknown> {
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      await this.budget.take(weight);
      for (let wait = this.cooldownMs(); wait > 0; wait = this.cooldownMs()) await this.#sleep(wait);
      let res: Response;
      try {
        res = await this.#fetch(`${this.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        throw new TransportError(path, err);
      }
      if (res.status === 429) {
        await res.body?.cancel();
        const delay = this.noteRateLimited(retryAfterMs(res.headers.get('retry-after')));
        if (attempt < this.#maxRetries) continue;
        throw new RateLimitedError(
          `POST ${path}: HTTP 429 rate limited after ${attempt + 1} attempts`,
          delay,
          'ip',
        );
      }
      const text = await res.text();
      if (!res.ok) throw new HttpStatusError(path, res.status, text.slice(0, 200));
      this.#strikes = 0;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ResponseShapeError(path, `not JSON: ${text.slice(0, 100)}`);
      }
    }
  }
}

/** Retry-After in seconds (the only form Hyperliquid's gateway would send); ignored when absent or malformed. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
