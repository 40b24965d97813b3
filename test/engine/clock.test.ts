import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock } from '../../src/engine/clock.ts';
import { ReplayFollowClock } from '../../src/trade/bot-clock.ts';

test('SimulatedClock: timers fire in due order, strictly before the time advanced to, with the clock at their due time', () => {
  const clock = new SimulatedClock(1_000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.nowMs()}`), 200);
  clock.setTimeout(() => fired.push(`a@${clock.nowMs()}`), 100);
  clock.setTimeout(() => fired.push(`c@${clock.nowMs()}`), 200); // same due: creation order
  clock.advanceTo(1_200); // an event at 1 200 comes before timers due at 1 200
  assert.deepEqual(fired, ['a@1100']);
  assert.equal(clock.nowMs(), 1_200);
  clock.advanceTo(1_201);
  assert.deepEqual(fired, ['a@1100', 'b@1200', 'c@1200']);
  assert.equal(clock.pendingTimers, 0);
});

test('SimulatedClock: intervals repeat, a timer set inside a timer fires in the same advance, clearTimer cancels', () => {
  const clock = new SimulatedClock(0);
  const ticks: number[] = [];
  const id = clock.setInterval(() => ticks.push(clock.nowMs()), 1_000);
  let nested = Number.NaN;
  clock.setTimeout(() => clock.setTimeout(() => (nested = clock.nowMs()), 50), 1_500);
  clock.advanceTo(3_500);
  assert.deepEqual(ticks, [1_000, 2_000, 3_000]);
  assert.equal(nested, 1_550);
  clock.clearTimer(id);
  clock.advanceTo(10_000);
  assert.deepEqual(ticks, [1_000, 2_000, 3_000]);
  clock.advanceTo(5_000); // never back
  assert.equal(clock.nowMs(), 10_000);
  clock.setTimeout(() => ticks.push(clock.nowMs()), 0);
  clock.runTimersThrough(10_000); // inclusive: the end of a run
  assert.deepEqual(ticks, [1_000, 2_000, 3_000, 10_000]);
});

test('ReplayFollowClock: follows message times, extrapolates at the replay speed, never goes back', () => {
  let wall = 0;
  const clock = new ReplayFollowClock(60, () => wall);
  assert.ok(Number.isNaN(clock.nowMs()));
  clock.observe(1_000_000);
  wall = 10;
  assert.equal(clock.nowMs(), 1_000_600); // 10 wall ms × 60
  clock.observe(1_000_100); // older than the extrapolated time: ignored
  assert.equal(clock.nowMs(), 1_000_600);
  assert.equal(clock.wallMsFor(6_000), 100);
  assert.equal(clock.botMsFor(100), 6_000);
});
