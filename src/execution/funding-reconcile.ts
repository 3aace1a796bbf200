/**
 * Funding reconciliation, pure (nautilus_trader's "reconciliation is a module of pure functions"): a closed
 * position's funding as the bot computed it (index differences, per leg) against what each venue says it
 * settled (Paradex `GET /funding/payments`, Vest `settledFunding`), leg by leg.
 *
 * Why a tolerance: the bot reads each venue's index by polling, the venue settles at the fill's own instant,
 * and the venues round payments (Vest to 6 decimals). A difference within the tolerance is that; beyond it, the
 * bot's PnL and the account disagree and a person should look.
 *
 * A leg whose venue figure could not be read is unchecked, never counted as agreeing: the result says so.
 */
import type { FundingLegCheck } from '../domain/events';
import type { VenueId } from '../domain/market';

/** How far a leg's venue figure may differ from the bot's: the larger of an absolute and a relative bound. */
export interface FundingTolerance {
  /** USD. */
  readonly absUsd: number;
  /** Fraction of the larger of the two figures' magnitudes. */
  readonly relative: number;
}

/** One cent, or 2 % of the figure: polling lag and venue rounding, not a missed payment. */
export const DEFAULT_FUNDING_TOLERANCE: FundingTolerance = { absUsd: 0.01, relative: 0.02 };

/** The venue's figure for one leg, or why it could not be read. */
export type VenueFundingRead = { readonly ok: true; readonly usd: number; readonly source: string } | { readonly ok: false; readonly reason: string };

export interface FundingLegInput {
  readonly leg: 'long' | 'short';
  readonly venue: VenueId;
  readonly symbol: string;
  /** The bot's figure, USD (+ = received). */
  readonly botUsd: number;
  readonly venueFigure: VenueFundingRead;
}

export interface FundingReconciliation {
  /** 'reconciled': every leg read is within tolerance (see `unavailable` for legs not read); 'mismatch': one is not. */
  readonly outcome: 'reconciled' | 'mismatch';
  readonly legs: readonly FundingLegCheck[];
  readonly botUsd: number;
  readonly venueUsd?: number;
  readonly diffUsd?: number;
  readonly unavailable?: string;
}

/** The bound a leg's difference is held to, USD. */
export function fundingToleranceUsd(botUsd: number, venueUsd: number, tolerance: FundingTolerance = DEFAULT_FUNDING_TOLERANCE): number {
  return Math.max(tolerance.absUsd, tolerance.relative * Math.max(Math.abs(botUsd), Math.abs(venueUsd)));
}

/** Each leg: venue − bot, held to its tolerance; the totals over the legs read. */
export function reconcileFunding(legs: readonly FundingLegInput[], tolerance: FundingTolerance = DEFAULT_FUNDING_TOLERANCE): FundingReconciliation {
  checkTolerance(tolerance);
  let mismatch = false;
  let venueUsd: number | undefined;
  let diffUsd: number | undefined;
  const missing: string[] = [];
  const checks = legs.map((l): FundingLegCheck => {
    const base = { leg: l.leg, venue: l.venue, symbol: l.symbol, botUsd: l.botUsd };
    if (!l.venueFigure.ok) {
      const unavailable = `venue figure unavailable: ${l.venueFigure.reason}`;
      missing.push(`${l.leg} ${l.venue}: ${unavailable}`);
      return { ...base, toleranceUsd: fundingToleranceUsd(l.botUsd, 0, tolerance), unavailable };
    }
    const diff = clean(l.venueFigure.usd - l.botUsd);
    const toleranceUsd = fundingToleranceUsd(l.botUsd, l.venueFigure.usd, tolerance);
    if (!(Math.abs(diff) <= toleranceUsd)) mismatch = true;
    venueUsd = (venueUsd ?? 0) + l.venueFigure.usd;
    diffUsd = (diffUsd ?? 0) + diff;
    return { ...base, venueUsd: l.venueFigure.usd, diffUsd: diff, toleranceUsd, source: l.venueFigure.source };
  });
  return {
    outcome: mismatch ? 'mismatch' : 'reconciled',
    legs: checks,
    botUsd: clean(legs.reduce((acc, l) => acc + l.botUsd, 0)),
    ...(venueUsd !== undefined ? { venueUsd: clean(venueUsd) } : {}),
    ...(diffUsd !== undefined ? { diffUsd: clean(diffUsd) } : {}),
    ...(missing.length > 0 ? { unavailable: missing.join('; ') } : {}),
  };
}

function checkTolerance(t: FundingTolerance): void {
  if (!(t.absUsd >= 0) || !Number.isFinite(t.absUsd)) throw new RangeError(`funding tolerance absUsd must be a finite number >= 0, got ${t.absUsd}`);
  if (!(t.relative >= 0) || !Number.isFinite(t.relative)) throw new RangeError(`funding tolerance relative must be a finite number >= 0, got ${t.relative}`);
}

/** No −0 in figures a user reads. */
const clean = (v: number): number => (v === 0 ? 0 : v);
