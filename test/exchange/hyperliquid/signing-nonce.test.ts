import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNonceInWindow, NonceLedger, NonceManager } from '../../../src/exchange/hyperliquid/nonce.ts';

const DAY = 86_400_000;

describe('NonceManager', () => {
  it('uses the ms clock, and stays strictly increasing within one millisecond', () => {
    const nonces = new NonceManager(() => 1_000.7);
    assert.deepEqual([nonces.next(), nonces.next(), nonces.next()], [1000, 1001, 1002]);
    assert.equal(nonces.last, 1002);
  });

  it('10 000 calls in the same ms give 10 000 distinct increasing nonces', () => {
    const nonces = new NonceManager(() => 5_000);
    let previous = 0;
    for (let i = 0; i < 10_000; i++) {
      const n = nonces.next();
      assert.ok(n > previous);
      previous = n;
    }
    assert.equal(previous, 5_000 + 9_999);
  });

  it('follows the clock again once it catches up, and never goes back when the clock does', () => {
    let now = 2_000;
    const nonces = new NonceManager(() => now);
    nonces.next(); // 2000
    nonces.next(); // 2001
    now = 1_500; // clock stepped back (NTP)
    assert.equal(nonces.next(), 2002);
    now = 3_000;
    assert.equal(nonces.next(), 3000);
  });
});

describe('nonce window and the exchange-side ledger', () => {
  const T = 1_727_000_000_000;

  it('accepts nonces in the open interval (T − 2 days, T + 1 day)', () => {
    assert.equal(isNonceInWindow(T, T), true);
    assert.equal(isNonceInWindow(T - 2 * DAY + 1, T), true);
    assert.equal(isNonceInWindow(T - 2 * DAY, T), false);
    assert.equal(isNonceInWindow(T + DAY - 1, T), true);
    assert.equal(isNonceInWindow(T + DAY, T), false);
  });

  it('refuses a reused nonce, and once 100 are held, anything not above the smallest', () => {
    const ledger = new NonceLedger();
    assert.equal(ledger.accept(T + 5, T), 'ok');
    assert.equal(ledger.accept(T + 5, T), 'duplicate');
    assert.equal(ledger.accept(T + 1, T), 'ok', 'out-of-order is fine while fewer than 100 are held');
    for (let i = 0; i < 98; i++) assert.equal(ledger.accept(T + 10 + i, T), 'ok');
    // Held now: T+1, T+5, T+10..T+107 (100 nonces). The smallest is T+1.
    assert.equal(ledger.accept(T + 1, T), 'duplicate');
    assert.equal(ledger.accept(T, T), 'tooLow');
    assert.equal(ledger.accept(T + 2, T), 'ok', 'above the smallest and unused: accepted, T+1 evicted');
    assert.equal(ledger.accept(T + 1, T), 'tooLow', 'T+1 was evicted and is now below the smallest (T+2)');
    assert.equal(ledger.check(T + 3, T), 'ok');
    assert.equal(ledger.accept(T - 3 * DAY, T), 'outOfWindow');
    assert.equal(ledger.accept(1.5, T), 'outOfWindow');
  });
});
