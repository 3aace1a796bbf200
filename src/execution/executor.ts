/**
 * The delta-neutral executor: opens a hedged position with two concurrent IOC legs, reconciles what
 * actually filled, unwinds any excess, closes with reduce-only legs until both venues report flat,
 * and journals every state change before acting on it.
 *
 * It fixes the original's money-path defects (original-bot.md §8, §13): a one-legged entry is
 * unwound and trading halts (instead of leaving the exposed leg open); "success" means confirmed
 * fills, not an accepted order; a close is ok only when both venues' positions read flat; every
 * order carries a slippage cap and a client id, and an order whose outcome is unknown is looked up
 * by that id instead of being re-sent.
 *
 * Imbalanced entry (one leg rejected, or partly filled): the common size both legs filled is kept
 * as a smaller hedged position when it clears both venues' minimum notional (cheaper than paying
 * to unwind a good hedge, and it still converges on exit); only the excess is unwound. Below the
 * minimum both legs are unwound fully. Either way new entries halt for `haltCooldownMs`; an unwind
 * that fails after its retries halts until an operator calls clearHalt(), with the exposure journalled.
 *
 * Crashes: both entry orders are signed first, then journalled with everything that finds them at
 * their venues from a new process ('opening': client ids and lookup refs, one fsync for both legs),
 * then sent; every unwind and close order is journalled before it is sent. restore() on the next
 * start looks up whatever the journal does not conclude, credits the fills it finds, and finishes
 * the interrupted entry, unwind or close the same way (never sending a new opening order on stale
 * prices). It halts only while a venue cannot be read (and says when it retries), or when the
 * venues hold what the journal's orders cannot explain (then an operator decides: `resume`).
 *
 * Results are values (never thrown) carrying the TradingEvents the stream layer emits. The executor
 * knows only the Venue interface and the domain.
 */
import { randomBytes } from 'node:crypto';
import { events as ev, type TradingEvent } from '../domain/events';
import type { SpreadOpportunity, VenueId } from '../domain/market';
import { bestAsk, bestBid, fillPrice, type OrderBook } from '../domain/order-book';
import { legsOf, spreadPct, type Direction } from '../domain/spread';
import type { CloseResult } from '../domain/events';
import type { MarketSpec, OrderAccepted, OrderOutcome, OrderRequest, PreparedOrder, Side, Venue } from '../venues/venue';
import {
  describeProblem,
  type Journal,
  type JournalEntry,
  type JournalState,
  type LegFilledEntry,
  type LookupRefs,
  type OpeningEntry,
  type PendingCloseOrder,
  type PendingFill,
} from './journal';
import {
  describeSize,
  expectedHoldings,
  exposureText,
  holdingMismatches,
  journalExposure,
  sameSize,
  sizeTolerance,
  unhedgedOf,
  type VenueKey,
} from './reconcile';
import {
  decimalsOfStep,
  floorToStep,
  isMultipleOf,
  roundDecimals,
  type Exposure,
  type LegFill,
  type OpenPosition,
  type PairExposure,
} from './types';
import { assertTimerMs } from '../domain/durations';
import { errorText as scrubbedErrorText } from '../logging/redact';

export type { Exposure, LegFill, OpenPosition, PairExposure } from './types';

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
  readonly journal: Journal;
  readonly now: () => number;
  readonly newClientId?: () => string;
  /** Injectable for tests; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Latest books to cap the close legs' slippage with: `tick` (the exit monitor's context) or a/b
 * directly (a MarketTick fits). Empty books are ignored. Other fields are accepted and unused.
 */
export interface CloseContext {
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
  /** Signed size that had to be unwound: + = a long excess (sold), - = a short excess (bought back). */
  readonly size: number;
  readonly unwoundSize: number;
  readonly ok: boolean;
  readonly attempts: number;
  readonly reason: string;
  readonly fills: readonly LegFill[];
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
  /** Signed size the venue last reported; undefined when it could not be read. */
  readonly venueSize: number | undefined;
  readonly reason?: string;
  readonly fills: readonly LegFill[];
}

export interface CloseOutcome extends CloseResult {
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
  /** Signed holdings per venue as read (when readable). */
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
  openPosition(opportunity: SpreadOpportunity): Promise<OpenResult>;
  closePosition(position: OpenPosition, ctx?: CloseContext): Promise<CloseOutcome>;
  /** Signs the reduce-only close orders now so the exit does not pay for signing. */
  prepareClose(position: OpenPosition, ctx?: CloseContext): Promise<boolean>;
  /** Re-signs prepared close orders that are missing, about to expire or no longer marketable. */
  refreshPreparedClose(ctx?: CloseContext): Promise<boolean>;
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
  position(): OpenPosition | undefined;
  /** Alias of position() for the stream layer. */
  currentPosition(): OpenPosition | undefined;
  halted(): boolean;
  /** Alias of halted() for the stream layer. */
  isHalted(): boolean;
  haltReason(): string | undefined;
  /** Operator clears a halt; returns the TRADING_RESUMED event (empty when not halted). */
  clearHalt(): TradingEvent[];
  /**
   * Picks up a halt an operator cleared from another process (`npm start -- resume --pair`, which
   * checked the venues and journalled 'resumed'): returns TRADING_RESUMED when this one is cleared.
   */
  pollOperatorResume(): TradingEvent[];
}

type LegKey = 'long' | 'short';

interface CloseProgress {
  /** Identifies the position (its entry client ids). */
  readonly key: string;
  closedSize: number;
  pnlUsd: number;
  feesUsd: number;
}

/** The journal field for the venues' lookup references of these orders; empty when none has one. */
function lookupRefsOf(long: PreparedOrder | undefined, short: PreparedOrder | undefined): { lookupRefs?: LookupRefs } {
  const refs: { long?: string; short?: string } = {};
  if (long?.lookupRef !== undefined) refs.long = long.lookupRef;
  if (short?.lookupRef !== undefined) refs.short = short.lookupRef;
  return refs.long !== undefined || refs.short !== undefined ? { lookupRefs: refs } : {};
}

/** Pre-signed close orders; every order held here has its client id journalled ('close_armed'). */
interface PreparedClose {
  readonly key: string;
  long?: PreparedOrder;
  short?: PreparedOrder;
}

/** When each prepared order was signed: its validity window is validUntil − signedAt. */
const signedAt = new WeakMap<PreparedOrder, number>();

/** An order handed to its venue, reply pending. */
interface InFlight {
  readonly order: PreparedOrder;
  readonly sentAt: number;
  readonly outcome: Promise<OrderOutcome>;
}

interface Halt {
  readonly reason: string;
  readonly until?: number;
  /** The start-up reconciliation is waiting for a venue: cleared when it succeeds, never kept across a restart. */
  readonly reconcile?: boolean;
}

const DEFAULTS = {
  slippagePct: 0.5,
  leverage: 1,
  legTimeoutMs: 5000,
  closeRetries: 5,
  closeBackoffMs: 250,
  haltCooldownMs: 60_000,
  fallbackCloseSlippagePct: 3,
  preparedSafetyMs: 1000,
  /** The bot checks the armed orders once a second. */
  refreshPeriodMs: 1000,
  reconcileRetryMs: 1000,
  reconcileRetryMaxMs: 60_000,
  /** Late-fill lookups: first retry delay, doubled up to the cap. */
  lateFillRetryMs: 1000,
  lateFillRetryMaxMs: 60_000,
} as const;

export function createExecutor(opts: ExecutorOptions): Executor {
  return new DeltaNeutralExecutor(opts);
}

/** Time + session + counter: unique across restarts (the session part) and within one (the counter). */
export function clientIdGenerator(now: () => number, prefix = 'arb'): () => string {
  const session = randomBytes(3).toString('hex');
  let counter = 0;
  return () => `${prefix}-${now().toString(36)}-${session}-${(counter++).toString(36)}`;
}

class DeltaNeutralExecutor implements Executor {
  readonly pair: string;
  private readonly journal: Journal;
  private readonly now: () => number;
  private readonly newClientId: () => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly slippagePct: number;
  private readonly unwindSlippagePct: number;
  private readonly leverage: number;
  private readonly legTimeoutMs: number;
  private readonly closeRetries: number;
  private readonly closeBackoffMs: number;
  private readonly haltCooldownMs: number;
  private readonly fallbackCloseSlippagePct: number;
  private readonly preparedSafetyMs: number;
  private readonly refreshAheadMs: number;
  private readonly reconcileRetryMs: number;
  private readonly reconcileRetryMaxMs: number;

  private current: OpenPosition | undefined;
  private haltState: Halt | undefined;
  private busy = false;
  private readonly progress: Record<LegKey, CloseProgress | undefined> = { long: undefined, short: undefined };
  private prepared: PreparedClose | undefined;
  /** The background signing started after an open; a close waits for it rather than signing twice. */
  private preparing: Promise<boolean> | undefined;
  /** Journal writes that failed after orders were sent; they force a halt (the trail is incomplete). */
  private journalErrors: string[] = [];
  /** Failed start-up reconciliations in a row (venue unreadable): the retry delay doubles with each. */
  private reconcileFailures = 0;
  /** Set by detach(): behave as a dead process (no order, no journal write). */
  private detached = false;
  /** Deadlines being waited on, so that detach() can end them at once. */
  private readonly pendingDeadlines = new Set<() => void>();
  /** Late-fill lookups: not before this time (ms), and how many came back empty in a row. */
  private lateFillsDueAt = 0;
  private lateFillMisses = 0;

  constructor(private readonly opts: ExecutorOptions) {
    this.pair = opts.pair;
    this.journal = opts.journal;
    this.now = opts.now;
    this.newClientId = opts.newClientId ?? clientIdGenerator(opts.now);
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.slippagePct = opts.slippagePct ?? DEFAULTS.slippagePct;
    this.unwindSlippagePct = opts.unwindSlippagePct ?? 2 * this.slippagePct;
    this.leverage = opts.leverage ?? DEFAULTS.leverage;
    this.legTimeoutMs = opts.legTimeoutMs ?? DEFAULTS.legTimeoutMs;
    this.closeRetries = opts.closeRetries ?? DEFAULTS.closeRetries;
    this.closeBackoffMs = opts.closeBackoffMs ?? DEFAULTS.closeBackoffMs;
    this.haltCooldownMs = opts.haltCooldownMs ?? DEFAULTS.haltCooldownMs;
    // Each is a timer's delay or is added to the clock and journaled (`until`): it must be finite and
    // fit a timer, or the timer fires at once and an infinite `until` is journaled as null.
    assertTimerMs(this.legTimeoutMs, 'legTimeoutMs');
    assertTimerMs(this.closeBackoffMs * 2 ** Math.max(0, this.closeRetries - 1), 'closeBackoffMs doubled at each of closeRetries');
    assertTimerMs(this.haltCooldownMs, 'haltCooldownMs');
    this.fallbackCloseSlippagePct = opts.fallbackCloseSlippagePct ?? DEFAULTS.fallbackCloseSlippagePct;
    this.preparedSafetyMs = opts.preparedSafetyMs ?? DEFAULTS.preparedSafetyMs;
    this.refreshAheadMs = opts.refreshAheadMs ?? this.preparedSafetyMs + DEFAULTS.refreshPeriodMs;
    this.reconcileRetryMs = opts.reconcileRetryMs ?? DEFAULTS.reconcileRetryMs;
    this.reconcileRetryMaxMs = opts.reconcileRetryMaxMs ?? DEFAULTS.reconcileRetryMaxMs;
  }

  // ---------------------------------------------------------------- state

  position(): OpenPosition | undefined {
    return this.current;
  }

  currentPosition(): OpenPosition | undefined {
    return this.current;
  }

  isHalted(): boolean {
    return this.halted();
  }

  halted(): boolean {
    const h = this.haltState;
    return h !== undefined && (h.until === undefined || this.now() < h.until);
  }

  haltReason(): string | undefined {
    return this.halted() ? this.haltState?.reason : undefined;
  }

  inFlight(): boolean {
    return this.busy;
  }

  clearHalt(): TradingEvent[] {
    // The halt may be only on record (the `resume` command runs no restore): the journal decides too.
    const onRecord = this.journal.lastState(this.pair);
    const recorded = onRecord.halt !== undefined || onRecord.problems.length > 0 || onRecord.phase === 'exposed';
    if (this.haltState === undefined && !recorded) return [];
    this.haltState = undefined;
    this.record({ kind: 'resumed', pair: this.pair, time: this.now(), operator: true });
    return [ev.tradingResumed(this.now(), { pair: this.pair })];
  }

  pollOperatorResume(): TradingEvent[] {
    const resumed = this.journal.refresh().filter((e) => e.pair === this.pair);
    if (resumed.length === 0 || this.haltState === undefined || this.haltState.reconcile) return [];
    this.haltState = undefined;
    return [ev.tradingResumed(this.now(), { pair: this.pair })];
  }

  private halt(reason: string, until: number | undefined, events: TradingEvent[]): void {
    // An operator-only halt is never shortened by a later cooldown halt.
    const keep = this.haltState !== undefined && this.haltState.until === undefined && !this.haltState.reconcile && this.halted();
    const next: Halt = keep ? { reason: `${this.haltState!.reason}; ${reason}` } : { reason, ...(until !== undefined ? { until } : {}) };
    this.haltState = next;
    this.record({ kind: 'halted', pair: this.pair, time: this.now(), reason: next.reason, ...(next.until !== undefined ? { until: next.until } : {}) });
    events.push(ev.tradingHalted(this.now(), { pair: this.pair, reason: next.reason, ...(next.until !== undefined ? { until: next.until } : {}) }));
  }

  /** A cooldown halt that has run out is cleared (and journalled) when the next entry is considered. */
  private expireHalt(events: TradingEvent[]): void {
    if (this.haltState !== undefined && !this.halted()) {
      this.haltState = undefined;
      this.record({ kind: 'resumed', pair: this.pair, time: this.now(), operator: false });
      events.push(ev.tradingResumed(this.now(), { pair: this.pair }));
    }
  }

  /** Journals after orders are in flight: a failing disk must not stop the unwind, so errors are kept and halt. */
  private record(entry: JournalEntry): void {
    if (this.detached) return;
    try {
      this.journal.append(entry);
    } catch (err) {
      this.journalErrors.push(`journal write of '${entry.kind}' failed: ${errorText(err)}`);
    }
  }

  /** A reduce-only IOC MARKET order with a worst-price cap, under a fresh client id (unwinds and closes). */
  private reduceOnlyOrder(symbol: string, side: Side, size: number, cap: number): OrderRequest {
    return { clientId: this.newClientId(), symbol, side, type: 'MARKET', size, price: cap, timeInForce: 'IOC', reduceOnly: true };
  }

  private venueOf(key: 'a' | 'b'): Venue {
    return this.opts.venues[key];
  }

  private venueById(id: VenueId): Venue | undefined {
    const { a, b } = this.opts.venues;
    return a.id === id ? a : b.id === id ? b : undefined;
  }

  private backoff(retry: number): number {
    return this.closeBackoffMs * 2 ** retry;
  }

  // ---------------------------------------------------------------- open

  async openPosition(opportunity: SpreadOpportunity): Promise<OpenResult> {
    const events: TradingEvent[] = [];
    this.expireHalt(events);
    if (this.busy) return this.openFailure('preflight', 'another order operation is in flight', events);
    this.busy = true;
    try {
      return await this.open(opportunity, events);
    } finally {
      this.busy = false;
    }
  }

  private openFailure(
    stage: OpenFailure['stage'],
    reason: string,
    events: TradingEvent[],
    extra: { legs?: { long: LegFill; short: LegFill }; unwound?: readonly UnwindReport[] } = {},
  ): OpenFailure {
    events.push(ev.tradeFailed(this.now(), { pair: this.pair, reason }));
    return { ok: false, stage, reason, unwound: extra.unwound ?? [], halted: this.halted(), events, ...(extra.legs ? { legs: extra.legs } : {}) };
  }

  private async open(opp: SpreadOpportunity, events: TradingEvent[]): Promise<OpenResult> {
    const pre = await this.preflight(opp, events);
    if (!pre.ok) return this.openFailure('preflight', pre.reason, events);
    const { size, step, long, short } = pre;

    const longReq = this.entryRequest(long.symbol, 'BUY', size, long.refPrice, long.spec);
    const shortReq = this.entryRequest(short.symbol, 'SELL', size, short.refPrice, short.spec);
    // Sign both legs first: the 'opening' entry then holds all a new process needs to find both orders.
    let longOrder: PreparedOrder;
    let shortOrder: PreparedOrder;
    try {
      [longOrder, shortOrder] = await Promise.all([long.venue.prepareOrder(longReq), short.venue.prepareOrder(shortReq)]);
    } catch (err) {
      return this.openFailure('preflight', `signing failed, nothing sent: ${errorText(err)}`, events);
    }
    const plan = (order: PreparedOrder, venue: Venue) => ({
      venue: venue.id,
      symbol: order.request.symbol,
      side: order.request.side,
      clientId: order.request.clientId,
      size,
      priceCap: order.request.price,
      ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
    });
    try {
      if (this.detached) throw new Error('the process is stopping');
      // One fsync for both legs, before either is sent: a crash after this line leaves what restore() needs.
      this.journal.append({
        kind: 'opening',
        pair: this.pair,
        time: this.now(),
        direction: opp.direction,
        size,
        detectedSpread: opp.spread,
        long: plan(longOrder, long.venue),
        short: plan(shortOrder, short.venue),
      });
    } catch (err) {
      return this.openFailure('preflight', `journal write failed, nothing sent: ${errorText(err)}`, events);
    }

    // Both legs leave now, back to back; their replies are settled concurrently.
    const longFlight = this.dispatchLogged(long.venue, longOrder, events);
    const shortFlight = this.dispatchLogged(short.venue, shortOrder, events);
    const settleAndRecord = async (key: LegKey, venue: Venue, flight: InFlight, ref: number): Promise<LegFill> => {
      const fill = await this.settleLeg(venue, flight, ref, events);
      this.record({ kind: 'leg_filled', pair: this.pair, time: this.now(), phase: 'open', leg: key, fill });
      return fill;
    };
    const [longFill, shortFill] = await Promise.all([
      settleAndRecord('long', long.venue, longFlight, long.refPrice),
      settleAndRecord('short', short.venue, shortFlight, short.refPrice),
    ]);
    const legs = { long: longFill, short: shortFill };

    // Filled sizes as the venues' positions show them when an outcome stayed unknown.
    const longFilled = await this.filledOrHolding(longFill, long.venue, +1);
    const shortFilled = await this.filledOrHolding(shortFill, short.venue, -1);
    if (longFilled === undefined || shortFilled === undefined) {
      const reason =
        'order outcome unknown and positions unreadable: ' +
        [longFilled === undefined ? `${long.venue.id} ${long.symbol} long leg ${longReq.clientId}` : '', shortFilled === undefined ? `${short.venue.id} ${short.symbol} short leg ${shortReq.clientId}` : '']
          .filter(Boolean)
          .join(', ');
      this.record({
        kind: 'exposed',
        pair: this.pair,
        time: this.now(),
        reason,
        exposure: [
          { venue: long.venue.id, symbol: long.symbol, size: longFilled ?? longFill.requestedSize },
          { venue: short.venue.id, symbol: short.symbol, size: 0 - (shortFilled ?? shortFill.requestedSize) },
        ],
      });
      this.halt(reason, undefined, events);
      return this.openFailure('unwind', reason, events, { legs });
    }

    return this.concludeEntry(
      {
        direction: opp.direction,
        detectedSpread: opp.spread,
        size,
        step,
        legs,
        held: { long: longFilled, short: shortFilled },
        long: { ...long, unwindRef: legsOf(opp.direction).long === 'a' ? opp.bidA : opp.bidB },
        short: { ...short, unwindRef: legsOf(opp.direction).short === 'a' ? opp.askA : opp.askB },
        unwindSlippagePct: this.unwindSlippagePct,
        openedAt: this.now(),
        restored: false,
        detectedAt: opp.detectedAt,
      },
      events,
    );
  }

  /**
   * Decides what an entry ends as, given what each leg holds: a clean hedge, a smaller hedge with the
   * excess unwound, fully unwound, or (an unwind failing) exposure for an operator. Shared by a live
   * entry and by restore() finishing an interrupted one (`restored`: no cooldown halt, and the
   * position is reported as restored instead of as a new TRADE_ENTRY).
   */
  private async concludeEntry(entry: EntryConclusion, events: TradingEvent[]): Promise<OpenResult> {
    const { size, step, legs, held, long, short } = entry;
    const eps = step * 1e-6;
    const clean = entry.restored
      ? held.long > eps && Math.abs(held.long - held.short) < eps
      : Math.abs(held.long - size) < eps && Math.abs(held.short - size) < eps;
    if (clean) {
      const kept = entry.restored ? floorToStep(held.long, step) : size;
      if (!entry.restored || (kept * long.refPrice >= long.spec.minNotional && kept * short.refPrice >= short.spec.minNotional)) {
        return this.opened(this.buildPosition(entry, kept), entry, legs, [], events);
      }
    }

    if (held.long < eps && held.short < eps) {
      const why = entry.restored ? `restart during entry: ${legFailureText(legs)}; both venues flat` : legFailureText(legs);
      this.record({ kind: 'entry_failed', pair: this.pair, time: this.now(), reason: why });
      if (this.journalErrors.length > 0) this.halt(this.journalErrors.splice(0).join('; '), undefined, events);
      return this.openFailure('execution', `neither leg filled: ${legFailureText(legs)}`, events, { legs });
    }

    // Imbalance. Keep the common hedged size when both venues accept it as a position; unwind the rest.
    let keep = floorToStep(Math.min(held.long, held.short), step);
    if (keep > 0 && (keep * long.refPrice < long.spec.minNotional || keep * short.refPrice < short.spec.minNotional)) keep = 0;
    const excessLong = roundDecimals(held.long - keep, decimalsOfStep(long.spec.sizeIncrement) + 2);
    const excessShort = roundDecimals(held.short - keep, decimalsOfStep(short.spec.sizeIncrement) + 2);
    const slip = entry.unwindSlippagePct;
    const [longUnwind, shortUnwind] = await Promise.all([
      excessLong > eps ? this.unwind('long', long.venue, long.symbol, 'SELL', excessLong, keep, long.unwindRef, slip, events) : undefined,
      excessShort > eps ? this.unwind('short', short.venue, short.symbol, 'BUY', excessShort, keep, short.unwindRef, slip, events) : undefined,
    ]);
    const unwound = [longUnwind, shortUnwind].filter((u): u is UnwindReport => u !== undefined);
    const failed = unwound.filter((u) => !u.ok);

    if (failed.length > 0) {
      const exposure: Exposure[] = [
        { venue: long.venue.id, symbol: long.symbol, size: keep + (longUnwind ? excessLong - longUnwind.unwoundSize : 0) },
        { venue: short.venue.id, symbol: short.symbol, size: 0 - (keep + (shortUnwind ? excessShort - shortUnwind.unwoundSize : 0)) },
      ];
      const reason = `unwind failed, unhedged exposure remains: ${exposure.map(exposureText).join(', ')} (${failed.map((u) => u.reason).join('; ')})`;
      this.record({ kind: 'exposed', pair: this.pair, time: this.now(), exposure, reason });
      this.halt(reason, undefined, events);
      return this.openFailure('unwind', reason, events, { legs, unwound });
    }

    const imbalance = `${legFailureText(legs)}; unwound ${unwound.map((u) => `${u.venue} ${signed(u.size)}`).join(', ')}`;
    const until = entry.restored ? undefined : this.now() + this.haltCooldownMs;
    if (keep > 0) {
      const position = this.buildPosition(entry, keep);
      if (until !== undefined) this.halt(`leg imbalance on entry: ${imbalance}; kept a hedge of ${keep}`, until, events);
      return this.opened(position, entry, legs, unwound, events);
    }
    this.record({ kind: 'entry_failed', pair: this.pair, time: this.now(), reason: entry.restored ? `restart during entry: ${imbalance}` : imbalance });
    if (until !== undefined) this.halt(`leg imbalance on entry: ${imbalance}`, until, events);
    if (this.journalErrors.length > 0) this.halt(this.journalErrors.splice(0).join('; '), undefined, events);
    return this.openFailure('execution', `entry not hedged: ${imbalance}`, events, { legs, unwound });
  }

  private opened(
    position: OpenPosition,
    entry: EntryConclusion,
    legs: { long: LegFill; short: LegFill },
    unwound: readonly UnwindReport[],
    events: TradingEvent[],
  ): OpenSuccess {
    this.record({ kind: 'open', pair: this.pair, time: this.now(), position });
    if (this.journalErrors.length > 0) this.halt(this.journalErrors.splice(0).join('; '), undefined, events);
    this.current = position;
    this.resetProgress(position);
    const time = this.now();
    if (entry.restored) {
      events.push(ev.positionRestored(time, { pair: this.pair, direction: position.direction, size: position.size, entrySpread: position.entrySpread }));
    } else {
      events.push(
        ev.tradeEntry(time, {
          pair: this.pair,
          direction: position.direction,
          entrySpread: position.entrySpread,
          spreadThreshold: this.opts.spreadThreshold ?? Number.NaN,
          longVenue: position.longVenue,
          shortVenue: position.shortVenue,
          size: position.size,
          longFillPrice: position.longEntryPrice,
          shortFillPrice: position.shortEntryPrice,
          feesUsd: position.entryFeesUsd,
          latencyMs: time - entry.detectedAt,
        }),
        ev.slippageAnalysis(time, {
          pair: this.pair,
          direction: position.direction,
          detectionSpread: entry.detectedSpread,
          executionSpread: position.entrySpread,
          slippageBps: (entry.detectedSpread - position.entrySpread) * 100,
        }),
      );
    }
    // Sign the exit now, off the exit's critical path; failures just mean the close signs lazily.
    const preparing = this.prepareClose(position).finally(() => {
      if (this.preparing === preparing) this.preparing = undefined;
    });
    this.preparing = preparing;
    return { ok: true, position, legs, unwound, halted: this.halted(), events };
  }

  private buildPosition(entry: EntryConclusion, size: number): OpenPosition {
    const { legs, long, short } = entry;
    const longEntryPrice = legs.long.avgPrice ?? long.refPrice;
    const shortEntryPrice = legs.short.avgPrice ?? short.refPrice;
    return {
      pair: this.pair,
      direction: entry.direction,
      size,
      longVenue: long.venue.id,
      shortVenue: short.venue.id,
      longSymbol: long.symbol,
      shortSymbol: short.symbol,
      longEntryPrice,
      shortEntryPrice,
      entrySpread: spreadPct(shortEntryPrice, longEntryPrice) ?? entry.detectedSpread,
      detectedSpread: entry.detectedSpread,
      entryFeesUsd: legs.long.feeUsd + legs.short.feeUsd,
      clientIds: { long: legs.long.clientId, short: legs.short.clientId },
      openedAt: entry.openedAt,
    };
  }

  private async preflight(opp: SpreadOpportunity, events: TradingEvent[]): Promise<Preflight> {
    if (opp.pair !== this.pair) return { ok: false, reason: `opportunity for ${opp.pair}, executor trades ${this.pair}` };
    if (this.halted()) return { ok: false, reason: `trading halted: ${this.haltReason()}` };
    if (this.current !== undefined) return { ok: false, reason: `a position is already open (${this.current.direction} ${this.current.size})` };

    const sides = legsOf(opp.direction);
    const longVenue = this.venueOf(sides.long);
    const shortVenue = this.venueOf(sides.short);
    const longSymbol = longVenue.symbolFor(this.pair);
    const shortSymbol = shortVenue.symbolFor(this.pair);
    // The long leg buys at its venue's ask, the short leg sells at its venue's bid.
    const longRef = sides.long === 'a' ? opp.askA : opp.askB;
    const shortRef = sides.short === 'a' ? opp.bidA : opp.bidB;
    if (!(longRef > 0) || !(shortRef > 0) || !Number.isFinite(longRef) || !Number.isFinite(shortRef)) {
      return { ok: false, reason: 'opportunity has no valid prices' };
    }

    let longSpec: MarketSpec;
    let shortSpec: MarketSpec;
    try {
      [longSpec, shortSpec] = await Promise.all([longVenue.market(longSymbol), shortVenue.market(shortSymbol)]);
    } catch (err) {
      return { ok: false, reason: `market rules unavailable: ${errorText(err)}` };
    }

    const step = Math.max(longSpec.sizeIncrement, shortSpec.sizeIncrement);
    const fine = Math.min(longSpec.sizeIncrement, shortSpec.sizeIncrement);
    if (!isMultipleOf(step, fine)) {
      return { ok: false, reason: `size increments ${longSpec.sizeIncrement} and ${shortSpec.sizeIncrement} are not multiples of each other` };
    }
    const size = floorToStep(this.opts.size, step);
    if (!(size > 0)) return { ok: false, reason: `size ${this.opts.size} rounds to 0 at increment ${step}` };

    const legsToCheck: Array<[Venue, string, MarketSpec, number]> = [
      [longVenue, longSymbol, longSpec, size * longRef],
      [shortVenue, shortSymbol, shortSpec, size * shortRef],
    ];
    for (const [venue, symbol, spec, notional] of legsToCheck) {
      if (notional < spec.minNotional) {
        return { ok: false, reason: `${venue.id} ${symbol}: notional $${notional.toFixed(2)} below the minimum $${spec.minNotional}` };
      }
      if (spec.maxOrderSize !== undefined && size > spec.maxOrderSize) {
        return { ok: false, reason: `${venue.id} ${symbol}: size ${size} above the venue maximum ${spec.maxOrderSize}` };
      }
    }
    if (this.opts.maxPositionBase !== undefined && size > this.opts.maxPositionBase) {
      return { ok: false, reason: `size ${size} above the configured maximum position ${this.opts.maxPositionBase}` };
    }
    const maxNotional = Math.max(size * longRef, size * shortRef);
    if (this.opts.maxNotionalUsd !== undefined && maxNotional > this.opts.maxNotionalUsd) {
      return { ok: false, reason: `notional $${maxNotional.toFixed(2)} above the configured maximum $${this.opts.maxNotionalUsd}` };
    }

    let account: [number, number, number, number];
    try {
      const [mLong, mShort, hLong, hShort] = await Promise.all([
        longVenue.availableMarginUsd(),
        shortVenue.availableMarginUsd(),
        holdingOf(longVenue, longSymbol),
        holdingOf(shortVenue, shortSymbol),
      ]);
      account = [mLong, mShort, hLong, hShort];
    } catch (err) {
      return { ok: false, reason: `account state unavailable: ${errorText(err)}` };
    }
    const [marginLong, marginShort, holdLong, holdShort] = account;
    const needLong = (size * longRef) / this.leverage;
    const needShort = (size * shortRef) / this.leverage;
    if (!(marginLong >= needLong)) {
      return { ok: false, reason: `insufficient margin on ${longVenue.id}: available $${marginLong.toFixed(2)}, required $${needLong.toFixed(2)}` };
    }
    if (!(marginShort >= needShort)) {
      return { ok: false, reason: `insufficient margin on ${shortVenue.id}: available $${marginShort.toFixed(2)}, required $${needShort.toFixed(2)}` };
    }
    // We believe we are flat; a venue that disagrees holds exposure we do not know about.
    const unknown: string[] = [];
    if (holdLong !== 0) unknown.push(`${longVenue.id} ${longSymbol}: expected flat, venue reports ${describeSize(holdLong)}`);
    if (holdShort !== 0) unknown.push(`${shortVenue.id} ${shortSymbol}: expected flat, venue reports ${describeSize(holdShort)}`);
    if (unknown.length > 0) {
      const detail = unknown.join('; ');
      events.push(ev.reconciliationMismatch(this.now(), { pair: this.pair, detail }));
      this.halt(`reconciliation mismatch: ${detail}`, undefined, events);
      return { ok: false, reason: `reconciliation mismatch: ${detail}` };
    }

    return {
      ok: true,
      size,
      step,
      long: { venue: longVenue, symbol: longSymbol, spec: longSpec, refPrice: longRef },
      short: { venue: shortVenue, symbol: shortSymbol, spec: shortSpec, refPrice: shortRef },
    };
  }

  private entryRequest(symbol: string, side: Side, size: number, refPrice: number, spec: MarketSpec): OrderRequest {
    return {
      clientId: this.newClientId(),
      symbol,
      side,
      type: 'MARKET',
      size,
      price: capPrice(refPrice, side, this.slippagePct, spec.tickSize),
      timeInForce: 'IOC',
      reduceOnly: false,
    };
  }

  /** The leg's filled size; for an unresolved outcome, what the venue's position shows (undefined if unreadable). */
  private async filledOrHolding(fill: LegFill, venue: Venue, sign: 1 | -1): Promise<number | undefined> {
    if (!fill.unresolved) return fill.filledSize;
    try {
      const holding = await holdingOf(venue, fill.symbol);
      return Math.max(0, sign * holding);
    } catch {
      return undefined;
    }
  }

  /**
   * Reduces an excess entry leg with reduce-only orders until done or out of retries. Each retry
   * widens the cap (an unwind must get out) and trusts the venue's position over our fill count.
   */
  private async unwind(
    key: LegKey,
    venue: Venue,
    symbol: string,
    side: Side,
    excess: number,
    keep: number,
    /** Price the unwind trades at: the venue's bid when selling a long excess, its ask when buying back a short one. */
    ref: number,
    slippagePct: number,
    events: TradingEvent[],
  ): Promise<UnwindReport> {
    const signedExcess = side === 'SELL' ? excess : -excess;
    const fills: LegFill[] = [];
    let spec: MarketSpec | undefined;
    try {
      spec = await venue.market(symbol);
    } catch {
      spec = undefined;
    }
    const eps = (spec?.sizeIncrement ?? 1e-8) * 1e-6;
    let remaining = excess;
    let unwoundSize = 0;
    let attempts = 0;
    let lastReason = '';
    for (let attempt = 0; attempt <= this.closeRetries && remaining > eps; attempt++) {
      if (attempt > 0) await this.pause(this.backoff(attempt - 1));
      attempts++;
      const req = this.reduceOnlyOrder(symbol, side, remaining, capPrice(ref, side, slippagePct * (attempt + 1), spec?.tickSize ?? 0));
      // Durable before it is sent: a restart mid-unwind finds it at the venue and credits its fill.
      const fill = await this.sendLeg(venue, req, ref, events, undefined, (order) =>
        this.record({
          kind: 'unwind_order',
          pair: this.pair,
          time: this.now(),
          leg: key,
          venue: venue.id,
          symbol,
          side,
          clientId: req.clientId,
          size: req.size,
          ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
        }),
      );
      fills.push(fill);
      this.record({ kind: 'leg_filled', pair: this.pair, time: this.now(), phase: 'unwind', leg: key, fill });
      unwoundSize = roundDecimals(unwoundSize + fill.filledSize, 12);
      remaining = roundDecimals(remaining - fill.filledSize, 12);
      if (fill.reason !== undefined) lastReason = fill.reason;
      if (remaining > eps || fill.unresolved) {
        // The venue's position is the truth: a lost reply or a reduce-only rejection may mean it is already done.
        try {
          const holding = Math.abs(await holdingOf(venue, symbol));
          const actualExcess = Math.max(0, roundDecimals(holding - keep, 12));
          if (actualExcess < remaining) {
            unwoundSize = roundDecimals(unwoundSize + (remaining - actualExcess), 12);
            remaining = actualExcess;
          }
        } catch (err) {
          lastReason = `${lastReason}; positions unreadable: ${errorText(err)}`;
        }
      }
    }
    const ok = remaining <= eps;
    const reason = ok ? 'unwound' : `${venue.id} ${symbol}: ${signed(side === 'SELL' ? remaining : -remaining)} still to unwind after ${attempts} orders (${lastReason})`;
    const report: UnwindReport = { venue: venue.id, symbol, size: signedExcess, unwoundSize, ok, attempts, reason, fills };
    this.record({ kind: 'unwound', pair: this.pair, time: this.now(), venue: venue.id, symbol, size: signedExcess, unwoundSize, ok, reason });
    events.push(ev.legUnwound(this.now(), { pair: this.pair, venue: venue.id, size: signedExcess, ok, reason }));
    return report;
  }

  // ---------------------------------------------------------------- orders

  /**
   * Signs (unless `prepared`), dispatches and settles one order with a deadline. An unknown outcome
   * (timeout, lost reply, order still live) is resolved by client id, never by sending a second
   * order under a new id. `beforeDispatch` runs between signing and sending (the unwind and close
   * paths journal the order there).
   */
  private async sendLeg(
    venue: Venue,
    req: OrderRequest,
    refPrice: number,
    events: TradingEvent[],
    prepared?: PreparedOrder,
    beforeDispatch?: (order: PreparedOrder) => void,
  ): Promise<LegFill> {
    const base = { venue: venue.id, symbol: req.symbol, side: req.side, clientId: req.clientId, requestedSize: req.size };
    events.push(
      ev.orderPlaced(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, side: req.side, size: req.size, reduceOnly: req.reduceOnly }),
    );
    let order = prepared;
    if (order === undefined) {
      try {
        order = await venue.prepareOrder(req);
      } catch (err) {
        const reason = `signing failed: ${errorText(err)}`;
        events.push(ev.orderFailed(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, reason }));
        return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason };
      }
    }
    beforeDispatch?.(order);
    return this.settleLeg(venue, this.dispatch(venue, order), refPrice, events);
  }

  /** Hands a signed order to its venue now; the reply is settled later by settleLeg. */
  private dispatch(venue: Venue, order: PreparedOrder): InFlight {
    if (this.detached) {
      const reason = 'not sent: the process is stopping';
      return { order, sentAt: this.now(), outcome: Promise.resolve({ ok: false, clientId: order.request.clientId, reason, unknown: false }) };
    }
    return { order, sentAt: this.now(), outcome: venue.submitOrder(order) };
  }

  /** dispatch() with its ORDER_PLACED event. */
  private dispatchLogged(venue: Venue, order: PreparedOrder, events: TradingEvent[]): InFlight {
    const req = order.request;
    events.push(ev.orderPlaced(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, side: req.side, size: req.size, reduceOnly: req.reduceOnly }));
    return this.dispatch(venue, order);
  }

  /** Waits for a dispatched order's outcome (deadline, then lookups by client id) and reports its fill. */
  private async settleLeg(venue: Venue, inFlight: InFlight, refPrice: number, events: TradingEvent[]): Promise<LegFill> {
    const req = inFlight.order.request;
    const lookupRef = inFlight.order.lookupRef;
    const base = {
      venue: venue.id,
      symbol: req.symbol,
      side: req.side,
      clientId: req.clientId,
      requestedSize: req.size,
      ...(lookupRef !== undefined ? { lookupRef } : {}),
    };
    const { sentAt, outcome: submitted } = inFlight;
    const first = await this.deadline(submitted, this.legTimeoutMs);
    let outcome: OrderOutcome | undefined = first.done ? first.value : undefined;
    let unknownWhy = first.done ? '' : `no reply within ${this.legTimeoutMs} ms`;
    if (outcome !== undefined && !isFinal(outcome)) {
      unknownWhy = outcome.ok ? `order still ${outcome.status}` : `outcome unknown: ${outcome.reason}`;
      outcome = undefined;
    }
    if (outcome === undefined) outcome = await this.resolveByClientId(venue, req.symbol, req.clientId, submitted, lookupRef);
    if (outcome === undefined) {
      const reason = `${unknownWhy}; order ${req.clientId} could not be resolved by client id`;
      events.push(ev.orderFailed(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, reason }));
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason, unresolved: true };
    }

    if (!outcome.ok) {
      const reason = outcome.code !== undefined ? `${outcome.reason} (${outcome.code})` : outcome.reason;
      events.push(ev.orderFailed(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, reason }));
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: unknownWhy ? `${unknownWhy}; ${reason}` : reason };
    }
    const filledSize = outcome.filledSize;
    if (!(filledSize > 0)) {
      const reason = `${outcome.status}, nothing filled`;
      events.push(ev.orderFailed(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, reason }));
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: outcome.feeUsd, reason };
    }
    const priceEstimated = outcome.avgPrice === undefined;
    const avgPrice = outcome.avgPrice ?? refPrice;
    events.push(
      ev.orderFilled(this.now(), {
        pair: this.pair,
        venue: venue.id,
        clientId: req.clientId,
        filledSize,
        avgPrice,
        feeUsd: outcome.feeUsd,
        latencyMs: this.now() - sentAt,
      }),
    );
    const partial = filledSize < req.size * (1 - 1e-9);
    return {
      ...base,
      filledSize,
      avgPrice,
      feeUsd: outcome.feeUsd,
      ...(partial ? { reason: `partially filled ${filledSize} of ${req.size} (${outcome.status})` } : {}),
      ...(priceEstimated ? { priceEstimated } : {}),
    };
  }

  /** Looks an order up by client id with backoff; the late reply is used if it arrives meanwhile. */
  private async resolveByClientId(
    venue: Venue,
    symbol: string,
    clientId: string,
    late: Promise<OrderOutcome>,
    lookupRef?: string,
  ): Promise<OrderOutcome | undefined> {
    let lateOutcome: OrderOutcome | undefined;
    late.then(
      (o) => {
        lateOutcome = o;
      },
      () => undefined,
    );
    for (let i = 0; i <= this.closeRetries && !this.detached; i++) {
      if (i > 0) await this.pause(this.backoff(i - 1));
      if (lateOutcome !== undefined && isFinal(lateOutcome)) return lateOutcome;
      try {
        const found = await this.deadline(lookupRef === undefined ? venue.orderByClientId(symbol, clientId) : venue.orderByClientId(symbol, clientId, lookupRef), this.legTimeoutMs);
        if (found.done && found.value !== undefined && isFinal(found.value)) return found.value;
      } catch {
        // Transport failure on the lookup: try again after the backoff.
      }
      if (lateOutcome !== undefined && isFinal(lateOutcome)) return lateOutcome;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- close

  async closePosition(position: OpenPosition, ctx?: CloseContext): Promise<CloseOutcome> {
    const events: TradingEvent[] = [];
    if (this.busy) {
      const reason = 'another order operation is in flight';
      const idle = (key: LegKey): CloseLegReport => this.idleLegReport(position, key, reason);
      return { ok: false, reason, legs: { long: idle('long'), short: idle('short') }, preparedUsed: 0, events };
    }
    this.busy = true;
    try {
      return await this.close(position, ctx, events);
    } finally {
      this.busy = false;
    }
  }

  private idleLegReport(position: OpenPosition, key: LegKey, reason: string): CloseLegReport {
    return {
      venue: key === 'long' ? position.longVenue : position.shortVenue,
      symbol: key === 'long' ? position.longSymbol : position.shortSymbol,
      side: key === 'long' ? 'SELL' : 'BUY',
      closedSize: 0,
      avgExitPrice: undefined,
      feesUsd: 0,
      attempts: 0,
      flat: false,
      venueSize: undefined,
      reason,
      fills: [],
    };
  }

  private async close(position: OpenPosition, ctx: CloseContext | undefined, events: TradingEvent[]): Promise<CloseOutcome> {
    const key = positionKey(position);
    if (this.preparing !== undefined) await this.preparing;
    if (this.progress.long?.key !== key) this.resetProgress(position);
    const prepared = this.prepared?.key === key ? this.prepared : undefined;
    this.prepared = undefined; // each prepared order is sent at most once
    // Armed orders go out first: their ids are already durable ('close_armed'), so the 'closing'
    // fsync is paid after they left. Anything signed from here on is sent after 'closing'.
    const startedAt = this.now();
    const armed: Partial<Record<LegKey, InFlight>> = {};
    for (const leg of ['long', 'short'] as const) {
      const order = prepared?.[leg];
      const venueId = leg === 'long' ? position.longVenue : position.shortVenue;
      const venue = this.venueById(venueId);
      const remaining = roundDecimals(position.size - this.progress[leg]!.closedSize, 12);
      if (order === undefined || venue === undefined || !(remaining > 0)) continue;
      if (!this.preparedUsable(order, remaining, this.bookFor(venueId, ctx))) continue;
      const req = order.request;
      events.push(ev.orderPlaced(this.now(), { pair: this.pair, venue: venue.id, clientId: req.clientId, side: req.side, size: req.size, reduceOnly: req.reduceOnly }));
      armed[leg] = this.dispatch(venue, order);
    }
    // The venue clients write a request to its socket only on a later turn of the event loop (the
    // HTTP client attaches the socket in a nextTick after the request's promise chain ran): an fsync
    // here would sit between the exit and the orders' bytes. Nothing below depends on 'closing' being
    // on disk before that turn (a crash meanwhile leaves 'open' + armed ids, which restore() handles),
    // and every later journal write of this close comes after it.
    if (armed.long !== undefined || armed.short !== undefined) await afterPendingWrites();
    this.record({
      kind: 'closing',
      pair: this.pair,
      time: startedAt,
      clientIds: { long: armed.long?.order.request.clientId ?? '', short: armed.short?.order.request.clientId ?? '' },
      ...lookupRefsOf(armed.long?.order, armed.short?.order),
    });

    const [long, short] = await Promise.all([
      this.closeLeg(position, 'long', ctx, armed.long, events),
      this.closeLeg(position, 'short', ctx, armed.short, events),
    ]);
    const preparedUsed = long.preparedUsed + short.preparedUsed;
    const ok = long.report.flat && short.report.flat;
    const pLong = this.progress.long!;
    const pShort = this.progress.short!;
    const grossPnlUsd = pLong.pnlUsd + pShort.pnlUsd;
    const feesUsd = position.entryFeesUsd + pLong.feesUsd + pShort.feesUsd;

    if (ok) {
      // A leg that reads flat although an order's outcome stayed unknown: that order filled what no
      // recorded fill explains. Its price is looked up later (settleLateFills) and credited then.
      const pendingFills: PendingFill[] = [];
      for (const leg of ['long', 'short'] as const) {
        const report = leg === 'long' ? long.report : short.report;
        const unexplained = roundDecimals(position.size - this.progress[leg]!.closedSize, 12);
        if (!(unexplained > sizeTolerance(position.size))) continue;
        for (const f of report.fills) {
          if (!f.unresolved) continue;
          pendingFills.push({
            trade: key,
            leg,
            venue: f.venue,
            symbol: f.symbol,
            side: f.side,
            clientId: f.clientId,
            ...(f.lookupRef !== undefined ? { lookupRef: f.lookupRef } : {}),
            size: unexplained,
            entryPrice: leg === 'long' ? position.longEntryPrice : position.shortEntryPrice,
          });
        }
      }
      this.record({ kind: 'closed', pair: this.pair, time: this.now(), grossPnlUsd, feesUsd, ...(pendingFills.length > 0 ? { pendingFills } : {}) });
      if (pendingFills.length > 0) {
        this.lateFillsDueAt = this.now();
        this.lateFillMisses = 0;
      }
      if (this.journalErrors.length > 0) this.halt(this.journalErrors.splice(0).join('; '), undefined, events);
      if (this.current !== undefined && positionKey(this.current) === key) this.current = undefined;
      this.progress.long = undefined;
      this.progress.short = undefined;
      return { ok, grossPnlUsd, feesUsd, legs: { long: long.report, short: short.report }, preparedUsed, events };
    }
    const reason = [long.report, short.report]
      .filter((r) => !r.flat)
      .map((r) => `${r.venue} ${r.symbol} not flat (${r.venueSize === undefined ? 'position unreadable' : `venue reports ${describeSize(r.venueSize)}`}): ${r.reason ?? 'unknown'}`)
      .join('; ');
    this.record({ kind: 'close_failed', pair: this.pair, time: this.now(), reason });
    // Keep monitoring the position; the next closePosition resumes from what is already closed.
    if (this.current === undefined) this.current = position;
    return { ok: false, reason, grossPnlUsd, feesUsd, legs: { long: long.report, short: short.report }, preparedUsed, events };
  }

  /**
   * Closes one leg with reduce-only orders until the venue's positions endpoint reads flat, or
   * retries run out. Remaining size = our fill count, capped by what the venue still holds, so a
   * lagging positions read never makes us send more than the leg holds.
   */
  private async closeLeg(
    position: OpenPosition,
    key: LegKey,
    ctx: CloseContext | undefined,
    armed: InFlight | undefined,
    events: TradingEvent[],
  ): Promise<{ report: CloseLegReport; preparedUsed: number }> {
    const venueId = key === 'long' ? position.longVenue : position.shortVenue;
    const symbol = key === 'long' ? position.longSymbol : position.shortSymbol;
    const side: Side = key === 'long' ? 'SELL' : 'BUY';
    const sign = key === 'long' ? 1 : -1;
    const venue = this.venueById(venueId);
    const progress = this.progress[key]!;
    const fills: LegFill[] = [];
    if (venue === undefined) {
      return { report: { ...this.idleLegReport(position, key, `venue ${venueId} is not configured`), fills }, preparedUsed: 0 };
    }
    let spec: MarketSpec | undefined;
    try {
      spec = await venue.market(symbol);
    } catch {
      spec = undefined;
    }
    const step = spec?.sizeIncrement ?? 1e-8;
    const eps = step * 1e-6;
    const entryPrice = key === 'long' ? position.longEntryPrice : position.shortEntryPrice;
    const book = this.bookFor(venueId, ctx);

    let remaining = Math.max(0, roundDecimals(position.size - progress.closedSize, 12));
    let attempts = 0;
    let preparedUsed = 0;
    let venueSize: number | undefined;
    let flat = false;
    let lastReason: string | undefined;
    let settleChecks = 0;
    let closedNow = 0;
    let notionalNow = 0;
    let feesNow = 0;

    for (let round = 0; round <= this.closeRetries; round++) {
      if (round > 0) await this.pause(this.backoff(round - 1));
      const sendArmed = round === 0 && armed !== undefined;
      if (sendArmed || remaining > eps) {
        attempts++;
        const bookRef = closeReference(book, side, remaining);
        const ref = bookRef ?? entryPrice;
        const slip = (bookRef !== undefined ? this.slippagePct : this.fallbackCloseSlippagePct) * (round + 1);
        let fill: LegFill;
        if (sendArmed) {
          preparedUsed++;
          fill = await this.settleLeg(venue, armed, ref, events);
        } else {
          const req = this.reduceOnlyOrder(symbol, side, remaining, capPrice(ref, side, slip, spec?.tickSize ?? 0));
          // Durable before it is sent: a restart can then look it up if its fill never reaches the journal.
          fill = await this.sendLeg(venue, req, ref, events, undefined, (order) =>
            this.record({
              kind: 'close_order',
              pair: this.pair,
              time: this.now(),
              leg: key,
              clientId: req.clientId,
              ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}),
            }),
          );
        }
        fills.push(fill);
        this.record({ kind: 'leg_filled', pair: this.pair, time: this.now(), phase: 'close', leg: key, fill });
        if (fill.reason !== undefined) lastReason = fill.reason;
        if (fill.filledSize > 0) {
          const px = fill.avgPrice ?? ref;
          progress.closedSize = roundDecimals(progress.closedSize + fill.filledSize, 12);
          progress.pnlUsd += sign * (px - entryPrice) * fill.filledSize;
          progress.feesUsd += fill.feeUsd;
          closedNow += fill.filledSize;
          notionalNow += px * fill.filledSize;
          feesNow += fill.feeUsd;
          remaining = Math.max(0, roundDecimals(remaining - fill.filledSize, 12));
        }
      }
      try {
        venueSize = await holdingOf(venue, symbol);
      } catch (err) {
        lastReason = `positions unreadable: ${errorText(err)}`;
        continue;
      }
      if (Math.abs(venueSize) <= eps) {
        flat = true;
        break;
      }
      if (Math.sign(venueSize) !== sign) {
        lastReason = `venue reports ${describeSize(venueSize)} where a ${key} leg was expected; not trading against it`;
        break;
      }
      if (remaining <= eps) {
        // Our fills say closed but the venue still shows a holding: allow one read for settlement lag, then trust the venue.
        if (settleChecks++ >= 1) remaining = Math.abs(venueSize);
        lastReason ??= 'venue still reports a position after the closing fills';
      } else {
        remaining = Math.min(remaining, Math.abs(venueSize));
      }
    }
    const report: CloseLegReport = {
      venue: venueId,
      symbol,
      side,
      closedSize: roundDecimals(closedNow, 12),
      avgExitPrice: closedNow > 0 ? notionalNow / closedNow : undefined,
      feesUsd: feesNow,
      attempts,
      flat,
      venueSize,
      ...(flat ? {} : { reason: lastReason ?? `not flat after ${attempts} orders` }),
      fills,
    };
    return { report, preparedUsed };
  }

  private resetProgress(position: OpenPosition, closeFills: readonly LegFilledEntry[] = []): void {
    const key = positionKey(position);
    const fold = (leg: LegKey): CloseProgress => {
      const entry = leg === 'long' ? position.longEntryPrice : position.shortEntryPrice;
      const sign = leg === 'long' ? 1 : -1;
      const p: CloseProgress = { key, closedSize: 0, pnlUsd: 0, feesUsd: 0 };
      for (const f of closeFills) {
        if (f.leg !== leg || !(f.fill.filledSize > 0)) continue;
        p.closedSize = roundDecimals(p.closedSize + f.fill.filledSize, 12);
        p.pnlUsd += sign * ((f.fill.avgPrice ?? entry) - entry) * f.fill.filledSize;
        p.feesUsd += f.fill.feeUsd;
      }
      return p;
    };
    this.progress.long = fold('long');
    this.progress.short = fold('short');
  }

  private bookFor(venueId: VenueId, ctx: CloseContext | undefined): OrderBook | undefined {
    if (ctx === undefined) return undefined;
    const isA = this.opts.venues.a.id === venueId;
    const book = isA ? (ctx.a ?? ctx.tick?.a) : (ctx.b ?? ctx.tick?.b);
    return book !== undefined && (book.bids.length > 0 || book.asks.length > 0) ? book : undefined;
  }

  /** A prepared order is usable while it stays valid past the safety margin, matches the size, and is still marketable. */
  private preparedUsable(prepared: PreparedOrder, size: number, book: OrderBook | undefined): boolean {
    if (prepared.validUntil - this.now() < this.preparedSafetyMs) return false;
    if (Math.abs(prepared.request.size - size) > size * 1e-9) return false;
    const ref = closeReference(book, prepared.request.side, size);
    if (ref === undefined) return true;
    return prepared.request.side === 'SELL' ? prepared.request.price <= ref : prepared.request.price >= ref;
  }

  /** True when a book is known and the prepared cap is more than one slippage width away from the cap it implies. */
  private capDrifted(prepared: PreparedOrder, size: number, book: OrderBook | undefined): boolean {
    const ref = closeReference(book, prepared.request.side, size);
    if (ref === undefined) return false;
    const wanted = capPrice(ref, prepared.request.side, this.slippagePct, 0);
    return Math.abs(prepared.request.price - wanted) > wanted * (this.slippagePct / 100);
  }

  // ---------------------------------------------------------------- prepared close

  async prepareClose(position: OpenPosition, ctx?: CloseContext): Promise<boolean> {
    const key = positionKey(position);
    if (this.prepared?.key !== key) this.prepared = { key };
    const target = this.prepared;
    const [long, short] = await Promise.all((['long', 'short'] as const).map((leg) => this.prepareLeg(position, leg, ctx)));
    return this.arm(target, { long, short }) && long !== undefined && short !== undefined;
  }

  /**
   * Journals the close set with the newly signed orders ('close_armed') and only then holds them,
   * so an armed order can be sent before 'closing' is written. False when nothing was armed: the
   * set was taken by a close meanwhile, or the journal write failed (the exit then signs on the spot).
   */
  private arm(target: PreparedClose, signed: Partial<Record<LegKey, PreparedOrder>>): boolean {
    if (this.prepared !== target || (signed.long === undefined && signed.short === undefined)) return false;
    const long = signed.long ?? target.long;
    const short = signed.short ?? target.short;
    const validUntil = Math.min(long?.validUntil ?? Number.POSITIVE_INFINITY, short?.validUntil ?? Number.POSITIVE_INFINITY);
    if (this.detached) return false;
    try {
      this.journal.append({
        kind: 'close_armed',
        pair: this.pair,
        time: this.now(),
        clientIds: { ...(long ? { long: long.request.clientId } : {}), ...(short ? { short: short.request.clientId } : {}) },
        ...lookupRefsOf(long, short),
        validUntil,
      });
    } catch {
      return false;
    }
    if (long !== undefined) target.long = long;
    if (short !== undefined) target.short = short;
    return true;
  }

  private async prepareLeg(position: OpenPosition, leg: LegKey, ctx: CloseContext | undefined): Promise<PreparedOrder | undefined> {
    const venueId = leg === 'long' ? position.longVenue : position.shortVenue;
    const venue = this.venueById(venueId);
    if (venue === undefined) return undefined;
    const symbol = leg === 'long' ? position.longSymbol : position.shortSymbol;
    const side: Side = leg === 'long' ? 'SELL' : 'BUY';
    const progress = this.progress[leg];
    const closed = progress?.key === positionKey(position) ? progress.closedSize : 0;
    const size = roundDecimals(position.size - closed, 12);
    if (!(size > 0)) return undefined;
    const book = this.bookFor(venueId, ctx);
    const entry = leg === 'long' ? position.longEntryPrice : position.shortEntryPrice;
    const bookRef = closeReference(book, side, size);
    const ref = bookRef ?? entry;
    const slip = bookRef !== undefined ? this.slippagePct : this.fallbackCloseSlippagePct;
    try {
      const spec = await venue.market(symbol);
      const at = this.now();
      const order = await venue.prepareOrder(this.reduceOnlyOrder(symbol, side, size, capPrice(ref, side, slip, spec.tickSize)));
      signedAt.set(order, at);
      return order;
    } catch {
      return undefined;
    }
  }

  /**
   * True when an armed order is close enough to its expiry to be re-signed: with less than
   * refreshAheadMs left, but measured against its own validity window (never in its first half, so
   * an order valid for 4 s is not re-signed at every once-a-second check) and never so late that it
   * would already be below the safety margin at the exit.
   */
  private nearExpiry(order: PreparedOrder): boolean {
    const left = order.validUntil - this.now();
    const signed = signedAt.get(order);
    const lifetime = signed === undefined ? Number.POSITIVE_INFINITY : order.validUntil - signed;
    const ahead = Math.max(Math.min(this.refreshAheadMs, lifetime / 2), this.preparedSafetyMs);
    return left < ahead;
  }

  async refreshPreparedClose(ctx?: CloseContext): Promise<boolean> {
    const position = this.current;
    if (position === undefined || this.busy) return false;
    const key = positionKey(position);
    if (this.prepared?.key !== key) this.prepared = { key };
    const target = this.prepared;
    const signed: Partial<Record<LegKey, PreparedOrder>> = {};
    await Promise.all(
      (['long', 'short'] as const).map(async (leg) => {
        const existing = target[leg];
        const progress = this.progress[leg];
        const size = roundDecimals(position.size - (progress?.key === key ? progress.closedSize : 0), 12);
        const venueId = leg === 'long' ? position.longVenue : position.shortVenue;
        const book = this.bookFor(venueId, ctx);
        const stale =
          existing === undefined || this.nearExpiry(existing) || !this.preparedUsable(existing, size, book) || this.capDrifted(existing, size, book);
        if (!stale) return;
        const next = await this.prepareLeg(position, leg, ctx);
        if (next !== undefined) signed[leg] = next;
      }),
    );
    return this.arm(target, signed);
  }

  // ---------------------------------------------------------------- restore

  async restore(): Promise<RestoreResult> {
    if (this.busy) return { ok: false, resumeClose: false, reason: 'another order operation is in flight', events: [] };
    this.busy = true;
    try {
      return await this.restoreNow();
    } finally {
      this.busy = false;
    }
  }

  private async restoreNow(): Promise<RestoreResult> {
    const events: TradingEvent[] = [];
    const state = this.journal.lastState(this.pair);
    const firstAttempt = this.reconcileFailures === 0;
    // A reconciliation halt is not kept across a restart: this start retries it.
    if (firstAttempt && state.halt !== undefined && !state.halt.reconcile && (state.halt.until === undefined || state.halt.until > this.now())) {
      this.haltState = { reason: state.halt.reason, ...(state.halt.until !== undefined ? { until: state.halt.until } : {}) };
      events.push(ev.tradingHalted(this.now(), { pair: this.pair, reason: state.halt.reason, ...(state.halt.until !== undefined ? { until: state.halt.until } : {}) }));
    }
    if (firstAttempt && state.problems.length > 0) {
      // Only this pair stops trading; what the journal still says is monitored below.
      const lines = state.problems.map(describeProblem).join('; ');
      this.halt(`malformed journal entries: ${lines}; check the journal, then clear with npm start -- resume --pair ${this.pair}`, undefined, events);
    }

    const assessed = await this.assess(state);
    if (assessed.kind === 'unreadable') return this.retryLater(assessed.reason, events);
    this.endReconcileHalt(state, events);
    if (assessed.kind === 'mismatch') {
      events.push(ev.reconciliationMismatch(this.now(), { pair: this.pair, detail: assessed.detail }));
      this.halt(`reconciliation mismatch: ${assessed.detail}`, undefined, events);
      return { ok: false, resumeClose: false, reason: assessed.detail, events };
    }

    if (assessed.entry !== undefined) return this.finishEntry(assessed.entry, events);

    let closedTrade: RestoreResult['closedTrade'];
    let note: string | undefined;
    if (assessed.close !== undefined) {
      const done = this.creditInterruptedClose(state, assessed.close, events);
      closedTrade = done.closedTrade;
      note = done.note;
      if (this.journalErrors.length > 0) {
        const reason = this.journalErrors.splice(0).join('; ');
        this.halt(reason, undefined, events);
        return { ok: false, resumeClose: false, reason, events };
      }
    }

    const now = this.journal.lastState(this.pair);
    const position = now.position;
    if ((now.phase === 'open' || now.phase === 'closing') && position !== undefined) {
      this.current = position;
      this.resetProgress(position, now.closeFills);
      events.push(ev.positionRestored(this.now(), { pair: this.pair, direction: position.direction, size: position.size, entrySpread: position.entrySpread }));
      await this.prepareClose(position);
      return { ok: true, position, resumeClose: now.phase === 'closing', events, ...(note !== undefined ? { reason: note } : {}) };
    }
    return { ok: true, resumeClose: false, events, ...(closedTrade !== undefined ? { closedTrade } : {}), ...(note !== undefined ? { reason: note } : {}) };
  }

  async reconcile(opts: { asIfResumed?: boolean } = {}): Promise<Reconciliation> {
    let state = this.journal.lastState(this.pair);
    if (opts.asIfResumed && state.phase === 'exposed') {
      // An operator resume acknowledges recorded exposure: from then on the venues are compared against flat.
      const { exposure: _exposure, position: _position, ...rest } = state;
      state = { ...rest, phase: 'flat' };
    }
    const a = await this.assess(state);
    const holdings = a.kind === 'unreadable' ? undefined : a.holdings;
    const detail =
      a.kind === 'unreadable'
        ? `cannot reconcile: ${a.reason}`
        : a.kind === 'mismatch'
          ? a.detail
          : a.entry !== undefined
            ? `an interrupted entry will be finished at start: ${entryPlanText(a.entry)}`
            : a.close !== undefined
              ? `a close sent before the restart will be credited at start (${a.close.map(({ leg, fill }) => `${leg} ${fill.venue} ${fill.filledSize}`).join(', ')})`
              : `the venues hold what the journal expects (${state.phase === 'flat' ? 'flat' : `${state.phase}${state.position ? ` ${state.position.direction} ${state.position.size}` : ''}`})`;
    return { status: a.kind === 'consistent' ? 'agree' : a.kind, detail, ...(holdings !== undefined ? { holdings } : {}) };
  }

  /** A venue could not be read: halt (once on record), say when the reconciliation is retried. */
  private retryLater(reason: string, events: TradingEvent[]): RestoreResult {
    this.reconcileFailures++;
    const retryInMs = Math.min(this.reconcileRetryMaxMs, this.reconcileRetryMs * 2 ** (this.reconcileFailures - 1));
    const text = `cannot reconcile the journal with the venues: ${reason}; retrying in ${formatDelay(retryInMs)} (attempt ${this.reconcileFailures})`;
    if (this.haltState === undefined || this.haltState.reconcile) {
      this.haltState = { reason: text, reconcile: true };
      if (this.reconcileFailures === 1) this.record({ kind: 'halted', pair: this.pair, time: this.now(), reason: text, reconcile: true });
    }
    events.push(ev.tradingHalted(this.now(), { pair: this.pair, reason: text }));
    return { ok: false, resumeClose: false, retryInMs, reason: text, events };
  }

  /** The venues could be read again: a reconciliation halt (this process's or one on record) ends. */
  private endReconcileHalt(state: JournalState, events: TradingEvent[]): void {
    const mine = this.haltState?.reconcile === true;
    if (mine) this.haltState = undefined;
    if (mine || state.halt?.reconcile) {
      this.record({ kind: 'resumed', pair: this.pair, time: this.now(), operator: false });
      events.push(ev.tradingResumed(this.now(), { pair: this.pair }));
    }
    this.reconcileFailures = 0;
  }

  /**
   * Reads both venues and looks up whatever orders the journal leaves unconcluded. Read-only. The
   * venues' positions are the truth for sizes; the orders say whether the journal explains them.
   */
  private async assess(state: JournalState): Promise<Assessment> {
    const { a, b } = this.opts.venues;
    const symA = a.symbolFor(this.pair);
    const symB = b.symbolFor(this.pair);
    let actual: Record<VenueKey, number>;
    try {
      const [ha, hb] = await Promise.all([holdingOf(a, symA), holdingOf(b, symB)]);
      actual = { a: ha, b: hb };
    } catch (err) {
      return { kind: 'unreadable', reason: `positions unreadable (${errorText(err)})` };
    }
    const holdings: Exposure[] = [
      { venue: a.id, symbol: symA, size: actual.a },
      { venue: b.id, symbol: symB, size: actual.b },
    ];

    if (state.phase === 'opening') {
      const entry = await this.assessEntry(state, actual);
      if (entry.kind === 'unreadable') return entry;
      if (entry.kind === 'mismatch') return { ...entry, holdings };
      return { kind: 'consistent', holdings, entry: entry.found };
    }

    let credited: CloseFound | undefined;
    const expected = expectedHoldings(state, { a: a.id, b: b.id }) ?? { a: 0, b: 0 };
    if (state.phase === 'closing' || (state.phase === 'open' && state.armed !== undefined)) {
      const close = await this.assessClose(state, actual);
      if (close.kind === 'unreadable') return { kind: 'unreadable', reason: close.reason };
      if (close.kind === 'found' && state.position !== undefined) {
        credited = close.fills;
        for (const { leg, fill } of close.fills) {
          const k = leg === 'long' ? this.keyOf(state.position.longVenue) : this.keyOf(state.position.shortVenue);
          if (k !== undefined) expected[k] = roundDecimals(expected[k] + (leg === 'long' ? -fill.filledSize : fill.filledSize), 12);
        }
      }
    }
    const mismatches = holdingMismatches(expected, actual, { a: `${a.id} ${symA}`, b: `${b.id} ${symB}` });
    if (state.phase === 'exposed' && mismatches.length === 0) {
      mismatches.push(`journal records unhedged exposure (${(state.exposure ?? []).map(exposureText).join(', ')}) awaiting an operator`);
    }
    if (mismatches.length > 0) return { kind: 'mismatch', detail: mismatches.join('; '), holdings };
    return { kind: 'consistent', holdings, ...(credited !== undefined && credited.length > 0 ? { close: credited } : {}) };
  }

  private keyOf(id: VenueId): VenueKey | undefined {
    return this.opts.venues.a.id === id ? 'a' : this.opts.venues.b.id === id ? 'b' : undefined;
  }

  /**
   * Looks an order up from a restarted process. `unreadable` when the venue could not answer or the
   * order is still live (it could fill more): the reconciliation is then retried. Undefined = the
   * venue does not know it (it never arrived).
   */
  private async lookUp(venue: Venue, symbol: string, clientId: string, lookupRef: string | undefined): Promise<{ ok: true; outcome: OrderOutcome | undefined } | { ok: false; reason: string }> {
    try {
      const r = await this.deadline(lookupRef === undefined ? venue.orderByClientId(symbol, clientId) : venue.orderByClientId(symbol, clientId, lookupRef), this.legTimeoutMs);
      if (!r.done) return { ok: false, reason: `${venue.id} order ${clientId}: lookup timed out after ${this.legTimeoutMs} ms` };
      if (r.value !== undefined && !isFinal(r.value)) return { ok: false, reason: `${venue.id} order ${clientId} is still live` };
      return { ok: true, outcome: r.value };
    } catch (err) {
      return { ok: false, reason: `${venue.id} order ${clientId}: lookup failed (${errorText(err)})` };
    }
  }

  /**
   * An entry the journal leaves unfinished: what each of its orders (entry legs, unwinds) did, as
   * the venues report them, and whether that explains what the venues hold.
   */
  private async assessEntry(
    state: JournalState,
    actual: Record<VenueKey, number>,
  ): Promise<{ kind: 'found'; found: EntryFound } | { kind: 'unreadable'; reason: string } | { kind: 'mismatch'; detail: string }> {
    const opening = state.opening!;
    const describe = `journal shows an unfinished entry (${opening.direction} ${opening.size})`;
    const venueOfLeg = (leg: LegKey) => this.venueById(opening[leg].venue);
    const longVenue = venueOfLeg('long');
    const shortVenue = venueOfLeg('short');
    const kl = this.keyOf(opening.long.venue);
    const ks = this.keyOf(opening.short.venue);
    if (longVenue === undefined || shortVenue === undefined || kl === undefined || ks === undefined) {
      return { kind: 'mismatch', detail: `${describe} on venues this pair is not configured with (${opening.long.venue}, ${opening.short.venue})` };
    }
    const held = { long: actual[kl], short: -actual[ks] };
    const venues = { long: longVenue, short: shortVenue };

    const found: Array<EntryFound['found'][number]> = [];
    const legs = {} as Record<LegKey, LegFill>;
    for (const leg of ['long', 'short'] as const) {
      const plan = opening[leg];
      const recorded = state.openingFills.find((f) => f.leg === leg && f.fill.clientId === plan.clientId)?.fill;
      if (recorded !== undefined && !recorded.unresolved) {
        legs[leg] = recorded;
        continue;
      }
      const looked = await this.lookUp(venues[leg], plan.symbol, plan.clientId, plan.lookupRef);
      if (!looked.ok) return { kind: 'unreadable', reason: looked.reason };
      const fill = fillFromLookup(plan, looked.outcome, 'entry leg');
      legs[leg] = fill;
      if (looked.outcome !== undefined) found.push({ phase: 'open', leg, fill });
    }
    // Unwinds: recorded fills, and orders sent whose fill was never recorded (or stayed unknown).
    const unwound = { long: 0, short: 0 };
    for (const f of state.unwindFills) {
      if (!f.fill.unresolved) {
        unwound[f.leg] += f.fill.filledSize;
        continue;
      }
      const looked = await this.lookUp(venues[f.leg], f.fill.symbol, f.fill.clientId, f.fill.lookupRef);
      if (!looked.ok) return { kind: 'unreadable', reason: looked.reason };
      const fill = fillFromLookup({ ...f.fill, size: f.fill.requestedSize }, looked.outcome, 'unwind');
      unwound[f.leg] += fill.filledSize;
      if (looked.outcome !== undefined) found.push({ phase: 'unwind', leg: f.leg, fill });
    }
    for (const u of state.pendingUnwindOrders) {
      const looked = await this.lookUp(venues[u.leg], u.symbol, u.clientId, u.lookupRef);
      if (!looked.ok) return { kind: 'unreadable', reason: looked.reason };
      const fill = fillFromLookup(u, looked.outcome, 'unwind');
      unwound[u.leg] += fill.filledSize;
      // An order the venue never saw is recorded as such too: it must not be looked up again.
      found.push({ phase: 'unwind', leg: u.leg, fill });
    }

    // The venues must hold exactly what these orders did: anything else is not ours to trade against.
    const explained = { long: roundDecimals(legs.long.filledSize - unwound.long, 12), short: roundDecimals(legs.short.filledSize - unwound.short, 12) };
    const unexplained: string[] = [];
    for (const leg of ['long', 'short'] as const) {
      if (!sameSize(explained[leg], held[leg])) {
        const plan = opening[leg];
        const sign = leg === 'long' ? 1 : -1;
        unexplained.push(`${plan.venue} ${plan.symbol}: the entry's orders explain ${describeSize(sign * explained[leg])}, venue reports ${describeSize(sign * held[leg])}`);
      }
    }
    if (unexplained.length > 0) return { kind: 'mismatch', detail: `${describe}; ${unexplained.join('; ')}` };

    let specs: [MarketSpec, MarketSpec];
    try {
      specs = await Promise.all([longVenue.market(opening.long.symbol), shortVenue.market(opening.short.symbol)]);
    } catch (err) {
      return { kind: 'unreadable', reason: `market rules unavailable (${errorText(err)})` };
    }
    const [longSpec, shortSpec] = specs;
    const step = Math.max(longSpec.sizeIncrement, shortSpec.sizeIncrement);
    // Without a book at start, the fill prices (else the caps) are the reference; unwinds get the wide fallback cap.
    const longRef = legs.long.avgPrice ?? opening.long.priceCap;
    const shortRef = legs.short.avgPrice ?? opening.short.priceCap;
    return {
      kind: 'found',
      found: {
        opening,
        found,
        legs,
        held: { long: Math.max(0, held.long), short: Math.max(0, held.short) },
        long: { venue: longVenue, symbol: opening.long.symbol, spec: longSpec, refPrice: longRef, unwindRef: longRef },
        short: { venue: shortVenue, symbol: opening.short.symbol, spec: shortSpec, refPrice: shortRef, unwindRef: shortRef },
        step,
      },
    };
  }

  /** Finishes an interrupted entry: credits the fills found, then keeps the common hedge and unwinds the rest. */
  private async finishEntry(entry: EntryFound, events: TradingEvent[]): Promise<RestoreResult> {
    const time = this.now();
    for (const { phase, leg, fill } of entry.found) {
      this.record({ kind: 'leg_filled', pair: this.pair, time, phase, leg, fill });
      events.push(
        ev.fillCredited(time, {
          pair: this.pair,
          venue: fill.venue,
          clientId: fill.clientId,
          phase,
          filledSize: fill.filledSize,
          ...(fill.filledSize > 0 && fill.avgPrice !== undefined ? { avgPrice: fill.avgPrice } : {}),
          feeUsd: fill.feeUsd,
          creditedPnlUsd: 0,
          creditedFeesUsd: 0,
          reason: `${phase === 'open' ? 'entry leg' : 'unwind'} found after a restart`,
        }),
      );
    }
    const result = await this.concludeEntry(
      {
        direction: entry.opening.direction,
        detectedSpread: entry.opening.detectedSpread,
        size: entry.opening.size,
        step: entry.step,
        legs: entry.legs,
        held: entry.held,
        long: entry.long,
        short: entry.short,
        unwindSlippagePct: this.fallbackCloseSlippagePct,
        openedAt: entry.opening.time,
        restored: true,
        detectedAt: entry.opening.time,
      },
      events,
    );
    if (result.ok) return { ok: true, position: result.position, resumeClose: false, events, reason: `interrupted entry finished: ${entryPlanText(entry)}` };
    if (result.stage === 'unwind') return { ok: false, resumeClose: false, reason: result.reason, events };
    return { ok: true, resumeClose: false, events, reason: `interrupted entry finished: ${result.reason}` };
  }

  /**
   * After a crash between sending a close and journalling its fills: in phase 'open' with armed
   * close ids (sent before 'closing' is written) or in phase 'closing'. The venues' positions are
   * the truth. A leg that holds less than the journal expects, on the same side, is attributed to
   * our close only when the venue's record of that close order (looked up by client id) shows a fill
   * covering the reduction. An order that cannot be read, or is still live, makes the venue
   * unreadable for now (retried). Anything else unexplained (a hand-closed leg) is left to the
   * comparison, which halts on the mismatch for an operator.
   */
  private async assessClose(
    state: JournalState,
    actual: Record<VenueKey, number>,
  ): Promise<{ kind: 'none' } | { kind: 'unreadable'; reason: string } | { kind: 'found'; fills: CloseFound }> {
    const position = state.position;
    if (position === undefined) return { kind: 'none' };
    // The orders that may have executed unrecorded: the armed set (sent before 'closing' is written),
    // or in phase 'closing' every close order sent since whose fill is not journalled.
    const armed = state.phase === 'open' ? state.armed : undefined;
    const pendingOf = (leg: LegKey): readonly PendingCloseOrder[] => {
      if (armed !== undefined) {
        const clientId = armed.clientIds[leg];
        const lookupRef = armed.lookupRefs?.[leg];
        return clientId ? [{ clientId, ...(lookupRef !== undefined ? { lookupRef } : {}) }] : [];
      }
      return state.phase === 'closing' ? (state.pendingCloseOrders?.[leg] ?? []) : [];
    };

    const fills: Array<{ leg: LegKey; fill: LegFill }> = [];
    for (const leg of ['long', 'short'] as const) {
      const venueId = leg === 'long' ? position.longVenue : position.shortVenue;
      const symbol = leg === 'long' ? position.longSymbol : position.shortSymbol;
      const k = this.keyOf(venueId);
      const venue = this.venueById(venueId);
      if (k === undefined || venue === undefined) return { kind: 'none' };
      const expectedAbs = roundDecimals(position.size - state.closedSize[leg], 12);
      const held = leg === 'long' ? actual[k] : -actual[k];
      const tolerance = sizeTolerance(expectedAbs);
      // Flipped, or more than the journal knows: not something a reduce-only close can do.
      if (held < -tolerance || held > expectedAbs + tolerance) return { kind: 'none' };
      const closed = roundDecimals(expectedAbs - Math.max(0, held), 12);
      if (!(closed > tolerance)) continue;
      // Each unrecorded order as the venue reports it. Not found = never arrived.
      const found: Array<{ clientId: string; lookupRef?: string; outcome: OrderAccepted }> = [];
      for (const order of pendingOf(leg)) {
        const looked = await this.lookUp(venue, symbol, order.clientId, order.lookupRef);
        if (!looked.ok) return { kind: 'unreadable', reason: looked.reason };
        const outcome = looked.outcome;
        if (outcome !== undefined && outcome.ok && outcome.filledSize > 0) {
          found.push({ clientId: order.clientId, ...(order.lookupRef !== undefined ? { lookupRef: order.lookupRef } : {}), outcome });
        }
      }
      const explainedSize = found.reduce((sum, f) => sum + f.outcome.filledSize, 0);
      // The venue's reduction must be covered by our orders' fills; anything else is for an operator.
      if (explainedSize < closed - tolerance) return { kind: 'none' };
      const entryPrice = leg === 'long' ? position.longEntryPrice : position.shortEntryPrice;
      let toCredit = closed;
      for (const { clientId, lookupRef, outcome } of found) {
        if (!(toCredit > tolerance)) break;
        const filledSize = roundDecimals(Math.min(outcome.filledSize, toCredit), 12);
        toCredit = roundDecimals(toCredit - filledSize, 12);
        const avgPrice = outcome.avgPrice;
        fills.push({
          leg,
          fill: {
            venue: venueId,
            symbol,
            side: leg === 'long' ? 'SELL' : 'BUY',
            clientId,
            requestedSize: expectedAbs,
            filledSize,
            avgPrice: avgPrice ?? entryPrice,
            feeUsd: outcome.feeUsd,
            ...(filledSize < expectedAbs - tolerance ? { reason: `partially filled ${filledSize} of ${expectedAbs} (found after a restart)` } : {}),
            ...(avgPrice === undefined ? { priceEstimated: true } : {}),
            ...(lookupRef !== undefined ? { lookupRef } : {}),
          },
        });
      }
    }
    return fills.length === 0 ? { kind: 'none' } : { kind: 'found', fills };
  }

  /**
   * Journals the close fills found after a restart ('closing' first when only armed ids were on
   * record, then 'closed' when both legs are flat), and reports them (FILL_CREDITED).
   */
  private creditInterruptedClose(state: JournalState, fills: CloseFound, events: TradingEvent[]): { closedTrade?: RestoreResult['closedTrade']; note: string } {
    const position = state.position!;
    const armed = state.phase === 'open' ? state.armed : undefined;
    const time = this.now();
    if (armed !== undefined) {
      this.record({
        kind: 'closing',
        pair: this.pair,
        time,
        clientIds: { long: armed.clientIds.long ?? '', short: armed.clientIds.short ?? '' },
        ...(armed.lookupRefs ? { lookupRefs: armed.lookupRefs } : {}),
      });
    }
    for (const { leg, fill } of fills) {
      this.record({ kind: 'leg_filled', pair: this.pair, time, phase: 'close', leg, fill });
      events.push(
        ev.fillCredited(time, {
          pair: this.pair,
          venue: fill.venue,
          clientId: fill.clientId,
          phase: 'close',
          filledSize: fill.filledSize,
          ...(fill.avgPrice !== undefined ? { avgPrice: fill.avgPrice } : {}),
          feeUsd: fill.feeUsd,
          // The trade's own close report (now, or when the close is finished) includes its PnL and fee.
          creditedPnlUsd: 0,
          creditedFeesUsd: 0,
          reason: 'close order found after a restart',
        }),
      );
    }
    const after = this.journal.lastState(this.pair);
    const flat = (leg: LegKey): boolean => roundDecimals(position.size - after.closedSize[leg], 12) <= sizeTolerance(position.size);
    const detail = fills.map(({ leg, fill }) => `${leg} ${fill.venue} closed ${fill.filledSize}`).join(', ');
    if (flat('long') && flat('short')) {
      this.resetProgress(position, after.closeFills);
      const pLong = this.progress.long!;
      const pShort = this.progress.short!;
      const grossPnlUsd = pLong.pnlUsd + pShort.pnlUsd;
      const feesUsd = position.entryFeesUsd + pLong.feesUsd + pShort.feesUsd;
      this.record({ kind: 'closed', pair: this.pair, time, grossPnlUsd, feesUsd });
      this.progress.long = undefined;
      this.progress.short = undefined;
      return { closedTrade: { position, grossPnlUsd, feesUsd }, note: `the close sent before the restart completed (${detail})` };
    }
    return { note: `the close sent before the restart partly completed (${detail}); finishing it` };
  }

  // ---------------------------------------------------------------- late fills

  async settleLateFills(): Promise<LateFillsResult> {
    const state = this.journal.lastState(this.pair);
    const pending = state.pendingFills;
    const result = { events: [] as TradingEvent[], creditedPnlUsd: 0, creditedFeesUsd: 0, pending: pending.length };
    if (pending.length === 0 || this.now() < this.lateFillsDueAt) return result;
    let missed = false;
    for (const p of pending) {
      const venue = this.venueById(p.venue);
      if (venue === undefined) continue;
      // Another order of the same leg may have been credited in this pass: use the latest remaining size.
      const current = this.journal.lastState(this.pair).pendingFills.find((f) => f.clientId === p.clientId);
      if (current === undefined) continue;
      const looked = await this.lookUp(venue, p.symbol, p.clientId, p.lookupRef);
      if (!looked.ok || looked.outcome === undefined) {
        missed = true;
        continue;
      }
      const outcome = looked.outcome;
      const filledSize = outcome.ok ? roundDecimals(Math.min(outcome.filledSize, current.size), 12) : 0;
      const avgPrice = outcome.ok && filledSize > 0 ? (outcome.avgPrice ?? p.entryPrice) : undefined;
      const sign = p.leg === 'long' ? 1 : -1;
      const grossPnlUsd = avgPrice === undefined ? 0 : sign * (avgPrice - p.entryPrice) * filledSize;
      const feesUsd = outcome.ok ? outcome.feeUsd : 0;
      const fill: LegFill = {
        venue: p.venue,
        symbol: p.symbol,
        side: p.side,
        clientId: p.clientId,
        requestedSize: current.size,
        filledSize,
        avgPrice,
        feeUsd: feesUsd,
        ...(p.lookupRef !== undefined ? { lookupRef: p.lookupRef } : {}),
        ...(outcome.ok && outcome.avgPrice === undefined && filledSize > 0 ? { priceEstimated: true } : {}),
      };
      const reason = filledSize > 0 ? 'close fill found after its trade was reported closed; credited to that trade' : 'the order filled nothing';
      const time = this.now();
      this.record({ kind: 'fill_credited', pair: this.pair, time, trade: p.trade, leg: p.leg, fill, grossPnlUsd, feesUsd, reason });
      result.events.push(
        ev.fillCredited(time, {
          pair: this.pair,
          venue: p.venue,
          clientId: p.clientId,
          phase: 'close',
          filledSize,
          ...(avgPrice !== undefined ? { avgPrice } : {}),
          feeUsd: feesUsd,
          creditedPnlUsd: grossPnlUsd,
          creditedFeesUsd: feesUsd,
          reason,
        }),
      );
      result.creditedPnlUsd += grossPnlUsd;
      result.creditedFeesUsd += feesUsd;
    }
    const left = this.journal.lastState(this.pair).pendingFills.length;
    if (missed && left > 0) {
      this.lateFillMisses++;
      this.lateFillsDueAt = this.now() + Math.min(DEFAULTS.lateFillRetryMaxMs, DEFAULTS.lateFillRetryMs * 2 ** (this.lateFillMisses - 1));
    }
    return { ...result, pending: left };
  }

  // ---------------------------------------------------------------- exposure at exit

  exposureNow(): PairExposure | undefined {
    return journalExposure(this.pair, this.journal.lastState(this.pair), this.busy);
  }

  async exposure(opts: { readVenues?: boolean; deadlineMs?: number } = {}): Promise<PairExposure | undefined> {
    const fromJournal = this.exposureNow();
    if (!opts.readVenues || fromJournal === undefined) return fromJournal;
    // The venues are the truth for what is held; the journal for which orders nobody has seen answered.
    const { a, b } = this.opts.venues;
    const symA = a.symbolFor(this.pair);
    const symB = b.symbolFor(this.pair);
    try {
      const read = await withDeadline(Promise.all([holdingOf(a, symA), holdingOf(b, symB)]), opts.deadlineMs ?? this.legTimeoutMs);
      if (!read.done) return fromJournal;
      const [ha, hb] = read.value;
      const unhedged = unhedgedOf({ venue: a.id, symbol: symA, size: ha }, { venue: b.id, symbol: symB, size: hb });
      return { ...fromJournal, unhedged, source: 'venues' };
    } catch {
      return fromJournal;
    }
  }

  recordExitExposure(exposure: PairExposure, reason: string): void {
    try {
      // Written even when detached: it is the last word of the process that gives up.
      this.journal.append({ kind: 'exit_exposure', pair: this.pair, time: this.now(), exposure: exposure.unhedged, pendingOrders: exposure.pendingOrders, reason });
    } catch {
      // The exposure is printed too; a failing disk must not hide it there.
    }
  }

  detach(): void {
    this.detached = true;
    // Waits end now: a dead process waits for nothing, and nothing it started outlives the run.
    for (const cut of [...this.pendingDeadlines]) cut();
  }

  /** withDeadline that detach() cuts short (as if the time had run out). */
  private deadline<T>(p: Promise<T>, ms: number): Promise<Deadline<T>> {
    if (this.detached) {
      p.catch(() => undefined);
      return Promise.resolve({ done: false });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cut: () => void = () => undefined;
    const timeout = new Promise<Deadline<T>>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), ms);
      cut = () => resolve({ done: false });
    });
    this.pendingDeadlines.add(cut);
    return Promise.race([p.then((value): Deadline<T> => ({ done: true, value })), timeout]).finally(() => {
      clearTimeout(timer);
      this.pendingDeadlines.delete(cut);
    });
  }

  /** A retry backoff; none once detached. */
  private pause(ms: number): Promise<void> {
    return this.detached ? Promise.resolve() : this.sleep(ms);
  }
}

// -------------------------------------------------------------------- helpers

interface LegSetup {
  readonly venue: Venue;
  readonly symbol: string;
  readonly spec: MarketSpec;
  /** The detected price this leg trades at (ask for the long, bid for the short). */
  readonly refPrice: number;
}

type Preflight = { ok: false; reason: string } | { ok: true; size: number; step: number; long: LegSetup; short: LegSetup };

/** A leg of an entry being concluded: where it trades, and the price an unwind of it trades at. */
interface ConcludingLeg extends LegSetup {
  readonly unwindRef: number;
}

/** What concludeEntry needs, from a live entry or from one a restart found unfinished. */
interface EntryConclusion {
  readonly direction: Direction;
  readonly detectedSpread: number;
  /** Size each leg was sent with. */
  readonly size: number;
  /** The coarser size increment of the two venues. */
  readonly step: number;
  readonly legs: { readonly long: LegFill; readonly short: LegFill };
  /** What each leg holds now (≥ 0): filled, less anything already unwound. */
  readonly held: { readonly long: number; readonly short: number };
  readonly long: ConcludingLeg;
  readonly short: ConcludingLeg;
  readonly unwindSlippagePct: number;
  readonly openedAt: number;
  readonly restored: boolean;
  /** When the opportunity was detected (TRADE_ENTRY latency). */
  readonly detectedAt: number;
}

/** An unfinished entry as a restart found it at the venues. */
interface EntryFound {
  readonly opening: OpeningEntry;
  /** Orders looked up whose outcome the journal did not have (to journal and report). */
  readonly found: ReadonlyArray<{ readonly phase: 'open' | 'unwind'; readonly leg: LegKey; readonly fill: LegFill }>;
  readonly legs: { readonly long: LegFill; readonly short: LegFill };
  readonly held: { readonly long: number; readonly short: number };
  readonly long: ConcludingLeg;
  readonly short: ConcludingLeg;
  readonly step: number;
}

/** Close fills a restart found at the venues that the journal did not record. */
type CloseFound = ReadonlyArray<{ readonly leg: LegKey; readonly fill: LegFill }>;

type Assessment =
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'mismatch'; readonly detail: string; readonly holdings: readonly Exposure[] }
  | { readonly kind: 'consistent'; readonly holdings: readonly Exposure[]; readonly entry?: EntryFound; readonly close?: CloseFound };

/** What finishing an entry found will do, in words (for the `resume` command and restore's reason). */
function entryPlanText(e: EntryFound): string {
  const keep = floorToStep(Math.min(e.held.long, e.held.short), e.step);
  const sides = `${e.long.venue.id} ${describeSize(e.held.long)}, ${e.short.venue.id} ${describeSize(-e.held.short)}`;
  if (e.held.long <= 0 && e.held.short <= 0) return `${sides}: nothing to keep or unwind`;
  return `${sides}: keep a hedge of up to ${keep} if it clears the minimum notional, unwind the rest with reduce-only orders`;
}

/** A fill as a restarted process learns it from a lookup (undefined: the venue never saw the order). */
function fillFromLookup(
  plan: { readonly venue: VenueId; readonly symbol: string; readonly side: Side; readonly clientId: string; readonly size: number; readonly lookupRef?: string },
  outcome: OrderOutcome | undefined,
  role: string,
): LegFill {
  const base = {
    venue: plan.venue,
    symbol: plan.symbol,
    side: plan.side,
    clientId: plan.clientId,
    requestedSize: plan.size,
    ...(plan.lookupRef !== undefined ? { lookupRef: plan.lookupRef } : {}),
  };
  if (outcome === undefined) return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: `${role} not found at the venue after a restart: never arrived` };
  if (!outcome.ok) return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: `${outcome.reason}${outcome.code !== undefined ? ` (${outcome.code})` : ''} (found after a restart)` };
  const partial = outcome.filledSize < plan.size * (1 - 1e-9);
  return {
    ...base,
    filledSize: outcome.filledSize,
    avgPrice: outcome.filledSize > 0 ? outcome.avgPrice : undefined,
    feeUsd: outcome.feeUsd,
    ...(partial ? { reason: `filled ${outcome.filledSize} of ${plan.size} (${outcome.status}, found after a restart)` } : {}),
  };
}

/**
 * Resolves after what the current turn of the event loop has queued (promise jobs, nextTicks) has
 * run: a request handed to a warm keep-alive connection has then been written to its socket.
 */
function afterPendingWrites(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

function positionKey(p: OpenPosition): string {
  return `${p.clientIds.long}/${p.clientIds.short}`;
}

/** A buy may pay up to ref·(1+slip); a sell may receive down to ref·(1−slip). Rounded to the tick, inward. */
export function capPrice(ref: number, side: Side, slippagePct: number, tickSize: number): number {
  const raw = side === 'BUY' ? ref * (1 + slippagePct / 100) : ref * (1 - slippagePct / 100);
  if (!(tickSize > 0)) return raw;
  return side === 'BUY' ? floorToStep(raw, tickSize) : -floorToStep(-raw, tickSize);
}

/** Price a close of `size` would fill at from a book: VWAP when deep enough, else the worst level shown. */
function closeReference(book: OrderBook | undefined, side: Side, size: number): number | undefined {
  if (book === undefined) return undefined;
  const bookSide = side === 'SELL' ? 'bid' : 'ask';
  const levels = side === 'SELL' ? book.bids : book.asks;
  return fillPrice(book, bookSide, size) ?? levels[levels.length - 1]?.price ?? (side === 'SELL' ? bestBid(book)?.price : bestAsk(book)?.price);
}

function isFinal(o: OrderOutcome): boolean {
  return o.ok ? o.status !== 'NEW' && o.status !== 'OPEN' : !o.unknown;
}

async function holdingOf(venue: Venue, symbol: string): Promise<number> {
  const positions = await venue.positions();
  return positions.filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.size, 0);
}

type Deadline<T> = { done: true; value: T } | { done: false };

/** Races a promise against a timer and always clears the timer, so no handle outlives the call. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<Deadline<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Deadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([p.then((value): Deadline<T> => ({ done: true, value })), timeout]).finally(() => clearTimeout(timer));
}

/** Scrubbed (a library may print a key it refused) before it is cut, so no part of a key survives. */
function errorText(err: unknown): string {
  const text = scrubbedErrorText(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function signed(size: number): string {
  return size > 0 ? `+${size}` : `${size}`;
}

function legFailureText(legs: { long: LegFill; short: LegFill }): string {
  const one = (name: string, f: LegFill): string =>
    `${name} ${f.venue} ${f.filledSize >= f.requestedSize * (1 - 1e-9) ? 'filled' : `filled ${f.filledSize}/${f.requestedSize}${f.reason ? ` (${f.reason})` : ''}`}`;
  return `${one('long', legs.long)}, ${one('short', legs.short)}`;
}
