import { HYPERLIQUID_URLS } from '../../exchange/hyperliquid/endpoints.ts';
import { logLevelOption, numberOption, symbolListOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';
import { defineDemo } from './demo.ts';
import { defineFakeExchange } from './fake-exchange.ts';

export const defineCollect: DefineCommand = (program) => {
  program
    .command('collect')
    .description('Record Hyperliquid BBO, trades and order books over WebSocket into per-symbol CSV files.')
    .requiredOption('--symbols <list>', 'coins to record, comma-separated, e.g. BTC,ETH', symbolListOption)
    .requiredOption('--out <dir>', 'directory for prices_/trades_/orderbooks_<SYM>.csv (created if missing)')
    .option(
      '--depth <n>',
      'order-book levels per side to write',
      numberOption({ integer: true, min: 1, max: 100 }),
      20,
    )
    .option('--ws-url <url>', 'WebSocket endpoint', HYPERLIQUID_URLS.mainnet.ws)
    .option(
      '--stall-timeout-s <s>',
      'reconnect when no market data arrived for this long',
      numberOption({ positive: true }),
      60,
    )
    .option('--summary-interval-s <s>', 'seconds between summary lines', numberOption({ positive: true }), 30)
    .option(
      '--flush-interval-s <s>',
      'seconds between writes to disk (at most 5)',
      numberOption({ positive: true, max: 5 }),
      5,
    )
    .option(
      '--ping-interval-s <s>',
      'seconds between keep-alive pings (Hyperliquid closes idle connections after 60 s)',
      numberOption({ positive: true, max: 59 }),
      30,
    )
    .option(
      '--dedup-window <n>',
      'trade ids remembered per symbol to drop replayed trades',
      numberOption({ integer: true, min: 100, max: 10_000_000 }),
      50_000,
    )
    .option('--log-level <level>', 'debug | info | warn | error', logLevelOption, 'info')
    .action(async (opts) => {
      const { runCollect } = await import('../../collect/run-collect.ts');
      await runCollect(opts);
    });
};

/** collect, fake-exchange and demo, registered together (one entry in ./index.ts). */
export const defineMarketDataCommands: DefineCommand = (program) => {
  defineCollect(program);
  defineFakeExchange(program);
  defineDemo(program);
};
