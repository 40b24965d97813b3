/**
 * The γ backtests on worker threads. Why node:worker_threads and not a pool library (piscina, tinypool): each job
 * is one backtest of a day that every worker needs in memory, so the pool's real work is handing each day to the
 * workers once, in shared memory (SharedArrayBuffer: no copy per worker), and then sending only (day, γ) per job —
 * a generic task pool would copy the day into every task. That is ~100 lines here, with no dependency.
 *
 * Results are identical to the in-thread run: a worker runs the same createDayBacktester on the same events in
 * the same order, and the outcomes come back in the order the jobs were given (test/calibrate/workers.test.ts).
 */
import { Worker } from 'node:worker_threads';
import type { ModelParams } from '../model/params.ts';
import type { DayBacktester, DayBacktestOutcome, DayBacktestSettings } from './day-backtest.ts';
import { type DayEvents, PackedDayEvents, packDay } from './day-events.ts';

export interface BacktestJob {
  events: DayEvents;
  params: ModelParams;
  withEquity: boolean;
}

/** Runs a batch of day backtests; outcomes in the order of `jobs`. */
export type BacktestMany = (jobs: BacktestJob[]) => Promise<DayBacktestOutcome[]>;

/** The same backtester, in this thread. */
export function inThread(backtest: DayBacktester): BacktestMany {
  return async (jobs) => jobs.map((j) => backtest(j.events, j.params, j.withEquity));
}

export interface BacktestPool {
  runMany: BacktestMany;
  close(): Promise<void>;
}

interface Pending {
  resolve: (o: DayBacktestOutcome) => void;
  reject: (err: Error) => void;
}

function workerUrl(): URL {
  // From source (tests, tsx) the worker is the .ts beside this file; in the bundle, dist/backtest-worker.js.
  return import.meta.url.endsWith('.ts')
    ? new URL('./backtest-worker.ts', import.meta.url)
    : new URL('./backtest-worker.js', import.meta.url);
}

export function startBacktestPool(settings: DayBacktestSettings, workers: number): BacktestPool {
  const pool = Array.from({ length: workers }, () => {
    const url = workerUrl();
    // From source (tests run through tsx) Node 20 does not pass a worker's entry file through the loader hooks,
    // so a one-line bootstrap imports it; the bundle's worker is plain JavaScript.
    const w = url.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, workerData: { settings } },
        )
      : new Worker(url, { workerData: { settings } });
    w.unref();
    return { worker: w, busy: 0 };
  });
  const pending = new Map<number, Pending>();
  let nextJob = 0;
  let failure: Error | null = null;
  for (const p of pool) {
    p.worker.on('message', (m: { job: number; outcome?: DayBacktestOutcome; error?: string }) => {
      const job = pending.get(m.job);
      if (job === undefined) return;
      pending.delete(m.job);
      p.busy--;
      if (m.error !== undefined) job.reject(new Error(`backtest worker: ${m.error}`));
      else job.resolve(m.outcome as DayBacktestOutcome);
    });
    p.worker.on('error', (err) => {
      failure = err;
      for (const job of pending.values()) job.reject(err);
      pending.clear();
    });
  }
  // Each day goes to the workers once (shared memory), keyed by the DayEvents object.
  const days = new WeakMap<DayEvents, number>();
  let nextDay = 0;
  let lastDay: number | null = null;
  const dayId = (events: DayEvents): number => {
    const known = days.get(events);
    if (known !== undefined) return known;
    const id = nextDay++;
    days.set(events, id);
    const packed = events instanceof PackedDayEvents ? events.packed : packDay(events);
    // The γ search works on one day at a time (then the published search on the last): older days go.
    for (const p of pool) {
      if (lastDay !== null) p.worker.postMessage({ drop: lastDay });
      p.worker.postMessage({ day: id, packed });
    }
    lastDay = id;
    return id;
  };
  const run = (job: BacktestJob): Promise<DayBacktestOutcome> => {
    if (failure !== null) return Promise.reject(failure);
    const day = dayId(job.events);
    const target = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
    target.busy++;
    const id = nextJob++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      target.worker.postMessage({ job: id, day, params: job.params, withEquity: job.withEquity });
    });
  };
  return {
    runMany: (jobs) => Promise.all(jobs.map(run)),
    async close() {
      await Promise.all(pool.map((p) => p.worker.terminate()));
    },
  };
}
