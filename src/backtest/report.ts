import type { ReportDoc } from '../report/render.ts';
import type { BacktestResult } from './backtest.ts';

export interface BacktestReportMeta {
  ticker: string;
  dataDir?: string;
  /** Extra lines for the settings table, e.g. the params file. */
  notes?: string[];
}

/** The `hlmm backtest --report` document: headline metrics, PnL split, charts, settings. */
export function backtestReportDoc(r: BacktestResult, meta: BacktestReportMeta): ReportDoc {
  const lot = r.config.orderSizeBase;
  const s = r.series;
  const period =
    Number.isFinite(r.startMs) && Number.isFinite(r.endMs)
      ? `${new Date(r.startMs).toISOString()} → ${new Date(r.endMs).toISOString()}`
      : 'no events';
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
              { label: 'PnL (final equity)', value: r.pnlQuote, unit: 'USDC' },
              { label: 'spread capture', value: r.spreadCaptureQuote, unit: 'USDC' },
              { label: 'inventory PnL', value: r.inventoryPnlQuote, unit: 'USDC' },
              { label: 'fees paid', value: r.feesQuote, unit: 'USDC' },
              { label: 'fills (buy / sell)', value: `${r.fills} (${r.buyFills} / ${r.sellFills})` },
              { label: 'maker / taker fills', value: `${r.makerFills} / ${r.takerFills}` },
              {
                label: 'final position',
                value: r.positionBase,
                unit: `base (${r.finalPositionLots.toFixed(3)} lots)`,
              },
              { label: 'mean |q|', value: r.meanAbsQLots, unit: 'lots' },
              { label: 'max |q|', value: r.maxAbsPositionLots, unit: 'lots' },
              { label: 'time at max position', value: r.timeAtLimitShare * 100, unit: '%' },
              { label: 'Sharpe (annualised)', value: r.sharpe, help: 'per-minute PnL, × √525 600' },
              { label: 'Sortino (annualised)', value: r.sortino },
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
          note: `Sampled per time bucket (last value), at most ${r.config.seriesPoints} points${thinned}.`,
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
