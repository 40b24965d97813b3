import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DaySlots } from '../../src/calibrate/day-slots.ts';

describe('DaySlots: reused buffers for the days calibration reads', () => {
  it('hands out a free slot at once and makes the next request wait until a slot is released', async () => {
    const made: number[] = [];
    const slots = new DaySlots(2, (n) => {
      made.push(n);
      return new ArrayBuffer(n);
    });
    const a = await slots.acquire(80);
    const b = await slots.acquire(40);
    assert.equal(slots.held, 2);
    assert.equal(a.bytes.byteLength, 80);
    let granted = false;
    const c = slots.acquire(64).then((lease) => {
      granted = true;
      return lease;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(granted, false, 'both slots are held');
    // Held twice (the reading and a search): the slot is free only after both releases.
    a.retain();
    a.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(granted, false);
    a.release();
    const lease = await c;
    assert.equal(granted, true);
    // The freed slot (88 bytes: 80 and room to grow, on 8 bytes) holds 64 without a new allocation.
    assert.equal(lease.bytes.buffer, a.bytes.buffer);
    assert.equal(lease.bytes.byteLength, 64);
    assert.deepEqual(made, [88, 48]);
    lease.release();
    b.release();
    assert.equal(slots.held, 0);
  });

  it('grows a slot for a bigger day, and refuses a lease used after its release', async () => {
    const slots = new DaySlots(1, (n) => new SharedArrayBuffer(n));
    const small = await slots.acquire(16);
    small.release();
    assert.throws(() => small.release(), /already released/);
    const big = await slots.acquire(1000);
    assert.ok(big.bytes.buffer instanceof SharedArrayBuffer);
    assert.equal(big.bytes.byteLength, 1000);
    assert.notEqual(big.bytes.buffer, small.bytes.buffer);
    // The old lease cannot release the day now in its slot.
    assert.throws(() => small.release(), /already released/);
    assert.throws(() => small.retain(), /already released/);
    assert.equal(slots.held, 1);
    big.release();
    assert.equal(slots.held, 0);
  });
});
