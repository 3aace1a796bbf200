import type { EntryCarry } from './carry';
import type { OrderBook } from './order-book';
import type { Direction } from './spread';

/** One observation of both books: A = dex_a, B = dex_b. `time` is the scheduler time of the tick, ms. */
export interface MarketTick {
  readonly a: OrderBook;
  readonly b: OrderBook;
  readonly time: number;
}

export type VenueId = 'vest' | 'paradex';
export const VENUE_IDS: readonly VenueId[] = ['vest', 'paradex'];

/** An entry signal: the better direction's net spread stayed above the threshold long enough. */
export interface SpreadOpportunity {
  readonly pair: string;
  readonly direction: Direction;
  /** Gross entry spread, percent. */
  readonly spread: number;
  /** Entry spread net of round-trip taker fees, percent. */
  readonly netSpread: number;
  readonly askA: number;
  readonly bidA: number;
  readonly askB: number;
  readonly bidB: number;
  /** ms, scheduler time of the confirming tick. */
  readonly detectedAt: number;
  /** The funding carry the decision counted (netSpread + carry.carryPct was compared with the threshold); absent: none considered. */
  readonly carry?: EntryCarry;
}

/** An open delta-neutral position, as the exit monitor sees it. */
export interface PositionSpec {
  readonly pair: string;
  readonly direction: Direction;
  /** Entry spread in percent (realised where known, else the detected one). */
  readonly entrySpread: number;
  /** Base size per leg. */
  readonly size: number;
}

/** Base asset of a pair or venue symbol: 'BTC-PERP' and 'BTC-USD-PERP' both give 'BTC'. */
export function baseAsset(symbol: string): string {
  const base = symbol.split('-')[0];
  if (!base) throw new Error(`cannot read a base asset from symbol ${JSON.stringify(symbol)}`);
  return base;
}

/** Venue symbol for a configured pair (e.g. 'BTC-PERP'): Vest 'BTC-PERP', Paradex 'BTC-USD-PERP'. */
export function venueSymbol(venue: VenueId, pair: string): string {
  const base = baseAsset(pair);
  return venue === 'vest' ? `${base}-PERP` : `${base}-USD-PERP`;
}
