import type { VenueReportEvent } from '../../../engine/venue.ts';
import type { CancelStatus } from '../exchange-client.ts';
import type { FrontendOpenOrder } from '../info-schemas.ts';
import { isForeignBotOrder } from './foreign-orders.ts';
import type { LiveOrder, LiveVenueCore } from './live-order.ts';
import { errText, sleep } from './live-order.ts';

/**
 * The stop sweep (cancelAll, stop): every order the account has open on this coin (ours = all of the account's
 * orders on the coin, whoever placed them) is cancelled from a fresh /info answer, round after round with
 * back-off, until an answer shows none open. Another hlmm bot's orders (any coin; see foreign-orders.ts) are never
 * cancelled; they are remembered in `othersOnAccount`, because the dead man's switch is the account's and must
 * stay armed for that bot.
 */
export class StopSweep {
  /** hlmm orders of other processes seen on the account by the last sweep (any coin). */
  othersOnAccount: FrontendOpenOrder[] = [];

  constructor(
    private readonly v: LiveVenueCore,
    /** /info rounds before giving up (the switch then stays armed). */
    private readonly rounds: number,
    /** Cloid prefixes whose orders are ours (this process, earlier runs of this database). */
    private readonly ourPrefixes: ReadonlySet<string>,
  ) {}

  /** Cancels every open order of the account on this coin until /info shows none. True when it saw none. */
  async sweep(): Promise<boolean> {
    const v = this.v;
    for (let round = 0; round < this.rounds; round++) {
      if (round > 0) await sleep(v.backoffMs(round - 1));
      let open: FrontendOpenOrder[];
      try {
        // The whole account: another hlmm bot's orders (any coin) keep the switch armed and are never cancelled.
        const all = await v.opts.info.frontendOpenOrders();
        this.othersOnAccount = all.filter((o) => isForeignBotOrder(o.cloid, this.ourPrefixes));
        open = all.filter((o) => o.coin === v.opts.coin && !isForeignBotOrder(o.cloid, this.ourPrefixes));
      } catch (err) {
        v.opts.logger?.warn('could not list open orders to verify the cancels', { error: errText(err) });
        continue;
      }
      if (open.length === 0) {
        // Nothing rests: local orders whose cancel answer we never got are closed (their fills come from userFills).
        const out: VenueReportEvent[] = [];
        for (const o of v.book.values()) {
          if (o.state !== 'closed')
            v.close(o, { type: 'cancelled', cid: o.cid, exchMs: v.wallNow(), reason: 'user' }, out);
        }
        v.emit(out);
        return true;
      }
      await this.cancelListed(open);
    }
    return false;
  }

  /** Cancels orders listed by /info: ours through sendCancels (reports), the others by oid (or cloid). */
  private async cancelListed(open: FrontendOpenOrder[]): Promise<void> {
    const v = this.v;
    const mine: LiveOrder[] = [];
    const byOid: { asset: number; oid: number }[] = [];
    const byCloidOnly: { asset: number; cloid: string }[] = [];
    for (const x of open) {
      const cloid = x.cloid ? x.cloid.toLowerCase() : null;
      const o = v.book.find(cloid, x.oid);
      if (o && o.cloid === cloid) {
        if (o.state === 'closed') o.orphan = true;
        o.state = 'cancelling';
        if (o.oid === null) v.book.setOid(o, x.oid);
        mine.push(o);
      } else if (v.exchange.cancel) byOid.push({ asset: v.opts.asset, oid: x.oid });
      else if (cloid) byCloidOnly.push({ asset: v.opts.asset, cloid });
      else v.opts.logger?.error(`cannot cancel order ${x.oid}: no cloid and no cancel-by-oid`);
    }
    v.opts.logger?.warn(`cancelling ${open.length} open order(s) on ${v.opts.coin} before stopping`, {
      ours: mine.length,
      others: byOid.length + byCloidOnly.length,
    });
    const tasks: Promise<unknown>[] = [];
    if (mine.length > 0) tasks.push(v.sendCancels(mine));
    if (byOid.length > 0 && v.exchange.cancel) tasks.push(v.request(() => this.cancelByOid(byOid)));
    if (byCloidOnly.length > 0) tasks.push(v.request(() => v.exchange.cancelByCloid(byCloidOnly)));
    for (const r of await Promise.allSettled(tasks)) {
      if (r.status === 'rejected')
        v.opts.logger?.warn('cancel during the stop sweep failed', { error: errText(r.reason) });
    }
  }

  private cancelByOid(cancels: { asset: number; oid: number }[]): Promise<CancelStatus[]> {
    const fn = this.v.exchange.cancel;
    if (!fn) throw new Error('exchange has no cancel by oid');
    return fn.call(this.v.exchange, cancels);
  }
}
