/**
 * Hyperliquid's nonce rule (docs, "Nonces and API wallets"): per signer, the exchange keeps the 100 highest nonces
 * it has seen. A new action's nonce must be larger than the smallest of them, must not be one of them, and must lie
 * in (T − 2 days, T + 1 day) where T is the exchange's time in ms. Nonces are conventionally the ms timestamp.
 */

export const NONCE_SET_SIZE = 100;
export const NONCE_MAX_AGE_MS = 2 * 24 * 3600 * 1000;
export const NONCE_MAX_LEAD_MS = 24 * 3600 * 1000;

/**
 * Hands out ms-timestamp nonces for one signer, strictly increasing even when asked many times in the same
 * millisecond or when the wall clock steps back (each nonce is max(now, last + 1)). Use one per signing key.
 */
export class NonceManager {
  #last = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  next(): number {
    const now = Math.floor(this.#now());
    this.#last = now > this.#last ? now : this.#last + 1;
    return this.#last;
  }

  /** The last nonce handed out (0 before the first). */
  get last(): number {
    return this.#last;
  }
}

/** True when `nonce` is inside Hyperliquid's accepted time window around `nowMs` (open interval). */
export function isNonceInWindow(nonce: number, nowMs: number): boolean {
  return nonce > nowMs - NONCE_MAX_AGE_MS && nonce < nowMs + NONCE_MAX_LEAD_MS;
}

export type NonceVerdict = 'ok' | 'outOfWindow' | 'duplicate' | 'tooLow';

/**
 * The exchange side of the rule, for one signer (the fake exchange keeps one per signer address): remembers the
 * 100 highest accepted nonces and judges each new one. `accept` records the nonce only when the verdict is 'ok'.
 */
export class NonceLedger {
  /** Ascending; at most NONCE_SET_SIZE entries. */
  readonly #highest: number[] = [];

  check(nonce: number, nowMs: number): NonceVerdict {
    if (!Number.isSafeInteger(nonce) || !isNonceInWindow(nonce, nowMs)) return 'outOfWindow';
    if (this.#highest.includes(nonce)) return 'duplicate';
    const smallest = this.#highest[0];
    if (this.#highest.length >= NONCE_SET_SIZE && smallest !== undefined && nonce <= smallest)
      return 'tooLow';
    return 'ok';
  }

  accept(nonce: number, nowMs: number): NonceVerdict {
    const verdict = this.check(nonce, nowMs);
    if (verdict !== 'ok') return verdict;
    let i = this.#highest.length;
    while (i > 0 && (this.#highest[i - 1] as number) > nonce) i--;
    this.#highest.splice(i, 0, nonce);
    if (this.#highest.length > NONCE_SET_SIZE) this.#highest.shift();
    return 'ok';
  }
}
