import { spawn } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import type { RunSettings } from '../config/run-settings.ts';
import type { Logger } from '../core/log.ts';

/**
 * Once per UTC day (of the bot clock), re-run `hlmm calibrate` on the folder a collector records into and
 * replace the parameters file; the ParamsWatcher then hot-reloads it (or refuses it, keeping the last good
 * parameters). Calibration runs in a child process so the quoting loop never waits for it, writes to a
 * temporary file, and only a successful run is renamed into place (a rename is atomic: the watcher never
 * reads a half-written file).
 */
export interface DailyRecalibrationOptions {
  dataDir: string;
  ticker: string;
  paramsFile: string;
  logger: Logger;
  /** argv to start the hlmm CLI (default: this process's node, its flags and entry script). */
  cliArgv?: string[];
  /** More `hlmm calibrate` flags (several coins: each coin's --order-size and --max-position). */
  calibrateArgs?: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * The `hlmm calibrate` flags that make a re-calibration size γ for the lot the bot trades (its --order-size and
 * --max-position, after the config's coins.<TICKER> entry), not calibrate's defaults.
 */
export function lotCalibrateArgs(s: Pick<RunSettings, 'strategy'>): string[] {
  return [
    '--order-size',
    String(s.strategy.orderSizeBase),
    '--max-position',
    String(s.strategy.maxPositionLots),
  ];
}

export class DailyRecalibration {
  private day = Number.NaN;
  private running = false;
  runs = 0;

  constructor(private readonly opts: DailyRecalibrationOptions) {}

  get ticker(): string {
    return this.opts.ticker;
  }

  /** Called on the engine's timer with the bot time; starts a run when the UTC day changed. */
  onTime(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    const day = Math.floor(nowMs / DAY_MS);
    if (Number.isNaN(this.day)) {
      this.day = day; // the bot starts with the file it was given
      return;
    }
    if (day === this.day || this.running) return;
    this.day = day;
    void this.run();
  }

  run(): Promise<boolean> {
    this.running = true;
    const o = this.opts;
    const tmp = `${o.paramsFile}.calibrating`;
    const argv = o.cliArgv ?? [...process.execArgv, process.argv[1]];
    o.logger.info('daily re-calibration started', { data: o.dataDir, ticker: o.ticker });
    return new Promise<boolean>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          ...argv,
          'calibrate',
          '--data',
          o.dataDir,
          '--ticker',
          o.ticker,
          '--out',
          tmp,
          ...(o.calibrateArgs ?? []),
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let err = '';
      child.stderr.on('data', (d) => {
        err = (err + String(d)).slice(-2000);
      });
      child.on('exit', (code) => {
        this.running = false;
        this.runs++;
        if (code === 0) {
          renameSync(tmp, o.paramsFile);
          o.logger.info('daily re-calibration wrote new parameters', {
            ticker: o.ticker,
            file: o.paramsFile,
          });
          resolve(true);
        } else {
          rmSync(tmp, { force: true });
          const last = err.trim().split('\n').pop() ?? '';
          o.logger.warn(
            `daily re-calibration of ${o.ticker} failed (exit ${code}); trading on with the current parameters: ${last}`,
          );
          resolve(false);
        }
      });
    });
  }
}

/**
 * Several coins in one bot (`--tickers`): at each new UTC day of the bot clock every coin is re-calibrated from its
 * own recorded files into its own parameters file, one coin after another (one calibration at a time: the machine
 * also runs the quoting loop), and each coin's ParamsWatcher hot-reloads its file. A coin whose calibration fails
 * keeps its parameters; the others still get theirs.
 */
export class CoinsRecalibration {
  private day = Number.NaN;
  private running: Promise<Record<string, boolean>> | null = null;
  /** Completed rounds (every coin tried once). */
  rounds = 0;

  constructor(readonly coins: readonly Pick<DailyRecalibration, 'ticker' | 'run'>[]) {}

  /** Called on a timer with the bot time; starts a round when the UTC day changed (skipped while one runs). */
  onTime(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    const day = Math.floor(nowMs / DAY_MS);
    if (Number.isNaN(this.day)) {
      this.day = day;
      return;
    }
    if (day === this.day || this.running !== null) return;
    this.day = day;
    void this.runAll();
  }

  /** Every coin once, in order; resolves with each coin's outcome (true = new parameters written). */
  runAll(): Promise<Record<string, boolean>> {
    this.running ??= (async () => {
      const out: Record<string, boolean> = {};
      try {
        for (const coin of this.coins) out[coin.ticker] = await coin.run();
      } finally {
        this.rounds++;
        this.running = null;
      }
      return out;
    })();
    return this.running;
  }

  /** Waits for a round in progress (at stop: the child processes end before the bot says it stopped). */
  async settled(): Promise<void> {
    await this.running?.catch(() => {});
  }
}
