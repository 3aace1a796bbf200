/**
 * fundingAccrued: an open position's funding as periodic FUNDING_ACCRUED events, from the pair's funding
 * stream. Each event is an index difference since entry (never a sum of published rates), per leg and in
 * total, unrealised. At most one event per `periodMs`, and only when new funding arrived in that period
 * (`sampleTime`): a quiet feed repeats nothing.
 */
import { asyncScheduler, map, type OperatorFunction, pipe, sampleTime, type SchedulerLike } from 'rxjs';
import { events, type FundingAccrued } from '../src/domain/events';
import { type LegIndexes, legsFundingRates, type LegsUsdPerQuote, type PairFunding, positionFundingUsd } from '../src/domain/funding';
import type { VenueId } from '../src/domain/market';
import type { Direction } from '../src/domain/spread';

/** Default period of FUNDING_ACCRUED for an open position, ms. */
export const FUNDING_ACCRUED_EVERY_MS = 10_000;

export interface FundingAccruedOptions {
  readonly pair: string;
  readonly position: {
    readonly direction: Direction;
    readonly size: number;
    readonly fundingIndexAtEntry: LegIndexes;
  };
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  /** USD per unit of each leg's quote currency (the position's rate); absent: 1, USDC at par. */
  readonly usdPerQuote?: LegsUsdPerQuote;
  readonly periodMs?: number;
  readonly scheduler?: SchedulerLike;
}

export function fundingAccrued({
  pair,
  position,
  longVenue,
  shortVenue,
  usdPerQuote,
  periodMs = FUNDING_ACCRUED_EVERY_MS,
  scheduler = asyncScheduler,
}: FundingAccruedOptions): OperatorFunction<PairFunding, FundingAccrued> {
  const { direction, size, fundingIndexAtEntry } = position;
  return pipe(
    sampleTime(periodMs, scheduler),
    map((funding) => {
      const legs = positionFundingUsd(direction, size, fundingIndexAtEntry, funding, usdPerQuote);
      const rates = legsFundingRates(direction, funding);
      return events.fundingAccrued(scheduler.now(), {
        pair,
        direction,
        size,
        longVenue,
        shortVenue,
        longUsd: legs.longUsd,
        shortUsd: legs.shortUsd,
        totalUsd: legs.totalUsd,
        longRatePerHour: rates.long,
        shortRatePerHour: rates.short,
        realised: false,
      });
    }),
  );
}
