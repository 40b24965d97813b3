import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MarketDataWriter } from '../../src/data/writer.ts';
import { orderAction } from '../../src/exchange/hyperliquid/actions.ts';
import { ActionRejectedError, RateLimitedError } from '../../src/exchange/hyperliquid/errors.ts';
import { ExchangeClient } from '../../src/exchange/hyperliquid/exchange-client.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { InfoClient } from '../../src/exchange/hyperliquid/info-client.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { applyFillToPosition } from '../../src/fake-exchange/accounts.ts';
import { type FakeExchange, startFakeExchange, type TradingOptions } from '../../src/fake-exchange/server.ts';
import { WAIT_BUDGET_MS } from '../support/wait.ts';

const VECTOR_KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const T0 = 1_756_707_600_000; // Sept 2025, like the bundled sample

async function until(check: () => boolean, ms = WAIT_BUDGET_MS, what = 'condition') {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A BTC market at 107947 / 107948 (bid size 0.5, ask size 1.0) quoted every 500 ms for 60 s, and only a 0.0001 sell
 * at the end (a trades file must exist; the 0.5 bid queued ahead absorbs it). The tests that need a print feed it
 * once their order rests (printNow), so no print can pass before a test slowed by a busy machine is ready.
 */
async function marketDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hlmm-fx-orders-'));
  const w = new MarketDataWriter({ dir, symbol: 'BTC' });
  for (let t = 0; t <= 60_000; t += 500) {
    w.writeBbo({ exchMs: T0 + t, recvS: 1, bidPx: 107_947, bidSz: 0.5, askPx: 107_948, askSz: 1 });
  }
  w.writeTrade({ exchMs: T0 + 60_000, recvS: 1, px: 107_947, sz: 0.0001, side: 'sell', tid: 1 });
  await w.close();
  return dir;
}

/**
 * A print fed to the fake's fill model at its exchange time now, as its replay feeds each recorded one (the same
 * call): a recorded print would pass at a fixed wall time, before a test slowed by a busy machine has its order
 * resting. Returns its time, ms.
 */
function printNow(h: Harness, side: 'buy' | 'sell', px: number, sz: number, tid: number): number {
  const exchMs = h.ex.trading.nowMs();
  h.ex.trading.onMarketEvent('BTC', { kind: 'trade', exchMs, recvS: exchMs / 1000, px, sz, side, tid });
  return exchMs;
}

async function wsClient(url: string) {
  const ws = new WebSocket(url);
  // biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field
  const frames: Array<{ channel: string; data: any }> = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, send: (o: unknown) => ws.send(JSON.stringify(o)) };
}

interface Harness {
  ex: FakeExchange;
  wallet: Wallet;
  client: ExchangeClient;
  info: InfoClient;
  transport: HttpTransport;
}

async function harness(dir: string, speed = 1, trading: TradingOptions = {}): Promise<Harness> {
  const wallet = Wallet.fromPrivateKey(VECTOR_KEY);
  const ex = await startFakeExchange({
    dataDir: dir,
    symbols: ['BTC'],
    speed,
    trading: { accounts: [{ address: wallet.address }], ...trading },
  });
  const transport = new HttpTransport({ baseUrl: ex.url, maxRetries: 0 });
  // Signed times are wall time (Date.now, the client's default), as on Hyperliquid, whatever the replay clock says.
  const client = new ExchangeClient({ transport, wallet, isMainnet: false });
  const info = new InfoClient({ transport, accountAddress: wallet.address });
  await until(() => ex.markets.get('BTC')?.bbo != null, WAIT_BUDGET_MS, 'first bbo');
  return { ex, wallet, client, info, transport };
}

const alo = (
  price: number | string,
  size: number | string,
  extra: { cloid?: string; isBuy?: boolean } = {},
) => ({
  asset: 0,
  isBuy: extra.isBuy ?? true,
  price,
  size,
  tif: 'Alo' as const,
  cloid: extra.cloid,
});

test('position accounting: open, add, close with PnL, flip (hand-computed)', () => {
  const open = applyFillToPosition(0, Number.NaN, true, 100, 2);
  assert.deepEqual(open, { startSzi: 0, szi: 2, entryPx: 100, closedPnl: 0, dir: 'Open Long' });
  const add = applyFillToPosition(2, 100, true, 103, 1);
  assert.equal(add.entryPx, 101); // (2·100 + 1·103) / 3
  const part = applyFillToPosition(3, 101, false, 104, 1);
  assert.deepEqual(part, { startSzi: 3, szi: 2, entryPx: 101, closedPnl: 3, dir: 'Close Long' });
  const flip = applyFillToPosition(2, 101, false, 99, 5);
  assert.deepEqual(flip, { startSzi: 2, szi: -3, entryPx: 99, closedPnl: -4, dir: 'Long > Short' });
  const cover = applyFillToPosition(-3, 99, true, 97, 3);
  assert.deepEqual(cover, { startSzi: -3, szi: 0, entryPx: Number.NaN, closedPnl: 6, dir: 'Close Short' });
});

describe('order entry end to end (signed requests, replayed fills)', () => {
  let dir: string;
  before(async () => {
    dir = await marketDir();
  });

  test('ALO rests, shows in /info and orderUpdates, fills by queue, shows in userFills and the position', async () => {
    const h = await harness(dir);
    const ws = await wsClient(h.ex.wsUrl);
    try {
      const user = h.wallet.address;
      for (const type of ['orderUpdates', 'userFills', 'userEvents']) {
        ws.send({ method: 'subscribe', subscription: { type, user } });
      }
      await until(() => ws.frames.some((f) => f.channel === 'userFills' && f.data.isSnapshot === true));
      const snapshot = ws.frames.find((f) => f.channel === 'userFills')!;
      assert.deepEqual(snapshot.data, { isSnapshot: true, user, fills: [] });

      const cloid = '0x0000000000000000000000000000abcd';
      const [st] = await h.client.placeOrders([alo(107_947, 0.001, { cloid })]);
      assert.equal(st.kind, 'resting');
      const oid = (st as { oid: number }).oid;
      assert.equal(st.cloid, cloid);

      const open = await h.info.openOrders();
      assert.equal(open.length, 1);
      assert.equal(open[0].oid, oid);
      assert.equal(open[0].limitPx, '107947.0');
      assert.equal(open[0].sz, '0.001');
      assert.equal(open[0].side, 'B');
      const front = await h.info.frontendOpenOrders();
      assert.equal(front[0].tif, 'Alo');
      assert.equal(front[0].orderType, 'Limit');
      assert.equal(front[0].cloid, cloid);
      await until(() => ws.frames.some((f) => f.channel === 'orderUpdates'));
      const upd = ws.frames.find((f) => f.channel === 'orderUpdates')!;
      assert.equal(upd.data[0].status, 'open');
      assert.equal(upd.data[0].order.oid, oid);
      assert.equal(upd.data[0].order.limitPx, '107947.0');

      // A sell of 1.0 at 107947: 0.5 ahead of us, then our 0.001 fills as maker.
      const soldAtMs = printNow(h, 'sell', 107_947, 1, 2);
      await until(
        () => ws.frames.some((f) => f.channel === 'userFills' && f.data.fills.length > 0),
        10_000,
        'fill',
      );
      const fill = ws.frames.find((f) => f.channel === 'userFills' && !f.data.isSnapshot)!.data.fills[0];
      assert.equal(fill.coin, 'BTC');
      assert.equal(fill.px, '107947.0');
      assert.equal(fill.sz, '0.001');
      assert.equal(fill.side, 'B');
      assert.equal(fill.time, soldAtMs);
      assert.equal(fill.startPosition, '0.0');
      assert.equal(fill.dir, 'Open Long');
      assert.equal(fill.closedPnl, '0.0');
      assert.equal(fill.crossed, false);
      assert.equal(fill.fee, '0.016192'); // 107.947 USDC × 0.015 %
      assert.equal(fill.feeToken, 'USDC');
      assert.equal(fill.oid, oid);
      assert.equal(fill.cloid, cloid);
      assert.match(fill.hash, /^0x[0-9a-f]{64}$/);
      assert.equal(typeof fill.tid, 'number');
      await until(() => ws.frames.some((f) => f.channel === 'user' && f.data.fills));
      assert.deepEqual(ws.frames.find((f) => f.channel === 'user')!.data.fills[0], fill);
      await until(() => ws.frames.some((f) => f.channel === 'orderUpdates' && f.data[0].status === 'filled'));

      const fills = await h.info.userFills();
      assert.deepEqual(fills[0], fill);
      assert.deepEqual(await h.info.openOrders(), []);
      const state = await h.info.clearinghouseState();
      const pos = state.assetPositions[0].position;
      assert.equal(pos.coin, 'BTC');
      assert.equal(pos.szi, '0.001');
      assert.equal(pos.entryPx, '107947.0');
      assert.equal(pos.leverage.value, 20);
      assert.equal(pos.positionValue, '107.9475'); // 0.001 × mid 107947.5
      assert.equal(pos.unrealizedPnl, '0.0005');
      // 10,000 − fee 0.01619205 + unrealized 0.0005
      assert.equal(state.marginSummary.accountValue, '9999.984308');

      // Close at the ask: a buy of 2.0 at 107948 has 1.0 ahead of us.
      const [ask] = await h.client.placeOrders([alo(107_948, 0.001, { isBuy: false })]);
      assert.equal(ask.kind, 'resting');
      printNow(h, 'buy', 107_948, 2, 3);
      await until(
        () => ws.frames.filter((f) => f.channel === 'userFills').length >= 3,
        10_000,
        'closing fill',
      );
      const close = ws.frames.filter((f) => f.channel === 'userFills')[2].data.fills[0];
      assert.equal(close.dir, 'Close Long');
      assert.equal(close.startPosition, '0.001');
      assert.equal(close.closedPnl, '0.001');
      const flat = await h.info.clearinghouseState();
      assert.deepEqual(flat.assetPositions, []);
      const rl = await h.info.userRateLimit();
      assert.equal(rl.nRequestsUsed, 2);
      assert.equal(rl.cumVlm, '215.895');
    } finally {
      ws.ws.close();
      await h.ex.close();
    }
  });

  test('per-order errors use Hyperliquid texts; one bad order does not sink the batch', async () => {
    const h = await harness(dir);
    try {
      const statuses = await h.client.placeOrders([
        alo(107_948, 0.001), // would cross the ask
        alo('107947.5', 0.001), // off the $1 tick at this price (BTC, szDecimals 5)
        alo(107_900, '0.000001'), // under the 0.00001 lot
        alo(107_900, '0.00005'), // $5.4
        alo(107_900, 0.001), // fine
        { asset: 0, isBuy: true, price: 100_000, size: 0.001, tif: 'Alo' as const, reduceOnly: true },
        { asset: 0, isBuy: true, price: 107_000, size: 0.001, tif: 'Ioc' as const },
      ]);
      const errors = statuses.map((s) => (s.kind === 'error' ? s.message : s.kind));
      assert.deepEqual(errors, [
        'Post only order would have immediately matched, bbo was 107947.0@107948.0. asset=0',
        'Price must be divisible by tick size. asset=0',
        'Order has invalid size.',
        'Order must have minimum value of $10. asset=0',
        'resting',
        'Reduce only order would increase position. asset=0',
        'Order could not immediately match against any resting orders. asset=0',
      ]);
      // A Gtc order that crosses takes liquidity at the touch.
      const [taker] = await h.client.placeOrders([
        { asset: 0, isBuy: true, price: 108_000, size: 0.001, tif: 'Gtc' as const },
      ]);
      assert.equal(taker.kind, 'filled');
      assert.deepEqual(
        { ...taker, oid: 0 },
        { index: 0, cloid: undefined, kind: 'filled', oid: 0, totalSz: '0.001', avgPx: '107948.0' },
      );
      const [fill] = await h.info.userFills();
      assert.equal(fill.crossed, true);
      assert.equal(fill.fee, '0.048577'); // 107.948 × 0.045 %
    } finally {
      await h.ex.close();
    }
  });

  test('cancel, cancelByCloid, modify and batchModify', async () => {
    const h = await harness(dir);
    try {
      const c1 = '0x00000000000000000000000000000001';
      const c2 = '0x00000000000000000000000000000002';
      const placed = await h.client.placeOrders([
        alo(107_900, 0.001, { cloid: c1 }),
        alo(107_901, 0.001, { cloid: c2 }),
        alo(107_902, 0.001),
        alo(108_100, 0.001, { isBuy: false }),
      ]);
      const [o1, o2, o3, o4] = placed.map((s) => (s as { oid: number }).oid);
      assert.deepEqual(
        (
          await h.client.cancel([
            { asset: 0, oid: o3 },
            { asset: 0, oid: 12345 },
          ])
        ).map((s) => (s.kind === 'error' ? s.message : s.kind)),
        ['success', 'Order was never placed, already canceled, or filled. asset=0'],
      );
      assert.deepEqual(
        (await h.client.cancelByCloid([{ asset: 0, cloid: c2 }])).map((s) => s.kind),
        ['success'],
      );
      // modify by cloid: a new oid at the new price, the cloid follows it.
      const m = await h.client.modify(c1, alo(107_890, 0.002, { cloid: c1 }));
      assert.equal(m.kind, 'accepted');
      let open = await h.info.frontendOpenOrders();
      assert.deepEqual(open.map((o) => [o.limitPx, o.sz, o.cloid ?? null, o.oid === o1]).sort(), [
        ['107890.0', '0.002', c1, false],
        ['108100.0', '0.001', null, false],
      ]);
      const newO1 = open.find((o) => o.cloid === c1)!.oid;
      const batch = await h.client.batchModify([
        { oid: newO1, order: alo(107_880, 0.001) },
        { oid: o4, order: alo(108_200, 0.001, { isBuy: false }) },
        { oid: o2, order: alo(107_870, 0.001) }, // cancelled above
      ]);
      assert.deepEqual(
        batch.map((s) => (s.kind === 'error' ? s.message : s.kind)),
        ['resting', 'resting', 'Cannot modify canceled or filled order'],
      );
      open = await h.info.frontendOpenOrders();
      assert.deepEqual(open.map((o) => o.limitPx).sort(), ['107880.0', '108200.0']);
      // A modify that fails a rule leaves the old order alone.
      const bad = await h.client.modify(o4 + 100, alo(108_300, 0.001, { isBuy: false }));
      assert.equal(bad.kind, 'error');
      const status = await h.info.request(
        { type: 'orderStatus', user: h.wallet.address, oid: o3 },
        (await import('zod')).z.any(),
      );
      assert.equal(status.status, 'order');
      assert.equal(status.order.status, 'canceled');
    } finally {
      await h.ex.close();
    }
  });

  test('bad signature, unknown signer, reused nonce, agent wallet', async () => {
    const account = Wallet.fromPrivateKey(VECTOR_KEY);
    const agent = Wallet.generate(account.address);
    const h = await harness(dir, 1, { agents: { [agent.address]: account.address } });
    try {
      const stranger = Wallet.generate();
      const strangerClient = new ExchangeClient({
        transport: h.transport,
        wallet: stranger,
        isMainnet: false,
      });
      await assert.rejects(strangerClient.placeOrders([alo(107_900, 0.001)]), (e: unknown) => {
        assert.ok(e instanceof ActionRejectedError);
        assert.equal(e.reason, `User or API Wallet ${stranger.address} does not exist.`);
        return true;
      });
      // A signature over a different action (tampered price) recovers some unknown address.
      const body = h.client.signedRequest(orderAction([alo(107_900, 0.001)]));
      const tampered = structuredClone(body) as { action: { orders: { p: string }[] } };
      tampered.action.orders[0].p = '107000';
      const tamperedAnswer = (await h.transport.post('/exchange', tampered, 1)) as {
        status: string;
        response: string;
      };
      assert.equal(tamperedAnswer.status, 'err');
      assert.match(tamperedAnswer.response, /^User or API Wallet 0x[0-9a-f]{40} does not exist\.$/);
      // The same signed body twice: the second is a reused nonce.
      const first = (await h.transport.post('/exchange', body, 1)) as { status: string };
      assert.equal(first.status, 'ok');
      const again = (await h.transport.post('/exchange', body, 1)) as { status: string; response: string };
      assert.deepEqual(again, { status: 'err', response: `Invalid nonce: duplicate nonce ${body.nonce}` });
      // A nonce far outside (T − 2 d, T + 1 d) of both clocks.
      const old = h.client.signedRequest(orderAction([alo(107_900, 0.001)]), 1_000);
      const oldAnswer = (await h.transport.post('/exchange', old, 1)) as { status: string; response: string };
      assert.equal(oldAnswer.status, 'err');
      assert.match(oldAnswer.response, /^Invalid nonce/);
      // The agent signs; the order belongs to the account. Its nonces follow the wall clock: also accepted.
      const agentClient = new ExchangeClient({ transport: h.transport, wallet: agent, isMainnet: false });
      const [st] = await agentClient.placeOrders([alo(107_800, 0.001)]);
      assert.equal(st.kind, 'resting');
      const open = await h.info.openOrders(account.address);
      assert.ok(open.some((o) => o.limitPx === '107800.0'));
      assert.deepEqual(await h.info.openOrders(agent.address), []);
    } finally {
      await h.ex.close();
    }
  });

  test('scheduleCancel: refused under 5 s; fires after its lead in WALL time even at replay speed 4', async () => {
    // Speed 4, lead 10 s: the request is still accepted (lead ≥ 5 s on arrival) if it takes up to 1.25 s to get
    // there on a busy machine; fired in exchange time it would come after 2.5 wall s, in wall time after ~10.
    const speed = 4;
    const h = await harness(dir, speed);
    const ws = await wsClient(h.ex.wsUrl);
    try {
      ws.send({ method: 'subscribe', subscription: { type: 'orderUpdates', user: h.wallet.address } });
      await h.client.placeOrders([alo(107_900, 0.001), alo(107_901, 0.001)]);
      await assert.rejects(h.client.scheduleCancel(Date.now() + 4_000), (e: unknown) => {
        assert.ok(e instanceof ActionRejectedError);
        assert.equal(e.reason, 'Scheduled cancel time too early, must be at least 5 seconds from now.');
        return true;
      });
      // The bot arms "wall now + 9 s" (Hyperliquid's clock is wall time, whatever the replay); then it "dies".
      const LEAD_MS = 9_000;
      const armedWall = Date.now();
      const armedExchange = h.ex.trading.nowMs();
      await h.client.scheduleCancel(armedWall + LEAD_MS);
      const deadline = h.ex.trading.scheduledCancelAt(h.wallet.address);
      assert.equal(deadline, armedWall + LEAD_MS, 'the deadline is the wall time asked for');
      // Past the lead in exchange time (speed 4) but, on any machine that got here in time, not in wall time.
      await until(
        () => h.ex.trading.nowMs() - armedExchange > LEAD_MS,
        WAIT_BUDGET_MS,
        'the lead in exchange time',
      );
      const stillOpen = h.ex.trading.openOrdersOf(h.wallet.address).length;
      if (Date.now() < deadline) assert.equal(stillOpen, 2, 'not fired on exchange (replay) time');
      const openOverInfo = (await h.info.openOrders()).length;
      if (Date.now() < deadline) assert.equal(openOverInfo, 2);
      await until(
        () => h.ex.trading.openOrdersOf(h.wallet.address).length === 0,
        WAIT_BUDGET_MS,
        'scheduled cancel',
      );
      assert.ok(Date.now() >= deadline, 'not fired before its wall-clock deadline');
      await until(() =>
        ws.frames.some((f) => f.channel === 'orderUpdates' && f.data[0].status === 'scheduledCancel'),
      );
      const cancelled = ws.frames
        .filter((f) => f.channel === 'orderUpdates')
        .flatMap((f) => f.data)
        .filter((o: { status: string }) => o.status === 'scheduledCancel');
      assert.equal(cancelled.length, 2);
      // Disarming: no time removes the trigger.
      await h.client.placeOrders([alo(107_900, 0.001)]);
      await h.client.scheduleCancel(Date.now() + 20_000);
      await h.client.scheduleCancel();
      assert.equal(h.ex.trading.scheduledCancelAt(h.wallet.address), undefined);
    } finally {
      ws.ws.close();
      await h.ex.close();
    }
  });

  test('rate limits: a forced 429, the address-limit text, and the real address allowance', async () => {
    const h = await harness(dir, 1, { addressRequestBuffer: 3 });
    try {
      const fault = await fetch(`${h.ex.url}/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'rateLimit', kind: 'ip', count: 1 }),
      });
      assert.equal(fault.status, 200);
      const raw = await fetch(`${h.ex.url}/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(h.client.signedRequest(orderAction([alo(107_900, 0.001)]))),
      });
      assert.equal(raw.status, 429);
      h.ex.limits.force('ip', 1);
      await assert.rejects(
        h.info.openOrders(),
        (e: unknown) => e instanceof RateLimitedError && e.kind === 'ip',
      );
      h.ex.limits.force('address', 1);
      await assert.rejects(h.client.placeOrders([alo(107_900, 0.001)]), (e: unknown) => {
        assert.ok(e instanceof RateLimitedError && e.kind === 'address');
        assert.match(
          e.message,
          /Too many cumulative requests sent \(\d+ > 3\) for cumulative volume traded \$0\.00\./,
        );
        return true;
      });
      // Allowance 3 + floor(volume): a batch of 2 then 1 uses it up; the 4th request is refused.
      const transport = new HttpTransport({ baseUrl: h.ex.url, maxRetries: 0 });
      const client = new ExchangeClient({ transport, wallet: h.wallet, isMainnet: false });
      await client.placeOrders([alo(107_900, 0.001), alo(107_901, 0.001)]);
      await client.placeOrders([alo(107_902, 0.001)]);
      await assert.rejects(client.cancel([{ asset: 0, oid: 1 }]), RateLimitedError);
      // (both transports are cooling down after their address refusals: ask through a fresh one.)
      const fresh = new HttpTransport({ baseUrl: h.ex.url, maxRetries: 0 });
      const rl = await new InfoClient({ transport: fresh, accountAddress: h.wallet.address }).userRateLimit();
      assert.deepEqual(rl, { cumVlm: '0.0', nRequestsUsed: 3, nRequestsCap: 3, nRequestsSurplus: 0 });
    } finally {
      await h.ex.close();
    }
  });
});
