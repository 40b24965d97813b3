import { UserError } from '../core/errors.ts';
import { ActionRejectedError } from '../exchange/hyperliquid/errors.ts';

/**
 * Turns the exchange refusing a signed action during live start-up (arming the dead man's switch, cancelling
 * orphans) into one sentence naming the likely cause. Hyperliquid recovers the signer from the signature; when
 * the signature was made for the other network, or by an agent wallet the account never approved, the
 * "User or API Wallet 0x… does not exist" it answers names an address nobody recognises. Anything else is
 * returned unchanged (a bug stays a bug).
 */
export function explainStartupRejection(
  err: unknown,
  ctx: { network: 'mainnet' | 'testnet'; account: string; signer: string; isAgent: boolean },
): unknown {
  if (!(err instanceof ActionRejectedError)) return err;
  const other = ctx.network === 'mainnet' ? 'testnet' : 'mainnet';
  const signerUnknown = /does not exist|signer|signature/i.test(err.message);
  const causes = signerUnknown
    ? [
        `the signatures are for ${ctx.network} but the exchange is ${other} (set "exchange.network"${ctx.network === 'mainnet' ? ' or pass --testnet' : ''})`,
        ctx.isAgent
          ? `the API wallet ${ctx.signer} is not approved for account ${ctx.account} (approve it in the Hyperliquid app)`
          : `the key is not the key of account ${ctx.account}`,
        'the wrong account (--account or "exchange.account_address")',
      ].join(', or ')
    : "see the exchange's answer";
  return new UserError(
    `the exchange refused the bot's signed start-up request (${err.message.replace(/\.$/, '')}); likely cause: ${causes}. Nothing was placed.`,
  );
}
