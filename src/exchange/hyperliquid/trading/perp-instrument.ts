import { UserError } from '../../../core/errors.ts';
import type { Instrument } from '../../../core/instrument.ts';
import type { Logger } from '../../../core/log.ts';
import type { InfoClient } from '../info-client.ts';
import { findAssetRules, hyperliquidInstrument } from '../rules.ts';
import { HYPERLIQUID_PERP_UNIVERSE } from '../universe.ts';

/**
 * The traded perp as the venue states it: its Instrument and asset index from /info `meta` (the fake exchange of a
 * replay serves the real table). Paper trading falls back to the shipped table when /info cannot be reached (with
 * a warning); live trading never does, because a stale table could mis-round a real order.
 */
export async function readPerpInstrument(s: {
  info: Pick<InfoClient, 'meta'>;
  apiUrl: string;
  ticker: string;
  live: boolean;
  logger: Logger;
}): Promise<{ instrument: Instrument; assetIndex: number }> {
  const { apiUrl, ticker } = s;
  try {
    const meta = await s.info.meta();
    const rules = findAssetRules(meta.universe, ticker);
    if (!rules)
      throw new UserError(
        `--ticker ${ticker}: ${apiUrl} lists no such perp; use the exchange's name (e.g. BTC, ETH, kPEPE).`,
      );
    return { instrument: hyperliquidInstrument(rules), assetIndex: meta.universe.indexOf(rules) };
  } catch (err) {
    if (err instanceof UserError || s.live)
      throw err instanceof UserError
        ? err
        : new UserError(
            `cannot read the perp's rules from ${apiUrl}/info (${(err as Error).message}); check --api-url and the network.`,
          );
    const known = HYPERLIQUID_PERP_UNIVERSE.findIndex((a) => a.name === ticker);
    if (known < 0)
      throw new UserError(
        `cannot reach ${apiUrl}/info and ${ticker} is not in the built-in table; check --api-url.`,
      );
    const instrument = hyperliquidInstrument(HYPERLIQUID_PERP_UNIVERSE[known]);
    s.logger.warn('meta unreachable, using the built-in size decimals', {
      ticker,
      szDecimals: instrument.szDecimals,
      error: (err as Error).message,
    });
    return { instrument, assetIndex: known };
  }
}
