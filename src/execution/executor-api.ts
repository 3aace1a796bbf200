/**
 * The executor's public surface: its options, the results of each operation (values, never thrown),
 * and the `Executor` interface the stream layer drives. See executor.ts for what it does.
 */
import type { TradingEvent, CloseResult } from '../domain/events';
import type { SpreadOpportunity, VenueId } from '../domain/market';
import type { OrderBook } from '../domain/order-book';
import type { PairFunding } from '../domain/funding';
import type { Side, Venue } from '../venues/venue';
import type { Journal } from './journal';
import type { OrderTimers } from './order-path';
import type { Exposure, LegFill, OpenPosition, PairExposure } from './types';

export interface ExecutorOptions {
  /** Configured pair, e.g. 'BTC-PERP'. */
  readonly pair: string;
  /** A = dex_a, B = dex_b (the direction's 'a'/'b'). */
  readonly venues: { readonly a: Venue; readonly b: Venue };
  /** Base size per leg; rounded down to the coarser of the two venues' increments. */
  readonly size: number;
  /** Entry slippage cap, percent of the detected price (0.5 = 0.5 %). */
  readonly slippagePct?: number;
  readonly maxPositionBase?: number;
  /** Cap on either leg's notional, USD. */
  readonly maxNotionalUsd?: number;
  /** Margin needed per leg = notional / leverage (default 1: the full notional must be available). */
  readonly leverage?: number;
  /** Deadline for one order's reply, ms. */
  readonly legTimeoutMs?: number;
  /** Retries of a close / unwind leg, and lookups of an order with an unknown outcome. */
  readonly closeRetries?: number;
  /** First retry delay, doubled each retry. */
  readonly closeBackoffMs?: number;
  /** How long new entries stay halted after a leg was unwound, ms. */
  readonly haltCooldownMs?: number;
  /** Slippage cap of an unwind order, percent; widened by this much on each retry. Default 2 × slippagePct. */
  readonly unwindSlippagePct?: number;
  /** Slippage cap of a close leg when no book is given, percent of the entry price. Default 3. */
  readonly fallbackCloseSlippagePct?: number;
  /** A prepared order is used only if it stays valid at least this long, ms. Default 1000. */
  readonly preparedSafetyMs?: number;
  /**
   * refreshPreparedClose re-signs an armed order once it has less than this left, ms, but never
   * earlier than half its own validity (so a short-lived order is not re-signed at every check) nor
   * later than preparedSafetyMs. Default preparedSafetyMs + 1000 (one refresh period of the bot).
   */
  readonly refreshAheadMs?: number;
  /** Start-up reconciliation retry delays while a venue cannot be read: first, then doubled up to the cap, ms. */
  readonly reconcileRetryMs?: number;
  readonly reconcileRetryMaxMs?: number;
  /** The configured entry threshold (percent), reported in TRADE_ENTRY. */
  readonly spreadThreshold?: number;
  /** USD per USDC (`market.usdc_usd`), for the fills' entry spread and the legs' USD PnL. Default 1 (at par). */
  readonly usdcUsd?: number;
  readonly journal: Journal;
  readonly now: () => number;
  readonly newClientId?: () => string;
  /** Injectable for tests; default setTimeout (on `timers` when given). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The timers of the order deadlines (reply, look-up); default the process's. A replay passes its virtual clock's. */
  readonly timers?: OrderTimers;
}

/**
 * Latest books to cap the close legs' slippage with: `tick` (the exit monitor's context) or a/b
 * directly (a MarketTick fits). Empty books are ignored. Other fields are accepted and unused.
 * (Not the exit monitor's `CloseContext`, which is what its close effect receives.)
 */
export interface CloseBooks {
  readonly a?: OrderBook;
  readonly b?: OrderBook;
  readonly tick?: { readonly a: OrderBook; readonly b: OrderBook };
  readonly exitSpread?: number;
  readonly polls?: number;
}

/** One reduce-only unwind of an excess leg. */
export interface UnwindReport {
  readonly venue: VenueId;
  readonly symbol: string;
  /** Size that had to be unwound, as a holding: + = a long excess (sold), - = a short excess (bought back). */
  readonly size: number;
  readonly unwoundSize: number;
  readonly ok: boolean;
  readonly attempts: number;
  readonly reason: string;
  readonly fills: readonly LegFill[];
  /** Price PnL the unwound fills realised against the leg's entry price, USD (unwind.ts unwindPnlUsd); undefined: unknown. */
  readonly grossPnlUsd?: number;
}

export interface OpenSuccess {
  readonly ok: true;
  /** May be smaller than requested when a partial hedge was kept and the excess unwound. */
  readonly position: OpenPosition;
  readonly legs: { readonly long: LegFill; readonly short: LegFill };
  readonly unwound: readonly UnwindReport[];
  /** True when trading was halted (after an unwind): the position is still to be monitored. */
  readonly halted: boolean;
  readonly events: readonly TradingEvent[];
}

export interface OpenFailure {
  readonly ok: false;
  /** preflight: nothing was sent. execution: legs sent, no position remains. unwind: exposure remains. */
  readonly stage: 'preflight' | 'execution' | 'unwind';
  readonly reason: string;
  readonly legs?: { readonly long: LegFill; readonly short: LegFill };
  readonly unwound: readonly UnwindReport[];
  readonly halted: boolean;
  readonly events: readonly TradingEvent[];
}

export type OpenResult = OpenSuccess | OpenFailure;

export interface CloseLegReport {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  /** Base size closed by this call's fills. */
  readonly closedSize: number;
  /** VWAP of this call's close fills; undefined when none filled. */
  readonly avgExitPrice: number | undefined;
  readonly feesUsd: number;
  /** Orders sent by this call. */
  readonly attempts: number;
  /** True when the venue's positions endpoint reported this leg flat. */
  readonly flat: boolean;
  /** Size the venue last reported (+ long, - short); undefined when it could not be read. */
  readonly venueSize: number | undefined;
  readonly reason?: string;
  readonly fills: readonly LegFill[];
}

/** The executor's account of one close attempt: the stream layer's CloseResult plus each leg's report. */
export interface CloseReport extends CloseResult {
  readonly legs: { readonly long: CloseLegReport; readonly short: CloseLegReport };
  /** Prepared (pre-signed) orders this close sent. */
  readonly preparedUsed: number;
  readonly events: readonly TradingEvent[];
}

export interface RestoreResult {
  /** False when the journal and the venues disagree, or a venue could not be read (trading is then halted). */
  readonly ok: boolean;
  /** The position to monitor, when one is open. */
  readonly position?: OpenPosition;
  /** True when a close was in progress: one leg may be partly closed, so finish the close now. */
  readonly resumeClose: boolean;
  /**
   * Set when a venue could not be read: call restore() again after this many ms (the halt says so).
   * Nothing was decided; the journal is as it was.
   */
  readonly retryInMs?: number;
  /**
   * With `retryInMs`: the journal holds an entry or a close the last process left unfinished (or an
   * order of this bot's still live at a venue), which this restore finishes once it can. A shutdown
   * keeps trying (within its grace) instead of leaving it half done.
   */
  readonly unfinished?: true;
  /** A trade the journal left open and the restore found closed (by the close sent before the restart). */
  readonly closedTrade?: { readonly position: OpenPosition; readonly grossPnlUsd: number; readonly feesUsd: number };
  readonly reason?: string;
  readonly events: readonly TradingEvent[];
}

/** What the venues and the journal say together, read-only (restore acts on it; `resume` checks it). */
export interface Reconciliation {
  /** agree: consistent (perhaps with an unfinished operation restore will finish). */
  readonly status: 'agree' | 'mismatch' | 'unreadable';
  /** The exact disagreement, why a venue could not be read, or what restore will do. */
  readonly detail: string;
  /** Holdings per venue as read (+ long, - short) (when readable). */
  readonly holdings?: readonly Exposure[];
}

/** Fills found after the fact and credited (settleLateFills). */
export interface LateFillsResult {
  /** FILL_CREDITED per order found (and ORDER_FAILED-free: nothing was sent). */
  readonly events: readonly TradingEvent[];
  /** PnL and fees added to trades already reported closed (for the run's loss limit). */
  readonly creditedPnlUsd: number;
  readonly creditedFeesUsd: number;
  /** Orders still to be found. */
  readonly pending: number;
}

export interface Executor {
  readonly pair: string;
  /** `funding`: both venues' latest funding; its indexes become the position's `fundingIndexAtEntry`. */
  openPosition(opportunity: SpreadOpportunity, funding?: PairFunding): Promise<OpenResult>;
  closePosition(position: OpenPosition, books?: CloseBooks): Promise<CloseReport>;
  /** Signs the reduce-only close orders now so the exit does not pay for signing. */
  prepareClose(position: OpenPosition, books?: CloseBooks): Promise<boolean>;
  /** Re-signs prepared close orders that are missing, about to expire or no longer marketable. */
  refreshPreparedClose(books?: CloseBooks): Promise<boolean>;
  /**
   * Warm start: reconciles the journal with both venues' positions, finishing an interrupted entry,
   * unwind or close. While a venue cannot be read the result carries `retryInMs`: call it again.
   */
  restore(): Promise<RestoreResult>;
  /** The reconciliation restore() would act on, without acting (no order, no journal write). */
  reconcile(opts?: { asIfResumed?: boolean }): Promise<Reconciliation>;
  /** Looks up close fills that were still unknown when their trade closed, and credits the ones found. */
  settleLateFills(): Promise<LateFillsResult>;
  /** True while an order operation (entry, unwind, close, restore) is running. */
  inFlight(): boolean;
  /**
   * What the pair leaves at the venues if the process stops now: from the journal (at once), or
   * with `readVenues` from both venues' positions (within `deadlineMs`, falling back to the journal).
   * Undefined when nothing is left but a hedged position the next start monitors.
   */
  exposure(opts?: { readVenues?: boolean; deadlineMs?: number }): Promise<PairExposure | undefined>;
  /** The journal-only view of exposure(), synchronously (a second Ctrl-C cannot wait). */
  exposureNow(): PairExposure | undefined;
  /** Journals what the process leaves at the venues as it exits without finishing ('exit_exposure'). */
  recordExitExposure(exposure: PairExposure, reason: string): void;
  /**
   * The process gives up on this executor (its shutdown grace ran out): from now on it sends no order
   * and writes no journal entry, exactly as if the process had died here, so a restart finds the
   * journal as it was left and finishes the operation itself.
   */
  detach(): void;
  /** The open position, if any. */
  currentPosition(): OpenPosition | undefined;
  /** True while new entries are halted (a cooldown that ran out is not a halt). */
  isHalted(): boolean;
  haltReason(): string | undefined;
  /**
   * Operator halts new entries (the API's halt and flatten): journalled with no end, so a restart keeps it
   * until `resume`. An open position is still monitored and closed. Returns the TRADING_HALTED event.
   */
  haltByOperator(reason: string): TradingEvent[];
  /**
   * Halts new entries for good (the run's loss limit): journalled with no end, so a restart (a crash
   * loop) keeps it until an operator's `resume`. Returns the TRADING_HALTED event.
   */
  haltUntilResumed(reason: string): TradingEvent[];
  /**
   * Operator clears a halt; returns the TRADING_RESUMED event (empty when not halted). `resetLossBudget`: this
   * pair's loss budget starts again from zero (journalled on the 'resumed' line). `checkedAt`: when the operator's
   * check read the venues (the `resume` command, from another process): the line's time, so a halt the bot raised
   * after that check is not cleared by it. Default now.
   */
  clearHalt(opts?: { readonly resetLossBudget?: boolean; readonly checkedAt?: number }): TradingEvent[];
  /**
   * Journals what the loss limit counted of one of this pair's events (`deltaUsd`, realisedNetDeltaUsd), so the
   * budget outlives the process. Best effort: a failed write is reported by takeFailures like any record.
   */
  recordRealised(event: string, deltaUsd: number): void;
  /**
   * The operator accepts that the position on record was closed outside the bot (both venues read flat: the caller
   * checked): journals 'closed_outside' (its PnL unknown) and clears the halt. Returns TRADING_RESUMED, or nothing
   * when the journal holds no position.
   */
  acceptClosedOutside(reason: string): TradingEvent[];
  /** What the journal says the loss limit has counted of this pair since its budget began. */
  lossOnRecord(): { readonly netUsd: number; readonly since?: number };
  /**
   * Picks up a halt an operator cleared from another process (`npm start -- resume --pair`, which
   * checked the venues and journalled 'resumed'): returns TRADING_RESUMED when this one is cleared.
   */
  pollOperatorResume(): TradingEvent[];
}
