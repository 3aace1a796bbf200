/**
 * Run summary, folded from the events one at a time (pure). The fold keeps what the figures need (one row per
 * round trip, or the newest of them: SummaryFoldOptions, one state per pair), never the events themselves, so a
 * run's memory does not grow with its uptime.
 *
 * What the figures mean:
 * - **Realised** (`grossPnlUsd`, `feesUsd`, `netPnlUsd`): price PnL of the round trips closed in this run and of
 *   the entry legs unwound (LEG_UNWOUND `grossPnlUsd`: an excess leg bought and sold back, on the failed entries'
 *   row of the trade table whether or not a smaller hedge was kept), and
 *   every fee paid in this run (entry, exit and unwind fills, including the entry of a position still open),
 *   their funding realised at the close (POSITION_CLOSED `fundingUsd`), so `netPnlUsd = grossPnlUsd − feesUsd +
 *   fundingUsd` holds at every moment. A close without a funding figure counts none (`fundingUnknownTrades`).
 * - **Unrealised** (`unrealisedPnlUsd`): each open position marked to the last books, as closing it would get
 *   (domain/pnl.ts): its gross minus the estimated exit fees, plus the funding it has accrued so far (the last
 *   FUNDING_ACCRUED). Its entry fees are already in the realised fees, so `netIfClosedNowUsd = netPnlUsd + unrealisedPnlUsd`.
 * - Every fill belongs to exactly one row of the trade table (a round trip, the position open at exit, or the
 *   failed entries and unwinds), so the table's totals are the header's figures.
 * - A rebate (a venue's negative taker fee) is a negative fee: fees below zero are a net rebate received.
 */
import type {
  ExitReason,
  OrderFilled,
  PositionMarkSample,
  PositionOpened,
  SpreadDetected,
  SpreadMonitoring,
  TradeEntry,
  TradeFailed,
  TradingEvent,
} from '../domain/events';
import type { VenueId } from '../domain/market';
import type { Direction } from '../domain/spread';
import type { PairExposure } from '../execution/types';
import { ClosedTrades, type SummaryFoldOptions } from './closed-trades';
import { countFundingCheck, type FundingChecks } from './funding-checks';
import { Drawdown } from './drawdown';
import { LatencyQuantiles } from './latency-quantiles';
import type { OpenAtExit, RunSummary, TradeOpening } from './summary-types';

export type { FeesByVenue, TradeOpening, RoundTrip, OpenAtExit, FeesOutsideTrades, RunSummary } from './summary-types';

/** Nearest-rank percentile of unsorted values; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

// ---------------------------------------------------------------------------------------------- the fold

interface Volume {
  size: number;
  notional: number;
}

/** A position from its signal to its close, as the fold builds it. */
interface Trip {
  direction: Direction | undefined;
  openedAt: number | undefined;
  restored: boolean;
  size: number | undefined;
  longVenue: VenueId | undefined;
  shortVenue: VenueId | undefined;
  longEntryPrice: number | undefined;
  shortEntryPrice: number | undefined;
  detectedSpread: number | undefined;
  entrySpread: number | undefined;
  fees: Partial<Record<VenueId, number>>;
  feesUsd: number;
  /** Close fills per venue (any fill while the position is open reduces it). */
  exitFills: Partial<Record<VenueId, Volume>>;
  exitDecision: { spread: number; reason: ExitReason | undefined } | undefined;
  closeFailures: number;
  mark: (PositionMarkSample & { time: number }) | undefined;
  accruedFundingUsd: number | undefined; // the last FUNDING_ACCRUED total, USD
}

type Phase = 'flat' | 'opening' | 'open';

interface PairState {
  phase: Phase;
  trip: Trip | undefined;
}

function newTrip(): Trip {
  return {
    direction: undefined,
    openedAt: undefined,
    restored: false,
    size: undefined,
    longVenue: undefined,
    shortVenue: undefined,
    longEntryPrice: undefined,
    shortEntryPrice: undefined,
    detectedSpread: undefined,
    entrySpread: undefined,
    fees: {},
    feesUsd: 0,
    exitFills: {},
    exitDecision: undefined,
    closeFailures: 0,
    mark: undefined,
    accruedFundingUsd: undefined,
  };
}

function addFee(into: Partial<Record<VenueId, number>>, venue: VenueId, fee: number): void {
  into[venue] = (into[venue] ?? 0) + fee;
}

function addFees(into: { feesUsd: number; fees: Partial<Record<VenueId, number>> }, trip: Trip): void {
  into.feesUsd += trip.feesUsd;
  for (const [venue, fee] of Object.entries(trip.fees) as [VenueId, number][]) addFee(into.fees, venue, fee);
}

function vwap(v: Volume | undefined): number | undefined {
  return v !== undefined && v.size > 0 ? v.notional / v.size : undefined;
}

/** Percent to basis points: 0.01 % = 1 bp. */
function bps(pct: number | undefined): number | undefined {
  return pct === undefined || !Number.isFinite(pct) ? undefined : pct * 100;
}

function diff(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) ? undefined : a - b;
}

/**
 * The summary as an incremental fold: `add` every event as it happens, read `summary()` at any time.
 * Memory is O(pairs + the rows kept), independent of how many spread samples the run saw; with `tradeRowsKept`
 * it does not grow with the round trips either (their figures are running sums; their rows go to `onTrade`).
 */
export class SummaryFold {
  private readonly pairs = new Map<string, PairState>();
  private readonly trades: ClosedTrades;
  /** Signal-to-fill latencies: exact for the first 10,000 round trips, then in bounded buckets (0.5 %). */
  private readonly latencies = new LatencyQuantiles();
  private readonly outside = { failedEntries: 0, fees: {} as Partial<Record<VenueId, number>>, feesUsd: 0, grossPnlUsd: 0, unwinds: 0, unwindsUnpriced: 0 };
  private opened = 0;
  private closed = 0;
  private grossPnlUsd = 0;
  private feesUsd = 0;
  /** Funding paid (−) or received (+) by the closed round trips, USD. */
  private fundingUsd = 0;
  private fundingUnknownTrades = 0;
  /** FUNDING_RECONCILED / FUNDING_MISMATCH so far: Σ diffUsd of the legs read (undefined: none), checks, mismatches. */
  private readonly venueFunding: FundingChecks = { checks: 0, mismatches: 0 };
  private legsUnwound = 0;
  private closeFailures = 0;
  private lateFills = 0;
  private firstEventAt: number | undefined;
  private lastEventAt: number | undefined;
  private readonly markedDrawdown = new Drawdown();
  private readonly realisedDrawdown = new Drawdown();

  constructor(options: SummaryFoldOptions = {}) {
    this.trades = new ClosedTrades(options);
  }

  /** Realised net so far: gross − fees + funding, USD. */
  realisedNetUsd(): number {
    return this.grossPnlUsd - this.feesUsd + this.fundingUsd;
  }

  /** Fees paid so far, USD. */
  paidFeesUsd(): number {
    return this.feesUsd;
  }

  fundingSoFarUsd(): number {
    return this.fundingUsd;
  }

  /** Realised funding plus what the open positions have accrued (their last FUNDING_ACCRUED), USD. */
  fundingWithAccruedUsd(): number {
    let accrued = 0;
    for (const p of this.pairs.values()) if (p.phase === 'open') accrued += p.trip?.accruedFundingUsd ?? 0;
    return this.fundingUsd + accrued;
  }

  /**
   * Realised net plus every open position's mark, USD; undefined while a position is open without a mark, or
   * a trade is half done (fills booked, position not yet opened or closed), when the sum would count a fee twice
   * or miss one.
   */
  netIfClosedNowUsd(): number | undefined {
    let unrealised = 0;
    for (const p of this.pairs.values()) {
      if (p.phase === 'flat') continue;
      const trip = p.trip;
      if (p.phase === 'opening') {
        if (trip !== undefined && trip.feesUsd !== 0) return undefined;
        continue;
      }
      if (trip?.mark === undefined || Object.keys(trip.exitFills).length > 0) return undefined;
      unrealised += trip.mark.netUsd + (trip.accruedFundingUsd ?? 0);
    }
    return this.realisedNetUsd() + unrealised;
  }

  add(e: TradingEvent): void {
    if (this.firstEventAt === undefined) {
      this.firstEventAt = e.time;
      this.markedDrawdown.start(e.time);
      this.realisedDrawdown.start(e.time);
    }
    this.lastEventAt = e.time;
    switch (e.type) {
      case 'SPREAD_DETECTED':
        return this.onSignal(e);
      case 'ORDER_FILLED':
        return this.onFill(e);
      case 'TRADE_ENTRY':
        return this.onEntry(e);
      case 'SLIPPAGE_ANALYSIS':
        this.openingTrip(e.pair).detectedSpread ??= e.detectionSpread;
        return;
      case 'TRADE_FAILED':
        return this.onEntryFailed(e);
      case 'POSITION_OPENED':
        return this.onOpened(e);
      case 'SPREAD_MONITORING':
        return this.onSample(e);
      case 'TRADE_EXIT': {
        const trip = this.pairs.get(e.pair)?.trip;
        if (trip !== undefined) trip.exitDecision = { spread: e.exitSpread, reason: e.reason };
        return;
      }
      case 'CLOSE_FAILED': {
        this.closeFailures++;
        const trip = this.pairs.get(e.pair)?.trip;
        if (trip !== undefined) trip.closeFailures++;
        return;
      }
      case 'POSITION_CLOSED':
        return this.closeTrip(e);
      case 'LEG_UNWOUND':
        return this.onUnwound(e);
      case 'FILL_CREDITED':
        return this.creditFill(e);
      case 'FUNDING_ACCRUED':
        if (this.pairs.get(e.pair)?.phase === 'open') this.pairs.get(e.pair)!.trip!.accruedFundingUsd = e.totalUsd;
        return;
      case 'FUNDING_RECONCILED':
      case 'FUNDING_MISMATCH':
        return countFundingCheck(this.venueFunding, e);
      default:
        return;
    }
  }

  private onSignal(e: SpreadDetected): void {
    const p = this.pair(e.pair);
    if (p.phase === 'open') return;
    // A signal while another entry is unresolved (never seen in order): its fills stay counted, outside trades.
    if (p.phase === 'opening' && p.trip !== undefined) this.moveOutside(p.trip);
    const trip = newTrip();
    trip.direction = e.direction;
    trip.detectedSpread = e.entrySpread;
    p.phase = 'opening';
    p.trip = trip;
  }

  /** Every fee counts in the run; it goes to the pair's trade in progress, else outside trades. */
  private onFill(e: OrderFilled): void {
    this.feesUsd += e.feeUsd;
    const p = this.pair(e.pair);
    const trip = p.trip;
    if (p.phase === 'open' && trip !== undefined) {
      const v = (trip.exitFills[e.venue] ??= { size: 0, notional: 0 });
      v.size += e.filledSize;
      v.notional += e.filledSize * e.avgPrice;
    }
    if (p.phase !== 'flat' && trip !== undefined) {
      trip.feesUsd += e.feeUsd;
      addFee(trip.fees, e.venue, e.feeUsd);
    } else {
      this.outside.feesUsd += e.feeUsd;
      addFee(this.outside.fees, e.venue, e.feeUsd);
    }
  }

  private onEntry(e: TradeEntry): void {
    this.latencies.add(e.latencyMs);
    const trip = this.openingTrip(e.pair);
    trip.direction = e.direction;
    trip.size = e.size;
    trip.longVenue = e.longVenue;
    trip.shortVenue = e.shortVenue;
    trip.longEntryPrice = e.longFillPrice;
    trip.shortEntryPrice = e.shortFillPrice;
    trip.entrySpread = e.entrySpread;
  }

  private onEntryFailed(e: TradeFailed): void {
    const p = this.pair(e.pair);
    if (p.phase === 'open') return;
    this.outside.failedEntries++;
    if (p.trip !== undefined) this.moveOutside(p.trip);
    p.phase = 'flat';
    p.trip = undefined;
    this.realisedDrawdown.observe(e.time, this.realisedNetUsd());
  }

  /** An excess entry leg sold or bought back: its price PnL is realised now, on the failed entries' row. */
  private onUnwound(e: Extract<TradingEvent, { type: 'LEG_UNWOUND' }>): void {
    this.legsUnwound++;
    this.outside.unwinds++;
    if (e.grossPnlUsd === undefined) {
      this.outside.unwindsUnpriced++;
      return;
    }
    this.grossPnlUsd += e.grossPnlUsd;
    this.outside.grossPnlUsd += e.grossPnlUsd;
    this.realisedDrawdown.observe(e.time, this.realisedNetUsd());
  }

  private onOpened(e: PositionOpened): void {
    this.opened++;
    const p = this.pair(e.pair);
    const trip = p.phase === 'opening' && p.trip !== undefined ? p.trip : newTrip();
    trip.direction = e.direction;
    trip.restored = e.restored;
    trip.openedAt = e.openedAt ?? e.time;
    trip.size ??= e.size;
    trip.entrySpread = e.entrySpread;
    trip.longVenue ??= e.longVenue;
    trip.shortVenue ??= e.shortVenue;
    trip.longEntryPrice ??= e.longEntryPrice;
    trip.shortEntryPrice ??= e.shortEntryPrice;
    p.phase = 'open';
    p.trip = trip;
  }

  /** A sample marks the open position to the books: the unrealised PnL and the marked drawdown move. */
  private onSample(e: SpreadMonitoring): void {
    const p = this.pairs.get(e.pair);
    if (p?.phase === 'open' && p.trip !== undefined && e.position !== undefined) p.trip.mark = { ...e.position, time: e.time };
    const marked = this.netIfClosedNowUsd();
    if (marked !== undefined) this.markedDrawdown.observe(e.time, marked);
  }

  /**
   * A fill found after the fact. Its fee is a fee paid in this run no ORDER_FILLED reported. Credited to a trade
   * already closed (a late close fill), it goes to that trade's row with its PnL; otherwise (found at a restart,
   * its trade reports its own PnL) the fee goes where an ORDER_FILLED's would, so the rows still add up.
   */
  private creditFill(e: Extract<TradingEvent, { type: 'FILL_CREDITED' }>): void {
    this.lateFills++;
    this.feesUsd += e.feeUsd;
    if (e.phase === 'unwind') return this.creditUnwindFill(e);
    const creditedPnlUsd = e.creditedPnlUsd ?? 0;
    this.grossPnlUsd += creditedPnlUsd;
    const credited = creditedPnlUsd !== 0 || e.creditedFeesUsd !== 0;
    // A late fill is found within seconds of its close, before the pair's next round trip can close.
    const last = credited ? this.trades.lastOf(e.pair) : undefined;
    if (last !== undefined) {
      const trade = last.row;
      const feesByVenue = { ...trade.feesByVenue, [e.venue]: (trade.feesByVenue[e.venue] ?? 0) + e.feeUsd };
      const grossPnlUsd = trade.grossPnlUsd + creditedPnlUsd;
      const feesUsd = trade.feesUsd + e.feeUsd;
      this.trades.replace(last.at, { ...trade, feesByVenue, feesUsd, grossPnlUsd, netPnlUsd: grossPnlUsd - feesUsd + trade.fundingUsd });
    } else {
      const p = this.pair(e.pair);
      if (p.phase !== 'flat' && p.trip !== undefined) {
        p.trip.feesUsd += e.feeUsd;
        addFee(p.trip.fees, e.venue, e.feeUsd);
      } else {
        this.outside.feesUsd += e.feeUsd;
        addFee(this.outside.fees, e.venue, e.feeUsd);
      }
    }
    this.realisedDrawdown.observe(e.time, this.realisedNetUsd());
  }
  /**
   * An unwind's fill found after a restart: its fee goes where an ORDER_FILLED's would, its price PnL (against the
   * leg's entry price) to the failed entries' row as a LEG_UNWOUND's does, or it is counted unpriced.
   */
  private creditUnwindFill(e: Extract<TradingEvent, { type: 'FILL_CREDITED' }>): void {
    const p = this.pair(e.pair);
    const feeRow = p.phase !== 'flat' && p.trip !== undefined ? p.trip : this.outside;
    feeRow.feesUsd += e.feeUsd;
    addFee(feeRow.fees, e.venue, e.feeUsd);
    if (e.filledSize > 0 && e.creditedPnlUsd === undefined) this.outside.unwindsUnpriced++;
    else if (e.creditedPnlUsd !== undefined) {
      this.grossPnlUsd += e.creditedPnlUsd;
      this.outside.grossPnlUsd += e.creditedPnlUsd;
    }
    this.realisedDrawdown.observe(e.time, this.realisedNetUsd());
  }


  /**
   * @param openAtExit positions still open when the run ended, as the executors report them (independent of
   *   the events, so `opened = closed + openAtExit` is a real check). Defaults to the count the events show.
   * @param exposureAtExit what the executors report left unhedged or unresolved at the venues.
   */
  summary(openAtExit?: number, exposureAtExit: readonly PairExposure[] = []): RunSummary {
    const trades = this.trades.list();
    const openPositions: OpenAtExit[] = [];
    const outside = { feesUsd: this.outside.feesUsd, fees: { ...this.outside.fees } };
    for (const [pair, p] of this.pairs) {
      if (p.phase === 'open' && p.trip !== undefined) openPositions.push({ ...this.opening(pair, p.trip), mark: p.trip.mark, accruedFundingUsd: p.trip.accruedFundingUsd });
      // An entry still unresolved when the run ended: its fills are counted with the trades that failed.
      if (p.phase === 'opening' && p.trip !== undefined) addFees(outside, p.trip);
    }
    const marks = openPositions.map((o) => o.mark);
    const allMarked = marks.every((m) => m !== undefined);
    const sum = (pick: (m: PositionMarkSample) => number) => (allMarked ? marks.reduce((acc, m) => acc + pick(m!), 0) : undefined);
    const unrealisedFundingUsd = allMarked ? openPositions.reduce((acc, o) => acc + (o.accruedFundingUsd ?? 0), 0) : undefined;
    const marked = sum((m) => m.netUsd);
    const unrealisedPnlUsd = marked === undefined || unrealisedFundingUsd === undefined ? undefined : marked + unrealisedFundingUsd;
    const netPnlUsd = this.realisedNetUsd();
    return {
      roundTrips: this.trades.count,
      opened: this.opened,
      closed: this.closed,
      openAtExit: openAtExit ?? openPositions.length,
      grossPnlUsd: this.grossPnlUsd,
      feesUsd: this.feesUsd,
      fundingUsd: this.fundingUsd,
      fundingUnknownTrades: this.fundingUnknownTrades,
      fundingVenueDiffUsd: this.venueFunding.diffUsd,
      fundingChecks: this.venueFunding.checks,
      fundingMismatches: this.venueFunding.mismatches,
      fundingHeldChecks: this.venueFunding.heldChecks ?? 0,
      fundingHeldMismatches: this.venueFunding.heldMismatches ?? 0,
      netPnlUsd,
      unrealisedGrossPnlUsd: sum((m) => m.grossUsd),
      unrealisedExitFeesUsd: sum((m) => m.exitFeesUsd),
      unrealisedFundingUsd,
      unrealisedPnlUsd,
      netIfClosedNowUsd: unrealisedPnlUsd === undefined ? undefined : netPnlUsd + unrealisedPnlUsd,
      unrealisedMarkedAt: allMarked && marks.length > 0 ? Math.min(...marks.map((m) => m!.time)) : undefined,
      maxDrawdownUsd: this.markedDrawdown.max,
      maxDrawdownFrom: this.markedDrawdown.from,
      maxDrawdownTo: this.markedDrawdown.to,
      maxDrawdownRealisedUsd: this.realisedDrawdown.max,
      winRate: this.trades.winRate,
      avgHoldMs: this.trades.avgHoldMs,
      signalToFillP50Ms: this.latencies.percentile(50),
      signalToFillP99Ms: this.latencies.percentile(99),
      legsUnwound: this.legsUnwound,
      closeFailures: this.closeFailures,
      lateFills: this.lateFills,
      exposureAtExit: [...exposureAtExit],
      firstEventAt: this.firstEventAt,
      lastEventAt: this.lastEventAt,
      trades,
      tradesNotListed: this.trades.count - trades.length,
      byPair: this.trades.byPair(),
      openPositions,
      outsideTrades: this.outsideTrades(outside),
    };
  }

  private outsideTrades(withOpening: { feesUsd: number; fees: Partial<Record<VenueId, number>> }): RunSummary['outsideTrades'] {
    const { failedEntries, unwinds, grossPnlUsd, unwindsUnpriced } = this.outside;
    return { failedEntries, feesByVenue: withOpening.fees, feesUsd: withOpening.feesUsd, unwinds, grossPnlUsd, unwindsUnpriced };
  }

  private moveOutside(trip: Trip): void {
    addFees(this.outside, trip);
    trip.feesUsd = 0;
    trip.fees = {};
  }

  private pair(pair: string): PairState {
    let p = this.pairs.get(pair);
    if (p === undefined) {
      p = { phase: 'flat', trip: undefined };
      this.pairs.set(pair, p);
    }
    return p;
  }

  /** The trip being opened on a pair; a fill report without a signal before it starts one. */
  private openingTrip(pair: string): Trip {
    const p = this.pair(pair);
    if (p.trip === undefined) {
      p.trip = newTrip();
      p.phase = 'opening';
    }
    return p.trip;
  }

  private opening(pair: string, trip: Trip): TradeOpening {
    const entrySpread = trip.entrySpread ?? Number.NaN;
    return {
      pair,
      direction: trip.direction ?? 'AOverB',
      openedAt: trip.openedAt ?? Number.NaN,
      restored: trip.restored,
      size: trip.size,
      longVenue: trip.longVenue,
      shortVenue: trip.shortVenue,
      longEntryPrice: trip.longEntryPrice,
      shortEntryPrice: trip.shortEntryPrice,
      notionalUsd: trip.size !== undefined && trip.longEntryPrice !== undefined ? trip.size * trip.longEntryPrice : undefined,
      detectedSpread: trip.detectedSpread,
      entrySpread,
      entrySlippageBps: bps(diff(trip.detectedSpread, entrySpread)),
      feesByVenue: { ...trip.fees },
      feesUsd: trip.feesUsd,
    };
  }

  private closeTrip(e: Extract<TradingEvent, { type: 'POSITION_CLOSED' }>): void {
    this.closed++;
    const gross = e.grossPnlUsd ?? 0;
    this.grossPnlUsd += gross;
    const funding = e.fundingUsd ?? 0;
    this.fundingUsd += funding;
    this.fundingUnknownTrades += e.fundingUsd === undefined ? 1 : 0;
    const p = this.pair(e.pair);
    const trip = p.trip ?? newTrip();
    trip.entrySpread ??= e.entrySpread;
    trip.openedAt ??= e.time;
    const opening = this.opening(e.pair, trip);
    const longExitPrice = trip.longVenue !== undefined ? vwap(trip.exitFills[trip.longVenue]) : undefined;
    const shortExitPrice = trip.shortVenue !== undefined ? vwap(trip.exitFills[trip.shortVenue]) : undefined;
    const exitFillSpread =
      longExitPrice !== undefined && shortExitPrice !== undefined ? ((longExitPrice - shortExitPrice) / shortExitPrice) * 100 : undefined;
    // The close's own fee figure covers the entry too; what this run's fills do not show was paid by an earlier run.
    const earlierRunFeesUsd = trip.restored && e.feesUsd !== undefined ? Math.max(0, e.feesUsd - trip.feesUsd) : 0;
    this.trades.add({
      ...opening,
      closedAt: e.time,
      exitSpread: e.exitSpread,
      longExitPrice,
      shortExitPrice,
      exitFillSpread,
      exitSlippageBps: bps(diff(e.exitSpread, exitFillSpread)),
      exitReason: e.reason ?? trip.exitDecision?.reason,
      closeFailures: trip.closeFailures,
      grossPnlUsd: gross,
      fundingUsd: funding,
      ...(e.fundingUsd === undefined ? { fundingNote: e.fundingNote ?? 'funding not tracked' } : {}),
      netPnlUsd: gross - trip.feesUsd + funding,
      earlierRunFeesUsd,
    });
    p.phase = 'flat';
    p.trip = undefined;
    this.realisedDrawdown.observe(e.time, this.realisedNetUsd());
    const marked = this.netIfClosedNowUsd();
    if (marked !== undefined) this.markedDrawdown.observe(e.time, marked);
  }
}

/** The summary of a whole event log at once. */
export function summarize(log: Iterable<TradingEvent>, openAtExit?: number, exposureAtExit: readonly PairExposure[] = []): RunSummary {
  const fold = new SummaryFold();
  for (const e of log) fold.add(e);
  return fold.summary(openAtExit, exposureAtExit);
}

export type { PairRealised, SummaryFoldOptions } from './closed-trades';
// Presentation lives in summary-format.ts; re-exported so `report/summary` stays the one import for both.
export { summaryFigures, summaryJson, summaryTable, usd } from './summary-format';
export type { PairRunSettings, RunFiles, RunSettings, SummaryFigure } from './summary-format';
