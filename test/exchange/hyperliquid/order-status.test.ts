/**
 * The order-status table (src/exchange/hyperliquid/order-status.ts): every status Hyperliquid documents, spelled
 * as @nktkas/hyperliquid's types spell them, and what the live venue does with each one pushed on orderUpdates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VenueReportEvent } from '../../../src/engine/venue.ts';
import type { OrderSpec } from '../../../src/exchange/hyperliquid/actions.ts';
import type { CancelStatus, HlOrderStatus } from '../../../src/exchange/hyperliquid/exchange-client.ts';
import {
  ORDER_REJECTS,
  ORDER_STATUSES,
  type OrderStatusName,
  orderStatusMeaning,
} from '../../../src/exchange/hyperliquid/order-status.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../../src/exchange/hyperliquid/trading/venue.ts';
import { sdkValidator } from '../../support/hl-sdk-schemas.ts';

/** The SDK's OrderProcessingStatusSchema members, read from the historicalOrders response type. */
function sdkStatuses(): string[] {
  const schema = sdkValidator('info', 'HistoricalOrdersResponse').schema as {
    items: { properties: { status: { enum: string[] } } };
  };
  return schema.items.properties.status.enum;
}

test('the table holds exactly the statuses the SDK types list, spelled the same', () => {
  const sdk = sdkStatuses().sort();
  assert.ok(sdk.includes('iocCancelRejected') && sdk.includes('badAloPxRejected'));
  assert.deepEqual(Object.keys(ORDER_STATUSES).sort(), sdk);
});

test('per-order errors carry the status of the same order; unknown statuses are judged by their names', () => {
  for (const r of Object.values(ORDER_REJECTS)) assert.equal(ORDER_STATUSES[r.status].outcome, 'rejected');
  assert.equal(orderStatusMeaning('iocCancelRejected')?.outcome, 'rejected');
  assert.equal(orderStatusMeaning('someFutureRejected')?.outcome, 'rejected');
  assert.deepEqual(
    [orderStatusMeaning('someFutureCanceled')?.outcome, orderStatusMeaning('someFutureCanceled')?.by],
    ['cancelled', 'exchange'],
  );
  assert.equal(orderStatusMeaning('somethingElse'), null);
});

/** An exchange whose order answers never arrive (the push decides) or come back resting. */
class PushFirstExchange implements ExchangeApi {
  answerResting = false;
  nextOid = 500;
  placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
    if (!this.answerResting) return new Promise(() => {});
    return Promise.resolve(
      orders.map((o, index) => ({ index, cloid: o.cloid, kind: 'resting' as const, oid: this.nextOid++ })),
    );
  }
  async cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
    return cancels.map((_, index) => ({ index, kind: 'success' as const }));
  }
  async modify(): Promise<HlOrderStatus> {
    return { index: 0, kind: 'unknown' };
  }
  async batchModify(): Promise<HlOrderStatus[]> {
    return [];
  }
  async scheduleCancel(): Promise<void> {}
}

const settle = () => new Promise((r) => setTimeout(r, 10));

/** Places one order; `resting`: acked by the answer first. Then pushes `status` for it; returns the reports. */
async function pushStatus(status: string, resting: boolean): Promise<VenueReportEvent[]> {
  const ex = new PushFirstExchange();
  ex.answerResting = resting;
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
  });
  const got: VenueReportEvent[] = [];
  venue.onReports = (e) => got.push(...e);
  venue.submit(
    [{ type: 'place', cid: 7, side: 'buy', px: 99_990, sz: 0.001, tif: resting ? 'alo' : 'ioc' }],
    0,
  );
  await settle();
  const cloid = venue.cloidOf(7);
  assert.ok(cloid);
  const before = got.length;
  venue.onOrderUpdates([
    {
      order: {
        coin: 'BTC',
        side: 'B',
        limitPx: '99990.0',
        sz: '0.001',
        oid: 500,
        timestamp: 1,
        origSz: '0.001',
        cloid,
      },
      status,
      statusTimestamp: 2,
    },
  ]);
  return got.slice(before);
}

describe('the live venue maps every status pushed on orderUpdates', () => {
  for (const [name, meaning] of Object.entries(ORDER_STATUSES) as [
    OrderStatusName,
    (typeof ORDER_STATUSES)[OrderStatusName],
  ][]) {
    if (meaning.outcome === 'rejected') {
      test(`${name}: an order not yet acked is rejected, never cancelled`, async () => {
        const reports = await pushStatus(name, false);
        assert.equal(reports.length, 1);
        const r = reports[0].report;
        assert.equal(r.type, 'reject');
        assert.equal(
          r.type === 'reject' && r.reason,
          name === 'badAloPxRejected' ? 'post-only-would-cross' : 'invalid-order',
        );
        assert.match(reports[0].message ?? '', new RegExp(`^${name}: `));
      });
    } else if (meaning.outcome === 'cancelled') {
      test(`${name}: a resting order is reported cancelled (by ${meaning.by})`, async () => {
        const reports = await pushStatus(name, true);
        assert.deepEqual(
          reports.map((e) => [e.report.type, e.report.type === 'cancelled' && e.report.reason]),
          [['cancelled', 'user']],
        );
      });
    } else if (name === 'open') {
      test('open: a pending order is acked as resting', async () => {
        const reports = await pushStatus(name, false);
        assert.deepEqual(
          reports.map((e) => e.report.type),
          ['ack'],
        );
      });
    } else {
      test(`${name}: no report (fills come from userFills; trigger orders are not ours)`, async () => {
        assert.deepEqual(await pushStatus(name, true), []);
        assert.deepEqual(await pushStatus(name, false), []);
      });
    }
  }
  test('a rejection pushed for an order already resting changes nothing (the order did rest)', async () => {
    assert.deepEqual(await pushStatus('iocCancelRejected', true), []);
  });
});
