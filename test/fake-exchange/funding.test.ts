/** The fake exchange's funding: hourly settlement of open positions and its wire shapes (userFunding,
 * metaAndAssetCtxs, predictedFundings, clearinghouseState.cumFunding, the userFundings channel). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { fundingPaymentQuote, hourBoundariesBetween } from '../../src/engine/hourly-funding.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { InfoClient } from '../../src/exchange/hyperliquid/info-client.ts';
import { fundingRateOf } from '../../src/exchange/hyperliquid/trading/funding.ts';
import { rateWire } from '../../src/fake-exchange/funding.ts';
import { startFakeExchange } from '../../src/fake-exchange/server.ts';
import { until } from '../support/wait.ts';

const H = 1_756_771_200_000;
const USER = '0x00000000000000000000000000000000000000aa';

test('payment and boundaries; rates print without exponents', () => {
  assert.equal(fundingPaymentQuote(0.002, 109_221.5, 0.0001), -0.0218443);
  assert.equal(fundingPaymentQuote(-1, 100, 0.0001), 0.01);
  assert.deepEqual(hourBoundariesBetween(H - 5, H + 5), [H]);
  assert.equal(rateWire(0.0000125), '0.0000125');
  assert.equal(rateWire(-0.0001), '-0.0001');
});

test('a short receives funding at the hour; /info and the userFundings channel show it as Hyperliquid does', async () => {
  const fake = await startFakeExchange({
    dataDir: 'data/sample',
    symbols: ['BTC'],
    port: 0,
    // Real time: the sample's quotes stop 884 s after 00:00 and the replay then skips a day, settling ≈ 23 more
    // hours at once (44 s after the start at 20×: a slow machine could get there before the last check).
    speed: 1,
    fromMs: H - 1_000,
    idleTimeoutMs: 0,
    trading: { accounts: [{ address: USER, usdc: 1000 }], fundingRatePerHour: 0.0001 },
  });
  try {
    fake.trading.accounts.get(USER)!.fill('BTC', false, 109_000, 0.01, 0, 40);
    await until('the first funding payment', () => fake.funding.counters.payments >= 1);
    // −(−0.01) × 109 221.5 × 0.0001 = +0.1092215 → 0.109222 USDC (micro-USDC).
    assert.equal(fake.trading.accounts.get(USER)!.usdc, 1000 + 0.109222);
    const info = new InfoClient({
      transport: new HttpTransport({ baseUrl: fake.url }),
      accountAddress: USER,
    });
    const ledger = await info.userFunding(H - 10);
    assert.deepEqual(ledger, [
      {
        time: H,
        hash: `0x${'0'.repeat(64)}`,
        delta: {
          type: 'funding',
          coin: 'BTC',
          usdc: '0.109222',
          szi: '-0.01',
          fundingRate: '0.0001',
          nSamples: null,
        },
      },
    ]);
    assert.deepEqual(await info.userFunding(H + 1), []);
    assert.equal((await info.allUserFunding(0)).length, 1);
    const ctxs = await info.metaAndAssetCtxs();
    assert.equal(fundingRateOf(ctxs, 'BTC'), 0.0001);
    assert.equal(ctxs[0].universe.length, ctxs[1].length);
    const predicted = await info.predictedFundings();
    const btc = predicted.find(([coin]) => coin === 'BTC')!;
    assert.equal(btc[1][0][0], 'HlPerp');
    assert.equal(btc[1][0][1]?.nextFundingTime, H + 3_600_000);
    const state = await info.clearinghouseState();
    assert.deepEqual(state.assetPositions[0].position.cumFunding, {
      allTime: '-0.109222',
      sinceChange: '-0.109222',
      sinceOpen: '-0.109222',
    });
    // userFundings: the snapshot lists the payment.
    const ws = new WebSocket(fake.wsUrl);
    await new Promise((r) => ws.once('open', r));
    const frames: {
      channel: string;
      data: { isSnapshot?: boolean; fundings: { usdc: string; time: number }[] };
    }[] = [];
    ws.on('message', (m) => frames.push(JSON.parse(String(m))));
    ws.send(JSON.stringify({ method: 'subscribe', subscription: { type: 'userFundings', user: USER } }));
    await until('the userFundings snapshot', () => frames.some((f) => f.channel === 'userFundings'));
    const snap = frames.find((f) => f.channel === 'userFundings')!;
    assert.equal(snap.data.isSnapshot, true);
    assert.deepEqual(
      snap.data.fundings.map((f) => [f.time, f.usdc]),
      [[H, '0.109222']],
    );
    ws.close();
  } finally {
    await fake.close();
  }
});
