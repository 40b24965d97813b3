import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MarketEvent } from '../../src/core/market.ts';
import { BotInsight, GAP_MS } from '../../src/engine/bot-insight.ts';
import type { EngineFill } from '../../src/engine/engine-events.ts';
import { startTestServer, type TestServer } from '../support/api-bot-double.ts';

const T0 = Date.UTC(2025, 8, 1, 6, 0);
const bbo = (t: number, bid: number, ask: number): MarketEvent => ({
  kind: 'bbo',
  exchMs: t,
  recvS: 0,
  bidPx: bid,
  bidSz: 1,
  askPx: ask,
  askSz: 1,
});
const fill = (t: number, side: 'buy' | 'sell', px: number): EngineFill => ({
  tid: t,
  oid: 1,
  cid: 1,
  cloid: null,
  side,
  px,
  sz: 0.001,
  feeQuote: 0,
  liquidity: 'maker',
  exchMs: t,
  positionBase: 0,
  closedPnlQuote: null,
  hash: null,
});

describe('the bot-clock history the dashboard opens on', () => {
  it('one row per bot second (last value wins), our quotes from the resting orders', () => {
    let resting: { side: 'buy' | 'sell'; px: number }[] = [{ side: 'buy', px: 99 }];
    const ins = new BotInsight(() => resting);
    ins.clock(T0);
    ins.market(bbo(T0, 100, 101));
    ins.market(bbo(T0 + 400, 100.5, 101.5)); // same second: overwrites
    resting = [
      { side: 'buy', px: 99.5 },
      { side: 'sell', px: 102 },
    ];
    ins.market(bbo(T0 + 1200, 101, 102));
    const h = ins.history();
    assert.deepEqual(h.rows.tMs, [T0 + 400, T0 + 1200]);
    assert.deepEqual(h.rows.bidPx, [100.5, 101]);
    assert.deepEqual(h.rows.askPx, [101.5, 102]);
    assert.deepEqual(h.rows.ourBidPx, [99, 99.5]);
    assert.deepEqual(h.rows.ourAskPx, [null, 102]);
    assert.equal(h.nowMs, T0 + 1200);
  });

  it('a pause longer than the gap becomes a row of nulls (no line across it); old rows age out', () => {
    const ins = new BotInsight(null, 3_600_000);
    ins.market(bbo(T0, 100, 101));
    ins.market(bbo(T0 + GAP_MS + 5000, 110, 111));
    const h = ins.history();
    assert.deepEqual(h.rows.tMs, [T0, T0 + 1, T0 + GAP_MS + 5000]);
    assert.deepEqual(h.rows.bidPx, [100, null, 110]);
    // Two hours later, the first hour is gone; the window asked for trims further.
    ins.market(bbo(T0 + 2 * 3_600_000, 120, 121));
    assert.deepEqual(ins.history().rows.bidPx, [120]);
    assert.deepEqual(ins.history(60_000).rows.bidPx, [120]);
    // after_ms: only what is new.
    ins.market(bbo(T0 + 2 * 3_600_000 + 2000, 121, 122));
    assert.deepEqual(ins.history(3_600_000, T0 + 2 * 3_600_000).rows.bidPx, [121]);
  });

  it('parameters loaded before the first market event count from the first bot time; fills are kept', () => {
    const ins = new BotInsight();
    const p = { sigma: 3, A: 0.5, k: 0.2, gamma: 1e-5 };
    ins.params({ current: p, source: 'params.json', loadedMs: Date.UTC(2026, 11, 2) }); // machine time: ignored
    ins.clock(T0 + 5000);
    ins.market(bbo(T0 + 5000, 100, 101));
    ins.fill(fill(T0 + 6000, 'buy', 100));
    ins.clock(T0 + 60_000);
    ins.params({ current: { ...p, sigma: 4 }, source: 'params.json', loadedMs: Date.UTC(2026, 11, 2, 1) });
    const h = ins.history();
    assert.deepEqual(
      h.params.map((x) => [x.tMs, x.sigma]),
      [
        [T0 + 5000, 3],
        [T0 + 60_000, 4],
      ],
    );
    assert.deepEqual(h.fills, [{ tMs: T0 + 6000, side: 'buy', px: 100, sz: 0.001 }]);
    // A window starting after the first change still says what was in force at its start.
    const late = ins.history(30_000);
    assert.deepEqual(
      late.params.map((x) => [x.tMs, x.sigma]),
      [
        [T0 + 30_000, 3],
        [T0 + 60_000, 4],
      ],
    );
  });
});

describe('GET /api/v1/hlmm/history and /markouts', () => {
  let s: TestServer;
  const ins = new BotInsight();
  before(async () => {
    ins.clock(T0);
    ins.market(bbo(T0, 100, 101));
    ins.fill(fill(T0 + 100, 'sell', 101));
    ins.clock(T0 + 1000);
    ins.market(bbo(T0 + 1000, 99, 100)); // mid 100.5 → 99.5: the sell gained 1 USDC per unit
    ins.clock(T0 + 2000); // its 1 s horizon (T0 + 1100) has passed
    s = await startTestServer({ insight: ins });
  });
  after(async () => {
    await s.close();
  });

  it('answers the history on the bot clock and the markouts with their sample size', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${s.server.url}${path}`, { headers: { authorization: s.basic } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const h = await get('/api/v1/hlmm/history?minutes=60');
    assert.equal(h.status, 200);
    assert.equal(h.body.nowMs, T0 + 2000);
    assert.deepEqual((h.body.rows as { bidPx: number[] }).bidPx, [100, 99]);
    const m = await get('/api/v1/hlmm/markouts');
    assert.equal(m.status, 200);
    const h1 = (m.body.horizons as { horizon_s: number; count: number; mean_usdc: number }[])[0];
    assert.deepEqual([h1.horizon_s, h1.count, h1.mean_usdc], [1, 1, 1]);
    assert.equal((await get('/api/v1/hlmm/history?minutes=0')).status, 422);
    assert.match(
      String((await get('/api/v1/hlmm/history?minutes=abc')).body.detail),
      /^minutes must be a number/,
    );
    assert.equal((await get('/api/v1/hlmm/history?after_ms=x')).status, 422);
  });

  it('a server without the recorder says so (404 with a sentence)', async () => {
    const bare = await startTestServer();
    try {
      const res = await fetch(`${bare.server.url}/api/v1/hlmm/markouts`, {
        headers: { authorization: bare.basic },
      });
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { detail: string }).detail, /keeps no market history/);
    } finally {
      await bare.close();
    }
  });
});
