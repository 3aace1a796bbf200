/**
 * A replay's funding: the FUNDING records of a recording handed back, at their recorded arrival on the replay's
 * clock, through the same `fundingSnapshots` (drops counted, repeats not re-emitted) and `pairFunding` as a live
 * run's polls, as `BotDeps.fundingFor`. The bot then reads the same `PairFunding` at the same moments as the
 * recorded run did: the same carry in the entry edge, the same adverse-funding exits, the same entry and close
 * indexes (funding PnL from index differences).
 */
import { Subject, type Observable } from 'rxjs';
import type { FundingSnapshot, PairFunding } from '../../src/domain/funding';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import { decodeFundingRecord } from '../../src/venues/funding-record';
import type { FundingDecoded } from '../../src/venues/funding';
import type { RecordedEntry } from '../../src/venues/recording';
import type { PairSettings } from '../bot';
import { fundingSnapshots, newFundingFeedStats, type FundingFeedStats } from '../funding-snapshots';
import { pairFunding } from '../pair-funding';

export class ReplayFunding {
  /** Each "<venue>:<symbol>"'s answers as they are played; hot, as a venue is (the bot subscribes before play). */
  private readonly answers = new Map<string, Subject<FundingDecoded>>();
  private readonly latestGood = new Map<string, FundingSnapshot>();
  /** Answers and drops per pair and venue (`BTC-PERP paradex`), as the live source counts them. */
  readonly stats = new Map<string, FundingFeedStats>();

  /** One FUNDING record, at its arrival time (the clock stands there). */
  dispatch(entry: RecordedEntry): void {
    const decoded = decodeFundingRecord(entry.key, entry.payload, Number(entry.receivedAtNs / 1_000_000n));
    if (decoded.ok) this.latestGood.set(entry.key, decoded.snapshot);
    this.answers.get(entry.key)?.next(decoded);
  }

  /** `BotDeps.fundingFor`: the pair's two venues' recorded funding. */
  readonly fundingFor = (pair: PairSettings): Observable<PairFunding> => pairFunding(this.feed(pair, pair.dexA), this.feed(pair, pair.dexB));

  /** The latest good snapshot of a venue symbol (the replay's paper venues charge funding from it, as paper mode does). */
  latest(venue: VenueId, symbol: string): FundingSnapshot | undefined {
    return this.latestGood.get(`${venue}:${symbol}`);
  }

  private feed(pair: PairSettings, venue: VenueId): Observable<FundingSnapshot> {
    const key = `${venue}:${venueSymbol(venue, pair.pair)}`;
    let answers = this.answers.get(key);
    if (!answers) this.answers.set(key, (answers = new Subject<FundingDecoded>()));
    const statsKey = `${pair.pair} ${venue}`;
    const stats = this.stats.get(statsKey) ?? newFundingFeedStats();
    this.stats.set(statsKey, stats);
    return answers.pipe(fundingSnapshots(stats));
  }
}
