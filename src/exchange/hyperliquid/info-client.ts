/**
 * POST /info: the read-only queries the bot needs (market metadata, book, mids, the account's open orders,
 * position and fills, its address-based request allowance), each answer validated with zod before use.
 *
 * `user` defaults to the account address given at construction: with an API/agent wallet that is the trading
 * account, not the agent (the agent has no orders or positions of its own).
 */
import type { z } from 'zod';
import { ResponseShapeError } from './errors.ts';
import type { HttpTransport } from './http.ts';
import {
  type AllMids,
  allMidsSchema,
  type ClearinghouseState,
  clearinghouseStateSchema,
  type FrontendOpenOrder,
  frontendOpenOrdersSchema,
  type L2Book,
  l2BookSchema,
  type Meta,
  type MetaAndAssetCtxs,
  metaAndAssetCtxsSchema,
  metaSchema,
  type OpenOrder,
  openOrdersSchema,
  type PredictedFundings,
  predictedFundingsSchema,
  type UserFill,
  type UserFundingEntry,
  type UserRateLimit,
  userFillsSchema,
  userFundingSchema,
  userRateLimitSchema,
} from './info-schemas.ts';

/**
 * Rate-limit weight of an /info request (Hyperliquid docs): 2 for l2Book, allMids, clearinghouseState,
 * orderStatus, spotClearinghouseState, exchangeStatus; 60 for userRole; 20 for every other request.
 */
export function infoRequestWeight(type: string): number {
  if (
    [
      'l2Book',
      'allMids',
      'clearinghouseState',
      'orderStatus',
      'spotClearinghouseState',
      'exchangeStatus',
    ].includes(type)
  ) {
    return 2;
  }
  return type === 'userRole' ? 60 : 20;
}

/** Extra weight some answers cost after the fact: userFills and similar, 1 per 20 items returned. */
export function infoResponseExtraWeight(type: string, items: number): number {
  const per20 = [
    'userFills',
    'userFillsByTime',
    'recentTrades',
    'historicalOrders',
    'fundingHistory',
    'userFunding',
  ];
  if (per20.includes(type)) return Math.floor(items / 20);
  if (type === 'candleSnapshot') return Math.floor(items / 60);
  return 0;
}

export interface InfoClientOptions {
  transport: HttpTransport;
  /** Default `user` of account queries (lower-cased). */
  accountAddress?: string;
}

export class InfoClient {
  readonly #transport: HttpTransport;
  readonly #account: string | undefined;

  constructor(opts: InfoClientOptions) {
    this.#transport = opts.transport;
    this.#account = opts.accountAddress?.toLowerCase();
  }

  /** Sends any /info request and validates the answer against `schema`. */
  async request<S extends z.ZodType>(
    body: { type: string } & Record<string, unknown>,
    schema: S,
  ): Promise<z.infer<S>> {
    const raw = await this.#transport.post('/info', body, infoRequestWeight(body.type));
    if (Array.isArray(raw)) this.#transport.budget.charge(infoResponseExtraWeight(body.type, raw.length));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResponseShapeError(
        `/info ${body.type}`,
        `${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      );
    }
    return parsed.data;
  }

  #user(user: string | undefined, type: string): string {
    const address = user ?? this.#account;
    if (!address)
      throw new Error(`/info ${type} needs a user address: pass one or give the client an accountAddress`);
    return address.toLowerCase();
  }

  /** Perp universe: names (index = asset id), size decimals, max leverage. */
  meta(): Promise<Meta> {
    return this.request({ type: 'meta' }, metaSchema);
  }

  allMids(): Promise<AllMids> {
    return this.request({ type: 'allMids' }, allMidsSchema);
  }

  /** Book snapshot (up to 20 levels a side); nSigFigs/mantissa aggregate levels as the docs describe. */
  l2Book(coin: string, opts: { nSigFigs?: 2 | 3 | 4 | 5; mantissa?: 1 | 2 | 5 } = {}): Promise<L2Book> {
    return this.request({ type: 'l2Book', coin, ...opts }, l2BookSchema);
  }

  async openOrders(user?: string): Promise<OpenOrder[]> {
    return this.request({ type: 'openOrders', user: this.#user(user, 'openOrders') }, openOrdersSchema);
  }

  /** Open orders with tif, cloid, reduce-only and trigger details (what reconciliation after a restart wants). */
  async frontendOpenOrders(user?: string): Promise<FrontendOpenOrder[]> {
    return this.request(
      { type: 'frontendOpenOrders', user: this.#user(user, 'frontendOpenOrders') },
      frontendOpenOrdersSchema,
    );
  }

  /** Positions and margin of a perp account. */
  async clearinghouseState(user?: string): Promise<ClearinghouseState> {
    return this.request(
      { type: 'clearinghouseState', user: this.#user(user, 'clearinghouseState') },
      clearinghouseStateSchema,
    );
  }

  /** Most recent fills (Hyperliquid returns at most 2000). */
  async userFills(user?: string, opts: { aggregateByTime?: boolean } = {}): Promise<UserFill[]> {
    return this.request({ type: 'userFills', user: this.#user(user, 'userFills'), ...opts }, userFillsSchema);
  }

  /** The address-based action allowance: requests used and cap (cap grows with traded volume). */
  async userRateLimit(user?: string): Promise<UserRateLimit> {
    return this.request(
      { type: 'userRateLimit', user: this.#user(user, 'userRateLimit') },
      userRateLimitSchema,
    );
  }

  /** The perp universe with each asset's context (mark, oracle, current hourly funding rate, open interest). */
  metaAndAssetCtxs(): Promise<MetaAndAssetCtxs> {
    return this.request({ type: 'metaAndAssetCtxs' }, metaAndAssetCtxsSchema);
  }

  /** Predicted next funding per coin and venue (Hyperliquid's own venue is named "HlPerp"). */
  predictedFundings(): Promise<PredictedFundings> {
    return this.request({ type: 'predictedFundings' }, predictedFundingsSchema);
  }

  /**
   * Funding payments of the account with startTime ≤ time ≤ endTime (now when omitted), oldest first. One answer
   * holds at most USER_FUNDING_PAGE entries: page on with startTime = last time + 1 (see allUserFunding).
   */
  async userFunding(
    startTimeMs: number,
    opts: { endTimeMs?: number; user?: string } = {},
  ): Promise<UserFundingEntry[]> {
    const body: { type: string } & Record<string, unknown> = {
      type: 'userFunding',
      user: this.#user(opts.user, 'userFunding'),
      startTime: Math.max(0, Math.floor(startTimeMs)),
    };
    if (opts.endTimeMs !== undefined) body.endTime = Math.floor(opts.endTimeMs);
    return this.request(body, userFundingSchema);
  }

  /** Every funding payment since `startTimeMs`, paging through full answers (oldest first). */
  async allUserFunding(
    startTimeMs: number,
    opts: { endTimeMs?: number; user?: string; maxPages?: number } = {},
  ): Promise<UserFundingEntry[]> {
    const all: UserFundingEntry[] = [];
    let from = startTimeMs;
    for (let page = 0; page < (opts.maxPages ?? 20); page++) {
      const batch = await this.userFunding(from, opts);
      all.push(...batch);
      if (batch.length < USER_FUNDING_PAGE) break;
      from = Math.max(...batch.map((e) => e.time)) + 1;
    }
    return all;
  }
}

/** Most entries one time-range answer (userFunding, userFillsByTime, fundingHistory) holds (Hyperliquid docs). */
export const USER_FUNDING_PAGE = 500;
