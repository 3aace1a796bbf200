/**
 * fundingFeed: one venue's funding as an Observable of snapshots in the bot's unit (fraction of notional
 * per hour, cumulative index), polled over REST. The fetch is injected (`fetchParadexFunding`,
 * `fetchVestFunding`, or a WS-backed source later) and returns a value, never an error: a malformed or
 * failed poll is counted in `stats` and dropped, and the stream carries on with the next poll.
 */
import { asyncScheduler, catchError, exhaustMap, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { FundingSnapshot } from '../src/domain/funding';
import type { FundingDecoded } from '../src/venues/funding';
import { fundingSnapshots, newFundingFeedStats, type FundingFeedStats } from './funding-snapshots';

export { newFundingFeedStats, type FundingFeedStats } from './funding-snapshots';

export interface FundingFeedOptions {
  /** One poll of the venue. */
  readonly fetch: () => Observable<FundingDecoded>;
  /** Poll period, ms (the rate moves slowly: seconds to a minute is plenty). */
  readonly periodMs: number;
  readonly stats?: FundingFeedStats;
  readonly scheduler?: SchedulerLike;
}

export function fundingFeed({ fetch, periodMs, stats = newFundingFeedStats(), scheduler = asyncScheduler }: FundingFeedOptions): Observable<FundingSnapshot> {
  return timer(0, periodMs, scheduler).pipe(
    // A slow poll is not stacked: the next tick is skipped while one is in flight.
    exhaustMap(() => fetch().pipe(catchError((err: unknown) => of<FundingDecoded>({ ok: false, reason: err instanceof Error ? err.message : String(err) })))),
    fundingSnapshots(stats),
  );
}
