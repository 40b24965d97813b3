// `hlmm calibrate`: which coins (--ticker, --tickers, the config), then one coin in this thread or several on
// worker threads (multi-calibrate.ts); each coin's work is calibrateCoin (calibrate-coin.ts).
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { type CalibrateCliOptions, calibrateCoin, DEFAULT_TICKER, makeOutDir } from './calibrate-coin.ts';
import { defaultWorkers, sourceBytesOf } from './default-workers.ts';

export type { CalibrateCliOptions } from './calibrate-coin.ts';

/** The coins to calibrate: --tickers, else --ticker, else the config's `tickers` (or `ticker`), else DEFAULT_TICKER. */
async function coinsOf(o: CalibrateCliOptions): Promise<{ tickers: string[]; several: boolean }> {
  if (o.tickers !== undefined && o.ticker !== undefined)
    throw new UserError('pass --ticker (one coin) or --tickers (several), not both.');
  const upper = (list: readonly string[]) => list.map((t) => t.trim().toUpperCase());
  if (o.tickers !== undefined) return { tickers: upper(o.tickers), several: true };
  if (o.ticker !== undefined) return { tickers: upper([o.ticker]), several: false };
  if (o.config === undefined) return { tickers: [DEFAULT_TICKER], several: false };
  // Loaded only with --config: the schema's modules are not start-up cost of a plain run.
  const { loadConfig } = await import('../config/load-config.ts');
  const cfg = loadConfig(o.config);
  return cfg.tickers !== null
    ? { tickers: upper(cfg.tickers), several: true }
    : { tickers: upper([cfg.ticker]), several: false };
}

export async function runCalibrateCommand(o: CalibrateCliOptions): Promise<void> {
  if (o.from !== undefined && o.to !== undefined && o.to <= o.from)
    throw new UserError('--to must be after --from.');
  if (o.out !== undefined && o.outDir !== undefined)
    throw new UserError('pass --out FILE (one coin) or --out-dir DIR, not both.');
  const { tickers, several } = await coinsOf(o);
  if (several) {
    const { runMultiCalibrate } = await import('./multi-calibrate.ts');
    return runMultiCalibrate(o, tickers);
  }
  const ticker = tickers[0] as string;
  const progress = (line: string) => process.stderr.write(`hlmm calibrate: ${line}\n`);
  const out =
    o.out ??
    (o.outDir === undefined ? `params_${ticker}.json` : join(makeOutDir(o.outDir), `params_${ticker}.json`));
  const coin = await calibrateCoin(
    o,
    { ticker, out, report: o.report },
    o.workers ?? defaultWorkers(sourceBytesOf(o.data, ticker)),
    progress,
  );
  progress(coin.summary);
  if (o.json) process.stdout.write(coin.text);
}
