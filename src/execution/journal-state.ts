/**
 * The journal's fold: one pair's state (phase, position, unfinished entry or close, halt, fills to
 * credit) from its entries, one at a time. Pure, so restore logic can be tested without files.
 */
import type {
  CloseArmedEntry,
  CloseFailedEntry,
  ClosedEntry,
  ClosedOutsideEntry,
  CloseOrderEntry,
  ClosingEntry,
  EntryFailedEntry,
  ExposedEntry,
  FillCreditedEntry,
  HaltedEntry,
  JournalEntry,
  JournalState,
  LegFilledEntry,
  OpenEntry,
  OpeningEntry,
  PendingCloseOrder,
  RealisedEntry,
  PendingFill,
  ResumedEntry,
  UnwindOrderEntry,
  UnwoundEntry,
} from './journal';
import type { JournalProblem } from './journal-schema';
import type { Exposure, OpenPosition } from './types';

/** Folds a pair's entries into its current state. Pure, so restore logic can be tested without files. */
export function deriveState(entries: readonly JournalEntry[], pair: string): JournalState {
  const folder = new StateFolder();
  for (const e of entries) if (e.pair === pair) folder.apply(e);
  return folder.state();
}

/** One pair's state, folded one entry at a time (the open journal keeps one per pair). */
export class StateFolder {
  private phase: JournalState['phase'] = 'flat';
  private position: OpenPosition | undefined;
  private opening: OpeningEntry | undefined;
  private openingFills: LegFilledEntry[] = [];
  private unwindFills: LegFilledEntry[] = [];
  private pendingUnwinds: UnwindOrderEntry[] = [];
  private closedLong = 0;
  private closedShort = 0;
  private closeFills: LegFilledEntry[] = [];
  private exposure: readonly Exposure[] | undefined;
  private halt: JournalState['halt'];
  private armed: CloseArmedEntry | undefined;
  private closing: ClosingEntry | undefined;
  private pending: { long: PendingCloseOrder[]; short: PendingCloseOrder[] } = { long: [], short: [] };
  private pendingFills: PendingFill[] = [];
  private problems: JournalProblem[] = [];
  private lastEntryAt: number | undefined;
  private lossNetUsd = 0;
  private lossSince: number | undefined;
  private unknownCloses = 0;

  /** Forgets everything about closing a position: a new one starts, or the last one ended. */
  private clearClose(): void {
    this.closedLong = 0;
    this.closedShort = 0;
    this.closeFills = [];
    this.armed = undefined;
    this.closing = undefined;
    this.pending = { long: [], short: [] };
  }

  /** Forgets an entry's progress: it concluded (open, entry_failed, exposed) or a new one starts. */
  private clearEntry(): void {
    this.opening = undefined;
    this.openingFills = [];
    this.unwindFills = [];
    this.pendingUnwinds = [];
  }

  /** A malformed line of this pair: halts it until an operator resumes. */
  problem(p: JournalProblem): void {
    this.problems.push(p);
  }

  apply(e: JournalEntry): void {
    // A counted figure is bookkeeping after the fact, not trading activity.
    if (e.kind !== 'realised') this.lastEntryAt = e.time;
    switch (e.kind) {
      case 'opening':
      case 'leg_filled':
      case 'unwind_order':
      case 'open':
      case 'entry_failed':
      case 'unwound':
      case 'exposed':
        return this.applyEntry(e);
      case 'close_armed':
      case 'closing':
      case 'close_order':
      case 'close_failed':
      case 'closed':
      case 'closed_outside':
      case 'fill_credited':
        return this.applyClose(e);
      case 'halted':
      case 'resumed':
        return this.applyHalt(e);
      case 'realised':
        return this.applyRealised(e);
      case 'exit_exposure':
        return;
      default: {
        // A new entry kind that this fold forgets is a compile error here.
        const forgotten: never = e;
        return forgotten;
      }
    }
  }

  /** An entry's progress: its orders, their fills, and how it concluded. */
  private applyEntry(e: OpeningEntry | LegFilledEntry | UnwindOrderEntry | OpenEntry | EntryFailedEntry | UnwoundEntry | ExposedEntry): void {
    switch (e.kind) {
      case 'opening':
        this.phase = 'opening';
        this.clearEntry();
        this.opening = e;
        this.position = undefined;
        this.exposure = undefined;
        this.clearClose();
        break;
      case 'leg_filled':
        if (e.phase === 'close') {
          this.pending[e.leg] = this.pending[e.leg].filter((o) => o.clientId !== e.fill.clientId);
          this.closeFills.push(e);
          if (e.leg === 'long') this.closedLong += e.fill.filledSize;
          else this.closedShort += e.fill.filledSize;
        } else if (e.phase === 'open') {
          // A later record of the same order (found after a restart) replaces an unresolved one.
          this.openingFills = [...this.openingFills.filter((f) => f.fill.clientId !== e.fill.clientId), e];
        } else {
          this.pendingUnwinds = this.pendingUnwinds.filter((o) => o.clientId !== e.fill.clientId);
          this.unwindFills = [...this.unwindFills.filter((f) => f.fill.clientId !== e.fill.clientId), e];
        }
        break;
      case 'unwind_order':
        this.pendingUnwinds.push(e);
        break;
      case 'open':
        this.phase = 'open';
        this.position = e.position;
        this.clearEntry();
        this.clearClose();
        break;
      case 'entry_failed':
        this.phase = 'flat';
        this.clearEntry();
        this.position = undefined;
        break;
      case 'unwound':
        break;
      case 'exposed':
        this.phase = 'exposed';
        this.exposure = e.exposure;
        this.clearEntry();
        break;
    }
  }

  /** A position's close: armed orders, close orders, their fills, and fills credited after it. */
  private applyClose(e: CloseArmedEntry | ClosingEntry | CloseOrderEntry | CloseFailedEntry | ClosedEntry | ClosedOutsideEntry | FillCreditedEntry): void {
    switch (e.kind) {
      case 'close_armed':
        this.armed = e;
        break;
      case 'closing':
        this.phase = 'closing';
        this.armed = undefined;
        this.closing = e;
        this.pending = { long: [], short: [] };
        for (const leg of ['long', 'short'] as const) {
          const clientId = e.clientIds[leg];
          const lookupRef = e.lookupRefs?.[leg];
          if (clientId) this.pending[leg].push({ clientId, ...(lookupRef !== undefined ? { lookupRef } : {}) });
        }
        break;
      case 'close_order':
        if (e.leg === 'long' || e.leg === 'short') {
          this.pending[e.leg].push({ clientId: e.clientId, ...(e.lookupRef !== undefined ? { lookupRef: e.lookupRef } : {}) });
        }
        break;
      case 'close_failed':
        // Still (partly) open: the next close resumes from the closed sizes.
        break;
      case 'closed':
        this.phase = 'flat';
        this.position = undefined;
        this.clearClose();
        if (e.pendingFills !== undefined && e.pendingFills.length > 0) this.pendingFills = [...this.pendingFills, ...e.pendingFills];
        break;
      case 'closed_outside':
        // Flat at the venues by the operator's word and reading; nothing of this close is known to credit.
        this.phase = 'flat';
        this.position = undefined;
        this.clearClose();
        this.unknownCloses++;
        this.lossSince ??= e.time;
        break;
      case 'fill_credited':
        // The orders of one leg share what is left to explain: a credited fill shrinks it for the others.
        this.pendingFills = this.pendingFills
          .filter((f) => f.clientId !== e.fill.clientId)
          .map((f) => (f.trade === e.trade && f.leg === e.leg ? { ...f, size: roundSize(f.size - e.fill.filledSize) } : f))
          .filter((f) => f.size > 1e-12);
        break;
    }
  }

  /** The loss limit's running figure for this pair, as the line states it. */
  private applyRealised(e: RealisedEntry): void {
    this.lossNetUsd = e.netUsd;
    this.lossSince = e.since;
    if (e.unknownCloses !== undefined) this.unknownCloses = e.unknownCloses;
  }

  private applyHalt(e: HaltedEntry | ResumedEntry): void {
    switch (e.kind) {
      case 'halted':
        this.halt = { reason: e.reason, time: e.time, ...(e.until !== undefined ? { until: e.until } : {}), ...(e.reconcile ? { reconcile: true } : {}) };
        break;
      case 'resumed':
        // An operator's resume checked the venues at its time: a halt raised after that (its line may come first,
        // the command appending from another process) was not seen by the check, and stays.
        if (e.operator && this.halt !== undefined && e.time < this.halt.time) break;
        this.halt = undefined;
        if (e.operator && e.resetLossBudget === true) {
          this.lossNetUsd = 0;
          this.lossSince = e.time;
          this.unknownCloses = 0;
        }
        if (e.operator) {
          // The operator checked the journal's lines and the venues: the problems before this are acknowledged.
          this.problems = [];
          if (this.phase === 'exposed') {
            // The operator acknowledged the exposure; a restore compares the venues against 'flat' again.
            this.phase = 'flat';
            this.exposure = undefined;
            this.position = undefined;
          }
        }
        break;
    }
  }

  state(): JournalState {
    const { phase, position, opening, exposure, halt, armed, closing, lastEntryAt } = this;
    return {
      phase,
      openingFills: [...this.openingFills],
      unwindFills: [...this.unwindFills],
      pendingUnwindOrders: phase === 'opening' ? [...this.pendingUnwinds] : [],
      closedSize: { long: this.closedLong, short: this.closedShort },
      closeFills: [...this.closeFills],
      pendingFills: [...this.pendingFills],
      problems: [...this.problems],
      lossBudget: {
        netUsd: this.lossNetUsd,
        ...(this.lossSince !== undefined ? { since: this.lossSince } : {}),
        ...(this.unknownCloses > 0 ? { unknownCloses: this.unknownCloses } : {}),
      },
      ...(position !== undefined ? { position } : {}),
      ...(opening !== undefined ? { opening } : {}),
      ...(exposure !== undefined ? { exposure } : {}),
      ...(halt !== undefined ? { halt } : {}),
      ...(armed !== undefined && phase === 'open' ? { armed } : {}),
      ...(closing !== undefined && phase === 'closing' ? { closing, pendingCloseOrders: { long: [...this.pending.long], short: [...this.pending.short] } } : {}),
      ...(lastEntryAt !== undefined ? { lastEntryAt } : {}),
    };
  }
}

function roundSize(x: number): number {
  return Number(x.toFixed(12));
}
