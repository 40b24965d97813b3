import type { OrderAction } from '../core/orders.ts';
import type { RiskEventKind } from '../store/records.ts';
import type { TradeStore } from '../store/trade-store.ts';
import type { AccountSnapshot } from './account.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';
import type { VenueReportEvent } from './venue.ts';

/** The store's reason for an order the venue reports gone without the exchange's text. */
const GONE_REASON = 'not open on the exchange: never placed, already canceled, or filled';
const MAX_GONE_KEPT = 1_000;
/** Same tolerance as the store's own filled test: sizes are sums of decimals. */
const FILLED_TOLERANCE = 1e-9;

function isComplete(filledSz: number, sz: number): boolean {
  return filledSz >= sz * (1 - FILLED_TOLERANCE);
}

/**
 * Persistence of the engine, as a subscriber to its event stream: every order sent and its updates, every fill,
 * PnL and position snapshots and risk events go to the SQLite store. Times: exchange/bot time for market facts,
 * `wallNowMs` for what the operator did (risk events) and when bot time is not known yet.
 */
export class StoreRecorder implements EngineSubscriber {
  /** The bot_runs row of this process (set by the engine's start). */
  runId: number | null = null;
  /** Cloids closed as canceled on a cancel-reject: a fill that completes one after that makes it filled. */
  private readonly closedAsGone = new Set<string>();

  constructor(
    private readonly store: TradeStore,
    private readonly coin: string,
    private readonly wallNowMs: () => number,
  ) {}

  orderSent(a: OrderAction, cloid: string | null, nowMs: number): void {
    if (a.type === 'cancel' || cloid === null) return;
    const t = Number.isFinite(nowMs) ? nowMs : this.wallNowMs();
    this.store.saveOrder({
      oid: null,
      cloid,
      coin: this.coin,
      side: a.side,
      px: a.px,
      sz: a.sz,
      filledSz: 0,
      status: 'open',
      createdMs: t,
      updatedMs: t,
      reason: a.type === 'modify' ? 'reprice' : null,
      runId: this.runId,
    });
  }

  orderUpdate(e: VenueReportEvent, cloid: string | null): void {
    const r = e.report;
    const t = r.exchMs;
    switch (r.type) {
      case 'ack':
        if (cloid !== null) this.store.updateOrder({ cloid, newOid: e.oid ?? null, updatedMs: t });
        return;
      case 'reject':
        this.store.updateOrder({ cloid, status: 'rejected', updatedMs: t, reason: e.message ?? r.reason });
        return;
      case 'cancelled':
        this.store.updateOrder({
          cloid,
          status: 'canceled',
          updatedMs: t,
          reason: r.reason === 'modified' ? 'reprice' : r.reason,
        });
        return;
      case 'cancel-reject':
        this.closeGone(cloid, t, e.message);
        return;
      default:
        return;
    }
  }

  /**
   * A cancel answered "never placed, already canceled, or filled" (on Hyperliquid, e.g. the old order of a modify
   * whose replacement was refused as post-only: the exchange cancelled it with the modify). The venue's
   * `cancel-reject` is the only word the engine gets of that end, so the row is closed here, not left open until
   * the stop sweep: filled when its stored fills complete it, else canceled. A row already closed (its fill or
   * cancel came first) keeps what it says.
   */
  private closeGone(cloid: string | null, t: number, message: string | undefined): void {
    if (cloid === null) return;
    const row = this.store.findOrder({ cloid });
    if (row === null || row.status !== 'open') return;
    this.store.updateOrder({
      cloid,
      status: isComplete(row.filledSz, row.sz) ? 'filled' : 'canceled',
      updatedMs: t,
      reason: message ?? GONE_REASON,
    });
    this.closedAsGone.add(cloid);
    // Bounded: a late fill comes within seconds; the oldest entries are long settled.
    if (this.closedAsGone.size > MAX_GONE_KEPT) {
      const oldest = this.closedAsGone.values().next().value;
      if (oldest !== undefined) this.closedAsGone.delete(oldest);
    }
  }

  fill(f: EngineFill): void {
    const added = this.store.recordFill({
      tid: f.tid,
      coin: this.coin,
      oid: f.oid,
      cloid: f.cloid,
      side: f.side,
      px: f.px,
      sz: f.sz,
      feeQuote: f.feeQuote,
      liquidity: f.liquidity,
      tsMs: f.exchMs,
      closedPnlQuote: f.closedPnlQuote,
      hash: f.hash,
      runId: this.runId,
    });
    // A fill that arrives after the row was closed as gone (canceled) shows the exchange had filled it.
    if (!added || f.cloid === null || !this.closedAsGone.has(f.cloid)) return;
    const row = this.store.findOrder({ cloid: f.cloid });
    if (row?.status === 'canceled' && isComplete(row.filledSz, row.sz)) {
      this.store.updateOrder({ cloid: f.cloid, status: 'filled', updatedMs: f.exchMs });
      this.closedAsGone.delete(f.cloid);
    }
  }

  status(a: AccountSnapshot, nowMs: number): void {
    if (a.mid === null) return;
    const ts = Number.isFinite(nowMs) ? Math.round(nowMs) : this.wallNowMs();
    this.store.recordPnl({
      tsMs: ts,
      coin: this.coin,
      midPx: a.mid,
      positionSz: a.positionBase,
      cashQuote: a.cashQuote,
      realizedQuote: a.realizedPnlQuote,
      unrealizedQuote: a.unrealizedPnlQuote,
      feesQuote: a.feesQuote,
      fundingQuote: a.fundingQuote,
      equityQuote: a.equityQuote,
    });
    this.store.recordPosition({
      tsMs: ts,
      coin: this.coin,
      positionSz: a.positionBase,
      entryPx: a.avgEntryPx,
      accountValueQuote: a.equityQuote,
      withdrawableQuote: null,
      source: 'local',
    });
  }

  risk(kind: RiskEventKind, detail: string, value: number | null, limit: number | null): void {
    this.store.recordRiskEvent({ tsMs: this.wallNowMs(), kind, detail, value, limit, coin: this.coin });
  }
}
