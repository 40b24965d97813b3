import { numberOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';

export const defineSynth: DefineCommand = (program) => {
  program
    .command('synth')
    .description(
      'Write a synthetic market with known σ, A, k (Brownian mid, Poisson aggressive orders) in the collector layout.',
    )
    .requiredOption(
      '--out <dir>',
      'directory to write prices_<TICKER>.csv and trades_<TICKER>.csv (created if needed)',
    )
    .option(
      '--ticker <symbol>',
      'symbol name used in the file names',
      (t: string) => t.trim().toUpperCase(),
      'SYN',
    )
    .option('--days <n>', 'whole UTC days to generate', numberOption({ integer: true, min: 1, max: 366 }), 3)
    .option('--sigma <S>', 'volatility of the mid, quote/√s', numberOption({ positive: true }), 3)
    .option('--A <A>', 'aggressive orders per second per side', numberOption({ positive: true }), 0.5)
    .option('--k <K>', 'decay of the arrival rate with depth, 1/quote', numberOption({ positive: true }), 0.3)
    .option('--tick-size <px>', 'price tick, quote', numberOption({ positive: true }), 1)
    .option('--mid <px>', 'mid price at the start, quote', numberOption({ positive: true }), 100_000)
    .option(
      '--step-ms <ms>',
      'mid sampling step, ms',
      numberOption({ integer: true, min: 1, max: 60_000 }),
      100,
    )
    .option(
      '--size-refresh <p>',
      'probability per step that a touch size changes (book flicker)',
      numberOption({ min: 0, max: 1 }),
      0.3,
    )
    .option('--start <date>', 'first day, YYYY-MM-DD (UTC)', '2025-01-01')
    .option('--seed <n>', 'random seed (same seed, same market)', numberOption({ integer: true }), 1)
    .option(
      '--sigma-after <S>',
      'regime switch: σ of the mid (quote/√s) from --switch-at-s on (default: no switch)',
      numberOption({ positive: true }),
    )
    .option(
      '--switch-at-s <s>',
      'regime switch time, seconds after the start (default: halfway through the market)',
      numberOption({ min: 0 }),
    )
    .action(async (opts) => {
      const { runSynthCommand } = await import('../../data/synth-cli.ts');
      await runSynthCommand(opts);
    });
};
