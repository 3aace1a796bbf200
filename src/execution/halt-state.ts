/**
 * Halt state: whether new entries are stopped, why, and until when. Pure (the clock is injected);
 * the executor journals and reports each change.
 *
 * Three kinds of halt: a cooldown (`until`: after an unwind), an operator halt (no `until`: exposure,
 * a journal that cannot be trusted; only `clearHalt`/`resume` ends it), and a reconciliation halt
 * (`reconcile`: a venue could not be read at start; it ends by itself once the venues are read).
 */

export interface Halt {
  readonly reason: string;
  /** ms; absent = until an operator clears it. */
  readonly until?: number;
  /** The start-up reconciliation is waiting for a venue: cleared when it succeeds, never kept across a restart. */
  readonly reconcile?: boolean;
}

/** True while `halt` stops new entries at `now`. */
export function haltActive(halt: Halt | undefined, now: number): boolean {
  return halt !== undefined && (halt.until === undefined || now < halt.until);
}

/**
 * The halt that follows `current` when a new one is raised: an active operator-only halt is never
 * shortened by a later cooldown (the reasons are joined); otherwise the new one replaces it.
 */
export function raiseHalt(current: Halt | undefined, reason: string, until: number | undefined, now: number): Halt {
  const keep = current !== undefined && current.until === undefined && !current.reconcile && haltActive(current, now);
  return keep ? { reason: `${current.reason}; ${reason}` } : { reason, ...(until !== undefined ? { until } : {}) };
}

export class HaltState {
  private halt: Halt | undefined;

  constructor(private readonly now: () => number) {}

  /** The halt on record, active or run out. */
  current(): Halt | undefined {
    return this.halt;
  }

  active(): boolean {
    return haltActive(this.halt, this.now());
  }

  /** Why trading is halted; undefined when it is not (a cooldown that ran out included). */
  reason(): string | undefined {
    return this.active() ? this.halt?.reason : undefined;
  }

  /** True when a cooldown halt has run out but is still on record (to be cleared and journalled). */
  expired(): boolean {
    return this.halt !== undefined && !this.active();
  }

  /** True when the halt on record is the start-up reconciliation's. */
  reconciling(): boolean {
    return this.halt?.reconcile === true;
  }

  /** Raises a halt (see raiseHalt) and returns it. */
  raise(reason: string, until: number | undefined): Halt {
    this.halt = raiseHalt(this.halt, reason, until, this.now());
    return this.halt;
  }

  /** Sets the halt as found (the journal's at start, or the reconciliation's). */
  set(halt: Halt): void {
    this.halt = halt;
  }

  clear(): void {
    this.halt = undefined;
  }
}
