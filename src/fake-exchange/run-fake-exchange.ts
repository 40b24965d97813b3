/**
 * `hlmm fake-exchange`: serves until SIGINT/SIGTERM (or, without --loop, until the data ends and --exit-at-end
 * is given).
 */
import { UserError } from '../core/errors.ts';
import { createLogger, type LogLevel } from '../core/log.ts';
import { readLatencyFile } from '../sim/latency-file.ts';
import { bundledSampleDir } from './bundled-sample.ts';
import { startFakeExchange } from './server.ts';

export interface FakeExchangeCommandOptions {
  port: number;
  host: string;
  data?: string;
  symbols: string[];
  speed: number;
  loop: boolean;
  exitAtEnd: boolean;
  resendTrades: number;
  maxGapS: number;
  idleTimeoutS: number;
  account?: { address: string; usdc?: number }[];
  agent?: Record<string, string>;
  startUsdc: number;
  /** Funding rate per hour applied to open positions at each hour of exchange time (0.0000125 = Hyperliquid's base). */
  fundingRate: number;
  makerFee: number;
  takerFee: number;
  mainnetSignatures: boolean;
  queue: 'risk-averse' | 'prob';
  queuePower?: number;
  /** Entry latency of the matching engine, ms (0 = executed on arrival). */
  entryLatencyMs: number;
  /** Cancel latency, ms; default the entry latency. */
  cancelLatencyMs?: number;
  /** Measured delays to draw entry and cancel latencies from (hlmm latency --out). */
  latencyFile?: string;
  latencySeed?: number;
  ipWeightPerMinute: number;
  addressRequestBuffer: number;
  logLevel: LogLevel;
}

export async function runFakeExchange(opts: FakeExchangeCommandOptions): Promise<void> {
  const logger = createLogger({ component: 'fake-exchange', level: opts.logLevel });
  const dataDir = opts.data ?? bundledSampleDir();
  if (dataDir === null) {
    throw new UserError(
      'The bundled sample (data/sample) is missing; pass --data with a recorded directory.',
    );
  }
  const exchange = await startFakeExchange({
    dataDir,
    symbols: opts.symbols,
    port: opts.port,
    host: opts.host,
    speed: opts.speed,
    loop: opts.loop,
    resendTradesOnSubscribe: opts.resendTrades,
    maxGapMs: opts.maxGapS * 1000,
    idleTimeoutMs: opts.idleTimeoutS * 1000,
    trading: {
      accounts: opts.account,
      agents: opts.agent,
      startUsdc: opts.startUsdc,
      fundingRatePerHour: opts.fundingRate,
      makerFeeRate: opts.makerFee,
      takerFeeRate: opts.takerFee,
      isMainnet: opts.mainnetSignatures,
      queue: opts.queue,
      fillModel: {
        queuePower: opts.queuePower,
        entryLatencyMs: opts.entryLatencyMs,
        cancelLatencyMs: opts.cancelLatencyMs,
        latencySamples: opts.latencyFile === undefined ? undefined : readLatencyFile(opts.latencyFile),
        latencyFile: opts.latencyFile,
        latencySeed: opts.latencySeed,
      },
      ipWeightPerMinute: opts.ipWeightPerMinute,
      addressRequestBuffer: opts.addressRequestBuffer,
    },
    logger,
  });
  // One machine-readable line first, so scripts can find the port when --port 0 picked one.
  process.stdout.write(
    `${JSON.stringify({ url: exchange.url, wsUrl: exchange.wsUrl, port: exchange.port })}\n`,
  );
  logger.info('serving', {
    ws: exchange.wsUrl,
    info: `${exchange.url}/info`,
    data: dataDir,
    symbols: opts.symbols.join(','),
    speed: opts.speed === 0 ? 'max' : opts.speed,
    order_latency:
      opts.latencyFile !== undefined
        ? `file ${opts.latencyFile} (seed ${opts.latencySeed ?? 1})`
        : `entry ${opts.entryLatencyMs} ms, cancel ${opts.cancelLatencyMs ?? opts.entryLatencyMs} ms`,
    loop: opts.loop,
    accounts:
      (opts.account ?? []).map((a) => a.address).join(',') || 'none (every /exchange request is refused)',
  });
  const ended = exchange.replayDone.then(() => {
    logger.info('replay finished', { ...exchange.replayStats });
    return 'end of data' as const;
  });
  const signal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const reason = await (opts.exitAtEnd ? Promise.race([signal, ended]) : signal);
  await exchange.close();
  logger.info('stopped', { reason });
  process.exitCode = 0;
}
