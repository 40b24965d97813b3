import type { OrderAction } from '../core/orders.ts';
import type { RiskEventKind } from '../store/records.ts';
import type { TradeStore } from '../store/trade-store.ts';
import type { AccountSnapshot } from './account.ts';
import type { EngineFill, EngineSubscriber } from './engine-events.ts';
import type { VenueReportEvent } from './venue.ts';

/**
 * Persistence of the engine, as a subscriber to its event stream: every order sent and its updates, every fill,
 * PnL and position snapshots and risk events go to the SQLite store. Times: exchange/bot time for market facts,
 * `wallNowMs` for what the operator did (risk events) and when bot time is not known yet.
 */
export class StoreRecorder implements EngineSubscriber {
  /** The bot_runs row of this process (set by the engine's start). */
  runId: number | null = null;

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
      default:
        return;
    }
  }

  fill(f: EngineFill): void {
    this.store.recordFill({
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
    this.store.recordRiskEvent({ tsMs: this.wallNowMs(), kind, detail, value, limit });
  }
}
