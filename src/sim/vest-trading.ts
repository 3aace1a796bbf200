/** Vest trading side of the simulated venue (register, orders, account). Placeholder until built. */
import type { SimMarketView, SimRoute } from './types';

export interface SimTradingOptions {
  readonly market: SimMarketView;
}

export function vestTradingRoutes(_opts: SimTradingOptions): SimRoute[] {
  return [];
}
