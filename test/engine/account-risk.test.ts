/**
 * The account's risk over several coins: the exchange's margin in use in its state, and its kill switch tripped by
 * the operator as by a limit (every coin, once).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountRisk, NO_ACCOUNT_LIMITS } from '../../src/engine/account-risk.ts';

function member(coin: string, pnl: number, notional: number, trips: string[]) {
  return {
    coin,
    pnlQuote: () => pnl,
    notionalQuote: () => notional,
    tripKillSwitch: (reason: string) => trips.push(`${coin}: ${reason}`),
  };
}

test('margin in use: null until read, then the last reading and the largest one, USDC', () => {
  const acct = new AccountRisk(NO_ACCOUNT_LIMITS, 1000);
  acct.add(member('BTC', 0, 0, []));
  assert.equal(acct.evaluate(0).marginUsedQuote, null);
  assert.equal(acct.state().maxMarginUsedQuote, null);
  acct.noteExchangeMargin(120.5, 1001, 10);
  acct.noteExchangeMargin(80, 1002, 20);
  acct.noteExchangeMargin(Number.NaN, 1003, 30); // an unreadable answer keeps the last reading
  const s = acct.evaluate(40);
  assert.equal(s.marginUsedQuote, 80);
  assert.equal(s.maxMarginUsedQuote, 120.5);
  assert.deepEqual(acct.exchangeMargin(), { usedQuote: 80, accountValueQuote: 1002, atMs: 20 });
});

test('the account kill switch trips every coin once, by the operator or by a limit', () => {
  const trips: string[] = [];
  const acct = new AccountRisk({ ...NO_ACCOUNT_LIMITS, maxDrawdownQuote: 5 }, 1000);
  acct.add(member('BTC', -3, 100, trips));
  acct.add(member('ETH', -3, 50, trips));
  acct.tripKillSwitch('operator: stop the account', 7);
  assert.deepEqual(trips, ['BTC: operator: stop the account', 'ETH: operator: stop the account']);
  assert.deepEqual(acct.killSwitch, { reason: 'operator: stop the account', atMs: 7 });
  // The drawdown (6 USDC ≥ 5) would trip it too: it already tripped, so no coin is told twice.
  acct.evaluate(8);
  assert.equal(trips.length, 2);
  assert.equal(acct.killSwitch?.reason, 'operator: stop the account');
});
