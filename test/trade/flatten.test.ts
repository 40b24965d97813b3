/** Flatten: reduce-only IOCs within the slippage cap, outside the OrderManager, paper and live; ends flat. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordSubmits } from '../support/engine-doubles.ts';
import { withLiveBotOnFake } from '../support/live-on-fake.ts';
import { bbo, engineFor } from '../support/trade-funding-double.ts';
import { until } from '../support/wait.ts';

const H = 1_756_771_200_000;

test('paper: flatten sells the long at the bid with a reduce-only IOC and ends flat', async () => {
  const clock = { now: H };
  const { engine, venue, store } = engineFor(clock, null);
  const sent = recordSubmits(venue);
  engine.start({
    account: {
      positionBase: 0.003,
      avgEntryPx: 100_000,
      cashQuote: 700,
      realizedPnlQuote: 0,
      feesQuote: 0,
      fundingQuote: 0,
    },
  });
  engine.onMarket(bbo(H, 100_100, 100_102));
  const first = await engine.flatten();
  // A second request at once: the exit is in flight or already filled, and either way no second order goes out
  // (the engine-safety test holds the exit in flight to check the in-flight answer).
  const second = await engine.flatten();
  assert.equal(first.status, 'sent');
  assert.ok(second.status === 'in-flight' || second.status === 'flat', second.status);
  clock.now = H + 50;
  engine.onMarket(bbo(H + 50, 100_100, 100_102));
  assert.deepEqual(sent, [
    { type: 'place', cid: 1_000_000_000, side: 'sell', px: 100_100, sz: 0.003, tif: 'ioc', reduceOnly: true },
  ]);
  // Filled: flat, and a further request says so instead of sending anything.
  assert.deepEqual(await engine.flatten(), { status: 'flat' });
  assert.equal(sent.length, 1);
  const s = await engine.stop('test');
  assert.equal(s.position, 0);
  // (100 100 − 100 000) × 0.003 = 0.3 realized; taker fee 0.00045 × 300.3 = 0.1351350.
  assert.equal(s.realized_pnl, 0.3);
  assert.equal(s.fees, 0.135135);
  store.close();
});

test('live on the fake exchange: flatten sends a reduce-only IOC at the touch and the account ends flat', async () => {
  await withLiveBotOnFake(
    {
      fromMs: H - 1_000,
      before: (fake, address) =>
        fake.trading.accounts.get(address)!.fill('BTC', false, 109_000, 0.002, 0, 40), // short 0.002
    },
    async ({ bot, fake, address }) => {
      assert.equal(bot.engine.account().positionBase, -0.002);
      const ask = bot.engine.account().bbo!.askPx;
      await bot.engine.flatten();
      await until('flat', () => bot.engine.account().positionBase === 0);
      assert.equal(fake.trading.accounts.get(address)!.szi('BTC'), 0);
      assert.equal(bot.engine.account().positionBase, 0);
      const order = [...fake.trading.orders.values()].find((o) => o.user === address)!;
      assert.equal(order.tif, 'Ioc');
      assert.equal(order.reduceOnly, true);
      assert.equal(order.isBuy, true);
      assert.equal(order.limitPx, ask);
      assert.equal(order.status, 'filled');
      await bot.stop('test');
    },
  );
});

test('live on the fake exchange: a partial market exit at the cap price, a second request joins it, then a limit exit ends flat', async () => {
  await withLiveBotOnFake(
    {
      fromMs: H - 1_000,
      before: (fake, address) => fake.trading.accounts.get(address)!.fill('BTC', true, 109_000, 0.003, 0, 40), // long 0.003
      flags: { flattenCapBps: 20 },
    },
    async ({ bot, fake, address }) => {
      assert.equal(bot.engine.account().positionBase, 0.003);
      const bid = bot.engine.account().bbo!.bidPx;
      // Two requests at once: one order; the second joins and gets the same end.
      const [first, second] = await Promise.all([
        bot.engine.flatten({ orderType: 'market', amountBase: 0.001 }),
        bot.engine.flatten({ orderType: 'market', amountBase: 0.001 }),
      ]);
      assert.equal(first.status, 'sent');
      assert.equal(second.status, 'in-flight');
      assert.ok(first.status === 'sent' && second.status === 'in-flight');
      // 20 bps under the bid, rounded up onto BTC's integer price grid.
      assert.equal(first.px, Math.ceil(bid * (1 - 0.002)));
      const [r1, r2] = await Promise.all([first.result, second.result]);
      assert.equal(r1, r2);
      assert.equal(r1.status, 'done', r1.message);
      assert.equal(r1.filledBase, 0.001);
      assert.equal(r1.positionBase, 0.002);
      await until('the exchange at 0.002', () => fake.trading.accounts.get(address)!.szi('BTC') === 0.002);
      const ours = [...fake.trading.orders.values()].filter((o) => o.user === address);
      assert.equal(ours.length, 1, 'one exit order for two requests');
      assert.equal(ours[0].reduceOnly, true);
      assert.equal(ours[0].tif, 'Ioc');
      assert.equal(ours[0].limitPx, first.px);
      const rest = await bot.engine.flatten();
      assert.ok(rest.status === 'sent' && rest.sz === 0.002);
      const r3 = await rest.result;
      assert.equal(r3.status, 'done', r3.message);
      await until('flat at the exchange', () => fake.trading.accounts.get(address)!.szi('BTC') === 0);
      assert.equal(bot.engine.account().positionBase, 0);
      await bot.stop('test');
    },
  );
});
