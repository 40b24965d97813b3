/**
 * End to end, in process: `hlmm trade --tickers BTC,ETH,SOL --live --replay DIR --testnet` — one LIVE bot for three
 * coins on the in-process fake exchange (signed orders, user channels): fills on each coin, one account, one store,
 * leverage set on each coin before its first order, one WebSocket connection, every coin's requests through one
 * request budget, one dead man's switch, and the account kill switch pulling every coin's orders off the exchange;
 * a coin without parameters sends nothing while the others trade.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/trade-store.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { LIVE_TICKERS, type LiveCoin, liveCoins, startLiveMultiBot } from '../support/multi-coin-live.ts';
import { writeCoinMarkets } from '../support/multi-coin-market.ts';
import { until } from '../support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'hlmm-trade-multi-live-'));
after(() => rmSync(root, { recursive: true, force: true }));
const replay = join(root, 'replay');
const COINS = liveCoins(31);
type Coin = LiveCoin;
const TICKERS = LIVE_TICKERS;

before(() => writeCoinMarkets(replay, COINS));

/** A live 3-coin bot on its own fake exchange, leverage 5 cross on every coin. */
const startLive = (extra: Partial<TradeCommandOptions> = {}, withParams: readonly Coin[] = TICKERS) =>
  startLiveMultiBot({
    root,
    replay,
    coins: COINS,
    extra: { leverage: 5, margin: 'cross', ...extra },
    withParams,
  });

describe('hlmm trade --tickers --live (fake exchange, testnet)', () => {
  it('three coins, one account: fills on each, one store, leverage first, one socket, one budget, one switch', async () => {
    const { bot, fake, address, dir } = await startLive();
    try {
      await until('a fill on every coin', () =>
        [...bot.engines.values()].every((e) => e.summary().fills >= 1),
      );
      // One socket carries every coin's market data and the account's user channels.
      assert.equal(fake.connectionsAccepted(), 1, 'one WebSocket connection for three coins');
      const [conn] = [...fake.connections()];
      const keys = [...(conn?.subscriptions.keys() ?? [])];
      for (const t of TICKERS) assert.ok(keys.includes(`bbo:${t}`), `bbo:${t} subscribed`);
      assert.equal(keys.filter((k) => k.startsWith('orderUpdates')).length, 1, 'orderUpdates once');
      assert.equal(keys.filter((k) => k.startsWith('userFills')).length, 1, 'userFills once');
      // The account's one switch is armed on the exchange; no coin has its own.
      assert.ok(fake.trading.scheduledCancelAt(address) !== undefined, "the account's dead man's switch");
      assert.ok(bot.deadMansSwitch !== null && bot.deadMansSwitch.counts.dmsPushes >= 1);
      for (const v of bot.venues.values()) assert.equal(v.counts.dmsPushes, 0, 'no per-coin switch push');
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.equal(s.mode, 'live');
    assert.deepEqual(Object.keys(s.coins), TICKERS);

    // Leverage on each coin before that coin's first order (updateLeverage names the coin; orders do not, so the
    // first order of any coin is the bound).
    const log = fake.trading.actionLog.filter((a) => a.user === address);
    const firstOrder = log.findIndex(
      (a) => a.type === 'order' || a.type === 'batchModify' || a.type === 'modify',
    );
    assert.ok(firstOrder >= 0, 'orders were sent');
    for (const t of TICKERS) {
      const lev = log.findIndex((a) => a.type === 'updateLeverage' && a.coin === t);
      assert.ok(
        lev >= 0 && lev < firstOrder,
        `${t}: updateLeverage (#${lev}) before the first order (#${firstOrder})`,
      );
      assert.equal(log[lev]?.leverage, 5);
      assert.equal(log[lev]?.isCross, true);
      assert.equal(s.coins[t]?.mode, 'live');
    }
    // scheduleCancel: armed before the first order, and removed at the stop (every coin swept clean).
    const firstSchedule = log.findIndex((a) => a.type === 'scheduleCancel');
    assert.ok(firstSchedule >= 0 && firstSchedule < firstOrder, 'the switch armed before any order');
    assert.equal(
      fake.trading.scheduledCancelAt(address),
      undefined,
      'switch removed once every coin is clean',
    );
    assert.equal(
      fake.trading.openOrdersOf(address).length,
      0,
      'nothing rests on the exchange after the stop',
    );

    // One budget: every HTTP request of every coin (and of the account) went through it, and only through it.
    assert.ok(s.account.requests !== null);
    assert.equal(
      s.account.requests.count,
      fake.limits.counters.ipRequests,
      'the fake saw exactly the budget',
    );
    const venueRequests = [...bot.venues.values()].map((v) => v.counts.requests);
    assert.ok(
      venueRequests.every((n) => n > 0),
      'every coin sent requests',
    );
    assert.ok(
      venueRequests.reduce((a, b) => a + b, 0) < s.account.requests.count,
      "the coins' requests are part of the one budget's count",
    );
    assert.ok(
      s.account.margin_used !== null && s.account.margin_used >= 0,
      'margin in use read from the exchange',
    );

    // One store: fills rows for all three coins, each fill once, under its coin.
    const store = openStore(join(dir, 'bot.sqlite'));
    let total = 0;
    try {
      for (const t of TICKERS) {
        const fills = store.allFills(t);
        assert.ok(fills.length >= 1, `${t} fills stored`);
        assert.ok(fills.every((f) => f.coin === t));
        assert.equal(store.openOrders(t).length, 0, `${t}: nothing left open in the store`);
        total += fills.length;
      }
      assert.equal(store.fillCount(), total, 'one store holds every coin');
    } finally {
      store.close();
    }
    // The exchange's fills of the account match, coin by coin.
    for (const t of TICKERS) {
      const onFake = fake.trading.fillsOf(address).filter((f) => f.coin === t).length;
      assert.ok(onFake >= 1, `${t} filled on the exchange`);
    }
  });

  it('the account kill switch pulls every coin: no order of any coin left resting on the exchange', async () => {
    const { bot, fake, address } = await startLive();
    try {
      const restingCoins = () => new Set(fake.trading.openOrdersOf(address).map((o) => o.coin));
      await until('orders resting on every coin', () => TICKERS.every((t) => restingCoins().has(t)));
      bot.account.tripKillSwitch('operator: stop the whole account', Date.now());
      await until('every coin pulled on the exchange', () => fake.trading.openOrdersOf(address).length === 0);
      for (const e of bot.engines.values()) assert.equal(e.risk().killSwitch.tripped, true);
      // The bot still runs (its switch still pushed) and places nothing more.
      const placed = [...bot.engines.values()].map((e) => e.summary().orders_placed);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        [...bot.engines.values()].map((e) => e.summary().orders_placed),
        placed,
        'no order after the kill switch',
      );
      assert.equal(fake.trading.openOrdersOf(address).length, 0);
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.equal(s.account.kill_switch, 'operator: stop the whole account');
    for (const t of TICKERS) assert.equal(s.coins[t]?.kill_switch, s.account.kill_switch);
  });

  it('a coin without parameters sends no order; the other coins trade on', async () => {
    const { bot, fake, address } = await startLive({}, ['BTC', 'SOL']);
    try {
      await until('fills on BTC and SOL', () =>
        ['BTC', 'SOL'].every((t) => (bot.engines.get(t)?.summary().fills ?? 0) >= 1),
      );
    } finally {
      await bot.stop('test done');
    }
    const s = await bot.done;
    assert.equal(s.coins.ETH?.orders_placed, 0, 'ETH placed nothing');
    assert.equal(s.coins.ETH?.fills, 0);
    assert.equal(
      fake.trading.fillsOf(address).filter((f) => f.coin === 'ETH').length,
      0,
      'no ETH fill on the exchange',
    );
    // Its leverage is still set (start-up is per coin, before quoting is decided by the parameters).
    assert.ok(fake.trading.actionLog.some((a) => a.type === 'updateLeverage' && a.coin === 'ETH'));
  });
});
