/** Force entry, live: one IOC taker order through the live venue to the local fake exchange; the account fills. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLiveBotOnFake } from '../support/live-on-fake.ts';
import { until } from '../support/wait.ts';

const H = 1_756_771_200_000;

test('live on the fake exchange: forceEnter buys 0.002 with an IOC at the ask, not reduce-only', async () => {
  await withLiveBotOnFake({ fromMs: H - 1_000 }, async ({ bot, fake, address }) => {
    const ask = bot.engine.account().bbo!.askPx;
    const sent = await bot.engine.forceEnter('buy', 0.002);
    assert.equal(sent.status, 'sent', JSON.stringify(sent));
    await until('long 0.002', () => Math.abs(bot.engine.account().positionBase - 0.002) < 1e-12);
    assert.ok(Math.abs(fake.trading.accounts.get(address)!.szi('BTC') - 0.002) < 1e-12);
    const order = [...fake.trading.orders.values()].find((o) => o.user === address)!;
    assert.equal(order.tif, 'Ioc');
    assert.equal(order.reduceOnly, false);
    assert.equal(order.isBuy, true);
    assert.equal(order.limitPx, ask);
    assert.equal(order.status, 'filled');
    await bot.stop('test');
  });
});
