/**
 * zod schemas of the /info answers we use, written from real responses (test/fixtures/hyperliquid/api-responses/).
 * Prices and sizes stay decimal strings as Hyperliquid sends them (no float rounding before the caller decides);
 * fields that newer API versions add are accepted and dropped, fields older answers lack are optional.
 */
import { z } from 'zod';

/** A signed decimal string such as "26951.0" or "-0.00785". */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');
const side = z.enum(['A', 'B']);
const msTime = z.number().int().nonnegative();
const oid = z.number().int().nonnegative();

export const metaSchema = z.object({
  universe: z.array(
    z.object({
      name: z.string(),
      szDecimals: z.number().int().nonnegative(),
      maxLeverage: z.number().int().positive(),
      onlyIsolated: z.boolean().optional(),
      isDelisted: z.boolean().optional(),
      /** Id of the coin's margin table in `marginTables` (absent in older answers). */
      marginTableId: z.number().int().nonnegative().optional(),
    }),
  ),
  /** [id, {description, marginTiers: [{lowerBound, maxLeverage}]}] (absent in older answers). */
  marginTables: z
    .array(
      z.tuple([
        z.number().int(),
        z.object({
          description: z.string(),
          marginTiers: z.array(
            z.object({ lowerBound: decimalString, maxLeverage: z.number().int().positive() }),
          ),
        }),
      ]),
    )
    .optional(),
  /** Spot token index of the collateral (USDC = 0; absent in older answers). */
  collateralToken: z.number().int().nonnegative().optional(),
});
export type Meta = z.infer<typeof metaSchema>;

/** coin → mid price. */
export const allMidsSchema = z.record(z.string(), decimalString);
export type AllMids = z.infer<typeof allMidsSchema>;

const bookLevel = z.object({ px: decimalString, sz: decimalString, n: z.number().int().nonnegative() });
export const l2BookSchema = z.object({
  coin: z.string(),
  time: msTime,
  /** [bids best first, asks best first]. */
  levels: z.tuple([z.array(bookLevel), z.array(bookLevel)]),
});
export type L2Book = z.infer<typeof l2BookSchema>;

export const openOrderSchema = z.object({
  coin: z.string(),
  limitPx: decimalString,
  oid,
  side,
  sz: decimalString,
  timestamp: msTime,
  origSz: decimalString.optional(),
  cloid: z.string().nullish(),
});
export const openOrdersSchema = z.array(openOrderSchema);
export type OpenOrder = z.infer<typeof openOrderSchema>;

interface FrontendOpenOrderShape {
  coin: string;
  limitPx: string;
  oid: number;
  side: 'A' | 'B';
  sz: string;
  origSz: string;
  timestamp: number;
  isTrigger: boolean;
  triggerPx: string;
  triggerCondition: string;
  isPositionTpsl: boolean;
  reduceOnly: boolean;
  orderType: string;
  tif: string | null;
  cloid?: string | null;
  children: FrontendOpenOrderShape[];
}
export const frontendOpenOrderSchema: z.ZodType<FrontendOpenOrderShape> = z.object({
  coin: z.string(),
  limitPx: decimalString,
  oid,
  side,
  sz: decimalString,
  origSz: decimalString,
  timestamp: msTime,
  isTrigger: z.boolean(),
  triggerPx: decimalString,
  triggerCondition: z.string(),
  isPositionTpsl: z.boolean(),
  reduceOnly: z.boolean(),
  orderType: z.string(),
  tif: z.string().nullable(),
  cloid: z.string().nullish(),
  get children() {
    return z.array(frontendOpenOrderSchema);
  },
});
export const frontendOpenOrdersSchema = z.array(frontendOpenOrderSchema);
export type FrontendOpenOrder = FrontendOpenOrderShape;

const marginSummary = z.object({
  accountValue: decimalString,
  totalMarginUsed: decimalString,
  totalNtlPos: decimalString,
  totalRawUsd: decimalString,
});
export const clearinghouseStateSchema = z.object({
  assetPositions: z.array(
    z.object({
      type: z.string(),
      position: z.object({
        coin: z.string(),
        /** Signed size in coins: negative = short. */
        szi: decimalString,
        entryPx: decimalString.nullable(),
        leverage: z.object({
          type: z.enum(['cross', 'isolated']),
          value: z.number(),
          rawUsd: decimalString.optional(),
        }),
        liquidationPx: decimalString.nullable(),
        marginUsed: decimalString,
        positionValue: decimalString,
        returnOnEquity: decimalString,
        unrealizedPnl: decimalString,
        maxLeverage: z.number().optional(),
        cumFunding: z
          .object({ allTime: decimalString, sinceOpen: decimalString, sinceChange: decimalString })
          .optional(),
      }),
    }),
  ),
  crossMarginSummary: marginSummary,
  marginSummary,
  withdrawable: decimalString,
  crossMaintenanceMarginUsed: decimalString.optional(),
  time: msTime.optional(),
});
export type ClearinghouseState = z.infer<typeof clearinghouseStateSchema>;

export const userFillSchema = z.object({
  coin: z.string(),
  px: decimalString,
  sz: decimalString,
  side,
  time: msTime,
  startPosition: decimalString,
  dir: z.string(),
  closedPnl: decimalString,
  hash: z.string(),
  oid,
  crossed: z.boolean(),
  fee: decimalString,
  /** Trade id: the key that makes fills idempotent (absent in very old answers). */
  tid: z.number().int().optional(),
  feeToken: z.string().optional(),
  cloid: z.string().nullish(),
  builderFee: decimalString.optional(),
  /** TWAP id of a TWAP slice's fill, null otherwise (absent in older answers). */
  twapId: z.number().int().nullish(),
});
export const userFillsSchema = z.array(userFillSchema);
export type UserFill = z.infer<typeof userFillSchema>;

export const userRateLimitSchema = z.object({
  cumVlm: decimalString,
  nRequestsUsed: z.number().int().nonnegative(),
  nRequestsCap: z.number().int().nonnegative(),
  nRequestsSurplus: z.number().int().nonnegative().optional(),
});
export type UserRateLimit = z.infer<typeof userRateLimitSchema>;

/**
 * One perp's context in `metaAndAssetCtxs` (same order as `meta.universe`). `funding` is the current hourly rate
 * as a fraction (the rate the coming hourly settlement will use if the premium stays where it is); `oraclePx` is
 * the price Hyperliquid multiplies it by; `midPx`, `premium` and `impactPxs` are null for an illiquid book.
 */
export const perpAssetCtxSchema = z.object({
  funding: decimalString,
  openInterest: decimalString,
  oraclePx: decimalString,
  markPx: decimalString,
  midPx: decimalString.nullable().optional(),
  premium: decimalString.nullable().optional(),
  prevDayPx: decimalString.optional(),
  dayNtlVlm: decimalString.optional(),
  dayBaseVlm: decimalString.optional(),
  impactPxs: z.array(decimalString).nullable().optional(),
});
export type PerpAssetCtx = z.infer<typeof perpAssetCtxSchema>;
export const metaAndAssetCtxsSchema = z.tuple([metaSchema, z.array(perpAssetCtxSchema)]);
export type MetaAndAssetCtxs = z.infer<typeof metaAndAssetCtxsSchema>;

/** A funding payment as `userFunding` reports it: usdc > 0 received, < 0 paid; szi the signed position. */
const fundingDelta = z.object({
  coin: z.string(),
  usdc: decimalString,
  szi: decimalString,
  fundingRate: decimalString,
  nSamples: z.number().int().nullable().optional(),
});
export const userFundingEntrySchema = z.object({
  /** Settlement time, Unix ms (on the hour). */
  time: msTime,
  hash: z.string(),
  delta: fundingDelta.extend({ type: z.literal('funding') }),
});
export const userFundingSchema = z.array(userFundingEntrySchema);
export type UserFundingEntry = z.infer<typeof userFundingEntrySchema>;

/** `predictedFundings`: [coin, [[venue, {fundingRate, nextFundingTime, fundingIntervalHours?} | null]]]. */
export const predictedFundingsSchema = z.array(
  z.tuple([
    z.string(),
    z.array(
      z.tuple([
        z.string(),
        z
          .object({
            fundingRate: decimalString,
            nextFundingTime: msTime,
            fundingIntervalHours: z.number().int().positive().optional(),
          })
          .nullable(),
      ]),
    ),
  ]),
);
export type PredictedFundings = z.infer<typeof predictedFundingsSchema>;
