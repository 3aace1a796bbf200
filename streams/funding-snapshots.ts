/**
 * fundingSnapshots: one venue's funding answers (a poll's, or a recording's) as the snapshots the bot reads. A
 * failed or malformed answer is counted in `stats` and dropped; an answer equal to the last one is not repeated.
 * The live feed (fundingFeed, polling) and a replay (answers at their recorded arrival) share it, so both hand
 * the bot the same snapshots for the same answers.
 */
import { distinctUntilChanged, filter, map, pipe, type OperatorFunction } from 'rxjs';
import type { FundingSnapshot } from '../src/domain/funding';
import type { FundingDecoded } from '../src/venues/funding';

export interface FundingFeedStats {
  polls: number;
  /** Polls that brought no usable snapshot (malformed row, HTTP error, timeout). */
  dropped: number;
  lastDropReason: string | undefined;
}

export const newFundingFeedStats = (): FundingFeedStats => ({ polls: 0, dropped: 0, lastDropReason: undefined });

export function fundingSnapshots(stats: FundingFeedStats = newFundingFeedStats()): OperatorFunction<FundingDecoded, FundingSnapshot> {
  return pipe(
    map((decoded) => {
      stats.polls++;
      if (decoded.ok) return decoded.snapshot;
      stats.dropped++;
      stats.lastDropReason = decoded.reason;
      return undefined;
    }),
    filter((s): s is FundingSnapshot => s !== undefined),
    distinctUntilChanged(sameFundingSnapshot),
  );
}

/** The same figure: a repeat carries nothing new (the live WS path and a replay drop it alike). */
export const sameFundingSnapshot = (x: FundingSnapshot, y: FundingSnapshot): boolean => x.at === y.at && x.index === y.index && x.ratePerHour === y.ratePerHour;
