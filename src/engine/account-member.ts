import { type AccountMember, paperMarginQuote } from './account-risk.ts';
import type { TradingEngine } from './trading-engine.ts';

/**
 * One coin's TradingEngine as a member of the account's risk (AccountRisk), the same in `hlmm trade --tickers`
 * (paper and live) and `hlmm backtest --tickers`: its PnL and notional from its own accounting, its kill switch,
 * and its margin estimated as |position| × mid ÷ `leverage` (cross margin as Hyperliquid and the fake exchange
 * charge it; live, the exchange's own reading of the account replaces the estimate, see AccountRisk).
 */
export function accountMember(coin: string, engine: TradingEngine, leverage: number): AccountMember {
  const acct = engine.accounting;
  const notionalQuote = () => (acct.mid > 0 ? Math.abs(acct.positionBase) * acct.mid : 0);
  return {
    coin,
    pnlQuote: () => acct.equity() - acct.startingBalanceQuote,
    notionalQuote,
    tripKillSwitch: (reason) => engine.tripKillSwitch(reason),
    marginQuote: () => paperMarginQuote(notionalQuote(), leverage),
    limitEntries: (reason) => {
      engine.guard.accountEntriesLimit = reason;
    },
  };
}
