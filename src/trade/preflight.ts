/**
 * `hlmm preflight [--testnet]`: what live trading needs, checked against the exchange without placing an order,
 * printed as a checklist (✓ / ✗ and what to do). Exit 1 when any check fails.
 *
 * The checks, in order (a check that needs an earlier one's answer is marked ✗ "skipped" when that one failed):
 * 1. key → address: the private key loads (env variable or key file) and gives the signer; the account traded for.
 * 2. the exchange answers /info meta and knows the coin (asset id, size decimals, max leverage).
 * 3. account or agent approval: /info userRole — an agent (API wallet) must be approved for the account; a
 *    direct key's account must exist (a "missing" account has never been funded).
 * 4. balance and margin: /info clearinghouseState — withdrawable USDC covers the margin of the largest allowed
 *    position (risk.max_notional_usdc ÷ leverage) and at least one order is worth the exchange's minimum.
 * 5. leverage: /info activeAssetData — the coin's leverage setting lets the margin hold max_notional_usdc.
 * 6. request budget: /info userRateLimit — requests left (cap − used) ≥ MIN_REQUESTS_LEFT.
 * 7. dead man's switch: a signed scheduleCancel 60 s ahead, then cleared (the action live trading arms at start-up;
 *    it proves the signature, the network and the agent approval at the /exchange endpoint).
 *
 * Market assumptions, stated in the output where a figure depends on them: margin = notional ÷ leverage
 * (Hyperliquid's initial margin for cross positions); Hyperliquid's minimum order value is 10 USDC.
 */

import { z } from 'zod';
import type { HlmmConfig } from '../config/schema.ts';
import { NETWORK_URLS } from '../config/schema.ts';
import { isUserError } from '../core/errors.ts';
import { ExchangeClient } from '../exchange/hyperliquid/exchange-client.ts';
import { HttpTransport } from '../exchange/hyperliquid/http.ts';
import { InfoClient } from '../exchange/hyperliquid/info-client.ts';
import { findAssetRules, MIN_ORDER_VALUE_QUOTE } from '../exchange/hyperliquid/rules.ts';
import { loadWallet, type Wallet } from '../exchange/hyperliquid/wallet.ts';

/**
 * Requests left that preflight asks for: a market maker spends about one action per re-quote; 1 000 is about a
 * quarter of an hour of one modify a second. Hyperliquid grants 10 000 to start and 1 more per 1 USDC traded.
 */
export const MIN_REQUESTS_LEFT = 1_000;
/** How far ahead the round trip schedules the cancel-all, ms (≥ Hyperliquid's 5 s minimum). */
const DMS_PROBE_AHEAD_MS = 60_000;

export interface PreflightCheck {
  name: string;
  ok: boolean;
  /** What was found (figures with units). */
  detail: string;
  /** What to do when it failed. */
  fix: string | null;
}

export interface PreflightOptions {
  config?: string;
  testnet?: boolean;
  ticker?: string;
  apiUrl?: string;
  keyFile?: string;
  account?: string;
  json?: boolean;
}

const userRoleSchema = z.object({
  role: z.string(),
  data: z.object({ user: z.string().optional(), master: z.string().optional() }).optional(),
});

const activeAssetDataSchema = z.object({
  leverage: z.object({ type: z.string(), value: z.number() }),
  maxTradeSzs: z.array(z.string()).optional(),
});

/** Runs every check; never throws for what the exchange says (that becomes a ✗), only for bugs. */
export async function preflightChecks(
  cfg: HlmmConfig,
  o: PreflightOptions,
  env = process.env,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const add = (name: string, ok: boolean, detail: string, fix: string | null = null) => {
    checks.push({ name, ok, detail, fix: ok ? null : fix });
    return ok;
  };
  const skip = (name: string, because: string) =>
    add(name, false, `skipped: ${because}`, `fix "${because}" first`);
  const network: 'mainnet' | 'testnet' = o.testnet ? 'testnet' : cfg.exchange.network;
  const apiUrl = o.apiUrl ?? (o.testnet ? NETWORK_URLS.testnet.api : cfg.exchange.api_url);
  const ticker = o.ticker ?? cfg.ticker;

  // 1. key → address
  let wallet: Wallet | null = null;
  try {
    wallet = loadWallet({
      keyFile: o.keyFile ?? cfg.exchange.private_key_file ?? undefined,
      envVar: cfg.exchange.private_key_env,
      accountAddress: o.account ?? cfg.exchange.account_address ?? undefined,
      env,
      warn: () => {},
    });
    add(
      'key → address',
      true,
      wallet.isAgent
        ? `signer ${wallet.address} (API/agent wallet) trading for account ${wallet.accountAddress}`
        : `signer and account ${wallet.address}`,
    );
  } catch (err) {
    add(
      'key → address',
      false,
      isUserError(err) ? (err as Error).message : `the key does not load: ${errText(err)}`,
      `set ${cfg.exchange.private_key_env} (or exchange.private_key_file / --key-file) to the wallet's private key`,
    );
  }

  // 2. the exchange and the coin's meta
  const transport = new HttpTransport({ baseUrl: apiUrl });
  const info = new InfoClient({ transport, accountAddress: wallet?.accountAddress });
  let rules: { asset: number; szDecimals: number; maxLeverage: number } | null = null;
  let metaAnswered = false;
  try {
    const meta = await info.meta();
    metaAnswered = true;
    const r = findAssetRules(meta.universe, ticker);
    if (r === undefined) {
      const known = meta.universe.slice(0, 8).map((a) => a.name);
      add(
        `${ticker} meta`,
        false,
        `${network} at ${apiUrl} lists no perp "${ticker}" (${meta.universe.length} perps, e.g. ${known.join(', ')})`,
        'set "ticker" (or --ticker) to the perp exactly as Hyperliquid spells it',
      );
    } else {
      const asset = meta.universe.findIndex((a) => a.name === r.name);
      rules = { asset, szDecimals: r.szDecimals, maxLeverage: r.maxLeverage };
      add(
        `${ticker} meta`,
        true,
        `${network} at ${apiUrl}: asset ${asset}, size decimals ${r.szDecimals}, max leverage ${r.maxLeverage}×`,
      );
    }
  } catch (err) {
    add(
      `${ticker} meta`,
      false,
      `${apiUrl} did not answer /info meta: ${errText(err)}`,
      `check exchange.api_url / --api-url and the network (${network})`,
    );
  }
  // 3. account or agent approval
  let accountOk = false;
  if (wallet === null) skip('account / agent approval', 'key → address');
  else if (!metaAnswered) skip('account / agent approval', `${ticker} meta`);
  else {
    try {
      const role = await info.request(
        { type: 'userRole', user: wallet.address.toLowerCase() },
        userRoleSchema,
      );
      if (wallet.isAgent) {
        const approvedFor = role.data?.user?.toLowerCase();
        accountOk = add(
          'account / agent approval',
          role.role === 'agent' && approvedFor === wallet.accountAddress.toLowerCase(),
          role.role === 'agent'
            ? `API wallet ${wallet.address} is approved for ${approvedFor}`
            : `API wallet ${wallet.address} is not an approved agent (role "${role.role}")`,
          `approve ${wallet.address} as an API wallet of ${wallet.accountAddress} (app.hyperliquid.xyz → API), or set exchange.account_address / --account to the account it was approved for`,
        );
      } else {
        accountOk = add(
          'account / agent approval',
          role.role === 'user',
          role.role === 'missing'
            ? `account ${wallet.address} does not exist on ${network} (never funded)`
            : `account ${wallet.address}: role "${role.role}"`,
          role.role === 'agent'
            ? `this key is an API wallet: set exchange.account_address / --account to the account it trades for`
            : `deposit USDC to ${wallet.address} on ${network} first`,
        );
      }
    } catch (err) {
      add(
        'account / agent approval',
        false,
        `/info userRole failed: ${errText(err)}`,
        'check the network and try again',
      );
    }
  }

  // 4. balance and margin, 5. leverage
  const maxNotional = cfg.risk.max_notional_usdc;
  let withdrawable = Number.NaN;
  let accountValue = Number.NaN;
  if (wallet === null) skip('balance and margin', 'key → address');
  else if (!metaAnswered) skip('balance and margin', `${ticker} meta`);
  else {
    try {
      const state = await info.clearinghouseState(wallet.accountAddress);
      accountValue = Number(state.marginSummary.accountValue);
      withdrawable = Number(state.withdrawable);
      const used = Number(state.marginSummary.totalMarginUsed);
      const ok = withdrawable >= MIN_ORDER_VALUE_QUOTE && accountValue > 0;
      add(
        'balance and margin',
        ok,
        `account value ${fmt(accountValue)} USDC, withdrawable ${fmt(withdrawable)} USDC, margin used ${fmt(used)} USDC`,
        `deposit USDC to ${wallet.accountAddress} on ${network}: at least ${MIN_ORDER_VALUE_QUOTE} USDC free (one minimum order), better max_notional_usdc ÷ leverage`,
      );
    } catch (err) {
      add(
        'balance and margin',
        false,
        `/info clearinghouseState failed: ${errText(err)}`,
        'check the account address',
      );
    }
  }
  if (wallet === null) skip('leverage', 'key → address');
  else if (rules === null) skip('leverage', `${ticker} meta`);
  else {
    try {
      const a = await info.request(
        { type: 'activeAssetData', user: wallet.accountAddress.toLowerCase(), coin: ticker },
        activeAssetDataSchema,
      );
      const lev = a.leverage.value;
      const margin = maxNotional / lev;
      const ok = Number.isFinite(withdrawable) ? withdrawable + 1e-9 >= margin : false;
      add(
        'leverage',
        ok,
        `${a.leverage.type} ${lev}× on ${ticker} (max ${rules.maxLeverage}×): risk.max_notional_usdc ${fmt(maxNotional)} USDC needs ${fmt(margin)} USDC of margin (notional ÷ leverage), ${fmt(withdrawable)} USDC free`,
        `deposit ${fmt(Math.max(0, margin - (Number.isFinite(withdrawable) ? withdrawable : 0)))} USDC more, raise ${ticker}'s leverage on Hyperliquid (at most ${rules.maxLeverage}×), or lower risk.max_notional_usdc`,
      );
    } catch (err) {
      add(
        'leverage',
        false,
        `/info activeAssetData failed: ${errText(err)}`,
        'check the coin and the account',
      );
    }
  }

  // 6. request budget
  if (wallet === null) skip('request budget', 'key → address');
  else if (!metaAnswered) skip('request budget', `${ticker} meta`);
  else {
    try {
      const rl = await info.userRateLimit(wallet.accountAddress);
      const left = rl.nRequestsCap - rl.nRequestsUsed;
      add(
        'request budget',
        left >= MIN_REQUESTS_LEFT,
        `${fmtInt(left)} requests left (used ${fmtInt(rl.nRequestsUsed)} of ${fmtInt(rl.nRequestsCap)}; traded volume ${fmt(Number(rl.cumVlm))} USDC)`,
        `at least ${fmtInt(MIN_REQUESTS_LEFT)} requests are needed: the cap grows by 1 per 1 USDC traded (or buy requests with reserveRequestWeight)`,
      );
    } catch (err) {
      add(
        'request budget',
        false,
        `/info userRateLimit failed: ${errText(err)}`,
        'check the account address',
      );
    }
  }

  // 7. dead man's switch round trip
  if (wallet === null) skip("dead man's switch", 'key → address');
  else if (!accountOk) skip("dead man's switch", 'account / agent approval');
  else {
    const exchange = new ExchangeClient({ transport, wallet, isMainnet: network === 'mainnet' });
    try {
      await exchange.scheduleCancel(Date.now() + DMS_PROBE_AHEAD_MS);
      try {
        await exchange.scheduleCancel();
        add(
          "dead man's switch",
          true,
          `scheduleCancel ${DMS_PROBE_AHEAD_MS / 1000} s ahead accepted, then cleared (signed for ${network})`,
        );
      } catch (err) {
        add(
          "dead man's switch",
          false,
          `scheduleCancel was set but clearing it failed: ${errText(err)} — it will cancel every open order of the account within ${DMS_PROBE_AHEAD_MS / 1000} s`,
          'run preflight again; until cleared, orders of this account are cancelled at that time',
        );
      }
    } catch (err) {
      add(
        "dead man's switch",
        false,
        `scheduleCancel refused: ${errText(err)}`,
        /volume/i.test(errText(err))
          ? 'Hyperliquid arms the switch only after some traded volume: trade a little by hand first, or run hlmm trade --dms-s 0 (no switch; not advised)'
          : `check that the key signs for ${network} (exchange.network / --testnet) and the account is approved`,
      );
    }
  }
  return checks;
}

/** The checklist as printed: one line per check, "→ what to do" under a ✗. */
export function formatChecklist(checks: readonly PreflightCheck[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`    → ${c.fix}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(
    failed === 0
      ? `All ${checks.length} checks passed; no order was placed.`
      : `${failed} of ${checks.length} checks failed; no order was placed.`,
  );
  return `${lines.join('\n')}\n`;
}

export async function runPreflight(o: PreflightOptions): Promise<void> {
  const { loadConfig } = await import('../config/load-config.ts');
  const cfg = loadConfig(o.config);
  const checks = await preflightChecks(cfg, o);
  process.stdout.write(o.json ? `${JSON.stringify({ checks })}\n` : formatChecklist(checks));
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
