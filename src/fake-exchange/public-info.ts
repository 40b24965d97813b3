/**
 * The rest of Hyperliquid's market-data surface on the fake exchange, in the official docs' shapes:
 * /info candleSnapshot (candles built from the replayed trades), fundingHistory, recentTrades, perpDexs (the
 * main dex only), userAbstraction ("disabled"), spotMeta and
 * spotMetaAndAssetCtxs (an empty spot universe: the fake is a perp venue), userFillsByTime, userFees,
 * activeAssetData, maxBuilderFee; WebSocket allMids, candle, activeAssetCtx and notification.
 *
 * Choices that are ours, not Hyperliquid's (each also in docs/fake-exchange.md):
 * - fundingHistory has one entry per hour of replayed time since the replay started, at the configured rate
 *   with premium "0.0" (the recordings hold no premium samples);
 * - allMids and activeAssetCtx are pushed every 500 ms of wall time while something changed (Hyperliquid pushes
 *   per block); notification is accepted but never pushed (nothing in the fake raises one);
 * - userFees reports the configured maker/taker rates as the user's rates and a one-tier schedule, no discounts;
 * - spotMeta lists only USDC as a token (the collateral `meta.collateralToken` points at).
 */
import { HOUR_MS } from '../engine/hourly-funding.ts';
import type { PerpAssetMeta } from '../exchange/hyperliquid/universe.ts';
import { channelFrame, type Subscription, wireDecimal } from '../exchange/hyperliquid/ws-messages.ts';
import { marginSummary, PerpAccount } from './accounts.ts';
import { CandleBook, isCandleInterval } from './candles.ts';
import type { CoinMarket } from './coin-market.ts';
import { type FundingModel, rateWire } from './funding.ts';
import { InfoRequestError, type InfoRoutes } from './info-routes.ts';
import type { OrderEntry } from './order-entry.ts';
import type { SubscriptionRegistry } from './subscriptions.ts';
import { wireUsdc } from './user-wire.ts';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** fundingHistory and userFillsByTime answer at most this many entries (Hyperliquid: 500 / 2000). */
const MAX_FUNDING_HISTORY = 500;
const MAX_FILLS_BY_TIME = 2_000;
/** Wall ms between allMids / activeAssetCtx pushes. */
const PUSH_INTERVAL_MS = 500;
/** The USDC token of spotMeta: Hyperliquid's token index 0 and its token id. */
const USDC_TOKEN = {
  name: 'USDC',
  szDecimals: 8,
  weiDecimals: 8,
  index: 0,
  tokenId: '0x6d1e7cde53ba9467b783cb7c530ce054',
  isCanonical: true,
  evmContract: null,
  fullName: null,
  deployerTradingFeeShare: '0.0',
};

function missing(field: string): InfoRequestError {
  return new InfoRequestError(
    422,
    `Failed to deserialize the JSON body into the target type: missing field \`${field}\``,
  );
}

function timeField(r: Record<string, unknown>, field: string): number {
  const v = r[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw missing(field);
  return v;
}

function userField(r: Record<string, unknown>): string {
  if (typeof r.user !== 'string' || !ADDRESS.test(r.user)) throw missing('user');
  return r.user.toLowerCase();
}

/** One perp's context (metaAndAssetCtxs, activeAssetCtx): prices from the replay mid, volumes zero. */
export function perpAssetCtxWire(market: CoinMarket | undefined, fundingRatePerHour: number) {
  const mid = market?.mid() ?? null;
  const px = mid === null ? '0.0' : wireDecimal(mid);
  return {
    dayBaseVlm: '0.0',
    dayNtlVlm: '0.0',
    funding: rateWire(fundingRatePerHour),
    impactPxs: mid === null ? null : [px, px],
    markPx: px,
    midPx: mid === null ? null : px,
    openInterest: '0.0',
    oraclePx: px,
    premium: mid === null ? null : '0.0',
    prevDayPx: px,
  };
}

export interface PublicInfoOptions {
  info: InfoRoutes;
  registry: SubscriptionRegistry;
  markets: ReadonlyMap<string, CoinMarket>;
  universe: readonly PerpAssetMeta[];
  entry: OrderEntry;
  funding: FundingModel;
  /** Builder fee approvals: max fee in tenths of a basis point for (user, builder). */
  maxBuilderFee: (user: string, builder: string) => number;
}

export class PublicInfo {
  readonly candles = new CandleBook();
  private firstEventMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastMids = '';
  private readonly lastCtx = new Map<string, string>();

  constructor(private readonly o: PublicInfoOptions) {
    this.registerInfo();
    this.registerChannels();
  }

  /** A replayed (or our own) trade: candles and the `candle` channel. */
  onTrade(coin: string, px: number, sz: number, timeMs: number): void {
    this.firstEventMs ??= timeMs;
    this.candles.onTrade(coin, px, sz, timeMs);
    const { registry } = this.o;
    for (const i of ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '8h', '12h', '1d', '3d', '1w', '1M']) {
      const key = `candle:${coin}:${i}`;
      if (registry.subscribersOf(key).size === 0 || !isCandleInterval(i)) continue;
      const c = this.candles.current(coin, i, timeMs);
      if (c !== null) registry.publish(key, channelFrame('candle', c));
    }
  }

  /** Any replayed event: the start of the replayed time (fundingHistory begins there). */
  onEventTime(timeMs: number): void {
    this.firstEventMs ??= timeMs;
  }

  start(): void {
    this.timer ??= setInterval(() => this.push(), PUSH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private mids(): Record<string, string> {
    const mids: Record<string, string> = {};
    for (const [coin, market] of this.o.markets) {
      const mid = market.mid();
      if (mid !== null) mids[coin] = wireDecimal(mid);
    }
    return mids;
  }

  private push(): void {
    const { registry, markets, funding } = this.o;
    if (registry.subscribersOf('allMids').size > 0) {
      const frame = channelFrame('allMids', { mids: this.mids() });
      if (frame !== this.lastMids) {
        this.lastMids = frame;
        registry.publish('allMids', frame);
      }
    }
    for (const [coin, market] of markets) {
      const key = `activeAssetCtx:${coin}`;
      if (registry.subscribersOf(key).size === 0) continue;
      const frame = channelFrame('activeAssetCtx', {
        coin,
        ctx: perpAssetCtxWire(market, funding.ratePerHour),
      });
      if (frame === this.lastCtx.get(coin)) continue;
      this.lastCtx.set(coin, frame);
      registry.publish(key, frame);
    }
  }

  private registerInfo(): void {
    const { info, markets, entry, funding, universe } = this.o;
    info.register('candleSnapshot', (r) => {
      const req = r.req as Record<string, unknown> | undefined;
      if (typeof req !== 'object' || req === null) throw missing('req');
      if (typeof req.coin !== 'string') throw missing('coin');
      if (!isCandleInterval(req.interval)) throw missing('interval');
      const start = timeField(req, 'startTime');
      const end = typeof req.endTime === 'number' ? req.endTime : entry.nowMs();
      return this.candles.snapshot(req.coin, req.interval, start, end);
    });
    info.register('fundingHistory', (r) => {
      if (typeof r.coin !== 'string') throw missing('coin');
      const start = timeField(r, 'startTime');
      const end = Math.min(
        typeof r.endTime === 'number' ? r.endTime : Number.POSITIVE_INFINITY,
        entry.nowMs(),
      );
      if (!markets.has(r.coin) || this.firstEventMs === null) return [];
      const out: { coin: string; fundingRate: string; premium: string; time: number }[] = [];
      let t = Math.ceil(Math.max(start, this.firstEventMs) / HOUR_MS) * HOUR_MS;
      for (; t <= end && out.length < MAX_FUNDING_HISTORY; t += HOUR_MS) {
        out.push({ coin: r.coin, fundingRate: rateWire(funding.ratePerHour), premium: '0.0', time: t });
      }
      return out;
    });
    info.register('recentTrades', (r) => {
      if (typeof r.coin !== 'string') throw missing('coin');
      return markets.get(r.coin)?.recentTrades(100) ?? [];
    });
    // Perp dexes: the first entry is null (the main dex, the one served here); no builder-deployed dexes.
    info.register('perpDexs', () => [null]);
    info.register('spotMeta', () => ({ universe: [], tokens: [USDC_TOKEN] }));
    // Account abstraction mode, a bare JSON string: "disabled" = perp and spot balances kept apart (the fake
    // has perp accounts only).
    info.register('userAbstraction', (r) => {
      userField(r);
      return 'disabled';
    });
    info.register('spotMetaAndAssetCtxs', () => [{ universe: [], tokens: [USDC_TOKEN] }, []]);
    info.register('userFillsByTime', (r) => {
      const user = userField(r);
      const start = timeField(r, 'startTime');
      const end = typeof r.endTime === 'number' ? r.endTime : Number.POSITIVE_INFINITY;
      return entry
        .fillsOf(user)
        .filter((f) => f.time >= start && f.time <= end)
        .slice(0, MAX_FILLS_BY_TIME);
    });
    info.register('userFees', (r) => {
      const user = userField(r);
      const account = entry.accounts.get(user);
      const { maker, taker } = entry.feeRates;
      const day = new Date(entry.nowMs()).toISOString().slice(0, 10);
      const rate = (x: number) => wireDecimal(Math.round(x * 1e8) / 1e8);
      return {
        dailyUserVlm: [
          {
            date: day,
            userCross: wireUsdc(account?.cumVolume ?? 0),
            userAdd: '0.0',
            exchange: '0.0',
          },
        ],
        feeSchedule: {
          cross: rate(taker),
          add: rate(maker),
          spotCross: rate(taker),
          spotAdd: rate(maker),
          tiers: { vip: [], mm: [] },
          referralDiscount: '0.0',
          stakingDiscountTiers: [],
        },
        userCrossRate: rate(taker),
        userAddRate: rate(maker),
        userSpotCrossRate: rate(taker),
        userSpotAddRate: rate(maker),
        activeReferralDiscount: '0.0',
        trial: null,
        feeTrialEscrow: '0.0',
        nextTrialAvailableTimestamp: null,
        stakingLink: null,
        activeStakingDiscount: { bpsOfMaxSupply: '0.0', discount: '0.0' },
      };
    });
    info.register('activeAssetData', (r) => {
      const user = userField(r);
      if (typeof r.coin !== 'string') throw missing('coin');
      const meta = universe.find((a) => a.name === r.coin);
      if (meta === undefined) throw new InfoRequestError(422, `Unknown coin ${JSON.stringify(r.coin)}`);
      const account = entry.accounts.get(user) ?? new PerpAccount(user, 0);
      const leverage = account.leverageOf(meta.name, meta.maxLeverage);
      const mark = entry.markPx(meta.name);
      const summary = marginSummary(
        account,
        (c) => (Number.isNaN(entry.markPx(c)) ? 0 : entry.markPx(c)),
        (c) => entry.maxLeverageOf(c),
      );
      const free = Math.max(0, summary.accountValue - summary.totalMarginUsed);
      const lot = 10 ** meta.szDecimals;
      const maxSz = mark > 0 ? Math.floor(((free * leverage.value) / mark) * lot) / lot : 0;
      return {
        user,
        coin: meta.name,
        leverage: leverage.type === 'cross' ? { type: 'cross', value: leverage.value } : leverage,
        maxTradeSzs: [wireDecimal(maxSz), wireDecimal(maxSz)],
        availableToTrade: [wireUsdc(free * leverage.value), wireUsdc(free * leverage.value)],
        markPx: Number.isNaN(mark) ? '0.0' : wireDecimal(mark),
      };
    });
    info.register('maxBuilderFee', (r) => {
      const user = userField(r);
      if (typeof r.builder !== 'string' || !ADDRESS.test(r.builder)) throw missing('builder');
      return this.o.maxBuilderFee(user, r.builder.toLowerCase());
    });
  }

  private registerChannels(): void {
    const { registry, markets, funding } = this.o;
    const sub = (s: Subscription) => s as Record<string, unknown>;
    registry.registerType('allMids', {
      validate: (s) => (sub(s).dex === undefined || sub(s).dex === '' ? null : 'Invalid subscription'),
      snapshot: () => [channelFrame('allMids', { mids: this.mids() })],
    });
    registry.registerType('candle', {
      validate: (s) =>
        typeof sub(s).coin === 'string' &&
        markets.has(sub(s).coin as string) &&
        isCandleInterval(sub(s).interval)
          ? null
          : 'Invalid subscription',
      snapshot: (s) => {
        const { coin, interval } = sub(s) as { coin: string; interval: '1m' };
        const c = this.candles.current(coin, interval, this.o.entry.nowMs());
        return c === null ? [] : [channelFrame('candle', c)];
      },
    });
    registry.registerType('activeAssetCtx', {
      validate: (s) =>
        typeof sub(s).coin === 'string' && markets.has(sub(s).coin as string) ? null : 'Invalid subscription',
      snapshot: (s) => {
        const coin = sub(s).coin as string;
        return [
          channelFrame('activeAssetCtx', {
            coin,
            ctx: perpAssetCtxWire(markets.get(coin), funding.ratePerHour),
          }),
        ];
      },
    });
    registry.registerType('notification', {
      validate: (s) =>
        typeof sub(s).user === 'string' && ADDRESS.test(sub(s).user as string)
          ? null
          : 'Invalid subscription',
    });
  }
}
