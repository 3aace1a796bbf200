/**
 * The process shell's `BotDeps.fundingFor`: each pair's two venues' public funding, polled over REST
 * (streams/funding-feed.ts) at the hosts its books come from, combined into `PairFunding`
 * (streams/pair-funding.ts). One poll per venue and pair, shared by everything that reads the pair's funding.
 */
import { from, type Observable } from 'rxjs';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import type { PairFunding } from '../../src/domain/funding';
import type { PairSettings } from '../bot';
import { fundingFeed, newFundingFeedStats, type FundingFeedStats } from '../funding-feed';
import { pairFunding } from '../pair-funding';
import type { FundingPoll } from '../venues';

/** Funding moves slowly (Paradex recomputes it every second, but an index step per poll is what the PnL reads). */
export const DEFAULT_FUNDING_POLL_MS = 10_000;

export interface PairFundingSource {
  fundingFor(pair: PairSettings): Observable<PairFunding>;
  /** Polls and drops per venue and pair (`BTC-PERP paradex`), for the log at the end of a run. */
  readonly stats: ReadonlyMap<string, FundingFeedStats>;
}

export function pairFundingSource(polls: Readonly<Record<VenueId, FundingPoll>>, periodMs = DEFAULT_FUNDING_POLL_MS): PairFundingSource {
  const stats = new Map<string, FundingFeedStats>();
  const feed = (pair: PairSettings, venue: VenueId) => {
    const key = `${pair.pair} ${venue}`;
    const own = stats.get(key) ?? newFundingFeedStats();
    stats.set(key, own);
    const symbol = venueSymbol(venue, pair.pair);
    return fundingFeed({ fetch: () => from(polls[venue](symbol)), periodMs, stats: own });
  };
  return { fundingFor: (pair) => pairFunding(feed(pair, pair.dexA), feed(pair, pair.dexB)), stats };
}
