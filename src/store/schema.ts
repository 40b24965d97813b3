import type Database from 'better-sqlite3';

/**
 * The store's schema as ordered migrations. `PRAGMA user_version` holds how many have run; opening a store runs
 * the missing ones, each in its own transaction, so an old database file is upgraded in place and a new one is
 * created from scratch. Never edit a shipped migration: append a new one.
 *
 * Units in column names: `_px` quote per base unit, `_sz` base units (signed for positions), `_quote` quote
 * currency (USDC), `_ms` Unix milliseconds. There is deliberately no column for a key, password or token.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE bot_runs (
    id           INTEGER PRIMARY KEY,
    started_ms   INTEGER NOT NULL,
    stopped_ms   INTEGER,
    mode         TEXT NOT NULL CHECK (mode IN ('dry', 'live')),
    ticker       TEXT NOT NULL,
    stop_reason  TEXT
  );

  CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    oid         INTEGER,
    cloid       TEXT,
    coin        TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    px          REAL NOT NULL,
    sz          REAL NOT NULL,
    filled_sz   REAL NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('open', 'filled', 'canceled', 'rejected')),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    reason      TEXT,
    run_id      INTEGER REFERENCES bot_runs(id)
  );
  CREATE UNIQUE INDEX orders_cloid ON orders(cloid) WHERE cloid IS NOT NULL;
  CREATE UNIQUE INDEX orders_oid ON orders(oid) WHERE oid IS NOT NULL;
  CREATE INDEX orders_open ON orders(status) WHERE status = 'open';

  CREATE TABLE fills (
    id                INTEGER PRIMARY KEY,
    tid               INTEGER NOT NULL UNIQUE,
    coin              TEXT NOT NULL,
    oid               INTEGER,
    cloid             TEXT,
    side              TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    px                REAL NOT NULL,
    sz                REAL NOT NULL CHECK (sz > 0),
    fee_quote         REAL NOT NULL,
    liquidity         TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
    ts_ms             INTEGER NOT NULL,
    closed_pnl_quote  REAL,
    hash              TEXT,
    run_id            INTEGER REFERENCES bot_runs(id)
  );
  CREATE INDEX fills_ts ON fills(ts_ms);

  CREATE TABLE position_snapshots (
    id                   INTEGER PRIMARY KEY,
    ts_ms                INTEGER NOT NULL,
    coin                 TEXT NOT NULL,
    position_sz          REAL NOT NULL,
    entry_px             REAL,
    account_value_quote  REAL,
    withdrawable_quote   REAL,
    source               TEXT NOT NULL CHECK (source IN ('local', 'exchange'))
  );
  CREATE INDEX position_snapshots_coin_ts ON position_snapshots(coin, ts_ms);

  CREATE TABLE pnl_snapshots (
    id                INTEGER PRIMARY KEY,
    ts_ms             INTEGER NOT NULL,
    coin              TEXT NOT NULL,
    mid_px            REAL NOT NULL,
    position_sz       REAL NOT NULL,
    cash_quote        REAL NOT NULL,
    realized_quote    REAL NOT NULL,
    unrealized_quote  REAL NOT NULL,
    fees_quote        REAL NOT NULL,
    funding_quote     REAL NOT NULL,
    equity_quote      REAL NOT NULL
  );
  CREATE INDEX pnl_snapshots_ts ON pnl_snapshots(ts_ms);

  -- First and last equity of each UTC day (day = ts_ms / 86400000), kept by recordPnl so daily PnL is one
  -- small read however long the equity curve grows.
  CREATE TABLE pnl_days (
    day                 INTEGER PRIMARY KEY,
    first_ts_ms         INTEGER NOT NULL,
    first_equity_quote  REAL NOT NULL,
    last_ts_ms          INTEGER NOT NULL,
    last_equity_quote   REAL NOT NULL
  );

  CREATE TABLE params_history (
    id                      INTEGER PRIMARY KEY,
    ts_ms                   INTEGER NOT NULL,
    source                  TEXT NOT NULL,
    -- NULL only in a refused set whose value was not a finite number (NaN, ±Infinity).
    sigma_quote_per_sqrt_s  REAL,
    a_per_s                 REAL,
    k_per_quote             REAL,
    gamma_per_quote         REAL,
    accepted                INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    reason                  TEXT
  );
  CREATE INDEX params_history_ts ON params_history(ts_ms);

  CREATE TABLE funding_payments (
    id            INTEGER PRIMARY KEY,
    ts_ms         INTEGER NOT NULL,
    coin          TEXT NOT NULL,
    amount_quote  REAL NOT NULL,
    rate          REAL NOT NULL,
    position_sz   REAL NOT NULL,
    UNIQUE (coin, ts_ms)
  );

  CREATE TABLE risk_events (
    id      INTEGER PRIMARY KEY,
    ts_ms   INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL,
    value   REAL,
    "limit" REAL
  );
  CREATE INDEX risk_events_ts ON risk_events(ts_ms);
  `,
  // 2: the cloid prefixes this database's live runs used: their orders are ours (orphans after a crash), any
  // other hlmm prefix on the account belongs to another bot.
  `
  CREATE TABLE cloid_prefixes (
    prefix      TEXT PRIMARY KEY,
    created_ms  INTEGER NOT NULL
  );
  `,
  // 3: round trips an operator deleted through the API (Freqtrade's DELETE /trades/{id}). The fills stay — the
  // account and the PnL history are built from them — the trade is only no longer listed. Keyed by the trip's
  // number and its opening fill time, so a trip renumbered by a rebuilt store is never hidden by mistake.
  `
  CREATE TABLE hidden_trades (
    trade_id    INTEGER NOT NULL,
    open_ms     INTEGER NOT NULL,
    hidden_ms   INTEGER NOT NULL,
    PRIMARY KEY (trade_id, open_ms)
  );
  `,
  // 4: the live bot's own latencies (the backtest's --latency-file comes from them, via hlmm latency):
  // order_ack = request sent → the exchange's answer received (a round trip); fill_report = a fill's exchange
  // time → our receipt of it (the response path alone).
  `
  CREATE TABLE latency_samples (
    id          INTEGER PRIMARY KEY,
    ts_ms       INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('order_ack', 'fill_report')),
    latency_ms  REAL NOT NULL,
    coin        TEXT NOT NULL
  );
  CREATE INDEX latency_samples_kind_ts ON latency_samples(kind, ts_ms);
  `,
  // 5: the coin a risk event concerns (several coins share one store); NULL for the account's own events (its
  // dead man's switch, its margin limit) and for rows written before this column existed.
  `
  ALTER TABLE risk_events ADD COLUMN coin TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION; refuses a file written by a newer hlmm (returns its version). */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) return { from, to: from };
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      // PRAGMA does not take bound parameters; v + 1 is an integer we computed.
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: SCHEMA_VERSION };
}
