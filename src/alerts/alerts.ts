/**
 * Alerts: one module that subscribes to the engine's event stream (src/engine/engine-events.ts) and tells the
 * operator what matters — entry and exit fills, the kill switch, stale data, a feed disconnect and reconnect, a
 * refused parameters file, shutdown — through Freqtrade-style webhooks (webhook.ts) and Telegram (telegram.ts).
 *
 * It never blocks the run loop: a hook only builds the alert and queues it; delivery is asynchronous, one queue
 * per sink (so each sink sees alerts in order), with retries and a doubling back-off; a full queue drops the oldest
 * alert (counted, logged). Secrets never reach a payload: an alert carries only the fields below, and every text is
 * scrubbed of key material.
 */
import { scrubKeyMaterial } from '../core/key-material.ts';
import type { Logger } from '../core/log.ts';
import type { AccountSnapshot } from '../engine/account.ts';
import type { EngineFill, EngineSubscriber } from '../engine/engine-events.ts';
import type { RiskEventKind } from '../store/records.ts';

export const ALERT_KINDS = [
  'entry_fill',
  'exit_fill',
  'kill_switch',
  'stale_data',
  'disconnect',
  'reconnect',
  'params_refused',
  'shutdown',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type AlertFieldValue = string | number | null;

export interface Alert {
  kind: AlertKind;
  /** Bot time of the event, Unix ms. */
  tsMs: number;
  botName: string;
  coin: string;
  /** One sentence for people (Telegram's text, the webhook's `message`). */
  message: string;
  /**
   * The event's figures (prices USDC, sizes and position in base units, PnL and fees in USDC). Only these reach
   * a payload.
   */
  fields: Record<string, AlertFieldValue>;
}

/** Where alerts go (a webhook, Telegram). `send` rejects on failure; the dispatcher re-tries. */
export interface AlertSink {
  readonly name: string;
  send(alert: Alert, signal: AbortSignal): Promise<void>;
}

export interface DeliveryOptions {
  /** Re-tries after a failed send (Freqtrade's webhook `retries`). Default 3. */
  retries: number;
  /** First re-try after this many ms, doubled each time (Freqtrade's `retry_delay`, there in s). Default 100. */
  retryDelayMs: number;
  /** One send's timeout, ms. Default 10 000. */
  timeoutMs: number;
  /** Alerts waiting per sink before the oldest is dropped. Default 100. */
  maxPending?: number;
}

/** Delivers alerts to its sinks without ever making the caller wait. */
export class AlertDispatcher {
  private readonly queues = new Map<AlertSink, Alert[]>();
  private readonly running = new Map<AlertSink, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Alerts delivered, failed after every re-try, dropped from a full queue (per dispatcher). */
  readonly counts = { sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly sinks: readonly AlertSink[],
    private readonly opts: DeliveryOptions,
    private readonly logger: Logger | null,
  ) {
    for (const s of sinks) this.queues.set(s, []);
  }

  /** Queues the alert for every sink and returns at once. */
  push(alert: Alert): void {
    if (this.closed) return;
    const max = this.opts.maxPending ?? 100;
    for (const sink of this.sinks) {
      const q = this.queues.get(sink) as Alert[];
      if (q.length >= max) {
        q.shift();
        this.counts.dropped++;
        this.logger?.warn('alert dropped: too many waiting', { sink: sink.name, waiting: q.length });
      }
      q.push(alert);
      if (!this.running.has(sink)) this.running.set(sink, this.drain(sink));
    }
  }

  /** Waits until every queued alert is delivered or given up, at most `waitMs`; then stops taking alerts. */
  async close(waitMs = 5_000): Promise<void> {
    const all = Promise.all([...this.running.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async drain(sink: AlertSink): Promise<void> {
    const q = this.queues.get(sink) as Alert[];
    try {
      while (q.length > 0) {
        const alert = q.shift() as Alert;
        await this.deliver(sink, alert);
      }
    } finally {
      this.running.delete(sink);
    }
  }

  private async deliver(sink: AlertSink, alert: Alert): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), this.opts.timeoutMs);
      try {
        await sink.send(alert, ac.signal);
        this.counts.sent++;
        return;
      } catch (err) {
        const why = scrubKeyMaterial(err instanceof Error ? err.message : String(err));
        if (attempt >= this.opts.retries || this.closed) {
          this.counts.failed++;
          this.logger?.warn('alert not delivered', {
            sink: sink.name,
            kind: alert.kind,
            attempts: attempt + 1,
            error: why,
          });
          return;
        }
        await this.sleep(this.opts.retryDelayMs * 2 ** attempt);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}

/**
 * The engine subscriber: turns engine events into alerts. A fill that moves the position away from zero is an
 * entry (Freqtrade's entry_fill), one that moves it toward (or through) zero an exit (exit_fill).
 */
export class AlertSubscriber implements EngineSubscriber {
  private lastMs = Number.NaN;
  constructor(
    private readonly out: { push(a: Alert): void },
    private readonly botName: string,
    private readonly coin: string,
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  clock(nowMs: number): void {
    this.lastMs = nowMs;
  }

  fill(f: EngineFill, a: AccountSnapshot): void {
    const signed = f.side === 'buy' ? f.sz : -f.sz;
    const before = f.positionBase - signed;
    const exit =
      Math.abs(f.positionBase) < Math.abs(before) || Math.sign(f.positionBase) * Math.sign(before) < 0;
    const kind: AlertKind = exit ? 'exit_fill' : 'entry_fill';
    this.emit(
      kind,
      f.exchMs,
      `${exit ? 'Exit' : 'Entry'} fill ${f.side} ${f.sz} ${this.coin} @ ${f.px} USDC (${f.liquidity}); position ${round(f.positionBase, 8)}, realized ${round(a.realizedPnlQuote, 4)} USDC`,
      {
        side: f.side,
        price: f.px,
        amount: f.sz,
        liquidity: f.liquidity,
        fee: round(f.feeQuote, 6),
        position: round(f.positionBase, 8),
        realized_pnl: round(a.realizedPnlQuote, 6),
        unrealized_pnl: round(a.unrealizedPnlQuote, 6),
        equity: round(a.equityQuote, 6),
        order_id: f.oid,
      },
    );
  }

  risk(kind: RiskEventKind, detail: string, value: number | null, limit: number | null): void {
    const map: Partial<Record<string, AlertKind>> = {
      kill_switch: 'kill_switch',
      stale_data: 'stale_data',
      params_refused: 'params_refused',
    };
    const k = map[kind];
    if (k === undefined) return;
    const what = {
      kill_switch: 'KILL SWITCH',
      stale_data: 'Stale data',
      params_refused: 'Parameters refused',
    }[k as 'kill_switch' | 'stale_data' | 'params_refused'];
    this.emit(k, this.now(), `${what}: ${detail}`, { detail, value, limit });
  }

  feed(connected: boolean, nowMs: number): void {
    this.emit(
      connected ? 'reconnect' : 'disconnect',
      nowMs,
      connected ? 'Market data feed reconnected' : 'Market data feed disconnected: quotes pulled',
      { connected: connected ? 1 : 0 },
    );
  }

  shutdown(reason: string, nowMs: number): void {
    this.emit('shutdown', nowMs, `Bot stopped: ${reason}`, { reason });
  }

  private now(): number {
    return Number.isFinite(this.lastMs) ? this.lastMs : this.wallNowMs();
  }

  private emit(
    kind: AlertKind,
    tsMs: number,
    message: string,
    fields: Record<string, AlertFieldValue>,
  ): void {
    const clean: Record<string, AlertFieldValue> = {};
    for (const [k, v] of Object.entries(fields)) clean[k] = typeof v === 'string' ? scrubKeyMaterial(v) : v;
    this.out.push({
      kind,
      tsMs: Number.isFinite(tsMs) ? tsMs : this.wallNowMs(),
      botName: this.botName,
      coin: this.coin,
      message: scrubKeyMaterial(message),
      fields: clean,
    });
  }
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
