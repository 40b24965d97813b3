/**
 * Store failures are a state of the bot, not exceptions: a disk-full or locked store pulls the quotes (the
 * resting ones are cancelled), logs one line without a stack, keeps the records in memory and writes them in
 * order once the store writes again, then quoting resumes; a constraint error drops one record and no step loses
 * the rest of its batch (position and account are always applied).
 *
 * Disk full runs on a real 8 MB tmpfs (room for SQLite's WAL, which grows to about 4 MB between checkpoints) when this process may mount one (root), else on a store
 * double that fails like SQLite does (SQLITE_FULL), so a CI machine without mount rights still tests the logic.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { LogFields, Logger } from '../../src/core/log.ts';
import type { OrderAction, VenueReport } from '../../src/core/orders.ts';
import { TradingEngine } from '../../src/engine/trading-engine.ts';
import type { Venue, VenueReportEvent } from '../../src/engine/venue.ts';
import {
  type StoreEvent,
  StoreGuard,
  storeErrorText,
  storeFailureKind,
} from '../../src/store/store-guard.ts';
import { openStore, type TradeStore } from '../../src/store/trade-store.ts';
import { testClock } from '../support/clock-double.ts';
import {
  bboAt as bbo,
  FIXED_QUOTES as fixed,
  OPEN_LIMITS as LIMITS,
  placesIn as places,
} from '../support/engine-doubles.ts';
import { until } from '../support/wait.ts';

// ------------------------------------------------------------------ helpers

interface Line {
  level: string;
  msg: string;
  fields?: LogFields;
}

function captureLogger(lines: Line[]): Logger {
  const at =
    (level: string) =>
    (msg: string, fields?: LogFields): void => {
      lines.push({ level, msg, fields });
    };
  const l: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => l,
  };
  return l;
}

/** A venue whose answers the test sends (fills with a tid, as the live venue reports them). */
class ScriptedVenue implements Venue {
  readonly mode = 'dry' as const;
  onReports: (events: VenueReportEvent[]) => void = () => {};
  readonly sent: OrderAction[] = [];
  onMarket(): void {}
  submit(actions: readonly OrderAction[]): void {
    this.sent.push(...actions);
  }
  tick(): void {}
  cloidOf(cid: number): string | null {
    return `0x${cid.toString(16).padStart(32, '0')}`;
  }
  restingOrders() {
    return [];
  }
  reply(...events: VenueReportEvent[]): void {
    this.onReports(events);
  }
  async cancelAll(): Promise<void> {}
  async stop(): Promise<void> {}
}

const ack = (cid: number, oid: number, t: number): VenueReportEvent => ({
  report: { type: 'ack', cid, exchMs: t },
  oid,
});
function fill(cid: number, side: 'buy' | 'sell', tid: number, t: number, sz = 0.25): VenueReportEvent {
  const report: VenueReport = {
    type: 'fill',
    cid,
    side,
    px: side === 'buy' ? 99 : 101,
    sz,
    feeQuote: 0.01,
    liquidity: 'maker',
    exchMs: t,
    leavesSz: 1 - sz,
  };
  return { report, fill: { tid, oid: cid, closedPnlQuote: 0, hash: null, cloid: null } };
}

function engineOn(store: TradeStore, venue: Venue, clock: { now: number }, lines: Line[]) {
  const engine = new TradingEngine({
    info: { botName: 't', ticker: 'BTC', mode: 'dry' } as never,
    coin: 'BTC',
    strategy: fixed,
    lotBase: 1,
    venue,
    clock: testClock(clock),
    risk: LIMITS,
    startingBalanceQuote: 1000,
    store,
    logger: captureLogger(lines),
    tickMs: 3_600_000,
  });
  engine.acceptParams({ params: { sigma: 1, A: 1, k: 1, gamma: 1 }, notes: [] } as never, 'test');
  return engine;
}

/** Writes a filler file until the file system is full; returns its path (removing it frees the space). */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const buf = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** A small tmpfs at a fresh folder, or null when this process may not mount one. */
function mountTmpfs(sizeKb: number): { dir: string; unmount: () => void } | null {
  // HLMM_TEST_NO_MOUNT=1 runs the double even where a mount would work (to test the fallback path).
  if (process.env.HLMM_TEST_NO_MOUNT || process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const WRITES = new Set([
  'startRun',
  'stopRun',
  'saveOrder',
  'updateOrder',
  'recordFill',
  'recordFills',
  'recordPosition',
  'recordPnl',
  'recordPnls',
  'recordParams',
  'recordFunding',
  'recordRiskEvent',
]);

/** A real store whose writes fail with SQLITE_FULL while `full` is set: the disk-full double. */
function failingStore(inner: TradeStore, state: { full: boolean }): TradeStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (state.full && WRITES.has(String(prop)))
          throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
        return v.apply(target, args);
      };
    },
  });
}

interface Disk {
  store: TradeStore;
  fill(): void;
  free(): void;
  done(): void;
}

/** A full disk: a real tmpfs when possible, else the double. */
function diskFullSetup(): { disk: Disk; real: boolean } {
  const fs = mountTmpfs(8192);
  if (fs) {
    const store = openStore(join(fs.dir, 'bot.sqlite'));
    let filler: string | null = null;
    return {
      real: true,
      disk: {
        store,
        fill: () => {
          filler = fillDisk(fs.dir);
        },
        free: () => {
          if (filler) rmSync(filler);
          filler = null;
        },
        done: fs.unmount,
      },
    };
  }
  const state = { full: false };
  return {
    real: false,
    disk: {
      store: failingStore(openStore(':memory:'), state),
      fill: () => {
        state.full = true;
      },
      free: () => {
        state.full = false;
      },
      done: () => {},
    },
  };
}

// ------------------------------------------------------------------ disk full

test('disk full: quotes pulled, one line without a stack, fills kept in memory and written in order once the disk has room, then quoting resumes', async (t) => {
  const { disk, real } = diskFullSetup();
  t.diagnostic(real ? 'on an 8 MB tmpfs' : 'mount not permitted: on the SQLITE_FULL store double');
  const lines: Line[] = [];
  const guard = new StoreGuard(disk.store, { logger: captureLogger(lines), retryBaseMs: 20, retryMaxMs: 50 });
  const events: StoreEvent[] = [];
  guard.subscribe((e) => events.push(e));
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineOn(guard, venue, clock, lines);
  try {
    engine.start();
    engine.onMarket(bbo(1_000, 99.5, 100.5));
    venue.reply(ack(1, 501, 1_001), ack(2, 502, 1_001));
    assert.equal(places(venue.sent).length, 2);
    venue.sent.length = 0;

    disk.fill();
    // One batch of three fills: the first write fails; the other two must still be applied.
    clock.now = 2_000;
    venue.reply(fill(1, 'buy', 11, 2_000), fill(1, 'buy', 12, 2_001), fill(2, 'sell', 13, 2_002));
    assert.equal(guard.isHealthy, false);
    assert.equal(engine.account().positionBase, 0.25, '0.25 + 0.25 − 0.25: every fill of the batch applied');
    assert.equal(engine.summary().fills, 3);
    assert.equal(engine.risk().quoting, false);
    assert.deepEqual(
      venue.sent.map((a) => `${a.type}${a.cid}`),
      ['cancel1', 'cancel2'],
      'the resting quotes are cancelled',
    );
    const unhealthy = lines.filter((l) => l.level === 'error');
    assert.equal(unhealthy.length, 1, `one error line, got: ${unhealthy.map((l) => l.msg).join(' | ')}`);
    assert.match(
      unhealthy[0].msg,
      /^store unavailable \(database or disk is full \(SQLITE_FULL\)\): quoting stops/,
    );
    assert.equal(unhealthy[0].fields, undefined, 'no stack');
    assert.ok(!lines.some((l) => /engine step failed/.test(l.msg)));

    // While full: more fills arrive (a cancel raced them), books move, timers run: nothing is placed.
    venue.sent.length = 0;
    for (let i = 0; i < 20; i++) {
      clock.now = 3_000 + i * 1_000;
      engine.onMarket(bbo(clock.now, 99.4, 100.4));
    }
    venue.reply(fill(1, 'buy', 14, 3_500), {
      report: { type: 'cancelled', cid: 1, exchMs: 3_600, reason: 'user' },
    });
    venue.reply({ report: { type: 'cancelled', cid: 2, exchMs: 3_600, reason: 'user' } });
    assert.deepEqual(places(venue.sent), [], 'no order while the store cannot write');
    assert.equal(engine.account().positionBase, 0.5);
    assert.equal(lines.filter((l) => l.level === 'error').length, 1, 'still one error line');

    disk.free();
    await until('store healthy again', () => guard.isHealthy);
    assert.equal(engine.risk().quoting, true);
    assert.deepEqual(
      guard.allFills('BTC').map((f) => f.tid),
      [11, 12, 13, 14],
      'every fill stored, in arrival order',
    );
    assert.ok(lines.some((l) => l.level === 'info' && /^store writable again after/.test(l.msg)));
    assert.deepEqual(
      events.map((e) => e.type),
      ['unhealthy', 'healthy'],
    );
    clock.now = 30_000;
    engine.onMarket(bbo(30_000, 99.3, 100.3));
    assert.equal(places(venue.sent).length, 2, 'quoting resumed');
    const kinds = guard.riskEvents({ limit: 10 }).map((e) => `${e.kind}:${e.detail}`);
    assert.ok(kinds.includes('quotes_pulled:store unavailable'), kinds.join(', '));
    assert.ok(kinds.includes('quotes_resumed:store writable again'), kinds.join(', '));
    await engine.stop('test');
    assert.equal(guard.latestRun()?.stopReason, 'test', JSON.stringify(guard.health()));
  } finally {
    guard.close();
    disk.done();
  }
});

test('disk full at shutdown: the records that could not be written are named in one line', () => {
  const state = { full: false };
  const lines: Line[] = [];
  const guard = new StoreGuard(failingStore(openStore(':memory:'), state), {
    logger: captureLogger(lines),
    retryBaseMs: 60_000,
  });
  state.full = true;
  guard.recordFill({
    tid: 1,
    coin: 'BTC',
    oid: 1,
    cloid: null,
    side: 'buy',
    px: 1,
    sz: 1,
    feeQuote: 0,
    liquidity: 'maker',
    tsMs: 1,
  });
  guard.recordRiskEvent({ tsMs: 1, kind: 'reconcile', detail: 'x' });
  guard.close();
  const last = lines.at(-1);
  assert.equal(last?.level, 'error');
  assert.match(last?.msg ?? '', /2 record\(s\) never written \(1 fill, 1 risk event\)/);
});

// ------------------------------------------------------------------ constraint error

test('a UNIQUE-constraint failure drops one record: the other reports of the batch are applied and stored, quoting goes on', async () => {
  const lines: Line[] = [];
  const raw = openStore(':memory:');
  // An order from an earlier exchange session holds oid 501 (the fake exchange restarts its oids).
  raw.saveOrder({
    oid: 501,
    cloid: `0x${'ee'.repeat(16)}`,
    coin: 'BTC',
    side: 'buy',
    px: 90,
    sz: 1,
    filledSz: 0,
    status: 'canceled',
    createdMs: 1,
    updatedMs: 1,
    reason: null,
    runId: null,
  });
  const guard = new StoreGuard(raw, { logger: captureLogger(lines) });
  const events: StoreEvent[] = [];
  guard.subscribe((e) => events.push(e));
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineOn(guard, venue, clock, lines);
  engine.start();
  engine.onMarket(bbo(1_000, 99.5, 100.5));
  // The ack's oid clashes with the old row (UNIQUE orders.oid); two fills follow in the same batch.
  venue.reply(ack(1, 501, 1_001), fill(1, 'buy', 21, 1_002), fill(1, 'buy', 22, 1_003));
  assert.equal(engine.account().positionBase, 0.5, 'both fills after the failing write are applied');
  assert.deepEqual(
    guard.allFills('BTC').map((f) => f.tid),
    [21, 22],
  );
  assert.equal(guard.isHealthy, true, 'a refused record is not an unhealthy store');
  assert.equal(engine.risk().quoting, true);
  const errors = lines.filter((l) => l.level === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0].msg, /^store refused a order record \(UNIQUE constraint failed: orders\.oid/);
  assert.equal(errors[0].fields, undefined, 'no stack for a SQLite condition');
  assert.deepEqual(
    events.map((e) => e.type),
    ['refused'],
  );
  assert.equal(guard.health().dropped, 1);
  await engine.stop('test');
  guard.close();
});

// ------------------------------------------------------------------ locked database

test('locked database (another connection holds an exclusive lock): quotes pulled, records written in order once the lock is released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-locked-'));
  const file = join(dir, 'bot.sqlite');
  const lines: Line[] = [];
  const guard = new StoreGuard(openStore(file, { busyTimeoutMs: 20 }), {
    logger: captureLogger(lines),
    retryBaseMs: 20,
    retryMaxMs: 50,
  });
  const clock = { now: 1_000 };
  const venue = new ScriptedVenue();
  const engine = engineOn(guard, venue, clock, lines);
  engine.start();
  engine.onMarket(bbo(1_000, 99.5, 100.5));
  venue.reply(ack(1, 501, 1_001), ack(2, 502, 1_001));
  venue.sent.length = 0;

  const other = new Database(file);
  other.exec('BEGIN EXCLUSIVE');
  try {
    venue.reply(fill(2, 'sell', 31, 2_000), fill(1, 'buy', 32, 2_001), fill(2, 'sell', 33, 2_002));
    assert.equal(guard.isHealthy, false);
    assert.match(guard.health().lastError ?? '', /SQLITE_BUSY/);
    assert.equal(engine.account().positionBase, -0.25);
    assert.equal(engine.risk().quoting, false);
    assert.deepEqual(
      venue.sent.map((a) => a.type),
      ['cancel', 'cancel'],
    );
    // Retries fail while the lock is held (each a short busy wait); nothing is lost meanwhile.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(guard.isHealthy, false);
    assert.ok(guard.health().pending >= 3);
  } finally {
    other.exec('COMMIT');
    other.close();
  }
  await until('store healthy again', () => guard.isHealthy);
  assert.deepEqual(
    guard.allFills('BTC').map((f) => f.tid),
    [31, 32, 33],
  );
  assert.equal(engine.risk().quoting, true);
  assert.equal(lines.filter((l) => l.level === 'error').length, 1);
  await engine.stop('test');
  guard.close();
});

// ------------------------------------------------------------------ the guard alone

test('guard: a run started while the store fails gets its real id once written; records carrying it follow', () => {
  const state = { full: true };
  const raw = openStore(':memory:');
  const guard = new StoreGuard(failingStore(raw, state), { logger: captureLogger([]), retryBaseMs: 60_000 });
  const run = guard.startRun({ startedMs: 5, mode: 'dry', ticker: 'BTC' });
  assert.ok(run < 0, 'provisional id');
  guard.saveOrder({
    oid: null,
    cloid: `0x${'01'.repeat(16)}`,
    coin: 'BTC',
    side: 'buy',
    px: 1,
    sz: 1,
    filledSz: 0,
    status: 'open',
    createdMs: 5,
    updatedMs: 5,
    reason: null,
    runId: run,
  });
  guard.stopRun(run, 9, 'done');
  state.full = false;
  assert.equal(guard.retryNow(), true);
  const stored = raw.latestRun();
  assert.ok(stored && stored.id > 0);
  assert.equal(stored.stopReason, 'done');
  assert.equal(raw.findOrder({ cloid: `0x${'01'.repeat(16)}` })?.runId, stored.id);
  guard.close();
});

test('guard: a bug-like refusal (a NaN) drops only that record, with its stack; hasFill sees fills still in memory', () => {
  const state = { full: false };
  const lines: Line[] = [];
  const guard = new StoreGuard(failingStore(openStore(':memory:'), state), {
    logger: captureLogger(lines),
    retryBaseMs: 60_000,
  });
  guard.recordPnl({
    tsMs: 1,
    coin: 'BTC',
    midPx: Number.NaN,
    positionSz: 0,
    cashQuote: 0,
    realizedQuote: 0,
    unrealizedQuote: 0,
    feesQuote: 0,
    fundingQuote: 0,
    equityQuote: 0,
  });
  assert.equal(guard.isHealthy, true);
  assert.equal(lines.length, 1);
  assert.match(lines[0].msg, /^store refused a pnl record/);
  assert.ok(typeof lines[0].fields?.stack === 'string', 'a bug keeps its stack');
  state.full = true;
  const f = {
    tid: 77,
    coin: 'BTC',
    oid: 1,
    cloid: null,
    side: 'buy' as const,
    px: 1,
    sz: 1,
    feeQuote: 0,
    liquidity: 'maker' as const,
    tsMs: 1,
  };
  assert.equal(guard.recordFill(f), true);
  assert.equal(guard.hasFill(77), true, 'waiting in memory counts as known');
  assert.equal(guard.recordFill(f), false, 'the same tid is not queued twice');
  state.full = false;
  guard.retryNow();
  assert.equal(guard.fillCount(), 1);
  guard.close();
});

test('guard: a long outage logs at most one "still unavailable" line per interval', () => {
  const state = { full: true };
  const lines: Line[] = [];
  let wall = 0;
  const guard = new StoreGuard(failingStore(openStore(':memory:'), state), {
    logger: captureLogger(lines),
    wallNowMs: () => wall,
    retryBaseMs: 60_000,
    logIntervalMs: 60_000,
  });
  for (let i = 0; i < 80; i++) {
    wall = i * 1_000;
    guard.recordRiskEvent({ tsMs: wall, kind: 'reconcile', detail: `e${i}` });
    guard.retryNow();
  }
  // 80 failed writes over 79 s: the transition line plus one reminder at 60 s.
  assert.deepEqual(
    lines.map((l) => l.level),
    ['error', 'warn'],
  );
  assert.match(lines[1].msg, /^store still unavailable after 60 s .*: 61 record\(s\) waiting/);
  state.full = false;
  guard.retryNow();
  assert.equal(guard.riskEvents({ limit: 100 }).length, 80);
  guard.close();
});

// ------------------------------------------------------------------ a running paper bot on a full disk

test('paper bot on a tmpfs that fills up: quoting stops, the bot stays up, and after space is freed every fill is in the store', async (t) => {
  const fs = mountTmpfs(8192);
  if (fs === null) {
    t.skip('mount not permitted here: the engine-level disk-full test above covers the logic');
    return;
  }
  try {
    const { startTrading } = await import('../../src/trade/run-trade.ts');
    const db = join(fs.dir, 'bot.sqlite');
    let filler: string | null = null;
    const bot = await startTrading(
      {
        replay: 'data/sample',
        speed: 30,
        params: 'data/sample/params_BTC.json',
        db,
        apiPort: 0,
        quiet: true,
        logFile: join(mkdtempSync(join(tmpdir(), 'hlmm-full-log-')), 'bot.jsonl'),
      },
      { handleSignals: false },
    );
    try {
      const guard = bot.store as StoreGuard;
      await until('a fill', () => bot.engine.summary().fills >= 1);
      filler = fillDisk(fs.dir);
      // The next write (a fill, an order, the 5 s snapshot) finds the disk full.
      await until('store unavailable', () => !guard.isHealthy);
      await until('quotes pulled', () => !bot.engine.risk().quoting && bot.engine.openOrders().length === 0);
      const placedWhileFull = bot.engine.summary().orders_placed;
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(bot.engine.summary().orders_placed, placedWhileFull, 'no order while the disk is full');
      rmSync(filler);
      filler = null;
      await until('store writable again', () => guard.isHealthy);
      await until('quoting again', () => bot.engine.risk().quoting);
    } finally {
      if (filler) rmSync(filler);
      await bot.stop('test done');
    }
    const summary = await bot.done;
    const store = openStore(db);
    try {
      assert.equal(store.fillCount(), summary.fills, 'every fill of the run is in the store');
      assert.equal(store.latestRun()?.stopReason, 'test done');
      const kinds = store.riskEvents({ limit: 100 }).map((e) => `${e.kind}:${e.detail}`);
      assert.ok(kinds.includes('quotes_pulled:store unavailable'), kinds.join(', '));
      assert.ok(kinds.includes('quotes_resumed:store writable again'), kinds.join(', '));
    } finally {
      store.close();
    }
  } finally {
    fs.unmount();
  }
});

test("live bot on the fake exchange, its database on a tmpfs that fills up: orders cancelled, the dead man's switch kept pushed, quoting back once there is room", async (t) => {
  const fs = mountTmpfs(8192);
  if (fs === null) {
    t.skip('mount not permitted here: the engine-level disk-full test above covers the logic');
    return;
  }
  const { randomBytes } = await import('node:crypto');
  const { Wallet } = await import('../../src/exchange/hyperliquid/wallet.ts');
  const { startFakeExchange } = await import('../../src/fake-exchange/server.ts');
  const { startTrading } = await import('../../src/trade/run-trade.ts');
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress;
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    speed: 50,
    loop: true,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  let filler: string | null = null;
  try {
    process.env.HLMM_PRIVATE_KEY = key;
    const bot = await startTrading(
      {
        live: true,
        testnet: true, // the stand-in checks testnet signatures
        wsUrl: fake.wsUrl,
        apiUrl: fake.url,
        clock: 'exchange',
        speed: 50,
        params: 'data/sample/params_BTC.json',
        db: join(fs.dir, 'bot.sqlite'),
        apiPort: 0,
        quiet: true,
        // Pushed every 5 s, fired only after 15 s without a push: a busy machine's pauses cannot fire it.
        dmsS: 15,
        staleS: 100_000,
        logFile: join(mkdtempSync(join(tmpdir(), 'hlmm-live-full-')), 'bot.jsonl'),
      },
      { handleSignals: false },
    );
    try {
      const guard = bot.store as StoreGuard;
      await until('quoting', () => fake.trading.openOrdersOf(address).length === 2);
      filler = fillDisk(fs.dir);
      await until('store unavailable', () => !guard.isHealthy);
      await until('orders cancelled', () => fake.trading.openOrdersOf(address).length === 0);
      // The switch is still pushed (every 5 s with --dms-s 15): its deadline keeps moving forward.
      const armedAt = fake.trading.scheduledCancelAt(address) ?? 0;
      await until('switch pushed again', () => (fake.trading.scheduledCancelAt(address) ?? 0) > armedAt);
      assert.equal(fake.trading.openOrdersOf(address).length, 0, 'no order while the store cannot write');
      assert.equal(fake.trading.counters.scheduledCancels, 0, 'cancelled by the bot, the switch never fired');
      rmSync(filler);
      filler = null;
      await until('store writable again', () => guard.isHealthy);
      await until('quoting again', () => fake.trading.openOrdersOf(address).length === 2);
    } finally {
      if (filler) rmSync(filler);
      await bot.stop('test done');
    }
    await bot.done;
    const store = openStore(join(fs.dir, 'bot.sqlite'));
    try {
      const kinds = store.riskEvents({ limit: 200 }).map((e) => `${e.kind}:${e.detail}`);
      assert.ok(kinds.includes('quotes_pulled:store unavailable'), kinds.join(', '));
      assert.equal(store.latestRun()?.stopReason, 'test done');
    } finally {
      store.close();
    }
  } finally {
    await fake.close();
    fs.unmount();
  }
});

test('SQLite errors are recognised by shape (the guard does not load better-sqlite3): passing vs final codes, text', () => {
  assert.equal(
    storeFailureKind(new Database.SqliteError('database or disk is full', 'SQLITE_FULL')),
    'passing',
  );
  assert.equal(storeFailureKind(new Database.SqliteError('database is locked', 'SQLITE_BUSY')), 'passing');
  assert.equal(
    storeFailureKind(new Database.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')),
    'final',
  );
  assert.equal(
    storeErrorText(new Database.SqliteError('database is locked', 'SQLITE_BUSY')),
    'database is locked (SQLITE_BUSY)',
  );
  // A plain Error with a SQLite-looking code is not SQLite's: final, and its text is its message alone.
  const plain = Object.assign(new Error('disk full?'), { code: 'SQLITE_FULL' });
  assert.equal(storeFailureKind(plain), 'final');
  assert.equal(storeErrorText(plain), 'disk full?');
  assert.equal(storeFailureKind('SQLITE_FULL'), 'final');
});
