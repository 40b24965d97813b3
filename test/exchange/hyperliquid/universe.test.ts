import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HYPERLIQUID_PERP_UNIVERSE, szDecimalsOf } from '../../../src/exchange/hyperliquid/universe.ts';
import * as legacy from '../../../src/fake-exchange/universe.ts';

test('szDecimalsOf: exact name first, case-insensitive fallback, null when unlisted', () => {
  assert.equal(szDecimalsOf('BTC'), 5);
  assert.equal(szDecimalsOf('ETH'), 4);
  assert.equal(szDecimalsOf('SOL'), 2);
  assert.equal(szDecimalsOf('kPEPE'), 0);
  assert.equal(szDecimalsOf('btc'), 5);
  assert.equal(szDecimalsOf('KPEPE'), 0);
  assert.equal(szDecimalsOf('SYN'), null);
});

test('the old fake-exchange path re-exports the same table', () => {
  assert.equal(legacy.HYPERLIQUID_PERP_UNIVERSE, HYPERLIQUID_PERP_UNIVERSE);
  assert.equal(HYPERLIQUID_PERP_UNIVERSE[0].name, 'BTC'); // meta order: asset index 0 is BTC
});
