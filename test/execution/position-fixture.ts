/** A position and fills for the pure execution tests (no venues, no journal file). */
import type { LegFill, OpenPosition } from '../../src/execution/types';

export const position: OpenPosition = {
  pair: 'BTC-PERP',
  direction: 'AOverB',
  size: 0.01,
  longVenue: 'vest',
  shortVenue: 'paradex',
  longSymbol: 'BTC-PERP',
  shortSymbol: 'BTC-USD-PERP',
  longEntryPrice: 100_000,
  shortEntryPrice: 100_300,
  entrySpread: 0.3,
  detectedSpread: 0.3,
  entryFeesUsd: 0.5,
  clientIds: { long: 'L', short: 'S' },
  openedAt: 1,
};

/** A closing fill of a leg of `position`. */
export function closeFill(leg: 'long' | 'short', filledSize: number, avgPrice: number | undefined, feeUsd = 0.1, extra: Partial<LegFill> = {}): LegFill {
  return {
    venue: leg === 'long' ? 'vest' : 'paradex',
    symbol: leg === 'long' ? 'BTC-PERP' : 'BTC-USD-PERP',
    side: leg === 'long' ? 'SELL' : 'BUY',
    clientId: `${leg}-${filledSize}-${avgPrice}`,
    requestedSize: 0.01,
    filledSize,
    avgPrice,
    feeUsd,
    ...extra,
  };
}
