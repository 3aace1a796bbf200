/** Paradex trading side of the simulated venue (auth, orders, positions). Placeholder until built. */
import type { SimMarketView, SimRoute } from './types';

export interface SimTradingOptions {
  readonly market: SimMarketView;
}

export function paradexTradingRoutes(_opts: SimTradingOptions): SimRoute[] {
  return [];
}
