import type { ReportDoc } from '../report/render.ts';
import type { BacktestResult } from './backtest.ts';
import { ratioWarning } from './sample-size.ts';
import type { LatencyLine } from './summary.ts';

export interface BacktestReportMeta {
  ticker: string;
  dataDir?: string;
  /** Extra lines for the settings table, e.g. the params file. */
  notes?: string[];
  /** PnL of the same data at zero, the configured and twice the latency (absent: not run). */
  latencyLines?: readonly LatencyLine[];
}

/** The `hlmm backtest --report` document: headline metrics, PnL split, charts, settings. */
export function backtestReportDoc(r: BacktestResult, meta: BacktestReportMeta): ReportDoc {
  const lot = r.config.orderSizeBase;
  const s = r.series;
  const period =
    Number.isFinite(r.startMs) && Number.isFinite(r.endMs)
      ? `${new Date(r.startMs).toISOString()} → ${new Date(r.endMs).toISOString()}`
      : 'no events';
  const fillsN = `n = ${r.fills} fills`;
  const minutesN = `n = ${r.activeMinutes} trading minutes, ${r.fills} fills`;
  const warning = ratioWarning(r.fills, r.activeMinutes);
  const flagged = warning !== null ? ' ⚠ small sample' : '';
  const doc: ReportDoc = {
    title: `hlmm backtest — ${meta.ticker} (${r.config.strategy})`,
    subtitle: `${period}; ${r.events.toLocaleString('en-US')} events; queue ${r.config.queue}, entry latency ${r.config.latencyMs} ms, response ${r.config.fillModel.responseLatencyMs} ms, feed latency ${r.config.fillModel.feedLatency}`,
    sections: [
      {
        heading: 'Results',
        blocks: [
          {
            kind: 'metrics',
            items: [
              { label: 'PnL (final equity)', value: r.pnlQuote, unit: 'USDC', help: fillsN },
              { label: 'spread capture', value: r.spreadCaptureQuote, unit: `USDC (${fillsN})` },
              { label: 'inventory PnL', value: r.inventoryPnlQuote, unit: 'USDC' },
              { label: 'fees paid', value: r.feesQuote, unit: 'USDC' },
              { label: 'fills (buy / sell)', value: `${r.fills} (${r.buyFills} / ${r.sellFills})` },
              { label: 'maker / taker fills', value: `${r.makerFills} / ${r.takerFills}` },
              {
                label: 'final position',
                value: r.positionBase,
                unit: `base (${r.finalPositionLots.toFixed(3)} lots)`,
              },
              { label: 'mean |q| (time-weighted)', value: r.meanAbsQLots, unit: 'lots' },
              { label: 'max |q|', value: r.maxAbsPositionLots, unit: 'lots' },
              { label: 'time at max position', value: r.timeAtLimitShare * 100, unit: '%' },
              {
                label: `Sharpe (annualised)${flagged}`,
                value: r.sharpe,
                unit: `(${minutesN})`,
                help: 'PnL per trading minute (minutes with book data), × √525 600',
              },
              { label: `Sortino (annualised)${flagged}`, value: r.sortino, unit: `(${minutesN})` },
              { label: 'trading minutes', value: r.activeMinutes, unit: `of ${r.minutes} clock minutes` },
              { label: 'max drawdown', value: r.maxDrawdownQuote, unit: 'USDC' },
              { label: 'turnover', value: r.turnoverQuote, unit: 'USDC' },
            ],
          },
          {
            kind: 'table',
            title: 'PnL decomposition (USDC): pnl = spread capture + inventory PnL − fees',
            columns: ['component', 'USDC', 'definition'],
            rows: [
              [
                'spread capture',
                r.spreadCaptureQuote,
                'Σ fills: (mid − px)·sz for buys, (px − mid)·sz for sells',
              ],
              ['inventory PnL', r.inventoryPnlQuote, 'Σ position × Δmid'],
              ['fees', -r.feesQuote, 'Σ fee per fill (maker/taker rate × notional)'],
              ['pnl', r.pnlQuote, 'cash + position × last mid'],
            ],
          },
        ],
      },
    ],
  };
  const results = doc.sections[0].blocks;
  if (warning !== null)
    results.unshift({
      kind: 'text',
      text: `⚠ ${warning}: Sharpe and Sortino below are shown but are not evidence of anything.`,
    });
  if (meta.latencyLines && meta.latencyLines.length > 0) {
    results.push({
      kind: 'table',
      title: 'PnL at zero, the configured and twice the latency (same data, same settings otherwise)',
      columns: ['latency', 'order / cancel latency (ms)', 'PnL (USDC)', 'fills'],
      rows: meta.latencyLines.map((l) => [
        l.factor === 0 ? 'none (0×)' : l.factor === 1 ? 'configured (1×)' : `${l.factor}×`,
        `${l.latencyMs} / ${l.cancelLatencyMs}`,
        l.pnlQuote,
        l.fills,
      ]),
    });
  }
  const m = r.markouts;
  const bp = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : null);
  results.push({
    kind: 'table',
    title:
      'Markouts: signed mid move after each fill (positive = good for us: the mid rose after a buy, fell after a sell)',
    columns: [
      'horizon',
      'fills (n)',
      'mean (USDC/unit)',
      'mean (bps)',
      'p10 (bps)',
      'p50 (bps)',
      'p90 (bps)',
      'against us',
      'vs fill price (bps)',
    ],
    rows: m.horizons.map((h) => [
      `${h.horizonS} s`,
      h.count,
      h.meanMoveQuote,
      bp(h.meanMoveBps),
      bp(h.p10MoveBps),
      bp(h.p50MoveBps),
      bp(h.p90MoveBps),
      Number.isFinite(h.adverseShare) ? `${(h.adverseShare * 100).toFixed(1)} %` : null,
      bp(h.meanVsFillBps),
    ]),
  });
  if (m.pending > 0 || m.unmeasured > 0)
    results.push({
      kind: 'text',
      text: `Markouts of ${m.fills} fills: ${m.pending} too close to the end of the data for the 60 s horizon, ${m.unmeasured} before the first BBO (not measured).`,
    });
  if (s !== null) {
    const buys = s.fills.filter((f) => f.side === 'buy');
    const sells = s.fills.filter((f) => f.side === 'sell');
    const thinned =
      s.fillsOffered > s.fills.length ? ` (${s.fills.length} of ${s.fillsOffered} fills shown)` : '';
    doc.sections.push({
      heading: 'Charts',
      blocks: [
        {
          kind: 'chart',
          title: 'Mid price, our resting quotes and fills',
          xTime: true,
          yLabel: 'USDC',
          height: 360,
          series: [
            { label: 'mid', x: s.tMs, y: s.mid, color: '#555' },
            { label: 'our bid', x: s.tMs, y: s.bidPx, style: 'step', color: '#2ca02c' },
            { label: 'our ask', x: s.tMs, y: s.askPx, style: 'step', color: '#d62728' },
            {
              label: 'buy fills',
              x: buys.map((f) => f.tMs),
              y: buys.map((f) => f.px),
              style: 'points',
              color: '#0b7d0b',
            },
            {
              label: 'sell fills',
              x: sells.map((f) => f.tMs),
              y: sells.map((f) => f.px),
              style: 'points',
              color: '#b00000',
            },
          ],
          note: `Sampled per time bucket (last value), at most ${r.config.seriesPoints} points${thinned}; no line is drawn across a pause of more than 5 min in the data.`,
        },
        {
          kind: 'chart',
          title: 'Inventory',
          xTime: true,
          yLabel: 'lots',
          series: [{ label: 'q (lots)', x: s.tMs, y: s.positionBase.map((p) => p / lot), style: 'step' }],
        },
        {
          kind: 'chart',
          title: 'Equity (cash + position × mid)',
          xTime: true,
          yLabel: 'USDC',
          series: [{ label: 'equity', x: s.tMs, y: s.equityQuote, color: '#1f77b4' }],
        },
      ],
    });
  }
  const c = r.config;
  doc.sections.push({
    heading: 'Settings',
    blocks: [
      {
        kind: 'table',
        columns: ['setting', 'value'],
        rows: [
          ['ticker', meta.ticker],
          ...(meta.dataDir ? [['data', meta.dataDir] as [string, string]] : []),
          ['strategy', c.strategy],
          ['σ (USDC/√s)', c.params.sigma],
          ['A (1/s per side)', c.params.A],
          ['k (1/USDC)', c.params.k],
          ['γ (1/USDC)', c.params.gamma],
          ['order size (base units = 1 lot)', c.orderSizeBase],
          ['max position (lots)', c.maxPositionLots],
          ['queue model', c.queue === 'prob' ? `prob (power ${c.queuePower})` : c.queue],
          ['order / cancel latency (ms)', `${c.latencyMs} / ${c.cancelLatencyMs}`],
          ['response latency (ms)', c.fillModel.responseLatencyMs],
          [
            'feed latency',
            `${c.fillModel.feedLatency}: applied p50 ${r.latency.feedMsP50} ms, p99 ${r.latency.feedMsP99} ms`,
          ],
          [
            'order latency',
            c.fillModel.latencySamples !== null
              ? `drawn from ${c.fillModel.latencyFile ?? 'samples'} (seed ${c.fillModel.latencySeed}): entry p50 ${r.latency.entryMsP50} ms, response p50 ${r.latency.responseMsP50} ms`
              : 'constant',
          ],
          ['maker / taker fee rate', `${c.makerFeeRate} / ${c.takerFeeRate}`],
          ['price tolerance (bps)', c.priceToleranceBps],
          ['replace with', c.replaceWith],
          ['requote interval (ms)', c.requoteIntervalMs],
          ...(meta.notes ?? []).map((n) => ['note', n] as [string, string]),
        ],
      },
    ],
  });
  return doc;
}
