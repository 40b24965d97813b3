/**
 * A user's view of the fake exchange: /info openOrders, frontendOpenOrders, clearinghouseState, userFills,
 * userRateLimit and orderStatus, and the WebSocket user channels orderUpdates, userFills and userEvents
 * (channel "user"; `{"type":"user"}` is accepted as an alias). Shapes as in the real responses
 * (test/fixtures/hyperliquid/api-responses/) and the official docs; an address the exchange does not know
 * gets the empty answers the real exchange gives it.
 */

import { HOUR_MS } from '../engine/hourly-funding.ts';
import type { PerpAssetMeta } from '../exchange/hyperliquid/universe.ts';
import { channelFrame, type Subscription, wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import { liquidationPx, marginSummary, PerpAccount } from './accounts.ts';
import type { CoinMarket } from './coin-market.ts';
import { type FundingModel, rateWire, wsFundingWire } from './funding.ts';
import { InfoRequestError, type InfoRoutes, metaWire } from './info-routes.ts';
import type { OrderEntry } from './order-entry.ts';
import { perpAssetCtxWire } from './public-info.ts';
import type { RateLimits } from './rate-limits.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import { frontendOrderWire, openOrderWire, wireUsdc } from './user-wire.ts';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** historicalOrders answers at most this many orders (Hyperliquid: 2000 most recent). */
const MAX_HISTORICAL_ORDERS = 2_000;

function userOf(request: Record<string, unknown>): string {
  if (typeof request.user !== 'string' || !ADDRESS.test(request.user)) {
    throw new InfoRequestError(
      422,
      'Failed to deserialize the JSON body into the target type: missing field `user`',
    );
  }
  return request.user.toLowerCase();
}

/** clearinghouseState of one account at the current marks. */
export function clearinghouseState(
  entry: OrderEntry,
  user: string,
  funding?: FundingModel,
): Record<string, unknown> {
  const account = entry.accounts.get(user) ?? new PerpAccount(user, 0);
  const mark = (coin: string) => {
    const m = entry.markPx(coin);
    return Number.isNaN(m) ? (account.positions.get(coin)?.entryPx ?? 0) : m;
  };
  const summary = marginSummary(account, mark, (c) => entry.maxLeverageOf(c));
  const assetPositions = [...account.positions.values()].map((p) => {
    const px = mark(p.coin);
    const value = Math.abs(p.szi) * px;
    const marginUsed = value / p.leverage.value;
    const unrealized = (px - p.entryPx) * p.szi;
    const liq = liquidationPx(
      p.szi,
      summary.totalRawUsd + (summary.accountValue - summary.totalRawUsd - p.szi * px),
      entry.maxLeverageOf(p.coin),
    );
    return {
      position: {
        coin: p.coin,
        // Funding paid (+) or received (−), Hyperliquid's sign for cumFunding; see funding.ts.
        cumFunding: funding
          ? cumFundingWire(funding.cumFunding(user, p.coin, p.szi))
          : { allTime: '0.0', sinceChange: '0.0', sinceOpen: '0.0' },
        entryPx: wireDecimal(p.entryPx),
        leverage: { type: p.leverage.type, value: p.leverage.value },
        liquidationPx: liq === null ? null : wireDecimal(Math.round(liq * 1e6) / 1e6),
        marginUsed: wireUsdc(marginUsed),
        maxLeverage: entry.maxLeverageOf(p.coin),
        positionValue: wireUsdc(value),
        returnOnEquity: wireDecimal(
          Math.round(
            (marginUsed > 0 ? unrealized / ((Math.abs(p.szi) * p.entryPx) / p.leverage.value) : 0) * 1e8,
          ) / 1e8,
        ),
        szi: wireDecimal(p.szi),
        unrealizedPnl: wireUsdc(unrealized),
      },
      type: 'oneWay',
    };
  });
  const margin = {
    accountValue: wireUsdc(summary.accountValue),
    totalMarginUsed: wireUsdc(summary.totalMarginUsed),
    totalNtlPos: wireUsdc(summary.totalNtlPos),
    totalRawUsd: wireUsdc(summary.totalRawUsd),
  };
  return {
    assetPositions,
    crossMaintenanceMarginUsed: wireUsdc(summary.maintenanceMarginUsed),
    crossMarginSummary: margin,
    marginSummary: { ...margin },
    time: entry.nowMs(),
    withdrawable: wireUsdc(Math.max(0, summary.accountValue - summary.totalMarginUsed)),
  };
}

function cumFundingWire(c: { allTime: number; sinceOpen: number; sinceChange: number }) {
  return {
    allTime: wireUsdc(c.allTime),
    sinceChange: wireUsdc(c.sinceChange),
    sinceOpen: wireUsdc(c.sinceOpen),
  };
}

export function registerUserInfo(
  info: InfoRoutes,
  entry: OrderEntry,
  limits: RateLimits,
  funding?: FundingModel,
): void {
  info.register('openOrders', (r) => entry.openOrdersOf(userOf(r)).map(openOrderWire));
  info.register('frontendOpenOrders', (r) => entry.openOrdersOf(userOf(r)).map(frontendOrderWire));
  info.register('clearinghouseState', (r) => clearinghouseState(entry, userOf(r), funding));
  // Newest first, at most 2000 (the real endpoint's limit).
  info.register('userFills', (r) => [...entry.fillsOf(userOf(r))].reverse());
  info.register('userRateLimit', (r) => {
    const account = entry.accounts.get(userOf(r));
    const cumVlm = account?.cumVolume ?? 0;
    return {
      cumVlm: wireUsdc(cumVlm),
      nRequestsUsed: account?.requestsUsed ?? 0,
      nRequestsCap: Number.isFinite(limits.addressRequestBuffer)
        ? limits.addressCap(cumVlm)
        : Number.MAX_SAFE_INTEGER,
      // Requests reserved ahead (reserveRequestWeight) beyond the cap: not modelled, always 0.
      nRequestsSurplus: 0,
    };
  });
  // Every order of the user, open or closed, with its status; newest first, at most 2000 (docs).
  info.register('historicalOrders', (r) =>
    entry
      .ordersOf(userOf(r))
      .slice(0, MAX_HISTORICAL_ORDERS)
      .map((o) => ({ order: frontendOrderWire(o), status: o.status, statusTimestamp: o.statusTimestamp })),
  );
  info.register('orderStatus', (r) => {
    const user = userOf(r);
    const oid =
      typeof r.oid === 'number'
        ? r.oid
        : typeof r.oid === 'string'
          ? entry.oidOfCloid(user, r.oid)
          : undefined;
    const order = oid === undefined ? undefined : entry.orders.get(oid);
    if (order === undefined || order.user !== user) return { status: 'unknownOid' };
    return {
      status: 'order',
      order: {
        order: frontendOrderWire(order),
        status: order.status,
        statusTimestamp: order.statusTimestamp,
      },
    };
  });
}

/** Subscription types of the user channels; pushes come from OrderEntry (keys "orderUpdates:0x…" etc.). */
export function registerUserChannels(
  registry: SubscriptionRegistry,
  entry: OrderEntry,
  funding?: FundingModel,
): void {
  const userField = (sub: Subscription) => (sub as Record<string, unknown>).user;
  const validateUser = (sub: Subscription) => {
    const user = userField(sub);
    return typeof user === 'string' && ADDRESS.test(user) ? null : 'Invalid subscription';
  };
  registry.registerType('orderUpdates', { validate: validateUser });
  registry.registerType('userEvents', { validate: validateUser });
  registry.registerType('user', { validate: validateUser });
  registry.registerType('userFills', {
    validate: validateUser,
    // The first message is a snapshot of recent fills, flagged isSnapshot (docs: WsUserFills).
    snapshot: (sub) => {
      const user = String(userField(sub)).toLowerCase();
      return [channelFrame('userFills', { isSnapshot: true, user, fills: [...entry.fillsOf(user)] })];
    },
  });
  if (funding) {
    registry.registerType('userFundings', {
      validate: validateUser,
      // Snapshot first (isSnapshot), then one message per hourly settlement (docs: WsUserFundings).
      snapshot: (sub) => {
        const user = String(userField(sub)).toLowerCase();
        const fundings = funding.entriesOf(user).slice(-100).map(wsFundingWire);
        return [channelFrame('userFundings', { isSnapshot: true, user, fundings })];
      },
    });
  }
}

/**
 * /info userFunding (a user's funding ledger), metaAndAssetCtxs (universe + each perp's context, the current
 * hourly funding rate among them) and predictedFundings (the next settlement per coin, venue "HlPerp").
 * Coins the replay does not carry get zero prices: the fake has no market for them.
 */
export function registerFundingInfo(
  info: InfoRoutes,
  entry: OrderEntry,
  funding: FundingModel,
  universe: readonly PerpAssetMeta[],
  markets: ReadonlyMap<string, CoinMarket>,
): void {
  info.register('userFunding', (r) => {
    const user = userOf(r);
    if (typeof r.startTime !== 'number' || !Number.isInteger(r.startTime) || r.startTime < 0) {
      throw new InfoRequestError(
        422,
        'Failed to deserialize the JSON body into the target type: missing field `startTime`',
      );
    }
    const end = typeof r.endTime === 'number' ? r.endTime : entry.nowMs();
    return funding.userFundingWire(user, r.startTime, end);
  });
  const served = new Set(markets.keys());
  info.register('metaAndAssetCtxs', () => [
    metaWire(universe, served),
    universe.map((a) => perpAssetCtxWire(markets.get(a.name), funding.ratePerHour)),
  ]);
  info.register('predictedFundings', () => {
    const next = (Math.floor(entry.nowMs() / HOUR_MS) + 1) * HOUR_MS;
    return universe.map((a) => [
      a.name,
      [
        [
          'HlPerp',
          { fundingRate: rateWire(funding.ratePerHour), nextFundingTime: next, fundingIntervalHours: 1 },
        ],
      ],
    ]);
  });
}
