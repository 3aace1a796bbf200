/**
 * What a running bot shows its operator (the API's /api/status, the dashboard, /metrics): folded from the
 * event stream as it happens, bounded in memory (a fixed ring of recent events, one entry per pair and feed),
 * plus live feed counters read when asked. No I/O, no timers: the clock is passed in.
 *
 * Money figures come from the run's own summary (report/summary.ts), so the API, the report and the
 * closing table always say the same thing.
 */
import { MAX_LOSS_HALT_REASON, type PositionMarkSample, type TradingEvent, type TradingEventType } from '../domain/events';
import type { Direction } from '../domain/spread';
import type { VenueId } from '../domain/market';
import type { FeedStats } from '../venues/venue';
import type { RunSummary } from '../report/summary';
import { SpreadHistory, type SpreadPoint } from './spread-history';
import { lossBudgetView, type LossBudgetView } from '../report/loss-budget';

/** What one pair is doing now. */
export type PairPhase = 'starting' | 'watching' | 'entering' | 'in_position' | 'closing' | 'stopped';

export interface PairView {
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Entry threshold on the net entry spread, and exit target on the exit spread, percent. */
  readonly spreadEntry: number;
  readonly spreadExit: number;
  phase: PairPhase;
  halted: boolean;
  haltReason: string | undefined;
  haltUntil: number | undefined;
  /** Set once the run's loss limit halted the pair: that halt holds for the rest of the run (no resume). */
  lossHalt: string | undefined;
  /** Latest spread sample (percent): net and gross entry spreads and exit spreads per direction. */
  spreads: {
    time: number;
    netEntryAOverB?: number;
    netEntryBOverA?: number;
    entryAOverB?: number;
    entryBOverA?: number;
    exitAOverB?: number;
    exitBOverA?: number;
  } | undefined;
  bookAgeMs: { a?: number; b?: number };
  position:
    | {
        direction: Direction;
        size: number;
        entrySpread: number;
        openedAt: number | undefined;
        restored: boolean;
        longVenue: VenueId | undefined;
        shortVenue: VenueId | undefined;
        /** Marked to the last books (unrealised, net of estimated exit fees), when they could price it. */
        mark: (PositionMarkSample & { time: number }) | undefined;
      }
    | undefined;
  closeFailures: number;
  legsUnwound: number;
}

export interface FeedView {
  readonly venue: VenueId;
  readonly symbol: string;
  stale: boolean;
  staleReason: string | undefined;
  staleSince: number | undefined;
  lagMs: number | undefined;
}

/** A feed the run opened, with its live counters. */
export interface TrackedFeed {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly stats: Readonly<FeedStats>;
}

export interface OrderCounts {
  placed: number;
  filled: number;
  failed: number;
}

export interface OpsStateOptions {
  readonly mode: 'sim' | 'paper' | 'live' | 'replay';
  readonly pairs: readonly { pair: string; dexA: VenueId; dexB: VenueId; spreadEntry: number; spreadExit: number }[];
  /** Recent events kept for /api/events (spread samples and position polls excluded). Default 200. */
  readonly recentLimit?: number;
  /** Points of each pair's spread history for the dashboard's chart, one a second. Default 900 (15 minutes). */
  readonly spreadHistoryPoints?: number;
}

/** Events too frequent for the tail: they are summarised in each pair's spreads and position instead. */
const SAMPLE_EVENTS: ReadonlySet<TradingEventType> = new Set(['SPREAD_MONITORING', 'POSITION_MONITORING']);

export function isSampleEvent(e: TradingEvent): boolean {
  return SAMPLE_EVENTS.has(e.type);
}

export class OpsState {
  readonly mode: OpsStateOptions['mode'];
  readonly startedAt: number;
  readonly pairs = new Map<string, PairView>();
  readonly feeds = new Map<string, FeedView>();
  readonly trackedFeeds: TrackedFeed[] = [];
  /** Per pair and venue. */
  readonly orders = new Map<string, OrderCounts>();
  readonly eventCounts = new Map<TradingEventType, number>();
  lastEventAt: number | undefined;
  stopping: string | undefined;
  private readonly recent: TradingEvent[] = [];
  private readonly recentLimit: number;
  private seq = 0;
  /** Per pair: the recent spreads, for the dashboard's chart. */
  private readonly histories = new Map<string, SpreadHistory>();
  private readonly spreadHistoryPoints: number | undefined;

  constructor(options: OpsStateOptions, now: number) {
    this.mode = options.mode;
    this.startedAt = now;
    this.recentLimit = options.recentLimit ?? 200;
    this.spreadHistoryPoints = options.spreadHistoryPoints;
    for (const p of options.pairs) {
      this.pairs.set(p.pair, {
        ...p,
        phase: 'starting',
        halted: false,
        haltReason: undefined,
        haltUntil: undefined,
        lossHalt: undefined,
        spreads: undefined,
        bookAgeMs: {},
        position: undefined,
        closeFailures: 0,
        legsUnwound: 0,
      });
    }
  }

  /** Events seen so far (the id of the last one in the tail). */
  get eventSeq(): number {
    return this.seq;
  }

  trackFeed(feed: TrackedFeed): void {
    this.trackedFeeds.push(feed);
    this.feedView(feed.venue, feed.symbol);
  }

  /** The last `limit` notable events, oldest first. */
  recentEvents(limit = this.recentLimit): TradingEvent[] {
    return this.recent.slice(Math.max(0, this.recent.length - limit));
  }

  observe(e: TradingEvent): void {
    this.seq++;
    this.lastEventAt = e.time;
    this.eventCounts.set(e.type, (this.eventCounts.get(e.type) ?? 0) + 1);
    if (!SAMPLE_EVENTS.has(e.type)) {
      this.recent.push(e);
      if (this.recent.length > this.recentLimit) this.recent.splice(0, this.recent.length - this.recentLimit);
    }
    if ('pair' in e) {
      const view = this.pairs.get(e.pair);
      if (view) this.observePair(view, e);
      if (e.type === 'ORDER_PLACED' || e.type === 'ORDER_FILLED' || e.type === 'ORDER_FAILED') this.countOrder(e.pair, e.venue, e.type);
    } else this.observeRun(e);
  }

  private observeRun(e: TradingEvent): void {
    if (e.type === 'BOT_STARTED') for (const p of this.pairs.values()) if (p.phase === 'starting') p.phase = 'watching';
    if (e.type === 'BOT_SHUTDOWN') for (const p of this.pairs.values()) p.phase = 'stopped';
    if (e.type === 'FEED_STALE') {
      const feed = this.feedView(e.venue, e.symbol);
      if (!feed.stale) feed.staleSince = e.time;
      Object.assign(feed, { stale: true, staleReason: e.reason, lagMs: e.lagMs });
    }
    if (e.type === 'FEED_FRESH') Object.assign(this.feedView(e.venue, e.symbol), { stale: false, staleReason: undefined, staleSince: undefined, lagMs: undefined });
  }

  private countOrder(pair: string, venue: VenueId, type: 'ORDER_PLACED' | 'ORDER_FILLED' | 'ORDER_FAILED'): void {
    const key = `${pair}\u0000${venue}`;
    const counts = this.orders.get(key) ?? { placed: 0, filled: 0, failed: 0 };
    if (type === 'ORDER_PLACED') counts.placed++;
    else if (type === 'ORDER_FILLED') counts.filled++;
    else counts.failed++;
    this.orders.set(key, counts);
  }

  private observePair(view: PairView, e: TradingEvent): void {
    switch (e.type) {
      case 'SPREAD_MONITORING':
        this.sample(view, e);
        break;
      case 'SPREAD_DETECTED':
      case 'TRADE_FAILED':
        if (view.position === undefined) view.phase = e.type === 'SPREAD_DETECTED' ? 'entering' : 'watching';
        break;
      case 'POSITION_OPENED':
        view.phase = 'in_position';
        view.position = {
          direction: e.direction,
          size: e.size,
          entrySpread: e.entrySpread,
          openedAt: e.openedAt ?? e.time,
          restored: e.restored,
          longVenue: e.longVenue,
          shortVenue: e.shortVenue,
          mark: undefined,
        };
        break;
      case 'TRADE_EXIT':
        view.phase = 'closing';
        break;
      case 'POSITION_CLOSED':
        view.position = undefined;
        view.phase = 'watching';
        break;
      case 'CLOSE_FAILED':
        view.closeFailures++;
        if (view.position) view.phase = 'in_position';
        break;
      case 'LEG_UNWOUND':
        view.legsUnwound++;
        break;
      case 'TRADING_HALTED':
        Object.assign(view, { halted: true, haltReason: e.reason, haltUntil: e.until });
        if (e.reason.startsWith(MAX_LOSS_HALT_REASON)) view.lossHalt = e.reason;
        break;
      case 'TRADING_RESUMED':
        // An operator halt cleared under a loss halt: the pair still does not enter.
        if (view.lossHalt !== undefined) Object.assign(view, { halted: true, haltReason: view.lossHalt, haltUntil: undefined });
        else Object.assign(view, { halted: false, haltReason: undefined, haltUntil: undefined });
        break;
      default:
        break;
    }
  }

  private sample(view: PairView, e: Extract<TradingEvent, { type: 'SPREAD_MONITORING' }>): void {
    view.spreads = {
      time: e.time,
      ...defined({
        netEntryAOverB: e.netEntryAOverB,
        netEntryBOverA: e.netEntryBOverA,
        entryAOverB: e.entryAOverB,
        entryBOverA: e.entryBOverA,
        exitAOverB: e.exitAOverB,
        exitBOverA: e.exitBOverA,
      }),
    };
    view.bookAgeMs = defined({ a: e.bookAgeAMs, b: e.bookAgeBMs });
    if (view.position && e.position) view.position.mark = { ...e.position, time: e.time };
    const held = view.position?.direction;
    const heldExit = held === 'AOverB' ? e.exitAOverB : held === 'BOverA' ? e.exitBOverA : undefined;
    this.historyOf(view.pair).add([e.time, e.netEntryAOverB ?? null, e.netEntryBOverA ?? null, heldExit ?? null]);
    if (view.phase === 'starting') view.phase = 'watching';
  }

  /** The pair's recent spread samples (at most one per second, the last 15 minutes), oldest first. */
  spreadHistory(pair: string): SpreadPoint[] {
    return this.histories.get(pair)?.list() ?? [];
  }

  private historyOf(pair: string): SpreadHistory {
    let history = this.histories.get(pair);
    if (!history) {
      history = new SpreadHistory(this.spreadHistoryPoints);
      this.histories.set(pair, history);
    }
    return history;
  }

  /** Whether a halt is in force now (a cooldown that ran out is not). */
  haltedNow(view: PairView, now: number): boolean {
    return view.halted && (view.haltUntil === undefined || now < view.haltUntil);
  }

  /** The JSON of GET /api/status. `summary` is the run's money figures at this moment. */
  status(now: number, summary: RunSummary | undefined): StatusJson {
    return {
      mode: this.mode,
      startedAt: this.startedAt,
      now,
      uptimeSec: Math.round((now - this.startedAt) / 1000),
      stopping: this.stopping ?? null,
      lastEventAt: this.lastEventAt ?? null,
      pairs: [...this.pairs.values()].map((p) => this.pairStatus(p, now, summary)),
      pnl: summary
        ? {
            realisedGrossUsd: summary.grossPnlUsd,
            feesUsd: summary.feesUsd,
            fundingUsd: summary.fundingUsd,
            realisedNetUsd: summary.netPnlUsd,
            unrealisedNetUsd: summary.unrealisedPnlUsd ?? null,
            netIfClosedNowUsd: summary.netIfClosedNowUsd ?? null,
            roundTrips: summary.roundTrips,
            note: 'realised net = gross − every fee paid this run + funding; unrealised = open positions marked to the last books, net of estimated exit fees',
          }
        : null,
      lossBudget: summary?.lossBudget ? { ...lossBudgetView(summary.lossBudget), halted: [...this.pairs.values()].some((p) => p.lossHalt !== undefined) } : null,
      feeds: [...this.feeds.values()].map((f) => this.feedStatus(f, now)),
      eventSeq: this.seq,
    };
  }

  private pairStatus(p: PairView, now: number, summary: RunSummary | undefined): StatusJson['pairs'][number] {
    // The running sums: the summary's rows may be only the newest of a long run's round trips.
    const realised = summary?.byPair[p.pair];
    const halted = this.haltedNow(p, now);
    return {
      pair: p.pair,
      dexA: p.dexA,
      dexB: p.dexB,
      spreadEntry: p.spreadEntry,
      spreadExit: p.spreadExit,
      phase: p.phase,
      halted,
      haltReason: halted ? (p.haltReason ?? null) : null,
      haltUntil: halted ? (p.haltUntil ?? null) : null,
      lossHalt: p.lossHalt ?? null,
      spreads: p.spreads ?? null,
      bookAgeMs: p.bookAgeMs,
      position: p.position ?? null,
      realised: {
        roundTrips: realised?.roundTrips ?? 0,
        grossPnlUsd: realised?.grossPnlUsd ?? 0,
        feesUsd: realised?.feesUsd ?? 0,
        fundingUsd: realised?.fundingUsd ?? 0,
        netPnlUsd: realised?.netPnlUsd ?? 0,
      },
      closeFailures: p.closeFailures,
      legsUnwound: p.legsUnwound,
    };
  }

  private feedStatus(f: FeedView, now: number): StatusJson['feeds'][number] {
    const stats = this.trackedFeeds.filter((t) => t.venue === f.venue && t.symbol === f.symbol).map((t) => t.stats);
    const lastUpdateAt = Math.max(0, ...stats.map((s) => s.lastUpdateAt));
    return {
      venue: f.venue,
      symbol: f.symbol,
      stale: f.stale,
      staleReason: f.staleReason ?? null,
      staleSince: f.staleSince ?? null,
      lagMs: f.lagMs ?? stats.find((s) => s.lagMs !== undefined)?.lagMs ?? null,
      lastUpdateAgeMs: lastUpdateAt > 0 ? Math.max(0, now - lastUpdateAt) : null,
      frames: sum(stats.map((s) => s.frames)),
      decodeErrors: sum(stats.map((s) => s.decodeErrors)),
      resyncs: sum(stats.map((s) => s.resyncs)),
      reconnects: sum(stats.map((s) => s.reconnects)),
    };
  }

  private feedView(venue: VenueId, symbol: string): FeedView {
    const key = `${venue}\u0000${symbol}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = { venue, symbol, stale: false, staleReason: undefined, staleSince: undefined, lagMs: undefined };
      this.feeds.set(key, feed);
    }
    return feed;
  }
}

export interface StatusJson {
  mode: string;
  startedAt: number;
  now: number;
  uptimeSec: number;
  stopping: string | null;
  lastEventAt: number | null;
  pairs: {
    pair: string;
    dexA: VenueId;
    dexB: VenueId;
    spreadEntry: number;
    spreadExit: number;
    phase: PairPhase;
    halted: boolean;
    haltReason: string | null;
    haltUntil: number | null;
    /** The run's loss limit halted the pair (reason): it holds until the bot restarts. */
    lossHalt: string | null;
    spreads: PairView['spreads'] | null;
    bookAgeMs: PairView['bookAgeMs'];
    position: PairView['position'] | null;
    /** The pair's closed round trips: netPnlUsd = grossPnlUsd − feesUsd + fundingUsd. */
    realised: { roundTrips: number; grossPnlUsd: number; feesUsd: number; fundingUsd: number; netPnlUsd: number };
    closeFailures: number;
    legsUnwound: number;
  }[];
  pnl: {
    realisedGrossUsd: number;
    feesUsd: number;
    fundingUsd: number;
    realisedNetUsd: number;
    unrealisedNetUsd: number | null;
    netIfClosedNowUsd: number | null;
    roundTrips: number;
    note: string;
  } | null;
  /**
   * The loss budget (risk.max_loss_usd) the journals keep across restarts: what they held at the start, what this
   * run counted, what is left, and whether the limit halted this run's pairs. null: not known (no journals read).
   */
  lossBudget: (LossBudgetView & { halted: boolean }) | null;
  feeds: {
    venue: VenueId;
    symbol: string;
    stale: boolean;
    staleReason: string | null;
    staleSince: number | null;
    lagMs: number | null;
    lastUpdateAgeMs: number | null;
    frames: number;
    decodeErrors: number;
    resyncs: number;
    reconnects: number;
  }[];
  eventSeq: number;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) if (Number.isFinite(v)) total += v;
  return total;
}

/** The fields that are set (JSON and optional properties alike drop undefined). */
function defined<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  const out: { [K in keyof T]?: number } = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined && Number.isFinite(o[k])) out[k] = o[k];
  return out;
}
