/**
 * Library entry: `import { exitMonitor, marketTicks, entrySignal } from 'vest-paradex-arb'`.
 * The reactive operators, the composed bot, and the domain values they speak in.
 */
export { exitMonitor } from './exit-monitor';
export type { ExitMonitorOptions } from './exit-monitor';
export { marketTicks } from './market';
export { entrySignal } from './entry-signal';
export { arbitrageBot } from './bot';
export type { BotDeps, BotSettings, PairSettings, PairExecutor } from './bot';

export * from '../src/domain/order-book';
export * from '../src/domain/spread';
export * from '../src/domain/market';
export * from '../src/domain/events';
export type * from '../src/venues/venue';
