/** The fill model shared by backtest, paper trading and the fake exchange (see docs/fill-model.md). */

export type {
  CancelAction,
  Liquidity,
  ModifyAction,
  OrderAction,
  PlaceAction,
  RejectReason,
  TimeInForce,
  VenueReport,
} from '../core/orders.ts';
export type { FeeModel } from './fees.ts';
export { HYPERLIQUID_BASE_MAKER_FEE_RATE, HYPERLIQUID_BASE_TAKER_FEE_RATE, RateFeeModel } from './fees.ts';
export type { FeedLatencyMode, FillModelConfig, FillModelStatement } from './fill-model-config.ts';
export {
  describeFillModel,
  FILL_MODEL_DEFAULTS,
  fillModelConfig,
  latencyModelFor,
  scaleLatency,
  simVenueConfigFor,
} from './fill-model-config.ts';
export type { LatencyModel, LatencySamples } from './latency.ts';
export { ConstantLatency, EmpiricalLatency, MsHistogram, RecordingLatency } from './latency.ts';
export type { QueueModel, QueueModelName } from './queue.ts';
export { createQueueModel, PowerProbQueue, RiskAverseQueue } from './queue.ts';
export type { SimOrderView, SimVenueConfig } from './sim-venue.ts';
export { levelSize, SimVenue } from './sim-venue.ts';
