import type { DefineCommand } from './define-command.ts';

export const defineLatency: DefineCommand = (program) => {
  program
    .command('latency')
    .description(
      "Percentiles of the live bot's own latencies (order request → answer, fill's exchange time → receipt) from its database; --out writes the file backtest --latency-file draws from.",
    )
    .requiredOption('--db <file>', 'the SQLite file a live bot (hlmm trade --live) wrote')
    .option('--out <file>', 'write the latency file for hlmm backtest --latency-file')
    .option('--coin <name>', 'only this perp’s samples')
    .option('--json', 'print JSON instead of the table', false)
    .action(async (opts: { db: string; out?: string; coin?: string; json: boolean }) => {
      const { runLatencyCommand } = await import('../../store/latency-report.ts');
      runLatencyCommand(opts);
    });
};
