import type { BotSummary } from './bot-summary.ts';

/** Plain-text table for `hlmm pnl`: one row per bot, then a total when two or more bots answered. */

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

export interface PnlTotals {
  bots: number;
  reachable: number;
  /** Σ PnL of reachable bots, only when they share one stake currency (else null). */
  pnlQuote: number | null;
  stakeCurrency: string | null;
  trades: number;
}

export function totalsOf(rows: BotSummary[]): PnlTotals {
  const ok = rows.filter((r) => r.error === null);
  const currencies = new Set(ok.map((r) => r.stakeCurrency));
  const sameCurrency = currencies.size === 1;
  return {
    bots: rows.length,
    reachable: ok.length,
    pnlQuote: sameCurrency ? ok.reduce((s, r) => s + (r.pnlQuote ?? 0), 0) : null,
    stakeCurrency: sameCurrency ? (ok[0]?.stakeCurrency ?? null) : null,
    trades: ok.reduce((s, r) => s + (r.tradeCount ?? 0), 0),
  };
}

const fmtPct = (ratio: number | null, digits = 2) =>
  ratio === null ? '—' : `${(ratio * 100).toFixed(digits)}%`;
const fmtNum = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));

type Cell = { text: string; color?: string; right?: boolean };

function signColor(v: number | null): string | undefined {
  if (v === null || v === 0) return undefined;
  return v > 0 ? GREEN : RED;
}

export function renderPnlTable(rows: BotSummary[], opts: { color: boolean }): string {
  const header = [
    'Bot',
    'Strategy',
    'Mode',
    'Days',
    'Trades',
    'PnL',
    'PnL %',
    'Win rate',
    'Profit f.',
    'Max DD',
    'Annualised',
  ];
  const body: Cell[][] = rows.map((r) => {
    if (r.error !== null) {
      return [
        { text: r.name },
        { text: r.error, color: RED },
        ...Array.from({ length: header.length - 2 }, () => ({ text: '' })),
      ];
    }
    const pnl = r.pnlQuote === null ? '—' : `${r.pnlQuote.toFixed(2)} ${r.stakeCurrency ?? ''}`.trim();
    return [
      { text: r.name },
      { text: r.strategy ?? '—' },
      {
        text: r.dryRun === null ? '—' : r.dryRun ? 'dry' : 'live',
        color: r.dryRun === false ? BOLD : undefined,
      },
      { text: fmtNum(r.daysSinceFirstFill, 1), right: true },
      { text: r.tradeCount === null ? '—' : String(r.tradeCount), right: true },
      { text: pnl, color: signColor(r.pnlQuote), right: true },
      { text: fmtPct(r.pnlRatio), color: signColor(r.pnlRatio), right: true },
      { text: fmtPct(r.winRate, 1), right: true },
      { text: fmtNum(r.profitFactor), right: true },
      { text: fmtPct(r.maxDrawdownRatio), right: true },
      { text: fmtPct(r.annualisedReturn, 1), color: signColor(r.annualisedReturn), right: true },
    ];
  });
  const totals = totalsOf(rows);
  if (rows.length >= 2) {
    const pnl =
      totals.pnlQuote === null
        ? 'mixed currencies'
        : `${totals.pnlQuote.toFixed(2)} ${totals.stakeCurrency ?? ''}`.trim();
    body.push([
      { text: `TOTAL (${totals.reachable}/${totals.bots} up)`, color: BOLD },
      { text: '' },
      { text: '' },
      { text: '' },
      { text: String(totals.trades), right: true },
      { text: pnl, color: signColor(totals.pnlQuote), right: true },
      ...Array.from({ length: 5 }, () => ({ text: '' })),
    ]);
  }
  // An error sentence lives in the Strategy column but may be wider than it: let it overflow instead of
  // widening the column for every row.
  const widths = header.map((h, i) =>
    Math.max(
      h.length,
      ...body.map((row, r) =>
        i === 1 && r < rows.length && rows[r].error !== null ? 0 : row[i].text.length,
      ),
    ),
  );
  const paint = (cell: Cell, width: number, isLast: boolean) => {
    const padded = cell.right ? cell.text.padStart(width) : isLast ? cell.text : cell.text.padEnd(width);
    return opts.color && cell.color ? `${cell.color}${padded}${RESET}` : padded;
  };
  const lines: string[] = [];
  lines.push(
    header
      .map((h, i) => {
        const text = i >= 3 ? h.padStart(widths[i]) : h.padEnd(widths[i]);
        return opts.color ? `${DIM}${text}${RESET}` : text;
      })
      .join('  ')
      .trimEnd(),
  );
  for (const [r, row] of body.entries()) {
    if (r < rows.length && rows[r].error !== null) {
      lines.push(`${paint(row[0], widths[0], false)}  ${paint(row[1], 0, true)}`);
      continue;
    }
    lines.push(
      row
        .map((c, i) => paint(c, widths[i], i === row.length - 1))
        .join('  ')
        .trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Colour only on a terminal and when NO_COLOR (https://no-color.org) is unset or empty. */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}
