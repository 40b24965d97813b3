/**
 * A worker thread of ./backtest-pool.ts: holds the days it is sent (shared memory, no copy) and runs day
 * backtests with the same createDayBacktester as the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelParams } from '../model/params.ts';
import { createDayBacktester, type DayBacktestSettings } from './day-backtest.ts';
import { type PackedDay, PackedDayEvents } from './day-events.ts';

const { settings } = workerData as { settings: DayBacktestSettings };
const backtest = createDayBacktester(settings);
const days = new Map<number, PackedDayEvents>();

parentPort?.on(
  'message',
  (m: {
    day?: number;
    packed?: PackedDay;
    drop?: number;
    job?: number;
    params?: ModelParams;
    withEquity?: boolean;
  }) => {
    if (m.drop !== undefined) days.delete(m.drop);
    if (m.packed !== undefined && m.day !== undefined) days.set(m.day, new PackedDayEvents(m.packed));
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
