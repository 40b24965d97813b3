/**
 * What a raw secp256k1 private key looks like when pasted as text: 64 hex digits, with or without 0x. Hyperliquid
 * transaction hashes have the same shape, so this is only applied where neither belongs (config values that are
 * not secrets, free-text columns of the store).
 */
const RAW_PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const RAW_PRIVATE_KEY_INSIDE = /\b(0x)?[0-9a-fA-F]{64}\b/g;

export function looksLikePrivateKey(text: string): boolean {
  return RAW_PRIVATE_KEY.test(text.trim());
}

/** Replaces anything shaped like a private key inside free text by "[redacted]". */
export function scrubKeyMaterial(text: string): string {
  return text.replace(RAW_PRIVATE_KEY_INSIDE, '[redacted]');
}
