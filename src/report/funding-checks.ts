/**
 * The run's funding checks against the venues (FUNDING_RECONCILED / FUNDING_MISMATCH after each close), folded
 * for the summary: how many closes were checked, how many disagreed beyond the tolerance, and Σ (venue − bot)
 * over the legs whose venue figure could be read (undefined while none could). Pure.
 */
import type { FundingMismatch, FundingReconciled } from '../domain/events';

export interface FundingChecks {
  diffUsd?: number;
  checks: number;
  mismatches: number;
  /** Periodic checks of positions still held (`whileHeld`), and how many disagreed: apart from the closes' figures. */
  heldChecks?: number;
  heldMismatches?: number;
}

export function countFundingCheck(into: FundingChecks, e: FundingReconciled | FundingMismatch): void {
  // A held check compares figures accrued so far: counted on its own, never in the closes' Σ (venue − bot).
  if (e.whileHeld) {
    into.heldChecks = (into.heldChecks ?? 0) + 1;
    if (e.type === 'FUNDING_MISMATCH') into.heldMismatches = (into.heldMismatches ?? 0) + 1;
    return;
  }
  into.checks++;
  if (e.type === 'FUNDING_MISMATCH') into.mismatches++;
  if (e.diffUsd !== undefined) into.diffUsd = (into.diffUsd ?? 0) + e.diffUsd;
}
