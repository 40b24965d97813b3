/** Force entry, live: one IOC taker order through the live venue to the local fake exchange; the account fills. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Wallet } from '../src/exchange/hyperliquid/wallet.ts';
import { startFakeExchange } from '../src/fake-exchange/server.ts';
import { startTrading } from '../src/trade/run-trade.ts';
import { until } from './wait.ts';

const H = 1_756_771_200_000;

test('live on the fake exchange: forceEnter buys 0.002 with an IOC at the ask, not reduce-only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-force-entry-'));
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress.toLowerCase();
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    port: 0,
    speed: 1,
    fromMs: H - 1_000,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address, usdc: 1000 }] },
  });
  try {
    process.env.HLMM_PRIVATE_KEY = key;
    const bot = await startTrading(
      {
        live: true,
        testnet: true,
        apiUrl: fake.url,
        wsUrl: fake.wsUrl,
        clock: 'exchange',
        speed: 1,
        params: join(dir, 'none.json'),
        db: join(dir, 'bot.sqlite'),
        apiPort: 0,
        quiet: true,
        logFile: join(dir, 'bot.jsonl'),
      },
      { handleSignals: false },
    );
    await until('a first BBO', () => bot.engine.account().bbo !== null);
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
  } finally {
    delete process.env.HLMM_PRIVATE_KEY;
    await fake.close();
  }
});
