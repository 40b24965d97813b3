import type { Logger } from '../core/log.ts';
import type {
  FillRecord,
  FundingRecord,
  OrderRecord,
  OrderUpdate,
  ParamsRecord,
  PnlSnapshot,
  PositionSnapshot,
  RiskEventRecord,
  RunMode,
} from './records.ts';
import type { LatencyKind, LatencySampleRecord, TradeStore } from './trade-store.ts';

/**
 * A TradeStore that never throws on a write. The bot's writes go through it so that a store failure is a state
 * of the bot (quoting stops, records wait in memory), not an exception that tears an engine step apart.
 *
 * - A write that fails for a reason that can pass (disk full, I/O error, database locked or busy, read-only
 *   file) makes the store UNHEALTHY: the record, and every later write, is kept in memory in order and retried
 *   with back-off (retryBaseMs doubling up to retryMaxMs); when the whole queue is written the store is HEALTHY
 *   again. Subscribers hear both transitions (the engine pulls its quotes while unhealthy).
 * - A write that can never succeed (a constraint such as UNIQUE, a value the schema refuses, a bug) is REFUSED:
 *   that one record is dropped, the others go on; subscribers hear it (a live bot re-reads its position).
 * - Logs: one line per transition; while unhealthy at most one line per logIntervalMs with the count waiting;
 *   refusals at most one line per kind per logIntervalMs with a count. SQLite errors carry no stack (they are
 *   conditions, not bugs); any other error is a bug and carries its stack.
 * - Reads go straight to the store; `hasFill` also sees fills still waiting in memory.
 * - A run started while unhealthy gets a provisional (negative) id; records that carry it are written with the
 *   real id once the run row is written.
 */
export type StoreEvent =
  | { type: 'unhealthy'; reason: string; pending: number }
  | { type: 'healthy'; afterMs: number; written: number }
  | { type: 'refused'; kind: string; reason: string };

export interface StoreHealth {
  healthy: boolean;
  /** Records waiting in memory to be written. */
  pending: number;
  /** Wall ms when the store became unhealthy; null while healthy. */
  unhealthySinceMs: number | null;
  /** The last failure's message (SQLite's text and code). */
  lastError: string | null;
  /** Records written by a retry after a failure, since start. */
  retriedWritten: number;
  /** Records dropped: refused by the store, or beyond `maxPending`. */
  dropped: number;
}

export interface StoreGuardOptions {
  logger: Logger;
  wallNowMs?: () => number;
  /** First retry delay after a failure, wall ms (doubles per failed retry). Default 1,000. */
  retryBaseMs?: number;
  /** Longest retry delay, wall ms. Default 15,000. */
  retryMaxMs?: number;
  /** At most one "still unavailable" or "refused" line per this many wall ms. Default 60,000. */
  logIntervalMs?: number;
  /** Records kept in memory at most; beyond it snapshots (PnL, position) are dropped, never orders or fills. */
  maxPending?: number;
}

interface Pending {
  kind: string;
  /** Snapshots may be dropped when memory runs short; orders, fills, funding, runs never are. */
  droppable: boolean;
  tid?: number;
  run: (s: TradeStore) => void;
}

/**
 * SQLite result codes that can clear without a code change: the disk fills and empties, a lock is released, a
 * read-only or unreachable file comes back. Everything else (constraints, schema mismatches, misuse) is final.
 */
const PASSING = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB|INTERRUPT)/;

/**
 * better-sqlite3's SqliteError, recognised by shape rather than `instanceof` so that importing the guard does not
 * load the native SQLite module (≈ 9 ms of start-up for commands such as `hlmm calibrate` that never open a store).
 */
function isSqliteError(err: unknown): err is Error & { code: string } {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return false;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** 'passing' when retrying the same write may succeed later, 'final' when it never will. */
export function storeFailureKind(err: unknown): 'passing' | 'final' {
  if (isSqliteError(err) && PASSING.test(err.code)) return 'passing';
  return 'final';
}

/** A short readable reason: SQLite's message and code, or the error's message. */
export function storeErrorText(err: unknown): string {
  if (isSqliteError(err)) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

export class StoreGuard implements TradeStore {
  readonly file: string;
  private readonly inner: TradeStore;
  private readonly log: Logger;
  private readonly wallNow: () => number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly logIntervalMs: number;
  private readonly maxPending: number;
  private readonly queue: Pending[] = [];
  private readonly pendingTids = new Set<number>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  /** Provisional run id → the real one, once written. */
  private readonly runIds = new Map<number, number | null>();
  private nextProvisionalRun = -1;
  private healthy = true;
  private unhealthySince: number | null = null;
  private lastError: string | null = null;
  private failedRetries = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastStillLogMs = 0;
  private readonly refusedLog = new Map<string, { atMs: number; suppressed: number }>();
  private retriedWritten = 0;
  private dropped = 0;
  private closed = false;

  constructor(inner: TradeStore, opts: StoreGuardOptions) {
    this.inner = inner;
    this.file = inner.file;
    this.log = opts.logger;
    this.wallNow = opts.wallNowMs ?? Date.now;
    this.retryBaseMs = opts.retryBaseMs ?? 1_000;
    this.retryMaxMs = opts.retryMaxMs ?? 15_000;
    this.logIntervalMs = opts.logIntervalMs ?? 60_000;
    this.maxPending = opts.maxPending ?? 200_000;
  }

  /** Wraps `store` unless it is a guard already (one queue per store, whoever writes). */
  static wrap(store: TradeStore, opts: StoreGuardOptions): StoreGuard {
    return store instanceof StoreGuard ? store : new StoreGuard(store, opts);
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): StoreHealth {
    return {
      healthy: this.healthy,
      pending: this.queue.length,
      unhealthySinceMs: this.unhealthySince,
      lastError: this.lastError,
      retriedWritten: this.retriedWritten,
      dropped: this.dropped,
    };
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Retries the waiting records now (the timer does it by itself; tests and shutdown call it). */
  retryNow(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
    return this.healthy;
  }

  // ------------------------------------------------------------------ the write path

  /** Runs a write now when the store is healthy and nothing waits; else (or when it fails) queues it. */
  private write<T>(p: Pending, fallback: T, now: (s: TradeStore) => T): T {
    if (this.closed) {
      this.dropped++;
      return fallback;
    }
    if (this.healthy && this.queue.length === 0) {
      try {
        return now(this.inner);
      } catch (err) {
        if (storeFailureKind(err) === 'final') {
          this.refuse(p.kind, err);
          return fallback;
        }
        this.enqueue(p);
        this.becomeUnhealthy(err);
        return fallback;
      }
    }
    this.enqueue(p);
    return fallback;
  }

  private enqueue(p: Pending): void {
    if (this.queue.length >= this.maxPending && p.droppable) {
      this.dropped++;
      return;
    }
    this.queue.push(p);
    if (p.tid !== undefined) this.pendingTids.add(p.tid);
  }

  private becomeUnhealthy(err: unknown): void {
    this.lastError = storeErrorText(err);
    if (!this.healthy) return;
    this.healthy = false;
    this.unhealthySince = this.wallNow();
    this.failedRetries = 0;
    this.lastStillLogMs = this.unhealthySince;
    this.log.error(
      `store unavailable (${this.lastError}): quoting stops, ${this.queue.length} record(s) kept in memory and retried until ${this.file} is writable again`,
    );
    this.notify({ type: 'unhealthy', reason: this.lastError, pending: this.queue.length });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.timer !== null || this.closed) return;
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(this.failedRetries, 20));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
    this.timer.unref?.();
  }

  /** Writes the queue in order until it is empty (healthy again) or a write fails for a passing reason. */
  private flush(): void {
    let written = 0;
    while (this.queue.length > 0) {
      const p = this.queue[0];
      try {
        p.run(this.inner);
        written++;
      } catch (err) {
        if (storeFailureKind(err) === 'passing') {
          this.retriedWritten += written;
          this.lastError = storeErrorText(err);
          if (this.healthy) {
            this.becomeUnhealthy(err);
            return;
          }
          this.failedRetries++;
          this.stillUnavailable();
          this.scheduleRetry();
          return;
        }
        this.refuse(p.kind, err);
      }
      this.queue.shift();
      if (p.tid !== undefined) this.pendingTids.delete(p.tid);
    }
    this.retriedWritten += written;
    if (!this.healthy) {
      const afterMs = this.wallNow() - (this.unhealthySince ?? this.wallNow());
      this.healthy = true;
      this.unhealthySince = null;
      this.failedRetries = 0;
      this.log.info(
        `store writable again after ${(afterMs / 1000).toFixed(1)} s: ${written} record(s) written from memory`,
      );
      this.notify({ type: 'healthy', afterMs, written });
    }
  }

  private stillUnavailable(): void {
    const now = this.wallNow();
    if (now - this.lastStillLogMs < this.logIntervalMs) return;
    this.lastStillLogMs = now;
    this.log.warn(
      `store still unavailable after ${((now - (this.unhealthySince ?? now)) / 1000).toFixed(0)} s (${this.lastError}): ${this.queue.length} record(s) waiting, ${this.failedRetries} retries`,
    );
  }

  /** A record the store will never take: dropped, logged (rate-limited per kind), subscribers told. */
  private refuse(kind: string, err: unknown): void {
    this.dropped++;
    const reason = storeErrorText(err);
    const now = this.wallNow();
    const entry = this.refusedLog.get(kind);
    if (entry === undefined || now - entry.atMs >= this.logIntervalMs) {
      const suppressed = entry?.suppressed ?? 0;
      const more = suppressed > 0 ? ` (${suppressed} more since the last line)` : '';
      const fields = isSqliteError(err) || !(err instanceof Error) ? undefined : { stack: err.stack };
      this.log.error(
        `store refused a ${kind} record (${reason}); it is not stored, the bot's in-memory state has it${more}`,
        fields,
      );
      this.refusedLog.set(kind, { atMs: now, suppressed: 0 });
    } else {
      entry.suppressed++;
    }
    this.notify({ type: 'refused', kind, reason });
  }

  private notify(e: StoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error('store health listener failed', {
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      }
    }
  }

  /** The real id of a run (a provisional one once its row is written; null if it never was). */
  private run(id: number | null | undefined): number | null {
    if (id === null || id === undefined || id >= 0) return id ?? null;
    return this.runIds.get(id) ?? null;
  }

  // ------------------------------------------------------------------ TradeStore: writes

  startRun(run: { startedMs: number; mode: RunMode; ticker: string }): number {
    const provisional = this.nextProvisionalRun--;
    const p: Pending = {
      kind: 'run',
      droppable: false,
      run: (s) => {
        this.runIds.set(provisional, s.startRun(run));
      },
    };
    return this.write(p, provisional, (s) => s.startRun(run));
  }

  stopRun(id: number, stoppedMs: number, reason: string | null): void {
    const p: Pending = {
      kind: 'run',
      droppable: false,
      run: (s) => {
        const real = this.run(id);
        if (real !== null) s.stopRun(real, stoppedMs, reason);
      },
    };
    this.write(p, undefined, p.run);
  }

  saveOrder(order: OrderRecord): void {
    const p: Pending = {
      kind: 'order',
      droppable: false,
      run: (s) => s.saveOrder({ ...order, runId: this.run(order.runId) }),
    };
    this.write(p, undefined, p.run);
  }

  updateOrder(update: OrderUpdate): boolean {
    const p: Pending = { kind: 'order', droppable: false, run: (s) => void s.updateOrder(update) };
    return this.write(p, true, (s) => s.updateOrder(update));
  }

  recordFill(fill: FillRecord): boolean {
    const p: Pending = {
      kind: 'fill',
      droppable: false,
      tid: fill.tid,
      run: (s) => void s.recordFill({ ...fill, runId: this.run(fill.runId) }),
    };
    if (this.pendingTids.has(fill.tid)) return false;
    return this.write(p, true, (s) => s.recordFill({ ...fill, runId: this.run(fill.runId) }));
  }

  recordFills(fills: readonly FillRecord[]): number {
    let n = 0;
    for (const f of fills) if (this.recordFill(f)) n++;
    return n;
  }

  recordPosition(snapshot: PositionSnapshot): void {
    const p: Pending = { kind: 'position', droppable: true, run: (s) => s.recordPosition(snapshot) };
    this.write(p, undefined, p.run);
  }

  recordPnl(snapshot: PnlSnapshot): void {
    const p: Pending = { kind: 'pnl', droppable: true, run: (s) => s.recordPnl(snapshot) };
    this.write(p, undefined, p.run);
  }

  recordPnls(snapshots: readonly PnlSnapshot[]): void {
    for (const s of snapshots) this.recordPnl(s);
  }

  recordParams(params: ParamsRecord): number {
    const p: Pending = { kind: 'params', droppable: false, run: (s) => void s.recordParams(params) };
    return this.write(p, -1, (s) => s.recordParams(params));
  }

  recordFunding(payment: FundingRecord): boolean {
    // Queued: counted as new (the store de-duplicates by coin and hour when it is written).
    const p: Pending = { kind: 'funding', droppable: false, run: (s) => void s.recordFunding(payment) };
    return this.write(p, true, (s) => s.recordFunding(payment));
  }

  recordCloidPrefix(prefix: string, createdMs: number): void {
    const p: Pending = {
      kind: 'cloid prefix',
      droppable: false,
      run: (s) => s.recordCloidPrefix(prefix, createdMs),
    };
    this.write(p, undefined, p.run);
  }

  recordRiskEvent(event: RiskEventRecord): void {
    const p: Pending = { kind: 'risk event', droppable: false, run: (s) => s.recordRiskEvent(event) };
    this.write(p, undefined, p.run);
  }

  /** A latency sample is statistics: dropped first when the disk is in trouble. */
  recordLatency(sample: LatencySampleRecord): void {
    const p: Pending = { kind: 'latency sample', droppable: true, run: (s) => s.recordLatency(sample) };
    this.write(p, undefined, p.run);
  }

  latencySamples(query?: { kind?: LatencyKind; fromMs?: number; toMs?: number }) {
    return this.inner.latencySamples(query);
  }

  /** Passes through unguarded: a caller's transaction is its own unit of failure. */
  transaction<T>(fn: () => T): T {
    return this.inner.transaction(fn);
  }

  /** One last try to write what waits, then closes; whatever is still waiting is named in one line. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length > 0) this.flush();
    if (this.queue.length > 0) {
      const kinds = new Map<string, number>();
      for (const p of this.queue) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
      const list = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
      this.log.error(
        `store still unavailable at shutdown (${this.lastError}): ${this.queue.length} record(s) never written (${list}); a live restart re-reads fills and position from the exchange`,
      );
      this.dropped += this.queue.length;
      this.queue.length = 0;
      this.pendingTids.clear();
    }
    this.closed = true;
    this.inner.close();
  }

  // ------------------------------------------------------------------ TradeStore: reads (straight through)

  latestRun() {
    return this.inner.latestRun();
  }
  unfinishedRuns() {
    return this.inner.unfinishedRuns();
  }
  findOrder(ref: { cloid?: string | null; oid?: number | null }) {
    return this.inner.findOrder(ref);
  }
  openOrders(coin?: string) {
    return this.inner.openOrders(coin);
  }
  recentOrders(limit: number) {
    return this.inner.recentOrders(limit);
  }
  /** True also for a fill still waiting in memory; a failing read answers from memory alone. */
  hasFill(tid: number): boolean {
    if (this.pendingTids.has(tid)) return true;
    try {
      return this.inner.hasFill(tid);
    } catch {
      return false;
    }
  }
  fillCount() {
    return this.inner.fillCount();
  }
  fillsPage(page: { limit: number; offset?: number; newestFirst?: boolean }) {
    return this.inner.fillsPage(page);
  }
  fillsSince(afterId: number, limit?: number) {
    return this.inner.fillsSince(afterId, limit);
  }
  allFills(coin?: string) {
    return this.inner.allFills(coin);
  }
  latestPosition(coin: string) {
    return this.inner.latestPosition(coin);
  }
  latestPnl(coin?: string) {
    return this.inner.latestPnl(coin);
  }
  pnlSnapshots(range: { fromMs?: number; toMs?: number; maxPoints?: number }) {
    return this.inner.pnlSnapshots(range);
  }
  dailyPnl(range?: { fromMs?: number; toMs?: number }) {
    return this.inner.dailyPnl(range);
  }
  paramsHistory(query?: { limit?: number; sinceMs?: number }) {
    return this.inner.paramsHistory(query);
  }
  latestAcceptedParams() {
    return this.inner.latestAcceptedParams();
  }
  fundingPayments(range?: { fromMs?: number; toMs?: number }) {
    return this.inner.fundingPayments(range);
  }
  fundingTotalQuote(coin?: string) {
    return this.inner.fundingTotalQuote(coin);
  }
  cloidPrefixes() {
    return this.inner.cloidPrefixes();
  }
  // An operator's request answered at once: written through (a failure is the API caller's error to see).
  hideTrade(tradeId: number, openMs: number, hiddenMs: number): void {
    this.inner.hideTrade(tradeId, openMs, hiddenMs);
  }
  hiddenTrades() {
    return this.inner.hiddenTrades();
  }
  riskEvents(query?: { limit?: number; sinceMs?: number; coin?: string }) {
    return this.inner.riskEvents(query);
  }
  settings() {
    return this.inner.settings();
  }
}
