import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Bbo } from '../../src/core/market.ts';
import { isValidPrice, isValidSize } from '../../src/exchange/hyperliquid/rules.ts';
import { createStrategy } from '../../src/strategy/index.ts';
import { btcInstrument } from '../support/instruments.ts';

// The real Hyperliquid BTC sample (Sept 2025): rows "recv_s,price,size,bid|ask,exch_ms"; a BBO is the latest
// bid and ask seen. Parsed here by hand so this test depends on the strategy only.
function* sampleBbos(): Generator<Bbo> {
  const text = gunzipSync(readFileSync('data/sample/prices_BTC.csv.gz')).toString('utf8');
  let bid: [number, number] | null = null;
  let ask: [number, number] | null = null;
  for (const line of text.split('\n').slice(1)) {
    const [recv, px, sz, side, exch] = line.split(',');
    if (!exch) continue;
    if (side === 'bid') bid = [Number(px), Number(sz)];
    else if (side === 'ask') ask = [Number(px), Number(sz)];
    if (bid && ask && bid[0] < ask[0])
      yield {
        exchMs: Number(exch),
        recvS: Number(recv),
        bidPx: bid[0],
        bidSz: bid[1],
        askPx: ask[0],
        askSz: ask[1],
      };
  }
}

const params = { sigma: 3, A: 0.5, k: 0.05, gamma: 1e-3 };

describe('strategies on the real BTC sample book (every BBO update)', () => {
  for (const model of ['as', 'glft'] as const) {
    it(`two-sided ${model}: every quote is venue-valid, passive, and bid < ask, at positions −5…+5 lots`, () => {
      const s = createStrategy({
        model,
        orderSizeBase: 0.001,
        maxPositionLots: 5,
        instrument: btcInstrument,
      });
      let n = 0;
      for (const bbo of sampleBbos()) {
        const positionBase = ((n % 11) - 5) * 0.001;
        const q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase, params });
        if (q.bid) assert.ok(q.bid.px < bbo.askPx && isValidPrice(q.bid.px, 5) && isValidSize(q.bid.sz, 5));
        if (q.ask) assert.ok(q.ask.px > bbo.bidPx && isValidPrice(q.ask.px, 5) && isValidSize(q.ask.sz, 5));
        if (q.bid && q.ask) assert.ok(q.bid.px < q.ask.px);
        if (positionBase >= 0.005 - 1e-12) assert.equal(q.bid, null);
        if (positionBase <= -0.005 + 1e-12) assert.equal(q.ask, null);
        n++;
      }
      assert.ok(n > 10_000, `only ${n} BBO updates`);
    });
  }
  it('long-only: one order at a time, each worth ≥ 10 USDC and resting passively', () => {
    const s = createStrategy({ mode: 'long-only', instrument: btcInstrument });
    let n = 0;
    for (const bbo of sampleBbos()) {
      const positionBase = Math.floor(n / 500) % 2 === 0 ? 0 : 0.0002;
      const q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase, params });
      assert.ok(!(q.bid && q.ask));
      const order = q.bid ?? q.ask;
      assert.ok(order, q.explain?.note);
      assert.ok(order.px * order.sz >= 10);
      if (q.bid) assert.ok(q.bid.px < bbo.askPx && positionBase === 0);
      if (q.ask) assert.ok(q.ask.px > bbo.bidPx && positionBase > 0);
      n++;
    }
  });
});
