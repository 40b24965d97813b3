import type { Side } from '../../../core/market.ts';
import type { VenueReport } from '../../../core/orders.ts';
import { RecentTradeIds } from '../../../data/trade-dedup.ts';
import { FILL_IDS_REMEMBERED, type VenueReportEvent } from '../../../engine/venue.ts';
import type { UserFill } from '../info-schemas.ts';
import type { LiveVenueCore } from './live-order.ts';

/**
 * Fill mapping: Hyperliquid's userFills (the channel, its snapshot on subscribe, and /info userFills after a
 * restart or a gap) → fill reports of our orders, each tid once. A fill of an order we no longer know (pruned,
 * or placed by an earlier run) is still reported, with cid 0, so the position and the store see it. The tids seen
 * are the last FILL_IDS_REMEMBERED (bounded memory; Hyperliquid re-sends only its latest fills).
 */
export class FillMapping {
  private readonly seenTids = new RecentTradeIds(FILL_IDS_REMEMBERED);

  constructor(private readonly v: LiveVenueCore) {}

  /** Marks tids already accounted for (restart: fills in the store or before the exchange's position). */
  markSeen(tids: Iterable<number>): void {
    this.seenTids.seed([...tids]);
  }

  /** Appends the report of one fill to `out`, unless it is another coin's or its tid was seen. */
  report(f: UserFill, out: VenueReportEvent[]): void {
    const v = this.v;
    if (f.coin !== v.opts.coin || typeof f.tid !== 'number') return;
    if (!this.seenTids.admit(f.tid)) return;
    const o = v.book.find(f.cloid ?? null, f.oid);
    const sz = Number(f.sz);
    const px = Number(f.px);
    const side: Side = f.side === 'B' ? 'buy' : 'sell';
    let cid = 0;
    let leaves = 0;
    if (o) {
      cid = Math.max(o.cid, 0); // a pruned order's stub has no OrderManager id
      o.filledSz = Math.round((o.filledSz + sz) * 1e9) / 1e9;
      leaves = Math.max(0, Math.round((o.sz - o.filledSz) * 1e9) / 1e9);
      if (o.oid === null) v.book.setOid(o, f.oid);
      if (leaves <= 0 && o.state !== 'modifying') o.state = 'closed';
    } else {
      v.counts.unknownFills++;
    }
    const report: VenueReport = {
      type: 'fill',
      cid,
      side,
      px,
      sz,
      feeQuote: Number(f.fee),
      liquidity: f.crossed ? 'taker' : 'maker',
      exchMs: f.time,
      leavesSz: leaves,
    };
    out.push({
      report,
      fill: {
        tid: f.tid,
        oid: f.oid,
        closedPnlQuote: Number(f.closedPnl),
        hash: f.hash,
        cloid: f.cloid ?? null,
      },
    });
  }
}
