/**
 * `hlmm calibrate --report`: what a researcher would otherwise draw in a notebook — λ(δ) fitted over the
 * empirical points (log y), σ per day, the γ score curve and the chosen γ's backtest equity — rendered with the
 * shared report builder (src/report: one self-contained HTML file, uPlot inlined).
 */

import { intensityAt } from '../estimate/intensity.ts';
import type { ReportBlock, ReportDoc } from '../report/index.ts';
import type { CalibrationResult } from './calibrate.ts';
import type { ParamsJson } from './params-output.ts';

const fmt = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(digits)).toString();

export function calibrationReportDoc(r: CalibrationResult, json: ParamsJson, dataDir: string): ReportDoc {
  const last = r.days[r.days.length - 1];
  const fitDays = r.days.filter((d) => d.fit !== null);
  const gammaDays = r.days.filter((d) => d.gamma !== null);
  const lastGamma = gammaDays[gammaDays.length - 1];
  const blocks: ReportBlock[] = [];
  const op = json.optimal_parameters;
  const ci = json.confidence;
  const range = (x: [number, number] | null) => (x === null ? 'n/a' : `${fmt(x[0])} – ${fmt(x[1])}`);
  if (!op.gamma_identified) {
    blocks.push({
      kind: 'text',
      text:
        `⚠ WARNING: γ IS NOT IDENTIFIED BY THE DATA — ${op.gamma_note}. ` +
        `The published γ ${fmt(op.gamma)} is the fallback (${op.fallback_source}); the bot trades it and says so at start-up.`,
    });
  }

  blocks.push({
    kind: 'metrics',
    title: 'Parameters for the next day',
    items: [
      { label: 'mid', value: fmt(json.market_data.mid_price, 8), unit: 'USDC' },
      {
        label: 'σ',
        value: fmt(json.market_data.sigma),
        unit: 'USDC/√s',
        help: 'mean of the last ≤ 7 daily σ',
      },
      { label: 'σ daily', value: fmt(json.market_data.sigma_daily_pct), unit: '%' },
      { label: 'A', value: fmt(json.market_data.A), unit: 'orders/s per side' },
      { label: 'k', value: fmt(json.market_data.k), unit: '1/USDC' },
      {
        label: op.gamma_identified ? 'γ' : 'γ (FALLBACK: not identified)',
        value: fmt(op.gamma),
        unit: '1/USDC',
        help: op.gamma_identified
          ? `best of a backtest on ${op.tested_on} with these σ, A, k (in-sample score ${fmt(op.tested_score_in_sample)} USDC, ${op.tested_fills} fills)`
          : (op.gamma_note ?? ''),
      },
      { label: 'σ 95 % interval', value: range(ci.sigma), unit: 'USDC/√s', help: ci.method },
      { label: 'A 95 % interval', value: range(ci.A), unit: 'orders/s per side' },
      { label: 'k 95 % interval', value: range(ci.k), unit: '1/USDC' },
      { label: 'γ 95 % interval', value: range(ci.gamma), unit: '1/USDC' },
      {
        label: 'out-of-sample score',
        value: fmt(op.oos_mean_score),
        unit: 'USDC/day',
        help: `mean over ${op.oos_days} days of the γ chosen on one day traded the next (walk-forward, objective ${r.objective})`,
      },
      { label: 'total spread', value: fmt(json.optimal_parameters.total_spread), unit: 'USDC' },
      { label: 'bid / ask, q = 0', value: `${fmt(json.quotes.q_0.bid, 8)} / ${fmt(json.quotes.q_0.ask, 8)}` },
      {
        label: 'bid / ask, q = +1',
        value: `${fmt(json.quotes.q_plus_1.bid, 8)} / ${fmt(json.quotes.q_plus_1.ask, 8)}`,
      },
      {
        label: 'bid / ask, q = −1',
        value: `${fmt(json.quotes.q_minus_1.bid, 8)} / ${fmt(json.quotes.q_minus_1.ask, 8)}`,
      },
      { label: 'tick', value: `${r.tick.tick} (${r.tick.source})`, unit: 'USDC' },
    ],
  });

  const lambdaSeries = fitDays.slice(-4).flatMap((d) => {
    const fit = d.fit as NonNullable<typeof d.fit>;
    const xs = fit.points.map((p) => p.depth);
    return [
      { label: `${d.date} empirical`, x: xs, y: fit.points.map((p) => p.lambda), style: 'points' as const },
      { label: `${d.date} fit`, x: xs, y: xs.map((x) => intensityAt(fit.A, fit.k, x)) },
    ];
  });
  const lambdaBlock: ReportBlock = {
    kind: 'chart',
    title: 'λ(δ): aggressive orders per second per side reaching depth ≥ δ (last 4 days)',
    series: lambdaSeries,
    logY: true,
    xLabel: 'δ, USDC from the mid',
    yLabel: 'orders/s',
    note: 'Points: measured on the depth grid; lines: A·e^(−kδ) fitted by Poisson maximum likelihood on the binned counts.',
  };

  const dayMs = r.days.map((d) => d.dayStartMs);
  const sigmaBlock: ReportBlock = {
    kind: 'chart',
    title: 'σ per day (two-scales, corrected for tick rounding; points: uncorrected std of 1 s changes)',
    series: [
      { label: 'σ', x: dayMs, y: r.days.map((d) => d.sigma), style: 'points' },
      { label: 'σ uncorrected', x: dayMs, y: r.days.map((d) => d.rawSigma), style: 'points' },
    ],
    xTime: true,
    yLabel: 'USDC/√s',
  };

  const sections = [
    { heading: 'Headline', blocks },
    { heading: 'Order arrival intensity', blocks: [lambdaBlock] },
    { heading: 'Volatility', blocks: [sigmaBlock] },
  ];

  if (lastGamma?.gamma) {
    const g = lastGamma.gamma;
    const gammaBlocks: ReportBlock[] = [
      {
        kind: 'chart',
        title: `γ score curve, ${lastGamma.date} traded with ${g.paramsFrom}'s σ, A, k`,
        series: [
          { label: 'score', x: g.curve.map((p) => Math.log10(p.gamma)), y: g.curve.map((p) => p.score) },
          { label: 'PnL', x: g.curve.map((p) => Math.log10(p.gamma)), y: g.curve.map((p) => p.pnl) },
        ],
        xLabel: 'log10 γ (γ in 1/USDC)',
        yLabel: 'USDC',
        note:
          `In-sample score = day PnL − ${r.riskPenalty} × √minutes × std of minute PnL; γ with fewer than ${r.minFills} fills are not eligible. ` +
          (g.best
            ? `Best eligible γ ${fmt(g.best.gamma)} (total spread ${fmt(g.best.spreadQuote)} USDC). `
            : `${g.noEligible}. `) +
          g.range.notes.join(' '),
      },
    ];
    if (g.bestEquity !== null) {
      gammaBlocks.push({
        kind: 'chart',
        title: `Equity of the chosen γ on ${lastGamma.date}`,
        series: [{ label: 'equity', x: g.bestEquity.timesMs, y: g.bestEquity.equity }],
        xTime: true,
        yLabel: 'USDC',
      });
    }
    const hs = r.headlineSearch;
    if (hs !== null) {
      gammaBlocks.unshift({
        kind: 'chart',
        title: `γ score curve with the published σ, A, k on ${hs.date} (the published γ comes from it)`,
        series: [
          { label: 'score', x: hs.curve.map((p) => Math.log10(p.gamma)), y: hs.curve.map((p) => p.score) },
          { label: 'PnL', x: hs.curve.map((p) => Math.log10(p.gamma)), y: hs.curve.map((p) => p.pnl) },
        ],
        xLabel: 'log10 γ (γ in 1/USDC)',
        yLabel: 'USDC',
        note: op.gamma_identified
          ? `Identified: best eligible γ ${fmt(op.tested_gamma)}, 95 % interval ${range(ci.gamma)}.`
          : `NOT IDENTIFIED: ${op.gamma_note}.`,
      });
    }
    sections.push({ heading: 'Choosing γ by backtest', blocks: gammaBlocks });
  }

  sections.push({
    heading:
      'Per day (σ, A, k estimated on the day; γ chosen by trading the day with the previous day’s σ, A, k — its score is in-sample)',
    blocks: [
      {
        kind: 'table',
        columns: [
          'date',
          'used',
          'book h',
          'trades h',
          'σ USDC/√s',
          'A /s',
          'k 1/USDC',
          'fit R²',
          'stale dropped',
          'aggressors',
          'observed s',
          'γ',
          'in-sample score USDC',
          'fills',
          'OOS score USDC (γ of the day before)',
        ],
        rows: json.days.map((d) => [
          d.date,
          d.skipped === null ? 'yes' : `skipped: ${d.skipped}`,
          fmt(d.book_hours, 3),
          fmt(d.trade_hours, 3),
          fmt(d.sigma),
          fmt(d.A),
          fmt(d.k),
          `${fmt(d.fit_r2, 3)}${d.fit_poor ? ' (poor)' : ''}`,
          d.aggressors_stale_dropped,
          d.aggressors,
          Math.round(d.observed_s),
          d.gamma_no_eligible ? 'none eligible' : fmt(d.gamma),
          fmt(d.score),
          d.fills,
          d.oos ? `${fmt(d.oos.score)} (γ ${fmt(d.oos.gamma)})` : 'n/a',
        ]),
      },
      {
        kind: 'text',
        text: [
          `Data: ${dataDir} (${r.ticker}).${r.droppedIncompleteDay ? ` ${r.droppedIncompleteDay} is incomplete and left out.` : ''}`,
          ...r.notes,
        ].join('\n\n'),
      },
    ],
  });
  return {
    title: `hlmm calibrate — ${r.ticker}`,
    subtitle:
      `${r.days[0]?.date} to ${last?.date}: ${r.days.length} complete UTC days, ${r.days.filter((d) => d.skipped === null).length} used, ` +
      `${fmt(
        r.days.reduce((a, d) => a + d.bookHours, 0),
        3,
      )} h of fresh book in all, model ${r.model}, objective ${r.objective}`,
    sections,
  };
}
