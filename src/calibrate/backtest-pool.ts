/**
 * The γ backtests on worker threads. Why node:worker_threads and not a pool library (piscina, tinypool): each job
 * is one backtest of a day that every worker needs in memory, so the pool's real work is handing each day to the
 * workers once, in shared memory (SharedArrayBuffer: no copy per worker), and then sending only (day, γ) per job —
 * a generic task pool would copy the day into every task. That is ~100 lines here, with no dependency.
 *
 * Results are identical to the in-thread run: a worker runs the same createDayBacktester on the same events in
 * the same order, and the outcomes come back in the order the jobs were given (test/calibrate/workers.test.ts).
 */
import type { DayColumns } from '../data/event-cache.ts';
import type { ColumnRange } from '../data/event-columns.ts';
import type { ModelParams } from '../model/params.ts';
import type { DayBacktester, DayBacktestOutcome, DayBacktestSettings } from './day-backtest.ts';
import { ColumnDayEvents, type DayEvents, type PackedDay, packDay } from './day-events.ts';
import { startWorker } from './worker-start.ts';

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
  /**
   * A day's columns copied into shared memory, for calibrate to read (and drop the loaded copy): its events
   * (column views) then reach the workers without another copy.
   */
  shareColumns(columns: DayColumns): DayColumns;
  close(): Promise<void>;
}

interface QueuedJob {
  id: number;
  day: SharedDay;
  params: ModelParams;
  withEquity: boolean;
  resolve: (o: DayBacktestOutcome) => void;
  reject: (err: Error) => void;
}

interface SharedDay {
  id: number;
  /** Shared-memory columns and the day's range in them (a --from/--to window may cut the day). */
  packed: PackedDay;
  range: ColumnRange;
  /** Jobs of this day queued or running: a worker holds the day only while some are. */
  jobs: number;
  /** The day as this thread replays it, while it has jobs (null otherwise). */
  events: ColumnDayEvents | null;
}

/** Jobs a worker holds at once (the one running and the next): it starts the next one without waiting for the
 * main thread, which may be running a backtest of its own when the worker's answer arrives. */
const WORKER_JOBS_IN_FLIGHT = 2;

/**
 * The γ backtests on `threads` threads: this one and `threads − 1` workers (this thread has little else to do once
 * a day is read, and each worker costs a V8 heap of its own). Jobs wait in one queue, first in first out, and each
 * thread takes the next when it is free (a worker holds one more, see WORKER_JOBS_IN_FLIGHT) — not a share decided
 * when the job is given: with several searches queued at once (a day's rounds, the next day's grid, the published
 * search), no thread waits while another has work lined up. This thread runs a job between two turns of its event
 * loop (setImmediate), so the workers' answers and the next day's reading are served in between.
 */
export function startBacktestPool(
  settings: DayBacktestSettings,
  threads: number,
  backtest: DayBacktester,
): BacktestPool {
  const pool = Array.from({ length: Math.max(0, threads - 1) }, () => {
    const w = startWorker(import.meta.url, 'backtest-worker', { settings });
    w.unref();
    return { worker: w, running: [] as QueuedJob[], days: new Set<SharedDay>() };
  });
  const queue: QueuedJob[] = [];
  let nextJob = 0;
  let failure: Error | null = null;
  let mainBusy = false;
  const fail = (err: Error) => {
    failure = err;
    for (const p of pool) for (const job of p.running.splice(0)) job.reject(err);
    for (const job of queue.splice(0)) job.reject(err);
  };
  type Slot = (typeof pool)[number];
  const post = (p: Slot, job: QueuedJob) => {
    // A day no job needs any more leaves the worker (it is re-shared, without a copy, if needed again).
    for (const d of p.days) {
      if (d.jobs === 0 && d !== job.day) {
        p.worker.postMessage({ drop: d.id });
        p.days.delete(d);
      }
    }
    if (!p.days.has(job.day)) {
      p.worker.postMessage({ day: job.day.id, packed: job.day.packed, range: job.day.range });
      p.days.add(job.day);
    }
    p.running.push(job);
    p.worker.postMessage({ job: job.id, day: job.day.id, params: job.params, withEquity: job.withEquity });
  };
  const runHere = () => {
    mainBusy = false;
    const job = queue.shift();
    if (job === undefined) return;
    let outcome: DayBacktestOutcome;
    try {
      job.day.events ??= new ColumnDayEvents(job.day.packed, job.day.range);
      outcome = backtest(job.day.events, job.params, job.withEquity);
    } catch (err) {
      finish(job);
      job.reject(err as Error);
      return;
    }
    finish(job);
    job.resolve(outcome);
  };
  const dispatch = () => {
    for (const p of pool) {
      while (p.running.length < WORKER_JOBS_IN_FLIGHT && queue.length > 0)
        post(p, queue.shift() as QueuedJob);
    }
    if (!mainBusy && queue.length > 0) {
      mainBusy = true;
      setImmediate(runHere);
    }
  };
  const finish = (job: QueuedJob) => {
    if (--job.day.jobs === 0) job.day.events = null;
    dispatch();
  };
  for (const p of pool) {
    p.worker.on('message', (m: { job: number; outcome?: DayBacktestOutcome; error?: string }) => {
      const at = p.running.findIndex((j) => j.id === m.job);
      if (at < 0) return;
      const job = p.running.splice(at, 1)[0] as QueuedJob;
      finish(job);
      if (m.error !== undefined) job.reject(new Error(`backtest worker: ${m.error}`));
      else job.resolve(m.outcome as DayBacktestOutcome);
    });
    p.worker.on('error', fail);
  }
  // Columns already in shared memory (shareColumns, or read into a shared day slot: ./day-slots.ts) go to the
  // workers as they are; any other day is packed into shared memory once, keyed by its DayEvents object.
  const inShared = new WeakSet<DayColumns>();
  const shared = new WeakMap<DayEvents, SharedDay>();
  let nextDay = 0;
  const sharedOf = (events: DayEvents): SharedDay => {
    const known = shared.get(events);
    if (known !== undefined) return known;
    const columns = events instanceof ColumnDayEvents ? events.columns : null;
    const day =
      columns !== null && (inShared.has(columns) || inSharedMemory(columns))
        ? { id: nextDay++, packed: columns, range: (events as ColumnDayEvents).range }
        : { id: nextDay++, packed: packDay(events), range: null };
    const range = day.range ?? {
      bboFrom: 0,
      bboTo: day.packed.bbo.exchMs.length,
      tradeFrom: 0,
      tradeTo: day.packed.trades.exchMs.length,
    };
    const entry: SharedDay = { ...day, range, jobs: 0, events: null };
    shared.set(events, entry);
    return entry;
  };
  const shareColumns = (columns: DayColumns): DayColumns => {
    const out = { bbo: sharedCopy(columns.bbo), trades: sharedCopy(columns.trades) };
    inShared.add(out);
    return out;
  };
  const run = (job: BacktestJob): Promise<DayBacktestOutcome> => {
    if (failure !== null) return Promise.reject(failure);
    const day = sharedOf(job.events);
    day.jobs++;
    return new Promise((resolve, reject) => {
      queue.push({ id: nextJob++, day, params: job.params, withEquity: job.withEquity, resolve, reject });
      dispatch();
    });
  };
  return {
    runMany: (jobs) => Promise.all(jobs.map(run)),
    shareColumns,
    async close() {
      await Promise.all(pool.map((p) => p.worker.terminate()));
    },
  };
}

/** Whether every column of the day lies in shared memory (the workers can read it without a copy). */
function inSharedMemory(columns: DayColumns): boolean {
  const all = [...Object.values(columns.bbo), ...Object.values(columns.trades)] as ArrayBufferView[];
  return all.every((a) => a.buffer instanceof SharedArrayBuffer);
}

/** Each typed-array column of `columns` copied into a SharedArrayBuffer of its own. */
function sharedCopy<T extends object>(columns: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(columns)) {
    const a = col as Float64Array | Uint32Array | Uint8Array;
    const Typed = a.constructor as new (buf: SharedArrayBuffer, offset: number, n: number) => typeof a;
    const copy = new Typed(new SharedArrayBuffer(Math.max(1, a.byteLength)), 0, a.length);
    copy.set(a as never);
    out[name] = copy;
  }
  return out as T;
}
