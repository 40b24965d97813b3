import type { LogFields, Logger } from '../core/log.ts';
import type { DesiredQuotes } from '../strategy/types.ts';
import type { AccountSnapshot } from './account.ts';
import type { BotEvent, FillView, ParamsView } from './bot-view.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';

/**
 * What the REST API and the dashboard read live, as subscribers to the engine's event stream:
 * - `LogSink` writes the engine's log lines to the process logger;
 * - `EngineView` keeps the last 500 lines for /logs and turns engine events into the dashboard's BotEvents.
 * The state itself (account, risk, quotes, open orders) is read from the engine's parts on request.
 */
export class LogSink implements EngineSubscriber {
  constructor(private readonly logger: Logger) {}
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void {
    this.logger[level](msg, fields);
  }
}

const LOG_RING = 500;

/** "msg k=v k=v": the line the API's /logs and the dashboard show. */
function lineOf(msg: string, fields?: LogFields): string {
  if (!fields) return msg;
  let line = msg;
  for (const k of Object.keys(fields)) line += ` ${k}=${String(fields[k])}`;
  return line;
}

export class EngineView implements EngineSubscriber {
  /** Lines kept raw and formatted when read: a backtest logs every fill and nobody reads them. */
  private readonly ring: { tsMs: number; level: string; msg: string; fields?: LogFields }[] = [];
  private readonly listeners = new Set<(e: BotEvent) => void>();

  constructor(
    private readonly wallNowMs: () => number,
    /** The account and risk state for status events (the engine's own readers). */
    private readonly state: () => Extract<BotEvent, { type: 'status' }>,
  ) {}

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void {
    const entry = { tsMs: this.wallNowMs(), level, msg, fields };
    this.ring.push(entry);
    if (this.ring.length > LOG_RING) this.ring.shift();
    if (this.listeners.size > 0)
      this.emit({ type: 'log', tsMs: entry.tsMs, level, msg: lineOf(msg, fields) });
  }

  fill(f: EngineFill): void {
    if (this.listeners.size === 0) return;
    const view: FillView = {
      tid: f.tid,
      oid: f.oid ?? f.cid,
      side: f.side,
      px: f.px,
      sz: f.sz,
      feeQuote: f.feeQuote,
      liquidity: f.liquidity,
      tsMs: f.exchMs,
    };
    this.emit({ type: 'fill', fill: view, positionBase: f.positionBase });
  }

  quote(q: DesiredQuotes, nowMs: number): void {
    if (this.listeners.size > 0) this.emit({ type: 'quotes', tsMs: nowMs, quotes: q });
  }

  status(_a: AccountSnapshot): void {
    if (this.listeners.size > 0) this.emit(this.state());
  }

  params(view: ParamsView): void {
    if (this.listeners.size > 0) this.emit({ type: 'params', params: view });
  }

  recentLogs(limit: number): { tsMs: number; level: string; msg: string }[] {
    return this.ring
      .slice(-Math.max(0, limit))
      .map((e) => ({ tsMs: e.tsMs, level: e.level, msg: lineOf(e.msg, e.fields) }));
  }

  subscribe(listener: (event: BotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: BotEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (a closed socket) must never stop the engine.
      }
    }
  }
}
