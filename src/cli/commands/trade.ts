import { InvalidArgumentError } from 'commander';
import { MAX_REPLAY_SPEED } from '../../trade/bot-clock.ts';
import { choiceOption, logLevelOption, numberOption } from '../options.ts';
import { addMultiCoinFlags, addSettingFlags } from '../setting-flags.ts';
import type { DefineCommand } from './define-command.ts';

export const defineTrade: DefineCommand = (program) => {
  const cmd = program
    .command('trade')
    .description(
      'Run the market maker on one Hyperliquid perp: paper (default, simulated fills on the real feed), --replay DIR (offline, fake exchange in-process) or --live (real signed orders).',
    )
    .option('--config <file>', 'config file (JSON; see config/config.example.json)')
    .option('--dry-run', 'paper trading: real market data, simulated fills (the default)')
    .option('--live', 'real orders on the exchange (needs a private key: HLMM_PRIVATE_KEY or --key-file)')
    .option('--replay <dir>', 'offline: replay recorded files through an in-process fake exchange')
    .option(
      '--speed <x>',
      `replay speed, exchange seconds per wall second (at most ${MAX_REPLAY_SPEED})`,
      numberOption({ positive: true, max: MAX_REPLAY_SPEED }),
    )
    .option('--loop', 'with --replay: play the files again when they end instead of stopping')
    .option('--ws-url <url>', 'market data WebSocket URL (default: config / mainnet)')
    .option('--api-url <url>', 'REST API base URL for /info and /exchange (default: config / mainnet)')
    .option('--ticker <symbol>', 'perp name as Hyperliquid spells it, e.g. BTC')
    .option('--params <file>', 'calibration JSON from hlmm calibrate (hot-reloaded when it changes)')
    .option('--db <file>', 'SQLite store (default: config db_file, user_data/hlmm.sqlite)')
    .option(
      '--api-port <n>',
      'monitoring REST API and dashboard port, one for every coin with --tickers (0 = off; default: config, 3004)',
      numberOption({ integer: true, min: 0, max: 65535 }),
    )
    .option(
      '--api-host <address>',
      'monitoring API listen address (default: config, 127.0.0.1; beyond loopback a real password and JWT secret are required)',
    )
    .option(
      '--api-user <name>',
      'monitoring API user name (default: config api_server.username, or HLMM_API_USERNAME)',
    )
    .option(
      '--api-password <password>',
      'monitoring API password (prefer HLMM_API_PASSWORD: a flag is visible to other users in `ps`)',
    )
    .option(
      '--api-allowed-hosts <names>',
      'comma-separated Host-header names the API answers besides IP literals (default: config api_server.allowed_hosts, localhost)',
      (v: string) =>
        v
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== ''),
    )
    .option(
      '--api-cors <origins>',
      'comma-separated browser origins allowed to call the API, e.g. http://localhost:3000 for a FreqUI served there (default: config api_server.CORS_origins)',
      (v: string) => {
        const origins = v
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== '');
        const bad = origins.find((o) => !/^https?:\/\/[^/\s]+$/.test(o));
        if (bad !== undefined || origins.length === 0)
          throw new InvalidArgumentError(
            `"${bad ?? v}" is not an origin; write scheme://host[:port] with no path, e.g. http://localhost:3000.`,
          );
        return origins;
      },
    )
    .option(
      '--collect <dir>',
      'also record the market data the bot sees into DIR, as hlmm collect does; with --tickers every coin (default: config collector.collect_dir)',
    )
    .option(
      '--json',
      'on exit print one JSON line (orders_placed, fills, position, realized_pnl, unrealized_pnl, fees, …)',
    )
    .option('--duration-s <n>', 'stop after this many wall seconds', numberOption({ positive: true }))
    .option(
      '--key-file <file>',
      'live: file holding the private key (else the env variable in exchange.private_key_env)',
    )
    .option('--account <address>', 'live: the account traded for when the key is an API/agent wallet')
    .option('--testnet', 'use Hyperliquid testnet endpoints')
    .option('--max-notional <usdc>', 'max |position| × mid, USDC', numberOption({ positive: true }))
    .option(
      '--kill-drawdown <usdc>',
      'kill switch at this drawdown from peak equity, USDC',
      numberOption({ positive: true }),
    )
    .option(
      '--daily-loss <usdc>',
      'kill switch at this loss within one UTC day, USDC',
      numberOption({ positive: true }),
    )
    .option(
      '--stale-s <s>',
      'pull quotes when no market data for this many seconds (bot time)',
      numberOption({ positive: true }),
    )
    .option(
      '--flatten-cap-bps <bps>',
      'flatten (button, forceexit, kill switch): worst price accepted, bps from the touch (default: config risk.flatten_slippage_bps, 50)',
      numberOption({ positive: true, max: 1000 }),
    )
    .option(
      '--wallet <usdc>',
      'paper wallet starting balance, USDC (default: config dry_run_wallet, 1000)',
      numberOption({ positive: true }),
    )
    .option('--reset-paper', 'paper: start from the wallet instead of restoring position/cash from the store')
    .option(
      '--dms-s <s>',
      "live: dead man's switch horizon (cancel-all scheduled this far ahead)",
      numberOption({ min: 5 }),
    )
    .option(
      '--leverage <n>',
      "live: leverage set on the coin (updateLeverage) before its first order, times, at most the coin's maximum; paper records it (default: config leverage, the account's)",
      numberOption({ integer: true, min: 1 }),
    )
    .option(
      '--margin <mode>',
      'margin mode of --leverage: cross | isolated (default: config margin_mode, cross)',
      choiceOption(['cross', 'isolated'] as const),
    )
    .option(
      '--position-check-s <s>',
      'live: re-read the position from the exchange this often and reconcile a drift (0 = only after a store error or an unknown order outcome; default 30)',
      numberOption({ min: 0 }),
    )
    .option(
      '--quote-log-s <s>',
      'at most one line of model values (mid, r, spreads, q, τ, σ, k, γ) per this many seconds',
      numberOption({ min: 0 }),
    )
    .option(
      '--clock <kind>',
      'bot clock: wall | exchange (follow market message times at --speed; for an external replaying fake exchange)',
      choiceOption(['wall', 'exchange'] as const),
    )
    .option('--log-file <file>', 'JSON-lines log file (default: config logging.file)')
    .option('--log-level <level>', 'console level', logLevelOption)
    .option('--quiet', 'no console log lines (the summary is still printed)');
  addMultiCoinFlags(cmd);
  addSettingFlags(cmd).action(async (opts) => {
    const { runTradeCommand } = await import('../../trade/run-trade.ts');
    await runTradeCommand(opts);
  });
};
