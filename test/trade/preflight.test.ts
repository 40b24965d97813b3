/**
 * hlmm preflight against the fake exchange: every check ✓ for a funded account (direct key and approved agent),
 * ✗ with what to do for an unfunded account, an unapproved agent and an unknown coin; never an order placed; the
 * CLI exits 1 on a ✗ and never prints the key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.ts';
import { Wallet } from '../../src/exchange/hyperliquid/wallet.ts';
import { type FakeExchange, startFakeExchange } from '../../src/fake-exchange/server.ts';
import { formatChecklist, preflightChecks } from '../../src/trade/preflight.ts';
import { spawnCli } from '../support/cli-process.ts';

const H = 1_756_771_200_000;
const newKey = () => `0x${randomBytes(32).toString('hex')}`;
const addressOf = (key: string) => Wallet.fromPrivateKey(key).address.toLowerCase();

describe('hlmm preflight', () => {
  let fake: FakeExchange;
  const funded = newKey();
  const agent = newKey();
  const strayAgent = newKey();
  const unfunded = newKey();
  const cfg = configSchema.parse({ exchange: { network: 'testnet' } });
  before(async () => {
    fake = await startFakeExchange({
      dataDir: 'data/sample',
      symbols: ['BTC'],
      port: 0,
      speed: 1,
      fromMs: H - 1_000,
      idleTimeoutMs: 0,
      trading: {
        accounts: [{ address: addressOf(funded), usdc: 1000 }],
        agents: { [addressOf(agent)]: addressOf(funded) },
      },
    });
  });
  after(async () => {
    await fake.close();
  });
  const run = (key: string, o: { ticker?: string; account?: string } = {}) =>
    preflightChecks(cfg, { apiUrl: fake.url, testnet: true, ...o }, { HLMM_PRIVATE_KEY: key });

  it('a funded account: every check ✓, and no order was placed', async () => {
    const checks = await run(funded);
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok]),
      [
        ['key → address', true],
        ['BTC meta', true],
        ['account / agent approval', true],
        ['balance and margin', true],
        ['leverage', true],
        ['request budget', true],
        ["dead man's switch", true],
      ],
      formatChecklist(checks),
    );
    assert.equal(checks[0].detail, `signer and account ${Wallet.fromPrivateKey(funded).address}`);
    assert.match(checks[1].detail, /asset 0, size decimals 5, max leverage 50×/);
    assert.match(checks[3].detail, /^account value 1,000 USDC, withdrawable 1,000 USDC, margin used 0 USDC$/);
    // Default max_notional_usdc 1 000 at the account's 20× (the fake's default leverage) = 50 USDC of margin.
    assert.match(checks[4].detail, /^cross 20× on BTC \(max 50×\).* needs 50 USDC of margin/);
    assert.match(checks[6].detail, /scheduleCancel 60 s ahead accepted, then cleared \(signed for testnet\)/);
    assert.equal([...fake.trading.orders.values()].length, 0, 'no order placed');
    const text = formatChecklist(checks);
    assert.match(text, /All 7 checks passed; no order was placed\.\n$/);
    assert.ok(!text.includes(funded.slice(2)), 'the key is never printed');
  });

  it('an approved agent (API wallet) passes for its account', async () => {
    const checks = await run(agent, { account: addressOf(funded) });
    assert.ok(
      checks.every((c) => c.ok),
      formatChecklist(checks),
    );
    assert.match(checks[2].detail, /is approved for 0x/);
  });

  it('an agent that was never approved: ✗ with what to do; the dead man’s switch is not tried', async () => {
    const checks = await run(strayAgent, { account: addressOf(funded) });
    const approval = checks.find((c) => c.name === 'account / agent approval');
    assert.equal(approval?.ok, false);
    assert.match(approval?.fix ?? '', /^approve 0x[0-9a-fA-F]{40} as an API wallet of 0x/);
    assert.equal(checks.at(-1)?.detail, 'skipped: account / agent approval');
  });

  it('an unfunded account: ✗ account, balance and leverage, each with what to do', async () => {
    const checks = await run(unfunded);
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    assert.equal(byName['key → address'].ok, true);
    assert.equal(byName['account / agent approval'].ok, false);
    assert.match(byName['account / agent approval'].detail, /does not exist on testnet \(never funded\)/);
    assert.match(byName['account / agent approval'].fix ?? '', /^deposit USDC to 0x/);
    assert.equal(byName['balance and margin'].ok, false);
    assert.match(byName['balance and margin'].detail, /^account value 0 USDC/);
    assert.equal(byName.leverage.ok, false);
    assert.match(formatChecklist(checks), /checks failed; no order was placed\.\n$/);
  });

  it('an unknown coin: ✗ meta with the perps the exchange lists; leverage skipped', async () => {
    const checks = await run(funded, { ticker: 'NOPE' });
    assert.equal(checks[1].name, 'NOPE meta');
    assert.equal(checks[1].ok, false);
    assert.match(checks[1].detail, /lists no perp "NOPE" \(\d+ perps, e\.g\. BTC/);
    assert.equal(checks.find((c) => c.name === 'leverage')?.detail, 'skipped: NOPE meta');
  });

  it('the CLI prints the checklist and exits 1 on a ✗ (no key set)', async () => {
    const cli = spawnCli(['preflight', '--testnet', '--api-url', fake.url], { HLMM_PRIVATE_KEY: '' });
    const code = await cli.exit;
    assert.equal(code, 1, cli.err());
    assert.match(cli.out(), /^✗ key → address: No private key: set HLMM_PRIVATE_KEY/);
    assert.match(cli.out(), /✓ BTC meta: testnet at http/);
    assert.match(cli.out(), /\n {4}→ set HLMM_PRIVATE_KEY/);
  });
});
