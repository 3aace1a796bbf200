import type { EntryCarry } from './carry';
import type { OrderBook } from './order-book';
import { spreadPct, type Direction } from './spread';

/** One observation of both books: A = dex_a, B = dex_b. `time` is the scheduler time of the tick, ms. */
export interface MarketTick {
  readonly a: OrderBook;
  readonly b: OrderBook;
  readonly time: number;
  /**
   * B's prices in A's quote unit: price_B × bToA compares with price_A (see `bInAUnits`). Absent: 1, both books
   * quote one unit. The books themselves stay in their venue's unit (orders are priced from them).
   */
  readonly bToA?: number;
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
  /** B's prices in A's unit, as on the tick the spread was read from (absent: 1); askB/bidB stay in B's own unit. */
  readonly bToA?: number;
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

/**
 * The currency each venue quotes its perps in: Paradex's are quoted (and valued) in USD and margined in USDC
 * (docs.paradex.trade, Margin System: "All instruments are quoted and valued in USD"); Vest quotes USDC
 * (`GET /exchangeInfo` symbols[].quote "USDC").
 */
export type QuoteCurrency = 'USD' | 'USDC';
export const QUOTE_CURRENCY: Readonly<Record<VenueId, QuoteCurrency>> = { paradex: 'USD', vest: 'USDC' };

/**
 * The USDC/USD rate a run compares the two venues' prices with, and where it came from. Neither venue publishes
 * one (Paradex settles at "the prevailing USDC/USD price" without serving it; Vest prices only in USDC), so it is
 * the configured `market.usdc_usd` (default 1: USDC taken at par), an assumption the report states.
 */
export interface UsdcUsd {
  /** USD per 1 USDC (1 = at par). */
  readonly rate: number;
  readonly source: 'config';
}

export const USDC_AT_PAR: UsdcUsd = { rate: 1, source: 'config' };

/** The configured rate (`market.usdc_usd`), as the run takes it. */
export const configuredUsdcUsd = (rate: number): UsdcUsd => ({ rate, source: 'config' });

/**
 * USD per one unit of the venue's quote currency: the one factor every figure made from a venue's prices goes
 * through to become USD (the fill prices' entry spread, each leg's price PnL, the unrealised mark and its exit-fee
 * estimate, and funding: both venues' funding indexes are quote currency per unit of base). Paradex quotes USD (1);
 * Vest quotes USDC (`usdcUsd`).
 */
export function usdPerQuoteUnit(venue: VenueId, usdcUsd: number): number {
  return usdPerUnit(QUOTE_CURRENCY[venue], usdcUsd);
}

/** USD per one unit of `currency`: USD 1, USDC `usdcUsd`. */
export function usdPerUnit(currency: QuoteCurrency, usdcUsd: number): number {
  return currency === 'USDC' ? usdcUsd : 1;
}

/**
 * The one place a fee a venue charged becomes USD: `fee` is in `currency` as the venue reported it (Paradex fills'
 * `fee_currency`; Vest charges USDC). Absent: USDC, the currency both venues settle and charge in (Paradex: "all
 * PnL accrued or charged to your wallet will be in USDC", docs.paradex.trade Margin System; Vest: USDC is the only
 * numéraire). Exactly `fee` at par.
 */
export function feeUsd(fee: number, currency: QuoteCurrency | undefined, usdcUsd: number): number {
  return fee * usdPerUnit(currency ?? 'USDC', usdcUsd);
}

/** USD per unit of each leg's quote currency for a position on `longVenue` / `shortVenue` taken at `usdcUsd`. */
export function legsUsdPerQuote(longVenue: VenueId, shortVenue: VenueId, usdcUsd: number): { readonly long: number; readonly short: number } {
  return { long: usdPerQuoteUnit(longVenue, usdcUsd), short: usdPerQuoteUnit(shortVenue, usdcUsd) };
}

/**
 * The entry spread two fills realised, percent: (short − long) / long × 100 with each price in USD. The same ratio
 * as the decision's (B's price × `bInAUnits` against A's), so the executed spread and the detected one compare.
 */
export function fillsEntrySpread(
  long: { readonly price: number; readonly venue: VenueId },
  short: { readonly price: number; readonly venue: VenueId },
  usdcUsd: number,
): number | undefined {
  return spreadPct(short.price * usdPerQuoteUnit(short.venue, usdcUsd), long.price * usdPerQuoteUnit(long.venue, usdcUsd));
}

/**
 * The factor that puts dex_b's prices in dex_a's unit: price_B × factor is comparable with price_A. Exactly 1
 * when both quote one currency or USDC is at par. Vest (USDC) as A, Paradex (USD) as B: 1 / usdcUsd.
 */
export function bInAUnits(dexA: VenueId, dexB: VenueId, usdcUsd: number): number {
  if (!(usdcUsd > 0) || !Number.isFinite(usdcUsd)) throw new RangeError(`USDC/USD must be a finite number > 0, got ${usdcUsd}`);
  const a = usdPerQuoteUnit(dexA, usdcUsd);
  const b = usdPerQuoteUnit(dexB, usdcUsd);
  return a === b ? 1 : b / a;
}

/** The line the banner, the report and the summary say the rate with. */
export function usdcUsdText(u: UsdcUsd): string {
  return `USDC/USD taken as ${u.rate.toFixed(4)} (assumed; config market.usdc_usd)`;
}
