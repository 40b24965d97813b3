import type { Command } from 'commander';
import { numberOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';

export const defineSimulate: DefineCommand = (program: Command) => {
  program
    .command('simulate')
    .description(
      "Reproduce Avellaneda & Stoikov (2008) §4: inventory vs symmetric strategy on the paper's Monte Carlo market.",
    )
    .option('--gamma <G>', 'risk aversion γ (1/price unit)', numberOption({ positive: true }), 0.1)
    .option(
      '--paths <N>',
      'number of simulated paths',
      numberOption({ integer: true, min: 2, max: 10_000_000 }),
      1000,
    )
    .option('--seed <N>', 'PRNG seed (same seed, same result)', numberOption({ integer: true, min: 0 }), 1)
    .option('--sigma <S>', 'mid volatility per √time unit (paper: 2)', numberOption({ positive: true }))
    .option('--k <K>', 'arrival decay k (paper: 1.5)', numberOption({ positive: true }))
    .option('--A <A>', 'arrival rate A (paper: 140)', numberOption({ positive: true }))
    .option('--dt <DT>', 'time step (paper: 0.005)', numberOption({ positive: true, max: 1 }))
    .option('--json', 'print one JSON object instead of the table')
    .action(async (opts) => {
      const { runSimulateCommand } = await import('../../simulate/run.ts');
      runSimulateCommand({
        gamma: opts.gamma,
        paths: opts.paths,
        seed: opts.seed,
        sigma: opts.sigma,
        k: opts.k,
        A: opts.A,
        dt: opts.dt,
        json: Boolean(opts.json),
      });
    });
};
