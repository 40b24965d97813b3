/**
 * Order statuses end to end on the fake exchange: each documented refusal gets its per-order error in the
 * /exchange answer and its own status (tickRejected, minTradeNtlRejected, …) in orderUpdates, orderStatus and
 * historicalOrders; the exchange's own cancels (reduceOnlyCanceled, selfTradeCanceled, marginCanceled) likewise.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MarketDataWriter } from '../../src/data/writer.ts';
import type { OrderSpec } from '../../src/exchange/hyperliquid/actions.ts';
import { ExchangeClient } from '../../src/exchange/hyperliquid/exchange-client.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { WAIT_BUDGET_MS } from '../support/wait.ts';

const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const T0 = 1_756_707_600_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = WAIT_BUDGET_MS, what = 'condition') {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** BTC at 107947 / 107948, quoted every 500 ms for 10 minutes; one small trade at the very end. */
async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-statuses-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  for (let t = 0; t <= 600_000; t += 500) {
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  w.writeTrade({ exchMs: T0 + 600_000, recvS: 1, px: 107_947, sz: 0.001, side: 'sell', tid: 1 });
  await w.close();
  return dir;
}

let counter = 0;
const cloid = () => `0x${(++counter).toString(16).padStart(32, '0')}`;
const order = (o: Partial<OrderSpec> & { price: number | string; size: number | string }): OrderSpec => ({
  asset: 0,
  isBuy: true,
  tif: 'Alo',
  cloid: cloid(),
  ...o,
});

describe('order statuses on the fake exchange', () => {
  let ex: FakeExchange;
  let client: ExchangeClient;
  let transport: HttpTransport;
  let wallet: Wallet;
  // biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field
  const updates: any[] = [];
  let ws: WebSocket;

  before(async () => {
    wallet = Wallet.fromPrivateKey(KEY);
    ex = await startFakeExchange({
      dataDir: await marketDir(),
      symbols: ['BTC'],
      speed: 1,
      trading: { accounts: [{ address: wallet.address, usdc: 10_000 }] },
    });
    transport = new HttpTransport({ baseUrl: ex.url, maxRetries: 0 });
    client = new ExchangeClient({ transport, wallet, isMainnet: false });
    await until(() => ex.markets.get('BTC')?.bbo != null, WAIT_BUDGET_MS, 'first bbo');
    ws = new WebSocket(ex.wsUrl);
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.channel === 'orderUpdates') updates.push(...f.data);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({ method: 'subscribe', subscription: { type: 'orderUpdates', user: wallet.address } }),
    );
    await sleep(100);
  });
  after(async () => {
    ws.close();
    await ex.close();
  });

  const info = (body: Record<string, unknown>) => transport.post('/info', body, 1);
  const statusOf = async (c: string) => {
    // biome-ignore lint/suspicious/noExplicitAny: checked field by field
    const r = (await info({ type: 'orderStatus', user: wallet.address, oid: c })) as any;
    return r.status === 'order' ? (r.order.status as string) : r.status;
  };
  const pushedStatus = async (c: string, status: string) => {
    await until(
      () => updates.some((u) => u.order.cloid === c && u.status === status),
      10_000,
      `${status} pushed for ${c}`,
    );
  };

  test('each refusal: its documented error, and its status pushed, in orderStatus and historicalOrders', async () => {
    const cases: [string, OrderSpec, RegExp][] = [
      ['tickRejected', order({ price: '107900.5', size: '0.001' }), /^Price must be divisible by tick size/],
      [
        'minTradeNtlRejected',
        order({ price: 107_900, size: '0.00001' }),
        /^Order must have minimum value of \$10/,
      ],
      [
        'oracleRejected',
        order({ price: 10_000, size: '0.01' }),
        /more than 80% away from the reference price/,
      ],
      [
        'reduceOnlyRejected',
        order({ price: 107_900, size: '0.001', reduceOnly: true }),
        /^Reduce only order/,
      ],
      ['perpMarginRejected', order({ price: 107_900, size: '5' }), /^Insufficient margin to place order/],
      [
        'badAloPxRejected',
        order({ price: 107_948, size: '0.001' }),
        /^Post only order would have immediately matched, bbo was 107947\.0@107948\.0/,
      ],
      [
        'iocCancelRejected',
        order({ price: 107_900, size: '0.001', tif: 'Ioc' }),
        /^Order could not immediately match/,
      ],
    ];
    const answers = await client.placeOrders(cases.map((c) => c[1]));
    for (const [i, [status, spec, text]] of cases.entries()) {
      const a = answers[i];
      assert.equal(a.kind, 'error', status);
      assert.match(a.kind === 'error' ? a.message : '', text, status);
      await pushedStatus(spec.cloid!, status);
      assert.equal(await statusOf(spec.cloid!), status);
    }
    // biome-ignore lint/suspicious/noExplicitAny: checked field by field
    const history = (await info({ type: 'historicalOrders', user: wallet.address })) as any[];
    for (const [status, spec] of cases) {
      const h = history.find((x) => x.order.cloid === spec.cloid);
      assert.equal(h?.status, status);
    }
  });

  test('filled, canceled, and the exchange’s own cancels: reduceOnlyCanceled, selfTradeCanceled', async () => {
    // A resting order cancelled by its owner.
    const resting = order({ price: 107_000, size: '0.001' });
    await client.placeOrders([resting]);
    await pushedStatus(resting.cloid!, 'open');
    await client.cancelByCloid([{ asset: 0, cloid: resting.cloid! }]);
    await pushedStatus(resting.cloid!, 'canceled');
    assert.equal(await statusOf(resting.cloid!), 'canceled');

    // Long 0.002 by an IOC at the ask (filled), a reduce-only ask resting against it, then a plain IOC sell
    // closes the long: the reduce-only order would now open a short, so the exchange cancels it.
    const buy = order({ price: 107_948, size: '0.002', tif: 'Ioc' });
    const [b] = await client.placeOrders([buy]);
    assert.equal(b.kind, 'filled');
    await pushedStatus(buy.cloid!, 'filled');
    const ro = order({ price: 108_500, size: '0.002', isBuy: false, reduceOnly: true, tif: 'Gtc' });
    assert.equal((await client.placeOrders([ro]))[0].kind, 'resting');
    const close = order({ price: 107_947, size: '0.002', isBuy: false, tif: 'Ioc' });
    assert.equal((await client.placeOrders([close]))[0].kind, 'filled');
    await pushedStatus(ro.cloid!, 'reduceOnlyCanceled');
    assert.equal(await statusOf(ro.cloid!), 'reduceOnlyCanceled');

    // Our own ask at 107960, then our buy crossing up to 107960: the resting ask is cancelled, not traded.
    const ask = order({ price: 107_960, size: '0.001', isBuy: false });
    assert.equal((await client.placeOrders([ask]))[0].kind, 'resting');
    const lift = order({ price: 107_960, size: '0.001', tif: 'Ioc' });
    assert.equal((await client.placeOrders([lift]))[0].kind, 'filled');
    await pushedStatus(ask.cloid!, 'selfTradeCanceled');
    assert.equal(await statusOf(ask.cloid!), 'selfTradeCanceled');
    // Flat again for the next test.
    assert.equal(
      (await client.placeOrders([order({ price: 107_947, size: '0.001', isBuy: false, tif: 'Ioc' })]))[0]
        .kind,
      'filled',
    );
  });

  test('marginCanceled: after a loss, orders the account can no longer margin are cancelled, newest first', async () => {
    // A small long first: closing it later is a fill that needs no margin (reduce-only).
    assert.equal(
      (await client.placeOrders([order({ price: 107_948, size: '0.001', tif: 'Ioc' })]))[0].kind,
      'filled',
    );
    const older = order({ price: 107_000, size: '0.5' }); // 53,500 notional: 2,675 USDC margin at 20×
    const newer = order({ price: 106_990, size: '0.5' });
    const answers = await client.placeOrders([older, newer]);
    assert.deepEqual(
      answers.map((a) => a.kind),
      ['resting', 'resting'],
    );
    // A loss elsewhere (test hook: the account's cash), then any fill makes the exchange re-check the margin.
    const account = ex.trading.accounts.get(wallet.address.toLowerCase())!;
    account.usdc -= 7_000;
    const closing = order({ price: 107_947, size: '0.001', isBuy: false, reduceOnly: true, tif: 'Ioc' });
    assert.equal((await client.placeOrders([closing]))[0].kind, 'filled');
    await pushedStatus(newer.cloid!, 'marginCanceled');
    assert.equal(await statusOf(newer.cloid!), 'marginCanceled');
    assert.equal(await statusOf(older.cloid!), 'open', 'the older order still fits the margin');
  });
});
