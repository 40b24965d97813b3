/**
 * The live venue measures its own latencies for the store (hlmm latency): an order request's round trip (sent →
 * answer, wall ms) and each live fill's delay (exchange time → receipt); the userFills snapshot of old fills is
 * not a latency.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrderSpec } from '../../../../src/exchange/hyperliquid/actions.ts';
import type { CancelStatus, HlOrderStatus } from '../../../../src/exchange/hyperliquid/exchange-client.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../../../src/exchange/hyperliquid/trading/venue.ts';
import { until } from '../../../support/wait.ts';

test('order round trip and fill report delays, in the units the store keeps', async () => {
  let wall = 1_000_000;
  let answered = 0;
  const ex: ExchangeApi = {
    async placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
      wall += 180; // the answer comes back 180 ms after the request left
      answered++;
      return orders.map((o, index) => ({ index, cloid: o.cloid, kind: 'resting', oid: 100 + index }));
    },
    async cancelByCloid(c: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
      return c.map((_, index) => ({ index, kind: 'success' }));
    },
    async modify(_oid: number | string, order: OrderSpec): Promise<HlOrderStatus> {
      return { index: 0, cloid: order.cloid, kind: 'resting', oid: 200 };
    },
    async batchModify(m: { oid: number | string; order: OrderSpec }[]): Promise<HlOrderStatus[]> {
      return m.map((x, index) => ({ index, cloid: x.order.cloid, kind: 'resting', oid: 300 + index }));
    },
    async scheduleCancel(): Promise<void> {},
  };
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
    wallNowMs: () => wall,
  });
  const samples: Array<[string, number, number]> = [];
  venue.onLatency = (kind, ms, at) => samples.push([kind, ms, at]);
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' }], 0);
  await until('the order answer', () => answered === 1 && samples.length === 1);
  assert.deepEqual(samples, [['order_ack', 180, 1_000_180]]);
  const fill = {
    coin: 'BTC',
    px: '99990.0',
    sz: '0.001',
    side: 'B',
    time: wall - 70, // filled at the exchange 70 ms before it reached us
    startPosition: '0.0',
    dir: 'Open Long',
    closedPnl: '0.0',
    hash: '0xabc',
    oid: 100,
    crossed: false,
    fee: '0.014998',
    tid: 77,
    feeToken: 'USDC',
  };
  venue.onUserFills({ isSnapshot: true, user: '0x1', fills: [{ ...fill, tid: 76, time: wall - 3_600_000 }] });
  venue.onUserFills({ user: '0x1', fills: [fill] });
  assert.deepEqual(samples.slice(1), [['fill_report', 70, 1_000_180]]);
  await venue.stop();
});
