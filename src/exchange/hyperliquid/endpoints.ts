/**
 * Hyperliquid's public endpoints per network, written once: the config file's defaults, the HTTP and WebSocket
 * clients, the collector and the command-line help all read them from here.
 */
export const HYPERLIQUID_URLS = {
  mainnet: { api: 'https://api.hyperliquid.xyz', ws: 'wss://api.hyperliquid.xyz/ws' },
  testnet: { api: 'https://api.hyperliquid-testnet.xyz', ws: 'wss://api.hyperliquid-testnet.xyz/ws' },
} as const;
