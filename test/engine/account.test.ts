import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account } from '../../src/engine/account.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

test('average cost: open, add, reduce, flip — realized, unrealized, cash and equity by hand', () => {
  const a = new Account(1000);
  // Buy 0.002 @ 100 000, fee 0.03 → cash 1000 − 200 − 0.03 = 799.97.
  a.onFill('buy', 100_000, 0.002, 0.03);
  close(a.cashQuote, 799.97);
  close(a.avgEntryPx, 100_000);
  // Buy 0.001 @ 100 300 → entry (200 + 100.3) / 0.003 = 100 100.
  a.onFill('buy', 100_300, 0.001, 0.015);
  close(a.avgEntryPx, 100_100);
  close(a.positionBase, 0.003);
  // Sell 0.001 @ 100 600: realized (100 600 − 100 100) × 0.001 = 0.5; entry unchanged.
  a.onFill('sell', 100_600, 0.001, 0.015);
  close(a.realizedPnlQuote, 0.5);
  close(a.avgEntryPx, 100_100);
  // Sell 0.004 @ 100 000: closes 0.002 at −100 × 0.002 = −0.2 → realized 0.3; flips to −0.002 entered at 100 000.
  a.onFill('sell', 100_000, 0.004, 0.06);
  close(a.realizedPnlQuote, 0.3);
  close(a.positionBase, -0.002);
  close(a.avgEntryPx, 100_000);
  close(a.feesQuote, 0.12);
  // Cash: 1000 − 200 − 100.3 + 100.6 + 400 − 0.12 = 1200.18.
  close(a.cashQuote, 1200.18);
  a.mark(99_900, Date.UTC(2025, 8, 1));
  // Unrealized short: −0.002 × (99 900 − 100 000) = +0.2; equity 1200.18 − 0.002 × 99 900 = 1000.38.
  const s = a.snapshot();
  close(s.unrealizedPnlQuote, 0.2);
  close(s.equityQuote, 1000.38);
  // Identity: equity = start + realized + unrealized − fees + funding.
  close(s.equityQuote, 1000 + s.realizedPnlQuote + s.unrealizedPnlQuote - s.feesQuote + s.fundingQuote);
});

test('funding moves cash and equity; drawdown from the peak; daily loss from the UTC day start', () => {
  const a = new Account(1000);
  const day1 = Date.UTC(2025, 8, 1, 12);
  a.onFill('buy', 100_000, 0.01, 0); // long 0.01
  a.mark(100_000, day1); // equity 1000
  a.mark(101_000, day1 + 1000); // equity 1010 → peak 1010
  a.mark(100_500, day1 + 2000); // equity 1005
  let s = a.snapshot();
  close(s.peakEquityQuote, 1010);
  close(s.drawdownQuote, 5);
  close(s.dayLossQuote, -5); // day started at 1000: +5 today
  a.onFunding(-1.5); // paid funding
  s = a.snapshot();
  close(s.fundingQuote, -1.5);
  close(s.equityQuote, 1003.5);
  // Next UTC day: the day start resets to the first equity of the day.
  a.mark(100_000, Date.UTC(2025, 8, 2, 0, 0, 1));
  s = a.snapshot();
  close(s.dayStartEquityQuote, 998.5);
  close(s.dayLossQuote, 0);
  close(s.drawdownQuote, 11.5);
});

test('restore brings back a paper account; a flat position has no entry', () => {
  const a = new Account(1000);
  a.restore({
    positionBase: -0.001,
    avgEntryPx: 110_000,
    cashQuote: 1105,
    realizedPnlQuote: 2,
    feesQuote: 0.5,
    fundingQuote: 0,
  });
  a.mark(110_100, Date.UTC(2025, 8, 1));
  const s = a.snapshot();
  close(s.equityQuote, 1105 - 110.1);
  close(s.unrealizedPnlQuote, -0.1);
  a.onFill('buy', 110_050, 0.001, 0);
  assert.equal(a.positionBase, 0);
  assert.equal(a.snapshot().avgEntryPx, null);
  close(a.realizedPnlQuote, 2 - 0.05);
});
