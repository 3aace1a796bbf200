/**
 * Funding carry in the entry decision. Pure: no clock, no I/O.
 *
 * The entry compares the EDGE of a direction with the entry threshold:
 *
 *   edgePct = netEntrySpread + carryPct,   carryPct = (rate(short venue) − rate(long venue)) × holdHours × 100
 *
 * (rates as fractions of notional per hour, see funding.ts). The hold is the pair's `expected_hold_hours`, else
 * the median hold of the pair's round trips closed in this run, else FALLBACK_HOLD_HOURS; never beyond the
 * holding limit (`risk.max_duration_hours`), after which a position is closed anyway.
 */
import { expectedCarryPct, type FundingRates } from './funding';
import type { Direction } from './spread';

/** The hold assumed before any round trip has closed (and no `expected_hold_hours` is set), hours. */
export const FALLBACK_HOLD_HOURS = 1;

/** Where the hold came from: the config, the run's observed median hold, or the fallback. */
export type HoldSource = 'config' | 'observed_median' | 'fallback';

export interface ExpectedHold {
  readonly hours: number;
  readonly from: HoldSource;
}

/** What the entry counts for carry: the latest rates of both venues (undefined: none received yet) and the hold. */
export interface CarryBasis {
  readonly rates: FundingRates | undefined;
  readonly hold: ExpectedHold;
}

/**
 * How much of an entry's edge is carry, as SPREAD_DETECTED reports it.
 * - 'counted': `carryPct` of the direction over `holdHours` at `rateA`/`rateB` (fractions per hour) was added.
 * - 'no funding yet': funding is tracked but no rate has arrived: 0 was counted.
 * - 'not tracked': the run has no funding feed for the pair: 0 was counted.
 */
export type EntryCarry =
  | {
      readonly status: 'counted';
      readonly carryPct: number;
      readonly holdHours: number;
      readonly holdFrom: HoldSource;
      readonly rateA: number;
      readonly rateB: number;
    }
  | { readonly status: 'no funding yet' | 'not tracked'; readonly carryPct: 0 };

export const CARRY_NOT_TRACKED: EntryCarry = { status: 'not tracked', carryPct: 0 };
const NO_FUNDING_YET: EntryCarry = { status: 'no funding yet', carryPct: 0 };

/** The carry a direction's entry counts, given what is known. */
export function entryCarry(direction: Direction, basis: CarryBasis): EntryCarry {
  const { rates, hold } = basis;
  if (rates === undefined) return NO_FUNDING_YET;
  return { status: 'counted', carryPct: expectedCarryPct(direction, rates, hold.hours), holdHours: hold.hours, holdFrom: hold.from, rateA: rates.a, rateB: rates.b };
}

/** The median of closed holds, ms → hours; undefined for none. */
export function medianHoldHours(holdsMs: readonly number[]): number | undefined {
  if (holdsMs.length === 0) return undefined;
  const sorted = [...holdsMs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const ms = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return ms / 3_600_000;
}

/**
 * The hold an entry assumes: the configured one, else the observed median (once a round trip has closed), else
 * the fallback; capped by the holding limit when there is one.
 */
export function expectedHold(configured: number | undefined, holdsMs: readonly number[], maxHoldHours: number | undefined): ExpectedHold {
  const cap = (hours: number): number => (maxHoldHours === undefined ? hours : Math.min(hours, maxHoldHours));
  if (configured !== undefined) return { hours: cap(configured), from: 'config' };
  const median = medianHoldHours(holdsMs);
  if (median !== undefined) return { hours: cap(median), from: 'observed_median' };
  return { hours: cap(FALLBACK_HOLD_HOURS), from: 'fallback' };
}
