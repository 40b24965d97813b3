import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  batchModifyAction,
  cancelAction,
  cancelByCloidAction,
  canonicalAction,
  createCloidSource,
  decimalToWire,
  exchangeRequestWeight,
  floatToWire,
  isCloid,
  modifyAction,
  orderAction,
  scheduleCancelAction,
  toCloid,
  updateLeverageAction,
} from '../../../src/exchange/hyperliquid/actions.ts';
import { actionHash, hexBytes, signL1Action } from '../../../src/exchange/hyperliquid/signing.ts';

describe('floatToWire (as the official SDK: 8 decimals, trailing zeros stripped, no rounding loss)', () => {
  it('writes hand-checked values', () => {
    assert.equal(floatToWire(100), '100');
    assert.equal(floatToWire(1670.1), '1670.1');
    assert.equal(floatToWire(0.0147), '0.0147');
    assert.equal(floatToWire(109_871.5), '109871.5');
    assert.equal(floatToWire(0.00000001), '0.00000001');
    assert.equal(floatToWire(0.1 + 0.2), '0.3', '0.30000000000000004 is 0.3 within 1e-12');
    assert.equal(floatToWire(0), '0');
    assert.equal(floatToWire(-0), '0');
    assert.equal(floatToWire(-2.5), '-2.5');
  });

  it('refuses values that 8 decimals would change, and non-finite or huge values', () => {
    assert.throws(() => floatToWire(0.123456789), /loses precision/);
    assert.throws(() => floatToWire(1e-9), /loses precision/);
    assert.throws(() => floatToWire(Number.NaN), /finite/);
    assert.throws(() => floatToWire(Number.POSITIVE_INFINITY), /finite/);
    assert.throws(() => floatToWire(1e21), /too large/);
  });

  it('decimalToWire normalizes decimal strings and refuses bad ones', () => {
    assert.equal(decimalToWire('100.50', 'price'), '100.5');
    assert.equal(decimalToWire('0100.0', 'price'), '100');
    assert.equal(decimalToWire('0.00120', 'size'), '0.0012');
    assert.equal(decimalToWire(0.5, 'size'), '0.5');
    assert.throws(() => decimalToWire('1e5', 'price'), /plain decimal/);
    assert.throws(() => decimalToWire('-1', 'price'), /plain decimal/);
    assert.throws(() => decimalToWire('0.000', 'size'), /positive/);
    assert.throws(() => decimalToWire(0, 'size'), /positive/);
    assert.throws(() => decimalToWire('0.123456789', 'size'), /8 decimals/);
  });
});

describe('action builders: wire format and key order', () => {
  it('order: {type, orders[{a,b,p,s,r,t,c}], grouping "na"} exactly', () => {
    const action = orderAction([
      { asset: 0, isBuy: true, price: 109871, size: 0.0012, tif: 'Alo', cloid: `0x${'AB'.repeat(16)}` },
      { asset: 0, isBuy: false, price: '109885.5', size: '0.0012', tif: 'Alo', reduceOnly: true },
    ]);
    assert.equal(
      JSON.stringify(action),
      '{"type":"order","orders":[' +
        '{"a":0,"b":true,"p":"109871","s":"0.0012","r":false,"t":{"limit":{"tif":"Alo"}},"c":"0xabababababababababababababababab"},' +
        '{"a":0,"b":false,"p":"109885.5","s":"0.0012","r":true,"t":{"limit":{"tif":"Alo"}}}' +
        '],"grouping":"na"}',
    );
    assert.equal(
      'c' in (action.orders[1] as object),
      false,
      'no cloid key at all (not undefined) without a cloid',
    );
  });

  it('an order built by orderAction signs like the official vector (GTC buy 100 @ 100, asset 1, with cloid)', () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/hyperliquid/l1-signing-vectors.json', 'utf8'));
    const vector = fixture.vectors[3];
    const built = orderAction([
      {
        asset: 1,
        isBuy: true,
        price: 100,
        size: 100,
        tif: 'Gtc',
        cloid: '0x00000000000000000000000000000001',
      },
    ]);
    assert.deepEqual(built, vector.action);
    const sig = signL1Action(built, 0, hexBytes(fixture.private_key), { isMainnet: true });
    assert.equal(sig.s, vector.mainnet.s);
    assert.equal(sig.v, vector.mainnet.v);
  });

  it('cancel, cancelByCloid, modify, batchModify, scheduleCancel, updateLeverage', () => {
    assert.equal(
      JSON.stringify(cancelAction([{ asset: 3, oid: 62269971 }])),
      '{"type":"cancel","cancels":[{"a":3,"o":62269971}]}',
    );
    const cloid = `0x${'0'.repeat(31)}7`;
    assert.equal(
      JSON.stringify(cancelByCloidAction([{ asset: 3, cloid }])),
      `{"type":"cancelByCloid","cancels":[{"asset":3,"cloid":"${cloid}"}]}`,
    );
    const order = { asset: 5, isBuy: false, price: 19.704, size: 8.45, tif: 'Alo' as const };
    assert.equal(
      JSON.stringify(modifyAction(189324432, order)),
      '{"type":"modify","oid":189324432,"order":{"a":5,"b":false,"p":"19.704","s":"8.45","r":false,"t":{"limit":{"tif":"Alo"}}}}',
    );
    assert.equal(JSON.stringify(modifyAction(cloid, order).oid), `"${cloid}"`);
    const batch = batchModifyAction([
      { oid: 1, order },
      { oid: 2, order: { ...order, price: 19.705 } },
    ]);
    assert.deepEqual(Object.keys(batch), ['type', 'modifies']);
    assert.deepEqual(Object.keys(batch.modifies[0] as object), ['oid', 'order']);
    assert.equal(batch.modifies[1]?.order.p, '19.705');
    assert.equal(
      JSON.stringify(scheduleCancelAction(1727000060000)),
      '{"type":"scheduleCancel","time":1727000060000}',
    );
    assert.equal(JSON.stringify(scheduleCancelAction()), '{"type":"scheduleCancel"}');
    assert.equal(
      JSON.stringify(updateLeverageAction(0, true, 5)),
      '{"type":"updateLeverage","asset":0,"isCross":true,"leverage":5}',
    );
  });

  it('refuses invalid inputs before anything is signed', () => {
    const ok = { asset: 0, isBuy: true, price: 100, size: 1, tif: 'Alo' as const };
    assert.throws(() => orderAction([]), /at least one/);
    assert.throws(() => orderAction([{ ...ok, asset: -1 }]), /asset/);
    assert.throws(() => orderAction([{ ...ok, price: 0.000000001 }]), /precision/);
    assert.throws(() => orderAction([{ ...ok, size: -1 }]), /positive/);
    assert.throws(() => orderAction([{ ...ok, cloid: '0x1234' }]), /32 hex/);
    assert.throws(() => cancelAction([{ asset: 0, oid: 1.5 }]), /oid/);
    assert.throws(() => updateLeverageAction(0, true, 0), /leverage/);
    assert.throws(() => scheduleCancelAction(-5), /ms timestamp/);
  });

  it('request weight: 1 + floor(batch / 40)', () => {
    const orders = (n: number) =>
      orderAction(
        Array.from({ length: n }, () => ({ asset: 0, isBuy: true, price: 1, size: 1, tif: 'Alo' as const })),
      );
    assert.equal(exchangeRequestWeight(orders(1)), 1);
    assert.equal(exchangeRequestWeight(orders(39)), 1);
    assert.equal(exchangeRequestWeight(orders(40)), 2);
    assert.equal(exchangeRequestWeight(orders(79)), 2);
    assert.equal(exchangeRequestWeight(orders(80)), 3);
    assert.equal(exchangeRequestWeight(scheduleCancelAction(1)), 1);
    assert.equal(
      exchangeRequestWeight(cancelAction(Array.from({ length: 41 }, (_, i) => ({ asset: 0, oid: i })))),
      2,
    );
  });
});

describe('cloids', () => {
  it('a source gives 0x + 32 lower-case hex, prefix then counter, never repeating', () => {
    const next = createCloidSource(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xff]));
    assert.equal(next(), '0x01020304050607ff0000000000000001');
    assert.equal(next(), '0x01020304050607ff0000000000000002');
    const random = createCloidSource();
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = random();
      assert.ok(isCloid(id));
      seen.add(id);
    }
    assert.equal(seen.size, 10_000);
    assert.notEqual(
      createCloidSource()().slice(0, 18),
      createCloidSource()().slice(0, 18),
      'two sources, two prefixes',
    );
  });

  it('toCloid lower-cases and validates', () => {
    assert.equal(toCloid(`0x${'AB'.repeat(16)}`), `0x${'ab'.repeat(16)}`);
    assert.throws(() => toCloid('0xabc'), /32 hex/);
    assert.equal(isCloid(`0x${'ab'.repeat(16)}`), true);
    assert.equal(isCloid(`0x${'AB'.repeat(16)}`), false);
  });
});

describe('canonicalAction (how the fake exchange reads an incoming action)', () => {
  it('re-orders keys to the wire order, so the hash is what Hyperliquid computes', () => {
    const built = orderAction([{ asset: 1, isBuy: true, price: 100, size: 100, tif: 'Gtc' }]);
    const scrambled = JSON.parse(
      '{"grouping":"na","orders":[{"t":{"limit":{"tif":"Gtc"}},"s":"100","r":false,"p":"100","b":true,"a":1}],"type":"order","extra":1}',
    );
    assert.notEqual(actionHash(scrambled, 7), actionHash(built, 7));
    const result = canonicalAction(scrambled);
    assert.equal(result.ok, true);
    if (result.ok) {
      assert.equal(JSON.stringify(result.action), JSON.stringify(built));
      assert.equal(actionHash(result.action, 7), actionHash(built, 7));
    }
  });

  it('keeps every supported action type intact, and names what is wrong otherwise', () => {
    const order = { asset: 0, isBuy: true, price: 1, size: 1, tif: 'Alo' as const };
    for (const action of [
      cancelAction([{ asset: 1, oid: 2 }]),
      cancelByCloidAction([{ asset: 1, cloid: `0x${'1'.repeat(32)}` }]),
      modifyAction(5, order),
      batchModifyAction([{ oid: 5, order }]),
      scheduleCancelAction(),
      scheduleCancelAction(123),
      updateLeverageAction(2, false, 3),
    ]) {
      assert.deepEqual(canonicalAction(JSON.parse(JSON.stringify(action))), { ok: true, action });
    }
    const bad = canonicalAction({
      type: 'order',
      orders: [{ a: 0, b: true, p: 'x', s: '1', r: false, t: { limit: { tif: 'Alo' } } }],
      grouping: 'na',
    });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.reason, /^orders\.0\.p:/);
    assert.equal(canonicalAction({ type: 'withdraw3' }).ok, false);
  });
});
