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
 */
import { shortErrorText } from '../logging/redact';
import type { Journal, JournalEntry, JournalState } from './journal';

export class ExecutorJournal {
  /** Best-effort writes that failed; they force a halt (the trail is incomplete). */
  private failures: string[] = [];

  constructor(
    private readonly journal: Journal,
    private readonly detached: () => boolean,
  ) {}

  /** Durable before acting: throws when the write fails or the process is stopping (the caller must not act). */
  journalOrThrow(entry: JournalEntry): void {
    if (this.detached()) throw new Error('the process is stopping');
    this.journal.append(entry);
  }

  /** Records what already happened; never throws. A failure is kept for takeFailures(). */
  recordBestEffort(entry: JournalEntry): void {
    if (this.detached()) return;
    try {
      this.journal.append(entry);
    } catch (err) {
      this.failures.push(`journal write of '${entry.kind}' failed: ${shortErrorText(err)}`);
    }
  }

  /**
   * The last word of a process that gives up: written even when detached, never throws (what it
   * says is printed too; a failing disk must not hide it there).
   */
  recordFinal(entry: JournalEntry): void {
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

