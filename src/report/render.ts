import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UserError } from '../core/errors.ts';

/**
 * Self-contained HTML reports (one file, no network): text, metric lists, tables and uPlot charts. uPlot's
 * script and CSS are inlined from node_modules/uplot/dist. Shared by `hlmm backtest --report` and
 * `hlmm calibrate --report`.
 *
 *   renderReport({ title, subtitle?, sections: [{ heading, blocks: [...] }] }): string
 *   writeReport(path, doc): void
 *
 * Charts take one x/y array pair per series (they need not share x values: uPlot.join aligns them in the
 * browser, and only real NaN/null values break a line). Long series are downsampled here: lines keep the
 * min and max of each bucket (spikes survive), point series keep every n-th point.
 */
export interface ChartSeries {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 'line' (default), 'step' (held value, e.g. inventory) or 'points' (scatter, e.g. fills). */
  style?: 'line' | 'step' | 'points';
  /** CSS colour; a palette colour by default. */
  color?: string;
}

export interface ChartBlock {
  kind: 'chart';
  title: string;
  series: ChartSeries[];
  /** x values are Unix milliseconds (shown as UTC dates/times). */
  xTime?: boolean;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (non-positive values are dropped). */
  logY?: boolean;
  /** Pixels. Default 300. */
  height?: number;
  /** Max points per series after downsampling. Default 4000. */
  maxPoints?: number;
  /** A sentence under the chart. */
  note?: string;
}

export interface TableBlock {
  kind: 'table';
  title?: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface MetricsBlock {
  kind: 'metrics';
  title?: string;
  items: { label: string; value: string | number | null; unit?: string; help?: string }[];
}

export interface TextBlock {
  kind: 'text';
  /** Paragraphs separated by blank lines; plain text (escaped). */
  text: string;
}

export type ReportBlock = ChartBlock | TableBlock | MetricsBlock | TextBlock;

export interface ReportSection {
  heading: string;
  blocks: ReportBlock[];
}

export interface ReportDoc {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
}

const PALETTE = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatValue(v: string | number | null): string {
  if (v === null) return 'n/a';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(2) : a >= 1 ? v.toFixed(4) : v.toPrecision(4);
}

/** Downsamples one series to at most ~maxPoints (x ascending assumed for lines). */
export function downsampleSeries(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number,
  style: 'line' | 'step' | 'points',
): { x: number[]; y: (number | null)[] } {
  const n = Math.min(x.length, y.length);
  const clean = (v: number) => (Number.isFinite(v) ? v : null);
  if (n <= maxPoints) {
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      xs.push(x[i]);
      ys.push(clean(y[i]));
    }
    return { x: xs, y: ys };
  }
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  if (style === 'points') {
    const stride = Math.ceil(n / maxPoints);
    for (let i = 0; i < n; i += stride) {
      xs.push(x[i]);
      ys.push(clean(y[i]));
    }
    return { x: xs, y: ys };
  }
  // Lines: per bucket keep the min and the max (in time order), so peaks and dips survive.
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    let iMin = -1;
    let iMax = -1;
    let gap = -1;
    for (let i = from; i < to; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (iMin < 0 || v < y[iMin]) iMin = i;
      if (iMax < 0 || v > y[iMax]) iMax = i;
    }
    const keep = [iMin, iMax, gap].filter((i) => i >= 0).sort((a, b2) => a - b2);
    let last = -1;
    for (const i of keep) {
      if (i === last) continue;
      last = i;
      xs.push(x[i]);
      ys.push(clean(y[i]));
    }
  }
  return { x: xs, y: ys };
}

interface ChartSpec {
  id: string;
  title: string;
  xTime: boolean;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  height: number;
  series: { label: string; style: string; color: string; x: number[]; y: (number | null)[] }[];
}

function chartSpec(block: ChartBlock, id: string): ChartSpec {
  const maxPoints = block.maxPoints ?? 4000;
  return {
    id,
    title: block.title,
    xTime: block.xTime ?? false,
    xLabel: block.xLabel ?? (block.xTime ? 'time (UTC)' : 'x'),
    yLabel: block.yLabel ?? '',
    logY: block.logY ?? false,
    height: block.height ?? 300,
    series: block.series.map((s, i) => {
      const style = s.style ?? 'line';
      const d = downsampleSeries(s.x, s.y, maxPoints, style);
      // uPlot's time axis counts seconds.
      const x = block.xTime ? d.x.map((v) => v / 1000) : d.x;
      const y = block.logY ? d.y.map((v) => (v !== null && v > 0 ? v : null)) : d.y;
      return { label: s.label, style, color: s.color ?? PALETTE[i % PALETTE.length], x, y };
    }),
  };
}

let uplotAssets: { js: string; css: string } | null = null;

function loadUplot(): { js: string; css: string } {
  if (uplotAssets !== null) return uplotAssets;
  const require = createRequire(import.meta.url);
  try {
    uplotAssets = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  } catch (err) {
    throw new UserError(
      `cannot read the uPlot chart library from node_modules/uplot/dist (${(err as Error).message}); run npm ci.`,
    );
  }
  return uplotAssets;
}

/** JSON safe inside <script>: no "</script>" or "<!--" can appear. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1150px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}.sub{color:#5b6475;margin:0 0 18px}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:16px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px;color:#394150}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:right;padding:4px 8px;border-bottom:1px solid #eceef2}th:first-child,td:first-child{text-align:left}
th{color:#5b6475;font-weight:600}
dl.m{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:8px 18px;margin:0}
dl.m div{border-left:3px solid #d7dbe2;padding-left:8px}dt{color:#5b6475;font-size:12px}dd{margin:0;font-size:16px;font-variant-numeric:tabular-nums}
.note{color:#5b6475;font-size:12px;margin:4px 0 0}.chart{margin:8px 0 4px;min-height:60px}
`;

const BOOT = `
(function(){
  var specs = JSON.parse(document.getElementById('hlmm-charts').textContent);
  var plots = [];
  specs.forEach(function(s){
    var el = document.getElementById(s.id);
    var data = uPlot.join(s.series.map(function(se){ return [se.x, se.y]; }));
    var series = [{label: s.xLabel}];
    s.series.forEach(function(se){
      var o = {label: se.label, stroke: se.color, width: 1.5};
      if (se.style === 'points') { o.paths = function(){ return null; }; o.points = {show: true, size: 6, stroke: se.color, fill: se.color}; }
      else { o.points = {show: false}; if (se.style === 'step') o.paths = uPlot.paths.stepped({align: 1}); }
      series.push(o);
    });
    var opts = {
      title: s.title, width: Math.max(300, el.clientWidth), height: s.height,
      scales: {x: {time: s.xTime}, y: s.logY ? {distr: 3} : {}},
      axes: [{label: s.xLabel}, {label: s.yLabel, size: 70}],
      series: series
    };
    plots.push([new uPlot(opts, data, el), el]);
  });
  window.addEventListener('resize', function(){
    plots.forEach(function(p){ p[0].setSize({width: Math.max(300, p[1].clientWidth), height: p[0].height}); });
  });
})();
`;

export function renderReport(doc: ReportDoc): string {
  const { js, css } = loadUplot();
  const specs: ChartSpec[] = [];
  const body: string[] = [];
  for (const section of doc.sections) {
    body.push(`<section><h2>${escapeHtml(section.heading)}</h2>`);
    for (const block of section.blocks) {
      switch (block.kind) {
        case 'text':
          for (const para of block.text.split(/\n\s*\n/)) {
            if (para.trim() !== '') body.push(`<p>${escapeHtml(para.trim())}</p>`);
          }
          break;
        case 'metrics':
          if (block.title) body.push(`<h3>${escapeHtml(block.title)}</h3>`);
          body.push('<dl class="m">');
          for (const it of block.items) {
            const unit = it.unit ? ` <small>${escapeHtml(it.unit)}</small>` : '';
            const help = it.help ? ` title="${escapeHtml(it.help)}"` : '';
            body.push(
              `<div${help}><dt>${escapeHtml(it.label)}</dt><dd>${escapeHtml(formatValue(it.value))}${unit}</dd></div>`,
            );
          }
          body.push('</dl>');
          break;
        case 'table':
          if (block.title) body.push(`<h3>${escapeHtml(block.title)}</h3>`);
          body.push(
            `<table><thead><tr>${block.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>`,
          );
          for (const row of block.rows) {
            body.push(`<tr>${row.map((v) => `<td>${escapeHtml(formatValue(v))}</td>`).join('')}</tr>`);
          }
          body.push('</tbody></table>');
          break;
        case 'chart': {
          const id = `chart${specs.length}`;
          specs.push(chartSpec(block, id));
          body.push(`<div class="chart" id="${id}"></div>`);
          if (block.note) body.push(`<p class="note">${escapeHtml(block.note)}</p>`);
          break;
        }
      }
    }
    body.push('</section>');
  }
  const subtitle = doc.subtitle ? `<p class="sub">${escapeHtml(doc.subtitle)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${css}</style><style>${STYLE}</style>
</head><body><main>
<h1>${escapeHtml(doc.title)}</h1>${subtitle}
${body.join('\n')}
</main>
<script>${js}</script>
<script type="application/json" id="hlmm-charts">${scriptJson(specs)}</script>
<script>${BOOT}</script>
</body></html>
`;
}

/** Renders and writes the report; an unwritable path is a UserError naming it. */
export function writeReport(path: string, doc: ReportDoc): void {
  const html = renderReport(doc);
  try {
    writeFileSync(path, html);
  } catch (err) {
    throw new UserError(
      `${path}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the --report path.`,
    );
  }
}
