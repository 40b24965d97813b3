/**
 * Risk events carry their coin (several coins share one store): a database written before the column existed is
 * upgraded in place with its rows' coin NULL; a coin's listing holds its own events and the account's (NULL).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openStore } from '../../src/store/trade-store.ts';

test('an old database gains the coin column, its rows NULL; new rows keep their coin; a coin lists its own and the account’s', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hlmm-risk-coin-')), 'old.sqlite');
  const before = SCHEMA_VERSION - 1;
  const db = new Database(file);
  for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]);
  db.pragma(`user_version = ${before}`);
  db.exec(
    "INSERT INTO risk_events (ts_ms, kind, detail) VALUES (1, 'stale_data', 'written by an older hlmm')",
  );
  db.close();

  const store = openStore(file);
  try {
    store.recordRiskEvent({ tsMs: 2, kind: 'kill_switch', detail: 'BTC drawdown', coin: 'BTC' });
    store.recordRiskEvent({ tsMs: 3, kind: 'rate_limit', detail: 'ETH backed off', coin: 'ETH' });
    store.recordRiskEvent({ tsMs: 4, kind: 'margin_limit', detail: 'the account' });
    assert.deepEqual(
      store.riskEvents().map((e) => [e.tsMs, e.coin]),
      [
        [4, null],
        [3, 'ETH'],
        [2, 'BTC'],
        [1, null],
      ],
    );
    assert.deepEqual(
      store.riskEvents({ coin: 'BTC' }).map((e) => e.detail),
      ['the account', 'BTC drawdown', 'written by an older hlmm'],
    );
    assert.deepEqual(
      store.riskEvents({ coin: 'ETH', limit: 2 }).map((e) => e.kind),
      ['margin_limit', 'rate_limit'],
    );
  } finally {
    store.close();
  }
});
