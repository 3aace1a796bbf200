/**
 * Funding math of a delta-neutral perp position. Pure: no clock, no I/O.
 *
 * Conventions (both venues): a positive rate means longs pay shorts. Rates are carried in one
 * unit inside the bot, a **fraction of notional per hour** (Paradex quotes per `funding_period_hours`,
 * default 8; Vest quotes `oneHrFundingRate` per hour).
 *
 * What a position really paid is never a sum of published rates (Paradex republishes its rate every
 * second: summing rows overstates funding by the cadence ratio). It is the difference of the venue's
 * cumulative index (Paradex `funding_index`, Vest `cumFunding`), in quote currency per unit of base:
 *
 *   accruedUsd = −signedSize × (indexNow − indexAtEntry)     (positive = received)
 */
import { legsOf, type Direction } from './spread';

/** Paradex's default funding period, hours (per market: `funding_period_hours`). */
export const PARADEX_DEFAULT_FUNDING_PERIOD_HOURS = 8;

/** One venue's funding state at one time, in the bot's unit. */
export interface FundingSnapshot {
  /** Fraction of notional per hour; positive = longs pay shorts. */
  readonly ratePerHour: number;
  /** Cumulative funding index, quote currency per unit of base (Paradex funding_index, Vest cumFunding). */
  readonly index: number;
  /** Venue time of the snapshot, ms. */
  readonly at: number;
}

/** A rate quoted per `periodHours` as a fraction of notional per hour. Throws on a non-positive period. */
export function ratePerHour(rate: number, periodHours: number): number {
  if (!(periodHours > 0) || !Number.isFinite(periodHours)) throw new RangeError(`funding period must be a positive number of hours, got ${periodHours}`);
  return rate / periodHours;
}

/**
 * Funding accrued by a position since entry, USD (quote currency), from index differences.
 * Positive = the position received funding; negative = it paid.
 */
export function accruedFundingUsd(signedSize: number, indexAtEntry: number, indexNow: number): number {
  const accrued = -signedSize * (indexNow - indexAtEntry);
  return accrued === 0 ? 0 : accrued; // no −0 in figures a user reads
}

/**
 * Vest's own accrued (unsettled) funding of an open position, from the venue's figures alone. Source: the Vest API
 * page (venues.md VEST-DOCS): GET /account `positions[].entryFunding` is printed like the ticker's `cumFunding`
 * (GET /ticker/latest, WS `tickers`; same 12-decimal format and example value), i.e. the index when the position last
 * changed; its `unrealizedPnl` "includes funding"; order `settledFunding` is "positive means trader received".
 * The page does not state `cumFunding`'s unit or direction: the bot reads it as Paradex's `funding_index`, quote
 * (USDC) per unit of base, rising while longs pay (a positive `oneHrFundingRate`), hence −signedSize × Δ. A live
 * account can check that reading with `fundingInUnrealisedPnl`, which assumes neither.
 */
export function vestAccruedFundingUsd(signedSize: number, entryFunding: number, cumFunding: number): number {
  return accruedFundingUsd(signedSize, entryFunding, cumFunding);
}

/**
 * The funding inside a position's unrealised PnL when the venue reports one that "includes funding" (Vest): that
 * PnL less the price PnL at the same mark. Independent of the index's unit and sign; rounded like entryPrice.
 */
export function fundingInUnrealisedPnl(signedSize: number, unrealisedPnl: number, markPrice: number, entryPrice: number): number {
  const funding = unrealisedPnl - signedSize * (markPrice - entryPrice);
  return funding === 0 ? 0 : funding;
}

/** The latest funding of a pair's two venues: A is the pair's dex_a, B its dex_b. */
export interface PairFunding {
  readonly a: FundingSnapshot;
  readonly b: FundingSnapshot;
}

/** Funding rates of venue A (dex_a) and venue B (dex_b), fraction of notional per hour. */
export interface FundingRates {
  readonly a: number;
  readonly b: number;
}

/**
 * Carry of a direction per hour, fraction of notional of one leg: the short leg receives its
 * venue's rate, the long leg pays its own. Positive = the hedge earns funding while held.
 */
export function carryPerHour(direction: Direction, rates: FundingRates): number {
  const legs = legsOf(direction);
  return rates[legs.short] - rates[legs.long];
}

/**
 * Expected carry of a direction over `holdHours`, in percent of one leg's notional (the unit of the
 * entry spread), assuming today's rates hold. 0 for a zero or negative hold.
 */
export function expectedCarryPct(direction: Direction, rates: FundingRates, holdHours: number): number {
  if (!(holdHours > 0)) return 0;
  const pct = carryPerHour(direction, rates) * holdHours * 100;
  return pct === 0 ? 0 : pct;
}

/**
 * Index growth over `hours` at a constant hourly rate and price: what a venue adds to its cumulative
 * index (quote per unit of base) as time passes. Used by the simulated venues and the paper venue.
 */
export function indexIncrement(ratePerHourFraction: number, price: number, hours: number): number {
  return ratePerHourFraction * price * hours;
}

/** Funding of a two-legged position: each leg from its own venue's index. */
export interface LegFunding {
  readonly longUsd: number;
  readonly shortUsd: number;
  readonly totalUsd: number;
}

/** USD per unit of each leg's quote currency (src/domain/market.ts `legsUsdPerQuote`). */
export interface LegsUsdPerQuote {
  readonly long: number;
  readonly short: number;
}

/**
 * Accrued funding of both legs (size per leg, long leg +size, short leg −size), USD: each leg's index difference is
 * in its venue's quote currency (Paradex USD, Vest USDC) and `usdPerQuote` makes it USD, the one place funding is
 * converted (absent: both 1, USDC at par).
 */
export function pairFundingUsd(size: number, long: { entry: number; now: number }, short: { entry: number; now: number }, usdPerQuote?: LegsUsdPerQuote): LegFunding {
  const longUsd = inUsd(accruedFundingUsd(size, long.entry, long.now), usdPerQuote?.long);
  const shortUsd = inUsd(accruedFundingUsd(-size, short.entry, short.now), usdPerQuote?.short);
  const totalUsd = longUsd + shortUsd;
  return { longUsd, shortUsd, totalUsd: totalUsd === 0 ? 0 : totalUsd };
}

/** Each leg's cumulative funding index (quote per unit of base), by leg. */
export interface LegIndexes {
  readonly long: number;
  readonly short: number;
}

/** The pair's A/B funding indexes as the position's legs see them (AOverB is long A, short B). */
export function legIndexes(direction: Direction, funding: PairFunding): LegIndexes {
  const legs = legsOf(direction);
  return { long: funding[legs.long].index, short: funding[legs.short].index };
}

/** Each leg's venue rate, fraction of notional per hour (positive = longs pay shorts). */
export function legsFundingRates(direction: Direction, funding: PairFunding): { readonly long: number; readonly short: number } {
  const legs = legsOf(direction);
  return { long: funding[legs.long].ratePerHour, short: funding[legs.short].ratePerHour };
}

/**
 * Funding a position accrued from its entry indexes to `funding` (the latest of both venues), per leg and in
 * total, USD (each leg through `usdPerQuote`, see pairFundingUsd); positive = received. Index differences only: never a sum of published rates.
 */
export function positionFundingUsd(direction: Direction, size: number, atEntry: LegIndexes, funding: PairFunding, usdPerQuote?: LegsUsdPerQuote): LegFunding {
  const now = legIndexes(direction, funding);
  return pairFundingUsd(size, { entry: atEntry.long, now: now.long }, { entry: atEntry.short, now: now.short }, usdPerQuote);
}

/** A quote-currency amount in USD; at 1 (or absent) the amount itself, so figures at par stay byte-identical. */
function inUsd(amount: number, usdPerQuote: number | undefined): number {
  if (usdPerQuote === undefined || usdPerQuote === 1) return amount;
  const usd = amount * usdPerQuote;
  return usd === 0 ? 0 : usd;
}
