import { InvalidArgumentError } from 'commander';
import { choiceOption, logLevelOption, numberOption, symbolListOption } from '../options.ts';
import type { DefineCommand } from './define-command.ts';

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

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** --account 0xADDR[=USDC], repeatable. */
function accountOption(text: string, previous: { address: string; usdc?: number }[] = []) {
  const [address, usdcText] = text.split('=');
  if (!ADDRESS.test(address ?? '')) {
    throw new InvalidArgumentError(`"${text}" is not 0x + 40 hex digits, optionally followed by =USDC.`);
  }
  const usdc = usdcText === undefined ? undefined : Number(usdcText);
  if (usdc !== undefined && !(usdc >= 0 && Number.isFinite(usdc))) {
    throw new InvalidArgumentError(`"${usdcText}" is not a USDC amount ≥ 0.`);
  }
  return [...previous, { address, usdc }];
}

/** --agent 0xAGENT=0xACCOUNT, repeatable. */
function agentOption(text: string, previous: Record<string, string> = {}) {
  const [agent, account] = text.split('=');
  if (!ADDRESS.test(agent ?? '') || !ADDRESS.test(account ?? '')) {
    throw new InvalidArgumentError(`"${text}" is not 0xAGENT=0xACCOUNT (two addresses).`);
  }
  return { ...previous, [agent]: account };
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
      '--account <addr[=usdc]>',
      'an account that may trade (repeatable); =USDC sets its starting balance',
      accountOption,
    )
    .option('--agent <agent=account>', 'approve an API wallet for an account (repeatable)', agentOption)
    .option('--start-usdc <n>', 'starting USDC of accounts without =USDC', numberOption({ min: 0 }), 10_000)
    .option(
      '--funding-rate <rate>',
      'funding rate per hour on open positions (0.0000125 = Hyperliquid at zero premium; longs pay when > 0)',
      numberOption({ min: -0.04, max: 0.04 }),
      0.0000125,
    )
    .option('--maker-fee <rate>', 'maker fee rate (0.00015 = 0.015 %)', numberOption(), 0.00015)
    .option('--taker-fee <rate>', 'taker fee rate (0.00045 = 0.045 %)', numberOption(), 0.00045)
    .option(
      '--mainnet-signatures',
      'verify signatures with the mainnet phantom agent ("a") instead of testnet\'s ("b")',
      false,
    )
    .option(
      '--queue <model>',
      'queue model of the fill model: risk-averse | prob',
      choiceOption(['risk-averse', 'prob'] as const),
      'risk-averse',
    )
    .option(
      '--queue-power <n>',
      'exponent of the prob queue model (default 3)',
      numberOption({ positive: true }),
    )
    .option(
      '--entry-latency-ms <ms>',
      'order entry latency of the matching engine: an order or modify takes effect (and is answered) this long after it arrives',
      numberOption({ min: 0 }),
      0,
    )
    .option(
      '--cancel-latency-ms <ms>',
      'cancel latency of the matching engine (default: = --entry-latency-ms)',
      numberOption({ min: 0 }),
    )
    .option(
      '--latency-file <file>',
      'draw entry and cancel latencies from this file (hlmm latency --out), instead of the constants',
    )
    .option(
      '--latency-seed <n>',
      'seed of the --latency-file draws (default 1)',
      numberOption({ integer: true }),
    )
    .option(
      '--ip-weight-per-minute <n>',
      'IP rate limit, request weight per minute (Hyperliquid: 1200; 0 = off)',
      numberOption({ integer: true, min: 0 }),
      0,
    )
    .option(
      '--address-request-buffer <n>',
      'requests per address before traded volume counts (Hyperliquid: 10000)',
      numberOption({ integer: true, min: 0 }),
      10_000,
    )
    .option('--log-level <level>', 'debug | info | warn | error', logLevelOption, 'info')
    .action(async (opts) => {
      const { runFakeExchange } = await import('../../fake-exchange/run-fake-exchange.ts');
      await runFakeExchange(opts);
    });
};
