/**
 * Spread math, in percent, with the original bot's formulas (original-bot.md §3).
 * A = dex_a (default Vest), B = dex_b (default Paradex).
 *
 * Unlike the original, a missing price never becomes 0: every function returns
 * `undefined` when a needed side is empty or too thin for the size.
 */
import { fillPrice, type OrderBook } from './order-book';

export type Direction = 'AOverB' | 'BOverA';
export const DIRECTIONS: readonly Direction[] = ['AOverB', 'BOverA'];

/** Which book ('a' or 'b') holds the long and the short leg for a direction. */
export function legsOf(direction: Direction): { long: 'a' | 'b'; short: 'a' | 'b' } {
  return direction === 'AOverB' ? { long: 'a', short: 'b' } : { long: 'b', short: 'a' };
}

/** (sell - buy) / buy * 100; undefined unless both prices are positive and finite. */
export function spreadPct(sellPrice: number | undefined, buyPrice: number | undefined): number | undefined {
  if (sellPrice === undefined || buyPrice === undefined) return undefined;
  if (!(buyPrice > 0) || !(sellPrice > 0) || !Number.isFinite(sellPrice) || !Number.isFinite(buyPrice)) return undefined;
  return ((sellPrice - buyPrice) / buyPrice) * 100;
}

/**
 * The four prices a decision is made on, each in its venue's own unit. With a size, each is the VWAP of filling
 * that size. `bToA` puts B's prices in A's unit where the two are compared (market.ts `bInAUnits`); absent: 1.
 */
export interface Quotes {
  askA: number | undefined;
  bidA: number | undefined;
  askB: number | undefined;
  bidB: number | undefined;
  bToA?: number;
}

export function quotesOf(a: OrderBook, b: OrderBook, size?: number, bToA?: number): Quotes {
  const q: Quotes = {
    askA: fillPrice(a, 'ask', size),
    bidA: fillPrice(a, 'bid', size),
    askB: fillPrice(b, 'ask', size),
    bidB: fillPrice(b, 'bid', size),
  };
  if (bToA !== undefined && bToA !== 1) q.bToA = bToA;
  return q;
}

/** A B price in A's unit: the one place the two venues' units meet (a factor of 1 leaves it exact). */
function inA(priceB: number | undefined, bToA: number | undefined): number | undefined {
  return priceB === undefined || bToA === undefined || bToA === 1 ? priceB : priceB * bToA;
}

/**
 * Entry spread: AOverB = (bidB − askA)/askA·100 (buy A, sell B);
 * BOverA = (bidA − askB)/askB·100 (buy B, sell A).
 */
export function entrySpread(direction: Direction, q: Quotes): number | undefined {
  return direction === 'AOverB' ? spreadPct(inA(q.bidB, q.bToA), q.askA) : spreadPct(q.bidA, inA(q.askB, q.bToA));
}

/**
 * Exit spread of an open position: close = sell the long leg at its bid, buy the short leg back at its ask.
 * AOverB (long A, short B) = (bidA − askB)/askB·100; BOverA (long B, short A) = (bidB − askA)/askA·100.
 */
export function exitSpread(direction: Direction, q: Quotes): number | undefined {
  return direction === 'AOverB' ? spreadPct(q.bidA, inA(q.askB, q.bToA)) : spreadPct(inA(q.bidB, q.bToA), q.askA);
}

/** Exit spread straight from the books, reading only the sides the close needs; `bToA` as in `Quotes`. */
export function exitSpreadOf(direction: Direction, a: OrderBook, b: OrderBook, size?: number, bToA?: number): number | undefined {
  return direction === 'AOverB'
    ? spreadPct(fillPrice(a, 'bid', size), inA(fillPrice(b, 'ask', size), bToA))
    : spreadPct(inA(fillPrice(b, 'bid', size), bToA), fillPrice(a, 'ask', size));
}

/** Both directions' entry spreads; a direction that cannot be computed is left out (never 0). */
export function entrySpreads(q: Quotes): { entryAOverB?: number; entryBOverA?: number } {
  const entryAOverB = entrySpread('AOverB', q);
  const entryBOverA = entrySpread('BOverA', q);
  return { ...(entryAOverB !== undefined ? { entryAOverB } : {}), ...(entryBOverA !== undefined ? { entryBOverA } : {}) };
}

export interface DirectionalSpread {
  direction: Direction;
  spread: number;
}

/** The better entry direction (B's prices in A's unit per `q.bToA`); ties go to AOverB as in the original. Undefined when neither can be computed. */
export function bestEntry(q: Quotes): DirectionalSpread | undefined {
  const ab = entrySpread('AOverB', q);
  const ba = entrySpread('BOverA', q);
  if (ab === undefined && ba === undefined) return undefined;
  if (ba === undefined || (ab !== undefined && ab >= ba)) return { direction: 'AOverB', spread: ab! };
  return { direction: 'BOverA', spread: ba };
}

/** Taker fees as fractions (0.0001 = 1 bp) for venue A and venue B. */
export interface TakerFees {
  a: number;
  b: number;
}

/**
 * Taker fees a venue may state, as fractions, bounds excluded: rebates exist (a negative fee pays the
 * taker), but a rebate beyond 1 % or a fee beyond 1 % of notional is a unit error (a percent sent as a
 * fraction) or a broken answer, and the bot would trade on it.
 */
export const TAKER_FEE_BOUNDS = { min: -0.01, max: 0.01 } as const;

/** Why a stated taker fee cannot be traded on, or undefined when it can. */
export function takerFeeProblem(fee: number): string | undefined {
  if (!Number.isFinite(fee)) return 'must be a finite number';
  if (!(fee > TAKER_FEE_BOUNDS.min && fee < TAKER_FEE_BOUNDS.max)) {
    return 'must be a fraction above -0.01 and below 0.01 (a rebate or fee within 1 % of notional)';
  }
  return undefined;
}

/** Fees of a round trip in percent of notional: taker fee on both legs, in and out (negative: a net rebate). */
export function roundTripFeePct(fees: TakerFees): number {
  return 2 * (fees.a + fees.b) * 100;
}

/** Entry spread net of the round trip's fees, in percent. */
export function netEntrySpread(grossEntrySpread: number, fees: TakerFees): number {
  return grossEntrySpread - roundTripFeePct(fees);
}

/** Round-trip profit estimate in percent: entry spread + exit spread (original-bot.md §3). */
export function roundTripProfit(entry: number, exit: number): number {
  return entry + exit;
}

/** Net round-trip profit in percent, after taker fees on both legs in and out. */
export function netRoundTripProfit(entry: number, exit: number, fees: TakerFees): number {
  return entry + exit - roundTripFeePct(fees);
}
