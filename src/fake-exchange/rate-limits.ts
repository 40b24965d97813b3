/**
 * Hyperliquid's two request limits, as the fake exchange enforces them, plus forced rate-limit faults so a
 * client's back-off can be tested on demand.
 *
 * - IP limit (docs, "Rate limits and user limits"): aggregated request weight per rolling minute per IP
 *   (1200 on Hyperliquid; /exchange weighs 1 + floor(batch / 40), /info 2 or 20). Over it: HTTP 429. Off by
 *   default here (0), because tests and the demo share 127.0.0.1.
 * - Address limit: each address may send 10,000 requests plus 1 per USDC of cumulative traded volume; an
 *   order/cancel batch of n counts n. Over it the action is refused with Hyperliquid's text
 *   "Too many cumulative requests sent (…)". (Hyperliquid also lets a capped address send 1 request every 10 s
 *   and gives cancels extra headroom; neither is modelled.)
 */

const WINDOW_MS = 60_000;

export type ForcedLimit = 'ip' | 'address';

export interface RateLimitOptions {
  /** IP weight per rolling minute; 0 = unlimited (default). Hyperliquid: 1200. */
  ipWeightPerMinute?: number;
  /** Requests every address gets before traded volume counts; Infinity = unlimited. Hyperliquid: 10,000. */
  addressRequestBuffer?: number;
}

/** Hyperliquid's address-limit refusal text. */
export function addressLimitText(used: number, cap: number, cumVolumeUsdc: number): string {
  return (
    `Too many cumulative requests sent (${used} > ${cap}) for cumulative volume traded $${cumVolumeUsdc.toFixed(2)}. ` +
    'Place taker orders to free up 1 request per USDC traded.'
  );
}

export class RateLimits {
  readonly ipWeightPerMinute: number;
  readonly addressRequestBuffer: number;
  /** Forced refusals still to hand out, by kind. */
  private readonly forced = { ip: 0, address: 0 };
  private readonly spent = new Map<string, { t: number; w: number }[]>();
  /** `ipRequests`: every HTTP request charged (answered or refused with 429). */
  readonly counters = { ip429: 0, addressRefusals: 0, ipRequests: 0 };

  constructor(
    options: RateLimitOptions = {},
    private readonly wallNowMs: () => number = Date.now,
  ) {
    this.ipWeightPerMinute = options.ipWeightPerMinute ?? 0;
    this.addressRequestBuffer = options.addressRequestBuffer ?? 10_000;
  }

  /** The next `count` requests get a 429 ('ip') or the address-limit refusal ('address'). */
  force(kind: ForcedLimit, count: number): void {
    this.forced[kind] += count;
  }

  /** Charges `weight` to `ip`; false = answer HTTP 429 (forced, or the minute's budget is spent). */
  takeIp(ip: string, weight: number): boolean {
    this.counters.ipRequests++;
    if (this.forced.ip > 0) {
      this.forced.ip--;
      this.counters.ip429++;
      return false;
    }
    if (this.ipWeightPerMinute <= 0) return true;
    const now = this.wallNowMs();
    let list = this.spent.get(ip);
    if (list === undefined) this.spent.set(ip, (list = []));
    while (list.length > 0 && list[0].t <= now - WINDOW_MS) list.shift();
    let used = 0;
    for (const e of list) used += e.w;
    if (used + weight > this.ipWeightPerMinute) {
      this.counters.ip429++;
      return false;
    }
    list.push({ t: now, w: weight });
    return true;
  }

  /** Address allowance: requests an account may have sent given its traded volume. */
  addressCap(cumVolumeUsdc: number): number {
    return this.addressRequestBuffer + Math.floor(cumVolumeUsdc);
  }

  /**
   * Counts `n` requests for an account; returns the refusal text when over its allowance (or forced), else
   * null. A refused request is not counted.
   */
  takeAddress(account: { requestsUsed: number; cumVolume: number }, n: number): string | null {
    const cap = this.addressCap(account.cumVolume);
    if (this.forced.address > 0) {
      this.forced.address--;
      this.counters.addressRefusals++;
      return addressLimitText(Math.max(account.requestsUsed + n, cap + 1), cap, account.cumVolume);
    }
    if (account.requestsUsed + n > cap) {
      this.counters.addressRefusals++;
      return addressLimitText(account.requestsUsed + n, cap, account.cumVolume);
    }
    account.requestsUsed += n;
    return null;
  }
}
