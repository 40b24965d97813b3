/**
 * What a raw secp256k1 private key looks like when pasted as text: 64 hex digits, with or without a 0x / 0X
 * prefix. Hyperliquid transaction hashes have the same shape, so this is only applied where neither belongs
 * (config values that are not secrets, free-text columns of the store, anything the API serves or logs).
 */
const RAW_PRIVATE_KEY = /^(0[xX])?[0-9a-fA-F]{64}$/;
/**
 * Any run of 64 hex digits anywhere in a string — glued to other letters ("key=0X…", "abc…"), inside a URL or a
 * longer hex run — since a key pasted into a longer value is just as much a leak.
 */
const RAW_PRIVATE_KEY_INSIDE = /(0[xX])?[0-9a-fA-F]{64,}/g;

export function looksLikePrivateKey(text: string): boolean {
  return RAW_PRIVATE_KEY.test(text.trim());
}

/** True when a 64-hex-digit secret appears anywhere inside the text. */
export function containsKeyMaterial(text: string): boolean {
  RAW_PRIVATE_KEY_INSIDE.lastIndex = 0;
  return RAW_PRIVATE_KEY_INSIDE.test(text);
}

/** Replaces anything shaped like a private key inside free text by "[redacted]". */
export function scrubKeyMaterial(text: string): string {
  return text.replace(RAW_PRIVATE_KEY_INSIDE, '[redacted]');
}

/** A copy of a JSON-like value with every string scrubbed (keys of objects too): for anything served or dumped. */
export function scrubKeyMaterialDeep<T>(value: T): T {
  if (typeof value === 'string') return scrubKeyMaterial(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubKeyMaterialDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrubKeyMaterial(k)] = scrubKeyMaterialDeep(v);
    return out as T;
  }
  return value;
}
