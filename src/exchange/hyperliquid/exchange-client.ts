/**
 * POST /exchange: signs L1 actions with the wallet and returns one status per order, so a batch in which some
 * orders are rejected never loses track of the others (each status carries its index and the cloid we sent).
 *
 * Why our own client rather than @nktkas/hyperliquid's ExchangeClient: that client throws ApiRequestError for the
 * whole batch when any order in it fails (the accepted orders' oids only survive inside `error.response`); it
 * needs a viem/ethers wallet object; and its rate limiting is not ours. Signing is cross-checked against its
 * `signL1Action` in test/exchange/hyperliquid/signing.test.ts, so we keep its correctness without its control flow.
 *
 * Answers handled (Hyperliquid docs, exchange endpoint):
 *   {"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid"}} | {"filled":{…}} |
 *     {"error":"…"} | "waitingForFill" | …]}}}           order, batchModify
 *   {"status":"ok","response":{"type":"cancel","data":{"statuses":["success" | {"error":"…"}]}}}   cancel(ByCloid)
 *   {"status":"ok","response":{"type":"default"}}        modify, scheduleCancel, updateLeverage
 *   {"status":"err","response":"…"}                      whole action refused → ActionRejectedError
 */
import { z } from 'zod';
import {
  batchModifyAction,
  cancelAction,
  cancelByCloidAction,
  exchangeRequestWeight,
  type L1Action,
  modifyAction,
  type OrderSpec,
  orderAction,
  scheduleCancelAction,
  updateLeverageAction,
} from './actions.ts';
import { ActionRejectedError, RateLimitedError, ResponseShapeError } from './errors.ts';
import type { HttpTransport } from './http.ts';
import { NonceManager } from './nonce.ts';
import type { Hex, L1SigningOptions, Signature } from './signing.ts';

/** What the client needs from a wallet (Wallet in wallet.ts; a test double elsewhere). */
export interface L1Signer {
  readonly address: Hex;
  signL1Action(action: unknown, nonce: number, opts: L1SigningOptions): Signature;
}

/** The outcome of one order of an order/batchModify action, in request order. */
export type HlOrderStatus = { index: number; cloid?: string } & (
  | { kind: 'resting'; oid: number }
  | { kind: 'filled'; oid: number; totalSz: string; avgPx: string }
  | { kind: 'error'; message: string }
  | { kind: 'waitingForFill' }
  | { kind: 'waitingForTrigger' }
  /** The exchange acknowledged without per-order detail (a modify answered with type "default"). */
  | { kind: 'accepted' }
  /** The answer had fewer statuses than orders: reconcile this order through /info. */
  | { kind: 'unknown' }
);

/** The outcome of one cancel, in request order. */
export type CancelStatus = { index: number } & (
  | { kind: 'success' }
  | { kind: 'error'; message: string }
  | { kind: 'unknown' }
);

const restingOrFilled = z.union([
  z.object({ resting: z.object({ oid: z.number().int(), cloid: z.string().optional() }) }),
  z.object({
    filled: z.object({
      totalSz: z.string(),
      avgPx: z.string(),
      oid: z.number().int(),
      cloid: z.string().optional(),
    }),
  }),
  z.object({ error: z.string() }),
  z.enum(['waitingForFill', 'waitingForTrigger', 'success']),
]);
type RawStatus = z.infer<typeof restingOrFilled>;

const exchangeAnswerSchema = z.union([
  z.object({ status: z.literal('err'), response: z.string() }),
  z.object({
    status: z.literal('ok'),
    response: z.union([
      z.object({ type: z.enum(['order', 'cancel']), data: z.object({ statuses: z.array(restingOrFilled) }) }),
      // Any other type ("default" for modify, scheduleCancel, updateLeverage); order/cancel must match above.
      z.object({
        type: z
          .string()
          .refine((t) => t !== 'order' && t !== 'cancel', 'order/cancel answer without statuses'),
        data: z.unknown().optional(),
      }),
    ]),
  }),
]);
export type HlExchangeAnswer = z.infer<typeof exchangeAnswerSchema>;

/** Body texts of Hyperliquid's address-based limit ("Too many cumulative requests sent …") and similar. */
const RATE_LIMIT_TEXT = /too many (cumulative )?requests|rate limit/i;
/** Past its address cap an account may still send one request per 10 s (Hyperliquid docs). */
const ADDRESS_LIMIT_COOLDOWN_MS = 10_000;

export interface ExchangeClientOptions {
  transport: HttpTransport;
  wallet: L1Signer;
  /** Phantom agent source "a" (mainnet) or "b" (testnet and the fake exchange's default). */
  isMainnet: boolean;
  /** Trade for a vault or sub-account. */
  vaultAddress?: string;
  /** When set, every action carries expiresAfter = now + this many ms (stale actions are refused by the exchange). */
  expiresAfterMs?: number;
  /** One per signing key; shared if several clients sign with the same key. */
  nonces?: NonceManager;
  now?: () => number;
}

export class ExchangeClient {
  readonly #transport: HttpTransport;
  readonly #wallet: L1Signer;
  readonly #isMainnet: boolean;
  readonly #vaultAddress: string | undefined;
  readonly #expiresAfterMs: number | undefined;
  readonly #nonces: NonceManager;
  readonly #now: () => number;

  constructor(opts: ExchangeClientOptions) {
    this.#transport = opts.transport;
    this.#wallet = opts.wallet;
    this.#isMainnet = opts.isMainnet;
    this.#vaultAddress = opts.vaultAddress?.toLowerCase();
    this.#expiresAfterMs = opts.expiresAfterMs;
    this.#now = opts.now ?? Date.now;
    this.#nonces = opts.nonces ?? new NonceManager(this.#now);
  }

  /** The request body for an action: {action, nonce, signature[, vaultAddress][, expiresAfter]}. */
  signedRequest(action: L1Action, nonce: number = this.#nonces.next()): Record<string, unknown> {
    const expiresAfter = this.#expiresAfterMs === undefined ? undefined : this.#now() + this.#expiresAfterMs;
    const signature = this.#wallet.signL1Action(action, nonce, {
      isMainnet: this.#isMainnet,
      vaultAddress: this.#vaultAddress,
      expiresAfter,
    });
    const body: Record<string, unknown> = { action, nonce, signature };
    if (this.#vaultAddress) body.vaultAddress = this.#vaultAddress;
    if (expiresAfter !== undefined) body.expiresAfter = expiresAfter;
    return body;
  }

  /**
   * Signs, sends and validates any action. Throws ActionRejectedError when the exchange refuses the whole action,
   * RateLimitedError when the refusal is a rate limit (and starts the transport's cool-down).
   */
  async send(action: L1Action): Promise<Exclude<HlExchangeAnswer, { status: 'err' }>['response']> {
    const raw = await this.#transport.post(
      '/exchange',
      this.signedRequest(action),
      exchangeRequestWeight(action),
    );
    const parsed = exchangeAnswerSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResponseShapeError(
        `/exchange ${action.type}`,
        `${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      );
    }
    const answer = parsed.data;
    if (answer.status === 'err') {
      if (RATE_LIMIT_TEXT.test(answer.response)) {
        const delay = this.#transport.noteRateLimited(ADDRESS_LIMIT_COOLDOWN_MS);
        throw new RateLimitedError(`${action.type}: ${answer.response}`, delay, 'address');
      }
      throw new ActionRejectedError(action.type, answer.response);
    }
    return answer.response;
  }

  /** Places orders; one status per order, in order. */
  async placeOrders(orders: OrderSpec[]): Promise<HlOrderStatus[]> {
    const action = orderAction(orders);
    const response = await this.send(action);
    return orderStatuses(
      statusesOf(response),
      action.orders.map((o) => o.c),
    );
  }

  async cancel(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]> {
    const action = cancelAction(cancels);
    return cancelStatuses(statusesOf(await this.send(action)), action.cancels.length);
  }

  async cancelByCloid(cancels: { asset: number; cloid: string }[]): Promise<CancelStatus[]> {
    const action = cancelByCloidAction(cancels);
    return cancelStatuses(statusesOf(await this.send(action)), action.cancels.length);
  }

  /** Replaces one resting order (by oid or cloid). */
  async modify(oid: number | string, order: OrderSpec): Promise<HlOrderStatus> {
    const action = modifyAction(oid, order);
    const response = await this.send(action);
    const statuses = statusesOf(response);
    if (statuses === undefined) return { index: 0, cloid: action.order.c, kind: 'accepted' };
    return orderStatuses(statuses, [action.order.c])[0] as HlOrderStatus;
  }

  /** Replaces several resting orders in one request; one status per modify, in order. */
  async batchModify(modifies: { oid: number | string; order: OrderSpec }[]): Promise<HlOrderStatus[]> {
    const action = batchModifyAction(modifies);
    const response = await this.send(action);
    const cloids = action.modifies.map((m) => m.order.c);
    const statuses = statusesOf(response);
    if (statuses === undefined) return cloids.map((cloid, index) => ({ index, cloid, kind: 'accepted' }));
    return orderStatuses(statuses, cloids);
  }

  /** Dead man's switch: cancel all open orders at `timeMs` (≥ 5 s ahead); no argument removes it. */
  async scheduleCancel(timeMs?: number): Promise<void> {
    await this.send(scheduleCancelAction(timeMs));
  }

  async updateLeverage(asset: number, isCross: boolean, leverage: number): Promise<void> {
    await this.send(updateLeverageAction(asset, isCross, leverage));
  }
}

function statusesOf(response: { type: string; data?: unknown }): RawStatus[] | undefined {
  if ((response.type === 'order' || response.type === 'cancel') && response.data) {
    return (response.data as { statuses: RawStatus[] }).statuses;
  }
  return undefined;
}

/** Pairs statuses with the orders sent, by position; missing statuses become 'unknown', never dropped. */
export function orderStatuses(
  raw: RawStatus[] | undefined,
  sentCloids: (string | undefined)[],
): HlOrderStatus[] {
  return sentCloids.map((sentCloid, index): HlOrderStatus => {
    const status = raw?.[index];
    if (status === undefined) return { index, cloid: sentCloid, kind: 'unknown' };
    if (typeof status === 'string') {
      if (status === 'success') return { index, cloid: sentCloid, kind: 'accepted' };
      return { index, cloid: sentCloid, kind: status };
    }
    if ('resting' in status)
      return { index, cloid: status.resting.cloid ?? sentCloid, kind: 'resting', oid: status.resting.oid };
    if ('filled' in status) {
      const f = status.filled;
      return {
        index,
        cloid: f.cloid ?? sentCloid,
        kind: 'filled',
        oid: f.oid,
        totalSz: f.totalSz,
        avgPx: f.avgPx,
      };
    }
    return { index, cloid: sentCloid, kind: 'error', message: status.error };
  });
}

export function cancelStatuses(raw: RawStatus[] | undefined, count: number): CancelStatus[] {
  return Array.from({ length: count }, (_, index): CancelStatus => {
    const status = raw?.[index];
    if (status === 'success') return { index, kind: 'success' };
    if (status !== undefined && typeof status === 'object' && 'error' in status) {
      return { index, kind: 'error', message: status.error };
    }
    return { index, kind: 'unknown' };
  });
}
