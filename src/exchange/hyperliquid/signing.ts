/**
 * Hyperliquid L1 action signing, as the exchange verifies it.
 *
 *   connectionId = keccak256( msgpack(action) ‖ nonce (u64 BE) ‖ vaultFlag (0x00 | 0x01 ‖ 20-byte vault address)
 *                             [‖ 0x00 ‖ expiresAfter (u64 BE)] )
 *   phantom agent = { source: "a" (mainnet) | "b" (testnet), connectionId }
 *   digest = EIP-712 hash of the phantom agent, primary type Agent(string source, bytes32 connectionId), domain
 *            { name "Exchange", version "1", chainId 1337, verifyingContract 0x0…0 }
 *   signature = secp256k1 (RFC 6979 deterministic, low-s) → { r, s, v = 27 + recovery bit }
 *
 * The msgpack bytes depend on the key order of the action object, so actions must be built in the exchange's field
 * order (see actions.ts). Pure functions: a private key in, a signature out; nothing here logs or stores the key.
 */
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type Hex = `0x${string}`;

/** An ECDSA signature as Hyperliquid's /exchange expects it: r and s as 0x + 64 hex digits, v 27 or 28. */
export interface Signature {
  r: Hex;
  s: Hex;
  v: 27 | 28;
}

export interface L1SigningOptions {
  /** true: phantom agent source "a"; false: "b" (testnet). */
  isMainnet: boolean;
  /** Trading on behalf of a vault or sub-account: its address goes into the hash (and the request). */
  vaultAddress?: string | null;
  /** Ms timestamp after which the exchange rejects the action; hashed only when given. */
  expiresAfter?: number | null;
}

/** An EIP-712 typed-data description (the shape wallets such as viem/ethers sign). */
export interface TypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: Hex };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

/** Hyperliquid's fixed signing domain for L1 actions: chainId 1337 whatever network the action targets. */
export const L1_SIGNING_DOMAIN = {
  name: 'Exchange',
  version: '1',
  chainId: 1337,
  verifyingContract: '0x0000000000000000000000000000000000000000' as Hex,
} as const;

const AGENT_TYPES = {
  Agent: [
    { name: 'source', type: 'string' },
    { name: 'connectionId', type: 'bytes32' },
  ],
};

function u64BigEndian(value: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} must be a non-negative safe integer`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
  return bytes;
}

/** '0x…' or bare hex → bytes; throws on odd length or a non-hex digit. */
export function hexBytes(hex: string, expectedBytes?: number): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]*$/.test(body) || body.length % 2 !== 0) throw new RangeError('not a hex byte string');
  const bytes = hexToBytes(body.toLowerCase());
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new RangeError(`expected ${expectedBytes} bytes of hex, got ${bytes.length}`);
  }
  return bytes;
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`;
}

/**
 * msgpack exactly as Hyperliquid's Python SDK (msgpack-python) packs actions: integers in their smallest format,
 * undefined keys dropped (an absent optional field, e.g. an order without cloid), strings as str8/16.
 */
export function packAction(action: unknown): Uint8Array {
  return encodeMsgpack(action, { ignoreUndefined: true });
}

/** keccak256 of msgpack(action) ‖ nonce ‖ vault ‖ expiresAfter: the `connectionId` the phantom agent carries. */
export function actionHash(
  action: unknown,
  nonce: number,
  vaultAddress?: string | null,
  expiresAfter?: number | null,
): Hex {
  const parts: Uint8Array[] = [packAction(action), u64BigEndian(nonce, 'nonce')];
  if (vaultAddress) parts.push(Uint8Array.of(1), hexBytes(vaultAddress, 20));
  else parts.push(Uint8Array.of(0));
  if (expiresAfter !== undefined && expiresAfter !== null) {
    parts.push(Uint8Array.of(0), u64BigEndian(expiresAfter, 'expiresAfter'));
  }
  return toHex(keccak_256(concatBytes(...parts)));
}

/** The phantom agent Hyperliquid signs instead of the action itself. */
export function phantomAgent(
  connectionId: Hex,
  isMainnet: boolean,
): { source: 'a' | 'b'; connectionId: Hex } {
  return { source: isMainnet ? 'a' : 'b', connectionId };
}

/** The complete EIP-712 typed data of an L1 action (what a viem/ethers wallet would be asked to sign). */
export function l1TypedData(action: unknown, nonce: number, opts: L1SigningOptions): TypedData {
  const connectionId = actionHash(action, nonce, opts.vaultAddress, opts.expiresAfter);
  return {
    domain: { ...L1_SIGNING_DOMAIN },
    types: AGENT_TYPES,
    primaryType: 'Agent',
    message: phantomAgent(connectionId, opts.isMainnet),
  };
}

// ---- EIP-712 hashing (the subset of types Hyperliquid's typed data uses) ----

function encodeType(primaryType: string, types: TypedData['types']): string {
  const fields = types[primaryType];
  if (!fields) throw new Error(`EIP-712: unknown type ${primaryType}`);
  return `${primaryType}(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`;
}

function uint256Word(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError('EIP-712: uint256 out of range');
  return hexBytes(value.toString(16).padStart(64, '0'));
}

/** One 32-byte word per atomic field; dynamic types (string, bytes) are hashed, as EIP-712 specifies. */
function encodeField(type: string, value: unknown): Uint8Array {
  if (type === 'string') return keccak_256(utf8ToBytes(String(value)));
  if (type === 'bytes') return keccak_256(hexBytes(String(value)));
  if (type === 'bytes32') return hexBytes(String(value), 32);
  if (type === 'address') return concatBytes(new Uint8Array(12), hexBytes(String(value), 20));
  if (type === 'bool') return uint256Word(value ? 1n : 0n);
  if (/^uint(8|16|32|64|128|256)$/.test(type)) return uint256Word(BigInt(value as number | bigint | string));
  throw new Error(`EIP-712: field type ${type} is not supported here`);
}

function hashStruct(
  primaryType: string,
  types: TypedData['types'],
  message: Record<string, unknown>,
): Uint8Array {
  const typeHash = keccak_256(utf8ToBytes(encodeType(primaryType, types)));
  const fields = types[primaryType] ?? [];
  return keccak_256(concatBytes(typeHash, ...fields.map((f) => encodeField(f.type, message[f.name]))));
}

const DOMAIN_FIELDS = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];

/** The 32-byte EIP-712 digest: keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)). */
export function typedDataDigest(data: TypedData): Uint8Array {
  const domainSeparator = hashStruct('EIP712Domain', { EIP712Domain: DOMAIN_FIELDS }, data.domain);
  const structHash = hashStruct(data.primaryType, data.types, data.message);
  return keccak_256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, structHash));
}

// ---- secp256k1 ----

/** Signs a 32-byte digest: deterministic k (RFC 6979) and low s, like eth_account, so vectors reproduce. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Signature {
  const recovered = secp256k1.sign(digest, privateKey, { prehash: false, format: 'recovered', lowS: true });
  return {
    r: toHex(recovered.subarray(1, 33)),
    s: toHex(recovered.subarray(33, 65)),
    v: recovered[0] === 0 ? 27 : 28,
  };
}

/** Signs any EIP-712 typed data with a raw private key. */
export function signTypedData(data: TypedData, privateKey: Uint8Array): Signature {
  return signDigest(typedDataDigest(data), privateKey);
}

/** Signs an L1 action (order, cancel, modify, …) exactly as Hyperliquid verifies it. */
export function signL1Action(
  action: unknown,
  nonce: number,
  privateKey: Uint8Array,
  opts: L1SigningOptions,
): Signature {
  return signTypedData(l1TypedData(action, nonce, opts), privateKey);
}

/** Ethereum address (lower-case 0x…) of an uncompressed or compressed secp256k1 public key. */
export function addressFromPublicKey(publicKey: Uint8Array): Hex {
  const uncompressed =
    publicKey.length === 65 ? publicKey : secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return toHex(keccak_256(uncompressed.subarray(1)).subarray(12));
}

/** The address a private key signs as. */
export function addressFromPrivateKey(privateKey: Uint8Array): Hex {
  return addressFromPublicKey(secp256k1.getPublicKey(privateKey, false));
}

/** Parses {r, s, v}; accepts r/s written without leading zeros (as some published vectors are). */
function signatureBytes(signature: Signature): Uint8Array {
  const r = hexBytes(signature.r.replace(/^0x/i, '').padStart(64, '0'), 32);
  const s = hexBytes(signature.s.replace(/^0x/i, '').padStart(64, '0'), 32);
  if (signature.v !== 27 && signature.v !== 28) throw new RangeError('signature v must be 27 or 28');
  return concatBytes(Uint8Array.of(signature.v - 27), r, s);
}

/** The signer of a digest, or null when the signature is malformed or matches no key. */
export function recoverDigestSigner(digest: Uint8Array, signature: Signature): Hex | null {
  try {
    const sig = secp256k1.Signature.fromBytes(signatureBytes(signature), 'recovered');
    // Hyperliquid, like Ethereum, refuses high-s (malleable) signatures.
    if (sig.hasHighS()) return null;
    const point = sig.recoverPublicKey(digest);
    return addressFromPublicKey(point.toBytes(false));
  } catch {
    return null;
  }
}

/**
 * Who signed this L1 action: the lower-case 0x address, or null for a malformed signature. The exchange (and our
 * fake exchange) compares it with the account or its approved agent wallets; a wrong nonce, network, vault or a
 * changed field gives a different (unknown) address rather than an error, exactly as on Hyperliquid.
 */
export function recoverL1Signer(
  action: unknown,
  nonce: number,
  signature: Signature,
  opts: L1SigningOptions,
): Hex | null {
  return recoverDigestSigner(typedDataDigest(l1TypedData(action, nonce, opts)), signature);
}
