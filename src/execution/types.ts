/**
 * Values the executor, its journal and the stream layer share. Plain JSON-serialisable data:
 * an OpenPosition is written to the journal verbatim and read back on a warm start.
 */
import type { Direction } from '../domain/spread';
import type { PositionSpec, VenueId } from '../domain/market';
import type { Side } from '../venues/venue';
import type { LegIndexes } from '../domain/funding';

/** An open delta-neutral position as the executor opened (or restored) it. */
export interface OpenPosition extends PositionSpec {
  readonly pair: string;
  readonly direction: Direction;
  /** Base size per leg (equal on both legs). */
  readonly size: number;
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  readonly longSymbol: string;
  readonly shortSymbol: string;
  /** Average fill prices of the entry legs. */
  readonly longEntryPrice: number;
  readonly shortEntryPrice: number;
  /**
   * Realised entry spread from the fill prices, each in USD (`usdcUsd`), percent: (short - long) / long * 100, the
   * decision's convention (B's prices in A's unit: the same ratio).
   */
  readonly entrySpread: number;
  /** The spread the signal saw, percent (for slippage analysis). */
  readonly detectedSpread: number;
  /** Fees paid by both entry legs, USD. */
  readonly entryFeesUsd: number;
  readonly clientIds: { readonly long: string; readonly short: string };
  /** ms */
  readonly openedAt: number;
  /**
   * Each leg's venue funding index when the position was opened (the latest the bot had read), so the funding
   * it accrues is an index difference. Absent: unknown (funding not tracked then, or a journal written before
   * it was recorded): the position's funding is then not counted, and its close says so.
   */
  readonly fundingIndexAtEntry?: LegIndexes;
  /** USD per USDC taken when the position opened (`market.usdc_usd`); its legs' PnL uses it. Absent: 1 (at par). */
  readonly usdcUsd?: number;
}

/**
 * One leg as signed before sending (journalled in 'opening' so that a new process can find the order:
 * the client id, and the venue's lookup reference when the client id alone cannot find it).
 */
export interface LegPlan {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  readonly clientId: string;
  readonly size: number;
  readonly priceCap: number;
  /** PreparedOrder.lookupRef (Vest: the nonce); absent when the client id is enough (Paradex). */
  readonly lookupRef?: string;
}

/** What an order actually did, after timeouts were resolved by client id. */
export interface LegFill {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  readonly clientId: string;
  readonly requestedSize: number;
  readonly filledSize: number;
  /** Undefined when nothing filled. */
  readonly avgPrice: number | undefined;
  readonly feeUsd: number;
  /** Why it did not fill completely (rejection reason, 'CANCELLED', 'timeout: ...'). */
  readonly reason?: string;
  /** True when the outcome could not be established even by client id: treat the exposure as unknown. */
  readonly unresolved?: boolean;
  /** True when the venue reported a fill without a price and the price is the order's reference price. */
  readonly priceEstimated?: boolean;
  /** PreparedOrder.lookupRef of the order, so that it can be looked up again from a new process. */
  readonly lookupRef?: string;
}

/** A venue's holding in one symbol (+ long, - short). */
export interface Exposure {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly size: number;
}

/** An order that was sent (or may have been) and whose outcome is not known: it may still change a holding. */
export interface PendingOrder {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  readonly clientId: string;
  readonly size: number;
  readonly lookupRef?: string;
}

/**
 * What a pair leaves at the venues when the process stops: unhedged holdings (a hedged position is
 * not exposure: it is counted as open) and orders whose outcome nobody has seen.
 */
export interface PairExposure {
  readonly pair: string;
  /** Unhedged holdings (+ long, - short), one per venue symbol that has one. */
  readonly unhedged: readonly Exposure[];
  readonly pendingOrders: readonly PendingOrder[];
  /** Where the figures come from: the venues' positions endpoints, or the journal (venues not read). */
  readonly source: 'venues' | 'journal';
  /** What was going on: 'entry unfinished', 'close unfinished', 'unwind failed earlier', … */
  readonly note: string;
}
