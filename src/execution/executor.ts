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
import type { PairFunding } from '../domain/funding';
import { events as ev, type TradingEvent } from '../domain/events';
import type { SpreadOpportunity } from '../domain/market';
import { ArmedCloses } from './armed-close';
import { closeBothLegs, idleLegReport } from './close';
import { foldCloseFills, type CloseProgress } from './close-progress';
import { ExecutorCore } from './core';
import { enter, openFailure } from './entry';
import type { CloseBooks, CloseReport, Executor, ExecutorOptions, LateFillsResult, OpenResult, Reconciliation, RestoreResult } from './executor-api';
import type { LegFilledEntry } from './journal';
import { LateFillSchedule, settleLateFills } from './late-fills';
import { positionKey } from './legs';
import { holdingOf, withDeadline } from './order-path';
import { preflight } from './preflight';
import { journalExposure, unhedgedOf } from './reconcile';
import { reconciliation, restoreFromJournal, type RestartHooks } from './restart';
import type { OpenPosition, PairExposure } from './types';

export type {
  CloseBooks,
  CloseLegReport,
  CloseReport,
  Executor,
  ExecutorOptions,
  LateFillsResult,
  OpenFailure,
  OpenResult,
  OpenSuccess,
  Reconciliation,
  RestoreResult,
  UnwindReport,
} from './executor-api';
export type { Exposure, LegFill, OpenPosition, PairExposure } from './types';
export { capPrice, clientIdGenerator } from './orders';

export function createExecutor(opts: ExecutorOptions): Executor {
  return new DeltaNeutralExecutor(opts);
}

/**
 * Orchestration only: one order operation at a time (`busy`), the position being monitored and its
 * close progress; each operation is carried out by its module (preflight, entry, close, armed-close,
 * restart, late-fills) over the shared ExecutorCore.
 */
class DeltaNeutralExecutor implements Executor {
  readonly pair: string;
  private readonly core: ExecutorCore;
  private readonly armed: ArmedCloses;
  private readonly lateFills = new LateFillSchedule();
  private readonly restart: RestartHooks;
  private current: OpenPosition | undefined;
  private progress: CloseProgress | undefined;
  private busy = false;

  constructor(opts: ExecutorOptions) {
    this.core = new ExecutorCore(opts);
    this.pair = this.core.pair;
    this.armed = new ArmedCloses(this.core, () => this.progress);
    this.restart = {
      adopt: (position) => this.adopt(position),
      monitor: (position, closeFills) => this.monitor(position, closeFills),
      failures: { count: 0 },
    };
  }

  // ---------------------------------------------------------------- state

  currentPosition(): OpenPosition | undefined {
    return this.current;
  }

  isHalted(): boolean {
    return this.core.halts.active();
  }

  haltReason(): string | undefined {
    return this.core.halts.reason();
  }

  inFlight(): boolean {
    return this.busy;
  }

  haltByOperator(reason: string): TradingEvent[] {
    return this.haltUntilResumed(reason);
  }

  haltUntilResumed(reason: string): TradingEvent[] {
    const events: TradingEvent[] = [];
    this.core.halt(reason, undefined, events);
    return events;
  }

  clearHalt(opts: { readonly resetLossBudget?: boolean; readonly checkedAt?: number } = {}): TradingEvent[] {
    const { core } = this;
    const reset = opts.resetLossBudget === true;
    // The halt may be only on record (the `resume` command runs no restore): the journal decides too.
    const onRecord = core.journal.lastState(this.pair);
    const recorded = onRecord.halt !== undefined || onRecord.problems.length > 0 || onRecord.phase === 'exposed';
    if (core.halts.current() === undefined && !recorded && !reset) return [];
    core.halts.clear();
    // Stamped with when the operator's check read the venues: a halt raised after it is not cleared by it (journal-state.ts).
    core.journal.recordBestEffort({ kind: 'resumed', pair: this.pair, time: opts.checkedAt ?? core.now(), operator: true, ...(reset ? { resetLossBudget: true } : {}) });
    return [ev.tradingResumed(core.now(), { pair: this.pair })];
  }

  recordRealised(event: string, deltaUsd: number): void {
    const { core } = this;
    const time = core.now();
    const budget = core.journal.lastState(this.pair).lossBudget;
    const netUsd = budget.netUsd + deltaUsd;
    core.journal.recordBestEffort({ kind: 'realised', pair: this.pair, time, event, deltaUsd, netUsd, since: budget.since ?? time });
  }

  acceptClosedOutside(reason: string): TradingEvent[] {
    const { core } = this;
    const state = core.journal.lastState(this.pair);
    const position = state.position;
    if ((state.phase !== 'open' && state.phase !== 'closing') || position === undefined) return [];
    core.journal.recordBestEffort({ kind: 'closed_outside', pair: this.pair, time: core.now(), direction: position.direction, size: position.size, reason });
    this.current = undefined;
    return this.clearHalt();
  }

  lossOnRecord(): { readonly netUsd: number; readonly since?: number } {
    return this.core.journal.lastState(this.pair).lossBudget;
  }

  pollOperatorResume(): TradingEvent[] {
    const { core } = this;
    const resumed = core.journal.refresh().filter((e) => e.pair === this.pair);
    if (resumed.length === 0 || core.halts.current() === undefined || core.halts.reconciling()) return [];
    // The journal's fold decides: a resume checked before a newer halt leaves that halt on record (journal-state.ts).
    if (core.journal.lastState(this.pair).halt !== undefined) return [];
    core.halts.clear();
    return [ev.tradingResumed(core.now(), { pair: this.pair })];
  }

  /** One order operation at a time: `refused` when another is running. */
  private async exclusive<T>(refused: () => T, operation: () => Promise<T>): Promise<T> {
    if (this.busy) return refused();
    this.busy = true;
    try {
      return await operation();
    } finally {
      this.busy = false;
    }
  }

  /** A position is open (a new entry, or one a restart finished): monitor it and arm its close in the background. */
  private adopt(position: OpenPosition): void {
    this.current = position;
    this.progress = foldCloseFills(position);
    this.armed.armInBackground(position);
  }

  /** A position the journal holds open after a restart: monitor it from the close fills on record, arm its close. */
  private async monitor(position: OpenPosition, closeFills: readonly LegFilledEntry[]): Promise<void> {
    this.current = position;
    this.progress = foldCloseFills(position, closeFills);
    await this.armed.prepare(position);
  }

  // ---------------------------------------------------------------- open

  /** `funding`: both venues' latest funding, whose indexes the position records as its funding at entry. */
  async openPosition(opportunity: SpreadOpportunity, funding?: PairFunding): Promise<OpenResult> {
    const events: TradingEvent[] = [];
    this.core.expireHalt(events);
    return this.exclusive(
      () => openFailure(this.core, 'preflight', 'another order operation is in flight', events),
      async () => {
        const pre = await preflight(this.core, opportunity, this.current, events);
        if (!pre.ok) return openFailure(this.core, 'preflight', pre.reason, events);
        return enter(this.core, opportunity, pre, (position) => this.adopt(position), events, funding);
      },
    );
  }

  // ---------------------------------------------------------------- close

  async closePosition(position: OpenPosition, books?: CloseBooks): Promise<CloseReport> {
    const events: TradingEvent[] = [];
    const refused = (): CloseReport => {
      const reason = 'another order operation is in flight';
      return { ok: false, reason, legs: { long: idleLegReport(position, 'long', reason), short: idleLegReport(position, 'short', reason) }, preparedUsed: 0, events };
    };
    return this.exclusive(refused, async () => {
      const key = positionKey(position);
      const signing = this.armed.inProgress();
      if (signing !== undefined) await signing;
      if (this.progress?.key !== key) this.progress = foldCloseFills(position);
      const progress = this.progress;
      const armed = this.armed.take(position);
      const done = await closeBothLegs(this.core, { position, books, progress, armed, usable: (o, size, book) => this.armed.usable(o, size, book) }, events);
      if (done.closed) {
        if (done.pendingFills > 0) this.lateFills.reset(this.core.now());
        if (this.current !== undefined && positionKey(this.current) === key) this.current = undefined;
        this.progress = undefined;
      } else if (this.current === undefined) {
        // Keep monitoring the position; the next closePosition resumes from what is already closed.
        this.current = position;
      }
      return done.report;
    });
  }

  prepareClose(position: OpenPosition, books?: CloseBooks): Promise<boolean> {
    return this.armed.prepare(position, books);
  }

  async refreshPreparedClose(books?: CloseBooks): Promise<boolean> {
    const position = this.current;
    if (position === undefined || this.busy) return false;
    return this.armed.refresh(position, books);
  }

  // ---------------------------------------------------------------- restore

  async restore(): Promise<RestoreResult> {
    return this.exclusive(
      (): RestoreResult => ({ ok: false, resumeClose: false, reason: 'another order operation is in flight', events: [] }),
      () => restoreFromJournal(this.core, this.restart),
    );
  }

  reconcile(opts: { asIfResumed?: boolean } = {}): Promise<Reconciliation> {
    return reconciliation(this.core, opts);
  }

  settleLateFills(): Promise<LateFillsResult> {
    return settleLateFills(this.core, this.lateFills);
  }

  // ---------------------------------------------------------------- exposure at exit

  exposureNow(): PairExposure | undefined {
    return journalExposure(this.pair, this.core.journal.lastState(this.pair), this.busy);
  }

  async exposure(opts: { readVenues?: boolean; deadlineMs?: number } = {}): Promise<PairExposure | undefined> {
    const fromJournal = this.exposureNow();
    if (!opts.readVenues || fromJournal === undefined) return fromJournal;
    // The venues are the truth for what is held; the journal for which orders nobody has seen answered.
    const { a, b } = this.core.venues;
    const symA = a.symbolFor(this.pair);
    const symB = b.symbolFor(this.pair);
    try {
      const read = await withDeadline(Promise.all([holdingOf(a, symA), holdingOf(b, symB)]), opts.deadlineMs ?? this.core.settings.legTimeoutMs);
      if (!read.done) return fromJournal;
      const [ha, hb] = read.value;
      const unhedged = unhedgedOf({ venue: a.id, symbol: symA, size: ha }, { venue: b.id, symbol: symB, size: hb });
      return { ...fromJournal, unhedged, source: 'venues' };
    } catch {
      return fromJournal;
    }
  }

  recordExitExposure(exposure: PairExposure, reason: string): void {
    const { core } = this;
    core.journal.recordFinal({ kind: 'exit_exposure', pair: this.pair, time: core.now(), exposure: exposure.unhedged, pendingOrders: exposure.pendingOrders, reason });
  }

  detach(): void {
    this.core.orders.detach();
  }
}
