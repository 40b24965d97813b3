/**
 * POST /exchange of the fake exchange (and WebSocket `post` requests of type "action"): authenticates a signed
 * L1 action as Hyperliquid does, then hands it to OrderEntry.
 *
 *   body {action, nonce, signature:{r,s,v}, vaultAddress?, expiresAfter?}
 *   1. the action is validated and put back in wire key order (canonicalAction), because the signature covers
 *      msgpack(action) whose bytes depend on key order;
 *   2. the signer is recovered from the signature (recoverL1Signer: phantom agent, "b" = testnet by default);
 *      a bad signature recovers some other address, which has no account: "User or API Wallet 0x… does not
 *      exist." — exactly how the real exchange reports it;
 *   3. the signer is the account, or an approved agent (API wallet) of one (`agents`, configured at start);
 *   4. the nonce must be new for that signer (NonceLedger: not among its 100 highest, above their minimum,
 *      within (T − 2 d, T + 1 d));
 *   5. the address-based request allowance is charged; then the action runs.
 * Whole-request failures answer {"status":"err","response":"…"} with HTTP 200, as Hyperliquid does; a body
 * that is not an action at all gets HTTP 422.
 *
 * One exchange clock for signed actions: nonces, expiresAfter and scheduleCancel times are judged against the WALL
 * clock, as Hyperliquid judges them against its block time, which is wall time. Only the replayed market data
 * (books, trades, fills, order timestamps) follows the replay clock. A client that stamps the replay's time
 * instead of Date.now() is refused here as it would be on Hyperliquid.
 */
import {
  actionBatchLength,
  canonicalAction,
  exchangeRequestWeight,
  type L1Action,
} from '../exchange/hyperliquid/actions.ts';
import { NonceLedger } from '../exchange/hyperliquid/nonce.ts';
import { recoverL1Signer, type Signature } from '../exchange/hyperliquid/signing.ts';
import {
  type ApproveBuilderFeeAction,
  type BuilderField,
  MAX_PERP_BUILDER_FEE_TENTHS_BP,
  orderBuilder,
  parseApproveBuilderFee,
  parseSetReferrer,
  percentToTenthsBp,
  recoverApproveBuilderFeeSigner,
  signedForm,
} from './extra-actions.ts';
import type { ExchangeAnswer, OrderEntry } from './order-entry.ts';
import type { RateLimits } from './rate-limits.ts';

export interface ExchangeEndpointOptions {
  entry: OrderEntry;
  limits: RateLimits;
  /** Phantom agent source the signatures must use: false = "b" (testnet; default), true = "a" (mainnet). */
  isMainnet?: boolean;
  /** Approved agent (API wallet) address → the account it trades for. */
  agents?: Readonly<Record<string, string>>;
  wallNowMs?: () => number;
}

export type EndpointReply = { status: number; body: ExchangeAnswer | string };

const DESERIALIZE = 'Failed to deserialize the JSON body into the target type';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseSignature(v: unknown): Signature | null {
  if (!isObject(v)) return null;
  const { r, s } = v;
  const vv = v.v;
  if (typeof r !== 'string' || typeof s !== 'string' || (vv !== 27 && vv !== 28)) return null;
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(r) || !/^0x[0-9a-fA-F]{1,64}$/.test(s)) return null;
  return { r: r as `0x${string}`, s: s as `0x${string}`, v: vv };
}

export class ExchangeEndpoint {
  private readonly ledgers = new Map<string, NonceLedger>();
  private readonly agents = new Map<string, string>();
  /** `${user}:${builder}` → approved max builder fee, tenths of a basis point. */
  private readonly builderApprovals = new Map<string, number>();
  /** account → referral code set by setReferrer. */
  readonly referrers = new Map<string, string>();
  private readonly wallNowMs: () => number;
  readonly counters = { requests: 0, unknownSigner: 0, nonceRejected: 0 };

  constructor(private readonly opts: ExchangeEndpointOptions) {
    this.wallNowMs = opts.wallNowMs ?? Date.now;
    for (const [agent, account] of Object.entries(opts.agents ?? {})) {
      this.agents.set(agent.toLowerCase(), account.toLowerCase());
    }
  }

  /** The account an approved agent (API wallet) trades for, or undefined. */
  agentAccount(agent: string): string | undefined {
    return this.agents.get(agent.toLowerCase());
  }

  /** Approves `agent` (an API wallet) to trade for `account`. */
  approveAgent(agent: string, account: string): void {
    this.agents.set(agent.toLowerCase(), account.toLowerCase());
  }

  /** Rate-limit weight of a raw /exchange body (1 when it is not a valid action). */
  static weightOf(body: unknown): number {
    if (!isObject(body)) return 1;
    const parsed = canonicalAction(body.action);
    return parsed.ok ? exchangeRequestWeight(parsed.action) : 1;
  }

  /** The most `user` approved `builder` to charge, tenths of a basis point (0 = none). */
  maxBuilderFee(user: string, builder: string): number {
    return this.builderApprovals.get(`${user.toLowerCase()}:${builder.toLowerCase()}`) ?? 0;
  }

  /** The reply, or (an order action with entry latency: src/fake-exchange/order-entry.ts) a promise of it. */
  handle(body: unknown): EndpointReply | Promise<EndpointReply> {
    this.counters.requests++;
    if (!isObject(body)) return { status: 422, body: DESERIALIZE };
    const nonce = body.nonce;
    const signature = parseSignature(body.signature);
    const validNonce = typeof nonce === 'number' && Number.isSafeInteger(nonce) && nonce >= 0;
    const approval = parseApproveBuilderFee(body.action);
    if (approval !== null) {
      if (!validNonce) return { status: 422, body: `${DESERIALIZE}: nonce` };
      if (signature === null) return { status: 422, body: `${DESERIALIZE}: signature` };
      return this.approveBuilderFee(approval, nonce as number, signature);
    }
    const referrer = parseSetReferrer(body.action);
    let action: L1Action | null = null;
    let builder: BuilderField | null = null;
    if (referrer === null) {
      const parsed = canonicalAction(body.action);
      if (!parsed.ok) return { status: 422, body: `${DESERIALIZE}: ${parsed.reason}` };
      action = parsed.action;
      const b = orderBuilder(body.action);
      if (b !== null && 'error' in b) return { status: 422, body: `${DESERIALIZE}: builder` };
      builder = b;
    }
    if (!validNonce) return { status: 422, body: `${DESERIALIZE}: nonce` };
    if (signature === null) return { status: 422, body: `${DESERIALIZE}: signature` };
    const vaultAddress = typeof body.vaultAddress === 'string' ? body.vaultAddress.toLowerCase() : null;
    const expiresAfter = typeof body.expiresAfter === 'number' ? body.expiresAfter : null;
    if (vaultAddress !== null && !/^0x[0-9a-f]{40}$/.test(vaultAddress)) {
      return { status: 422, body: `${DESERIALIZE}: vaultAddress` };
    }

    // Recovered over every documented field of the action (the builder included), in the exchange's order.
    const signer = recoverL1Signer(
      action === null ? referrer : signedForm(action, builder),
      nonce as number,
      signature,
      {
        isMainnet: this.opts.isMainnet ?? false,
        vaultAddress,
        expiresAfter,
      },
    );
    if (signer === null) return err('Unable to recover signer.');
    const accountAddress = this.agents.get(signer) ?? signer;
    const account = this.opts.entry.accounts.get(accountAddress);
    if (account === undefined) {
      this.counters.unknownSigner++;
      return err(`User or API Wallet ${signer} does not exist.`);
    }
    // FAKE-ONLY: vaults and sub-accounts are not modelled; say so rather than trade the wrong account.
    if (vaultAddress !== null)
      return err('Vault and sub-account trading is not supported by the fake exchange.');

    const wallNow = this.wallNowMs();
    // FAKE-ONLY wording for the expiry (the condition is Hyperliquid's: the action is refused after expiresAfter).
    if (expiresAfter !== null && expiresAfter < wallNow) {
      return err(`Action expired: expiresAfter ${expiresAfter} is in the past.`);
    }
    const nonceError = this.takeNonce(signer, nonce as number, wallNow);
    if (nonceError !== null) return nonceError;

    if (action === null) {
      // FAKE-ONLY wording: a referrer is set once per account.
      if (this.referrers.has(account.address)) return err('Referrer already set.');
      this.referrers.set(account.address, referrer!.code);
      return { status: 200, body: { status: 'ok', response: { type: 'default' } } };
    }
    if (builder !== null) {
      // Pre-validation (one error for the whole batch). FAKE-ONLY wordings: the docs give the rules, not the texts.
      if (builder.f > MAX_PERP_BUILDER_FEE_TENTHS_BP)
        return err(
          `Builder fee ${builder.f} is above the perp maximum of ${MAX_PERP_BUILDER_FEE_TENTHS_BP}.`,
        );
      if (builder.f > this.maxBuilderFee(account.address, builder.b))
        return err('Builder fee has not been approved.');
    }
    const refusal = this.opts.limits.takeAddress(account, actionBatchLength(action));
    if (refusal !== null) return err(refusal);
    const answer = this.opts.entry.execute(account, action, builder);
    return answer instanceof Promise
      ? answer.then((body) => ({ status: 200, body }))
      : { status: 200, body: answer };
  }

  /** Nonce rule per signer against the wall clock; null when accepted (and recorded). */
  private takeNonce(signer: string, nonce: number, wallNow: number): EndpointReply | null {
    let ledger = this.ledgers.get(signer);
    if (ledger === undefined) this.ledgers.set(signer, (ledger = new NonceLedger()));
    const verdict = ledger.check(nonce, wallNow);
    if (verdict !== 'ok') {
      this.counters.nonceRejected++;
      if (verdict === 'duplicate') return err(`Invalid nonce: duplicate nonce ${nonce}`);
      if (verdict === 'tooLow') return err(`Invalid nonce: nonce too low ${nonce}`);
      // FAKE-ONLY wording for a nonce outside the time window.
      return err(`Invalid nonce: ${nonce} is not within (T - 2 days, T + 1 day) of the exchange time.`);
    }
    ledger.accept(nonce, wallNow);
    return null;
  }

  /** approveBuilderFee: user-signed by the account itself (an agent may not), on this exchange's network. */
  private approveBuilderFee(a: ApproveBuilderFeeAction, nonce: number, signature: Signature): EndpointReply {
    // FAKE-ONLY wordings below (the conditions are the docs').
    if (a.nonce !== nonce) return err('Action nonce does not match the request nonce.');
    const chain = this.opts.isMainnet ? 'Mainnet' : 'Testnet';
    if (a.hyperliquidChain !== chain) return err(`Wrong network: this exchange is ${chain}.`);
    const signer = recoverApproveBuilderFeeSigner(a, signature);
    if (signer === null) return err('Unable to recover signer.');
    const account = this.opts.entry.accounts.get(signer);
    if (account === undefined) {
      this.counters.unknownSigner++;
      return err(`User or API Wallet ${signer} does not exist.`);
    }
    const tenths = percentToTenthsBp(a.maxFeeRate);
    if (tenths === null) return err(`Invalid max fee rate ${a.maxFeeRate}.`);
    const nonceError = this.takeNonce(signer, nonce, this.wallNowMs());
    if (nonceError !== null) return nonceError;
    this.builderApprovals.set(`${account.address}:${a.builder.toLowerCase()}`, tenths);
    return { status: 200, body: { status: 'ok', response: { type: 'default' } } };
  }
}

function err(response: string): EndpointReply {
  return { status: 200, body: { status: 'err', response } };
}
