import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentTradeIds } from '../../src/data/trade-dedup.ts';

/** The rule written the plain way: the last `capacity` distinct ids admitted, in a Set and an array. */
class ReferenceIds {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  duplicates = 0;
  constructor(private readonly capacity: number) {}
  get size(): number {
    return this.order.length;
  }
  admit(tid: number): boolean {
    if (this.seen.has(tid)) {
      this.duplicates++;
      return false;
    }
    if (this.order.length === this.capacity) this.seen.delete(this.order.shift() as number);
    this.order.push(tid);
    this.seen.add(tid);
    return true;
  }
}

/** A small deterministic generator (xorshift32) for the id streams. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('RecentTradeIds', () => {
  it('admits exactly what the plain Set-and-queue rule admits (random streams with re-sends)', () => {
    for (const [capacity, pool, n, seed] of [
      [1, 3, 200, 1],
      [3, 8, 2000, 2],
      [64, 100, 20_000, 3],
      [1000, 1500, 50_000, 4],
      [5000, 2 ** 52, 30_000, 5], // ids spread up to 2^52 (as Hyperliquid's), few repeats
    ] as const) {
      const next = rng(seed);
      const fast = new RecentTradeIds(capacity);
      const plain = new ReferenceIds(capacity);
      const recent: number[] = [];
      for (let i = 0; i < n; i++) {
        // Half the time a re-send of one of the last 2 × capacity ids, else a fresh draw from the pool.
        const tid =
          recent.length > 0 && next() < 0.5
            ? (recent[Math.floor(next() * recent.length)] as number)
            : Math.floor(next() * pool);
        recent.push(tid);
        if (recent.length > 2 * capacity) recent.shift();
        assert.equal(fast.admit(tid), plain.admit(tid), `capacity ${capacity}, offer ${i}: id ${tid}`);
      }
      assert.equal(fast.duplicates, plain.duplicates);
      assert.equal(fast.size, plain.size);
    }
  });

  it('forgets the oldest id once capacity is reached; −0 is 0; seed counts no duplicates', () => {
    const ids = new RecentTradeIds(2);
    assert.deepEqual(
      [ids.admit(1), ids.admit(2), ids.admit(1), ids.admit(3), ids.admit(1), ids.admit(3)],
      [true, true, false, true, true, false], // 3 pushed 1 out; 1 is new again (and pushes 2 out)
    );
    assert.equal(ids.duplicates, 2);
    assert.equal(ids.size, 2);
    assert.equal(ids.admit(-0), true);
    assert.equal(ids.admit(0), false);
    const seeded = new RecentTradeIds(10);
    seeded.seed([5, 6, 5]);
    assert.equal(seeded.duplicates, 0);
    assert.equal(seeded.admit(6), false);
    assert.equal(seeded.duplicates, 1);
  });
});
