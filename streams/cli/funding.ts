/**
 * The process shell's `BotDeps.fundingFor`: each pair's two venues' public funding at the hosts its
 * books come from, combined into `PairFunding` (streams/pair-funding.ts). Pushed over each venue's
 * WebSocket when given (Paradex `funding_data.{market}`, Vest `tickers`), with REST polling
 * (streams/funding-feed.ts) taking over while a WS is silent, refused or gone
 * (streams/funding-with-fallback.ts); REST polling alone otherwise. One feed per venue and pair,
 * shared by everything that reads the pair's funding. A figure equal to the last one is not repeated
 * (as a replay's `fundingSnapshots` does), and `onDelivered` sees each figure, with the source that fed
 * it, just before the pair reads it (the recorder's hook: src/venues/funding-record.ts).
 */
import { distinctUntilChanged, from, tap, type Observable } from 'rxjs';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import type { FundingSnapshot, PairFunding } from '../../src/domain/funding';
import type { PairSettings } from '../bot';
import { fundingFeed, newFundingFeedStats, type FundingFeedStats } from '../funding-feed';
import { fundingWithFallback, newFundingSourceStats, type FundingSourceStats } from '../funding-with-fallback';
import { sameFundingSnapshot } from '../funding-snapshots';
import { pairFunding } from '../pair-funding';
import type { FundingPoll, FundingStream, TradingVenues } from '../venues';
import { recordDeliveredFunding, recordingFundingPolls } from '../../src/venues/funding-record';
import type { FrameRecorder } from '../../src/venues/recording';

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

/** Each figure a pair's venue feed delivers, with its source, before the pair reads it. */
export type FundingDelivered = (venue: VenueId, symbol: string, snapshot: FundingSnapshot, source: 'ws' | 'rest') => void;

export function pairFundingSource(polls: Readonly<Record<VenueId, FundingPoll>>, periodMs = DEFAULT_FUNDING_POLL_MS, ws?: FundingWsSettings, onDelivered?: FundingDelivered): PairFundingSource {
  const stats = new Map<string, FundingFeedStats>();
  const sources = new Map<string, FundingSourceStats>();
  const feed = (pair: PairSettings, venue: VenueId) => {
    const key = `${pair.pair} ${venue}`;
    const own = stats.get(key) ?? newFundingFeedStats();
    stats.set(key, own);
    const symbol = venueSymbol(venue, pair.pair);
    const rest$ = fundingFeed({ fetch: () => from(polls[venue](symbol)), periodMs, stats: own });
    if (!ws) return onDelivered ? rest$.pipe(tap((s) => onDelivered(venue, symbol, s, 'rest'))) : rest$;
    const source = sources.get(key) ?? newFundingSourceStats();
    sources.set(key, source);
    const figures$ = ws.streams[venue](symbol).pipe(
      fundingWithFallback({ fallback$: rest$, stats: source, ...(ws.silenceMs !== undefined ? { silenceMs: ws.silenceMs } : {}) }),
      distinctUntilChanged(sameFundingSnapshot),
    );
    return onDelivered ? figures$.pipe(tap((s) => onDelivered(venue, symbol, s, source.source ?? 'ws'))) : figures$;
  };
  return { fundingFor: (pair) => pairFunding(feed(pair, pair.dexA), feed(pair, pair.dexB)), stats, sources };
}

/** How a run reads funding (streams/cli/run.ts `RunOptions`). */
export interface RunFundingOptions {
  /** Default true: WS first wherever the mode has the channels; false: REST polls only. */
  readonly fundingOverWs?: boolean;
  readonly fundingWsSilenceMs?: number;
  readonly fundingPollMs?: number;
}

/** The WS funding settings of a run: on wherever the mode has the channels, unless turned off. */
export function runFundingWs(trading: TradingVenues, opts: RunFundingOptions): FundingWsSettings | undefined {
  if (opts.fundingOverWs === false || !trading.fundingWs) return undefined;
  return { streams: trading.fundingWs, ...(opts.fundingWsSilenceMs !== undefined ? { silenceMs: opts.fundingWsSilenceMs } : {}) };
}

/**
 * A run's `BotDeps.fundingFor` (undefined when its venues serve no funding). With a recorder, every figure the bot
 * reads is recorded as it reads it, with its source and wire form, and every failed poll
 * (src/venues/funding-record.ts): a replay gives the bot the same figures at the same moments.
 */
export function runFundingFor(trading: TradingVenues, opts: RunFundingOptions, recorder?: FrameRecorder): PairFundingSource['fundingFor'] | undefined {
  if (!trading.funding) return undefined;
  const polls = recorder ? recordingFundingPolls(trading.funding, recorder) : trading.funding;
  const delivered: FundingDelivered | undefined = recorder ? (venue, symbol, s, source) => recordDeliveredFunding(recorder, venue, symbol, s, source) : undefined;
  return pairFundingSource(polls, opts.fundingPollMs, runFundingWs(trading, opts), delivered).fundingFor;
}
