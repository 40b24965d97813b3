import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedProgress } from '../../src/calibrate/ordered-progress.ts';

describe('progress lines in the order of the work', () => {
  it('holds a later lane until every earlier lane is closed, then lets it write through', () => {
    const out: string[] = [];
    const lanes = new OrderedProgress((l) => out.push(l));
    const day1 = lanes.open();
    const day2 = lanes.open();
    const day3 = lanes.open();
    day1.write('1a');
    day2.write('2a');
    day3.write('3a');
    assert.deepEqual(out, ['1a'], 'only the first lane writes through');
    day3.close(); // a later lane may end first: its lines still wait
    day2.write('2b');
    assert.deepEqual(out, ['1a']);
    day1.write('1b');
    day1.close();
    assert.deepEqual(out, ['1a', '1b', '2a', '2b'], 'the next lane flushes and is now live');
    day2.write('2c');
    assert.deepEqual(out, ['1a', '1b', '2a', '2b', '2c']);
    day2.close();
    assert.deepEqual(out, ['1a', '1b', '2a', '2b', '2c', '3a'], 'a closed lane flushes when it is reached');
    const day4 = lanes.open();
    day4.write('4a');
    assert.deepEqual(out.at(-1), '4a', 'a lane opened after all others closed writes through');
  });
});
