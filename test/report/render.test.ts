import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsampleSeries, renderReport } from '../../src/report/render.ts';

function chartsJson(html: string) {
  const m = /<script type="application\/json" id="hlmm-charts">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'chart data block');
  return JSON.parse(m[1]);
}

describe('renderReport', () => {
  const html = renderReport({
    title: 'Test <report>',
    subtitle: 'a & b',
    sections: [
      {
        heading: 'Numbers',
        blocks: [
          { kind: 'text', text: 'First paragraph.\n\nSecond <b>not bold</b>.' },
          {
            kind: 'metrics',
            items: [
              { label: 'pnl', value: 1.5, unit: 'USDC' },
              { label: 'none', value: Number.NaN },
            ],
          },
          {
            kind: 'table',
            columns: ['a', 'b'],
            rows: [
              ['x', 1234567],
              ['y', null],
            ],
          },
        ],
      },
      {
        heading: 'Charts',
        blocks: [
          {
            kind: 'chart',
            title: 'λ(δ)',
            logY: true,
            series: [
              { label: 'empirical', x: [1, 2, 3], y: [10, 0, 1], style: 'points' },
              { label: 'fit', x: [1, 3], y: [9, 1.1] },
            ],
          },
          {
            kind: 'chart',
            title: 'time',
            xTime: true,
            series: [{ label: 'p', x: [1_000, 2_000], y: [5, Number.NaN] }],
            note: 'ends </script> here',
          },
        ],
      },
    ],
  });

  it('is one self-contained page with uPlot inlined', () => {
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('.uplot')); // uPlot's CSS
    assert.ok(html.includes('uPlot.join')); // our bootstrap
    assert.ok(!/(src|href)="https?:/.test(html), 'nothing fetched from the network');
  });

  it('escapes text', () => {
    assert.ok(html.includes('<title>Test &#60;report&#62;</title>'));
    assert.ok(html.includes('a &#38; b'));
    assert.ok(html.includes('<p>Second &#60;b&#62;not bold&#60;/b&#62;.</p>'));
    assert.ok(html.includes('ends &#60;/script&#62; here'));
    assert.ok(html.includes('<td>1,234,567</td>'));
    assert.ok(html.includes('<td>n/a</td>'));
  });

  it('chart data: log-y drops non-positive values, NaN becomes a gap, time axis in seconds', () => {
    const specs = chartsJson(html);
    assert.equal(specs.length, 2);
    assert.equal(specs[0].logY, true);
    assert.deepEqual(specs[0].series[0].y, [10, null, 1]);
    assert.deepEqual(specs[0].series[1].x, [1, 3]);
    assert.deepEqual(specs[1].series[0].x, [1, 2]);
    assert.deepEqual(specs[1].series[0].y, [5, null]);
  });
});

describe('downsampleSeries', () => {
  it('lines keep the min and max of each bucket, in time order', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const y = x.map((i) => (i === 37 ? 1000 : i === 61 ? -1000 : 0));
    const d = downsampleSeries(x, y, 10, 'line'); // 5 buckets of 20
    assert.ok(d.x.length <= 10);
    assert.ok(d.y.includes(1000) && d.y.includes(-1000));
    assert.deepEqual(
      [...d.x].sort((a, b) => a - b),
      d.x,
    );
  });

  it('points keep every n-th point; short series are untouched', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    assert.equal(downsampleSeries(x, x, 10, 'points').x.length, 10);
    assert.deepEqual(downsampleSeries([1, 2], [3, 4], 10, 'line'), { x: [1, 2], y: [3, 4] });
  });
});
