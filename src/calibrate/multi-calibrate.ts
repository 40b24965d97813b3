/**
 * `hlmm calibrate --tickers BTC,ETH`: each coin calibrated from the same --data folder (its own prices_<T> and
 * trades_<T> files) into its own params_<T>.json, the coins in parallel, one coin per worker thread.
 *
 * Why a coin per thread and not the γ pool of ./backtest-pool.ts across the coins: a coin's whole calibration
 * (parse, estimate, γ search, bootstrap) is independent of the others', so a thread per coin parallelises all of
 * it, not only the backtests, and needs no shared memory. Inside a coin thread the γ backtests run in that thread,
 * so --workers (the threads in all) is never exceeded. Each thread runs `calibrateCoin` — the very function of
 * `hlmm calibrate --ticker T` — with the same flags, so each file is byte for byte the file of calibrating that
 * coin alone (test/calibrate/multi-calibrate.test.ts).
 *
 * A coin that cannot be calibrated (no data, too few days, a bug) gets one sentence and the others are still
 * written; the command fails (exit 2) only when no coin was written, the rule of the several-coin bot, where a
 * coin without parameters does not quote and the others go on (docs/calibrate.md).
 */
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { isUserError, UserError } from '../core/errors.ts';
import {
  type CalibrateCliOptions,
  type CoinCalibrated,
  type CoinTarget,
  calibrateCoin,
  makeOutDir,
} from './calibrate-coin.ts';
import { startWorker } from './worker-start.ts';

/** A coin that was not calibrated, and why. */
export interface CoinFailure {
  ticker: string;
  /** One sentence for a user error; the error's message for a bug. */
  message: string;
  /** Not a UserError: a bug, reported with its stack. */
  bug: boolean;
  stack?: string;
}

export type CoinOutcome = ({ ok: true } & CoinCalibrated) | ({ ok: false } & CoinFailure);

/** Messages from ./coin-worker.ts. */
export type CoinWorkerMessage = { line: string } | { done: CoinOutcome };

/**
 * Internal, for tests only (no flag or config key sets it): the coin whose calibration fails on a bug — thrown by
 * the calibration (`throw`), or by the death of its worker thread (`thread`; in this thread it throws). It shows the
 * failure path of a real bug: the other coins written, the exit as docs/calibrate.md says.
 */
export interface CoinBugForTest {
  ticker: string;
  how: 'throw' | 'thread';
}

/** The calibrate options with the internal test hook (it travels to the coin threads with the flags). */
export type MultiCalibrateOptions = CalibrateCliOptions & { coinBugForTest?: CoinBugForTest };

/** `calibrateCoin`, unless the test hook names this coin. Used by this thread and by ./coin-worker.ts. */
export function calibrateOneCoin(
  o: MultiCalibrateOptions,
  target: CoinTarget,
  onLine: (line: string) => void,
  inWorker: boolean,
): Promise<CoinCalibrated> {
  const bug = o.coinBugForTest;
  if (bug !== undefined && bug.ticker === target.ticker) {
    if (bug.how === 'thread' && inWorker) {
      // Uncaught, outside the worker's own catch: the thread dies as on a crash; this never settles.
      setImmediate(() => {
        throw new TypeError(`test: ${target.ticker}'s coin thread crashed`);
      });
      return new Promise(() => {});
    }
    return Promise.reject(new TypeError(`test: ${target.ticker}'s calibration failed on a bug`));
  }
  return calibrateCoin(o, target, 1, onLine);
}

export function failureOf(ticker: string, err: unknown): CoinOutcome {
  const e = err instanceof Error ? err : new Error(String(err));
  return isUserError(e)
    ? { ok: false, ticker, message: e.message, bug: false }
    : { ok: false, ticker, message: e.message, bug: true, stack: e.stack };
}

/**
 * Threads for the coins: --workers if given, else every core (the main thread only relays progress lines while
 * the coins run); never more than the coins. 1 = the coins one after another in this thread.
 */
export function coinThreads(
  coins: number,
  workers: number | undefined,
  cores = availableParallelism(),
): number {
  return Math.max(1, Math.min(coins, workers ?? cores));
}

/** The report of one coin: --report cal.html → cal_BTC.html (the coin before the extension). */
export function reportPathFor(report: string, ticker: string): string {
  const ext = extname(report);
  return `${report.slice(0, report.length - ext.length)}_${ticker}${ext}`;
}

function startCoinWorker(o: CalibrateCliOptions): Worker {
  return startWorker(import.meta.url, 'coin-worker', { options: o });
}

/** One coin on a worker thread; a worker that dies fails the coin it was running (and is not used again). */
function runOnWorker(
  worker: Worker,
  target: CoinTarget,
  onLine: (ticker: string, line: string) => void,
): Promise<{ outcome: CoinOutcome; alive: boolean }> {
  return new Promise((resolve) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: CoinWorkerMessage) => {
      if ('line' in m) onLine(target.ticker, m.line);
      else {
        cleanup();
        resolve({ outcome: m.done, alive: true });
      }
    };
    const onError = (err: Error) => {
      cleanup();
      resolve({ outcome: failureOf(target.ticker, err), alive: false });
    };
    const onExit = (code: number) => {
      cleanup();
      resolve({
        outcome: failureOf(target.ticker, new Error(`the coin's worker thread exited with code ${code}`)),
        alive: false,
      });
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ target });
  });
}

/**
 * Calibrates each coin of `targets` on `threads` threads (1 = one after another in this thread); `onLine` gets
 * each coin's progress lines as they come. Outcomes in the order of `targets`; a failing coin is an outcome, not
 * a throw.
 */
export async function calibrateCoins(
  o: MultiCalibrateOptions,
  targets: readonly CoinTarget[],
  threads: number,
  onLine: (ticker: string, line: string) => void,
): Promise<CoinOutcome[]> {
  const outcomes = new Map<string, CoinOutcome>();
  if (threads <= 1) {
    for (const t of targets) {
      try {
        outcomes.set(t.ticker, {
          ok: true,
          ...(await calibrateOneCoin(o, t, (line) => onLine(t.ticker, line), false)),
        });
      } catch (err) {
        outcomes.set(t.ticker, failureOf(t.ticker, err));
      }
    }
    return targets.map((t) => outcomes.get(t.ticker) as CoinOutcome);
  }
  const queue = [...targets];
  let lastDeath: CoinOutcome | null = null;
  const slot = async () => {
    const worker = startCoinWorker(o);
    let alive = true;
    try {
      while (alive) {
        const target = queue.shift();
        if (target === undefined) break;
        const r = await runOnWorker(worker, target, onLine);
        outcomes.set(target.ticker, r.outcome);
        alive = r.alive;
        if (!alive) lastDeath = r.outcome;
      }
    } finally {
      if (alive) await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, targets.length) }, slot));
  // Every thread died before the queue emptied: the coins left say why.
  for (const t of queue) {
    const cause = lastDeath as CoinOutcome | null;
    outcomes.set(
      t.ticker,
      failureOf(
        t.ticker,
        new Error(
          `not started: every coin thread stopped (${cause?.ok === false ? cause.message : 'unknown'})`,
        ),
      ),
    );
  }
  return targets.map((t) => outcomes.get(t.ticker) as CoinOutcome);
}

/** `hlmm calibrate --tickers …` (or the config's `tickers`), after the checks every run makes (./cli-run.ts). */
export async function runMultiCalibrate(o: CalibrateCliOptions, tickers: readonly string[]): Promise<void> {
  const list = tickers.join(',');
  if (new Set(tickers).size !== tickers.length)
    throw new UserError(
      `${o.tickers === undefined ? `the config's tickers (${o.config})` : '--tickers'} ${list} names a coin twice; list each coin once.`,
    );
  if (o.out !== undefined)
    throw new UserError(
      '--out names one file; with several coins each writes params_<TICKER>.json in --out-dir DIR (default: the working folder).',
    );
  const dir = o.outDir === undefined ? null : makeOutDir(o.outDir);
  const targets: CoinTarget[] = tickers.map((ticker) => ({
    ticker,
    out: dir === null ? `params_${ticker}.json` : join(dir, `params_${ticker}.json`),
    ...(o.report === undefined ? {} : { report: reportPathFor(o.report, ticker) }),
  }));
  const threads = coinThreads(tickers.length, o.workers);
  const say = (line: string) => process.stderr.write(`hlmm calibrate: ${line}\n`);
  say(
    `${tickers.length} coins (${list}) from ${o.data}, ` +
      (threads === 1 ? 'one after another in this thread' : `on ${threads} worker threads`),
  );
  const started = Date.now();
  const outcomes = await calibrateCoins(o, targets, threads, (ticker, line) => say(`${ticker}: ${line}`));
  const written = outcomes.filter((c): c is Extract<CoinOutcome, { ok: true }> => c.ok);
  const failed = outcomes.filter((c): c is Extract<CoinOutcome, { ok: false }> => !c.ok);
  for (const c of outcomes) {
    if (c.ok) say(`${c.ticker}: ${c.summary}`);
    else say(`${c.ticker}: not calibrated: ${c.bug ? `internal error: ${c.stack ?? c.message}` : c.message}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (o.json) {
    const params = Object.fromEntries(written.map((c) => [c.ticker, JSON.parse(c.text)]));
    const notCalibrated = Object.fromEntries(failed.map((c) => [c.ticker, c.message]));
    process.stdout.write(`${JSON.stringify({ params, failed: notCalibrated }, null, 2)}\n`);
  }
  if (written.length === 0) {
    if (failed.some((c) => c.bug))
      throw new Error(`no coin of ${list} was calibrated; at least one failed on an internal error (above).`);
    throw new UserError(
      `no coin of ${list} could be calibrated (each coin's reason is above); fix the data or the flags named there.`,
    );
  }
  say(
    `${written.length} of ${tickers.length} coins calibrated in ${seconds} s` +
      (failed.length === 0 ? '' : `; not calibrated: ${failed.map((c) => c.ticker).join(', ')}`),
  );
}
