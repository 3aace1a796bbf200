/**
 * Trading events: a discriminated union on `type`, keeping the original bot's SCREAMING_SNAKE
 * names (original-bot.md §9) and adding the kinds this project needs. Every event has `time` (ms).
 * Spreads and profits are percent; money is USD.
 */
import type { EntryCarry } from './carry';
import type { Direction } from './spread';
import type { VenueId } from './market';

interface Base<T extends string> {
  readonly type: T;
  readonly time: number;
}

export interface BotStarted extends Base<'BOT_STARTED'> {
  readonly mode: 'sim' | 'paper' | 'live' | 'replay';
  readonly pairs: readonly string[];
}
export interface BotShutdown extends Base<'BOT_SHUTDOWN'> {
  readonly reason: string;
}
export interface SpreadDetected extends Base<'SPREAD_DETECTED'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly entrySpread: number;
  readonly netSpread: number;
  readonly threshold: number;
  /**
   * How much of the edge is funding carry: the decision compared `netSpread + carry.carryPct` with the threshold
   * (carryPct, holdHours, where the hold came from, both venues' hourly rates); 'not tracked' counts 0.
   */
  readonly carry?: EntryCarry;
  /** The tick the entry was decided on, so a chart puts the decision on the data it saw. */
  readonly tick?: DecidingTick;
}
/**
 * Both directions' gross entry spreads (percent, VWAP for the position size) of the tick a decision was made
 * on, at that tick's time. The exit spread of an AOverB position is the BOverA entry spread and vice versa,
 * so these two figures place entries and exits alike.
 */
export interface DecidingTick {
  readonly time: number;
  readonly entryAOverB?: number;
  readonly entryBOverA?: number;
}
/**
 * Why a position was closed: its exit target was reached, the run closed it on shutdown (`--close-on-exit`),
 * a close interrupted by a restart was finished, or an operator flattened the bot (the API's kill switch).
 * Also: the position was held `risk.max_duration_hours` (`max_duration`), or the funding carry turned against
 * it beyond `bots[].funding_exit_bps_per_hour` (`adverse_funding`).
 */
export type ExitReason = 'exit_target' | 'close_on_exit' | 'resume_close' | 'flatten' | 'max_duration' | 'adverse_funding';
/** Periodic spread sample for both directions (for status lines and the report). */
export interface SpreadMonitoring extends Base<'SPREAD_MONITORING'> {
  readonly pair: string;
  /** Entry spreads per direction (VWAP for the position size); undefined when a side is missing or too thin. */
  readonly entryAOverB?: number;
  readonly entryBOverA?: number;
  /** Entry spreads per direction net of the round trip's taker fees (what the entry threshold is compared with). */
  readonly netEntryAOverB?: number;
  readonly netEntryBOverA?: number;
  /** Exit spreads per direction, as if a position in that direction were open. */
  readonly exitAOverB?: number;
  readonly exitBOverA?: number;
  /** Age of each book at the sample, ms (feed health). */
  readonly bookAgeAMs?: number;
  readonly bookAgeBMs?: number;
  /** The pair's open position marked to these books (domain/pnl.ts), when one is open and both books can price it. */
  readonly position?: PositionMarkSample;
}
/** An open position marked to close now: unrealised, USD. `netUsd` = `grossUsd` − `exitFeesUsd` (entry fees already paid). */
export interface PositionMarkSample {
  readonly direction: Direction;
  readonly size: number;
  readonly entrySpread: number;
  readonly longEntryPrice: number;
  readonly shortEntryPrice: number;
  readonly longExitPrice: number;
  readonly shortExitPrice: number;
  readonly grossUsd: number;
  readonly exitFeesUsd: number;
  readonly netUsd: number;
}
export interface TradeEntry extends Base<'TRADE_ENTRY'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly entrySpread: number;
  /** The entry threshold (not the exit target: that was the original's quirk §13.3). */
  readonly spreadThreshold: number;
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  readonly size: number;
  readonly longFillPrice: number;
  readonly shortFillPrice: number;
  readonly feesUsd: number;
  /** Signal detection to both fills confirmed, ms. */
  readonly latencyMs: number;
}
export interface TradeFailed extends Base<'TRADE_FAILED'> {
  readonly pair: string;
  readonly reason: string;
}
export interface OrderPlaced extends Base<'ORDER_PLACED'> {
  readonly pair: string;
  readonly venue: VenueId;
  readonly clientId: string;
  readonly side: 'BUY' | 'SELL';
  readonly size: number;
  readonly reduceOnly: boolean;
}
export interface OrderFilled extends Base<'ORDER_FILLED'> {
  readonly pair: string;
  readonly venue: VenueId;
  readonly clientId: string;
  readonly filledSize: number;
  readonly avgPrice: number;
  readonly feeUsd: number;
  readonly latencyMs: number;
}
export interface OrderFailed extends Base<'ORDER_FAILED'> {
  readonly pair: string;
  readonly venue: VenueId;
  readonly clientId: string;
  readonly reason: string;
}
export interface PositionOpened extends Base<'POSITION_OPENED'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly entrySpread: number;
  readonly size: number;
  readonly restored: boolean;
  /** The legs, when known (a restored position has no TRADE_ENTRY in this run to tell them). */
  readonly longVenue?: VenueId;
  readonly shortVenue?: VenueId;
  readonly longEntryPrice?: number;
  readonly shortEntryPrice?: number;
  /** When the position was first opened, ms (earlier than `time` for a restored position). */
  readonly openedAt?: number;
  /** USD per USDC the position's figures are taken at, when not 1 (its own: a restored position keeps the rate it opened at). */
  readonly usdcUsd?: number;
}
export interface PositionMonitoring extends Base<'POSITION_MONITORING'> {
  readonly pair: string;
  readonly polls: number;
  readonly entrySpread: number;
  readonly exitSpread: number | undefined;
  readonly exitTarget: number;
}
export interface TradeExit extends Base<'TRADE_EXIT'> {
  readonly pair: string;
  readonly polls: number;
  readonly entrySpread: number;
  readonly exitSpread: number;
  readonly exitTarget: number;
  /** entrySpread + exitSpread, percent. */
  readonly profit: number;
  readonly reason?: ExitReason;
  /** With reason 'adverse_funding': the position's carry when it was decided, bps of notional per hour (negative = paying). */
  readonly carryBpsPerHour?: number;
  /** The tick the exit was decided on (`exitSpread` is its spread for the position's direction). */
  readonly tick?: DecidingTick;
}
export interface PositionClosed extends Base<'POSITION_CLOSED'> {
  readonly pair: string;
  readonly polls: number;
  readonly entrySpread: number;
  readonly exitSpread: number;
  readonly profit: number;
  /** Realised PnL when the close effect reports it. */
  readonly grossPnlUsd?: number;
  readonly feesUsd?: number;
  readonly reason?: ExitReason;
  /**
   * Funding the position paid (−) or received (+) from entry to close, both legs, USD, from the venues'
   * cumulative indexes (realised with the close). Absent when it is unknown: `fundingNote` says why.
   */
  readonly fundingUsd?: number;
  readonly fundingNote?: string;
  /** `fundingUsd` per leg (long + short = fundingUsd), what FUNDING_RECONCILED compares with each venue's figure. */
  readonly fundingLongUsd?: number;
  readonly fundingShortUsd?: number;
}
/** One leg of a funding reconciliation: the bot's figure and its venue's, USD (+ = received). */
export interface FundingLegCheck {
  readonly leg: 'long' | 'short';
  readonly venue: VenueId;
  readonly symbol: string;
  /** The bot's figure, from its index differences. */
  readonly botUsd: number;
  /** The venue's own figure (Paradex funding payments, Vest settledFunding); absent when it could not be read. */
  readonly venueUsd?: number;
  /** venueUsd − botUsd. */
  readonly diffUsd?: number;
  /** The bound the difference was held to, USD. */
  readonly toleranceUsd: number;
  /** Where the venue's figure came from, e.g. 'GET /funding/payments: 2 payments'. */
  readonly source?: string;
  /** 'venue figure unavailable: …' when it could not be read. */
  readonly unavailable?: string;
}
/**
 * A closed position's funding, the bot's figure (index differences) against each venue's own (FUNDING_RECONCILED:
 * every leg read agrees within its tolerance; FUNDING_MISMATCH: one does not). Totals cover the legs read.
 */
interface FundingCheck {
  readonly pair: string;
  readonly direction: Direction;
  readonly size: number;
  /** From when the venues' figures were summed, ms (the position's open). */
  readonly sinceMs: number;
  readonly legs: readonly FundingLegCheck[];
  readonly botUsd: number;
  /** Σ venueUsd of the legs read; absent when none was. */
  readonly venueUsd?: number;
  /** Σ diffUsd of the legs read (venue − bot); absent when none was. */
  readonly diffUsd?: number;
  /** Set when a leg's venue figure could not be read: that leg is unchecked, never counted as agreeing. */
  readonly unavailable?: string;
  /** A periodic check of a position still held (risk.funding_reconcile_minutes): accrued so far, not realised. Absent: after the close. */
  readonly whileHeld?: true;
}
export interface FundingReconciled extends Base<'FUNDING_RECONCILED'>, FundingCheck {}
export interface FundingMismatch extends Base<'FUNDING_MISMATCH'>, FundingCheck {}
/**
 * Funding an open position has accrued since entry, per leg and in total, USD (positive = received),
 * from the venues' cumulative indexes at entry and now; not realised until the close (`realised: false`).
 */
export interface FundingAccrued extends Base<'FUNDING_ACCRUED'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly size: number;
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  readonly longUsd: number;
  readonly shortUsd: number;
  readonly totalUsd: number;
  /** Each leg's venue rate at the time, fraction of notional per hour (positive = longs pay shorts). */
  readonly longRatePerHour: number;
  readonly shortRatePerHour: number;
  readonly realised: false;
}
export interface CloseFailed extends Base<'CLOSE_FAILED'> {
  readonly pair: string;
  readonly polls: number;
  readonly reason: string;
}
export interface ExitMonitorStopped extends Base<'EXIT_MONITOR_STOPPED'> {
  readonly pair: string;
  readonly polls: number;
  /** 'flatten': an operator's flatten ended the watch (the position is closed next, reason flatten), not the run's stop. */
  readonly reason: 'closed' | 'shutdown' | 'flatten';
}
export interface LegUnwound extends Base<'LEG_UNWOUND'> {
  readonly pair: string;
  readonly venue: VenueId;
  /** Signed base size that was unwound (+ = sold a long excess). */
  readonly size: number;
  readonly ok: boolean;
  readonly reason: string;
  /**
   * Price PnL realised by the unwind's fills against the leg's entry fill price, USD (usually a loss: the excess
   * was bought at the ask and sold at the bid, or the reverse). Counted in the run's gross and net PnL and in
   * the loss limit. Absent when unknown (an entry price or a fill price the venue did not report).
   */
  readonly grossPnlUsd?: number;
}
/**
 * A fill found after the fact (an order whose reply was lost, looked up after its trade closed, or
 * found after a restart) and credited. `feeUsd` is a fee no ORDER_FILLED reported (it counts in the
 * run's fees). `creditedPnlUsd` / `creditedFeesUsd` are what it adds to a trade already reported
 * closed (0 when the trade's own POSITION_CLOSED includes it), or for an unwind found after a restart
 * the price PnL it realised against its leg's entry price (a failed entry's, like LEG_UNWOUND's); they
 * count in the loss limit.
 */
export interface FillCredited extends Base<'FILL_CREDITED'> {
  readonly pair: string;
  readonly venue: VenueId;
  readonly clientId: string;
  /** The order's role: an entry leg, an unwind, or a close. */
  readonly phase: 'open' | 'unwind' | 'close';
  readonly filledSize: number;
  /** Undefined when nothing filled (the order only retires). */
  readonly avgPrice?: number;
  readonly feeUsd: number;
  /**
   * Absent when unknown: an unwind fill whose own price or whose leg's entry price is unknown. It is then left
   * out of every PnL figure and counted as an unpriced unwind, never as 0.
   */
  readonly creditedPnlUsd?: number;
  readonly creditedFeesUsd: number;
  readonly reason: string;
}
/** How a TRADING_HALTED reason from the run's loss limit begins (no resume: it holds for the rest of the run). */
export const MAX_LOSS_HALT_REASON = 'max loss reached';
export interface TradingHalted extends Base<'TRADING_HALTED'> {
  readonly pair: string;
  readonly reason: string;
  /** ms; undefined = until the operator clears it. */
  readonly until?: number;
}
export interface TradingResumed extends Base<'TRADING_RESUMED'> {
  readonly pair: string;
}
export interface FeedStale extends Base<'FEED_STALE'> {
  readonly venue: VenueId;
  readonly symbol: string;
  /** How old the book is: since the last update for 'no updates', behind the venue for a lag. */
  readonly ageMs: number;
  /**
   * Why: 'no updates' (nothing for stale_after_ms), 'lagging N ms behind the venue clock' (updates
   * arrive, but late by the venue's own time or state), 'book resync' or 'connection lost'.
   */
  readonly reason: string;
  /** Set for a lag: the lower bound of how far behind the venue the feed is, ms. */
  readonly lagMs?: number;
}
export interface FeedFresh extends Base<'FEED_FRESH'> {
  readonly venue: VenueId;
  readonly symbol: string;
}
export interface FeedResync extends Base<'FEED_RESYNC'> {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly reason: string;
}
export interface FeedReconnect extends Base<'FEED_RECONNECT'> {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}
export interface PositionRestored extends Base<'POSITION_RESTORED'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly size: number;
  readonly entrySpread: number;
}
export interface ReconciliationMismatch extends Base<'RECONCILIATION_MISMATCH'> {
  readonly pair: string;
  readonly detail: string;
}
export interface SlippageAnalysis extends Base<'SLIPPAGE_ANALYSIS'> {
  readonly pair: string;
  readonly direction: Direction;
  readonly detectionSpread: number;
  readonly executionSpread: number;
  readonly slippageBps: number;
}

export type TradingEvent =
  | BotStarted
  | BotShutdown
  | SpreadDetected
  | SpreadMonitoring
  | TradeEntry
  | TradeFailed
  | OrderPlaced
  | OrderFilled
  | OrderFailed
  | PositionOpened
  | PositionMonitoring
  | TradeExit
  | PositionClosed
  | CloseFailed
  | ExitMonitorStopped
  | LegUnwound
  | FillCredited
  | TradingHalted
  | TradingResumed
  | FeedStale
  | FeedFresh
  | FeedResync
  | FeedReconnect
  | PositionRestored
  | ReconciliationMismatch
  | SlippageAnalysis
  | FundingAccrued
  | FundingReconciled
  | FundingMismatch;

export type TradingEventType = TradingEvent['type'];

/** The events the exit monitor emits. Each carries `polls`. */
export type ExitEvent = PositionMonitoring | TradeExit | PositionClosed | CloseFailed | ExitMonitorStopped;

/** Outcome of a close effect. The monitor relies only on `ok` and `reason`. */
export interface CloseResult {
  readonly ok: boolean;
  readonly reason?: string;
  readonly grossPnlUsd?: number;
  readonly feesUsd?: number;
  /** Funding realised with the close, USD (+ = received); absent when unknown (`fundingNote` says why). */
  readonly fundingUsd?: number;
  readonly fundingNote?: string;
}

type Payload<E extends TradingEvent> = Omit<E, 'type' | 'time'>;

/** Factories: one per kind, time first so callers pass their scheduler's clock. */
export const events = {
  botStarted: (time: number, p: Payload<BotStarted>): BotStarted => ({ type: 'BOT_STARTED', time, ...p }),
  botShutdown: (time: number, p: Payload<BotShutdown>): BotShutdown => ({ type: 'BOT_SHUTDOWN', time, ...p }),
  spreadDetected: (time: number, p: Payload<SpreadDetected>): SpreadDetected => ({ type: 'SPREAD_DETECTED', time, ...p }),
  spreadMonitoring: (time: number, p: Payload<SpreadMonitoring>): SpreadMonitoring => ({ type: 'SPREAD_MONITORING', time, ...p }),
  tradeEntry: (time: number, p: Payload<TradeEntry>): TradeEntry => ({ type: 'TRADE_ENTRY', time, ...p }),
  tradeFailed: (time: number, p: Payload<TradeFailed>): TradeFailed => ({ type: 'TRADE_FAILED', time, ...p }),
  orderPlaced: (time: number, p: Payload<OrderPlaced>): OrderPlaced => ({ type: 'ORDER_PLACED', time, ...p }),
  orderFilled: (time: number, p: Payload<OrderFilled>): OrderFilled => ({ type: 'ORDER_FILLED', time, ...p }),
  orderFailed: (time: number, p: Payload<OrderFailed>): OrderFailed => ({ type: 'ORDER_FAILED', time, ...p }),
  positionOpened: (time: number, p: Payload<PositionOpened>): PositionOpened => ({ type: 'POSITION_OPENED', time, ...p }),
  positionMonitoring: (time: number, p: Payload<PositionMonitoring>): PositionMonitoring => ({ type: 'POSITION_MONITORING', time, ...p }),
  tradeExit: (time: number, p: Payload<TradeExit>): TradeExit => ({ type: 'TRADE_EXIT', time, ...p }),
  positionClosed: (time: number, p: Payload<PositionClosed>): PositionClosed => ({ type: 'POSITION_CLOSED', time, ...p }),
  closeFailed: (time: number, p: Payload<CloseFailed>): CloseFailed => ({ type: 'CLOSE_FAILED', time, ...p }),
  exitMonitorStopped: (time: number, p: Payload<ExitMonitorStopped>): ExitMonitorStopped => ({ type: 'EXIT_MONITOR_STOPPED', time, ...p }),
  legUnwound: (time: number, p: Payload<LegUnwound>): LegUnwound => ({ type: 'LEG_UNWOUND', time, ...p }),
  fillCredited: (time: number, p: Payload<FillCredited>): FillCredited => ({ type: 'FILL_CREDITED', time, ...p }),
  tradingHalted: (time: number, p: Payload<TradingHalted>): TradingHalted => ({ type: 'TRADING_HALTED', time, ...p }),
  tradingResumed: (time: number, p: Payload<TradingResumed>): TradingResumed => ({ type: 'TRADING_RESUMED', time, ...p }),
  feedStale: (time: number, p: Payload<FeedStale>): FeedStale => ({ type: 'FEED_STALE', time, ...p }),
  feedFresh: (time: number, p: Payload<FeedFresh>): FeedFresh => ({ type: 'FEED_FRESH', time, ...p }),
  feedResync: (time: number, p: Payload<FeedResync>): FeedResync => ({ type: 'FEED_RESYNC', time, ...p }),
  feedReconnect: (time: number, p: Payload<FeedReconnect>): FeedReconnect => ({ type: 'FEED_RECONNECT', time, ...p }),
  positionRestored: (time: number, p: Payload<PositionRestored>): PositionRestored => ({ type: 'POSITION_RESTORED', time, ...p }),
  reconciliationMismatch: (time: number, p: Payload<ReconciliationMismatch>): ReconciliationMismatch => ({
    type: 'RECONCILIATION_MISMATCH',
    time,
    ...p,
  }),
  slippageAnalysis: (time: number, p: Payload<SlippageAnalysis>): SlippageAnalysis => ({ type: 'SLIPPAGE_ANALYSIS', time, ...p }),
  fundingAccrued: (time: number, p: Payload<FundingAccrued>): FundingAccrued => ({ type: 'FUNDING_ACCRUED', time, ...p }),
  fundingReconciled: (time: number, p: Payload<FundingReconciled>): FundingReconciled => ({ type: 'FUNDING_RECONCILED', time, ...p }),
  fundingMismatch: (time: number, p: Payload<FundingMismatch>): FundingMismatch => ({ type: 'FUNDING_MISMATCH', time, ...p }),
} as const;

/** Percent with four decimals, as the original's `format_pct`: 0.06 -> "0.0600%". Missing -> "n/a". */
export function formatPct(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(4)}%`;
}

/** USD with two decimals, as the original's `fmt_price`. */
export function formatUsd(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value < 0 ? `-$${(-value).toFixed(2)}` : `$${value.toFixed(2)}`;
}
