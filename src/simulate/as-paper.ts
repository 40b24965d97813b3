/**
 * Avellaneda & Stoikov (2008) §4, the paper's Monte Carlo: a binomial mid (±σ√dt per step, equal odds), market
 * orders lifting our ask / hitting our bid with probability A·e^(−kδ)·dt per step (δ = distance from the mid),
 * one unit per fill. Two market makers see the same mid path and the same random draws (common random numbers,
 * so their difference is not noise):
 * - inventory: quotes around the reservation price r = s − qγσ²(T−t) with the A–S total spread;
 * - symmetric: the same total spread, centred on the mid.
 * Profit = cash + q·S_T. The quotes come from the same model functions the live strategy uses.
 */
import { asTotalSpread, reservationPrice } from '../model/avellaneda-stoikov.ts';
import { xoshiro128ss } from './prng.ts';

export interface PaperSetup {
  s0: number;
  T: number;
  sigma: number;
  dt: number;
  q0: number;
  k: number;
  A: number;
  gamma: number;
  paths: number;
  seed: number;
}

/** The paper's §4 values; γ = 0.1 is its middle table. */
export const paperSetup: PaperSetup = {
  s0: 100,
  T: 1,
  sigma: 2,
  dt: 0.005,
  q0: 0,
  k: 1.5,
  A: 140,
  gamma: 0.1,
  paths: 1000,
  seed: 1,
};

export interface StrategyStats {
  /** Mean quoted total spread (ask − bid) over all steps and paths. */
  spread: number;
  profit_mean: number;
  profit_std: number;
  q_mean: number;
  q_std: number;
}

export interface PaperResult {
  inventory: StrategyStats;
  symmetric: StrategyStats;
}

/** The paper's published table for γ = 0.1 (for comparison in output and docs). */
export const paperTableGamma01: PaperResult = {
  inventory: { spread: 1.29, profit_mean: 62.94, profit_std: 5.89, q_mean: 0.1, q_std: 2.8 },
  symmetric: { spread: 1.29, profit_mean: 67.21, profit_std: 13.43, q_mean: -0.018, q_std: 8.66 },
};

class Accumulator {
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  add(x: number): void {
    this.n++;
    this.sum += x;
    this.sumSq += x * x;
  }
  mean(): number {
    return this.sum / this.n;
  }
  /** Sample standard deviation (n − 1). */
  std(): number {
    if (this.n < 2) return 0;
    const m = this.mean();
    return Math.sqrt(Math.max(0, (this.sumSq - this.n * m * m) / (this.n - 1)));
  }
}

interface Book {
  cash: number;
  q: number;
}

/** A fill happens with probability A·e^(−kδ)·dt (capped at 1; δ < 0 — a quote through the mid — fills surely). */
function fillProbability(A: number, k: number, deltaQuote: number, dt: number): number {
  return Math.min(1, A * Math.exp(-k * deltaQuote) * dt);
}

export function runPaperSimulation(setup: PaperSetup): PaperResult {
  const { s0, T, sigma, dt, q0, k, A, gamma, paths, seed } = setup;
  const steps = Math.round(T / dt);
  const rng = xoshiro128ss(seed);
  const stepMove = sigma * Math.sqrt(dt);
  const profit = { inventory: new Accumulator(), symmetric: new Accumulator() };
  const finalQ = { inventory: new Accumulator(), symmetric: new Accumulator() };
  const spread = new Accumulator();
  for (let p = 0; p < paths; p++) {
    let s = s0;
    const inv: Book = { cash: 0, q: q0 };
    const sym: Book = { cash: 0, q: q0 };
    for (let i = 0; i < steps; i++) {
      const tauS = T - i * dt;
      const total = asTotalSpread(gamma, sigma, tauS, k);
      const half = total / 2;
      spread.add(total);
      const uBid = rng.next();
      const uAsk = rng.next();
      const r = reservationPrice(s, inv.q, gamma, sigma, tauS);
      trade(inv, s, r - half, r + half, uBid, uAsk);
      trade(sym, s, s - half, s + half, uBid, uAsk);
      s += rng.next() < 0.5 ? stepMove : -stepMove;
    }
    profit.inventory.add(inv.cash + inv.q * s);
    profit.symmetric.add(sym.cash + sym.q * s);
    finalQ.inventory.add(inv.q);
    finalQ.symmetric.add(sym.q);
  }
  const stats = (name: 'inventory' | 'symmetric'): StrategyStats => ({
    spread: spread.mean(),
    profit_mean: profit[name].mean(),
    profit_std: profit[name].std(),
    q_mean: finalQ[name].mean(),
    q_std: finalQ[name].std(),
  });
  return { inventory: stats('inventory'), symmetric: stats('symmetric') };

  function trade(book: Book, mid: number, bid: number, ask: number, uBid: number, uAsk: number): void {
    if (uBid < fillProbability(A, k, mid - bid, dt)) {
      book.q += 1;
      book.cash -= bid;
    }
    if (uAsk < fillProbability(A, k, ask - mid, dt)) {
      book.q -= 1;
      book.cash += ask;
    }
  }
}
