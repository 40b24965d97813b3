/**
 * When a backtest's risk ratios mean something. Sharpe and Sortino of per-minute PnL over a handful of fills or
 * minutes are noise that looks like a number: they are shown, flagged, with the sample they come from.
 * ASSUMES at least 30 fills (the usual normal-approximation rule of thumb) and an hour of trading minutes.
 */
export const MIN_FILLS_FOR_RATIOS = 30;
export const MIN_ACTIVE_MINUTES_FOR_RATIOS = 60;

/** Null when the sample is large enough, else one sentence saying why Sharpe/Sortino are not to be trusted. */
export function ratioWarning(fills: number, activeMinutes: number): string | null {
  const why: string[] = [];
  if (fills < MIN_FILLS_FOR_RATIOS) why.push(`${fills} fills (under ${MIN_FILLS_FOR_RATIOS})`);
  if (activeMinutes < MIN_ACTIVE_MINUTES_FOR_RATIOS)
    why.push(`${activeMinutes} trading minutes (under ${MIN_ACTIVE_MINUTES_FOR_RATIOS})`);
  return why.length === 0 ? null : `too small a sample for Sharpe/Sortino: ${why.join(', ')}`;
}
