/**
 * A worker thread of ./backtest-pool.ts: holds the days it is sent (shared memory, no copy) and runs day
 * backtests with the same createDayBacktester as the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ColumnRange } from '../data/event-columns.ts';
import type { ModelParams } from '../model/params.ts';
import { createDayBacktester, type DayBacktestSettings } from './day-backtest.ts';
import { ColumnDayEvents, type PackedDay } from './day-events.ts';

const { settings } = workerData as { settings: DayBacktestSettings };
const backtest = createDayBacktester(settings);
const days = new Map<number, ColumnDayEvents>();

parentPort?.on(
  'message',
  (m: {
    day?: number;
    packed?: PackedDay;
    range?: ColumnRange;
    drop?: number;
    job?: number;
    params?: ModelParams;
    withEquity?: boolean;
  }) => {
    if (m.drop !== undefined) days.delete(m.drop);
    if (m.packed !== undefined && m.range !== undefined && m.day !== undefined)
      days.set(m.day, new ColumnDayEvents(m.packed, m.range));
    if (m.job === undefined) return;
    try {
      const events = days.get(m.day as number);
      if (events === undefined) throw new Error(`day ${m.day} was not sent`);
      const outcome = backtest(events, m.params as ModelParams, m.withEquity === true);
      parentPort?.postMessage({ job: m.job, outcome });
    } catch (err) {
      parentPort?.postMessage({ job: m.job, error: (err as Error).message });
    }
  },
);
