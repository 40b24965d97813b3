// Several synthetic coins for the several-coin bot's tests: one market file pair per coin (one hour of 1 s steps
// from 2025-01-01 01:00 UTC) and a parameters file per coin with the market's own σ, A and k.
import { writeSynthMarket } from '../../src/data/synth.ts';
import { dailyPctFromSigma } from '../../src/model/units.ts';

export interface SynthCoin {
  /** USDC/√s */
  sigma: number;
  /** aggressive orders per second per side */
  A: number;
  /** per USDC */
  k: number;
  tickSize: number;
  startMid: number;
  seed: number;
}

/** The params_<TICKER>.json of a synthetic coin (γ 1e-4 per USDC). */
export function paramsFileFor(ticker: string, c: SynthCoin) {
  return {
    ticker,
    timestamp: '2025-01-02T00:00:00Z',
    units: { sigma: 'USDC/sqrt(s)' },
    market_data: {
      mid_price: c.startMid,
      sigma: c.sigma,
      sigma_daily_pct: dailyPctFromSigma(c.sigma, c.startMid),
      A: c.A,
      k: c.k,
    },
    optimal_parameters: { gamma: 1e-4 },
    days: [],
  };
}

/** Writes every coin's prices_/trades_ files into `outDir`. */
export async function writeCoinMarkets(outDir: string, coins: Record<string, SynthCoin>): Promise<void> {
  for (const [ticker, c] of Object.entries(coins)) {
    await writeSynthMarket({
      ...c,
      outDir,
      ticker,
      days: 1,
      durationS: 3600,
      stepMs: 1000,
      startMs: Date.UTC(2025, 0, 1, 1),
    });
  }
}
