/**
 * Queue-position models: how much displayed size is ahead of one of our resting orders at its price level.
 *
 * What every model here shares (applied by SimVenue, not by the models):
 * - Our orders are virtual: the recorded market never saw them, so the displayed size at a level is all
 *   other traders' size.
 * - An order joins BEHIND the whole displayed size at its price (price-time priority, no queue jumping).
 *   When it joins at a price strictly better than the touch, nothing is ahead (size ahead 0).
 *   When it joins at a level we cannot see (behind the touch, no order-book snapshot covering it), the size
 *   ahead is unknown and is set to the whole displayed size the first time the level becomes visible
 *   (conservative: everyone we then see is assumed ahead of us).
 * - A trade AT our price consumes the size ahead first; what is left of the trade fills us (partially when
 *   it is smaller than our remaining size). A trade THROUGH our price (a sell below our bid, a buy above our
 *   ask) empties the size ahead and fills us up to its size (the aggressor's residual). A touch that moves
 *   through our price (best ask ≤ our bid) fills all our remaining size.
 * - The size ahead never exceeds the displayed size at the level.
 *
 * The models differ only in what a change of the displayed size that trades do not explain (cancels, new
 * orders) does to the size ahead: `onLevelChange`.
 */
export interface QueueModel {
  readonly name: QueueModelName;
  /**
   * The displayed size at our price went from `prevLevelSz` to `newLevelSz` (base units) while `tradedSz`
   * traded at the price in between (already taken off `aheadSz`). Returns the new size ahead of us, in
   * [0, newLevelSz].
   */
  onLevelChange(aheadSz: number, prevLevelSz: number, newLevelSz: number, tradedSz: number): number;
}

export type QueueModelName = 'risk-averse' | 'prob';

/**
 * Risk-averse: only trades advance us. A decrease of the level by cancellations is assumed to come from
 * behind us, except that the size ahead is capped by what is displayed (if the level shrinks below the size
 * we thought was ahead, those orders must have left). Same assumption as hftbacktest's RiskAdverseQueueModel.
 */
export class RiskAverseQueue implements QueueModel {
  readonly name = 'risk-averse' as const;

  onLevelChange(aheadSz: number, _prevLevelSz: number, newLevelSz: number, _tradedSz: number): number {
    return Math.min(aheadSz, newLevelSz);
  }
}

/**
 * Probabilistic (power law, after hftbacktest's ProbQueueModel with PowerProbQueueFunc): a decrease of the
 * level that trades do not explain (cancellations, Δ) is split between the size ahead (front, F) and the size
 * behind (back, B). The share taken from behind is p = B^n / (B^n + F^n): when we are near the front most
 * cancellations happen behind us, when we are near the back most happen ahead. n = 3 by default (n larger →
 * cancellations come more from the bigger side). New size ahead = F − (1 − p)·Δ, plus whatever of p·Δ the
 * back could not absorb; then clamped to [0, new level size]. Increases of the level join behind us.
 */
export class PowerProbQueue implements QueueModel {
  readonly name = 'prob' as const;

  constructor(readonly power = 3) {
    if (!(power > 0)) throw new RangeError('queue power must be > 0');
  }

  onLevelChange(aheadSz: number, prevLevelSz: number, newLevelSz: number, tradedSz: number): number {
    const cancelled = prevLevelSz - newLevelSz - tradedSz;
    if (!(cancelled > 0)) return Math.min(aheadSz, newLevelSz);
    const front = aheadSz;
    const back = Math.max(prevLevelSz - tradedSz - front, 0);
    const fb = front ** this.power;
    const bb = back ** this.power;
    const pBack = fb + bb > 0 ? bb / (fb + bb) : 1;
    const overflow = back - pBack * cancelled; // negative when the back cannot absorb its share
    let ahead = front - (1 - pBack) * cancelled + Math.min(overflow, 0);
    if (ahead < 0) ahead = 0;
    return Math.min(ahead, newLevelSz);
  }
}

export function createQueueModel(name: QueueModelName, power = 3): QueueModel {
  return name === 'prob' ? new PowerProbQueue(power) : new RiskAverseQueue();
}
