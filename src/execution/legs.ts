/**
 * Leg geometry: which venue, symbol, entry price and closing side belong to the long or the short
 * leg of a position. One place answers "the long leg's X", instead of a `leg === 'long' ? … : …`
 * ternary at every use.
 */
import { usdPerQuoteUnit, type VenueId } from '../domain/market';
import type { Side } from '../venues/venue';
import type { OpenPosition } from './types';

export type LegKey = 'long' | 'short';

/** Both legs, long first (the order every loop over the legs uses). */
export const LEG_KEYS: readonly LegKey[] = ['long', 'short'];

/** One leg of a position, as the close and the restart see it. */
export interface PositionLeg {
  readonly key: LegKey;
  readonly venue: VenueId;
  readonly symbol: string;
  readonly entryPrice: number;
  /** The side that reduces this leg: a long is closed by selling, a short by buying back. */
  readonly closeSide: Side;
  /** +1 for the long leg, -1 for the short: the sign of the leg's holding and of its PnL per price move. */
  readonly sign: 1 | -1;
  /** USD per unit of the leg's quote currency, at the position's USDC/USD: its PnL in USD is the price PnL × this. */
  readonly usdPerQuote: number;
  /** The position's USD per USDC (absent on the position: 1): the leg's fees become USD with it. */
  readonly usdcUsd: number;
}

export function legOf(position: OpenPosition, leg: LegKey): PositionLeg {
  const venue = leg === 'long' ? position.longVenue : position.shortVenue;
  const usdcUsd = position.usdcUsd ?? 1;
  const usdPerQuote = usdPerQuoteUnit(venue, usdcUsd);
  return leg === 'long'
    ? { key: leg, venue, symbol: position.longSymbol, entryPrice: position.longEntryPrice, closeSide: 'SELL', sign: 1, usdPerQuote, usdcUsd }
    : { key: leg, venue, symbol: position.shortSymbol, entryPrice: position.shortEntryPrice, closeSide: 'BUY', sign: -1, usdPerQuote, usdcUsd };
}

/** +1 for the long leg, -1 for the short. */
export function legSign(leg: LegKey): 1 | -1 {
  return leg === 'long' ? 1 : -1;
}

/** Identifies a position across the process and the journal: its entry orders' client ids. */
export function positionKey(p: OpenPosition): string {
  return `${p.clientIds.long}/${p.clientIds.short}`;
}
