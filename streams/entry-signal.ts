import { asyncScheduler, filter, map, type Observable, type OperatorFunction, pipe, type SchedulerLike, scan, startWith, withLatestFrom } from 'rxjs';
import { type CarryBasis, type EntryCarry, entryCarry } from '../src/domain/carry';
import type { MarketTick, SpreadOpportunity } from '../src/domain/market';
import { bestEntry, type Direction, entrySpread, netEntrySpread, type Quotes, quotesOf, takerFeeProblem, type TakerFees } from '../src/domain/spread';
import { isTradableTick } from './market';

export interface EntrySignalOptions {
  pair: string;
  /** Percent; the best direction's NET entry spread must be >= this. */
  entryThreshold: number;
  /** Base size per leg: prices become the VWAP of filling it. Default: top of book. */
  size?: number;
  /** Taker fees of both venues; the spread is netted of a round trip (both legs, in and out). */
  fees: TakerFees;
  /** Consecutive qualifying ticks, same direction, needed for a signal. Default 1. */
  confirmTicks?: number;
  /** Books received longer ago than this (at scheduler.now()) never qualify. Default: no limit. */
  maxBookAgeMs?: number;
  /** Time source for book age. Default asyncScheduler. */
  scheduler?: SchedulerLike;
  /**
   * Funding carry to count (latest first): each direction's edge is its net spread plus its expected carry over
   * the hold, the better edge is compared with the threshold, and the signal says how much of it is carry
   * (`carry`). Until it emits, carry counts 0 ('no funding yet'). Default: no carry, no `carry` field.
   */
  carry$?: Observable<CarryBasis>;
}


interface Confirmation {
  readonly direction?: Direction;
  readonly streak: number;
  readonly signal?: SpreadOpportunity;
}

const NONE: Confirmation = { streak: 0 };

/**
 * Entry signals: emits a SpreadOpportunity when the better direction's net entry spread stays at or above
 * `entryThreshold` for `confirmTicks` consecutive ticks in the same direction (original-bot.md §5, with
 * fees netted and a confirmation count). A tick with a missing, thin, stale, crossed or old book, a
 * spread below the threshold, or a direction flip restarts the count; so does a signal, so a persisting
 * spread signals again every `confirmTicks` ticks (the bot consumes signals with exhaustMap).
 */
export function entrySignal({
  pair,
  entryThreshold,
  size,
  fees,
  confirmTicks = 1,
  maxBookAgeMs,
  scheduler = asyncScheduler,
  carry$,
}: EntrySignalOptions): OperatorFunction<MarketTick, SpreadOpportunity> {
  if (!Number.isFinite(entryThreshold)) throw new RangeError(`entrySignal(${pair}): entryThreshold must be finite, got ${entryThreshold}`);
  if (size !== undefined && !(size > 0 && Number.isFinite(size))) throw new RangeError(`entrySignal(${pair}): size must be > 0, got ${size}`);
  if (!Number.isInteger(confirmTicks) || confirmTicks < 1) {
    throw new RangeError(`entrySignal(${pair}): confirmTicks must be an integer >= 1, got ${confirmTicks}`);
  }
  // Negative fees are rebates: they raise the net spread.
  const feeProblem = takerFeeProblem(fees.a) ?? takerFeeProblem(fees.b);
  if (feeProblem !== undefined) throw new RangeError(`entrySignal(${pair}): each taker fee ${feeProblem}, got a=${fees.a} b=${fees.b}`);

  /** The tick's qualifying opportunity, or undefined when it does not qualify. */
  const opportunityAt = (tick: MarketTick): SpreadOpportunity | undefined => {
    const quotes = quotesOf(tick.a, tick.b, size, tick.bToA);
    const { askA, bidA, askB, bidB } = quotes;
    // All four prices, not only the entry legs': the position will have to exit through the other two.
    if (askA === undefined || bidA === undefined || askB === undefined || bidB === undefined) return undefined;
    const best = bestEntry(quotes);
    if (best === undefined) return undefined;
    const netSpread = netEntrySpread(best.spread, fees);
    if (!(netSpread >= entryThreshold)) return undefined;
    // Checked once the spread qualifies (rarely): the clock is read only then, and only when a book age
    // limit needs it; a clock read costs more than the spread math.
    if (!isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs)) return undefined;
    return { pair, direction: best.direction, spread: best.spread, netSpread, askA, bidA, askB, bidB, detectedAt: tick.time, ...unitOf(quotes) };
  };

  /** The same with carry: each direction's edge is net spread + carry; the better edge must reach the threshold. */
  const carryOpportunityAt = (tick: MarketTick, basis: CarryBasis): SpreadOpportunity | undefined => {
    const quotes = quotesOf(tick.a, tick.b, size, tick.bToA);
    const { askA, bidA, askB, bidB } = quotes;
    if (askA === undefined || bidA === undefined || askB === undefined || bidB === undefined) return undefined;
    const ab = edgeOf('AOverB', quotes, fees, basis);
    const ba = edgeOf('BOverA', quotes, fees, basis);
    // Ties go to AOverB, as without carry.
    const best = ba === undefined || (ab !== undefined && ab.edge >= ba.edge) ? ab : ba;
    if (best === undefined || !(best.edge >= entryThreshold)) return undefined;
    if (!isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs)) return undefined;
    const { direction, spread, netSpread, carry } = best;
    return { pair, direction, spread, netSpread, askA, bidA, askB, bidB, detectedAt: tick.time, ...unitOf(quotes), carry };
  };

  const decisions: OperatorFunction<MarketTick, SpreadOpportunity | undefined> =
    carry$ === undefined
      ? map(opportunityAt)
      : (ticks$) =>
          ticks$.pipe(
            withLatestFrom(carry$.pipe(startWith(undefined))),
            map(([tick, basis]) => carryOpportunityAt(tick, basis ?? NO_BASIS)),
          );

  return pipe(
    decisions,
    scan((previous: Confirmation, opportunity: SpreadOpportunity | undefined): Confirmation => {
      if (opportunity === undefined) return NONE;
      const streak = previous.direction === opportunity.direction ? previous.streak + 1 : 1;
      return streak >= confirmTicks ? { streak: 0, signal: opportunity } : { direction: opportunity.direction, streak };
    }, NONE),
    map((confirmation) => confirmation.signal),
    filter((signal): signal is SpreadOpportunity => signal !== undefined),
  );
}

/** The opportunity keeps the tick's unit factor (its SPREAD_DETECTED spreads are recomputed from it). */
const unitOf = (q: Quotes): { bToA?: number } => (q.bToA !== undefined ? { bToA: q.bToA } : {});

/** Before funding arrives: no rates, so carry counts 0 whatever the hold. */
const NO_BASIS: CarryBasis = { rates: undefined, hold: { hours: 0, from: 'fallback' } };

interface Edge {
  readonly direction: Direction;
  readonly spread: number;
  readonly netSpread: number;
  readonly carry: EntryCarry;
  /** netSpread + carry.carryPct, percent: what the threshold is compared with. */
  readonly edge: number;
}

function edgeOf(direction: Direction, quotes: Quotes, fees: TakerFees, basis: CarryBasis): Edge | undefined {
  const spread = entrySpread(direction, quotes);
  if (spread === undefined) return undefined;
  const netSpread = netEntrySpread(spread, fees);
  const carry = entryCarry(direction, basis);
  return { direction, spread, netSpread, carry, edge: netSpread + carry.carryPct };
}
