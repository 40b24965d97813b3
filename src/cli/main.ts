import { Command, CommanderError } from 'commander';
import { isUserError } from '../core/errors.ts';
import { commands } from './commands/index.ts';

const program = new Command('hlmm')
  .description(
    'Avellaneda–Stoikov market making for Hyperliquid perpetuals: record, calibrate, backtest, trade.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run with --help for the flags)')
  .exitOverride();

for (const define of commands) define(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed its one-line message (or the help / version text).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (isUserError(err)) {
    process.stderr.write(`hlmm: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    // A bug, not bad input: keep the stack so it can be reported.
    process.stderr.write(
      `hlmm: internal error (please report): ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exitCode = 70;
  }
}
