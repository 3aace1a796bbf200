/**
 * The process shell's `BotDeps.fundingFor`: each pair's two venues' public funding at the hosts its
 * books come from, combined into `PairFunding` (streams/pair-funding.ts). Pushed over each venue's
 * WebSocket when given (Paradex `funding_data.{market}`, Vest `tickers`), with REST polling
 * (streams/funding-feed.ts) taking over while a WS is silent, refused or gone
 * (streams/funding-with-fallback.ts); REST polling alone otherwise. One feed per venue and pair,
 * shared by everything that reads the pair's funding.
 */
import { from, type Observable } from 'rxjs';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import type { PairFunding } from '../../src/domain/funding';
import type { PairSettings } from '../bot';
import { fundingFeed, newFundingFeedStats, type FundingFeedStats } from '../funding-feed';
import { fundingWithFallback, newFundingSourceStats, type FundingSourceStats } from '../funding-with-fallback';
import { pairFunding } from '../pair-funding';
import type { FundingPoll, FundingStream } from '../venues';

/** Funding moves slowly (Paradex recomputes it every second, but an index step per poll is what the PnL reads). */
export const DEFAULT_FUNDING_POLL_MS = 10_000;

export interface PairFundingSource {
  fundingFor(pair: PairSettings): Observable<PairFunding>;
  /** Polls and drops per venue and pair (`BTC-PERP paradex`), for the log at the end of a run. */
  readonly stats: ReadonlyMap<string, FundingFeedStats>;
  /** Which source fed each venue and pair's figures (WS updates, REST updates, fallbacks); empty without WS. */
  readonly sources: ReadonlyMap<string, FundingSourceStats>;
}

export interface FundingWsSettings {
  readonly streams: Readonly<Record<VenueId, FundingStream>>;
  /** WS silence after which REST takes over, ms (default DEFAULT_FUNDING_WS_SILENCE_MS). */
  readonly silenceMs?: number;
}

export function pairFundingSource(polls: Readonly<Record<VenueId, FundingPoll>>, periodMs = DEFAULT_FUNDING_POLL_MS, ws?: FundingWsSettings): PairFundingSource {
  const stats = new Map<string, FundingFeedStats>();
  const sources = new Map<string, FundingSourceStats>();
  const feed = (pair: PairSettings, venue: VenueId) => {
    const key = `${pair.pair} ${venue}`;
    const own = stats.get(key) ?? newFundingFeedStats();
    stats.set(key, own);
    const symbol = venueSymbol(venue, pair.pair);
    const rest$ = fundingFeed({ fetch: () => from(polls[venue](symbol)), periodMs, stats: own });
    if (!ws) return rest$;
    const source = sources.get(key) ?? newFundingSourceStats();
    sources.set(key, source);
    return ws.streams[venue](symbol).pipe(fundingWithFallback({ fallback$: rest$, stats: source, ...(ws.silenceMs !== undefined ? { silenceMs: ws.silenceMs } : {}) }));
  };
  return { fundingFor: (pair) => pairFunding(feed(pair, pair.dexA), feed(pair, pair.dexB)), stats, sources };
}
