import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PowerProbQueue, RiskAverseQueue } from '../../src/sim/queue.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('queue models (hand-computed)', () => {
  it('risk-averse: cancellations never advance us, but ahead is capped by the displayed size', () => {
    const q = new RiskAverseQueue();
    assert.equal(q.onLevelChange(2, 10, 7, 0), 2);
    assert.equal(q.onLevelChange(8, 10, 5, 0), 5);
    assert.equal(q.onLevelChange(3, 4, 9, 0), 3); // growth joins behind
  });

  it('prob (n = 3): the share of a cancellation taken from ahead is F³/(F³+B³)', () => {
    const q = new PowerProbQueue(3);
    // Near the front: F = 2, B = 8, Δ = 3 → ahead = 2 − (8/520)·3 = 1.953846…
    close(q.onLevelChange(2, 10, 7, 0), 2 - (8 / 520) * 3);
    // Near the back: F = 8, B = 2, Δ = 3 → ahead = 8 − (512/520)·3 = 5.046153…
    close(q.onLevelChange(8, 10, 7, 0), 8 - (512 / 520) * 3);
    // Middle, with a trade: level 10 → 7 of which 2 traded (ahead already 6 → 4): Δ = 1, F = 4, B = 4 → 3.5
    close(q.onLevelChange(4, 10, 7, 2), 3.5);
    // Trades explain the whole decrease: no change
    close(q.onLevelChange(4, 10, 8, 2), 4);
    // Nothing behind: everything cancelled comes from ahead
    close(q.onLevelChange(5, 5, 2, 0), 2);
  });

  it('prob (n = 1): cancellations split in proportion to the sizes', () => {
    const q = new PowerProbQueue(1);
    close(q.onLevelChange(2, 10, 5, 0), 2 - (2 / 10) * 5); // 1
  });

  it('properties: result in [0, new level], prob never behind risk-averse', () => {
    const ra = new RiskAverseQueue();
    const pq = new PowerProbQueue(3);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, prevRaw, newSz) => {
          const prev = Math.max(prevRaw, a);
          const p = pq.onLevelChange(a, prev, newSz, 0);
          const r = ra.onLevelChange(a, prev, newSz, 0);
          assert.ok(p >= 0 && p <= newSz + 1e-9);
          assert.ok(r >= 0 && r <= newSz + 1e-9);
          assert.ok(p <= r + 1e-9);
        },
      ),
    );
  });
});
