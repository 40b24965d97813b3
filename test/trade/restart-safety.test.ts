/**
 * Live restart reconciliation against a scripted exchange: orphans are cancelled before the fills and the
 * position are read, so an orphan that fills during start-up is both stored and in the position (no drift).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import { HttpTransport } from '../../src/exchange/hyperliquid/http.ts';
import { startLiveVenue } from '../../src/exchange/hyperliquid/trading/live-start.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { openStore } from '../../src/store/trade-store.ts';

const T0 = Date.UTC(2025, 8, 3, 12);
const ORPHAN_CLOID = `0x${'ab'.repeat(16)}`;

interface Script {
  /** Whether the orphan is still resting. */
  resting: boolean;
  /** Position, base units (long). */
  position: number;
  fills: Array<{ tid: number; side: 'B' | 'A'; px: string; sz: string; time: number; oid: number }>;
  /** Request number (1-based, /info and /exchange alike) before whose answer the orphan fills if still resting. */
  fillsBeforeRequest: number;
  /** The exchange refuses every cancel (the orphan keeps resting). */
  cancelsFail: boolean;
  calls: string[];
}

function fakeFetch(sc: Script): typeof fetch {
  const json = (x: unknown) => new Response(JSON.stringify(x), { status: 200 });
  return (async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { type?: string; action?: { type: string } };
    const what = url.endsWith('/exchange') ? `exchange:${body.action?.type}` : `info:${body.type}`;
    sc.calls.push(what);
    if (sc.resting && sc.calls.length >= sc.fillsBeforeRequest) {
      // The orphan buy 0.002 @ 99 000 fills while the bot is starting.
      sc.resting = false;
      sc.position += 0.002;
      sc.fills.push({ tid: 2, side: 'B', px: '99000', sz: '0.002', time: T0 + 5, oid: 7 });
    }
    switch (what) {
      case 'exchange:scheduleCancel':
        return json({ status: 'ok', response: { type: 'default' } });
      case 'exchange:cancel': {
        const ok = sc.resting && !sc.cancelsFail;
        if (ok) sc.resting = false;
        const st = ok ? 'success' : { error: 'Order was never placed, already canceled, or filled. asset=0' };
        return json({ status: 'ok', response: { type: 'cancel', data: { statuses: [st] } } });
      }
      case 'info:frontendOpenOrders':
        return json(
          sc.resting
            ? [
                {
                  coin: 'BTC',
                  limitPx: '99000',
                  oid: 7,
                  side: 'B',
                  sz: '0.002',
                  origSz: '0.002',
                  timestamp: T0 - 60_000,
                  isTrigger: false,
                  triggerPx: '0.0',
                  triggerCondition: 'N/A',
                  isPositionTpsl: false,
                  reduceOnly: false,
                  orderType: 'Limit',
                  tif: 'Alo',
                  cloid: ORPHAN_CLOID,
                  children: [],
                },
              ]
            : [],
        );
      case 'info:userFills':
        return json(
          sc.fills.map((f) => ({
            coin: 'BTC',
            px: f.px,
            sz: f.sz,
            side: f.side,
            time: f.time,
            startPosition: '0',
            dir: 'Open Long',
            closedPnl: '0',
            hash: `0x${f.tid.toString(16).padStart(64, '0')}`,
            oid: f.oid,
            crossed: false,
            fee: '0.01',
            tid: f.tid,
            feeToken: 'USDC',
          })),
        );
      case 'info:clearinghouseState': {
        const value = (sc.position * 100_000).toFixed(2);
        return json({
          assetPositions:
            sc.position === 0
              ? []
              : [
                  {
                    type: 'oneWay',
                    position: {
                      coin: 'BTC',
                      szi: String(sc.position),
                      entryPx: '99333.3',
                      leverage: { type: 'cross', value: 20 },
                      liquidationPx: null,
                      marginUsed: '10',
                      positionValue: value,
                      returnOnEquity: '0',
                      unrealizedPnl: '0',
                    },
                  },
                ],
          marginSummary: {
            accountValue: '1000',
            totalMarginUsed: '10',
            totalNtlPos: value,
            totalRawUsd: '1000',
          },
          crossMarginSummary: {
            accountValue: '1000',
            totalMarginUsed: '10',
            totalNtlPos: value,
            totalRawUsd: '1000',
          },
          crossMaintenanceMarginUsed: '5',
          withdrawable: '900',
          time: T0 + 10,
        });
      }
      case 'info:userFunding':
        return json([]);
      default:
        return new Response('unexpected', { status: 500 });
    }
  }) as typeof fetch;
}

async function start(sc: Script) {
  const store = openStore(':memory:');
  const wallet = Wallet.fromPrivateKey(`0x${randomBytes(32).toString('hex')}`);
  // The store knew the orphan (placed by the dead process).
  store.saveOrder({
    oid: 7,
    cloid: ORPHAN_CLOID,
    coin: 'BTC',
    side: 'buy',
    px: 99_000,
    sz: 0.002,
    filledSz: 0,
    status: 'open',
    createdMs: T0 - 60_000,
    updatedMs: T0 - 60_000,
    reason: null,
    runId: null,
  });
  const run = startLiveVenue({
    o: { dmsS: 30 } as never,
    apiUrl: 'http://exchange.test',
    // Nothing listens there: the user channel just retries until stopped.
    wsUrl: 'ws://127.0.0.1:9',
    ticker: 'BTC',
    assetIndex: 0,
    szDecimals: 5,
    transport: new HttpTransport({ baseUrl: 'http://exchange.test', fetch: fakeFetch(sc), maxRetries: 0 }),
    store,
    logger: createLogger({ component: 't', level: 'error', quiet: true }),
    isMainnet: false,
    wallet,
    exchangeNowMs: () => T0,
  });
  return { run, store };
}

const script = (over: Partial<Script>): Script => ({
  resting: true,
  position: 0.001,
  fills: [{ tid: 1, side: 'B', px: '100000', sz: '0.001', time: T0 - 120_000, oid: 5 }],
  fillsBeforeRequest: Number.POSITIVE_INFINITY,
  cancelsFail: false,
  calls: [],
  ...over,
});

test('restart: dead man’s switch, orphans cancelled, then fills, then the position (read last)', async () => {
  const sc = script({});
  const { run, store } = await start(sc);
  const started = await run;
  const calls = [...sc.calls];
  await started.userSession.stop();
  await started.venue.stop();
  assert.deepEqual(calls, [
    'exchange:scheduleCancel',
    'info:frontendOpenOrders',
    'exchange:cancel',
    'info:frontendOpenOrders',
    'info:userFills',
    'info:clearinghouseState',
    'info:userFunding',
  ]);
  assert.equal(started.position.positionBase, 0.001);
  assert.equal(store.findOrder({ cloid: ORPHAN_CLOID })?.status, 'canceled');
  store.close();
});

test('restart: an orphan that fills during start-up is stored and in the position (no drift)', async () => {
  // It fills just before the exchange answers the 3rd request: before the cancel reaches it. (With the old
  // order — position, fills, orphans — it filled after both reads: position 0.001, fill 2 never stored.)
  const sc = script({ fillsBeforeRequest: 3 });
  const { run, store } = await start(sc);
  const started = await run;
  await started.userSession.stop();
  await started.venue.stop();
  assert.equal(sc.calls[2], 'exchange:cancel');
  // 0.001 held before + the orphan's 0.002 = 0.003, and the fills stored add up to the same.
  assert.equal(started.position.positionBase, 0.003);
  assert.ok(store.hasFill(2), 'the orphan fill is stored');
  assert.equal(store.findOrder({ cloid: ORPHAN_CLOID })?.status, 'filled');
  const storedPosition = store.allFills('BTC').reduce((sum, f) => sum + (f.side === 'buy' ? f.sz : -f.sz), 0);
  assert.ok(Math.abs(storedPosition - started.position.positionBase) < 1e-12);
  store.close();
});

test('restart: an orphan that cannot be cancelled stops the start-up before the position is read', async () => {
  const sc = script({ cancelsFail: true });
  const { run, store } = await start(sc);
  await assert.rejects(run, /1 BTC order\(s\) still rest on the exchange after 3 cancel rounds.*oids 7/);
  assert.equal(sc.calls.filter((c) => c === 'exchange:cancel').length, 3);
  assert.ok(!sc.calls.includes('info:clearinghouseState'));
  assert.ok(!sc.calls.includes('info:userFills'));
  store.close();
});
