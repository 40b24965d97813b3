/**
 * Conformance of the fake exchange to @nktkas/hyperliquid 0.32.2's response types (JSON schemas made from the
 * SDK's TypeScript types, strict: no missing required field, no field the type does not know), for every info
 * endpoint, exchange action and WebSocket channel the fake implements — driven by that SDK's own clients.
 */

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as hl from '@nktkas/hyperliquid';
import WebSocket from 'ws';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { postJson, sdkClients } from '../support/hl-sdk-client.ts';
import { sdkErrors, sdkValidator } from '../support/hl-sdk-schemas.ts';
import { WAIT_BUDGET_MS, until as waitUntil } from '../support/wait.ts';

const T0 = 1_756_707_600_000;
const BUILDER = '0x1111111111111111111111111111111111111111';
const _sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// The shared hang-guarded wait, in this file's argument order.
const until = (check: () => boolean, ms: number, what: string) => waitUntil(what, check, ms);

/** 2 hours of BTC quotes every second, a trade every 5 s alternating sides: candles and funding hours exist. */
async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-conf-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  for (let t = 0; t <= 2 * 3_600_000; t += 1_000) {
    if (t % 5_000 === 0) {
      const buy = (t / 5_000) % 2 === 0;
      w.writeTrade({
        exchMs: T0 + t,
        recvS: 1,
        px: buy ? 107_948 : 107_947,
        sz: 0.01,
        side: buy ? 'buy' : 'sell',
        tid: 1 + t / 5_000,
      });
    }
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  await w.close();
  return dir;
}

const cloid = (n: number) => `0x${n.toString(16).padStart(32, '0')}` as `0x${string}`;
const limit = (p: string, s: string, tif: 'Alo' | 'Gtc' | 'Ioc', b = true, c?: `0x${string}`) => ({
  a: 0,
  b,
  p,
  s,
  r: false,
  t: { limit: { tif } },
  ...(c ? { c } : {}),
});

function conforms(api: 'info' | 'exchange' | 'subscription', type: string, data: unknown): void {
  const errors = sdkErrors(api, type, data);
  assert.deepEqual(errors, [], `${type}: ${JSON.stringify(data).slice(0, 400)}`);
}

test('the checks are strict: a missing required field and an unknown field both fail', () => {
  const ok = { cumVlm: '1.0', nRequestsUsed: 1, nRequestsCap: 2, nRequestsSurplus: 0 };
  assert.deepEqual(sdkErrors('info', 'UserRateLimitResponse', ok), []);
  const { nRequestsSurplus: _, ...missing } = ok;
  assert.match(sdkErrors('info', 'UserRateLimitResponse', missing).join(), /nRequestsSurplus/);
  assert.match(sdkErrors('info', 'UserRateLimitResponse', { ...ok, extra: 1 }).join(), /extra/);
});

describe('the fake exchange conforms to @nktkas/hyperliquid response types', () => {
  let ex: FakeExchange;
  let sdk: ReturnType<typeof sdkClients>;
  let user: `0x${string}`;
  before(async () => {
    const address = sdkClients('http://127.0.0.1:1').address;
    user = address as `0x${string}`;
    ex = await startFakeExchange({
      dataDir: await marketDir(),
      symbols: ['BTC'],
      speed: 30,
      // The 2 h tape lasts 240 s at 30×: looped, it outlasts the file on any machine.
      loop: true,
      trading: { accounts: [{ address, usdc: 10_000 }] },
    });
    sdk = sdkClients(ex.url);
    await until(
      () => (ex.markets.get('BTC')?.recentTrades(5).length ?? 0) >= 3,
      WAIT_BUDGET_MS,
      'a few trades',
    );
  });
  after(async () => {
    await ex.close();
  });

  const raw = (path: string, body: unknown) => postJson(`${ex.url}${path}`, body);

  test('exchange actions through the SDK: order (resting, filled, error), cancels, modifies, switch, leverage, builder', async () => {
    conforms(
      'exchange',
      'UpdateLeverageResponse',
      await sdk.exchange.updateLeverage({ asset: 0, isCross: true, leverage: 10 }),
    );
    const resting = await sdk.exchange.order({
      orders: [limit('107000', '0.001', 'Alo', true, cloid(1))],
      grouping: 'na',
    });
    conforms('exchange', 'OrderResponse', resting);
    const filled = await sdk.exchange.order({
      orders: [limit('107948', '0.001', 'Ioc', true, cloid(2))],
      grouping: 'na',
    });
    conforms('exchange', 'OrderResponse', filled);
    // A batch with one good and one refused order: per-order {error}, status still "ok".
    // (the SDK throws on any per-order error; the answer is on the error)
    await assert.rejects(
      sdk.exchange.order({
        orders: [limit('107001', '0.001', 'Alo'), limit('107948', '0.001', 'Alo')],
        grouping: 'na',
      }),
      (e: unknown) => {
        assert.ok(e instanceof hl.ApiRequestError);
        conforms('exchange', 'OrderResponse', e.response);
        return true;
      },
    );
    const oid = (resting.response.data.statuses[0] as { resting: { oid: number } }).resting.oid;
    conforms(
      'exchange',
      'ModifyResponse',
      await sdk.exchange.modify({ oid, order: limit('106990', '0.001', 'Alo', true, cloid(1)) }),
    );
    // By oid: this SDK's schema reads a cloid given as `oid` as a hex number (0x…01 → 1).
    const current = ex.trading.oidOfCloid(user, cloid(1));
    assert.ok(current !== undefined && current !== oid, 'the modify gave the order a new oid');
    const batch = await sdk.exchange.batchModify({
      modifies: [{ oid: current, order: limit('106980', '0.001', 'Alo', true, cloid(1)) }],
    });
    conforms('exchange', 'BatchModifyResponse', batch);
    conforms(
      'exchange',
      'CancelByCloidResponse',
      await sdk.exchange.cancelByCloid({ cancels: [{ asset: 0, cloid: cloid(1) }] }),
    );
    const again = await sdk.exchange.order({ orders: [limit('107000', '0.001', 'Alo')], grouping: 'na' });
    const oid2 = (again.response.data.statuses[0] as { resting: { oid: number } }).resting.oid;
    conforms('exchange', 'CancelResponse', await sdk.exchange.cancel({ cancels: [{ a: 0, o: oid2 }] }));
    conforms(
      'exchange',
      'ScheduleCancelResponse',
      await sdk.exchange.scheduleCancel({ time: Date.now() + 60_000 }),
    );
    conforms('exchange', 'ScheduleCancelResponse', await sdk.exchange.scheduleCancel());
    conforms('exchange', 'SetReferrerResponse', await sdk.exchange.setReferrer({ code: 'HLMM' }));
    // Builder codes: refused before approval, charged in the fill after it (user-signed approveBuilderFee).
    const withBuilder = {
      orders: [limit('107948', '0.001', 'Ioc', true, cloid(3))],
      grouping: 'na' as const,
      builder: { b: BUILDER as `0x${string}`, f: 50 },
    };
    await assert.rejects(sdk.exchange.order(withBuilder), (e: unknown) => e instanceof hl.ApiRequestError);
    conforms(
      'exchange',
      'ApproveBuilderFeeResponse',
      await sdk.exchange.approveBuilderFee({ maxFeeRate: '0.05%', builder: BUILDER as `0x${string}` }),
    );
    conforms('exchange', 'OrderResponse', await sdk.exchange.order(withBuilder));
    const fill = ex.trading.fillsOf(user).find((f) => f.cloid === cloid(3));
    assert.ok(fill?.builderFee !== undefined);
    // 50 tenths of a bp = 0.05 % of 107.948 USDC, on top of the 0.045 % taker fee.
    assert.equal(fill.builderFee, '0.053974');
    // `fee` is the exchange's part (0.045 %); the account pays both.
    assert.equal(Number(fill.fee), Math.round(107.948 * 0.00045 * 1e6) / 1e6);
    // Whole-request errors in the documented {"status":"err","response":"…"} (here: an unknown signer).
    const refused = await raw('/exchange', {
      action: { type: 'scheduleCancel', time: 1 },
      nonce: Date.now(),
      signature: { r: `0x${'1'.repeat(64)}`, s: `0x${'1'.repeat(64)}`, v: 27 },
    });
    conforms('exchange', 'ScheduleCancelResponse', refused.json);
    assert.equal(refused.json.status, 'err');
    await assert.rejects(sdk.exchange.scheduleCancel({ time: Date.now() + 1_000 }), (e: unknown) => {
      assert.ok(e instanceof hl.ApiRequestError);
      conforms('exchange', 'ScheduleCancelResponse', e.response);
      return true;
    });
  });

  test('every info endpoint', async () => {
    const now = Date.now();
    const cases: [string, Record<string, unknown>][] = [
      ['MetaResponse', { type: 'meta' }],
      ['AllMidsResponse', { type: 'allMids' }],
      ['L2BookResponse', { type: 'l2Book', coin: 'BTC' }],
      ['MetaAndAssetCtxsResponse', { type: 'metaAndAssetCtxs' }],
      ['PredictedFundingsResponse', { type: 'predictedFundings' }],
      ['OpenOrdersResponse', { type: 'openOrders', user }],
      ['FrontendOpenOrdersResponse', { type: 'frontendOpenOrders', user }],
      ['ClearinghouseStateResponse', { type: 'clearinghouseState', user }],
      ['UserFillsResponse', { type: 'userFills', user }],
      ['UserFillsByTimeResponse', { type: 'userFillsByTime', user, startTime: 0 }],
      ['UserRateLimitResponse', { type: 'userRateLimit', user }],
      ['OrderStatusResponse', { type: 'orderStatus', user, oid: cloid(2) }],
      ['OrderStatusResponse', { type: 'orderStatus', user, oid: 12345 }],
      ['HistoricalOrdersResponse', { type: 'historicalOrders', user }],
      ['UserFundingResponse', { type: 'userFunding', user, startTime: 0 }],
      [
        'CandleSnapshotResponse',
        { type: 'candleSnapshot', req: { coin: 'BTC', interval: '1m', startTime: 0, endTime: now } },
      ],
      ['FundingHistoryResponse', { type: 'fundingHistory', coin: 'BTC', startTime: 0 }],
      ['RecentTradesResponse', { type: 'recentTrades', coin: 'BTC' }],
      ['UserFeesResponse', { type: 'userFees', user }],
      ['ActiveAssetDataResponse', { type: 'activeAssetData', user, coin: 'BTC' }],
      ['SpotMetaResponse', { type: 'spotMeta' }],
      ['SpotMetaAndAssetCtxsResponse', { type: 'spotMetaAndAssetCtxs' }],
      ['MaxBuilderFeeResponse', { type: 'maxBuilderFee', user, builder: BUILDER }],
    ];
    // Schemas first: making one takes seconds, long enough for an idle keep-alive socket to be closed under a fetch.
    for (const [type] of cases) sdkValidator('info', type);
    for (const [type, body] of cases) {
      const r = await raw('/info', body);
      assert.equal(r.status, 200, `${body.type}: ${JSON.stringify(r.json)}`);
      conforms('info', type, r.json);
    }
    // Non-empty where it matters, so the check saw real entries.
    assert.ok(((await raw('/info', cases[15][1])).json as unknown[]).length > 0, 'candles');
    assert.ok(((await raw('/info', { type: 'historicalOrders', user })).json as unknown[]).length > 3);
    assert.ok(((await raw('/info', { type: 'userFills', user })).json as unknown[]).length >= 2);
    // The SDK's own info client reads them too.
    const mids = await sdk.info.allMids();
    const meta = await sdk.info.meta();
    for (const a of meta.universe.filter((x) => !x.isDelisted))
      assert.ok(mids[a.name], `allMids lacks ${a.name}`);
  });

  test('every WebSocket channel', async () => {
    const ws = new WebSocket(ex.wsUrl);
    // biome-ignore lint/suspicious/noExplicitAny: frames are checked against the SDK's types
    const frames: { channel: string; data: any }[] = [];
    ws.on('message', (m) => frames.push(JSON.parse(m.toString())));
    await new Promise((r) => ws.once('open', r));
    const subs: [string, Record<string, unknown>, string][] = [
      ['bbo', { type: 'bbo', coin: 'BTC' }, 'BboEvent'],
      ['trades', { type: 'trades', coin: 'BTC' }, 'TradesEvent'],
      ['l2Book', { type: 'l2Book', coin: 'BTC' }, 'L2BookEvent'],
      ['allMids', { type: 'allMids' }, 'AllMidsEvent'],
      ['candle', { type: 'candle', coin: 'BTC', interval: '1m' }, 'CandleEvent'],
      ['activeAssetCtx', { type: 'activeAssetCtx', coin: 'BTC' }, 'ActiveAssetCtxEvent'],
      ['orderUpdates', { type: 'orderUpdates', user }, 'OrderUpdatesEvent'],
      ['userFills', { type: 'userFills', user }, 'UserFillsEvent'],
      ['user', { type: 'userEvents', user }, 'UserEventsEvent'],
      ['userFundings', { type: 'userFundings', user }, 'UserFundingsEvent'],
    ];
    try {
      for (const [, subscription] of subs) ws.send(JSON.stringify({ method: 'subscribe', subscription }));
      ws.send(JSON.stringify({ method: 'subscribe', subscription: { type: 'notification', user } }));
      // Activity for the user channels: a resting order, then a fill.
      await sdk.exchange.order({ orders: [limit('107000', '0.001', 'Alo')], grouping: 'na' });
      await sdk.exchange.order({ orders: [limit('107948', '0.001', 'Ioc')], grouping: 'na' });
      for (const [channel, , type] of subs) {
        await until(() => frames.some((f) => f.channel === channel), WAIT_BUDGET_MS, `a ${channel} frame`);
        for (const f of frames.filter((x) => x.channel === channel)) conforms('subscription', type, f.data);
      }
      const acks = frames.filter((f) => f.channel === 'subscriptionResponse');
      assert.equal(acks.length, subs.length + 1, 'every subscription acknowledged (notification included)');
      assert.ok(
        !frames.some((f) => f.channel === 'error'),
        JSON.stringify(frames.find((f) => f.channel === 'error')),
      );
    } finally {
      ws.close();
    }
  });
});
