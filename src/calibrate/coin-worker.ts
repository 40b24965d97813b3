/**
 * A worker thread of ./multi-calibrate.ts: calibrates the coins it is sent, one at a time, with the same
 * `calibrateCoin` as `hlmm calibrate --ticker T` (its γ backtests in this thread), and sends back the progress
 * lines and the outcome. The flags come once, in workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CoinTarget } from './calibrate-coin.ts';
import {
  type CoinWorkerMessage,
  calibrateOneCoin,
  failureOf,
  type MultiCalibrateOptions,
} from './multi-calibrate.ts';

const { options } = workerData as { options: MultiCalibrateOptions };
const send = (m: CoinWorkerMessage) => parentPort?.postMessage(m);

parentPort?.on('message', async (m: { target: CoinTarget }) => {
  try {
    const coin = await calibrateOneCoin(options, m.target, (line) => send({ line }), true);
    send({ done: { ok: true, ...coin } });
  } catch (err) {
    send({ done: failureOf(m.target.ticker, err) });
  }
});
