/**
 * POST /info of the fake exchange: a table from request `type` to handler, so a later engineer adds
 * openOrders, userFills, clearinghouseState… with one `register` call. The built-in types answer with the
 * shapes of the real responses (test/fixtures/hyperliquid/api-responses/): meta, l2Book, allMids.
 * The same table answers WebSocket `post` requests of type "info".
 */

import { HYPERLIQUID_PERP_UNIVERSE, type PerpAssetMeta } from '../exchange/hyperliquid/universe.ts';
import { wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import { parseBookAggregation } from './book-aggregation.ts';
import type { CoinMarket } from './coin-market.ts';
import type { ReplayClock } from './replay-clock.ts';

/** A request the exchange refuses: HTTP status and a one-line body. */
export class InfoRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type InfoHandler = (request: Record<string, unknown>) => unknown;

export class InfoRoutes {
  private readonly handlers = new Map<string, InfoHandler>();

  register(type: string, handler: InfoHandler): void {
    this.handlers.set(type, handler);
  }

  get types(): string[] {
    return [...this.handlers.keys()];
  }

  /** Answers a decoded request body; throws InfoRequestError for a bad one. */
  answer(body: unknown): unknown {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InfoRequestError(422, 'Failed to deserialize the JSON body into the target type');
    }
    const request = body as Record<string, unknown>;
    const handler = typeof request.type === 'string' ? this.handlers.get(request.type) : undefined;
    if (handler === undefined) {
      throw new InfoRequestError(
        422,
        `Failed to deserialize the JSON body into the target type: unknown variant ${JSON.stringify(request.type)}`,
      );
    }
    return handler(request);
  }
}

/** The universe reported by `meta`: the shipped one, plus replayed coins it does not list (szDecimals 2). */
export function universeFor(symbols: string[]): PerpAssetMeta[] {
  const universe = [...HYPERLIQUID_PERP_UNIVERSE];
  for (const symbol of symbols) {
    if (!universe.some((a) => a.name === symbol))
      universe.push({ name: symbol, szDecimals: 2, maxLeverage: 20 });
  }
  return universe;
}

/**
 * `meta` in the docs' shape. Ours, not Hyperliquid's: coins the fake does not replay are listed (so asset
 * indexes stay Hyperliquid's) but flagged `isDelisted`, which is what tells a client a listed coin has no market;
 * each coin gets the single-tier margin table whose id is its max leverage (Hyperliquid's ids 1–50 are those
 * tables; its tiered tables for the largest coins are not modelled); collateral is spot token 0, USDC.
 */
export function metaWire(universe: readonly PerpAssetMeta[], served: ReadonlySet<string>) {
  const leverages = [...new Set(universe.map((a) => a.maxLeverage))].sort((a, b) => a - b);
  return {
    universe: universe.map((a) => ({
      szDecimals: a.szDecimals,
      name: a.name,
      maxLeverage: a.maxLeverage,
      marginTableId: a.maxLeverage,
      ...(served.has(a.name) ? {} : { isDelisted: true as const }),
    })),
    marginTables: leverages.map((l) => [
      l,
      { description: '', marginTiers: [{ lowerBound: '0.0', maxLeverage: l }] },
    ]),
    collateralToken: 0,
  };
}

/** Registers meta, l2Book and allMids, answered from the replay's current market state. */
export function registerMarketInfo(
  routes: InfoRoutes,
  markets: Map<string, CoinMarket>,
  clock: ReplayClock,
  symbols: string[],
): void {
  const universe = universeFor(symbols);
  const served = new Set(symbols);
  routes.register('meta', () => metaWire(universe, served));
  routes.register('allMids', () => {
    const mids: Record<string, string> = {};
    for (const [coin, market] of markets) {
      const mid = market.mid();
      if (mid !== null) mids[coin] = wireDecimal(mid);
    }
    return mids;
  });
  routes.register('l2Book', (request) => {
    if (typeof request.coin !== 'string') {
      throw new InfoRequestError(
        422,
        'Failed to deserialize the JSON body into the target type: missing field `coin`',
      );
    }
    const aggregation = parseBookAggregation(request);
    if (typeof aggregation === 'string') {
      throw new InfoRequestError(
        422,
        `Failed to deserialize the JSON body into the target type: ${aggregation}`,
      );
    }
    const market = markets.get(request.coin);
    // The real exchange answers null for a coin it has no book for.
    if (market === undefined || !market.hasBook) return null;
    const book = market.wireBook(aggregation);
    // Before the first push the book time is 0; report the clock instead.
    return book.time > 0 ? book : { ...book, time: Math.round(clock.nowMs()) };
  });
}
