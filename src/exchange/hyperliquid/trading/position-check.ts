import type { Logger } from '../../../core/log.ts';
import type { ClearinghouseState, UserFill } from '../info-schemas.ts';

/**
 * Live: the position is re-read from the exchange while trading, every `intervalMs` and soon after any doubt (a
 * store failure, an order whose outcome is unknown), and a drift is reconciled and logged:
 *
 * 1. /info clearinghouseState: the exchange's position on the coin. Equal to ours (within `toleranceBase`): done.
 * 2. Else fills we never applied are the likely cause: /info userFills goes through the venue, which drops every
 *    tid it reported before, so only missed fills reach the engine (cash, fees and PnL included). Read again.
 * 3. Still different: a fill may be in flight (the exchange's answer already has it, our push not yet). Only a
 *    drift seen twice in a row, `confirmDelayMs` apart, with neither side moving, is adopted: the engine takes the
 *    exchange's position (its cash moves as if the difference traded at the mid, see adoptExchangePosition).
 */
export interface PositionHolder {
  account(): { positionBase: number };
  adoptExchangePosition(positionBase: number, entryPx: number | null, detail: string): void;
}

export interface PositionCheckOptions {
  info: { clearinghouseState(): Promise<ClearinghouseState>; userFills(): Promise<UserFill[]> };
  venue: { applyFills(fills: readonly UserFill[]): void };
  coin: string;
  /** Periodic re-read, wall ms; 0 = only on doubt. */
  intervalMs: number;
  logger: Logger;
  /** |exchange − ours| at or below this is no drift, base units. Default 1e-9. */
  toleranceBase?: number;
  /** Delay of the confirming read of a drift, wall ms. Default 2,000. */
  confirmDelayMs?: number;
  /** Delay between a doubt and its check (doubts come in bursts), wall ms. Default 500. */
  doubtDelayMs?: number;
}

export type PositionCheckOutcome = 'in-step' | 'fills-applied' | 'suspect' | 'adopted' | 'failed' | 'busy';

export class PositionCheck {
  private holder: PositionHolder | null = null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<PositionCheckOutcome> | null = null;
  private suspect: { exchange: number; local: number } | null = null;
  private stopped = false;
  readonly counts = { checks: 0, drifts: 0, adopted: 0, failures: 0 };
  private readonly tol: number;

  constructor(private readonly opts: PositionCheckOptions) {
    this.tol = opts.toleranceBase ?? 1e-9;
  }

  /** Starts checking the position of `holder` (the engine). */
  start(holder: PositionHolder): void {
    this.holder = holder;
    if (this.opts.intervalMs > 0) {
      this.timer = setInterval(() => void this.checkNow(), this.opts.intervalMs);
      this.timer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    await this.running?.catch(() => {});
  }

  /** Something may have gone astray: check soon (bursts of doubts make one check). */
  doubt(why: string): void {
    if (this.stopped || this.holder === null || this.soon !== null) return;
    this.opts.logger.debug('position check requested', { why });
    this.later(this.opts.doubtDelayMs ?? 500);
  }

  private later(ms: number): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.checkNow();
    }, ms);
    this.soon.unref?.();
  }

  /** One check now (steps 1–3 above). */
  checkNow(): Promise<PositionCheckOutcome> {
    if (this.running) return Promise.resolve('busy');
    const run = this.check().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async check(): Promise<PositionCheckOutcome> {
    const holder = this.holder;
    if (holder === null || this.stopped) return 'busy';
    this.counts.checks++;
    const coin = this.opts.coin;
    try {
      let exchange = await this.exchangePosition();
      let local = holder.account().positionBase;
      if (this.same(exchange.positionBase, local)) {
        this.suspect = null;
        return 'in-step';
      }
      this.counts.drifts++;
      const before = local;
      const fills = (await this.opts.info.userFills()).filter((f) => f.coin === coin);
      this.opts.venue.applyFills(fills);
      local = holder.account().positionBase;
      exchange = await this.exchangePosition();
      if (this.same(exchange.positionBase, local)) {
        this.opts.logger.warn(
          `position drift resolved: fills missed by the bot applied from /info userFills (position ${round(before)} → ${round(local)} ${coin}, as on the exchange)`,
        );
        this.suspect = null;
        return 'fills-applied';
      }
      const s = this.suspect;
      if (s !== null && this.same(s.exchange, exchange.positionBase) && this.same(s.local, local)) {
        this.suspect = null;
        this.counts.adopted++;
        holder.adoptExchangePosition(
          exchange.positionBase,
          exchange.entryPx,
          `position drift: the bot had ${round(local)} ${coin}, the exchange has ${round(exchange.positionBase)} (twice in a row, no missed fill found); the exchange's position is taken`,
        );
        return 'adopted';
      }
      this.suspect = { exchange: exchange.positionBase, local };
      if (!this.stopped) this.later(this.opts.confirmDelayMs ?? 2_000);
      return 'suspect';
    } catch (err) {
      this.counts.failures++;
      this.opts.logger.warn('position check against the exchange failed; trying again later', {
        error: err instanceof Error ? err.message : String(err),
      });
      return 'failed';
    }
  }

  private same(a: number, b: number): boolean {
    return Math.abs(a - b) <= this.tol;
  }

  private async exchangePosition(): Promise<{ positionBase: number; entryPx: number | null }> {
    const state = await this.opts.info.clearinghouseState();
    const ap = state.assetPositions.find((p) => p.position.coin === this.opts.coin);
    return {
      positionBase: ap ? Number(ap.position.szi) : 0,
      entryPx: ap?.position.entryPx ? Number(ap.position.entryPx) : null,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/**
 * The periodic position re-read of every coin of one account on ONE timer: each tick starts every coin's check in
 * the same turn, so their clearinghouseState reads (through the account's AccountReads) are one request per
 * period for the account, not one per coin. Each coin's PositionCheck is built with `intervalMs: 0` (its doubts
 * still check it alone, soon).
 */
export class AccountPositionChecks {
  private readonly checks = new Set<PositionCheck>();
  private timer: NodeJS.Timeout | null = null;
  readonly counts = { ticks: 0 };

  /** `intervalMs`: the period of the re-read, wall ms; 0 = only on doubt. */
  constructor(private readonly intervalMs: number) {}

  /** Checks `check` every period from now on (the timer starts with the first coin). */
  add(check: PositionCheck): void {
    this.checks.add(check);
    if (this.timer === null && this.intervalMs > 0) {
      this.timer = setInterval(() => void this.checkAll(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Stops checking `check` (the timer stops with the last coin). */
  remove(check: PositionCheck): void {
    this.checks.delete(check);
    if (this.checks.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One check of every coin, started in one turn (their reads share one request). */
  checkAll(): Promise<PositionCheckOutcome[]> {
    this.counts.ticks++;
    return Promise.all([...this.checks].map((c) => c.checkNow()));
  }
}
