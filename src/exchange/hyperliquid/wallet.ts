/**
 * The signing key of a live bot, loaded from an environment variable or a key file, held so it cannot leak: the
 * raw key lives in a private field, and toString / toJSON / util.inspect / structuredClone show only addresses.
 * Errors about a bad key name the variable or file, never its content.
 *
 * API ("agent") wallets: Hyperliquid lets an account approve a separate key that may trade but not withdraw. The
 * agent signs, but orders, positions and fills belong to the account, so /info queries must use `accountAddress`.
 */
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { UserError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import type { Hex, L1SigningOptions, Signature } from './signing.ts';
import { addressFromPrivateKey, signL1Action } from './signing.ts';

export const DEFAULT_KEY_ENV_VAR = 'HLMM_PRIVATE_KEY';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const KEY_HEX = /^(0x)?[0-9a-fA-F]{64}$/;

/** Lower-cases and checks a 0x address; `where` names the flag, variable or file it came from. */
export function parseAddress(value: string, where: string): Hex {
  const trimmed = value.trim();
  if (!ADDRESS.test(trimmed))
    throw new UserError(`${where} is not an address (0x followed by 40 hex digits).`);
  return trimmed.toLowerCase() as Hex;
}

function parsePrivateKey(value: string, where: string): Uint8Array {
  const trimmed = value.trim();
  // The message must not contain the value: it may be a real key with a typo.
  if (!KEY_HEX.test(trimmed))
    throw new UserError(`${where} does not hold a private key (64 hex digits, with or without 0x).`);
  const key = Uint8Array.from(Buffer.from(trimmed.replace(/^0x/, ''), 'hex'));
  if (!secp256k1.utils.isValidSecretKey(key))
    throw new UserError(`${where} holds a value that is not a valid secp256k1 private key.`);
  return key;
}

export class Wallet {
  /** The address the key signs as (the agent's address for an API wallet). */
  readonly address: Hex;
  /** The account whose orders, positions and fills these are (= address unless an API wallet). */
  readonly accountAddress: Hex;
  readonly #privateKey: Uint8Array;

  private constructor(privateKey: Uint8Array, accountAddress?: Hex) {
    this.#privateKey = privateKey;
    this.address = addressFromPrivateKey(privateKey);
    this.accountAddress = accountAddress ?? this.address;
  }

  /** From a hex key already in memory (tests, the fake exchange's own users). `where` names its origin for errors. */
  static fromPrivateKey(keyHex: string, opts: { accountAddress?: string; where?: string } = {}): Wallet {
    const where = opts.where ?? 'the private key';
    const account = opts.accountAddress
      ? parseAddress(opts.accountAddress, 'the account address')
      : undefined;
    return new Wallet(parsePrivateKey(keyHex, where), account);
  }

  /** A fresh random key (tests, simulated users). */
  static generate(accountAddress?: string): Wallet {
    const account = accountAddress ? parseAddress(accountAddress, 'the account address') : undefined;
    return new Wallet(secp256k1.utils.randomSecretKey(), account);
  }

  /** true when the key is an API/agent wallet trading for another account. */
  get isAgent(): boolean {
    return this.address !== this.accountAddress;
  }

  /** Signs an L1 action with this key (see signing.ts). */
  signL1Action(action: unknown, nonce: number, opts: L1SigningOptions): Signature {
    return signL1Action(action, nonce, this.#privateKey, opts);
  }

  toString(): string {
    return this.isAgent
      ? `Wallet(agent ${this.address} for ${this.accountAddress})`
      : `Wallet(${this.address})`;
  }

  toJSON(): { address: Hex; accountAddress: Hex } {
    return { address: this.address, accountAddress: this.accountAddress };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface WalletSource {
  /** Key file path (--key-file). Takes precedence over the environment variable. */
  keyFile?: string;
  /** Environment variable holding the key; default HLMM_PRIVATE_KEY. */
  envVar?: string;
  /** The environment to read (default process.env; tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Account traded for when the key is an API/agent wallet (--account). */
  accountAddress?: string;
  /** Delete the variable from `env` once read, so child processes do not inherit the key. */
  removeFromEnv?: boolean;
  /** Where the permission warning goes (default: a console logger). */
  warn?: (message: string) => void;
}

interface KeyFileContent {
  key: string;
  accountAddress?: string;
}

/**
 * A key file holds either the bare hex key, or JSON in the layout of Hyperliquid's Python SDK examples
 * ({"secret_key": "0x…", "account_address": "0x…"}) or our own ({"privateKey", "accountAddress"}).
 */
function readKeyFile(path: string, warn: (message: string) => void): KeyFileContent {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UserError(`Key file ${path} is not a regular file.`);
    // Why: a key readable by other local users is as good as published. Warn, since some setups (containers,
    // secrets mounts) cannot chmod; the user decides.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      warn(`Key file ${path} has mode ${mode}: other users can read it; run chmod 600 ${path}.`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`Cannot read key file ${path} (${code ?? 'read error'}): check --key-file.`);
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { key: trimmed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // JSON.parse's own message quotes the text, i.e. possibly the key: never forward it.
    throw new UserError(`Key file ${path} starts with "{" but is not valid JSON.`);
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const key = record.secret_key ?? record.privateKey;
  if (typeof key !== 'string')
    throw new UserError(`Key file ${path} has no "secret_key" (or "privateKey") string.`);
  const account = record.account_address ?? record.accountAddress;
  return { key, accountAddress: typeof account === 'string' && account !== '' ? account : undefined };
}

/** Loads the live-trading key: key file if given, else the environment variable. Throws UserError when absent. */
export function loadWallet(source: WalletSource = {}): Wallet {
  const envVar = source.envVar ?? DEFAULT_KEY_ENV_VAR;
  const env = source.env ?? process.env;
  const warn = source.warn ?? ((message: string) => createLogger({ component: 'wallet' }).warn(message));
  let key: string;
  let where: string;
  let fileAccount: string | undefined;
  if (source.keyFile) {
    const content = readKeyFile(source.keyFile, warn);
    key = content.key;
    fileAccount = content.accountAddress;
    where = `Key file ${source.keyFile}`;
  } else {
    const value = env[envVar];
    if (value === undefined || value.trim() === '') {
      throw new UserError(
        `No private key: set ${envVar} or pass --key-file FILE (live trading needs a key).`,
      );
    }
    key = value;
    where = `Environment variable ${envVar}`;
    if (source.removeFromEnv) delete env[envVar];
  }
  const accountText = source.accountAddress ?? fileAccount;
  const account = accountText
    ? parseAddress(accountText, source.accountAddress ? '--account' : `${where}'s account address`)
    : undefined;
  return Wallet.fromPrivateKey(key, { accountAddress: account, where });
}
