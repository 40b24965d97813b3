/** `hlmm synth` after commander parsed its flags (src/cli/commands/synth.ts). */
import { UserError } from '../core/errors.ts';
import { writeSynthMarket } from './synth.ts';

export interface SynthCliOptions {
  out: string;
  ticker: string;
  days: number;
  sigma: number;
  A: number;
  k: number;
  tickSize: number;
  mid: number;
  stepMs: number;
  sizeRefresh: number;
  start: string;
  seed: number;
  sigmaAfter?: number;
  switchAtS?: number;
}

export async function runSynthCommand(o: SynthCliOptions): Promise<void> {
  const startMs = /^\d{4}-\d{2}-\d{2}$/.test(o.start) ? Date.parse(`${o.start}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(startMs))
    throw new UserError(`--start "${o.start}" is not a date; use YYYY-MM-DD (UTC).`);
  if (o.switchAtS !== undefined && o.sigmaAfter === undefined)
    throw new UserError('--switch-at-s needs --sigma-after (the σ after the switch).');
  const started = Date.now();
  const summary = await writeSynthMarket({
    outDir: o.out,
    ticker: o.ticker,
    days: o.days,
    sigma: o.sigma,
    A: o.A,
    k: o.k,
    tickSize: o.tickSize,
    startMid: o.mid,
    stepMs: o.stepMs,
    sizeRefreshProb: o.sizeRefresh,
    startMs,
    seed: o.seed,
    sigmaSwitch:
      o.sigmaAfter === undefined
        ? undefined
        : { sigma: o.sigmaAfter, atS: o.switchAtS ?? (o.days * 86_400) / 2 },
    onDay: (day, s) =>
      process.stderr.write(
        `hlmm synth: day ${day + 1}/${o.days}: ${s.bboUpdates.toLocaleString('en-US')} BBO updates, ${s.prints.toLocaleString('en-US')} prints so far\n`,
      ),
  });
  process.stderr.write(
    `hlmm synth: wrote ${o.out} (${o.ticker}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${summary.bboUpdates.toLocaleString('en-US')} BBO updates, ${summary.prints.toLocaleString('en-US')} prints from ` +
      `${summary.aggressiveOrders.toLocaleString('en-US')} aggressive orders; true σ ${o.sigma} quote/√s, A ${o.A}/s, k ${o.k}/quote\n`,
  );
}
