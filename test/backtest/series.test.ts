import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketedSeries, ThinnedPoints } from '../../src/backtest/series.ts';

describe('BucketedSeries (chart rows in bounded memory)', () => {
  it('keeps the last value of each bucket', () => {
    const s = new BucketedSeries(10, 1, 1000);
    s.push(0, [1]);
    s.push(500, [2]); // same 1-s bucket: replaces
    s.push(1000, [3]);
    assert.deepEqual(s.toArrays(), [
      [500, 1000],
      [2, 3],
    ]);
  });

  it('when full, drops every other row and doubles the bucket width', () => {
    const s = new BucketedSeries(4, 1, 1000);
    for (let i = 0; i < 4; i++) s.push(i * 1000, [i]);
    s.push(4000, [4]); // full: keep rows 1 and 3, bucket 2 s, then add
    assert.deepEqual(s.toArrays(), [
      [1000, 3000, 4000],
      [1, 3, 4],
    ]);
    s.push(5000, [5]); // same 2-s bucket as 4000
    assert.deepEqual(s.toArrays()[1], [1, 3, 5]);
    for (let i = 6; i < 1000; i++) s.push(i * 1000, [i]);
    assert.ok(s.length <= 4);
    assert.equal(s.toArrays()[1].at(-1), 999);
  });

  it("a gap marker is a NaN row, unless it falls in the last row's bucket", () => {
    const s = new BucketedSeries(10, 1, 1000);
    s.push(0, [1]);
    s.breakAt(500); // same bucket: ignored
    s.breakAt(60_000);
    s.push(120_000, [2]);
    const [t, v] = s.toArrays();
    assert.deepEqual(t, [0, 60_000, 120_000]);
    assert.ok(Number.isNaN(v[1]));
  });

  it('compaction keeps gap markers (a hole in the data stays a hole however long the run)', () => {
    const s = new BucketedSeries(4, 1, 1000);
    s.push(0, [1]);
    s.breakAt(30_000); // row 1 = gap: the pair (0, gap) keeps the gap
    s.push(60_000, [2]);
    s.push(61_000, [3]);
    s.push(62_000, [4]); // full: compaction
    const [t, v] = s.toArrays();
    assert.deepEqual(t, [30_000, 61_000, 62_000]);
    assert.ok(Number.isNaN(v[0]));
    assert.deepEqual(v.slice(1), [3, 4]);
    // Many compactions later, the gap is still there between data rows.
    const long = new BucketedSeries(8, 1, 1000);
    for (let i = 0; i < 1000; i++) long.push(i * 1000, [i]);
    long.breakAt(3_600_000);
    for (let i = 0; i < 1000; i++) long.push(7_200_000 + i * 1000, [i]);
    const [lt, lv] = long.toArrays();
    const gapAt = lv.findIndex((x) => Number.isNaN(x));
    assert.ok(gapAt > 0 && gapAt < lv.length - 1, `a gap row between data rows (t ${lt.join(',')})`);
    assert.ok(lt[gapAt - 1] < 3_600_000 && lt[gapAt + 1] > 3_600_000);
  });
});

describe('ThinnedPoints', () => {
  it('stays within capacity and keeps points spread evenly', () => {
    const p = new ThinnedPoints<number>(4);
    for (let i = 0; i < 16; i++) p.push(i);
    assert.equal(p.offered, 16);
    assert.ok(p.items.length <= 4);
    assert.deepEqual(
      p.items,
      [...p.items].sort((a, b) => a - b),
    );
    assert.ok((p.items.at(-1) as number) >= 8);
  });
});
