// A venue that refuses orders locally (no recent dead man's switch push, e.g. while the exchange is frozen) says
// so once per reason per interval, not once per order, and marks the refusals as never sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThrottledCountWarning } from '../../src/core/log-throttle.ts';
import type { VenueReportEvent } from '../../src/engine/venue.ts';
import { TransportError } from '../../src/exchange/hyperliquid/errors.ts';
import { type ExchangeApi, HyperliquidVenue } from '../../src/exchange/hyperliquid/trading/venue.ts';

/** An exchange that is frozen: every dead man's switch push times out; nothing else should be called. */
class FrozenExchange implements ExchangeApi {
  readonly calls: string[] = [];
  async placeOrders(): Promise<never> {
    this.calls.push('order');
    throw new Error('must not be sent');
  }
  async cancelByCloid(): Promise<never> {
    this.calls.push('cancelByCloid');
    throw new TransportError('/exchange', new Error('timeout'));
  }
  async cancel(): Promise<never> {
    this.calls.push('cancel');
    throw new TransportError('/exchange', new Error('timeout'));
  }
  async modify(): Promise<never> {
    this.calls.push('modify');
    throw new Error('must not be sent');
  }
  async batchModify(): Promise<never> {
    this.calls.push('batchModify');
    throw new Error('must not be sent');
  }
  async scheduleCancel(): Promise<void> {
    this.calls.push('scheduleCancel');
    throw new TransportError('/exchange', new Error('timeout'));
  }
}

test('1,000 local refusals in 2 s make one warning line per reason per 10 s, each refusal marked not sent', async () => {
  const ex = new FrozenExchange();
  let wall = 1_000_000;
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    warn: (msg: string, fields: Record<string, unknown> = {}) => warnings.push({ msg, fields }),
    info: () => {},
    error: () => {},
    debug: () => {},
    child: () => logger,
  };
  const venue = new HyperliquidVenue({
    exchange: ex,
    info: { frontendOpenOrders: async () => [] },
    coin: 'BTC',
    asset: 0,
    dmsMs: 30_000,
    wallNowMs: () => wall,
    retryBaseMs: 1,
    logger: logger as never,
  });
  const got: VenueReportEvent[] = [];
  venue.onReports = (e) => got.push(...e);
  // The first place waits for the first push, which fails: refused.
  venue.submit([{ type: 'place', cid: 1, side: 'buy', px: 100, sz: 1, tif: 'alo' }], 0);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  for (let cid = 2; cid <= 1_000; cid++) {
    wall += 2; // 2 wall ms apart: 2 s in all
    venue.submit([{ type: 'place', cid, side: cid % 2 ? 'buy' : 'sell', px: 100, sz: 1, tif: 'alo' }], 0);
  }
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.equal(ex.calls.includes('order'), false, 'nothing was sent');
  const rejects = got.filter((e) => e.report.type === 'reject');
  assert.equal(rejects.length, 1_000);
  assert.ok(rejects.every((e) => e.notSent === true));
  const refusalLines = warnings.filter((w) => w.msg.startsWith('orders refused'));
  assert.equal(refusalLines.length, 1, refusalLines.map((w) => w.msg).join('\n'));
  assert.equal(refusalLines[0].msg, "orders refused: dead man's switch not armed");
});

test('ThrottledCountWarning: the first at once, then one line per interval carrying the count since the last', () => {
  const lines: string[] = [];
  const w = new ThrottledCountWarning((m, f) => lines.push(`${m} ${f.orders}`), 'orders refused', 10_000);
  w.note('a', 1, 0);
  w.note('a', 2, 1_000);
  w.note('b', 5, 1_500);
  w.note('a', 3, 9_999);
  w.note('a', 4, 10_000);
  assert.deepEqual(lines, ['orders refused: a 1', 'orders refused: b 5', 'orders refused: a 9']);
});
