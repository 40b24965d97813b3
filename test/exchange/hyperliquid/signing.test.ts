import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createL1ActionHash, signL1Action as sdkSignL1Action } from '@nktkas/hyperliquid/signing';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  cancelAction,
  modifyAction,
  orderAction,
  scheduleCancelAction,
  updateLeverageAction,
} from '../../../src/exchange/hyperliquid/actions.ts';
import {
  actionHash,
  addressFromPrivateKey,
  hexBytes,
  l1TypedData,
  recoverL1Signer,
  type Signature,
  signL1Action,
  signTypedData,
  type TypedData,
  typedDataDigest,
} from '../../../src/exchange/hyperliquid/signing.ts';

interface Vector {
  name: string;
  action: unknown;
  vault_address: string | null;
  nonce: number;
  mainnet: Signature;
  testnet: Signature;
}
const fixture = JSON.parse(readFileSync('test/fixtures/hyperliquid/l1-signing-vectors.json', 'utf8')) as {
  private_key: string;
  vectors: Vector[];
  phantom_agent: { action: unknown; nonce: number; vault_address: null; connection_id: string };
};
const KEY = hexBytes(fixture.private_key);
const pad64 = (hex: string) => `0x${hex.slice(2).padStart(64, '0')}`;

describe('L1 signing: known-answer vectors (official Python SDK test suite)', () => {
  for (const vector of fixture.vectors) {
    for (const net of ['mainnet', 'testnet'] as const) {
      it(`${vector.name} (${net})`, () => {
        const sig = signL1Action(vector.action, vector.nonce, KEY, {
          isMainnet: net === 'mainnet',
          vaultAddress: vector.vault_address,
        });
        assert.equal(sig.r, pad64(vector[net].r));
        assert.equal(sig.s, pad64(vector[net].s));
        assert.equal(sig.v, vector[net].v);
        assert.equal(sig.r.length, 66);
        assert.equal(sig.s.length, 66);
      });
    }
  }

  it('reproduces the connectionId of a production ETH IOC order (phantom agent)', () => {
    const p = fixture.phantom_agent;
    assert.equal(actionHash(p.action, p.nonce, p.vault_address), p.connection_id);
    const typed = l1TypedData(p.action, p.nonce, { isMainnet: true });
    assert.deepEqual(typed.message, { source: 'a', connectionId: p.connection_id });
    assert.deepEqual(typed.domain, {
      name: 'Exchange',
      version: '1',
      chainId: 1337,
      verifyingContract: '0x0000000000000000000000000000000000000000',
    });
  });

  it('the fixture key signs as its well-known address', () => {
    assert.equal(addressFromPrivateKey(KEY), '0x14791697260e4c9a71f18484c9f997b308e59325');
  });
});

describe('recoverL1Signer', () => {
  const action = orderAction([
    { asset: 0, isBuy: true, price: 60000, size: 0.001, tif: 'Alo', cloid: `0x${'ab'.repeat(16)}` },
  ]);
  const nonce = 1_727_000_000_000;
  const opts = { isMainnet: false };
  const sig = signL1Action(action, nonce, KEY, opts);

  it('recovers the signer of a valid signature', () => {
    assert.equal(recoverL1Signer(action, nonce, sig, opts), '0x14791697260e4c9a71f18484c9f997b308e59325');
  });

  it('recovers the vector signatures, even with r/s written without leading zeros', () => {
    const v = fixture.vectors[0] as Vector;
    assert.equal(v.mainnet.r.length < 66, true, 'the vector has a short r');
    assert.equal(
      recoverL1Signer(v.action, v.nonce, v.mainnet, { isMainnet: true }),
      addressFromPrivateKey(KEY),
    );
  });

  it('a changed nonce, network, vault, expiry or field yields another address (as the exchange sees it)', () => {
    const signer = addressFromPrivateKey(KEY);
    assert.notEqual(recoverL1Signer(action, nonce + 1, sig, opts), signer);
    assert.notEqual(recoverL1Signer(action, nonce, sig, { isMainnet: true }), signer);
    assert.notEqual(
      recoverL1Signer(action, nonce, sig, { ...opts, vaultAddress: `0x${'11'.repeat(20)}` }),
      signer,
    );
    assert.notEqual(recoverL1Signer(action, nonce, sig, { ...opts, expiresAfter: nonce + 5000 }), signer);
    const tampered = structuredClone(action);
    (tampered.orders[0] as { p: string }).p = '60001';
    assert.notEqual(recoverL1Signer(tampered, nonce, sig, opts), signer);
  });

  it('refuses malformed or malleable (high-s) signatures with null', () => {
    assert.equal(recoverL1Signer(action, nonce, { ...sig, r: `0x${'ff'.repeat(32)}` }, opts), null); // r ≥ n
    assert.equal(recoverL1Signer(action, nonce, { ...sig, r: `0x${'00'.repeat(32)}` }, opts), null);
    assert.equal(recoverL1Signer(action, nonce, { ...sig, v: 29 as 27 }, opts), null);
    assert.equal(recoverL1Signer(action, nonce, { ...sig, s: '0xzz' as `0x${string}` }, opts), null);
    // s' = n − s with the other parity is the same point, mathematically valid, but Ethereum/Hyperliquid refuse it.
    const n = secp256k1.Point.CURVE().n;
    const highS = `0x${(n - BigInt(sig.s)).toString(16).padStart(64, '0')}` as `0x${string}`;
    assert.equal(
      recoverL1Signer(action, nonce, { r: sig.r, s: highS, v: sig.v === 27 ? 28 : 27 }, opts),
      null,
    );
  });

  it('expiresAfter is hashed only when given (0x00 marker + u64), and changes the hash', () => {
    const a = actionHash(action, nonce, null);
    assert.equal(actionHash(action, nonce, null, undefined), a);
    assert.notEqual(actionHash(action, nonce, null, nonce + 1000), a);
  });
});

describe('cross-check with @nktkas/hyperliquid 0.32.2 signing', () => {
  const vault = `0x${'17'.repeat(20)}` as `0x${string}`;
  const actions = [
    orderAction([
      { asset: 0, isBuy: true, price: 109_871, size: 0.0012, tif: 'Alo', cloid: `0x${'0f'.repeat(16)}` },
      { asset: 0, isBuy: false, price: '109885.5', size: '0.0012', tif: 'Alo' },
    ]),
    cancelAction([{ asset: 3, oid: 62_269_971 }]),
    modifyAction(189_324_432, {
      asset: 5,
      isBuy: false,
      price: 19.704,
      size: 8.45,
      tif: 'Gtc',
      reduceOnly: true,
    }),
    scheduleCancelAction(1_727_000_060_000),
    scheduleCancelAction(),
    updateLeverageAction(0, true, 5),
  ];
  const nonce = 1_727_000_000_123;

  it('same connectionId as createL1ActionHash (plain, vault, expiresAfter)', () => {
    for (const action of actions) {
      assert.equal(actionHash(action, nonce), createL1ActionHash({ action: action as never, nonce }));
      assert.equal(
        actionHash(action, nonce, vault),
        createL1ActionHash({ action: action as never, nonce, vaultAddress: vault }),
      );
      assert.equal(
        actionHash(action, nonce, null, nonce + 60_000),
        createL1ActionHash({ action: action as never, nonce, expiresAfter: nonce + 60_000 }),
      );
    }
  });

  it('same typed data and same signature as the SDK signL1Action', async () => {
    // A viem-style local account: the SDK hands it typed data; we record it and sign it with our generic EIP-712.
    const seen: TypedData[] = [];
    const account = {
      address: addressFromPrivateKey(KEY),
      async signTypedData(params: TypedData): Promise<`0x${string}`> {
        seen.push(params);
        const s = signTypedData(params, KEY);
        return `0x${s.r.slice(2)}${s.s.slice(2)}${s.v.toString(16)}`;
      },
    };
    for (const action of actions) {
      for (const isTestnet of [false, true]) {
        const theirs = await sdkSignL1Action({
          wallet: account,
          action: action as never,
          nonce,
          isTestnet,
          vaultAddress: vault,
        });
        const ours = signL1Action(action, nonce, KEY, { isMainnet: !isTestnet, vaultAddress: vault });
        assert.deepEqual(theirs, ours);
        const expected = l1TypedData(action, nonce, { isMainnet: !isTestnet, vaultAddress: vault });
        const got = seen.at(-1) as TypedData;
        assert.deepEqual(got.domain, expected.domain);
        // The SDK (viem style) also lists the domain's own type: the fields our domain separator hashes.
        const { EIP712Domain, ...primary } = got.types;
        assert.deepEqual(primary, expected.types);
        assert.deepEqual(EIP712Domain, [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ]);
        assert.equal(got.primaryType, 'Agent');
        assert.deepEqual(got.message, expected.message);
        assert.deepEqual(typedDataDigest(got), typedDataDigest(expected));
      }
    }
  });
});
