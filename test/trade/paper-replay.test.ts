/**
 * End to end, in process: `hlmm trade --replay data/sample` (paper) through the in-process fake exchange, the
 * Hyperliquid WebSocket feed, the shared QuotingLoop and the SimVenue fill model, with a real SQLite store.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BotEvent } from '../../src/engine/bot-view.ts';
import { openStore } from '../../src/store/trade-store.ts';
import { type RunningBot, startTrading } from '../../src/trade/run-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { until } from '../support/wait.ts';

const SAMPLE = 'data/sample';
const PARAMS = 'data/sample/params_BTC.json';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hlmm-trade-'));
}

async function start(dir: string, extra: Partial<TradeCommandOptions> = {}): Promise<RunningBot> {
  return startTrading(
    {
      replay: SAMPLE,
      // The replay loops: the market keeps moving however long a test takes on a busy machine.
      loop: true,
      speed: 300,
      params: PARAMS,
      db: join(dir, 'bot.sqlite'),
      apiPort: 0,
      quiet: true,
      logFile: join(dir, 'bot.jsonl'),
      resetPaper: true,
      ...extra,
    },
    { handleSignals: false },
  );
}

test('paper mode on a replay quotes both sides, gets fills and persists orders and fills', async () => {
  const dir = tmp();
  const bot = await start(dir);
  let twoSided = 0;
  bot.engine.subscribe((e: BotEvent) => {
    if (e.type === 'quotes' && e.quotes.bid && e.quotes.ask) twoSided++;
  });
  try {
    await until('3 fills', () => bot.engine.summary().fills >= 3);
  } finally {
    await bot.stop('test done');
  }
  const s = await bot.done;
  assert.ok(twoSided > 0, 'a two-sided quote was logged');
  assert.ok(s.orders_placed >= 2);
  assert.ok(s.fills >= 3);
  // equity = wallet + realized + unrealized − fees + funding (paper books the hourly funding when the replay,
  // looping for as long as the test takes, crosses an hour of bot time; 0 otherwise), up to the summary's
  // rounding of each of the five terms to 6 decimals (partial fills of print-sized amounts use all 6).
  assert.ok(
    Math.abs(s.equity - (1000 + s.realized_pnl + s.unrealized_pnl - s.fees + s.funding)) <=
      5 * 0.5e-6 + 1e-12,
  );
  const store = openStore(join(dir, 'bot.sqlite'));
  try {
    assert.equal(store.fillCount(), s.fills, 'every fill stored once');
    const orders = store.recentOrders(1000);
    assert.ok(
      orders.some((o) => o.side === 'buy') && orders.some((o) => o.side === 'sell'),
      'both sides ordered',
    );
    assert.equal(store.openOrders('BTC').length, 0, 'no order left open after the stop');
    const last = store.latestPnl();
    assert.ok(last !== null);
    assert.ok(Math.abs(last.positionSz - s.position) < 1e-12);
    assert.equal(store.latestRun()?.stopReason, 'test done');
    assert.equal(store.settings().journalMode, 'wal');
  } finally {
    store.close();
  }
  // The JSON log carries the model values behind a quote, rounded to 4 significant figures, from the params file.
  const paramsFile = JSON.parse(readFileSync('data/sample/params_BTC.json', 'utf8'));
  const shown = (x: number) => Number(x.toPrecision(4));
  const quoteLines = readFileSync(join(dir, 'bot.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"quote"'))
    .map((line) => JSON.parse(line));
  const modelLine = quoteLines.find((q) => Number.isFinite(q.r));
  assert.ok(modelLine, 'model values behind the quotes are logged');
  for (const key of ['mid', 'r', 'dBid', 'dAsk', 'q', 'tauS'])
    assert.ok(key in modelLine, `quote log has ${key}`);
  assert.equal(modelLine.sigma, shown(paramsFile.market_data.sigma));
  assert.equal(modelLine.k, shown(paramsFile.market_data.k));
  assert.equal(modelLine.gamma, shown(paramsFile.optimal_parameters.gamma));
});

test('a feed disconnect pulls the quotes, the feed reconnects and quoting resumes', async () => {
  const dir = tmp();
  const bot = await start(dir);
  try {
    await until('resting orders', () => bot.engine.openOrders().length > 0);
    const fake = bot.fake;
    assert.ok(fake);
    fake.faults.drop();
    await until('quotes pulled', () => !bot.engine.risk().quoting);
    await until('orders cancelled', () => bot.engine.openOrders().length === 0);
    await until(
      'reconnected and quoting',
      () => bot.engine.risk().quoting && bot.engine.openOrders().length > 0,
    );
  } finally {
    await bot.stop('test done');
  }
  const store = openStore(join(dir, 'bot.sqlite'));
  try {
    const kinds = store.riskEvents({ limit: 100 }).map((e) => e.kind);
    assert.ok(kinds.includes('quotes_pulled'), kinds.join(','));
    assert.ok(kinds.includes('quotes_resumed'), kinds.join(','));
  } finally {
    store.close();
  }
});

test('a corrupted parameters file is refused while trading continues on the last good one; a good one is hot-reloaded', async () => {
  const dir = tmp();
  const params = join(dir, 'params_BTC.json');
  copyFileSync(PARAMS, params);
  const bot = await start(dir, { params });
  try {
    await until('quoting', () => bot.engine.openOrders().length > 0);
    const before = bot.engine.params().current;
    assert.ok(before);
    writeFileSync(params, '{ "ticker": "BTC", "market_data": { "sigma": NaN');
    const store = openStore(join(dir, 'bot.sqlite'));
    try {
      await until('refusal recorded', () => store.paramsHistory({ limit: 10 }).some((p) => !p.accepted));
    } finally {
      store.close();
    }
    assert.deepEqual(bot.engine.params().current, before, 'last good parameters kept');
    const placed = bot.engine.summary().orders_placed;
    await until('still re-quoting', () => bot.engine.summary().orders_placed > placed + 2);
    // Quoting on the last good parameters (at 300× a busy machine can make the data look stale for a moment, so
    // this waits for it rather than sampling one instant).
    await until('quoting on the last good parameters', () => bot.engine.risk().quoting);
    // A good file again, with another γ: taken without a restart.
    const good = JSON.parse(readFileSync(PARAMS, 'utf8'));
    good.optimal_parameters.gamma = 0.00002;
    writeFileSync(params, JSON.stringify(good));
    await until('new gamma in force', () => bot.engine.params().current?.gamma === 0.00002);
  } finally {
    await bot.stop('test done');
  }
});

test('the kill switch trips on a drawdown: orders cancelled, no more quoting, the bot stays up', async () => {
  const dir = tmp();
  const bot = await start(dir, { killDrawdown: 0.05 });
  try {
    await until('kill switch', () => bot.engine.risk().killSwitch.tripped);
    assert.match(bot.engine.risk().killSwitch.reason ?? '', /drawdown .* reached the limit 0\.05 USDC/);
    await until('orders cancelled', () => bot.engine.openOrders().length === 0);
    const placed = bot.engine.summary().orders_placed;
    const events = bot.engine.summary().market_events;
    await until('market data still flowing', () => bot.engine.summary().market_events > events + 50);
    assert.equal(bot.engine.summary().orders_placed, placed, 'no order after the kill switch');
    assert.equal(bot.engine.risk().quoting, false);
  } finally {
    await bot.stop('test done');
  }
  const s = await bot.done;
  assert.match(s.kill_switch ?? '', /drawdown/);
});
