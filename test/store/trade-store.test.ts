import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { UserError } from '../../src/core/errors.ts';
import type { FillRecord, OrderRecord } from '../../src/store/records.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openStore } from '../../src/store/trade-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(dir, `run-${n++}`, 'nested', 'hlmm.sqlite');

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 8, 1); // 2025-09-01 00:00 UTC

function fill(tid: number, over: Partial<FillRecord> = {}): FillRecord {
  return {
    tid,
    coin: 'BTC',
    oid: null,
    cloid: null,
    side: 'buy',
    px: 100_000,
    sz: 0.001,
    feeQuote: 0.015,
    liquidity: 'maker',
    tsMs: T0 + tid,
    ...over,
  };
}

function order(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    oid: 11,
    cloid: '0x00000000000000000000000000000001',
    coin: 'BTC',
    side: 'buy',
    px: 99_990,
    sz: 0.002,
    filledSz: 0,
    status: 'open',
    createdMs: T0,
    updatedMs: T0,
    reason: null,
    runId: null,
    ...over,
  };
}

describe('openStore', () => {
  test('creates the folder and the schema, in WAL mode with synchronous=NORMAL', () => {
    const file = freshFile();
    const store = openStore(file);
    store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    assert.deepEqual(tables, [
      'bot_runs',
      'cloid_prefixes',
      'fills',
      'funding_payments',
      'hidden_trades',
      'latency_samples',
      'orders',
      'params_history',
      'pnl_days',
      'pnl_snapshots',
      'position_snapshots',
      'risk_events',
    ]);
    db.close();
  });

  test('reports the settings its connection runs with', () => {
    const store = openStore(freshFile());
    assert.deepEqual(store.settings(), {
      journalMode: 'wal',
      synchronous: 'NORMAL',
      schemaVersion: SCHEMA_VERSION,
    });
    store.close();
  });

  test('has no column that could hold a key, password or token', () => {
    const file = freshFile();
    openStore(file).close();
    const db = new Database(file, { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      const cols = db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[];
      for (const c of cols)
        assert.doesNotMatch(c.name, /key|secret|password|token|mnemonic|seed/i, `${name}.${c.name}`);
    }
    db.close();
  });

  test('reopening keeps the data and runs no migration twice', () => {
    const file = freshFile();
    const a = openStore(file);
    assert.equal(a.recordFill(fill(1)), true);
    a.close();
    const b = openStore(file);
    assert.equal(b.fillCount(), 1);
    assert.equal(b.recordFill(fill(1)), false);
    b.close();
  });

  test('refuses a file from a newer hlmm and a file that is not SQLite, as UserErrors naming the file', () => {
    const newer = freshFile();
    openStore(newer).close();
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => openStore(newer),
      (e: unknown) => e instanceof UserError && e.message.includes(newer),
    );

    const junk = join(dir, 'junk.sqlite');
    writeFileSync(
      junk,
      'this is not a database, just some text that is long enough to have a header. '.repeat(20),
    );
    assert.throws(
      () => openStore(junk),
      (e: unknown) => e instanceof UserError && e.message.includes(junk),
    );
  });
});

describe('fills', () => {
  test('recordFill is idempotent by tid: false for a duplicate, nothing changes', () => {
    const store = openStore(':memory:');
    assert.equal(store.recordFill(fill(7, { px: 101 })), true);
    assert.equal(store.recordFill(fill(7, { px: 999 })), false);
    assert.equal(store.fillCount(), 1);
    assert.equal(store.allFills()[0].px, 101);
    assert.equal(store.hasFill(7), true);
    assert.equal(store.hasFill(8), false);
    // A batch (e.g. userFills after a restart) that overlaps what is stored: only the new ones count.
    assert.equal(store.recordFills([fill(6), fill(7), fill(8), fill(8)]), 2);
    assert.equal(store.fillCount(), 3);
    store.close();
  });

  test('round-trips every field, with null closed PnL and hash when not given', () => {
    const store = openStore(':memory:');
    store.recordFill(
      fill(42, {
        oid: 5,
        cloid: '0xabc',
        side: 'sell',
        px: 101_234.5,
        sz: 0.00123,
        feeQuote: -0.0025,
        liquidity: 'taker',
        tsMs: T0 + 5,
        closedPnlQuote: 1.25,
        hash: '0xdead',
      }),
    );
    store.recordFill(fill(43));
    const [a, b] = store.allFills();
    assert.deepEqual(a, {
      id: 1,
      tid: 42,
      coin: 'BTC',
      oid: 5,
      cloid: '0xabc',
      side: 'sell',
      px: 101_234.5,
      sz: 0.00123,
      feeQuote: -0.0025,
      liquidity: 'taker',
      tsMs: T0 + 5,
      closedPnlQuote: 1.25,
      hash: '0xdead',
      runId: null,
    });
    assert.equal(b.closedPnlQuote, null);
    assert.equal(b.hash, null);
    store.close();
  });

  test('pages by offset (both orders) and resumes after an id', () => {
    const store = openStore(':memory:');
    for (let tid = 100; tid < 110; tid++) store.recordFill(fill(tid));
    assert.deepEqual(
      store.fillsPage({ limit: 3, offset: 2 }).map((f) => f.tid),
      [102, 103, 104],
    );
    assert.deepEqual(
      store.fillsPage({ limit: 3, newestFirst: true }).map((f) => f.tid),
      [109, 108, 107],
    );
    assert.deepEqual(
      store.fillsSince(8).map((f) => f.id),
      [9, 10],
    );
    assert.deepEqual(
      store.fillsSince(0, 2).map((f) => f.id),
      [1, 2],
    );
    store.close();
  });

  test('a new fill adds to its order and completes it; a duplicate does not count twice', () => {
    const store = openStore(':memory:');
    store.saveOrder(order({ sz: 0.003 }));
    store.recordFill(fill(1, { oid: 11, sz: 0.001, tsMs: T0 + 10 }));
    assert.equal(store.findOrder({ oid: 11 })!.filledSz, 0.001);
    assert.equal(store.findOrder({ oid: 11 })!.status, 'open');
    store.recordFill(fill(1, { oid: 11, sz: 0.001 })); // duplicate
    assert.equal(store.findOrder({ oid: 11 })!.filledSz, 0.001);
    // Found by cloid too; 0.001 + 0.002 in floating point is 0.0030000000000000005 ≥ 0.003 → filled.
    store.recordFill(
      fill(2, { cloid: '0x00000000000000000000000000000001', oid: null, sz: 0.002, tsMs: T0 + 20 }),
    );
    const o = store.findOrder({ cloid: '0x00000000000000000000000000000001' })!;
    assert.equal(o.status, 'filled');
    assert.ok(Math.abs(o.filledSz - 0.003) < 1e-12);
    assert.equal(o.updatedMs, T0 + 20);
    assert.deepEqual(store.openOrders(), []);
    store.close();
  });

  test('refuses a non-finite price as a bug, storing nothing', () => {
    const store = openStore(':memory:');
    assert.throws(() => store.recordFill(fill(1, { px: Number.NaN })), /px is NaN/);
    assert.equal(store.fillCount(), 0);
    store.close();
  });
});

describe('orders', () => {
  test('save, update by cloid or oid, modify to a new oid, list the open ones', () => {
    const store = openStore(':memory:');
    store.saveOrder(order());
    store.saveOrder(order({ oid: 12, cloid: '0x2', side: 'sell', px: 100_010, coin: 'ETH' }));
    assert.deepEqual(
      store.openOrders().map((o) => o.oid),
      [11, 12],
    );
    assert.deepEqual(
      store.openOrders('ETH').map((o) => o.cloid),
      ['0x2'],
    );

    // Re-pricing with modify: Hyperliquid answers with a new oid; the cloid finds the row.
    assert.equal(
      store.updateOrder({
        cloid: '0x00000000000000000000000000000001',
        newOid: 21,
        px: 99_980,
        updatedMs: T0 + 1,
      }),
      true,
    );
    assert.equal(store.findOrder({ oid: 11 }), null);
    const moved = store.findOrder({ oid: 21 })!;
    assert.equal(moved.px, 99_980);
    assert.equal(moved.createdMs, T0);
    assert.equal(moved.updatedMs, T0 + 1);

    assert.equal(
      store.updateOrder({ oid: 12, status: 'canceled', reason: 'kill switch', updatedMs: T0 + 2 }),
      true,
    );
    assert.equal(store.findOrder({ cloid: '0x2' })!.reason, 'kill switch');
    assert.equal(store.updateOrder({ oid: 999, status: 'canceled', updatedMs: T0 }), false);
    assert.deepEqual(
      store.openOrders().map((o) => o.oid),
      [21],
    );
    // saveOrder overwrites the stored order with the same cloid rather than adding a second row.
    store.saveOrder(
      order({ oid: 21, status: 'rejected', reason: 'Post only order would have immediately matched' }),
    );
    assert.equal(store.recentOrders(10).length, 2);
    assert.equal(store.findOrder({ oid: 21 })!.status, 'rejected');
    store.close();
  });

  test('free text never stores something shaped like a private key', () => {
    const store = openStore(':memory:');
    const key = `0x${'a1'.repeat(32)}`;
    store.saveOrder(order({ status: 'rejected', reason: `bad request ${key} echoed` }));
    assert.equal(store.findOrder({ oid: 11 })!.reason, 'bad request [redacted] echoed');
    store.recordRiskEvent({ tsMs: T0, kind: 'reconcile', detail: `key=${'B2'.repeat(32)}` });
    assert.equal(store.riskEvents()[0].detail, 'key=[redacted]');
    store.close();
  });
});

describe('positions, PnL, daily PnL', () => {
  test('latest position per coin', () => {
    const store = openStore(':memory:');
    assert.equal(store.latestPosition('BTC'), null);
    const snap = {
      coin: 'BTC',
      entryPx: 100_000,
      accountValueQuote: 1000,
      withdrawableQuote: 900,
      source: 'exchange' as const,
    };
    store.recordPosition({ ...snap, tsMs: T0 + 2, positionSz: 0.002 });
    store.recordPosition({ ...snap, tsMs: T0 + 1, positionSz: 0.001 });
    store.recordPosition({ ...snap, coin: 'ETH', tsMs: T0 + 3, positionSz: -1 });
    assert.equal(store.latestPosition('BTC')!.positionSz, 0.002);
    assert.equal(store.latestPosition('ETH')!.positionSz, -1);
    store.close();
  });

  function pnl(tsMs: number, equityQuote: number) {
    return {
      tsMs,
      coin: 'BTC',
      midPx: 100_000,
      positionSz: 0,
      cashQuote: equityQuote,
      realizedQuote: 0,
      unrealizedQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
      equityQuote,
    };
  }

  test('equity curve in a range, and downsampled to the last point of equal time buckets', () => {
    const store = openStore(':memory:');
    for (let i = 0; i < 10; i++) store.recordPnl(pnl(T0 + i * 1000, 1000 + i));
    assert.deepEqual(
      store.pnlSnapshots({ fromMs: T0 + 2000, toMs: T0 + 4000 }).map((p) => p.equityQuote),
      [1002, 1003, 1004],
    );
    // Span 0…9000 ms → 3 buckets of ceil(9001/3) = 3001 ms: [0,3000] [3001,6001] [6002,9002] → last of each.
    assert.deepEqual(
      store.pnlSnapshots({ maxPoints: 3 }).map((p) => [p.tsMs - T0, p.equityQuote]),
      [
        [3000, 1003],
        [6000, 1006],
        [9000, 1009],
      ],
    );
    assert.equal(store.latestPnl()!.equityQuote, 1009);
    assert.deepEqual(store.pnlSnapshots({ fromMs: T0 + 50_000, maxPoints: 5 }), []);
    store.close();
  });

  test('daily PnL by UTC day: from the previous day close, with fills, volume and fees of the day', () => {
    const store = openStore(':memory:');
    // Day 1: 1000 → 1010 (first day: from its first snapshot). Day 2: closes 995 → −15. Day 4 (day 3 empty): 1020 → +25.
    store.recordPnl(pnl(T0 + 1000, 1000));
    store.recordPnl(pnl(T0 + DAY - 1, 1010));
    store.recordPnl(pnl(T0 + DAY, 1008));
    store.recordPnl(pnl(T0 + DAY + 5000, 995));
    store.recordPnl(pnl(T0 + 3 * DAY + 10, 1020));
    store.recordFill(fill(1, { tsMs: T0 + DAY + 1, px: 100_000, sz: 0.001, feeQuote: 0.015 }));
    store.recordFill(fill(2, { tsMs: T0 + DAY + 2, px: 101_000, sz: 0.002, feeQuote: -0.01 }));
    const days = store.dailyPnl();
    assert.deepEqual(
      days.map((d) => [d.day, d.startEquityQuote, d.endEquityQuote, d.pnlQuote, d.fills]),
      [
        ['2025-09-01', 1000, 1010, 10, 0],
        ['2025-09-02', 1010, 995, -15, 2],
        ['2025-09-04', 995, 1020, 25, 0],
      ],
    );
    assert.equal(days[1].dayStartMs, T0 + DAY);
    assert.ok(Math.abs(days[1].volumeQuote - (100 + 202)) < 1e-9);
    assert.ok(Math.abs(days[1].feesQuote - 0.005) < 1e-12);
    // A range starting on day 2 still measures day 2 from day 1's close.
    assert.deepEqual(
      store.dailyPnl({ fromMs: T0 + DAY }).map((d) => d.pnlQuote),
      [-15, 25],
    );
    store.close();
  });
  test('daily PnL does not depend on the order snapshots arrive in (batch insert, late earlier point)', () => {
    const store = openStore(':memory:');
    store.recordPnls([pnl(T0 + 5000, 1005), pnl(T0 + 9000, 1009)]);
    store.recordPnl(pnl(T0 + 1000, 990)); // earlier than the day's first: becomes the start
    store.recordPnl(pnl(T0 + 7000, 1007)); // earlier than the day's last: end unchanged
    assert.deepEqual(
      store.dailyPnl().map((d) => [d.startEquityQuote, d.endEquityQuote, d.pnlQuote]),
      [[990, 1009, 19]],
    );
    assert.equal(store.pnlSnapshots({}).length, 4);
    store.close();
  });
});

describe('parameters, funding, risk events, runs', () => {
  test('params history newest first; a refused NaN set is kept (as NaN) with its reason', () => {
    const store = openStore(':memory:');
    store.recordParams({
      tsMs: T0,
      source: 'params_BTC.json',
      sigma: 3.1,
      A: 0.8,
      k: 0.05,
      gamma: 0.01,
      accepted: true,
      reason: null,
    });
    store.recordParams({
      tsMs: T0 + 1,
      source: 'params_BTC.json',
      sigma: Number.NaN,
      A: 0.8,
      k: 0.05,
      gamma: 0.01,
      accepted: false,
      reason: 'sigma is not a number',
    });
    const h = store.paramsHistory();
    assert.equal(h.length, 2);
    assert.equal(h[0].accepted, false);
    assert.ok(Number.isNaN(h[0].sigma));
    assert.equal(h[0].reason, 'sigma is not a number');
    assert.deepEqual(
      { ...store.latestAcceptedParams()!, id: 0 },
      {
        id: 0,
        tsMs: T0,
        source: 'params_BTC.json',
        sigma: 3.1,
        A: 0.8,
        k: 0.05,
        gamma: 0.01,
        accepted: true,
        reason: null,
      },
    );
    assert.equal(store.paramsHistory({ sinceMs: T0 + 1 }).length, 1);
    assert.throws(() =>
      store.recordParams({
        tsMs: T0,
        source: 'x',
        sigma: Number.NaN,
        A: 1,
        k: 1,
        gamma: 1,
        accepted: true,
        reason: null,
      }),
    );
    store.close();
  });

  test('funding payments are idempotent per coin and hour, and sum', () => {
    const store = openStore(':memory:');
    const hour = 3_600_000;
    assert.equal(
      store.recordFunding({ tsMs: T0, coin: 'BTC', amountQuote: -0.12, rate: 0.0000125, positionSz: 0.1 }),
      true,
    );
    assert.equal(
      store.recordFunding({ tsMs: T0, coin: 'BTC', amountQuote: -0.12, rate: 0.0000125, positionSz: 0.1 }),
      false,
    );
    assert.equal(
      store.recordFunding({
        tsMs: T0 + hour,
        coin: 'BTC',
        amountQuote: 0.05,
        rate: -0.000005,
        positionSz: 0.1,
      }),
      true,
    );
    assert.equal(
      store.recordFunding({ tsMs: T0, coin: 'ETH', amountQuote: 1, rate: 0.0001, positionSz: -3 }),
      true,
    );
    assert.ok(Math.abs(store.fundingTotalQuote('BTC') - -0.07) < 1e-12);
    assert.ok(Math.abs(store.fundingTotalQuote() - 0.93) < 1e-12);
    assert.equal(store.fundingPayments({ fromMs: T0 + 1 }).length, 1);
    store.close();
  });

  test('risk events newest first with value and limit', () => {
    const store = openStore(':memory:');
    store.recordRiskEvent({ tsMs: T0, kind: 'stale_data', detail: 'no book for 12 s', value: 12, limit: 10 });
    store.recordRiskEvent({ tsMs: T0 + 5, kind: 'kill_switch', detail: 'drawdown 101 USDC over 100' });
    const events = store.riskEvents();
    assert.deepEqual(
      events.map((e) => [e.kind, e.value, e.limit]),
      [
        ['kill_switch', null, null],
        ['stale_data', 12, 10],
      ],
    );
    assert.equal(store.riskEvents({ limit: 1 }).length, 1);
    store.close();
  });

  test('runs: start, stop, and the ones that never stopped (crashed)', () => {
    const store = openStore(':memory:');
    const a = store.startRun({ startedMs: T0, mode: 'dry', ticker: 'BTC' });
    const b = store.startRun({ startedMs: T0 + 10, mode: 'live', ticker: 'BTC' });
    store.stopRun(b, T0 + 20, 'SIGINT');
    assert.deepEqual(
      store.unfinishedRuns().map((r) => r.id),
      [a],
    );
    assert.deepEqual(store.latestRun(), {
      id: b,
      startedMs: T0 + 10,
      stoppedMs: T0 + 20,
      mode: 'live',
      ticker: 'BTC',
      stopReason: 'SIGINT',
    });
    store.close();
  });

  test('a transaction rolls back every write when it throws', () => {
    const store = openStore(':memory:');
    assert.throws(() =>
      store.transaction(() => {
        store.recordFill(fill(1));
        store.recordFill(fill(2));
        throw new Error('boom');
      }),
    );
    assert.equal(store.fillCount(), 0);
    store.close();
  });
});

describe('durability', () => {
  test('what a call stored survives SIGKILL of the process right after it returns', () => {
    const file = freshFile();
    const storeUrl = new URL('../../src/store/trade-store.ts', import.meta.url).href;
    const script = `
      const { openStore } = await import(${JSON.stringify(storeUrl)});
      const store = openStore(${JSON.stringify(file)});
      store.recordFill({ tid: 1, coin: 'BTC', oid: 1, cloid: null, side: 'buy', px: 100000, sz: 0.001,
        feeQuote: 0.015, liquidity: 'maker', tsMs: 1 });
      store.recordFills([2, 3].map((tid) => ({ tid, coin: 'BTC', oid: 1, cloid: null, side: 'sell', px: 100010,
        sz: 0.001, feeQuote: 0.015, liquidity: 'maker', tsMs: tid })));
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const store = openStore(file);
    assert.deepEqual(
      store.allFills().map((f) => f.tid),
      [1, 2, 3],
    );
    // The restarted bot re-reads the exchange's fills: nothing is counted twice.
    assert.equal(store.recordFills([1, 2, 3, 4].map((tid) => fill(tid))), 1);
    store.close();
  });
});

describe('cloid prefixes', () => {
  test('a live run’s prefix is stored once, lower case, and listed', () => {
    const store = openStore(':memory:');
    store.recordCloidPrefix('0x686C6D6D1A2B3C4D', 5);
    store.recordCloidPrefix('0x686c6d6d1a2b3c4d', 9);
    store.recordCloidPrefix('0x686c6d6d00000001', 7);
    assert.deepEqual(store.cloidPrefixes(), ['0x686c6d6d1a2b3c4d', '0x686c6d6d00000001']);
    store.close();
  });
});
