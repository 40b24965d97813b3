import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { LatencySamples } from '../sim/latency.ts';
import { writeLatencyFile } from '../sim/latency-file.ts';
import { type LatencySampleRecord, openStore } from './trade-store.ts';

/** Percentiles of one kind of measured latency, ms (nearest rank); null when there is no sample. */
export interface LatencyPercentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface LatencyReport {
  /** Order request sent → the exchange's answer received (a round trip), ms. */
  order_ack: LatencyPercentiles;
  /** A fill's exchange time → our receipt, ms. */
  fill_report: LatencyPercentiles;
  /** What the backtest draws from (the file --out writes): entry and response delays, ms. */
  entry: LatencyPercentiles;
  response: LatencyPercentiles;
  /** How entry and response were derived from the measurements. */
  method: string;
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

export function percentilesOf(xs: readonly number[]): LatencyPercentiles {
  const s = [...xs].sort((a, b) => a - b);
  return {
    count: s.length,
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s.length > 0 ? s[s.length - 1] : null,
  };
}

/**
 * The backtest's entry and response delays from the live bot's measurements. ASSUMES the answer to an order
 * request travels back as fast as a fill report does: response = the measured fill reports, entry = each order
 * round trip minus the median fill report (at least 0). Without fill reports the round trip is split in half
 * (a symmetric path). Without order round trips there is no entry delay to draw: null.
 */
export function latencySamplesFrom(records: readonly LatencySampleRecord[]): {
  samples: LatencySamples | null;
  method: string;
} {
  const rtt = records.filter((r) => r.kind === 'order_ack').map((r) => Math.max(0, r.latencyMs));
  const fills = records.filter((r) => r.kind === 'fill_report').map((r) => Math.max(0, r.latencyMs));
  if (rtt.length === 0) return { samples: null, method: 'no order round trips measured' };
  if (fills.length === 0)
    return {
      samples: { entryMs: rtt.map((x) => x / 2), responseMs: rtt.map((x) => x / 2) },
      method: 'no fill reports: entry = response = half of each order round trip',
    };
  const medianResponse = percentile(
    [...fills].sort((a, b) => a - b),
    0.5,
  ) as number;
  return {
    samples: { entryMs: rtt.map((x) => Math.max(0, x - medianResponse)), responseMs: fills },
    method: `entry = order round trip − median fill report (${medianResponse} ms); response = fill reports`,
  };
}

export function latencyReport(records: readonly LatencySampleRecord[]): LatencyReport {
  const { samples, method } = latencySamplesFrom(records);
  return {
    order_ack: percentilesOf(records.filter((r) => r.kind === 'order_ack').map((r) => r.latencyMs)),
    fill_report: percentilesOf(records.filter((r) => r.kind === 'fill_report').map((r) => r.latencyMs)),
    entry: percentilesOf(samples?.entryMs ?? []),
    response: percentilesOf(samples?.responseMs ?? []),
    method,
  };
}

export interface LatencyCommandOptions {
  db: string;
  out?: string;
  coin?: string;
  json: boolean;
}

/** `hlmm latency --db FILE [--out FILE]`: percentiles of the bot's measured latencies, and the backtest's file. */
export function runLatencyCommand(o: LatencyCommandOptions): void {
  if (!existsSync(o.db))
    throw new UserError(
      `--db ${o.db}: no such database; give the file a live bot (hlmm trade --live --db) wrote.`,
    );
  const store = openStore(o.db);
  let records: LatencySampleRecord[];
  try {
    records = store.latencySamples();
  } finally {
    store.close();
  }
  if (o.coin !== undefined) records = records.filter((r) => r.coin.toUpperCase() === o.coin?.toUpperCase());
  const report = latencyReport(records);
  if (o.out !== undefined) {
    const { samples } = latencySamplesFrom(records);
    if (samples === null)
      throw new UserError(
        `--db ${o.db}: no order round trips recorded${o.coin ? ` for ${o.coin}` : ''}; run the live bot with this --db first, then write --out.`,
      );
    writeLatencyFile(o.out, samples, {
      source: o.db,
      method: report.method,
      order_ack: report.order_ack,
      fill_report: report.fill_report,
    });
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ db: o.db, ...report, out: o.out ?? null })}\n`);
    return;
  }
  const line = (name: string, p: LatencyPercentiles) =>
    `${name.padEnd(13)} ${String(p.count).padStart(7)}  p50 ${fmt(p.p50)}  p90 ${fmt(p.p90)}  p99 ${fmt(p.p99)}  max ${fmt(p.max)}`;
  const lines = [
    `latency samples in ${o.db} (ms)`,
    `${'kind'.padEnd(13)} ${'count'.padStart(7)}`,
    line('order_ack', report.order_ack),
    line('fill_report', report.fill_report),
    line('→ entry', report.entry),
    line('→ response', report.response),
    `derived: ${report.method}`,
  ];
  if (o.out !== undefined) lines.push(`wrote ${o.out} (use: hlmm backtest --latency-file ${o.out})`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function fmt(x: number | null): string {
  return x === null ? '   n/a' : x.toFixed(0).padStart(6);
}
