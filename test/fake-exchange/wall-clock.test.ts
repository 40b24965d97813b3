/**
 * One exchange clock for signed actions: against a fast replay, nonces, expiresAfter and scheduleCancel are judged
 * on the wall clock, with a client that stamps Date.now() (@nktkas/hyperliquid), while the market data follows
 * the replay clock.
 */

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as hl from '@nktkas/hyperliquid';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { sdkClients, sdkWallet, sdkWebSocket } from '../support/hl-sdk-client.ts';
import { WAIT_BUDGET_MS, until as waitUntil } from '../support/wait.ts';

const T0 = 1_756_707_600_000; // Sept 2025: the replay's clock is over a year behind the wall clock
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// The shared hang-guarded wait, in this file's argument order.
const until = (check: () => boolean, ms: number, what: string) => waitUntil(what, check, ms);

async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-wall-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  // 3 hours of quotes every second: at speed 50 that lasts over 3 minutes of wall time.
  for (let t = 0; t <= 3 * 3_600_000; t += 1_000) {
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  w.writeTrade({ exchMs: T0 + 1_000, recvS: 1, px: 107_947, sz: 0.01, side: 'sell', tid: 1 });
  await w.close();
  return dir;
}

const restingBuy = (px: string) => ({
  orders: [{ a: 0, b: true, p: px, s: '0.001', r: false, t: { limit: { tif: 'Alo' as const } } }],
  grouping: 'na' as const,
});

describe('signed actions on the wall clock against a replay at speed 50', () => {
  let ex: FakeExchange;
  let sdk: ReturnType<typeof sdkClients>;
  before(async () => {
    const { address } = sdkClients('http://127.0.0.1:1');
    ex = await startFakeExchange({
      dataDir: await marketDir(),
      symbols: ['BTC'],
      speed: 50,
      trading: { accounts: [{ address, usdc: 10_000 }] },
    });
    sdk = sdkClients(ex.url);
    await until(() => ex.markets.get('BTC')?.bbo != null, WAIT_BUDGET_MS, 'first bbo');
  });
  after(async () => {
    await ex.close();
  });

  test('a Date.now() nonce is accepted although the replay is a year behind; a replay-time nonce is not', async () => {
    assert.ok(Date.now() - ex.clock.nowMs() > 86_400_000 * 30);
    const r = await sdk.exchange.order(restingBuy('107000'));
    assert.equal(
      typeof r.response.data.statuses[0] === 'object' && 'resting' in r.response.data.statuses[0],
      true,
    );
    const replayStamped = new hl.ExchangeClient({
      transport: sdk.http,
      wallet: sdkWallet(),
      nonceManager: () => Math.round(ex.clock.nowMs()),
    });
    await assert.rejects(replayStamped.order(restingBuy('107001')), (e: unknown) => {
      assert.ok(e instanceof hl.ApiRequestError);
      assert.match(e.message, /^Invalid nonce/);
      return true;
    });
  });

  test('expiresAfter: a wall-clock past is refused, a wall-clock future accepted, whatever the replay time', async () => {
    const expired = sdkClients(ex.url, { defaultExpiresAfter: Date.now() - 1_000 });
    await assert.rejects(expired.exchange.order(restingBuy('107002')), (e: unknown) => {
      assert.ok(e instanceof hl.ApiRequestError);
      assert.match(e.message, /expired/i);
      return true;
    });
    // Far ahead of the replay's clock but a few seconds ahead of the wall: accepted.
    const fresh = sdkClients(ex.url, { defaultExpiresAfter: Date.now() + 10_000 });
    const r = await fresh.exchange.order(restingBuy('107003'));
    assert.equal(
      typeof r.response.data.statuses[0] === 'object' && 'resting' in r.response.data.statuses[0],
      true,
    );
  });

  test('scheduleCancel: wall now + 1 s is refused; wall now + 6 s fires about 6 s later (pushed as scheduledCancel)', async () => {
    const ws = sdkWebSocket(ex.wsUrl);
    const subs = new hl.SubscriptionClient({ transport: ws });
    const statuses: string[] = [];
    const sub = await subs.orderUpdates({ user: sdk.address as `0x${string}` }, (updates) => {
      for (const u of updates) statuses.push(u.status);
    });
    try {
      await assert.rejects(sdk.exchange.scheduleCancel({ time: Date.now() + 1_000 }), (e: unknown) => {
        assert.ok(e instanceof hl.ApiRequestError);
        assert.match(e.message, /too early, must be at least 5 seconds from now/);
        return true;
      });
      const open = () => ex.trading.openOrdersOf(sdk.address).length;
      assert.ok(open() >= 1);
      const armedAt = Date.now();
      await sdk.exchange.scheduleCancel({ time: armedAt + 6_000 });
      // 2 s later the replay has moved 100 s on; the switch has not fired: it follows the wall clock.
      await sleep(2_000);
      // (Checked only while the deadline is ahead: a busy machine can take 4 s over the request.)
      if (Date.now() < armedAt + 6_000) assert.ok(open() >= 1, 'not fired after 2 s of wall time');
      await until(() => open() === 0, WAIT_BUDGET_MS, 'the switch');
      const firedAfter = Date.now() - armedAt;
      assert.ok(firedAfter >= 6_000, `fired ${firedAfter} ms after arming`);
      await until(() => statuses.includes('scheduledCancel'), WAIT_BUDGET_MS, 'scheduledCancel pushed');
    } finally {
      await sub.unsubscribe();
      await ws.close();
    }
  });
});
