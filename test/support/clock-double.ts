import type { Clock } from '../../src/engine/clock.ts';

/**
 * A test's `{ now }` object as the engine's Clock: the test sets the time by hand and drives every step itself,
 * so timers never fire (they are accepted and forgotten).
 */
export function testClock(c: { now: number }): Clock {
  return {
    nowMs: () => c.now,
    setTimeout: () => 0,
    setInterval: () => 0,
    clearTimer: () => {},
  };
}
