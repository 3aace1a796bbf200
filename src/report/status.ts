/**
 * Live status per pair, reduced from the event stream (pure), and its one-line rendering.
 */
import { formatPct, type TradingEvent } from '../domain/events';
import type { VenueId } from '../domain/market';
import type { Direction } from '../domain/spread';

export type PairState = 'watching' | 'opening' | 'open' | 'closing' | 'halted';

export interface PairStatus {
  pair: string;
  state: PairState;
  entryAOverB?: number;
  entryBOverA?: number;
  exitAOverB?: number;
  exitBOverA?: number;
  bookAgeAMs?: number;
  bookAgeBMs?: number;
  position?: { direction: Direction; size: number; entrySpread: number };
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
    pairs: new Map(pairs.map((pair) => [pair, { pair, state: 'watching' as PairState, realisedNetUsd: 0, roundTrips: 0 }])),
    feeds: new Map(),
  };
}

function pairOf(board: StatusBoard, pair: string): PairStatus {
  let s = board.pairs.get(pair);
  if (!s) {
    s = { pair, state: 'watching', realisedNetUsd: 0, roundTrips: 0 };
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

/** Folds one event into the board (mutates and returns it: the board is a private accumulator). */
export function reduceStatus(board: StatusBoard, e: TradingEvent): StatusBoard {
  switch (e.type) {
    case 'SPREAD_MONITORING': {
      const s = pairOf(board, e.pair);
      s.entryAOverB = e.entryAOverB;
      s.entryBOverA = e.entryBOverA;
      s.exitAOverB = e.exitAOverB;
      s.exitBOverA = e.exitBOverA;
      s.bookAgeAMs = e.bookAgeAMs;
      s.bookAgeBMs = e.bookAgeBMs;
      break;
    }
    case 'SPREAD_DETECTED':
      pairOf(board, e.pair).state = 'opening';
      break;
    case 'POSITION_OPENED': {
      const s = pairOf(board, e.pair);
      s.state = 'open';
      s.position = { direction: e.direction, size: e.size, entrySpread: e.entrySpread };
      break;
    }
    case 'TRADE_EXIT':
      pairOf(board, e.pair).state = 'closing';
      break;
    case 'CLOSE_FAILED':
      pairOf(board, e.pair).state = 'open';
      break;
    case 'POSITION_CLOSED': {
      const s = pairOf(board, e.pair);
      s.state = 'watching';
      delete s.position;
      s.roundTrips++;
      s.realisedNetUsd += (e.grossPnlUsd ?? 0) - (e.feesUsd ?? 0);
      break;
    }
    case 'TRADE_FAILED': {
      const s = pairOf(board, e.pair);
      if (s.state === 'opening') s.state = 'watching';
      break;
    }
    case 'TRADING_HALTED':
      pairOf(board, e.pair).state = 'halted';
      break;
    case 'TRADING_RESUMED':
      pairOf(board, e.pair).state = 'watching';
      break;
    case 'FEED_STALE':
      feedOf(board, e.venue, e.symbol).stale = true;
      break;
    case 'FEED_FRESH':
      feedOf(board, e.venue, e.symbol).stale = false;
      break;
    case 'FEED_RESYNC':
      feedOf(board, e.venue, e.symbol).resyncs++;
      break;
    case 'FEED_RECONNECT':
      feedOf(board, e.venue, e.symbol).reconnects++;
      break;
    default:
      break;
  }
  return board;
}

export interface FeedAge {
  venue: VenueId;
  symbol: string;
  ageMs: number | undefined;
}

/** One status line for a pair. Feed ages come from the live feed counters at render time. */
export function statusLine(
  s: PairStatus,
  thresholds: { entry: number; exit: number },
  feeds: readonly FeedHealth[],
  ages: readonly FeedAge[],
): string {
  const pos = s.position ? `${s.position.direction} ${s.position.size}` : 'flat';
  const exitNow = s.position ? (s.position.direction === 'AOverB' ? s.exitAOverB : s.exitBOverA) : undefined;
  const feedText = ages
    .map((a) => {
      const h = feeds.find((f) => f.venue === a.venue && f.symbol === a.symbol);
      const age = a.ageMs === undefined ? '–' : `${Math.round(a.ageMs)}ms`;
      return `${a.venue} ${age}${h?.stale ? ' STALE' : ''}${h && h.resyncs > 0 ? ` rs${h.resyncs}` : ''}${h && h.reconnects > 0 ? ` rc${h.reconnects}` : ''}`;
    })
    .join(', ');
  return [
    s.pair.padEnd(9),
    s.state.toUpperCase().padEnd(8),
    `A>B ${formatPct(s.entryAOverB).padStart(9)}`,
    `B>A ${formatPct(s.entryBOverA).padStart(9)}`,
    `(entry ≥ ${formatPct(thresholds.entry)} net)`,
    s.position ? `exit ${formatPct(exitNow)} / ${formatPct(thresholds.exit)}` : '',
    `pos ${pos}`,
    `pnl ${s.realisedNetUsd >= 0 ? '+' : '-'}$${Math.abs(s.realisedNetUsd).toFixed(2)} (${s.roundTrips} rt)`,
    `feeds ${feedText}`,
  ]
    .filter((x) => x !== '')
    .join(' | ');
}
