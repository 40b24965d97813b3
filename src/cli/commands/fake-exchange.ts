import { InvalidArgumentError } from 'commander';
import { choiceOption, numberOption, symbolListOption } from '../options.ts';
import type { DefineCommand } from './index.ts';

/** --speed: a positive multiple of real time, or max / 0 for the firehose. */
function speedOption(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === '0') return 0;
  const speed = Number(t);
  if (t === '' || !Number.isFinite(speed) || speed <= 0) {
    throw new InvalidArgumentError(`"${text}" is not a speed; use a number > 0 (1 = real time) or max.`);
  }
  return speed;
}

export const defineFakeExchange: DefineCommand = (program) => {
  program
    .command('fake-exchange')
    .description('Serve a local Hyperliquid stand-in (WebSocket /ws, POST /info) replaying recorded files.')
    .option(
      '--port <n>',
      'TCP port (0 = any free port)',
      numberOption({ integer: true, min: 0, max: 65535 }),
      8080,
    )
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'recorded directory (default: the bundled BTC sample)')
    .option('--symbols <list>', 'coins to replay, comma-separated', symbolListOption, ['BTC'])
    .option(
      '--speed <x>',
      'exchange time per wall time: 1 = real time, 100 = 100× faster, max = firehose',
      speedOption,
      1,
    )
    .option('--loop', 'play the data again when it ends (later passes get fresh trade ids)', false)
    .option('--exit-at-end', 'exit when the data ends (without --loop)', false)
    .option(
      '--resend-trades <n>',
      'recent trades sent to each new trades subscriber, as Hyperliquid does (0 = none)',
      numberOption({ integer: true, min: 0, max: 100 }),
      30,
    )
    .option(
      '--max-gap-s <s>',
      'longest wait between recorded events, exchange seconds (longer holes are skipped)',
      numberOption({ positive: true }),
      10,
    )
    .option(
      '--idle-timeout-s <s>',
      'close connections that sent nothing for this long (Hyperliquid: 60; 0 = never)',
      numberOption({ min: 0 }),
      60,
    )
    .option(
      '--log-level <level>',
      'debug | info | warn | error',
      choiceOption(['debug', 'info', 'warn', 'error'] as const),
      'info',
    )
    .action(async (opts) => {
      const { runFakeExchange } = await import('../../fake-exchange/run-fake-exchange.ts');
      await runFakeExchange(opts);
    });
};
