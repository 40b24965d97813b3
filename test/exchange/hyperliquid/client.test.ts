import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { canonicalAction } from '../../../src/exchange/hyperliquid/actions.ts';
import {
  ActionRejectedError,
  HttpStatusError,
  RateLimitedError,
  ResponseShapeError,
  TransportError,
} from '../../../src/exchange/hyperliquid/errors.ts';
import { ExchangeClient } from '../../../src/exchange/hyperliquid/exchange-client.ts';
import { HttpTransport, RequestBudget } from '../../../src/exchange/hyperliquid/http.ts';
import { InfoClient } from '../../../src/exchange/hyperliquid/info-client.ts';
import { recoverL1Signer, type Signature } from '../../../src/exchange/hyperliquid/signing.ts';
import { Wallet } from '../../../src/exchange/hyperliquid/wallet.ts';

// ---- a tiny Hyperliquid stand-in: replays the recorded /info answers, scripts the /exchange answers ----

const FIXTURES = 'test/fixtures/hyperliquid/api-responses';
const infoFixtures = new Map<string, { request: Record<string, unknown>; response: unknown }>();
for (const name of readdirSync(FIXTURES)) {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8'));
  infoFixtures.set(fixture.request.type, fixture);
}

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}
interface Seen {
  path: string;
  raw: string;
  body: Record<string, unknown>;
}

let seen: Seen[] = [];
/** Scripted /exchange (or overridden /info) replies, consumed in order; when empty, /info replays fixtures. */
let script: Reply[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = '';
  req.on('data', (chunk) => {
    raw += chunk;
  });
  req.on('end', () => {
    const body = JSON.parse(raw) as Record<string, unknown>;
    seen.push({ path: req.url ?? '', raw, body });
    const scripted = script.shift();
    let reply: Reply;
    if (scripted) reply = scripted;
    else if (req.url === '/info') reply = { body: infoFixtures.get(String(body.type))?.response ?? null };
    else reply = { status: 500, body: 'no scripted reply' };
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  });
}

const server = createServer(handle);
let baseUrl = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  script = [];
});

/** A fake clock that sleeping advances, so back-off is tested without waiting. */
function fakeTime(start = 1_727_000_000_000) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const ACCOUNT = '0xCB331197E84f135AB9Ed6FB51Cd9757c0bd29d0D';

describe('InfoClient against recorded /info answers', () => {
  it('parses all eight queries and charges their documented weights', async () => {
    const time = fakeTime();
    const transport = new HttpTransport({ baseUrl, now: time.now, sleep: time.sleep });
    const info = new InfoClient({ transport, accountAddress: ACCOUNT });

    const meta = await info.meta();
    assert.deepEqual(meta.universe[0], { name: 'BTC', szDecimals: 5, maxLeverage: 50 });
    assert.equal((await info.allMids()).BTC, '30135.0');
    const book = await info.l2Book('DYDX');
    assert.deepEqual(book.levels[0][0], { n: 1, px: '2.111', sz: '134.4' });
    assert.equal(book.time, 1689630203930);
    const open = await info.openOrders('0x5e9ee1089755c3435139848e47e6635505d5a13a');
    assert.equal(open.length, 196);
    assert.deepEqual(open[0], {
      coin: 'MATIC',
      limitPx: '1.0357',
      oid: 62269971,
      side: 'B',
      sz: '208.7',
      timestamp: 1679940217356,
    });
    const frontend = await info.frontendOpenOrders();
    assert.equal(frontend.length, 3);
    assert.equal(frontend[2]?.children.length, 2);
    assert.equal(frontend[0]?.tif, null);
    const state = await info.clearinghouseState('0x5e9ee1089755c3435139848e47e6635505d5a13a');
    assert.equal(state.assetPositions[0]?.position.szi, '-0.00785');
    assert.equal(state.assetPositions[1]?.position.liquidationPx, null);
    assert.equal(state.withdrawable, '1010.57173');
    const fills = await info.userFills('0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2');
    assert.equal(fills.length, 500);
    assert.equal(fills[0]?.closedPnl, '-0.25686');
    const limit = await info.userRateLimit('0x31ca8395cf837de08b24da3f660e77761dfb974b');
    assert.equal(limit.nRequestsCap, 170043731737);

    // The requests are the documented ones; the default user is the account, lower-cased.
    assert.deepEqual(seen[2]?.body, { type: 'l2Book', coin: 'DYDX' });
    assert.deepEqual(seen[4]?.body, { type: 'frontendOpenOrders', user: ACCOUNT.toLowerCase() });
    assert.deepEqual(
      seen.map((s) => s.body.type),
      [
        'meta',
        'allMids',
        'l2Book',
        'openOrders',
        'frontendOpenOrders',
        'clearinghouseState',
        'userFills',
        'userRateLimit',
      ],
    );
    // meta 20 + allMids 2 + l2Book 2 + openOrders 20 + frontendOpenOrders 20 + clearinghouseState 2
    // + userFills (20 + 500 fills / 20 = 25) + userRateLimit 20 = 131
    assert.equal(transport.budget.used(), 131);
  });

  it('a malformed answer is a ResponseShapeError naming the field', async () => {
    const info = new InfoClient({ transport: new HttpTransport({ baseUrl }) });
    script.push({ body: { universe: [{ name: 'BTC', szDecimals: 'five', maxLeverage: 50 }] } });
    await assert.rejects(info.meta(), (err: unknown) => {
      assert.ok(err instanceof ResponseShapeError);
      assert.match(err.message, /\/info meta response: universe\.0\.szDecimals/);
      return true;
    });
    await assert.rejects(info.openOrders(), /needs a user address/);
  });
});

describe('ExchangeClient against a scripted /exchange', () => {
  const wallet = Wallet.fromPrivateKey(KEY, { accountAddress: ACCOUNT });

  function signerOf(s: Seen, opts: { isMainnet: boolean; vaultAddress?: string }): string | null {
    const parsed = canonicalAction(s.body.action);
    assert.ok(parsed.ok);
    return recoverL1Signer(parsed.action, s.body.nonce as number, s.body.signature as Signature, {
      ...opts,
      expiresAfter: s.body.expiresAfter as number | undefined,
    });
  }

  it('a batch with one rejected order keeps the others: per-order statuses with index and cloid', async () => {
    const exchange = new ExchangeClient({
      transport: new HttpTransport({ baseUrl }),
      wallet,
      isMainnet: false,
    });
    script.push({
      body: {
        status: 'ok',
        response: {
          type: 'order',
          data: {
            statuses: [
              { resting: { oid: 77738308, cloid: `0x${'01'.repeat(16)}` } },
              { error: 'Post only order would have immediately matched, bbo was 109871.0@0.5. asset=0' },
              { filled: { totalSz: '0.02', avgPx: '1891.4', oid: 77747314 } },
            ],
          },
        },
      },
    });
    const statuses = await exchange.placeOrders([
      { asset: 0, isBuy: true, price: 109_870, size: 0.001, tif: 'Alo', cloid: `0x${'01'.repeat(16)}` },
      { asset: 0, isBuy: true, price: 109_880, size: 0.001, tif: 'Alo', cloid: `0x${'02'.repeat(16)}` },
      { asset: 1, isBuy: true, price: 1900, size: 0.02, tif: 'Ioc' },
    ]);
    assert.deepEqual(statuses, [
      { index: 0, cloid: `0x${'01'.repeat(16)}`, kind: 'resting', oid: 77738308 },
      {
        index: 1,
        cloid: `0x${'02'.repeat(16)}`,
        kind: 'error',
        message: 'Post only order would have immediately matched, bbo was 109871.0@0.5. asset=0',
      },
      { index: 2, cloid: undefined, kind: 'filled', oid: 77747314, totalSz: '0.02', avgPx: '1891.4' },
    ]);
    const sent = seen[0] as Seen;
    assert.equal(sent.path, '/exchange');
    assert.deepEqual(Object.keys(sent.body), ['action', 'nonce', 'signature']);
    assert.equal(
      signerOf(sent, { isMainnet: false }),
      wallet.address,
      'the agent key signed, verifiable as the exchange does',
    );
    assert.equal(sent.raw.includes(KEY.slice(2)), false);
  });

  it('missing statuses become "unknown", never dropped', async () => {
    const exchange = new ExchangeClient({
      transport: new HttpTransport({ baseUrl }),
      wallet,
      isMainnet: false,
    });
    script.push({
      body: { status: 'ok', response: { type: 'order', data: { statuses: [{ resting: { oid: 1 } }] } } },
    });
    const statuses = await exchange.placeOrders([
      { asset: 0, isBuy: true, price: 1, size: 1, tif: 'Alo' },
      { asset: 0, isBuy: false, price: 2, size: 1, tif: 'Alo', cloid: `0x${'03'.repeat(16)}` },
    ]);
    assert.deepEqual(statuses[1], { index: 1, cloid: `0x${'03'.repeat(16)}`, kind: 'unknown' });
  });

  it('cancel, cancelByCloid, modify, batchModify, scheduleCancel, updateLeverage; vault and expiresAfter are signed', async () => {
    const time = fakeTime();
    const vault = '0x1719884eb866cb12b2287399b15f7db5e7d775ea';
    const exchange = new ExchangeClient({
      transport: new HttpTransport({ baseUrl, now: time.now, sleep: time.sleep }),
      wallet,
      isMainnet: true,
      vaultAddress: vault,
      expiresAfterMs: 30_000,
      now: time.now,
    });
    script.push(
      {
        body: {
          status: 'ok',
          response: {
            type: 'cancel',
            data: {
              statuses: [
                'success',
                { error: 'Order was never placed, already canceled, or filled. asset=0' },
              ],
            },
          },
        },
      },
      { body: { status: 'ok', response: { type: 'cancel', data: { statuses: ['success'] } } } },
      { body: { status: 'ok', response: { type: 'default' } } },
      {
        body: {
          status: 'ok',
          response: {
            type: 'order',
            data: {
              statuses: [{ resting: { oid: 9 } }, { error: 'Cannot modify canceled or filled order' }],
            },
          },
        },
      },
      { body: { status: 'ok', response: { type: 'default' } } },
      { body: { status: 'ok', response: { type: 'default' } } },
    );
    assert.deepEqual(
      await exchange.cancel([
        { asset: 0, oid: 1 },
        { asset: 0, oid: 2 },
      ]),
      [
        { index: 0, kind: 'success' },
        { index: 1, kind: 'error', message: 'Order was never placed, already canceled, or filled. asset=0' },
      ],
    );
    assert.deepEqual(await exchange.cancelByCloid([{ asset: 0, cloid: `0x${'04'.repeat(16)}` }]), [
      { index: 0, kind: 'success' },
    ]);
    const order = { asset: 0, isBuy: true, price: 100, size: 1, tif: 'Alo' as const };
    assert.deepEqual(await exchange.modify(5, order), { index: 0, cloid: undefined, kind: 'accepted' });
    const batch = await exchange.batchModify([
      { oid: 5, order },
      { oid: 6, order: { ...order, cloid: `0x${'05'.repeat(16)}` } },
    ]);
    assert.deepEqual(batch, [
      { index: 0, cloid: undefined, kind: 'resting', oid: 9 },
      {
        index: 1,
        cloid: `0x${'05'.repeat(16)}`,
        kind: 'error',
        message: 'Cannot modify canceled or filled order',
      },
    ]);
    await exchange.scheduleCancel(time.clock.now + 60_000);
    await exchange.updateLeverage(0, true, 3);

    assert.deepEqual(
      seen.map((s) => (s.body.action as { type: string }).type),
      ['cancel', 'cancelByCloid', 'modify', 'batchModify', 'scheduleCancel', 'updateLeverage'],
    );
    const nonces = seen.map((s) => s.body.nonce as number);
    assert.deepEqual(
      nonces,
      [0, 1, 2, 3, 4, 5].map((i) => time.clock.now + i),
      'ms nonces, +1 within the same ms',
    );
    for (const s of seen) {
      assert.equal(s.body.vaultAddress, vault);
      assert.equal(s.body.expiresAfter, time.clock.now + 30_000);
      assert.equal(signerOf(s, { isMainnet: true, vaultAddress: vault }), wallet.address);
      assert.notEqual(
        signerOf(s, { isMainnet: true }),
        wallet.address,
        'the vault is part of what is signed',
      );
    }
    assert.deepEqual((seen[4] as Seen).body.action, {
      type: 'scheduleCancel',
      time: time.clock.now + 60_000,
    });
  });

  it('a refused action throws ActionRejectedError with the exchange text', async () => {
    const exchange = new ExchangeClient({
      transport: new HttpTransport({ baseUrl }),
      wallet,
      isMainnet: false,
    });
    script.push({ body: { status: 'err', response: 'User or API Wallet 0xabc does not exist.' } });
    await assert.rejects(exchange.scheduleCancel(), (err: unknown) => {
      assert.ok(err instanceof ActionRejectedError);
      assert.equal(err.reason, 'User or API Wallet 0xabc does not exist.');
      assert.equal(
        err.message,
        'scheduleCancel rejected by the exchange: User or API Wallet 0xabc does not exist.',
      );
      return true;
    });
  });

  it('an address rate-limit refusal is a RateLimitedError and starts a cool-down', async () => {
    const time = fakeTime();
    const transport = new HttpTransport({ baseUrl, now: time.now, sleep: time.sleep });
    const exchange = new ExchangeClient({ transport, wallet, isMainnet: false, now: time.now });
    script.push({
      body: {
        status: 'err',
        response:
          'Too many cumulative requests sent (10021 > 10000) for cumulative volume traded $0.00. Place taker orders to free up 1 request per USDC traded.',
      },
    });
    await assert.rejects(exchange.cancel([{ asset: 0, oid: 1 }]), (err: unknown) => {
      assert.ok(err instanceof RateLimitedError);
      assert.equal(err.kind, 'address');
      assert.equal(err.retryAfterMs, 10_000);
      return true;
    });
    assert.equal(transport.cooldownMs(), 10_000);
    // The next request waits out the cool-down first.
    script.push({ body: { status: 'ok', response: { type: 'default' } } });
    await exchange.scheduleCancel();
    assert.deepEqual(time.clock.sleeps, [10_000]);
    assert.equal(transport.strikes, 0, 'a success clears the strikes');
  });

  it('malformed /exchange answers are ResponseShapeErrors', async () => {
    const exchange = new ExchangeClient({
      transport: new HttpTransport({ baseUrl }),
      wallet,
      isMainnet: false,
    });
    script.push({
      body: { status: 'ok', response: { type: 'order', data: { statuses: [{ resting: {} }] } } },
    });
    await assert.rejects(
      exchange.placeOrders([{ asset: 0, isBuy: true, price: 1, size: 1, tif: 'Alo' }]),
      ResponseShapeError,
    );
  });
});

describe('HttpTransport: 429 back-off, errors, request budget', () => {
  const wallet = Wallet.fromPrivateKey(KEY);

  it('HTTP 429 twice: exponential cool-downs (500, 1000 ms), then the same signed body succeeds', async () => {
    const time = fakeTime();
    const transport = new HttpTransport({ baseUrl, now: time.now, sleep: time.sleep });
    const exchange = new ExchangeClient({ transport, wallet, isMainnet: false, now: time.now });
    script.push(
      { status: 429, body: 'rate limited' },
      { status: 429, body: 'rate limited' },
      { body: { status: 'ok', response: { type: 'default' } } },
    );
    await exchange.scheduleCancel(time.clock.now + 10_000);
    assert.deepEqual(time.clock.sleeps, [500, 1000]);
    assert.equal(seen.length, 3);
    assert.equal(
      seen[1]?.raw,
      seen[0]?.raw,
      'retries resend the same nonce and signature (at most once executed)',
    );
    assert.equal(seen[2]?.raw, seen[0]?.raw);
    assert.equal(transport.strikes, 0);
  });

  it('Retry-After (seconds) lengthens the cool-down; after maxRetries a RateLimitedError', async () => {
    const time = fakeTime();
    const transport = new HttpTransport({ baseUrl, now: time.now, sleep: time.sleep, maxRetries: 2 });
    const info = new InfoClient({ transport });
    script.push(
      { status: 429, headers: { 'retry-after': '3' }, body: '' },
      { status: 429, body: '' },
      { status: 429, body: '' },
    );
    await assert.rejects(info.allMids(), (err: unknown) => {
      assert.ok(err instanceof RateLimitedError);
      assert.equal(err.kind, 'ip');
      assert.equal(err.retryAfterMs, 2000);
      assert.match(err.message, /HTTP 429 rate limited after 3 attempts/);
      return true;
    });
    assert.deepEqual(time.clock.sleeps, [3000, 1000]);
    assert.equal(transport.cooldownMs(), 2000, 'the third strike leaves a 2 s cool-down for the next caller');
  });

  it('other HTTP errors, non-JSON answers and a dead endpoint are typed errors', async () => {
    const info = new InfoClient({ transport: new HttpTransport({ baseUrl }) });
    script.push({ status: 422, body: 'Failed to deserialize the JSON body into the target type' });
    await assert.rejects(info.meta(), (err: unknown) => {
      assert.ok(err instanceof HttpStatusError);
      assert.equal(err.status, 422);
      assert.match(err.message, /POST \/info answered HTTP 422: Failed to deserialize/);
      return true;
    });
    script.push({ body: 'not json' });
    await assert.rejects(info.meta(), ResponseShapeError);
    const dead = new InfoClient({
      transport: new HttpTransport({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 }),
    });
    await assert.rejects(dead.meta(), TransportError);
  });

  it('RequestBudget: a request that does not fit the rolling minute waits until the oldest weight expires', async () => {
    const time = fakeTime(0);
    const budget = new RequestBudget({ weightPerMinute: 10, now: time.now, sleep: time.sleep });
    await budget.take(6);
    time.clock.now = 20_000;
    await budget.take(4);
    assert.equal(budget.used(), 10);
    assert.equal(budget.waitMs(1), 40_000, 'the weight-6 entry at t=0 expires at t=60 s');
    await budget.take(5);
    assert.deepEqual(time.clock.sleeps, [40_000]);
    assert.equal(time.clock.now, 60_000);
    assert.equal(budget.used(), 9, 'the 4 from t=20 s plus the 5 just taken');
    assert.equal(
      budget.waitMs(30),
      60_000,
      'heavier than the budget: waits for an empty window (t = 120 s), then goes',
    );
  });

  it('the budget serves concurrent callers in order and records their weight', async () => {
    const time = fakeTime(0);
    const budget = new RequestBudget({ weightPerMinute: 3, now: time.now, sleep: time.sleep });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((i) => budget.take(1).then(() => order.push(i))));
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.deepEqual(time.clock.sleeps, [60_000]);
    assert.equal(budget.used(), 1);
  });
});
