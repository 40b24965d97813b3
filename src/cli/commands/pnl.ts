import { InvalidArgumentError } from 'commander';
import { numberOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';

function urlListOption(text: string): string[] {
  const urls = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (urls.length === 0) throw new InvalidArgumentError('give at least one URL, e.g. http://127.0.0.1:3004.');
  return urls;
}

export const definePnl: DefineCommand = (program) => {
  program
    .command('pnl')
    .description(
      'Sum up running bots (hlmm or Freqtrade) through their Freqtrade-compatible REST API: one row per bot.',
    )
    .option('--bots <urls>', 'comma-separated API base URLs, e.g. http://127.0.0.1:3004', urlListOption)
    .option('--bots-file <file>', 'JSON list of {"name","url","user","password"|"password_env"}')
    .option('--user <name>', 'API user name for the --bots URLs')
    .option('--password <password>', 'API password for the --bots URLs (default: $HLMM_API_PASSWORD)')
    .option('--timeout <seconds>', 'per-bot timeout', numberOption({ positive: true, max: 120 }), 5)
    .option('--json', 'print JSON instead of the table', false)
    .action(
      async (opts: {
        bots?: string[];
        botsFile?: string;
        user?: string;
        password?: string;
        timeout: number;
        json: boolean;
      }) => {
        const { runPnl } = await import('../../pnl/run-pnl.ts');
        await runPnl({
          bots: opts.bots,
          botsFile: opts.botsFile,
          user: opts.user,
          password: opts.password,
          timeoutS: opts.timeout,
          json: opts.json,
        });
      },
    );
};
