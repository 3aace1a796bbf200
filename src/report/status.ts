/**
 * Live status per pair, reduced from the event stream (pure). status-layout.ts renders it to fit a terminal.
 */
import type { TradingEvent, TradingEventType } from '../domain/events';
import type { VenueId } from '../domain/market';
import type { Direction } from '../domain/spread';

export type PairState = 'watching' | 'opening' | 'open' | 'closing' | 'halted';

/** The open position marked to the current books (SPREAD_MONITORING `position`): unrealised, USD. */
export interface UnrealisedPnl {
  readonly grossUsd: number;
  readonly exitFeesUsd: number;
  /** grossUsd − exitFeesUsd: what closing now would add to the realised net. */
  readonly netUsd: number;
}

export interface HaltStatus {
  readonly reason: string;
  /** ms; undefined = until an operator clears it. */
  readonly until?: number;
}

export interface PairStatus {
  pair: string;
  /** Trading lifecycle; 'halted' only while flat (a halted pair with a position stays 'open' and carries `halt`). */
  state: PairState;
  /** Gross entry spreads, percent (the report charts these). */
  entryAOverB?: number;
  entryBOverA?: number;
  /** Entry spreads net of the round trip's taker fees: what the entry threshold is compared with. */
  netEntryAOverB?: number;
  netEntryBOverA?: number;
  exitAOverB?: number;
  exitBOverA?: number;
  bookAgeAMs?: number;
  bookAgeBMs?: number;
  position?: { direction: Direction; size: number; entrySpread: number };
  /** The open position marked to the last sample's books; undefined when flat or the books could not price it. */
  unrealised?: UnrealisedPnl;
  /** Why new entries are stopped, while they are. */
  halt?: HaltStatus;
  /** Closed round trips' gross PnL, USD. */
  realisedGrossUsd: number;
  /** Every fee this pair's fills paid in the run (an open position's entry fees and unwinds included), USD. */
  feesPaidUsd: number;
  /** Funding realised by closed round trips (+ received), USD. */
  realisedFundingUsd: number;
  /** Funding the open position has accrued so far (its last FUNDING_ACCRUED), USD; unrealised. */
  accruedFundingUsd?: number;
  /**
   * realisedGrossUsd − feesPaidUsd + realisedFundingUsd, as the run summary counts it; + the open position's
   * `unrealised.netUsd` and `accruedFundingUsd` = net if closed now.
   */
  realisedNetUsd: number;
  roundTrips: number;
}

export interface FeedHealth {
  venue: VenueId;
  symbol: string;
  stale: boolean;
  resyncs: number;
  reconnects: number;
}

export interface StatusBoard {
  pairs: Map<string, PairStatus>;
  feeds: Map<string, FeedHealth>;
}

export function emptyBoard(pairs: readonly string[]): StatusBoard {
  return {
    pairs: new Map(pairs.map((pair) => [pair, newPair(pair)])),
    feeds: new Map(),
  };
}

function newPair(pair: string): PairStatus {
  return { pair, state: 'watching', realisedGrossUsd: 0, feesPaidUsd: 0, realisedFundingUsd: 0, realisedNetUsd: 0, roundTrips: 0 };
}

function pairOf(board: StatusBoard, pair: string): PairStatus {
  let s = board.pairs.get(pair);
  if (!s) {
    s = newPair(pair);
    board.pairs.set(pair, s);
  }
  return s;
}

function feedOf(board: StatusBoard, venue: VenueId, symbol: string): FeedHealth {
  const key = `${venue}:${symbol}`;
  let f = board.feeds.get(key);
  if (!f) {
    f = { venue, symbol, stale: false, resyncs: 0, reconnects: 0 };
    board.feeds.set(key, f);
  }
  return f;
}

type Handlers<T> = { readonly [K in TradingEventType]?: (target: T, e: Extract<TradingEvent, { type: K }>) => void };

/** What each event does to its pair's status. */
const ON_PAIR: Handlers<PairStatus> = {
  SPREAD_MONITORING: (s, e) => {
    s.entryAOverB = e.entryAOverB;
    s.entryBOverA = e.entryBOverA;
    s.exitAOverB = e.exitAOverB;
    s.exitBOverA = e.exitBOverA;
    s.netEntryAOverB = e.netEntryAOverB;
    s.netEntryBOverA = e.netEntryBOverA;
    s.bookAgeAMs = e.bookAgeAMs;
    s.bookAgeBMs = e.bookAgeBMs;
    if (e.position && s.position) s.unrealised = { grossUsd: e.position.grossUsd, exitFeesUsd: e.position.exitFeesUsd, netUsd: e.position.netUsd };
    else delete s.unrealised;
  },
  SPREAD_DETECTED: (s) => {
    s.state = 'opening';
  },
  POSITION_OPENED: (s, e) => {
    s.state = 'open';
    s.position = { direction: e.direction, size: e.size, entrySpread: e.entrySpread };
  },
  TRADE_EXIT: (s) => {
    s.state = 'closing';
  },
  CLOSE_FAILED: (s) => {
    s.state = 'open';
  },
  POSITION_CLOSED: (s, e) => {
    s.state = s.halt ? 'halted' : 'watching';
    delete s.position;
    delete s.unrealised;
    delete s.accruedFundingUsd;
    s.roundTrips++;
    s.realisedGrossUsd += e.grossPnlUsd ?? 0;
    s.realisedFundingUsd += e.fundingUsd ?? 0;
    s.realisedNetUsd = s.realisedGrossUsd - s.feesPaidUsd + s.realisedFundingUsd;
  },
  ORDER_FILLED: (s, e) => {
    s.feesPaidUsd += e.feeUsd;
    s.realisedNetUsd = s.realisedGrossUsd - s.feesPaidUsd + s.realisedFundingUsd;
  },
  // A fill found after the fact, as the run summary counts it: its fee is paid, its credited PnL realised.
  FILL_CREDITED: (s, e) => {
    s.feesPaidUsd += e.feeUsd;
    s.realisedGrossUsd += e.creditedPnlUsd ?? 0;
    s.realisedNetUsd = s.realisedGrossUsd - s.feesPaidUsd + s.realisedFundingUsd;
  },
  FUNDING_ACCRUED: (s, e) => {
    if (s.position !== undefined) s.accruedFundingUsd = e.totalUsd;
  },
  TRADE_FAILED: (s) => {
    if (s.state === 'opening') s.state = s.halt ? 'halted' : 'watching';
  },
  TRADING_HALTED: (s, e) => {
    s.halt = { reason: e.reason, ...(e.until !== undefined ? { until: e.until } : {}) };
    if (s.state === 'watching') s.state = 'halted';
  },
  TRADING_RESUMED: (s) => {
    delete s.halt;
    if (s.state === 'halted') s.state = 'watching';
  },
};

/** What each feed event does to its feed's health. */
const ON_FEED: Handlers<FeedHealth> = {
  FEED_STALE: (f) => {
    f.stale = true;
  },
  FEED_FRESH: (f) => {
    f.stale = false;
  },
  FEED_RESYNC: (f) => {
    f.resyncs++;
  },
  FEED_RECONNECT: (f) => {
    f.reconnects++;
  },
};

/** Folds one event into the board (mutates and returns it: the board is a private accumulator). */
export function reduceStatus(board: StatusBoard, e: TradingEvent): StatusBoard {
  const onPair = ON_PAIR[e.type] as ((s: PairStatus, e: TradingEvent) => void) | undefined;
  if (onPair !== undefined && 'pair' in e) onPair(pairOf(board, e.pair), e);
  const onFeed = ON_FEED[e.type] as ((f: FeedHealth, e: TradingEvent) => void) | undefined;
  if (onFeed !== undefined && 'symbol' in e && 'venue' in e) onFeed(feedOf(board, e.venue, e.symbol), e);
  return board;
}
