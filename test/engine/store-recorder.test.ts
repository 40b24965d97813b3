/**
 * StoreRecorder against the live venue: the old order of a modify whose replacement Hyperliquid refused as
 * post-only is gone (the exchange cancelled it with the modify); our cancel of it is answered "never placed, already
 * canceled, or filled", and the store must close that order then, not keep it open until the stop sweep.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { OrderAction } from '../../src/core/orders.ts';
import { StoreRecorder } from '../../src/engine/store-recorder.ts';
import type { OrderSpec } from '../../src/exchange/hyperliquid/actions.ts';
import type { CancelStatus, HlOrderStatus } from '../../src/exchange/hyperliquid/exchange-client.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../src/exchange/hyperliquid/trading/venue.ts';
import { openStore, type TradeStore } from '../../src/store/trade-store.ts';
import { until } from '../support/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-store-recorder-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const POST_ONLY = 'Post only order would have immediately matched, bbo was 100000@100001. asset=0';
const GONE = 'Order was never placed, already canceled, or filled. asset=0';

/** Hyperliquid as seen by the venue: places rest; a modify's replacement crosses (post-only refused); cancels find nothing. */
class ModifyRefusedExchange implements ExchangeApi {
  nextOid = 100;
  cancels: string[] = [];
  async placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
    return orders.map((o, index) => ({ index, cloid: o.cloid, kind: 'resting', oid: this.nextOid++ }));
  }
  async cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
    this.cancels.push(...cancels.map((c) => c.cloid));
    return cancels.map((_, index) => ({ index, kind: 'error', message: GONE }));
  }
  async modify(_oid: number | string, order: OrderSpec): Promise<HlOrderStatus> {
    return { index: 0, cloid: order.cloid, kind: 'error', message: POST_ONLY };
  }
  async batchModify(modifies: { oid: number | string; order: OrderSpec }[]): Promise<HlOrderStatus[]> {
    return modifies.map((m, index) => ({ index, cloid: m.order.cloid, kind: 'error', message: POST_ONLY }));
  }
  async scheduleCancel(): Promise<void> {}
}

/** The venue's reports and our sends reach the recorder as the engine passes them (cloid looked up by cid). */
function setup(): {
  venue: HyperliquidVenue;
  ex: ModifyRefusedExchange;
  store: TradeStore;
  send: (a: OrderAction[]) => void;
  recorder: StoreRecorder;
  reports: string[];
} {
  const ex = new ModifyRefusedExchange();
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
    wallNowMs: () => 1_000_000,
  });
  const store = openStore(join(dir, `run-${n++}.sqlite`));
  const recorder = new StoreRecorder(store, 'BTC', () => 1_000_000);
  const reports: string[] = [];
  venue.onReports = (events) => {
    for (const e of events) {
      reports.push(e.report.type);
      if (e.report.type === 'fill') continue;
      recorder.orderUpdate(e, venue.cloidOf(e.report.cid));
    }
  };
  const send = (actions: OrderAction[]) => {
    venue.submit(actions, 1_000_000);
    for (const a of actions) {
      const cloid = a.type === 'cancel' ? null : venue.cloidOf(a.type === 'modify' ? a.newCid : a.cid);
      recorder.orderSent(a, cloid, 1_000_000);
    }
  };
  return { venue, ex, store, send, recorder, reports };
}

test('the old order of a modify refused as post-only is closed in the store when the exchange says it is gone', async () => {
  const { venue, ex, store, send, reports } = setup();
  send([{ type: 'place', cid: 1, side: 'buy', px: 99_990, sz: 0.001, tif: 'alo' }]);
  await until('the bid acked', () => store.findOrder({ cloid: venue.cloidOf(1) })?.oid === 100);
  const oldCloid = venue.cloidOf(1) as string;
  send([{ type: 'modify', cid: 1, newCid: 2, side: 'buy', px: 100_001, sz: 0.001, tif: 'alo' }]);
  const newCloid = venue.cloidOf(2) as string;
  await until('the venue cancels the old order by cloid', () => ex.cancels.includes(oldCloid));
  await until('the cancel answered', () => reports.includes('cancel-reject'));

  const old = store.findOrder({ cloid: oldCloid });
  assert.equal(old?.status, 'canceled');
  assert.equal(old?.reason, GONE, "the exchange's answer is the reason");
  const replacement = store.findOrder({ cloid: newCloid });
  assert.equal(replacement?.status, 'rejected');
  assert.equal(replacement?.reason, POST_ONLY);
  assert.deepEqual(store.openOrders('BTC'), [], 'nothing is left open in the store during the run');
  store.close();
});

test('a gone order whose fill arrives after the cancel answer ends filled; a closed row keeps its status', async () => {
  const { venue, store, send, recorder, reports } = setup();
  send([{ type: 'place', cid: 1, side: 'sell', px: 100_010, sz: 0.002, tif: 'alo' }]);
  await until('the ask acked', () => store.findOrder({ cloid: venue.cloidOf(1) })?.oid === 100);
  const cloid = venue.cloidOf(1) as string;
  send([{ type: 'cancel', cid: 1 }]);
  await until('the cancel answered', () => reports.includes('cancel-reject'));
  assert.equal(store.findOrder({ cloid })?.status, 'canceled');

  // The exchange had filled it: its fill comes through userFills after the cancel answer.
  const base = {
    oid: 100,
    cid: 1,
    cloid,
    side: 'sell' as const,
    px: 100_010,
    sz: 0.002,
    feeQuote: 0.03,
    liquidity: 'maker' as const,
    exchMs: 1_000_500,
    positionBase: -0.002,
    closedPnlQuote: 0,
    hash: null,
  };
  recorder.fill({ ...base, tid: 7 });
  const filled = store.findOrder({ cloid });
  assert.equal(filled?.status, 'filled');
  assert.equal(filled?.filledSz, 0.002);

  // A late cancel-reject for an order the store already closed changes nothing.
  recorder.orderUpdate(
    { report: { type: 'cancel-reject', cid: 1, exchMs: 1_000_900 }, message: GONE },
    cloid,
  );
  assert.equal(store.findOrder({ cloid })?.status, 'filled');
  store.close();
});
