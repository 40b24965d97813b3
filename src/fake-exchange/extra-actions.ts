/**
 * Actions of /exchange beyond the trading ones of actions.ts, as the official docs define them, and the
 * `builder` field of an order (builder codes):
 * - setReferrer {type, code} — an L1 action (signed through the phantom agent);
 * - approveBuilderFee {type, signatureChainId, hyperliquidChain, maxFeeRate, builder, nonce} — a user-signed
 *   action (EIP-712 "HyperliquidTransaction:ApproveBuilderFee" in the "HyperliquidSignTransaction" domain), which
 *   only the account's own key may sign, never an agent;
 * - order {type, orders, grouping, builder: {b, f}} — f in tenths of a basis point, at most 100 (0.1 %) on perps
 *   and at most what the user approved for that builder.
 * The signature is recovered over the action in the exchange's field order WITH every documented field, as the
 * real exchange re-serialises what it parsed: a builder the client signed stays covered.
 */
import type { L1Action } from '../exchange/hyperliquid/actions.ts';
import {
  type Hex,
  recoverDigestSigner,
  type Signature,
  typedDataDigest,
} from '../exchange/hyperliquid/signing.ts';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** Perp orders may pay a builder at most 0.1 % = 100 tenths of a basis point (docs, "Builder codes"). */
export const MAX_PERP_BUILDER_FEE_TENTHS_BP = 100;
/** Approvals go up to 1 % (the spot maximum). */
const MAX_APPROVAL_TENTHS_BP = 1_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface BuilderField {
  b: string;
  f: number;
}

/** The `builder` of a raw order action: {b, f} (b lower-cased, as the SDKs send it), null when absent, or an error. */
export function orderBuilder(raw: unknown): BuilderField | null | { error: string } {
  if (!isObject(raw) || raw.type !== 'order' || raw.builder === undefined) return null;
  const b = raw.builder;
  if (
    !isObject(b) ||
    typeof b.b !== 'string' ||
    !ADDRESS.test(b.b) ||
    !Number.isSafeInteger(b.f) ||
    (b.f as number) < 0
  )
    return { error: 'builder' };
  return { b: b.b.toLowerCase(), f: b.f as number };
}

/** The action whose msgpack the signature covers: the canonical one plus the builder (after grouping). */
export function signedForm(action: L1Action, builder: BuilderField | null): unknown {
  return builder === null ? action : { ...action, builder: { b: builder.b, f: builder.f } };
}

export interface SetReferrerAction {
  type: 'setReferrer';
  code: string;
}

export function parseSetReferrer(raw: unknown): SetReferrerAction | null {
  if (!isObject(raw) || raw.type !== 'setReferrer' || typeof raw.code !== 'string' || raw.code.length === 0)
    return null;
  return { type: 'setReferrer', code: raw.code };
}

export interface ApproveBuilderFeeAction {
  type: 'approveBuilderFee';
  signatureChainId: Hex;
  hyperliquidChain: 'Mainnet' | 'Testnet';
  maxFeeRate: string;
  builder: string;
  nonce: number;
}

export function parseApproveBuilderFee(raw: unknown): ApproveBuilderFeeAction | null {
  if (!isObject(raw) || raw.type !== 'approveBuilderFee') return null;
  const { signatureChainId, hyperliquidChain, maxFeeRate, builder, nonce } = raw;
  if (typeof signatureChainId !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signatureChainId)) return null;
  if (hyperliquidChain !== 'Mainnet' && hyperliquidChain !== 'Testnet') return null;
  if (typeof maxFeeRate !== 'string' || !/^\d+(\.\d+)?%$/.test(maxFeeRate)) return null;
  if (typeof builder !== 'string' || !ADDRESS.test(builder)) return null;
  if (!Number.isSafeInteger(nonce)) return null;
  return {
    type: 'approveBuilderFee',
    signatureChainId: signatureChainId as Hex,
    hyperliquidChain,
    maxFeeRate,
    builder,
    nonce: nonce as number,
  };
}

/** "0.1%" → 100 tenths of a basis point; null when above the 1 % maximum or finer than a tenth of a bp. */
export function percentToTenthsBp(percent: string): number | null {
  const tenths = Number(percent.slice(0, -1)) * 1_000;
  const rounded = Math.round(tenths);
  if (Math.abs(tenths - rounded) > 1e-9 || rounded > MAX_APPROVAL_TENTHS_BP) return null;
  return rounded;
}

/** Who signed an approveBuilderFee (EIP-712 of the user-signed action), or null. */
export function recoverApproveBuilderFeeSigner(a: ApproveBuilderFeeAction, signature: Signature): Hex | null {
  const digest = typedDataDigest({
    domain: {
      name: 'HyperliquidSignTransaction',
      version: '1',
      chainId: Number.parseInt(a.signatureChainId, 16),
      verifyingContract: '0x0000000000000000000000000000000000000000',
    },
    types: {
      'HyperliquidTransaction:ApproveBuilderFee': [
        { name: 'hyperliquidChain', type: 'string' },
        { name: 'maxFeeRate', type: 'string' },
        { name: 'builder', type: 'address' },
        { name: 'nonce', type: 'uint64' },
      ],
    },
    primaryType: 'HyperliquidTransaction:ApproveBuilderFee',
    message: {
      hyperliquidChain: a.hyperliquidChain,
      maxFeeRate: a.maxFeeRate,
      builder: a.builder,
      nonce: a.nonce,
    },
  });
  return recoverDigestSigner(digest, signature);
}
