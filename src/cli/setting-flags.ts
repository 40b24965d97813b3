import { type Command, Option } from 'commander';
import { choiceOption, numberOption, symbolListOption } from './options.ts';
import {
  horizonOption,
  makerFeeFlag,
  minSpreadFlag,
  modelFlag,
  queueFlag,
  takerFeeFlag,
} from './replay-flags.ts';

/**
 * The strategy, risk and fill-model flags `hlmm backtest` and `hlmm trade` share, declared once. None has a
 * default of its own: when a flag is not given, the config file's value applies (src/config/run-settings.ts),
 * and the config's defaults are the engine's (src/engine/defaults.ts) — so both commands run the same settings.
 */
export function addSettingFlags(cmd: Command): Command {
  const cfg = (text: string, key: string) => `${text} (default: config ${key})`;
  cmd
    .addOption(modelFlag(false))
    .addOption(
      new Option('--mode <mode>', cfg('two-sided | long-only', 'strategy.mode, two-sided')).argParser(
        choiceOption(['two-sided', 'long-only'] as const),
      ),
    )
    .option(
      '--horizon <h>',
      cfg('A–S horizon: eod (to 00:00 UTC) or seconds (rolling)', 'strategy.horizon, eod'),
      (text: string) => {
        horizonOption(text);
        return text.trim().toLowerCase();
      },
    )
    .option(
      '--order-size <base>',
      cfg('one quote = one lot, base units (e.g. 0.001 BTC)', 'strategy.order_size, 0.001'),
      numberOption({ positive: true }),
    )
    .option(
      '--max-position <lots>',
      cfg('max |position| in lots (strategy and risk)', 'strategy/risk.max_position_lots'),
      numberOption({ min: 0 }),
    )
    .addOption(minSpreadFlag(false))
    .option(
      '--tolerance-bps <bps>',
      cfg(
        'keep a resting quote within this many bps of the model price',
        'strategy.reprice_tolerance_bps, 1',
      ),
      numberOption({ min: 0 }),
    )
    .addOption(
      new Option(
        '--replace <how>',
        cfg('replace a mispriced quote by: modify | cancel-then-place', 'strategy.replace_with, modify'),
      ).argParser(choiceOption(['modify', 'cancel-then-place'] as const)),
    )
    .option(
      '--requote-ms <ms>',
      cfg('re-ask the strategy at least this often', 'strategy.requote_interval_ms, 1000'),
      numberOption({ min: 0 }),
    )
    .option(
      '--max-book-age-ms <ms>',
      cfg(
        'stale-book rule: quote nothing while the last BBO is older than this (0 = off)',
        'strategy.max_book_age_ms, 5000',
      ),
      numberOption({ min: 0 }),
    )
    .option(
      '--levels <n>',
      cfg('order ladder: resting orders per side (two-sided)', 'strategy.levels, 1'),
      numberOption({ integer: true, min: 1, max: 50 }),
    )
    .option(
      '--level-spacing-ticks <ticks>',
      cfg('ladder: distance between levels, ticks', 'strategy.level_spacing_ticks, 1'),
      numberOption({ integer: true, min: 1 }),
    )
    .option(
      '--level-spacing-half-spread <fraction>',
      cfg(
        "ladder: distance between levels as a fraction of the model's half spread (0 = use ticks)",
        'strategy.level_spacing_half_spread, 0',
      ),
      numberOption({ min: 0 }),
    )
    .option(
      '--level-size-factor <x>',
      cfg('ladder: level i is x^i lots', 'strategy.level_size_factor, 1'),
      numberOption({ positive: true, max: 10 }),
    )
    .addOption(queueFlag(false))
    .option(
      '--queue-power <n>',
      cfg('exponent of the prob queue model', 'fill_model.queue_power, 3'),
      numberOption({ positive: true }),
    )
    .option(
      '--latency-ms <ms>',
      cfg('fill model: order-entry latency (= --entry-latency-ms)', 'fill_model.latency_ms, 100'),
      numberOption({ min: 0 }),
    )
    .option(
      '--entry-latency-ms <ms>',
      cfg(
        'fill model: order entry latency (order sent → live at the exchange)',
        'fill_model.latency_ms, 100',
      ),
      numberOption({ min: 0 }),
    )
    .option(
      '--response-latency-ms <ms>',
      cfg(
        'fill model: response latency (ack/fill at the exchange → received)',
        'fill_model.response_latency_ms, 0',
      ),
      numberOption({ min: 0 }),
    )
    .addOption(
      new Option(
        '--feed-latency <mode>',
        cfg(
          'backtest: the strategy sees events at their recorded receive time (recorded) or exchange time (none)',
          'fill_model.feed_latency, recorded',
        ),
      ).argParser(choiceOption(['recorded', 'none'] as const)),
    )
    .option(
      '--latency-file <file>',
      cfg(
        'fill model: draw entry and response latencies from this file (hlmm latency --out)',
        'fill_model.latency_file',
      ),
    )
    .option(
      '--latency-seed <n>',
      cfg('seed of the --latency-file draws', 'fill_model.latency_seed, 1'),
      numberOption({ integer: true }),
    )
    .option(
      '--cancel-latency-ms <ms>',
      cfg('paper fill model: cancel latency', 'fill_model.cancel_latency_ms, = --latency-ms'),
      numberOption({ min: 0 }),
    )
    .addOption(makerFeeFlag(false))
    .addOption(takerFeeFlag(false))
    .option(
      '--fills-out <file.csv>',
      'write one CSV row per fill: time, side, price, size, fee, liquidity, position after',
    );
  addOnlineAndInventoryFlags(cmd);
  return cmd;
}

/** Online parameters, inventory target and fill delay (both commands; a block of their own). */
function addOnlineAndInventoryFlags(cmd: Command): Command {
  const cfg = (text: string, key: string) => `${text} (default: config ${key})`;
  return cmd
    .addOption(
      new Option(
        '--params-source <src>',
        cfg(
          'σ, A, k from: calibrated (params file) | online (re-estimated over a rolling window) | blend (geometric mean, weight strategy.online.blend_weight)',
          'strategy.params_source, calibrated',
        ),
      ).argParser(choiceOption(['calibrated', 'online', 'blend'] as const)),
    )
    .option(
      '--online-window-s <s>',
      cfg('online parameters: rolling window, seconds', 'strategy.online.window_s, 600'),
      numberOption({ min: 60, integer: true }),
    )
    .option(
      '--online-refresh-s <s>',
      cfg('online parameters: re-estimate every this many seconds', 'strategy.online.refresh_s, 5'),
      numberOption({ positive: true }),
    )
    .option(
      '--inventory-target <lots>',
      cfg('inventory target q*, lots: the reservation price skews around it', 'strategy.inventory_target, 0'),
      numberOption(),
    )
    .option(
      '--filled-order-delay-s <s>',
      cfg(
        'no new order on a side for this many seconds after a fill on it (0 = off)',
        'strategy.filled_order_delay_s, 0',
      ),
      numberOption({ min: 0 }),
    );
}

/** Several coins from one account (`--tickers`), both commands: the coins, their parameters, the account's limits. */
export function addMultiCoinFlags(cmd: Command): Command {
  return cmd
    .option(
      '--tickers <list>',
      'several coins from one account, e.g. BTC,ETH (trade: paper or --live) (default: config tickers; not with --ticker)',
      symbolListOption,
    )
    .option(
      '--params-dir <dir>',
      'with --tickers: folder holding params_<TICKER>.json for each coin (default: the --replay folder, else the working folder)',
    )
    .option(
      '--account-max-notional <usdc>',
      'with --tickers: max Σ |position| × mid over the coins, USDC (default: config account_risk.max_total_notional_usdc, off)',
      numberOption({ positive: true }),
    )
    .option(
      '--account-kill-drawdown <usdc>',
      'with --tickers: kill switch on every coin at this account drawdown, USDC (default: config account_risk.max_drawdown_usdc, off)',
      numberOption({ positive: true }),
    )
    .option(
      '--account-daily-loss <usdc>',
      "with --tickers: kill switch on every coin at this loss since the UTC day's start, USDC (default: config account_risk.daily_loss_limit_usdc, off)",
      numberOption({ positive: true }),
    )
    .option(
      '--account-max-margin <usdc>',
      "with --tickers: while the margin in use is at or above this, no coin adds to its position, USDC (live: the exchange's totalMarginUsed; paper and backtest: Σ |position| × mid ÷ leverage) (default: config account_risk.max_margin_usdc, off)",
      numberOption({ positive: true }),
    );
}
