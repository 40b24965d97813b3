/**
 * Leverage and margin mode of the traded coin (`--leverage N --margin cross|isolated`, config `leverage`,
 * `margin_mode`). Live: one updateLeverage action for the coin before its first order (live-start.ts), so the
 * exchange margins our orders and position at that leverage. Paper: recorded only (the API reports it; the paper
 * account simulates no margin). Checked against the instrument's maximum leverage from /info meta.
 */
import type { HlmmConfig } from '../../../config/schema.ts';
import { UserError } from '../../../core/errors.ts';

export type MarginMode = 'cross' | 'isolated';

export interface LeverageSetting {
  /** Times the margin (e.g. 3 = 3×). */
  leverage: number;
  margin: MarginMode;
}

/** The setting from the flags over the config; null when neither sets a leverage (the account's stays). */
export function leverageSetting(
  o: { leverage?: number; margin?: MarginMode },
  cfg: Pick<HlmmConfig, 'leverage' | 'margin_mode'>,
): LeverageSetting | null {
  const leverage = o.leverage ?? cfg.leverage;
  if (leverage === null || leverage === undefined) {
    if (o.margin !== undefined)
      throw new UserError(
        '--margin needs --leverage (or config leverage): give the leverage to set, e.g. --leverage 3.',
      );
    return null;
  }
  return { leverage, margin: o.margin ?? cfg.margin_mode };
}

/** Refuses a leverage above the instrument's maximum (one sentence, exit 2). */
export function checkLeverage(
  setting: LeverageSetting | null,
  ticker: string,
  maxLeverage: number | null,
): void {
  if (setting === null || maxLeverage === null) return;
  if (setting.leverage > maxLeverage)
    throw new UserError(
      `--leverage ${setting.leverage}: ${ticker} allows at most ${maxLeverage}× on Hyperliquid; use --leverage ${maxLeverage} or less.`,
    );
}

export interface LeverageApi {
  updateLeverage(asset: number, isCross: boolean, leverage: number): Promise<void>;
}

/** Sets the coin's leverage on the exchange (before the first order); a refusal is one sentence naming the flag. */
export async function applyLeverage(
  exchange: LeverageApi,
  asset: number,
  ticker: string,
  setting: LeverageSetting,
): Promise<void> {
  try {
    await exchange.updateLeverage(asset, setting.margin === 'cross', setting.leverage);
  } catch (err) {
    throw new UserError(
      `--leverage ${setting.leverage} --margin ${setting.margin}: the exchange refused updateLeverage for ${ticker} (${(err as Error).message}); check the leverage and margin mode (an isolated position cannot switch to cross while open).`,
    );
  }
}
