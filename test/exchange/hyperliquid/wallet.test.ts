import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { format, inspect } from 'node:util';
import { isUserError } from '../../../src/core/errors.ts';
import { createLogger } from '../../../src/core/log.ts';
import { recoverL1Signer } from '../../../src/exchange/hyperliquid/signing.ts';
import { loadWallet, Wallet } from '../../../src/exchange/hyperliquid/wallet.ts';

const KEY = '0x0123456789012345678901234567890123456789012345678901234567890123';
const KEY_BARE = KEY.slice(2);
const ADDRESS = '0x14791697260e4c9a71f18484c9f997b308e59325';
const ACCOUNT = '0x5E9EE1089755C3435139848E47E6635505D5A13A';

/** No rendering of a wallet may contain any 16-hex-digit window of the key (upper or lower case). */
function assertNoKey(text: string): void {
  const lower = text.toLowerCase();
  for (let i = 0; i + 16 <= KEY_BARE.length; i += 8)
    assert.equal(lower.includes(KEY_BARE.slice(i, i + 16)), false, text);
}

const dir = mkdtempSync(join(tmpdir(), 'hlmm-wallet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Wallet never shows its key', () => {
  const wallet = loadWallet({ env: { HLMM_PRIVATE_KEY: KEY }, accountAddress: ACCOUNT });

  it('String, template, toJSON, JSON.stringify, util.inspect, util.format, structuredClone', () => {
    for (const text of [
      String(wallet),
      `${wallet}`,
      JSON.stringify(wallet),
      JSON.stringify({ config: { wallet } }),
      inspect(wallet, { showHidden: true, depth: 10 }),
      inspect({ nested: [wallet] }, { showHidden: true }),
      format('%o %O %s %j', wallet, wallet, wallet, wallet),
      JSON.stringify(structuredClone(wallet)),
      Object.keys(wallet).join(','),
      JSON.stringify(Object.entries(Object.getOwnPropertyDescriptors(wallet))),
    ]) {
      assertNoKey(text);
    }
    assert.equal(String(wallet), `Wallet(agent ${ADDRESS} for ${ACCOUNT.toLowerCase()})`);
    assert.deepEqual(JSON.parse(JSON.stringify(wallet)), {
      address: ADDRESS,
      accountAddress: ACCOUNT.toLowerCase(),
    });
  });

  it('a log line that carries the wallet (console and JSON file) does not carry the key', () => {
    const file = join(dir, 'log.jsonl');
    const log = createLogger({ component: 'test', quiet: true, file });
    log.info('started', { wallet, walletText: String(wallet) });
    const written = readFileSync(file, 'utf8');
    assertNoKey(written);
    assert.match(written, new RegExp(ADDRESS));
  });

  it('signs with the key and exposes the account for /info', () => {
    const action = { type: 'scheduleCancel', time: 1_727_000_060_000 };
    const sig = wallet.signL1Action(action, 1_727_000_000_000, { isMainnet: false });
    assert.equal(recoverL1Signer(action, 1_727_000_000_000, sig, { isMainnet: false }), ADDRESS);
    assert.equal(wallet.address, ADDRESS);
    assert.equal(wallet.accountAddress, ACCOUNT.toLowerCase());
    assert.equal(wallet.isAgent, true);
    const own = Wallet.fromPrivateKey(KEY_BARE);
    assert.equal(own.isAgent, false);
    assert.equal(own.accountAddress, ADDRESS);
    assert.equal(String(own), `Wallet(${ADDRESS})`);
  });
});

describe('loadWallet sources and errors', () => {
  function userErrorMessage(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      assert.ok(isUserError(err), `expected UserError, got ${String(err)}`);
      return (err as Error).message + String((err as Error).stack);
    }
    assert.fail('expected an error');
  }

  it('reads a custom environment variable and can remove it from the environment', () => {
    const env: Record<string, string | undefined> = { MY_KEY: ` ${KEY_BARE}\n` };
    const wallet = loadWallet({ env, envVar: 'MY_KEY', removeFromEnv: true });
    assert.equal(wallet.address, ADDRESS);
    assert.equal('MY_KEY' in env, false);
  });

  it('missing key: one sentence naming the variable and the flag', () => {
    const message = userErrorMessage(() => loadWallet({ env: {} }));
    assert.match(message, /No private key: set HLMM_PRIVATE_KEY or pass --key-file FILE/);
  });

  it('a malformed or invalid key is refused without echoing it', () => {
    const typo = `${KEY.slice(0, -1)}g`;
    const m1 = userErrorMessage(() => loadWallet({ env: { HLMM_PRIVATE_KEY: typo } }));
    assert.match(m1, /Environment variable HLMM_PRIVATE_KEY does not hold a private key/);
    assertNoKey(m1);
    const zero = `0x${'0'.repeat(64)}`;
    assert.match(
      userErrorMessage(() => loadWallet({ env: { HLMM_PRIVATE_KEY: zero } })),
      /not a valid secp256k1 private key/,
    );
    const m2 = userErrorMessage(() => loadWallet({ env: { HLMM_PRIVATE_KEY: KEY }, accountAddress: KEY }));
    assert.match(m2, /--account is not an address/);
    assertNoKey(m2);
  });

  it('key file: bare hex; mode 600 silent; mode 644 warns with the fix', () => {
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${KEY}\n`);
    chmodSync(file, 0o600);
    const warnings: string[] = [];
    assert.equal(loadWallet({ keyFile: file, env: {}, warn: (m) => warnings.push(m) }).address, ADDRESS);
    assert.equal(warnings.length, 0);
    chmodSync(file, 0o644);
    loadWallet({ keyFile: file, env: {}, warn: (m) => warnings.push(m) });
    assert.deepEqual(warnings, [
      `Key file ${file} has mode 644: other users can read it; run chmod 600 ${file}.`,
    ]);
    assertNoKey(warnings.join(''));
  });

  it('key file wins over the environment; JSON layouts of the Python SDK and ours', () => {
    const other = `0x${'11'.repeat(32)}`;
    const py = join(dir, 'config.json');
    writeFileSync(py, JSON.stringify({ secret_key: KEY, account_address: ACCOUNT }), { mode: 0o600 });
    const wallet = loadWallet({ keyFile: py, env: { HLMM_PRIVATE_KEY: other } });
    assert.equal(wallet.address, ADDRESS);
    assert.equal(wallet.accountAddress, ACCOUNT.toLowerCase());
    const ours = join(dir, 'ours.json');
    writeFileSync(ours, JSON.stringify({ privateKey: KEY }), { mode: 0o600 });
    assert.equal(loadWallet({ keyFile: ours, env: {}, accountAddress: ACCOUNT }).isAgent, true);
  });

  it('unreadable, broken or key-less key files: UserError naming the file, never its content', () => {
    assert.match(
      userErrorMessage(() => loadWallet({ keyFile: join(dir, 'nope'), env: {} })),
      /Cannot read key file .*nope \(ENOENT\)/,
    );
    assert.match(
      userErrorMessage(() => loadWallet({ keyFile: dir, env: {} })),
      /is not a regular file/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, `{"secret_key": "${KEY}"`, { mode: 0o600 });
    const m = userErrorMessage(() => loadWallet({ keyFile: broken, env: {} }));
    assert.match(m, /starts with "\{" but is not valid JSON/);
    assertNoKey(m);
    const keyless = join(dir, 'keyless.json');
    writeFileSync(keyless, JSON.stringify({ account_address: ACCOUNT }), { mode: 0o600 });
    assert.match(
      userErrorMessage(() => loadWallet({ keyFile: keyless, env: {} })),
      /has no "secret_key"/,
    );
    const garbage = join(dir, 'garbage.txt');
    writeFileSync(garbage, `${KEY}xyz`, { mode: 0o600 });
    const g = userErrorMessage(() => loadWallet({ keyFile: garbage, env: {} }));
    assert.match(g, /Key file .*garbage.txt does not hold a private key/);
    assertNoKey(g);
  });
});
