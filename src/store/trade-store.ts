import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors.ts';
import { scrubKeyMaterial } from '../core/key-material.ts';
import type {
  BotRun,
  DailyPnl,
  FillRecord,
  FundingRecord,
  OrderRecord,
  OrderUpdate,
  ParamsRecord,
  PnlSnapshot,
  PositionSnapshot,
  RiskEventRecord,
  RunMode,
  StoredFill,
} from './records.ts';
import { migrate, SCHEMA_VERSION } from './schema.ts';

/**
 * The bot's SQLite store (better-sqlite3, synchronous). One bot per database file; the REST API reads the same
 * file, in the same process or another one (WAL lets readers run beside the writer).
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. Every method is one transaction that has been written to
 * the WAL file when it returns, so it survives a crash or SIGKILL of the process. Only an operating-system crash or
 * power loss can lose the last transactions (NORMAL skips the fsync per commit); the database never corrupts.
 */
export interface TradeStore {
  readonly file: string;

  startRun(run: { startedMs: number; mode: RunMode; ticker: string }): number;
  stopRun(id: number, stoppedMs: number, reason: string | null): void;
  latestRun(): BotRun | null;
  /** Runs that never recorded a stop: the process died (SIGKILL, crash, power loss). */
  unfinishedRuns(): BotRun[];

  /** Inserts the order, or overwrites the stored one with the same cloid (else the same oid). */
  saveOrder(order: OrderRecord): void;
  /** Changes a stored order found by cloid (else oid); false when no such order is stored. */
  updateOrder(update: OrderUpdate): boolean;
  findOrder(ref: { cloid?: string | null; oid?: number | null }): OrderRecord | null;
  openOrders(coin?: string): OrderRecord[];
  recentOrders(limit: number): OrderRecord[];

  /**
   * Stores a fill once: false (and no change) when its `tid` is already stored. A new fill also adds its size to
   * the matching stored order (by cloid, else oid) and marks the order filled when complete, in the same transaction.
   */
  recordFill(fill: FillRecord): boolean;
  /** recordFill for a batch in one transaction; returns how many were new. */
  recordFills(fills: readonly FillRecord[]): number;
  hasFill(tid: number): boolean;
  fillCount(): number;
  /** A page of fills: `offset` rows skipped, in id order (`newestFirst` reverses it). */
  fillsPage(page: { limit: number; offset?: number; newestFirst?: boolean }): StoredFill[];
  /** Fills with id > afterId, oldest first (a live stream resumes from the last id it saw). */
  fillsSince(afterId: number, limit?: number): StoredFill[];
  /** Every fill, oldest first (round trips, reconciliation). */
  allFills(coin?: string): StoredFill[];

  recordPosition(snapshot: PositionSnapshot): void;
  latestPosition(coin: string): PositionSnapshot | null;

  recordPnl(snapshot: PnlSnapshot): void;
  /** recordPnl for a batch in one transaction. */
  recordPnls(snapshots: readonly PnlSnapshot[]): void;
  /** The newest PnL snapshot; of `coin` only when given (several coins in one store). */
  latestPnl(coin?: string): PnlSnapshot | null;
  /**
   * The equity curve between two times (inclusive), oldest first. With `maxPoints`, the range is cut into that many
   * equal time buckets and the last snapshot of each non-empty bucket is kept.
   */
  pnlSnapshots(range: { fromMs?: number; toMs?: number; maxPoints?: number }): PnlSnapshot[];
  /** PnL per UTC day from the equity curve, with the day's fills, volume and fees; oldest first. */
  dailyPnl(range?: { fromMs?: number; toMs?: number }): DailyPnl[];

  /** Returns the new row's id. */
  recordParams(params: ParamsRecord): number;
  /** Newest first. */
  paramsHistory(query?: { limit?: number; sinceMs?: number }): Array<ParamsRecord & { id: number }>;
  latestAcceptedParams(): (ParamsRecord & { id: number }) | null;

  /** Stores a funding payment once per (coin, tsMs); false for a duplicate. */
  recordFunding(payment: FundingRecord): boolean;
  fundingPayments(range?: { fromMs?: number; toMs?: number }): FundingRecord[];
  /** Σ funding received (positive) or paid (negative), quote. */
  fundingTotalQuote(coin?: string): number;

  /** Notes a cloid prefix (0x + 16 hex) used by a live run of this database (idempotent). */
  recordCloidPrefix(prefix: string, createdMs: number): void;
  /** Every cloid prefix this database's live runs used, lower case. */
  cloidPrefixes(): string[];

  /** Hides a round trip from the API's trade lists (idempotent); its fills stay. */
  hideTrade(tradeId: number, openMs: number, hiddenMs: number): void;
  /** Every hidden round trip, as "tradeId:openMs" keys. */
  hiddenTrades(): Set<string>;

  recordRiskEvent(event: RiskEventRecord): void;
  /** Newest first. */
  /** Newest first; with `coin`, that coin's events and the account's (coin null). */
  riskEvents(query?: {
    limit?: number;
    sinceMs?: number;
    coin?: string;
  }): Array<RiskEventRecord & { id: number }>;

  /** One measured latency of the live bot (see LatencySampleRecord). */
  recordLatency(sample: LatencySampleRecord): void;
  /** Measured latencies in a time range, oldest first. */
  latencySamples(query?: { kind?: LatencyKind; fromMs?: number; toMs?: number }): LatencySampleRecord[];

  /** The connection's durability settings and schema version (for health/sysinfo and tests). */
  settings(): {
    journalMode: string;
    synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
    schemaVersion: number;
  };

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/**
 * `order_ack`: an order request sent → the exchange's answer received, ms (a round trip: entry + response);
 * `fill_report`: a fill's exchange time → the moment we received it, ms (the response path; it includes any
 * difference between the exchange's clock and ours).
 */
export type LatencyKind = 'order_ack' | 'fill_report';

export interface LatencySampleRecord {
  /** When it was measured (our receipt), Unix ms. */
  tsMs: number;
  kind: LatencyKind;
  latencyMs: number;
  coin: string;
}

const DAY_MS = 86_400_000;

/**
 * Opens (creating folder, file and schema as needed) the store at `file`; ':memory:' for a throwaway store.
 * `busyTimeoutMs`: how long a write waits for another connection's lock before it fails with SQLITE_BUSY (the
 * wait blocks the process: better-sqlite3 is synchronous). Default 5,000.
 */
export function openStore(file: string, opts: { busyTimeoutMs?: number } = {}): TradeStore {
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The API may read while the bot writes (another process): wait for a lock instead of failing at once.
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new UserError(
      `cannot open the database "${file}" (${(err as Error).message}); give --db (or "db_file") a writable path to a SQLite file.`,
    );
  }
  let version: { from: number; to: number };
  try {
    version = migrate(db);
  } catch (err) {
    db.close();
    throw new UserError(
      `cannot prepare the database "${file}" (${(err as Error).message}); give --db (or "db_file") another file.`,
    );
  }
  if (version.to > SCHEMA_VERSION) {
    db.close();
    throw new UserError(
      `the database "${file}" has schema version ${version.to}, newer than this hlmm's ${SCHEMA_VERSION}; upgrade hlmm or give --db another file.`,
    );
  }
  return new SqliteTradeStore(db, file);
}

interface OrderRow {
  id: number;
  oid: number | null;
  cloid: string | null;
  coin: string;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  filled_sz: number;
  status: OrderRecord['status'];
  created_ms: number;
  updated_ms: number;
  reason: string | null;
  run_id: number | null;
}

interface FillRow {
  id: number;
  tid: number;
  coin: string;
  oid: number | null;
  cloid: string | null;
  side: 'buy' | 'sell';
  px: number;
  sz: number;
  fee_quote: number;
  liquidity: 'maker' | 'taker';
  ts_ms: number;
  closed_pnl_quote: number | null;
  hash: string | null;
  run_id: number | null;
}

interface PnlRow {
  ts_ms: number;
  coin: string;
  mid_px: number;
  position_sz: number;
  cash_quote: number;
  realized_quote: number;
  unrealized_quote: number;
  fees_quote: number;
  funding_quote: number;
  equity_quote: number;
}

interface ParamsRow {
  id: number;
  ts_ms: number;
  source: string;
  sigma_quote_per_sqrt_s: number | null;
  a_per_s: number | null;
  k_per_quote: number | null;
  gamma_per_quote: number | null;
  accepted: number;
  reason: string | null;
}

interface RunRow {
  id: number;
  started_ms: number;
  stopped_ms: number | null;
  mode: RunMode;
  ticker: string;
  stop_reason: string | null;
}

const toOrder = (r: OrderRow): OrderRecord => ({
  oid: r.oid,
  cloid: r.cloid,
  coin: r.coin,
  side: r.side,
  px: r.px,
  sz: r.sz,
  filledSz: r.filled_sz,
  status: r.status,
  createdMs: r.created_ms,
  updatedMs: r.updated_ms,
  reason: r.reason,
  runId: r.run_id,
});

const toFill = (r: FillRow): StoredFill => ({
  id: r.id,
  tid: r.tid,
  coin: r.coin,
  oid: r.oid,
  cloid: r.cloid,
  side: r.side,
  px: r.px,
  sz: r.sz,
  feeQuote: r.fee_quote,
  liquidity: r.liquidity,
  tsMs: r.ts_ms,
  closedPnlQuote: r.closed_pnl_quote,
  hash: r.hash,
  runId: r.run_id,
});

const toPnl = (r: PnlRow): PnlSnapshot => ({
  tsMs: r.ts_ms,
  coin: r.coin,
  midPx: r.mid_px,
  positionSz: r.position_sz,
  cashQuote: r.cash_quote,
  realizedQuote: r.realized_quote,
  unrealizedQuote: r.unrealized_quote,
  feesQuote: r.fees_quote,
  fundingQuote: r.funding_quote,
  equityQuote: r.equity_quote,
});

const nanIfNull = (v: number | null): number => (v === null ? Number.NaN : v);

const toParams = (r: ParamsRow): ParamsRecord & { id: number } => ({
  id: r.id,
  tsMs: r.ts_ms,
  source: r.source,
  sigma: nanIfNull(r.sigma_quote_per_sqrt_s),
  A: nanIfNull(r.a_per_s),
  k: nanIfNull(r.k_per_quote),
  gamma: nanIfNull(r.gamma_per_quote),
  accepted: r.accepted === 1,
  reason: r.reason,
});

const toRun = (r: RunRow): BotRun => ({
  id: r.id,
  startedMs: r.started_ms,
  stoppedMs: r.stopped_ms,
  mode: r.mode,
  ticker: r.ticker,
  stopReason: r.stop_reason,
});

/** Free text never carries key material, even by accident (an exchange error echoing a request, a typo). */
const freeText = (text: string | null | undefined): string | null =>
  text == null ? null : scrubKeyMaterial(text);

function assertFinite(what: string, values: Record<string, number | null | undefined>): void {
  for (const [name, v] of Object.entries(values)) {
    if (v != null && !Number.isFinite(v))
      throw new Error(`store: ${what}.${name} is ${v}, not a finite number`);
  }
}

/** A fill that completes an order leaves at most this fraction of its size unfilled (float sums of lot sizes). */
const FILLED_TOLERANCE = 1e-9;

class SqliteTradeStore implements TradeStore {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      insertRun: p('INSERT INTO bot_runs (started_ms, mode, ticker) VALUES (?, ?, ?)'),
      stopRun: p('UPDATE bot_runs SET stopped_ms = ?, stop_reason = ? WHERE id = ?'),
      latestRun: p('SELECT * FROM bot_runs ORDER BY id DESC LIMIT 1'),
      unfinishedRuns: p('SELECT * FROM bot_runs WHERE stopped_ms IS NULL ORDER BY id'),

      orderByCloid: p('SELECT * FROM orders WHERE cloid = ?'),
      orderByOid: p('SELECT * FROM orders WHERE oid = ?'),
      insertOrder: p(
        `INSERT INTO orders (oid, cloid, coin, side, px, sz, filled_sz, status, created_ms, updated_ms, reason, run_id)
         VALUES (@oid, @cloid, @coin, @side, @px, @sz, @filled_sz, @status, @created_ms, @updated_ms, @reason, @run_id)`,
      ),
      updateOrderRow: p(
        `UPDATE orders SET oid = @oid, cloid = @cloid, coin = @coin, side = @side, px = @px, sz = @sz,
           filled_sz = @filled_sz, status = @status, created_ms = @created_ms, updated_ms = @updated_ms,
           reason = @reason, run_id = @run_id
         WHERE id = @id`,
      ),
      openOrdersAll: p(`SELECT * FROM orders WHERE status = 'open' ORDER BY id`),
      openOrdersCoin: p(`SELECT * FROM orders WHERE status = 'open' AND coin = ? ORDER BY id`),
      recentOrders: p('SELECT * FROM orders ORDER BY updated_ms DESC, id DESC LIMIT ?'),

      insertFill: p(
        `INSERT INTO fills (tid, coin, oid, cloid, side, px, sz, fee_quote, liquidity, ts_ms, closed_pnl_quote, hash, run_id)
         VALUES (@tid, @coin, @oid, @cloid, @side, @px, @sz, @fee_quote, @liquidity, @ts_ms, @closed_pnl_quote, @hash, @run_id)
         ON CONFLICT (tid) DO NOTHING`,
      ),
      hasFill: p('SELECT 1 FROM fills WHERE tid = ?'),
      fillCount: p('SELECT COUNT(*) AS n FROM fills'),
      fillsAsc: p('SELECT * FROM fills ORDER BY id ASC LIMIT ? OFFSET ?'),
      fillsDesc: p('SELECT * FROM fills ORDER BY id DESC LIMIT ? OFFSET ?'),
      fillsSince: p('SELECT * FROM fills WHERE id > ? ORDER BY id ASC LIMIT ?'),
      allFills: p('SELECT * FROM fills ORDER BY id ASC'),
      allFillsCoin: p('SELECT * FROM fills WHERE coin = ? ORDER BY id ASC'),

      insertPosition: p(
        `INSERT INTO position_snapshots (ts_ms, coin, position_sz, entry_px, account_value_quote, withdrawable_quote, source)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      latestPosition: p(
        'SELECT * FROM position_snapshots WHERE coin = ? ORDER BY ts_ms DESC, id DESC LIMIT 1',
      ),

      insertPnl: p(
        `INSERT INTO pnl_snapshots (ts_ms, coin, mid_px, position_sz, cash_quote, realized_quote, unrealized_quote,
           fees_quote, funding_quote, equity_quote)
         VALUES (@ts_ms, @coin, @mid_px, @position_sz, @cash_quote, @realized_quote, @unrealized_quote,
           @fees_quote, @funding_quote, @equity_quote)`,
      ),
      latestPnl: p('SELECT * FROM pnl_snapshots ORDER BY ts_ms DESC, id DESC LIMIT 1'),
      latestPnlCoin: p('SELECT * FROM pnl_snapshots WHERE coin = ? ORDER BY ts_ms DESC, id DESC LIMIT 1'),
      pnlSpan: p('SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM pnl_snapshots WHERE ts_ms BETWEEN ? AND ?'),
      pnlRange: p('SELECT * FROM pnl_snapshots WHERE ts_ms BETWEEN ? AND ? ORDER BY ts_ms, id'),
      // One index probe per bucket: the last snapshot at or before the bucket's end.
      pnlLastIn: p(
        'SELECT * FROM pnl_snapshots WHERE ts_ms BETWEEN ? AND ? ORDER BY ts_ms DESC, id DESC LIMIT 1',
      ),
      // New first when earlier, new last when not earlier (SET expressions all see the old row).
      upsertPnlDay: p(
        `INSERT INTO pnl_days (day, first_ts_ms, first_equity_quote, last_ts_ms, last_equity_quote)
         VALUES (@day, @ts, @equity, @ts, @equity)
         ON CONFLICT (day) DO UPDATE SET
           first_ts_ms = CASE WHEN excluded.first_ts_ms < first_ts_ms THEN excluded.first_ts_ms ELSE first_ts_ms END,
           first_equity_quote = CASE WHEN excluded.first_ts_ms < first_ts_ms
             THEN excluded.first_equity_quote ELSE first_equity_quote END,
           last_ts_ms = CASE WHEN excluded.last_ts_ms >= last_ts_ms THEN excluded.last_ts_ms ELSE last_ts_ms END,
           last_equity_quote = CASE WHEN excluded.last_ts_ms >= last_ts_ms
             THEN excluded.last_equity_quote ELSE last_equity_quote END`,
      ),
      pnlDays: p('SELECT * FROM pnl_days WHERE day BETWEEN ? AND ? ORDER BY day'),
      prevPnlDay: p('SELECT last_equity_quote FROM pnl_days WHERE day < ? ORDER BY day DESC LIMIT 1'),
      dayFills: p(
        `SELECT ts_ms / ${DAY_MS} AS day, COUNT(*) AS n, SUM(px * sz) AS volume, SUM(fee_quote) AS fees
         FROM fills WHERE ts_ms BETWEEN ? AND ? GROUP BY day`,
      ),

      insertParams: p(
        `INSERT INTO params_history (ts_ms, source, sigma_quote_per_sqrt_s, a_per_s, k_per_quote, gamma_per_quote,
           accepted, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      paramsHistory: p('SELECT * FROM params_history WHERE ts_ms >= ? ORDER BY ts_ms DESC, id DESC LIMIT ?'),
      latestAccepted: p(
        'SELECT * FROM params_history WHERE accepted = 1 ORDER BY ts_ms DESC, id DESC LIMIT 1',
      ),

      insertFunding: p(
        `INSERT INTO funding_payments (ts_ms, coin, amount_quote, rate, position_sz) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (coin, ts_ms) DO NOTHING`,
      ),
      fundingRange: p('SELECT * FROM funding_payments WHERE ts_ms BETWEEN ? AND ? ORDER BY ts_ms, id'),
      fundingTotal: p('SELECT COALESCE(SUM(amount_quote), 0) AS total FROM funding_payments'),
      fundingTotalCoin: p(
        'SELECT COALESCE(SUM(amount_quote), 0) AS total FROM funding_payments WHERE coin = ?',
      ),

      insertPrefix: p(
        'INSERT INTO cloid_prefixes (prefix, created_ms) VALUES (?, ?) ON CONFLICT (prefix) DO NOTHING',
      ),
      prefixes: p('SELECT prefix FROM cloid_prefixes ORDER BY created_ms, prefix'),

      hideTrade: p(
        'INSERT INTO hidden_trades (trade_id, open_ms, hidden_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      hiddenTrades: p('SELECT trade_id, open_ms FROM hidden_trades'),

      insertRisk: p(
        'INSERT INTO risk_events (ts_ms, kind, detail, value, "limit", coin) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      riskEvents: p('SELECT * FROM risk_events WHERE ts_ms >= ? ORDER BY ts_ms DESC, id DESC LIMIT ?'),
      // One coin's events and the account's (coin NULL): what concerns that coin.
      coinRiskEvents: p(
        'SELECT * FROM risk_events WHERE ts_ms >= ? AND (coin = ? OR coin IS NULL) ORDER BY ts_ms DESC, id DESC LIMIT ?',
      ),

      insertLatency: p('INSERT INTO latency_samples (ts_ms, kind, latency_ms, coin) VALUES (?, ?, ?, ?)'),
      latencyRange: p(
        'SELECT * FROM latency_samples WHERE ts_ms BETWEEN ? AND ? AND (? IS NULL OR kind = ?) ORDER BY ts_ms, id',
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  settings() {
    const sync = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[sync],
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────────────────────────

  startRun(run: { startedMs: number; mode: RunMode; ticker: string }): number {
    return Number(this.stmt.insertRun.run(run.startedMs, run.mode, run.ticker).lastInsertRowid);
  }

  stopRun(id: number, stoppedMs: number, reason: string | null): void {
    this.stmt.stopRun.run(stoppedMs, freeText(reason), id);
  }

  latestRun(): BotRun | null {
    const row = this.stmt.latestRun.get() as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  unfinishedRuns(): BotRun[] {
    return (this.stmt.unfinishedRuns.all() as RunRow[]).map(toRun);
  }

  // ── orders ────────────────────────────────────────────────────────────────────────────────────────────────────

  private findOrderRow(ref: { cloid?: string | null; oid?: number | null }): OrderRow | undefined {
    if (ref.cloid != null) {
      const row = this.stmt.orderByCloid.get(ref.cloid) as OrderRow | undefined;
      if (row) return row;
    }
    if (ref.oid != null) return this.stmt.orderByOid.get(ref.oid) as OrderRow | undefined;
    return undefined;
  }

  private orderParams(o: OrderRecord) {
    assertFinite('order', { px: o.px, sz: o.sz, filledSz: o.filledSz });
    return {
      oid: o.oid,
      cloid: o.cloid,
      coin: o.coin,
      side: o.side,
      px: o.px,
      sz: o.sz,
      filled_sz: o.filledSz,
      status: o.status,
      created_ms: o.createdMs,
      updated_ms: o.updatedMs,
      reason: freeText(o.reason),
      run_id: o.runId,
    };
  }

  saveOrder(order: OrderRecord): void {
    if (order.cloid == null && order.oid == null) throw new Error('store: an order needs a cloid or an oid');
    this.transaction(() => {
      const existing = this.findOrderRow(order);
      if (existing) this.stmt.updateOrderRow.run({ ...this.orderParams(order), id: existing.id });
      else this.stmt.insertOrder.run(this.orderParams(order));
    });
  }

  updateOrder(update: OrderUpdate): boolean {
    return this.transaction(() => {
      const row = this.findOrderRow(update);
      if (!row) return false;
      const merged: OrderRecord = {
        ...toOrder(row),
        oid: update.newOid !== undefined ? update.newOid : row.oid,
        px: update.px ?? row.px,
        sz: update.sz ?? row.sz,
        filledSz: update.filledSz ?? row.filled_sz,
        status: update.status ?? row.status,
        updatedMs: update.updatedMs,
        reason: update.reason !== undefined ? update.reason : row.reason,
      };
      this.stmt.updateOrderRow.run({ ...this.orderParams(merged), id: row.id });
      return true;
    });
  }

  findOrder(ref: { cloid?: string | null; oid?: number | null }): OrderRecord | null {
    const row = this.findOrderRow(ref);
    return row ? toOrder(row) : null;
  }

  openOrders(coin?: string): OrderRecord[] {
    const rows = coin === undefined ? this.stmt.openOrdersAll.all() : this.stmt.openOrdersCoin.all(coin);
    return (rows as OrderRow[]).map(toOrder);
  }

  recentOrders(limit: number): OrderRecord[] {
    return (this.stmt.recentOrders.all(limit) as OrderRow[]).map(toOrder);
  }

  // ── fills ─────────────────────────────────────────────────────────────────────────────────────────────────────

  private insertFill(f: FillRecord): boolean {
    if (!Number.isSafeInteger(f.tid)) throw new Error(`store: fill tid ${f.tid} is not an integer`);
    assertFinite('fill', { px: f.px, sz: f.sz, feeQuote: f.feeQuote, closedPnlQuote: f.closedPnlQuote });
    const inserted =
      this.stmt.insertFill.run({
        tid: f.tid,
        coin: f.coin,
        oid: f.oid,
        cloid: f.cloid,
        side: f.side,
        px: f.px,
        sz: f.sz,
        fee_quote: f.feeQuote,
        liquidity: f.liquidity,
        ts_ms: f.tsMs,
        closed_pnl_quote: f.closedPnlQuote ?? null,
        hash: f.hash ?? null,
        run_id: f.runId ?? null,
      }).changes === 1;
    if (inserted) {
      const order = this.findOrderRow(f);
      if (order) {
        const filled = order.filled_sz + f.sz;
        const complete = filled >= order.sz * (1 - FILLED_TOLERANCE);
        this.stmt.updateOrderRow.run({
          ...this.orderParams(toOrder(order)),
          id: order.id,
          filled_sz: filled,
          status: complete && order.status === 'open' ? 'filled' : order.status,
          updated_ms: Math.max(order.updated_ms, f.tsMs),
        });
      }
    }
    return inserted;
  }

  recordFill(fill: FillRecord): boolean {
    return this.transaction(() => this.insertFill(fill));
  }

  recordFills(fills: readonly FillRecord[]): number {
    return this.transaction(() => {
      let n = 0;
      for (const f of fills) if (this.insertFill(f)) n++;
      return n;
    });
  }

  hasFill(tid: number): boolean {
    return this.stmt.hasFill.get(tid) !== undefined;
  }

  fillCount(): number {
    return (this.stmt.fillCount.get() as { n: number }).n;
  }

  fillsPage(page: { limit: number; offset?: number; newestFirst?: boolean }): StoredFill[] {
    const stmt = page.newestFirst ? this.stmt.fillsDesc : this.stmt.fillsAsc;
    return (stmt.all(page.limit, page.offset ?? 0) as FillRow[]).map(toFill);
  }

  fillsSince(afterId: number, limit = 1000): StoredFill[] {
    return (this.stmt.fillsSince.all(afterId, limit) as FillRow[]).map(toFill);
  }

  allFills(coin?: string): StoredFill[] {
    const rows = coin === undefined ? this.stmt.allFills.all() : this.stmt.allFillsCoin.all(coin);
    return (rows as FillRow[]).map(toFill);
  }

  // ── positions and PnL ─────────────────────────────────────────────────────────────────────────────────────────

  recordPosition(s: PositionSnapshot): void {
    assertFinite('position', {
      positionSz: s.positionSz,
      entryPx: s.entryPx,
      accountValueQuote: s.accountValueQuote,
      withdrawableQuote: s.withdrawableQuote,
    });
    this.stmt.insertPosition.run(
      s.tsMs,
      s.coin,
      s.positionSz,
      s.entryPx,
      s.accountValueQuote,
      s.withdrawableQuote,
      s.source,
    );
  }

  latestPosition(coin: string): PositionSnapshot | null {
    const r = this.stmt.latestPosition.get(coin) as
      | {
          ts_ms: number;
          coin: string;
          position_sz: number;
          entry_px: number | null;
          account_value_quote: number | null;
          withdrawable_quote: number | null;
          source: 'local' | 'exchange';
        }
      | undefined;
    if (!r) return null;
    return {
      tsMs: r.ts_ms,
      coin: r.coin,
      positionSz: r.position_sz,
      entryPx: r.entry_px,
      accountValueQuote: r.account_value_quote,
      withdrawableQuote: r.withdrawable_quote,
      source: r.source,
    };
  }

  recordPnl(s: PnlSnapshot): void {
    assertFinite('pnl', {
      midPx: s.midPx,
      positionSz: s.positionSz,
      cashQuote: s.cashQuote,
      realizedQuote: s.realizedQuote,
      unrealizedQuote: s.unrealizedQuote,
      feesQuote: s.feesQuote,
      fundingQuote: s.fundingQuote,
      equityQuote: s.equityQuote,
    });
    // The snapshot and its day's summary commit together.
    this.transaction(() => {
      this.stmt.upsertPnlDay.run({ day: Math.floor(s.tsMs / DAY_MS), ts: s.tsMs, equity: s.equityQuote });
      this.stmt.insertPnl.run({
        ts_ms: s.tsMs,
        coin: s.coin,
        mid_px: s.midPx,
        position_sz: s.positionSz,
        cash_quote: s.cashQuote,
        realized_quote: s.realizedQuote,
        unrealized_quote: s.unrealizedQuote,
        fees_quote: s.feesQuote,
        funding_quote: s.fundingQuote,
        equity_quote: s.equityQuote,
      });
    });
  }

  recordPnls(snapshots: readonly PnlSnapshot[]): void {
    this.transaction(() => {
      for (const s of snapshots) this.recordPnl(s);
    });
  }

  latestPnl(coin?: string): PnlSnapshot | null {
    const row = (coin === undefined ? this.stmt.latestPnl.get() : this.stmt.latestPnlCoin.get(coin)) as
      | PnlRow
      | undefined;
    return row ? toPnl(row) : null;
  }

  pnlSnapshots(range: { fromMs?: number; toMs?: number; maxPoints?: number }): PnlSnapshot[] {
    const from = range.fromMs ?? 0;
    const to = range.toMs ?? Number.MAX_SAFE_INTEGER;
    if (range.maxPoints !== undefined && range.maxPoints > 0) {
      // Bucket width from the recorded span, not the requested one (the default `to` is effectively infinite).
      const span = this.stmt.pnlSpan.get(from, to) as { lo: number | null; hi: number | null };
      if (span.lo === null || span.hi === null) return [];
      const bucket = Math.max(1, Math.ceil((span.hi - span.lo + 1) / range.maxPoints));
      const out: PnlSnapshot[] = [];
      for (let start = span.lo; start <= span.hi; start += bucket) {
        const row = this.stmt.pnlLastIn.get(start, start + bucket - 1) as PnlRow | undefined;
        if (row) out.push(toPnl(row));
      }
      return out;
    }
    return (this.stmt.pnlRange.all(from, to) as PnlRow[]).map(toPnl);
  }

  dailyPnl(range: { fromMs?: number; toMs?: number } = {}): DailyPnl[] {
    const fromDay = Math.floor((range.fromMs ?? 0) / DAY_MS);
    const toDay = Math.floor((range.toMs ?? Number.MAX_SAFE_INTEGER) / DAY_MS);
    const days = this.stmt.pnlDays.all(fromDay, toDay) as Array<{
      day: number;
      first_equity_quote: number;
      last_equity_quote: number;
    }>;
    if (days.length === 0) return [];
    const fills = new Map(
      (
        this.stmt.dayFills.all(fromDay * DAY_MS, (toDay + 1) * DAY_MS - 1) as Array<{
          day: number;
          n: number;
          volume: number;
          fees: number;
        }>
      ).map((r) => [r.day, r]),
    );
    // A day's PnL starts from the previous recorded day's close, even when that day is outside the range.
    const before = this.stmt.prevPnlDay.get(days[0].day) as { last_equity_quote: number } | undefined;
    let prevEnd: number | null = before ? before.last_equity_quote : null;
    return days.map((d) => {
      const start = prevEnd ?? d.first_equity_quote;
      prevEnd = d.last_equity_quote;
      const f = fills.get(d.day);
      return {
        day: new Date(d.day * DAY_MS).toISOString().slice(0, 10),
        dayStartMs: d.day * DAY_MS,
        startEquityQuote: start,
        endEquityQuote: d.last_equity_quote,
        pnlQuote: d.last_equity_quote - start,
        fills: f?.n ?? 0,
        volumeQuote: f?.volume ?? 0,
        feesQuote: f?.fees ?? 0,
      };
    });
  }

  // ── parameters ────────────────────────────────────────────────────────────────────────────────────────────────

  recordParams(p: ParamsRecord): number {
    // A refused set is often refused for being NaN or infinite; SQLite has no NaN, so such a value is stored as
    // NULL (read back as NaN). An accepted set must be finite: anything else is a bug upstream.
    if (p.accepted) assertFinite('params', { sigma: p.sigma, A: p.A, k: p.k, gamma: p.gamma });
    const num = (v: number) => (Number.isFinite(v) ? v : null);
    return Number(
      this.stmt.insertParams.run(
        p.tsMs,
        freeText(p.source),
        num(p.sigma),
        num(p.A),
        num(p.k),
        num(p.gamma),
        p.accepted ? 1 : 0,
        freeText(p.reason),
      ).lastInsertRowid,
    );
  }

  paramsHistory(query: { limit?: number; sinceMs?: number } = {}): Array<ParamsRecord & { id: number }> {
    return (this.stmt.paramsHistory.all(query.sinceMs ?? 0, query.limit ?? 1000) as ParamsRow[]).map(
      toParams,
    );
  }

  latestAcceptedParams(): (ParamsRecord & { id: number }) | null {
    const row = this.stmt.latestAccepted.get() as ParamsRow | undefined;
    return row ? toParams(row) : null;
  }

  // ── funding ───────────────────────────────────────────────────────────────────────────────────────────────────

  recordFunding(f: FundingRecord): boolean {
    assertFinite('funding', { amountQuote: f.amountQuote, rate: f.rate, positionSz: f.positionSz });
    return this.stmt.insertFunding.run(f.tsMs, f.coin, f.amountQuote, f.rate, f.positionSz).changes === 1;
  }

  fundingPayments(range: { fromMs?: number; toMs?: number } = {}): FundingRecord[] {
    const rows = this.stmt.fundingRange.all(
      range.fromMs ?? 0,
      range.toMs ?? Number.MAX_SAFE_INTEGER,
    ) as Array<{
      ts_ms: number;
      coin: string;
      amount_quote: number;
      rate: number;
      position_sz: number;
    }>;
    return rows.map((r) => ({
      tsMs: r.ts_ms,
      coin: r.coin,
      amountQuote: r.amount_quote,
      rate: r.rate,
      positionSz: r.position_sz,
    }));
  }

  fundingTotalQuote(coin?: string): number {
    const row = (
      coin === undefined ? this.stmt.fundingTotal.get() : this.stmt.fundingTotalCoin.get(coin)
    ) as {
      total: number;
    };
    return row.total;
  }

  // ── cloid prefixes ──────────────────────────────────────────────────────────────────────────────────────────

  recordCloidPrefix(prefix: string, createdMs: number): void {
    this.stmt.insertPrefix.run(prefix.toLowerCase(), createdMs);
  }

  cloidPrefixes(): string[] {
    return (this.stmt.prefixes.all() as Array<{ prefix: string }>).map((r) => r.prefix);
  }

  hideTrade(tradeId: number, openMs: number, hiddenMs: number): void {
    this.stmt.hideTrade.run(tradeId, openMs, hiddenMs);
  }

  hiddenTrades(): Set<string> {
    const rows = this.stmt.hiddenTrades.all() as Array<{ trade_id: number; open_ms: number }>;
    return new Set(rows.map((r) => `${r.trade_id}:${r.open_ms}`));
  }

  // ── risk events ───────────────────────────────────────────────────────────────────────────────────────────────

  recordRiskEvent(e: RiskEventRecord): void {
    assertFinite('riskEvent', { value: e.value, limit: e.limit });
    this.stmt.insertRisk.run(
      e.tsMs,
      e.kind,
      freeText(e.detail),
      e.value ?? null,
      e.limit ?? null,
      e.coin ?? null,
    );
  }

  riskEvents(
    query: { limit?: number; sinceMs?: number; coin?: string } = {},
  ): Array<RiskEventRecord & { id: number }> {
    const since = query.sinceMs ?? 0;
    const limit = query.limit ?? 1000;
    const rows = (
      query.coin === undefined
        ? this.stmt.riskEvents.all(since, limit)
        : this.stmt.coinRiskEvents.all(since, query.coin, limit)
    ) as Array<{
      id: number;
      ts_ms: number;
      kind: string;
      detail: string;
      value: number | null;
      limit: number | null;
      coin: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      tsMs: r.ts_ms,
      kind: r.kind,
      detail: r.detail,
      value: r.value,
      limit: r.limit,
      coin: r.coin,
    }));
  }

  // ── latency samples ───────────────────────────────────────────────────────────────────────────────────────────

  recordLatency(l: LatencySampleRecord): void {
    assertFinite('latency', { latencyMs: l.latencyMs, tsMs: l.tsMs });
    this.stmt.insertLatency.run(Math.round(l.tsMs), l.kind, l.latencyMs, l.coin);
  }

  latencySamples(q: { kind?: LatencyKind; fromMs?: number; toMs?: number } = {}): LatencySampleRecord[] {
    const kind = q.kind ?? null;
    const rows = this.stmt.latencyRange.all(
      q.fromMs ?? 0,
      q.toMs ?? Number.MAX_SAFE_INTEGER,
      kind,
      kind,
    ) as Array<{ ts_ms: number; kind: LatencyKind; latency_ms: number; coin: string }>;
    return rows.map((r) => ({ tsMs: r.ts_ms, kind: r.kind, latencyMs: r.latency_ms, coin: r.coin }));
  }
}
