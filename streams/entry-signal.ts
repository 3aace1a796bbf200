import { asyncScheduler, filter, map, type OperatorFunction, pipe, type SchedulerLike, scan } from 'rxjs';
import type { MarketTick, SpreadOpportunity } from '../src/domain/market';
import { bestEntry, type Direction, netEntrySpread, quotesOf, takerFeeProblem, type TakerFees } from '../src/domain/spread';
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
    const { askA, bidA, askB, bidB } = quotesOf(tick.a, tick.b, size);
    // All four prices, not only the entry legs': the position will have to exit through the other two.
    if (askA === undefined || bidA === undefined || askB === undefined || bidB === undefined) return undefined;
    const best = bestEntry({ askA, bidA, askB, bidB });
    if (best === undefined) return undefined;
    const netSpread = netEntrySpread(best.spread, fees);
    if (!(netSpread >= entryThreshold)) return undefined;
    // Checked once the spread qualifies (rarely): the clock is read only then, and only when a book age
    // limit needs it; a clock read costs more than the spread math.
    if (!isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs)) return undefined;
    return { pair, direction: best.direction, spread: best.spread, netSpread, askA, bidA, askB, bidB, detectedAt: tick.time };
  };

  return pipe(
    scan((previous: Confirmation, tick: MarketTick): Confirmation => {
      const opportunity = opportunityAt(tick);
      if (opportunity === undefined) return NONE;
      const streak = previous.direction === opportunity.direction ? previous.streak + 1 : 1;
      return streak >= confirmTicks ? { streak: 0, signal: opportunity } : { direction: opportunity.direction, streak };
    }, NONE),
    map((confirmation) => confirmation.signal),
    filter((signal): signal is SpreadOpportunity => signal !== undefined),
  );
}
