/**
 * The executor's two ways of writing the journal, named for their failure rules.
 *
 * - `journalOrThrow`: the entry must be durable BEFORE the executor acts on it (the 'opening' entry
 *   before the entry orders leave, 'close_armed' before an armed order may be sent). It throws when
 *   the write fails or the process is stopping, and the caller then does not act.
 * - `recordBestEffort`: the entry records what already happened (orders are in flight, fills came
 *   back). A failing disk must not stop an unwind or a close, so it never throws: the failure is kept
 *   and `takeFailures` hands it to the executor, which halts trading (the trail is incomplete).
 *
 * Both write nothing once the executor is detached: a process that gave up leaves the journal as a
 * dead one would.
 *
 * A failed `recordBestEffort` leaves a gap: something happened that the journal does not say. From then on nothing
 * more is written for the pair (`journalOrThrow` throws, so nothing new is started; later records are skipped), so
 * the journal stays a true account up to the gap, with no record after it whose predecessors are missing. What is
 * held stays monitored and may still close (those writes are best effort); the next start reconciles the journal's
 * account with the venues, adopting what its orders explain and halting on what they do not. A failed
 * `journalOrThrow` leaves no gap: its caller did not act.
 */
import { shortErrorText } from '../logging/redact';
import type { Journal, JournalEntry, JournalState } from './journal';

export class ExecutorJournal {
  /** Best-effort writes that failed; they force a halt (the trail is incomplete). */
  private failures: string[] = [];
  /** Why the journal stopped being written (the first best-effort write that failed), once it has. */
  private gap: string | undefined;
  /** Entry kinds skipped since the gap, each reported once. */
  private readonly skipped = new Set<string>();

  constructor(
    private readonly journal: Journal,
    private readonly detached: () => boolean,
  ) {}

  /** Durable before acting: throws when the write fails or the process is stopping (the caller must not act). */
  journalOrThrow(entry: JournalEntry): void {
    if (this.detached()) throw new Error('the process is stopping');
    if (this.gap !== undefined) throw new Error(this.gap);
    this.journal.append(entry);
  }

  /** Records what already happened; never throws. A failure is kept for takeFailures(), and leaves a gap. */
  recordBestEffort(entry: JournalEntry): void {
    if (this.detached()) return;
    if (this.gap !== undefined) {
      if (!this.skipped.has(entry.kind)) this.failures.push(`journal write of '${entry.kind}' skipped: ${this.gap}`);
      this.skipped.add(entry.kind);
      return;
    }
    try {
      this.journal.append(entry);
    } catch (err) {
      const why = shortErrorText(err);
      this.failures.push(`journal write of '${entry.kind}' failed: ${why}`);
      this.gap = `the journal is incomplete since its '${entry.kind}' write failed (${why}): nothing more is journaled for this pair until a restart, which reconciles it with the venues`;
    }
  }

  /**
   * The last word of a process that gives up: written even when detached, never throws (what it
   * says is printed too; a failing disk must not hide it there).
   */
  recordFinal(entry: JournalEntry): void {
    // After a gap it would follow records that are missing: it is printed anyway.
    if (this.gap !== undefined) return;
    try {
      this.journal.append(entry);
    } catch {
      // Printed by the caller as well.
    }
  }

  /** The failed best-effort writes since the last call, joined; undefined when none failed. */
  takeFailures(): string | undefined {
    return this.failures.length > 0 ? this.failures.splice(0).join('; ') : undefined;
  }

  lastState(pair: string): JournalState {
    return this.journal.lastState(pair);
  }

  /** Entries other processes appended since the last read (see Journal.refresh). */
  refresh(): readonly JournalEntry[] {
    return this.journal.refresh();
  }
}

