/**
 * Unrealised PnL of an open delta-neutral position, marked to what closing it now would get. Pure.
 *
 * The mark is the close, not the mid: the long leg is sold into its venue's bids and the short leg
 * bought back from its venue's asks, each at the VWAP of the whole position size (as the exit spread
 * is). A book too thin for the size gives no mark (`undefined`, never 0), as the exit monitor decides
 * nothing on it.
 *
 *   grossUsd    = size·(longExit − longEntry) + size·(shortEntry − shortExit)
 *   exitFeesUsd = size·longExit·takerFee(long venue) + size·shortExit·takerFee(short venue)
 *   netUsd      = grossUsd − exitFeesUsd
 *
 * Entry fees are not in `netUsd`: they were paid when the position opened and a run's realised
 * figures already count them. So "net PnL if closed now" = realised net + `netUsd`.
 */
import { fillPrice, type OrderBook } from './order-book';
import type { TradingEvent } from './events';
import { legsOf, type Direction, type TakerFees } from './spread';

/** What a mark needs to know of a position: the direction, the size and both entry prices. */
export interface MarkablePosition {
  readonly direction: Direction;
  /** Base size per leg. */
  readonly size: number;
  readonly longEntryPrice: number;
  readonly shortEntryPrice: number;
}

export interface PositionMark {
  /** VWAP the long leg would sell at now. */
  readonly longExitPrice: number;
  /** VWAP the short leg would buy back at now. */
  readonly shortExitPrice: number;
  /** Price PnL of both legs if closed now, before any fee, USD. */
  readonly grossUsd: number;
  /** Taker fees the close would pay, USD (negative for a rebate). */
  readonly exitFeesUsd: number;
  /** grossUsd − exitFeesUsd. */
  readonly netUsd: number;
}

/** USD per unit of venue A's and B's quote currency (src/domain/market.ts `usdPerQuoteUnit`). */
export interface LegUsdRates {
  readonly a: number;
  readonly b: number;
}

/**
 * Marks `position` to the books of venue A and venue B (`a` = dex_a, `b` = dex_b, as in a MarketTick).
 * `fees` are the taker fees of A and B (fractions); without them exitFeesUsd is 0. Each leg's price PnL is in its
 * venue's quote currency and `usdPerQuote` makes it USD (absent: both at 1), as it does each leg's exit-fee estimate.
 * Undefined when either needed side is empty or too thin for the size, or an entry price is not positive.
 */
export function markPosition(
  position: MarkablePosition,
  books: { readonly a: OrderBook; readonly b: OrderBook },
  fees?: TakerFees,
  usdPerQuote?: LegUsdRates,
): PositionMark | undefined {
  const { size, longEntryPrice, shortEntryPrice } = position;
  if (!(size > 0) || !(longEntryPrice > 0) || !(shortEntryPrice > 0)) return undefined;
  const legs = legsOf(position.direction);
  const longExitPrice = fillPrice(books[legs.long], 'bid', size);
  const shortExitPrice = fillPrice(books[legs.short], 'ask', size);
  if (longExitPrice === undefined || shortExitPrice === undefined) return undefined;
  const grossUsd = size * (longExitPrice - longEntryPrice) * (usdPerQuote?.[legs.long] ?? 1) + size * (shortEntryPrice - shortExitPrice) * (usdPerQuote?.[legs.short] ?? 1);
  // The fee estimate is a fraction of the leg's notional, so in its quote currency too: the same factor.
  const exitFeesUsd = fees === undefined ? 0 : size * longExitPrice * fees[legs.long] * (usdPerQuote?.[legs.long] ?? 1) + size * shortExitPrice * fees[legs.short] * (usdPerQuote?.[legs.short] ?? 1);
  return { longExitPrice, shortExitPrice, grossUsd, exitFeesUsd, netUsd: grossUsd - exitFeesUsd };
}

/**
 * What one event adds to the run's realised net PnL (gross − fees + funding), USD: every fee paid (ORDER_FILLED,
 * and FILL_CREDITED for a fill found after the fact), the price PnL realised by a close (POSITION_CLOSED
 * `grossPnlUsd`, with the funding it realised) or by an unwound entry leg (LEG_UNWOUND `grossPnlUsd`), and the PnL
 * credited to a trade already closed. The run summary's `netPnlUsd` is the sum of this over the run's events, and
 * so is what the loss limit counts: the limit halts on the figure the trader reads.
 */
export function realisedNetDeltaUsd(e: TradingEvent): number {
  switch (e.type) {
    case 'ORDER_FILLED':
      return -e.feeUsd;
    case 'FILL_CREDITED':
      return (e.creditedPnlUsd ?? 0) - e.feeUsd;
    case 'POSITION_CLOSED':
      return (e.grossPnlUsd ?? 0) + (e.fundingUsd ?? 0);
    case 'LEG_UNWOUND':
      return e.grossPnlUsd ?? 0;
    default:
      return 0;
  }
}
