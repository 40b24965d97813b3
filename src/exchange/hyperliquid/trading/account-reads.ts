import type { ClearinghouseState, UserFill } from '../info-schemas.ts';

/**
 * The account's /info reads that answer for every coin at once, shared by every coin traded from one address:
 * clearinghouseState lists every position (and the margin in use), userFills every coin's fills. Several coins
 * asking in the same turn of the event loop (the account's position-check tick asks for all of them together)
 * share ONE request, so 3 coins cost the request budget — which Hyperliquid counts per address — what one does.
 *
 * Freshness is kept exactly: a caller only joins a request not yet sent, and the request goes out after the
 * turn in which every joined caller asked. A read asked after something happened (the position re-read after the
 * missed fills were applied) therefore never gets an answer sent before it, as with a request of its own.
 */
export interface AccountInfo {
  clearinghouseState(): Promise<ClearinghouseState>;
  userFills(): Promise<UserFill[]>;
}

export class AccountReads implements AccountInfo {
  /** Requests sent, and answers handed out (served − sent = requests saved). */
  readonly counts = { stateRequests: 0, stateServed: 0, fillsRequests: 0, fillsServed: 0 };
  /** Wall ms of the last clearinghouseState answer (0 before the first). */
  lastStateAtMs = 0;
  private readonly state: SameTurnRead<ClearinghouseState>;
  private readonly fills: SameTurnRead<UserFill[]>;
  private readonly listeners: ((state: ClearinghouseState, atWallMs: number) => void)[] = [];

  constructor(info: AccountInfo) {
    this.state = new SameTurnRead(async () => {
      this.counts.stateRequests++;
      const st = await info.clearinghouseState();
      this.lastStateAtMs = Date.now();
      for (const l of this.listeners) l(st, this.lastStateAtMs);
      return st;
    });
    this.fills = new SameTurnRead(() => {
      this.counts.fillsRequests++;
      return info.userFills();
    });
  }

  /** Every clearinghouseState answer, whoever asked (the account's margin in use reads them). */
  onState(listener: (state: ClearinghouseState, atWallMs: number) => void): void {
    this.listeners.push(listener);
  }

  clearinghouseState(): Promise<ClearinghouseState> {
    this.counts.stateServed++;
    return this.state.get();
  }

  userFills(): Promise<UserFill[]> {
    this.counts.fillsServed++;
    return this.fills.get();
  }
}

/** One read shared by every caller of one event-loop turn; sent after that turn (setImmediate). */
class SameTurnRead<T> {
  private pending: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.pending !== null) return this.pending;
    const p = new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        // From here a new caller gets a new request: this one is on its way.
        this.pending = null;
        this.read().then(resolve, reject);
      });
    });
    this.pending = p;
    return p;
  }
}
