/**
 * Live on the fake exchange (--replay --live, testnet): a 3-level ladder rests 3 ALO orders a side and re-prices
 * them with batchModify; --leverage is set with updateLeverage before the first order and reported by the API;
 * a leverage above the coin's maximum is one sentence (exit 2) before anything is sent. Paper records it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { startTrading } from '../../src/trade/run-trade.ts';
import type { TradeCommandOptions } from '../../src/trade/trade-options.ts';
import { until } from '../support/wait.ts';

const PARAMS = 'data/sample/params_BTC.json';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function options(dir: string, extra: Partial<TradeCommandOptions>): TradeCommandOptions {
  return {
    replay: 'data/sample',
    loop: true,
    speed: 200,
    params: PARAMS,
    db: join(dir, 'bot.sqlite'),
    apiPort: 0,
    quiet: true,
    logFile: join(dir, 'bot.jsonl'),
    testnet: true,
    ...extra,
  };
}

test('live: leverage set before the first order; 3 orders a side re-priced with batchModify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-ladder-'));
  const key = `0x${randomBytes(32).toString('hex')}`;
  const address = Wallet.fromPrivateKey(key).accountAddress.toLowerCase();
  process.env.HLMM_PRIVATE_KEY = key;
  const bot = await startTrading(
    options(dir, {
      live: true,
      levels: 3,
      maxPosition: 10,
      leverage: 3,
      margin: 'isolated',
      apiPort: await freePort(),
      apiHost: '127.0.0.1',
      apiUser: 'hlmm',
      apiPassword: 'ladder-test',
    }),
    { handleSignals: false },
  );
  const fake = bot.fake;
  assert.ok(fake);
  try {
    const sides = () => {
      const open = fake.trading.openOrdersOf(address);
      return [open.filter((o) => o.isBuy).length, open.filter((o) => !o.isBuy).length];
    };
    await until('3 resting orders a side', () => sides()[0] === 3 && sides()[1] === 3);
    assert.ok(fake.trading.openOrdersOf(address).every((o) => o.tif === 'Alo'));
    await until('re-priced with batchModify', () => fake.trading.counters.batchModifies >= 2);

    const log = fake.trading.actionLog.filter((a) => a.user === address);
    const lev = log.findIndex((a) => a.type === 'updateLeverage');
    const firstOrder = log.findIndex(
      (a) => a.type === 'order' || a.type === 'batchModify' || a.type === 'modify',
    );
    assert.ok(lev >= 0, 'updateLeverage sent');
    assert.ok(firstOrder > lev, `updateLeverage (#${lev}) before the first order (#${firstOrder})`);
    assert.deepEqual(
      { coin: log[lev].coin, leverage: log[lev].leverage, isCross: log[lev].isCross },
      { coin: 'BTC', leverage: 3, isCross: false },
    );
    assert.equal(bot.engine.info().leverage, 3);
    // The API's leverage is the one set (Freqtrade's balance schema carries it per currency).
    const res = await fetch(`${bot.apiUrl}/api/v1/balance`, {
      headers: { authorization: `Basic ${Buffer.from('hlmm:ladder-test').toString('base64')}` },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).currencies[0].leverage, 3);
  } finally {
    await bot.stop('test done');
  }
});

test('live: --leverage above the coin maximum is one sentence before anything is sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-ladder-'));
  process.env.HLMM_PRIVATE_KEY = `0x${randomBytes(32).toString('hex')}`;
  try {
    await assert.rejects(
      startTrading(options(dir, { live: true, leverage: 51 }), { handleSignals: false }),
      (err: Error & { exitCode?: number }) =>
        err.name === 'UserError' &&
        err.exitCode === 2 &&
        /--leverage 51: BTC allows at most 50× on Hyperliquid/.test(err.message),
    );
  } finally {
    delete process.env.HLMM_PRIVATE_KEY;
  }
});

test('paper: a 3-level ladder rests 3 orders a side; the leverage is recorded, not sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-ladder-'));
  const bot = await startTrading(
    options(dir, { levels: 3, maxPosition: 10, leverage: 5, resetPaper: true }),
    {
      handleSignals: false,
    },
  );
  try {
    const count = (side: 'buy' | 'sell') => bot.engine.openOrders().filter((o) => o.side === side).length;
    await until('3 paper orders a side', () => count('buy') === 3 && count('sell') === 3);
    assert.equal(bot.engine.info().leverage, 5);
    assert.equal(bot.fake?.trading.actionLog.length ?? 0, 0, 'paper sends nothing to the exchange');
  } finally {
    await bot.stop('test done');
  }
});
