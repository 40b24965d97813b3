import type { Logger } from '../core/log.ts';

/**
 * What ends a running bot besides its own stop(): `--duration-s`, the end (or failure) of a `--replay`, and
 * SIGINT/SIGTERM. The first signal stops in order (cancel, persist, summary); a second one while that is under way
 * exits at once — the dead man's switch still cancels whatever rests on a live exchange. One implementation for the
 * single-coin and the several-coin bot.
 */
export function armStopTriggers(t: {
  stop: (reason: string) => Promise<unknown>;
  /** True once stop() was called. */
  stopping: () => boolean;
  durationS: number | undefined;
  replayDone: Promise<unknown> | null;
  handleSignals: boolean;
  timers: NodeJS.Timeout[];
  logger: Logger;
}): { failure: () => Error | null } {
  if (t.durationS !== undefined)
    t.timers.push(setTimeout(() => void t.stop(`--duration-s ${t.durationS}`), t.durationS * 1000));
  let failure: Error | null = null;
  t.replayDone?.then(
    // A short grace so the last replayed messages are handled before the stop.
    () => setTimeout(() => void t.stop('end of replay'), 300),
    (err: unknown) => {
      failure = err instanceof Error ? err : new Error(String(err));
      void t.stop('replay failed');
    },
  );
  if (t.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      if (t.stopping()) {
        t.logger.warn('second signal while stopping: exiting now', { signal });
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      void t.stop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { failure: () => failure };
}
