import { defineBacktest } from './backtest.ts';
import { defineCalibrate } from './calibrate.ts';
import { defineMarketDataCommands } from './collect.ts';
import type { DefineCommand } from './define-command.ts';
import { defineLatency } from './latency.ts';
import { definePnl } from './pnl.ts';
import { definePreflight } from './preflight.ts';
import { defineSimulate } from './simulate.ts';
import { defineSynth } from './synth.ts';
import { defineTrade } from './trade.ts';

/**
 * Every `hlmm` command. Each entry declares its flags only; the work lives in a module the action imports
 * lazily, so `hlmm --help` and each command start without loading the others.
 */

export const commands: DefineCommand[] = [
  defineBacktest,
  defineMarketDataCommands,
  defineLatency,
  definePnl,
  definePreflight,
  defineSimulate,
  defineCalibrate,
  defineSynth,
  defineTrade,
];
