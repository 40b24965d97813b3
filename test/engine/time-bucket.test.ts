import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeBucket } from '../../src/engine/time-bucket.ts';

describe('TimeBucket', () => {
  it('answers floor(t / size) for every time, at bucket edges, backwards and for NaN', () => {
    const T0 = Date.UTC(2025, 8, 1);
    for (const size of [60_000, 86_400_000]) {
      const bucket = new TimeBucket(size);
      const times: number[] = [];
      for (let k = 0; k < 4; k++) {
        const edge = T0 + k * size;
        // Just before, at and after each edge, fractional ms included (delivery times with a feed delay).
        for (const d of [-1, -0.5, -1e-6, -Number.EPSILON * edge, 0, 1e-6, 0.5, 1, size / 2])
          times.push(edge + d);
      }
      let seed = 7;
      for (let i = 0; i < 2000; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        times.push(T0 + (seed / 2 ** 31) * 4 * size);
      }
      times.push(T0 - size, T0 + 3 * size, T0); // jumps back and forth
      for (const t of times) assert.equal(bucket.of(t), Math.floor(t / size), `t=${t} size=${size}`);
      assert.ok(Number.isNaN(bucket.of(Number.NaN)));
      assert.equal(bucket.of(T0 + size - 1e-6), Math.floor((T0 + size - 1e-6) / size));
    }
  });
});
