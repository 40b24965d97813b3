import { z } from 'zod';
import { ALERT_KINDS } from '../alerts/alerts.ts';
import { ENGINE_DEFAULTS, FILL_MODEL_DEFAULTS, RISK_DEFAULTS } from '../engine/defaults.ts';
import { FLATTEN_DEFAULTS } from '../engine/flatten.ts';
import { HYPERLIQUID_URLS } from '../exchange/hyperliquid/endpoints.ts';
import type { HorizonConfig } from '../model/horizon.ts';
import { defaultStrategyConfig as S } from '../strategy/config.ts';
import { ONLINE_DEFAULTS } from '../strategy/online-params.ts';

/**
 * The bot's config file (JSON), as a zod schema. Every key has a default, so `{}` is a valid paper-trading
 * config for BTC. Each check carries the sentence a user reads when it fails ("must be …"); load-config.ts adds
 * the file, the key path and the value. Tick and lot rules are not here: they come from the exchange's `meta`.
 * Docs: docs/config.md (keep them in step).
 */

// ── building blocks: one expectation sentence per value ─────────────────────────────────────────────────────────

const number = (expect: string, checks: { min?: number; max?: number; gt?: number; int?: boolean } = {}) => {
  let s = z.number({ error: expect });
  if (checks.int) s = s.int({ error: expect });
  if (checks.gt !== undefined) s = s.gt(checks.gt, { error: expect });
  if (checks.min !== undefined) s = s.min(checks.min, { error: expect });
  if (checks.max !== undefined) s = s.max(checks.max, { error: expect });
  return s;
};

const text = (expect: string, pattern?: RegExp) => {
  const s = z.string({ error: expect }).min(1, { error: expect });
  return pattern ? s.regex(pattern, { error: expect }) : s;
};

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` });

const bool = () => z.boolean({ error: 'must be true or false' });

/** A nested object: unknown keys refused; absent → `{}` parsed through the shape, so every inner default applies. */
const section = <T extends z.ZodRawShape>(shape: T) =>
  // `{}` is a valid input here because every key of every section has a default; TS cannot see that generically.
  z.strictObject(shape, { error: 'must be an object ({ … })' }).prefault({} as never);

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const HORIZON_EXPECT =
  'must be "end-of-day-utc" (or "eod") or a number of seconds greater than 0 for a rolling horizon';
const horizon = z
  .union(
    [
      z.literal('end-of-day-utc', { error: HORIZON_EXPECT }),
      z.literal('eod', { error: HORIZON_EXPECT }),
      number(HORIZON_EXPECT, { gt: 0 }),
    ],
    { error: HORIZON_EXPECT },
  )
  .default('end-of-day-utc')
  .transform(
    (v): HorizonConfig => (typeof v === 'number' ? { kind: 'rolling', tauS: v } : { kind: 'end-of-day-utc' }),
  );

/** Hyperliquid's public endpoints per network (used when api_url / ws_url are not given). */
export const NETWORK_URLS = HYPERLIQUID_URLS;

const ALERT_KIND_NAMES = ALERT_KINDS;

const TEMPLATE_EXPECT =
  'must be false (send nothing), null (the default payload) or an object of strings such as {"value1": "{message}"}';
/** A webhook event's payload: false = not sent, null = the default payload, an object = Freqtrade-style template. */
const webhookTemplate = z
  .union(
    [
      z.literal(false, { error: TEMPLATE_EXPECT }),
      z.null({ error: TEMPLATE_EXPECT }),
      z.record(
        z.string(),
        z.union([z.string(), z.number(), z.boolean(), z.null()], { error: TEMPLATE_EXPECT }),
        { error: TEMPLATE_EXPECT },
      ),
    ],
    { error: TEMPLATE_EXPECT },
  )
  .default(null);

const PERP_NAME = /^[A-Za-z0-9]{1,20}$/;

/** One coin's entry under `coins`: every key optional; an absent key keeps the value every coin has. */
const coinSettings = z.strictObject(
  {
    /** This coin's lot, base units (q = position ÷ it). */
    order_size: number('must be a number of base units greater than 0 (e.g. 0.01 for ETH)', {
      gt: 0,
    }).optional(),
    /** This coin's max position, in its lots: the strategy's and the risk layer's (as --max-position). */
    max_position_lots: number('must be a number of lots, 0 or more', { min: 0 }).optional(),
    /** This coin's max |position| × mid, USDC. */
    max_notional_usdc: number('must be a number of USDC greater than 0', { gt: 0 }).optional(),
    /** This coin's largest single order, base units. */
    max_order_size: number('must be a number of base units greater than 0', { gt: 0 }).optional(),
  },
  { error: 'must be an object of per-coin settings, e.g. {"order_size": 0.01}' },
);

/** The keys a `coins.<TICKER>` entry may hold (for the unknown-key sentence). */
export const COIN_SETTING_KEYS = Object.keys(coinSettings.shape);

// ── the file ────────────────────────────────────────────────────────────────────────────────────────────────────

export const configSchema = z
  .strictObject(
    {
      /** Hyperliquid perp name, exactly as the exchange spells it (BTC, ETH, kPEPE). */
      ticker: text('must be a Hyperliquid perp name such as "BTC"', /^[A-Za-z0-9]{1,20}$/).default('BTC'),
      /**
       * Several coins traded from one account (`--tickers`): one process, one store, the account limits of
       * `account_risk` over them; null = `ticker` alone.
       */
      tickers: z
        .array(text('must be a Hyperliquid perp name such as "BTC"', /^[A-Za-z0-9]{1,20}$/), {
          error: 'must be a list of perp names such as ["BTC", "ETH"], or null',
        })
        .min(1, { error: 'must list at least one perp name, or be null' })
        .nullable()
        .default(null),
      /** Paper trading unless false; live trading also needs the CLI's --live. */
      dry_run: bool().default(true),
      /** Name shown by the API (Freqtrade's bot_name). */
      bot_name: text('must be a non-empty name').default('hlmm'),
      /** Calibration JSON written by `hlmm calibrate`; null = params_<ticker>.json in the working folder. */
      params_file: text('must be a file path').nullable().default(null),
      /** SQLite file of the bot (orders, fills, PnL, parameters history). */
      db_file: text('must be a file path').default('user_data/hlmm.sqlite'),
      /** Paper wallet's starting balance, USDC (Freqtrade's name). */
      dry_run_wallet: number('must be a number of USDC greater than 0', { gt: 0 }).default(
        RISK_DEFAULTS.startingBalanceQuote,
      ),

      strategy: section({
        model: oneOf(['as', 'glft'] as const).default(S.model),
        glft_xi: oneOf(['gamma', 'zero'] as const).default(S.glftXi),
        mode: oneOf(['two-sided', 'long-only'] as const).default(S.mode),
        /** One lot, base units; q = position ÷ order_size. */
        order_size: number('must be a number of base units greater than 0 (e.g. 0.001 for BTC)', {
          gt: 0,
        }).default(S.orderSizeBase),
        max_position_lots: number('must be a number of lots, 0 or more', { min: 0 }).default(
          S.maxPositionLots,
        ),
        min_spread_bps: number('must be basis points of the mid, 0 or more', { min: 0 }).default(
          S.minSpreadBps,
        ),
        reprice_tolerance_bps: number('must be basis points, 0 or more', { min: 0 }).default(
          ENGINE_DEFAULTS.priceToleranceBps,
        ),
        horizon,
        /** Long-only: value of each trade, USDC. */
        stake_usdc: number('must be a number of USDC greater than 0', { gt: 0 }).default(S.stakeQuote),
        /** Long-only: an unfilled order keeps its price this long before re-pricing, seconds. */
        reprice_after_s: number('must be a number of seconds, 0 or more', { min: 0 }).default(
          S.repriceAfterMs / 1000,
        ),
        /** Ask the strategy at least this often even when the touch does not move, ms (0 = only on events). */
        requote_interval_ms: number('must be a number of milliseconds, 0 or more', { min: 0 }).default(
          ENGINE_DEFAULTS.requoteIntervalMs,
        ),
        /** Stale-book rule: quote nothing while the last best bid/ask is older than this, ms (0 = off). */
        max_book_age_ms: number('must be a number of milliseconds, 0 or more', { min: 0 }).default(
          S.maxBookAgeMs,
        ),
        /** How a mispriced quote is replaced: one atomic modify, or a cancel then a new order. */
        replace_with: oneOf(['modify', 'cancel-then-place'] as const).default(ENGINE_DEFAULTS.replaceWith),
        /** Inventory target q*, lots: the reservation price skews around it, not 0. */
        inventory_target: number('must be a number of lots (negative = short target)').default(
          S.inventoryTargetLots,
        ),
        /** No new order on a side for this long after a fill on that side, seconds (0 = off). */
        filled_order_delay_s: number('must be a number of seconds, 0 or more', { min: 0 }).default(
          S.filledOrderDelayMs / 1000,
        ),
        /** σ, A, k: the parameters file (calibrated), re-estimated in the run (online) or a blend of both. */
        params_source: oneOf(['calibrated', 'online', 'blend'] as const).default('calibrated'),
        /** Online parameters (src/strategy/online-params.ts): window, refresh, blend weight, bounds, data rules. */
        online: section({
          window_s: number('must be a whole number of seconds, 60 or more', { min: 60, int: true }).default(
            ONLINE_DEFAULTS.windowS,
          ),
          refresh_s: number('must be a number of seconds greater than 0', { gt: 0 }).default(
            ONLINE_DEFAULTS.refreshS,
          ),
          blend_weight: number('must be a weight between 0 and 1', { min: 0, max: 1 }).default(
            ONLINE_DEFAULTS.blendWeight,
          ),
          bounds_factor: number('must be a factor of 1 or more', { min: 1 }).default(
            ONLINE_DEFAULTS.boundsFactor,
          ),
          min_sigma_coverage: number('must be a fraction between 0 and 1', { min: 0, max: 1 }).default(
            ONLINE_DEFAULTS.minSigmaCoverage,
          ),
          min_orders: number('must be a whole number of orders, 10 or more', { min: 10, int: true }).default(
            ONLINE_DEFAULTS.minOrders,
          ),
        }),
        /** Order ladder: resting orders per side (1 = one bid and one ask; two-sided mode only). */
        levels: number('must be a whole number of orders per side, 1–50', {
          int: true,
          min: 1,
          max: 50,
        }).default(S.levels),
        /** Ladder: distance between levels, ticks (used when level_spacing_half_spread is 0). */
        level_spacing_ticks: number('must be a whole number of ticks, 1 or more', {
          int: true,
          min: 1,
        }).default(S.levelSpacingTicks),
        /** Ladder: distance between levels as a fraction of the model's half spread (0 = use ticks). */
        level_spacing_half_spread: number('must be a fraction of the half spread, 0 or more', {
          min: 0,
        }).default(S.levelSpacingHalfSpread),
        /** Ladder: level i is level_size_factor^i lots (1 = flat). */
        level_size_factor: number('must be a factor greater than 0, at most 10', { gt: 0, max: 10 }).default(
          S.levelSizeFactor,
        ),
      }),

      /**
       * Leverage set on the coin (updateLeverage) before the first live order; null = leave the account's setting.
       * Paper trading records it (the API reports it) but simulates no margin.
       */
      leverage: number('must be a whole number of times (e.g. 3), 1 or more, or null', { int: true, min: 1 })
        .nullable()
        .default(null),
      /** Margin mode of that leverage (Hyperliquid updateLeverage isCross). */
      margin_mode: oneOf(['cross', 'isolated'] as const).default('cross'),

      /** The fill model (backtest, paper trading): queue position and latencies (src/sim/fill-model-config.ts). Fees are in `fees`. */
      fill_model: section({
        queue: oneOf(['risk-averse', 'prob'] as const).default(FILL_MODEL_DEFAULTS.queue),
        /** Exponent n of the prob queue model. */
        queue_power: number('must be a number greater than 0', { gt: 0 }).default(
          FILL_MODEL_DEFAULTS.queuePower,
        ),
        /** Order-entry latency (decision → order live at the exchange), ms. */
        latency_ms: number('must be a number of milliseconds, 0 or more', { min: 0 }).default(
          FILL_MODEL_DEFAULTS.latencyMs,
        ),
        /** Cancel latency, ms; null = latency_ms. */
        cancel_latency_ms: number('must be a number of milliseconds, 0 or more, or null', { min: 0 })
          .nullable()
          .default(null),
        /** Response latency (report at the exchange → received by the bot), ms. */
        response_latency_ms: number('must be a number of milliseconds, 0 or more', { min: 0 }).default(
          FILL_MODEL_DEFAULTS.responseLatencyMs,
        ),
        /** Backtest: the strategy sees each event at its recorded receive time (recorded) or exchange time (none). */
        feed_latency: oneOf(['recorded', 'none'] as const).default(FILL_MODEL_DEFAULTS.feedLatency),
        /** Measured latencies (hlmm latency --out): entry and response drawn from them; null = the constants. */
        latency_file: text('must be a file path or null').nullable().default(null),
        /** Seed of the draws from latency_file (same seed, same backtest). */
        latency_seed: number('must be a whole number', { int: true }).default(
          FILL_MODEL_DEFAULTS.latencySeed,
        ),
      }),

      backtest: section({
        /** Recorded files carry no funding: the hourly rate a backtest assumes (0.0000125 = 0.00125 %/h). */
        funding_rate: number('must be an hourly rate between -0.01 and 0.01', {
          min: -0.01,
          max: 0.01,
        }).default(0),
      }),

      risk: section({
        max_position_lots: number('must be a number of lots, 0 or more', { min: 0 }).default(
          RISK_DEFAULTS.maxPositionLots,
        ),
        max_notional_usdc: number('must be a number of USDC greater than 0', { gt: 0 }).default(
          RISK_DEFAULTS.maxNotionalQuote,
        ),
        /** Largest single order, base units; null = strategy.order_size (no order bigger than one lot). */
        max_order_size: number('must be a number of base units greater than 0, or null', { gt: 0 })
          .nullable()
          .default(null),
        daily_loss_limit_usdc: number('must be a number of USDC greater than 0', { gt: 0 }).default(
          RISK_DEFAULTS.dailyLossLimitQuote,
        ),
        max_drawdown_usdc: number('must be a number of USDC greater than 0', { gt: 0 }).default(
          RISK_DEFAULTS.maxDrawdownQuote,
        ),
        stale_data_s: number('must be a number of seconds greater than 0', { gt: 0 }).default(
          RISK_DEFAULTS.staleDataS,
        ),
        /** Flatten (button, forceexit, kill switch): worst price accepted, bps from the touch when it began. */
        flatten_slippage_bps: number('must be basis points greater than 0 and at most 1000 (10 %)', {
          gt: 0,
          max: 1000,
        }).default(FLATTEN_DEFAULTS.slippageCapBps),
        /** When the kill switch trips, also flatten the position (a market exit within the cap). */
        flatten_on_kill_switch: bool().default(FLATTEN_DEFAULTS.onKillSwitch),
      }),

      /** Limits of the account as a whole when several coins trade from it (`--tickers`); null = off. */
      account_risk: section({
        /** Σ over the coins of |position| × mid, USDC. */
        max_total_notional_usdc: number('must be a number of USDC greater than 0, or null', { gt: 0 })
          .nullable()
          .default(null),
        /** Kill switch on every coin when the account's drawdown from its peak equity reaches this, USDC. */
        max_drawdown_usdc: number('must be a number of USDC greater than 0, or null', { gt: 0 })
          .nullable()
          .default(null),
        /** Kill switch on every coin when the account's loss since the UTC day's start reaches this, USDC. */
        daily_loss_limit_usdc: number('must be a number of USDC greater than 0, or null', { gt: 0 })
          .nullable()
          .default(null),
        /**
         * No coin adds to its position while the account's margin in use (live: the exchange's
         * totalMarginUsed; paper: Σ |position| × mid ÷ leverage) is at or above this, USDC; reducing quotes stay.
         */
        max_margin_usdc: number('must be a number of USDC greater than 0, or null', { gt: 0 })
          .nullable()
          .default(null),
      }),

      /**
       * Per-coin settings for several coins traded together (`--tickers`): each coin's lot and its own limits, laid
       * over the flags and the file's `strategy` / `risk` values for that coin only. Keys are perp names.
       */
      coins: z
        .record(z.string(), coinSettings, {
          error: 'must be an object keyed by perp name, e.g. {"ETH": {"order_size": 0.01}}',
        })
        .default({})
        .superRefine((coins, ctx) => {
          for (const name of Object.keys(coins))
            if (!PERP_NAME.test(name))
              ctx.addIssue({
                code: 'custom',
                path: [name],
                message:
                  'names no perp: key each entry by the coin as Hyperliquid spells it (letters and digits, e.g. "ETH")',
              });
        }),

      fees: section({
        /** Fraction of notional (0.00015 = 0.015 %); negative = rebate. */
        maker_rate: number('must be a fee rate between -0.001 and 0.01 (0.00015 = 0.015 %)', {
          min: -0.001,
          max: 0.01,
        }).default(FILL_MODEL_DEFAULTS.makerFeeRate),
        taker_rate: number('must be a fee rate between 0 and 0.01 (0.00045 = 0.045 %)', {
          min: 0,
          max: 0.01,
        }).default(FILL_MODEL_DEFAULTS.takerFeeRate),
      }),

      exchange: section({
        network: oneOf(['mainnet', 'testnet'] as const).default('mainnet'),
        /** null = the network's official URL. */
        api_url: text('must be an http(s) URL', /^https?:\/\/\S+$/)
          .nullable()
          .default(null),
        ws_url: text('must be a ws(s) URL', /^wss?:\/\/\S+$/)
          .nullable()
          .default(null),
        /** The trading account (main wallet or vault), public address. */
        account_address: text('must be an address: 0x followed by 40 hex digits', ADDRESS)
          .nullable()
          .default(null),
        /** NAME of the environment variable holding the private key (never the key itself). */
        private_key_env: text(
          'must be the name of an environment variable, e.g. "HLMM_PRIVATE_KEY"',
          ENV_VAR_NAME,
        ).default('HLMM_PRIVATE_KEY'),
        /** Path of a file holding the private key; used when the environment variable is not set. */
        private_key_file: text('must be a file path').nullable().default(null),
      }),

      collector: section({
        /** Record market data here while trading (null = off; `hlmm collect` can write there instead). */
        collect_dir: text('must be a folder path').nullable().default(null),
        /** Re-run calibration on collect_dir's data once per UTC day. */
        recalibrate_daily: bool().default(true),
        /**
         * Without collect_dir: the directory another process records (e.g. the compose collector service), read
         * (never written) for the daily re-calibration. One writer per data directory.
         */
        read_dir: text('must be a folder path').nullable().default(null),
      }),

      logging: section({
        level: oneOf(['debug', 'info', 'warn', 'error'] as const).default('info'),
        /** JSON-lines log file (null = console only). */
        file: text('must be a file path').nullable().default('user_data/logs/hlmm.jsonl'),
        /** At most one line of model values (mid, r, spreads, q, τ, σ, k, γ) per this many seconds. */
        quote_log_interval_s: number('must be a number of seconds, 0 or more', { min: 0 }).default(5),
      }),

      /** Freqtrade-style webhook (docs/alerts.md). */
      webhook: section({
        enabled: bool().default(false),
        /** Where alerts are POSTed; often carries a key, so it is redacted in dumps and never logged. */
        url: text('must be an http(s) URL', /^https?:\/\/\S+$/)
          .nullable()
          .default(null),
        /** Body encoding: "form" (Freqtrade's default) or "json". */
        format: oneOf(['form', 'json'] as const).default('form'),
        /** Re-tries after a failed POST, with a doubling delay from retry_delay. */
        retries: number('must be a whole number of re-tries, 0–10', { int: true, min: 0, max: 10 }).default(
          3,
        ),
        /** First re-try after this many seconds (doubled each time). */
        retry_delay: number('must be a number of seconds, 0–60', { min: 0, max: 60 }).default(0.1),
        /** One POST's timeout, seconds. */
        timeout: number('must be a number of seconds greater than 0', { gt: 0, max: 120 }).default(10),
        entry_fill: webhookTemplate,
        exit_fill: webhookTemplate,
        kill_switch: webhookTemplate,
        stale_data: webhookTemplate,
        disconnect: webhookTemplate,
        reconnect: webhookTemplate,
        params_refused: webhookTemplate,
        shutdown: webhookTemplate,
      }),

      /** Telegram alerts through the Bot API (docs/alerts.md). */
      telegram: section({
        enabled: bool().default(false),
        /** The bot token from @BotFather: a secret (HLMM_TELEGRAM_TOKEN overrides it; redacted everywhere). */
        token: z.string({ error: 'must be a string' }).default(''),
        chat_id: z
          .union([z.string({ error: 'must be a chat id' }), z.number({ error: 'must be a chat id' })], {
            error: 'must be a chat id (a number or a string such as "@channel")',
          })
          .default('')
          .transform((v) => String(v)),
        /** The Bot API's base URL (a local stand-in in tests). */
        base_url: text('must be an http(s) URL', /^https?:\/\/\S+$/).default('https://api.telegram.org'),
        /** Alert kinds not sent to Telegram, e.g. ["entry_fill", "exit_fill"] on a busy bot. */
        silent: z.array(oneOf(ALERT_KIND_NAMES), { error: 'must be a list of alert kinds' }).default([]),
      }),

      api_server: section({
        enabled: bool().default(true),
        listen_ip_address: text('must be an IP address such as "127.0.0.1"').default('127.0.0.1'),
        /** 0 = API off. */
        listen_port: number('must be an integer 0–65535', { int: true, min: 0, max: 65535 }).default(3004),
        username: text('must be a non-empty user name').default('hlmm'),
        password: z.string({ error: 'must be a string' }).default(''),
        jwt_secret_key: z.string({ error: 'must be a string' }).default(''),
        CORS_origins: z
          .array(z.string({ error: 'must be a list of origins (strings)' }), {
            error: 'must be a list of origins, e.g. ["http://localhost:8080"]',
          })
          .default([]),
        /**
         * Host-header names the API answers besides IP literals (a guard against DNS rebinding): add the name a
         * reverse proxy or your LAN uses for the bot.
         */
        allowed_hosts: z
          .array(z.string({ error: 'must be a list of host names (strings)' }), {
            error: 'must be a list of host names, e.g. ["localhost", "bot.example.lan"]',
          })
          .default(['localhost']),
        /** Token(s) accepted by the message WebSocket, Freqtrade style (one string or a list). */
        ws_token: z
          .union(
            [
              z.string({ error: 'must be a string or a list of strings' }),
              z.array(z.string({ error: 'must be a string or a list of strings' })),
            ],
            { error: 'must be a string or a list of strings' },
          )
          .default([])
          .transform((v) => (typeof v === 'string' ? (v === '' ? [] : [v]) : v)),
      }),
    },
    { error: 'must be a JSON object ({ … }) at the top level' },
  )
  .transform((c) => ({
    ...c,
    params_file: c.params_file ?? `params_${c.ticker}.json`,
    exchange: {
      ...c.exchange,
      api_url: c.exchange.api_url ?? NETWORK_URLS[c.exchange.network].api,
      ws_url: c.exchange.ws_url ?? NETWORK_URLS[c.exchange.network].ws,
    },
    risk: { ...c.risk, max_order_size: c.risk.max_order_size ?? c.strategy.order_size },
  }));

/** The validated config, with every default filled in and derived values resolved. */
export type HlmmConfig = z.output<typeof configSchema>;
/** What a config file may contain (every key optional). */
export type HlmmConfigInput = z.input<typeof configSchema>;
