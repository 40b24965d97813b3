import type { DefineCommand } from './define-command.ts';

export const definePreflight: DefineCommand = (program) => {
  program
    .command('preflight')
    .description(
      "Check what live trading needs without placing an order: key → address, account or agent approval, balance and margin, leverage, the coin's meta, the request budget, a dead man's switch set-and-clear round trip. Prints a checklist (✓/✗ and what to do); exit 1 if any check fails.",
    )
    .option('--config <file>', 'config file (JSON; see config/config.example.json)')
    .option('--testnet', 'check against Hyperliquid testnet')
    .option('--ticker <symbol>', 'perp name as Hyperliquid spells it, e.g. BTC (default: config ticker)')
    .option('--api-url <url>', 'REST API base URL for /info and /exchange (default: config / network)')
    .option(
      '--key-file <file>',
      'file holding the private key (else the env variable in exchange.private_key_env)',
    )
    .option('--account <address>', 'the account traded for when the key is an API/agent wallet')
    .option('--json', 'print the checks as one JSON line instead of the checklist')
    .action(async (opts) => {
      const { runPreflight } = await import('../../trade/preflight.ts');
      await runPreflight(opts);
    });
};
