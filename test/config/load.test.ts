import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  apiServerExposureProblem,
  closestKey,
  defaultConfig,
  loadConfig,
  parseConfig,
  readPrivateKey,
  redactedConfig,
  strategySettings,
} from '../../src/config/index.ts';
import { closestKey as closestKeyDirect } from '../../src/config/load-config.ts';
import { UserError } from '../../src/core/errors.ts';
import { strategyConfig } from '../../src/strategy/config.ts';
import { perpInstrument } from '../support/instruments.ts';

const dir = mkdtempSync(join(tmpdir(), 'hlmm-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RAW_KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe512961708279f3e2b1a6b0c3d7e8f9'}`;
const noEnv = { env: {} };

/** The UserError message parseConfig gives for `raw`, labelled config.json. */
function errorFor(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(raw, 'config.json', { env });
  } catch (err) {
    assert.ok(err instanceof UserError, `not a UserError: ${err}`);
    return err.message;
  }
  assert.fail('expected a UserError');
}

describe('defaults and the example', () => {
  test('{} is a paper-trading BTC config with every default filled in', () => {
    const c = defaultConfig();
    assert.equal(c.ticker, 'BTC');
    assert.equal(c.dry_run, true);
    assert.equal(c.dry_run_wallet, 1000);
    assert.equal(c.params_file, 'params_BTC.json');
    assert.equal(c.db_file, 'user_data/hlmm.sqlite');
    assert.deepEqual(c.strategy.horizon, { kind: 'end-of-day-utc' });
    assert.equal(c.strategy.model, 'as');
    assert.equal(c.risk.max_order_size, c.strategy.order_size);
    assert.equal(c.exchange.api_url, 'https://api.hyperliquid.xyz');
    assert.equal(c.exchange.ws_url, 'wss://api.hyperliquid.xyz/ws');
    assert.equal(c.exchange.private_key_env, 'HLMM_PRIVATE_KEY');
    assert.deepEqual(
      [c.api_server.listen_ip_address, c.api_server.listen_port, c.api_server.enabled],
      ['127.0.0.1', 3004, true],
    );
    assert.deepEqual(c.api_server.ws_token, []);
  });

  test('config/config.example.json loads as a paper BTC config', () => {
    const c = loadConfig(new URL('../../config/config.example.json', import.meta.url).pathname, noEnv);
    assert.equal(c.ticker, 'BTC');
    assert.equal(c.dry_run, true);
    assert.equal(c.exchange.network, 'mainnet');
    assert.equal(c.risk.max_order_size, 0.002);
  });

  test('derived values: testnet URLs, params file per ticker, a rolling horizon, ws_token as a list', () => {
    const c = parseConfig(
      {
        ticker: 'ETH',
        exchange: { network: 'testnet' },
        strategy: { horizon: 3600 },
        api_server: { ws_token: 'abc' },
      },
      'c.json',
      noEnv,
    );
    assert.equal(c.params_file, 'params_ETH.json');
    assert.equal(c.exchange.api_url, 'https://api.hyperliquid-testnet.xyz');
    assert.equal(c.exchange.ws_url, 'wss://api.hyperliquid-testnet.xyz/ws');
    assert.deepEqual(c.strategy.horizon, { kind: 'rolling', tauS: 3600 });
    assert.deepEqual(c.api_server.ws_token, ['abc']);
    const eod = parseConfig(
      { strategy: { horizon: 'eod' }, exchange: { api_url: 'http://127.0.0.1:9' } },
      'c',
      noEnv,
    );
    assert.deepEqual(eod.strategy.horizon, { kind: 'end-of-day-utc' });
    assert.equal(eod.exchange.api_url, 'http://127.0.0.1:9');
  });
});

describe('one sentence per bad key', () => {
  test('a bad value names the key path, what it must be, and what it got', () => {
    assert.equal(
      errorFor({ api_server: { listen_port: 'abc' } }),
      'config.json: "api_server.listen_port" must be an integer 0–65535, got "abc".',
    );
    assert.equal(
      errorFor({ api_server: { listen_port: 70000 } }),
      'config.json: "api_server.listen_port" must be an integer 0–65535, got 70000.',
    );
    assert.equal(
      errorFor({ strategy: { model: 'bs' } }),
      'config.json: "strategy.model" must be one of "as", "glft", got "bs".',
    );
    assert.equal(
      errorFor({ strategy: { horizon: -5 } }),
      'config.json: "strategy.horizon" must be "end-of-day-utc" (or "eod") or a number of seconds greater than 0 for a rolling horizon, got -5.',
    );
    assert.equal(errorFor({ risk: 5 }), 'config.json: "risk" must be an object ({ … }), got 5.');
    assert.equal(errorFor([1]), 'config.json: must be a JSON object ({ … }) at the top level.');
    assert.equal(
      errorFor({ exchange: { account_address: '0x12' } }),
      'config.json: "exchange.account_address" must be an address: 0x followed by 40 hex digits, got "0x12".',
    );
  });

  test('an unknown key suggests the nearest known one at the same level', () => {
    assert.equal(
      errorFor({ risk: { max_postion: 3 } }),
      'config.json: unknown key "risk.max_postion" (did you mean "risk.max_position_lots"?).',
    );
    assert.equal(errorFor({ tickr: 'ETH' }), 'config.json: unknown key "tickr" (did you mean "ticker"?).');
    assert.match(
      errorFor({ fees: { zzzzzz: 1 } }),
      /unknown key "fees.zzzzzz" \(known keys here: maker_rate, taker_rate\)/,
    );
    assert.equal(closestKey('listen_prot', ['listen_port', 'username']), 'listen_port');
    assert.equal(closestKeyDirect('qqqq', ['listen_port', 'username']), null);
  });

  test('several problems: the first, and how many more', () => {
    assert.equal(
      errorFor({ api_server: { enabled: 'yes', listen_port: 1.5 } }),
      'config.json: "api_server.enabled" must be true or false, got "yes" (and 1 more problem after this one).',
    );
  });

  test('a secret given the wrong type is not echoed', () => {
    assert.equal(
      errorFor({ api_server: { password: 123456 } }),
      'config.json: "api_server.password" must be a string, got a number.',
    );
  });

  test('rules joining keys', () => {
    assert.match(
      errorFor({ strategy: { max_position_lots: 20 } }),
      /"strategy.max_position_lots" \(20\) must not exceed "risk.max_position_lots" \(10\)/,
    );
    assert.match(
      errorFor({ strategy: { order_size: 0.01 }, risk: { max_order_size: 0.005 } }),
      /"risk.max_order_size" \(0.005\) is smaller than "strategy.order_size" \(0.01\)/,
    );
    assert.match(
      errorFor({ dry_run: false }),
      /"exchange.account_address" must be set .* when "dry_run" is false/,
    );
    const live = parseConfig(
      { dry_run: false, exchange: { account_address: `0x${'ab'.repeat(20)}` } },
      'c.json',
      noEnv,
    );
    assert.equal(live.dry_run, false);
  });
});

describe('private keys never in the config', () => {
  test('a raw key anywhere is refused with a sentence pointing to an environment variable, without echoing it', () => {
    for (const raw of [
      { exchange: { private_key_env: RAW_KEY } },
      { exchange: { private_key_file: RAW_KEY.slice(2) } },
      { private_key: RAW_KEY },
      { api_server: { CORS_origins: [RAW_KEY] } },
      // Spellings the old detector missed: an upper-case prefix, and a key glued inside a longer value.
      { bot_name: `0X${RAW_KEY.slice(2).toUpperCase()}` },
      { bot_name: `my-bot-${RAW_KEY}-v2` },
      { exchange: { private_key_file: `/keys/k${RAW_KEY.slice(2)}.txt` } },
      { api_server: { CORS_origins: [`http://h/?k=${RAW_KEY.slice(2)}`] } },
    ]) {
      const message = errorFor(raw);
      assert.match(message, /looks like a raw private key; never put a key in the config/);
      assert.match(message, /environment variable/);
      assert.ok(!message.includes(RAW_KEY.slice(2, 20)), message);
    }
    assert.match(errorFor({ private_key: RAW_KEY }), /^config.json: "private_key" looks like/);
  });

  test('a 64-hex JWT secret is allowed (openssl rand -hex 32 makes one)', () => {
    const c = parseConfig({ api_server: { jwt_secret_key: RAW_KEY.slice(2) } }, 'c.json', noEnv);
    assert.equal(c.api_server.jwt_secret_key, RAW_KEY.slice(2));
  });

  test('readPrivateKey: from the named environment variable, else the key file; errors never show the value', () => {
    const exchange = { private_key_env: 'MY_KEY', private_key_file: null };
    assert.equal(
      readPrivateKey(exchange, { MY_KEY: ` ${RAW_KEY.toUpperCase().replace('0X', '')}\n` }).privateKey,
      RAW_KEY,
    );
    assert.equal(readPrivateKey(exchange, { MY_KEY: RAW_KEY }).source, 'environment variable MY_KEY');
    assert.throws(
      () => readPrivateKey(exchange, {}),
      /live trading needs a private key: set the environment variable MY_KEY/,
    );
    const typo = `${RAW_KEY.slice(0, -1)}z`;
    assert.throws(
      () => readPrivateKey(exchange, { MY_KEY: typo }),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes('the environment variable MY_KEY does not hold a private key') &&
        !e.message.includes(typo.slice(2, 20)),
    );

    const file = join(dir, 'key.txt');
    writeFileSync(file, `${RAW_KEY}\n`);
    chmodSync(file, 0o600);
    const fromFile = readPrivateKey({ private_key_env: 'MY_KEY', private_key_file: file }, {});
    assert.deepEqual(fromFile, { privateKey: RAW_KEY, source: `key file ${file}`, warning: null });
    chmodSync(file, 0o644);
    assert.match(
      readPrivateKey({ private_key_env: 'MY_KEY', private_key_file: file }, {}).warning!,
      /chmod 600/,
    );
    assert.throws(
      () => readPrivateKey({ private_key_env: 'MY_KEY', private_key_file: join(dir, 'nope') }, {}),
      /cannot read the key file .*nope.* \(ENOENT\)/,
    );
  });
});

describe('secrets: environment overrides and redaction', () => {
  test('HLMM_API_* variables override the file and are validated like it', () => {
    const c = parseConfig({ api_server: { password: 'in-file' } }, 'c.json', {
      env: {
        HLMM_API_PASSWORD: 'from-env',
        HLMM_API_JWT_SECRET_KEY: 's3cret-s3cret-s3cret',
        HLMM_API_USERNAME: 'ops',
      },
    });
    assert.equal(c.api_server.password, 'from-env');
    assert.equal(c.api_server.jwt_secret_key, 's3cret-s3cret-s3cret');
    assert.equal(c.api_server.username, 'ops');
    assert.deepEqual(parseConfig({}, 'c', { env: { HLMM_API_WS_TOKEN: 'tok' } }).api_server.ws_token, [
      'tok',
    ]);
    // An empty variable does not erase the file's value.
    assert.equal(
      parseConfig({ api_server: { password: 'x' } }, 'c', { env: { HLMM_API_PASSWORD: '' } }).api_server
        .password,
      'x',
    );
  });

  test('redactedConfig hides the password, JWT secret and tokens, and leaves the config itself intact', () => {
    const c = parseConfig(
      { api_server: { password: 'hunter2', jwt_secret_key: 'jwt-secret-value', ws_token: ['t1', 't2'] } },
      'c.json',
      noEnv,
    );
    const r = redactedConfig(c);
    assert.equal(r.api_server.password, '[redacted]');
    assert.equal(r.api_server.jwt_secret_key, '[redacted]');
    assert.deepEqual(r.api_server.ws_token, ['[redacted]', '[redacted]']);
    const dump = JSON.stringify(r);
    for (const secret of ['hunter2', 'jwt-secret-value', '"t1"', '"t2"'])
      assert.ok(!dump.includes(secret), secret);
    assert.equal(r.api_server.username, 'hlmm');
    assert.equal(r.exchange.private_key_env, 'HLMM_PRIVATE_KEY');
    assert.equal(c.api_server.password, 'hunter2');
    // Unset secrets stay visibly unset.
    assert.equal(redactedConfig(defaultConfig()).api_server.password, '');
  });

  test('an API reachable from other machines needs a real password and JWT secret', () => {
    const open = { api_server: { listen_ip_address: '0.0.0.0' } };
    assert.match(errorFor(open), /"api_server.password" must be set to a non-default value .* is 0.0.0.0/);
    assert.match(
      errorFor({ api_server: { ...open.api_server, password: 'freqtrade' } }),
      /"api_server.password" must be set to a non-default value/,
    );
    assert.match(
      errorFor(open, { HLMM_API_PASSWORD: 'a-long-pass-42' }),
      /"api_server.jwt_secret_key" must be at least 32 random characters/,
    );
    // Weak values that used to pass off loopback: a one-letter password, a 16-digit JWT secret, a one-letter
    // ws_token, a JWT secret equal to the password.
    assert.match(errorFor(open, { HLMM_API_PASSWORD: 'a' }), /"api_server.password" must be set/);
    assert.match(
      errorFor(open, { HLMM_API_PASSWORD: 'a-long-pass-42', HLMM_API_JWT_SECRET_KEY: '1234567890123456' }),
      /"api_server.jwt_secret_key" must be at least 32/,
    );
    const strongSecret = 'f3c1a9e07b52d8846e1f0a3b9c7d2e5a';
    assert.match(
      errorFor(open, { HLMM_API_PASSWORD: strongSecret, HLMM_API_JWT_SECRET_KEY: strongSecret }),
      /"api_server.jwt_secret_key" .* different from the password/,
    );
    assert.match(
      errorFor(open, {
        HLMM_API_PASSWORD: 'a-long-pass-42',
        HLMM_API_JWT_SECRET_KEY: strongSecret,
        HLMM_API_WS_TOKEN: 'a',
      }),
      /"api_server.ws_token" must be at least 16/,
    );
    const ok = parseConfig(open, 'c', {
      env: { HLMM_API_PASSWORD: 'a-long-pass-42', HLMM_API_JWT_SECRET_KEY: strongSecret },
    });
    assert.equal(ok.api_server.listen_ip_address, '0.0.0.0');
    // Off, or on loopback: no demand.
    parseConfig({ api_server: { ...open.api_server, enabled: false } }, 'c', noEnv);
    parseConfig({ api_server: { ...open.api_server, listen_port: 0 } }, 'c', noEnv);
    assert.equal(apiServerExposureProblem('127.0.0.1', '', ''), null);
    assert.equal(apiServerExposureProblem('::1', '', ''), null);
    assert.notEqual(apiServerExposureProblem('192.168.1.5', '', ''), null);
  });
});

describe('files', () => {
  test('a missing file and invalid JSON are one sentence each, JSON errors with line and column', () => {
    assert.throws(
      () => loadConfig(join(dir, 'absent.json')),
      (e: unknown) => e instanceof UserError && /config file ".*absent.json" not found/.test(e.message),
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "ticker": "BTC",\n  "dry_run": tru\n}\n');
    assert.throws(
      () => loadConfig(bad, noEnv),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.startsWith(`${bad} is not valid JSON (`) &&
        / at line 3, column \d+/.test(e.message),
    );
  });

  test('the file path labels error sentences', () => {
    const f = join(dir, 'cfg.json');
    writeFileSync(f, JSON.stringify({ risk: { stale_data_s: 0 } }));
    assert.throws(() => loadConfig(f, noEnv), {
      message: `${f}: "risk.stale_data_s" must be a number of seconds greater than 0, got 0.`,
    });
    assert.equal(readFileSync(f, 'utf8').includes('stale'), true);
  });
});

describe('strategy settings', () => {
  test('the config keys map onto the strategy config, and the strategy accepts them', () => {
    const c = parseConfig(
      {
        strategy: {
          model: 'glft',
          mode: 'long-only',
          order_size: 0.01,
          max_position_lots: 3,
          min_spread_bps: 4,
        },
        fees: { maker_rate: 0.0001 },
      },
      'c.json',
      noEnv,
    );
    const s = strategyConfig({ ...strategySettings(c), instrument: perpInstrument(4, 'ETH') });
    assert.equal(s.model, 'glft');
    assert.equal(s.mode, 'long-only');
    assert.equal(s.orderSizeBase, 0.01);
    assert.equal(s.maxPositionLots, 3);
    assert.equal(s.minSpreadBps, 4);
    assert.equal(s.makerFeeRate, 0.0001);
    assert.equal(s.repriceAfterMs, 15_000);
    assert.equal(s.stakeQuote, 20);
    assert.deepEqual(s.horizon, { kind: 'end-of-day-utc' });
    assert.equal(s.instrument.szDecimals, 4);
  });
});
