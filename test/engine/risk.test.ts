import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account } from '../../src/engine/account.ts';
import { marginLimitReason } from '../../src/engine/account-risk.ts';
import { RiskGatedStrategy, RiskGuard, type RiskLimits } from '../../src/engine/risk.ts';
import { createStrategy } from '../../src/strategy/index.ts';

const limits: RiskLimits = {
  maxPositionLots: 2,
  maxNotionalQuote: 250,
  maxOrderSizeBase: 0.001,
  dailyLossLimitQuote: 50,
  maxDrawdownQuote: 10,
  staleDataMs: 10_000,
  lotBase: 0.001,
};
const bbo = {
  exchMs: Date.UTC(2025, 8, 1, 12),
  recvS: 0,
  bidPx: 100_000,
  bidSz: 1,
  askPx: 100_010,
  askSz: 1,
};
const params = { sigma: 3, A: 0.1, k: 0.05, gamma: 0.0001 };

function gated() {
  const guard = new RiskGuard(limits);
  guard.paramsOk = true;
  const s = new RiskGatedStrategy(createStrategy({ orderSizeBase: 0.001, maxPositionLots: 10 }), guard);
  return { guard, s };
}

test('both sides quoted when nothing is wrong', () => {
  const { s } = gated();
  const q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: 0, params });
  assert.ok(q.bid && q.ask);
  assert.ok(q.bid.px < q.ask.px);
});

test('never a quote from NaN or non-positive parameters', () => {
  const { s } = gated();
  for (const bad of [
    { ...params, sigma: Number.NaN },
    { ...params, k: 0 },
    { ...params, gamma: -1 },
  ]) {
    const q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: 0, params: bad });
    assert.equal(q.bid, null);
    assert.equal(q.ask, null);
    assert.match(q.explain?.note ?? '', /parameters/);
  }
});

test('position limits: lots and notional drop only the side that would grow |position|', () => {
  const { s } = gated();
  // Long 2 lots = the limit: no bid, the ask (reducing) stays.
  let q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: 0.002, params });
  assert.equal(q.bid, null);
  assert.ok(q.ask);
  assert.match(q.explain?.note ?? '', /max position 2 lots/);
  // Short 2 lots: 0.003 × 100 005 ≈ 300 > 250 notional as well; no ask, bid stays.
  q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: -0.002, params });
  assert.equal(q.ask, null);
  assert.ok(q.bid);
  // 1 lot long: a second lot would be 0.002 × ~100 000 = 200 ≤ 250: allowed.
  q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: 0.001, params });
  assert.ok(q.bid && q.ask);
});

test('kill switch trips at the drawdown limit and stays tripped until reset; quoting is off meanwhile', () => {
  const { guard, s } = gated();
  const a = new Account(1000);
  a.onFill('buy', 100_000, 0.002, 0);
  a.mark(100_000, bbo.exchMs);
  assert.equal(guard.evaluate(a.snapshot(), bbo.exchMs).tripped, null);
  a.mark(95_500, bbo.exchMs + 1000); // −9: below the limit
  assert.equal(guard.evaluate(a.snapshot(), bbo.exchMs + 1000).tripped, null);
  a.mark(94_999, bbo.exchMs + 2000); // −10.002: trips
  const v = guard.evaluate(a.snapshot(), bbo.exchMs + 2000);
  assert.match(v.tripped ?? '', /drawdown 10\.00 USDC reached the limit 10 USDC/);
  assert.equal(guard.pullReason(), 'kill-switch');
  a.mark(100_000, bbo.exchMs + 3000); // recovers: still tripped
  assert.equal(guard.evaluate(a.snapshot(), bbo.exchMs + 3000).tripped, null);
  assert.equal(guard.killSwitch.tripped, true);
  const q = s.quote({ nowMs: bbo.exchMs, bbo, positionBase: 0.002, params });
  assert.equal(q.bid, null);
  assert.equal(q.ask, null);
  guard.resetKillSwitch();
  assert.equal(guard.pullReason(), null);
});

test('daily loss limit trips the kill switch; stale data pulls quotes and clears when data returns', () => {
  const guard = new RiskGuard({ ...limits, maxDrawdownQuote: null, dailyLossLimitQuote: 5 });
  guard.paramsOk = true;
  const a = new Account(1000);
  a.onFill('buy', 100_000, 0.001, 0);
  a.mark(100_000, bbo.exchMs);
  a.mark(94_000, bbo.exchMs + 1); // −6 today
  assert.match(guard.evaluate(a.snapshot(), bbo.exchMs + 1).tripped ?? '', /daily limit 5 USDC/);

  const g2 = new RiskGuard(limits);
  g2.paramsOk = true;
  g2.onMarket(bbo.exchMs);
  assert.equal(g2.evaluate(new Account(1000).snapshot(), bbo.exchMs + 10_000).staleChanged, null);
  assert.equal(g2.evaluate(new Account(1000).snapshot(), bbo.exchMs + 10_001).staleChanged, true);
  assert.equal(g2.pullReason(), 'stale-data');
  g2.onMarket(bbo.exchMs + 10_500);
  assert.equal(g2.evaluate(new Account(1000).snapshot(), bbo.exchMs + 10_600).staleChanged, false);
  assert.equal(g2.pullReason(), null);
});

test("under the account's margin limit only the side that reduces the position is quoted", () => {
  const { guard, s } = gated();
  const quote = (positionBase: number) => s.quote({ nowMs: bbo.exchMs, bbo, positionBase, params });
  guard.accountEntriesLimit = marginLimitReason(100, 120);
  const long = quote(0.001);
  assert.equal(long.bid, null, 'no bid while long: it would add');
  assert.ok(long.ask, 'the ask reduces the long');
  assert.match(
    long.explain?.note ?? '',
    /no bid: margin in use 120\.00 USDC reached the account limit 100 USDC/,
  );
  const short = quote(-0.001);
  assert.ok(short.bid && short.ask === null, 'short: only the bid');
  const flat = quote(0);
  assert.ok(flat.bid === null && flat.ask === null, 'flat: any fill would add');
  guard.accountEntriesLimit = null;
  const free = quote(0.001);
  assert.ok(free.bid && free.ask, 'back under: both sides again');
});
