import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import { looksLikePrivateKey } from '../core/key-material.ts';
import type { HlmmConfig } from './schema.ts';

/**
 * Where live trading gets its signing key: the environment variable named by `exchange.private_key_env`, else
 * the file at `exchange.private_key_file`. The key (of the account or of an API/agent wallet) is returned to the
 * signer only; no error sentence here ever contains it, and it is never written back to the config or the store.
 */
export interface PrivateKeySource {
  /** 0x + 64 lower-case hex digits. Pass it to the signer and nowhere else. */
  privateKey: string;
  /** Where it came from, safe to log: "environment variable HLMM_PRIVATE_KEY" or "key file /path". */
  source: string;
  /** A key file readable by other users, worth a warning line. */
  warning: string | null;
}

export function readPrivateKey(
  exchange: Pick<HlmmConfig['exchange'], 'private_key_env' | 'private_key_file'>,
  env: NodeJS.ProcessEnv = process.env,
): PrivateKeySource {
  const name = exchange.private_key_env;
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return {
      privateKey: normalize(fromEnv, `the environment variable ${name}`),
      source: `environment variable ${name}`,
      warning: null,
    };
  }
  const file = exchange.private_key_file;
  if (file === null) {
    throw new UserError(
      `live trading needs a private key: set the environment variable ${name} (named by "exchange.private_key_env") or give a key file in "exchange.private_key_file".`,
    );
  }
  let content: string;
  let warning: string | null = null;
  try {
    content = readFileSync(file, 'utf8');
    // Group/other permission bits: a key others can read is a key others can use.
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      warning = `key file ${file} is readable by other users; run chmod 600 on it`;
    }
  } catch (err) {
    throw new UserError(
      `cannot read the key file "${file}" given in "exchange.private_key_file" (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions.`,
    );
  }
  return { privateKey: normalize(content, `the key file "${file}"`), source: `key file ${file}`, warning };
}

function normalize(text: string, where: string): string {
  const t = text.trim();
  // The value is deliberately not quoted back: it may be a key with a typo.
  if (!looksLikePrivateKey(t)) {
    throw new UserError(
      `${where} does not hold a private key; it must contain 0x followed by 64 hex digits and nothing else.`,
    );
  }
  return (t.startsWith('0x') ? t : `0x${t}`).toLowerCase();
}
