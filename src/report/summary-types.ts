/**
 * The run summary's shapes: the figures, one row per round trip, the position open at exit and the fills outside
 * any trade (their meaning: summary.ts). Types only.
 */
import type { ExitReason, PositionMarkSample } from '../domain/events';
import type { VenueId } from '../domain/market';
import type { Direction } from '../domain/spread';
import type { PairExposure } from '../execution/types';
import type { PairRealised } from './closed-trades';

/** Fees per venue, USD. */
export type FeesByVenue = Readonly<Partial<Record<VenueId, number>>>;

/** What the table shows of a position's opening, for a closed round trip and an open position alike. */
export interface TradeOpening {
  readonly pair: string;
  readonly direction: Direction;
  /** When the position was first opened (an earlier run's time for a restored position), ms. */
  readonly openedAt: number;
  /** Opened by an earlier run and resumed from the journal by this one. */
  readonly restored: boolean;
  /** Base size per leg. */
  readonly size: number | undefined;
  readonly longVenue: VenueId | undefined;
  readonly shortVenue: VenueId | undefined;
  readonly longEntryPrice: number | undefined;
  readonly shortEntryPrice: number | undefined;
  /** Per leg, at the long leg's entry price, USD. */
  readonly notionalUsd: number | undefined;
  /** Gross entry spread the signal decided on, percent. */
  readonly detectedSpread: number | undefined;
  /** Gross entry spread of the fills, percent. */
  readonly entrySpread: number;
  /** detectedSpread − entrySpread in basis points: what the fills lost against the decision (negative = gained). */
  readonly entrySlippageBps: number | undefined;
  /** Fees this run paid for this position, per venue (entry, any unwind at entry, exit). */
  readonly feesByVenue: FeesByVenue;
  /** Their sum, USD. */
  readonly feesUsd: number;
}

export interface RoundTrip extends TradeOpening {
  readonly closedAt: number;
  /** Exit spread the close was decided on, percent; NaN for a close on shutdown (no tick decided it). */
  readonly exitSpread: number;
  readonly longExitPrice: number | undefined;
  readonly shortExitPrice: number | undefined;
  /** Exit spread of the close fills, percent: (longExit − shortExit)/shortExit·100. */
  readonly exitFillSpread: number | undefined;
  /** exitSpread − exitFillSpread in basis points (negative = the fills did better than the decision). */
  readonly exitSlippageBps: number | undefined;
  readonly exitReason: ExitReason | undefined;
  readonly closeFailures: number;
  /** Price PnL of both legs, as the close reported it, USD. */
  readonly grossPnlUsd: number;
  /** Funding realised at the close (both legs, index differences), USD, + = received; 0 when unknown, and `fundingNote` says why. */
  readonly fundingUsd: number;
  readonly fundingNote?: string;
  /** grossPnlUsd − feesUsd + fundingUsd. */
  readonly netPnlUsd: number;
  /** Fees the position paid in an earlier run (a restored position's entry): in that run's figures, not these. */
  readonly earlierRunFeesUsd: number;
}

/** A position still open when the run ended, marked to the last books when they could price it. */
export interface OpenAtExit extends TradeOpening {
  readonly mark: (PositionMarkSample & { readonly time: number }) | undefined;
  /** Funding accrued so far (the last FUNDING_ACCRUED), USD, unrealised; undefined when none was reported. */
  readonly accruedFundingUsd: number | undefined;
}

/** Fills that are no round trip's: entries that failed (and their unwinds). */
/** What the run paid and realised outside its round trips: failed entries and the unwinds of excess entry legs. */
export interface FeesOutsideTrades {
  readonly failedEntries: number;
  readonly feesByVenue: FeesByVenue;
  readonly feesUsd: number;
  /** LEG_UNWOUND events (an excess entry leg sold or bought back), whether or not a smaller hedge was kept. */
  readonly unwinds: number;
  /** Price PnL the unwinds realised against their legs' entry prices, USD (in the run's grossPnlUsd). */
  readonly grossPnlUsd: number;
  /** Unwinds whose price PnL is unknown (an entry or fill price not reported): not in grossPnlUsd. */
  readonly unwindsUnpriced: number;
}

export interface RunSummary {
  roundTrips: number;
  opened: number;
  closed: number;
  openAtExit: number;
  /** Realised: price PnL of the round trips closed in this run and of the unwound entry legs (outsideTrades.grossPnlUsd), USD. */
  grossPnlUsd: number;
  /** Realised: every fee paid in this run, USD. */
  feesUsd: number;
  /** Realised: funding paid (−) or received (+) by the round trips closed in this run, USD. */
  fundingUsd: number;
  /** Round trips whose funding is unknown (no entry index): they count none. */
  fundingUnknownTrades: number;
  /** Funding checked against the venues' own after each close (FUNDING_RECONCILED/MISMATCH): Σ (venue − bot), USD; undefined: none read. */
  fundingVenueDiffUsd: number | undefined;
  /** Closes checked against the venues, and how many of them disagreed beyond the tolerance. */
  fundingChecks: number;
  fundingMismatches: number;
  /** Periodic checks of held positions (risk.funding_reconcile_minutes), and how many disagreed beyond the tolerance. */
  fundingHeldChecks: number;
  fundingHeldMismatches: number;
  /** Realised: grossPnlUsd − feesUsd + fundingUsd. */
  netPnlUsd: number;
  /** Open positions marked to the last books: gross, estimated exit fees, and net = gross − exit fees, USD. */
  unrealisedGrossPnlUsd: number | undefined;
  unrealisedExitFeesUsd: number | undefined;
  /** Funding the open positions have accrued so far (not yet realised), USD. Next: gross − exit fees + that funding. */
  unrealisedFundingUsd: number | undefined;
  /** Undefined when a position is open that the books could not price (then nothing is claimed). */
  unrealisedPnlUsd: number | undefined;
  /** netPnlUsd + unrealisedPnlUsd. */
  netIfClosedNowUsd: number | undefined;
  /** Time of the oldest mark in the unrealised figures, ms. */
  unrealisedMarkedAt: number | undefined;
  /** Largest fall of "net if closed now" from its running peak (spread samples and closes), USD, ≥ 0. */
  maxDrawdownUsd: number;
  /** When that fall started (the peak) and ended (the trough), ms. */
  maxDrawdownFrom: number | undefined;
  maxDrawdownTo: number | undefined;
  /** The same on the realised net taken at each round trip's end (closed-trade equity), USD, ≥ 0. */
  maxDrawdownRealisedUsd: number;
  /** Share of round trips with a positive net PnL, 0..1; 0 when there were none. */
  winRate: number;
  avgHoldMs: number | undefined;
  signalToFillP50Ms: number | undefined;
  signalToFillP99Ms: number | undefined;
  legsUnwound: number;
  closeFailures: number;
  /** Fills found after the fact (FILL_CREDITED); their fees and credited PnL are in the figures above. */
  lateFills: number;
  /**
   * What the run left at the venues beyond hedged positions (those are `openAtExit`): unhedged legs and
   * orders nobody saw the outcome of, per pair, as the executors report them. Empty after a clean stop.
   */
  exposureAtExit: PairExposure[];
  /**
   * The loss budget (risk.max_loss_usd) as the pairs' journals hold it: the realised net they had counted when the
   * run started (earlier runs) and when it ended, and since when (the oldest pair's budget start). Absent: not read
   * (a summary folded from events alone).
   */
  lossBudget?: LossBudgetFigures;
  /** The time span the events cover, ms (in a replay: the data's). */
  firstEventAt: number | undefined;
  lastEventAt: number | undefined;
  /** The closed round trips' rows, oldest first: every one, or the newest `tradeRowsKept` (see SummaryFoldOptions). */
  trades: RoundTrip[];
  /** Closed round trips older than those rows: counted in every figure here, their rows kept by `onTrade`'s store only. */
  tradesNotListed: number;
  /** Per pair: the realised figures of its closed round trips (all of them, listed or not), USD. */
  byPair: Record<string, PairRealised>;
  openPositions: OpenAtExit[];
  outsideTrades: FeesOutsideTrades;
}

/** See RunSummary.lossBudget. */
export interface LossBudgetFigures {
  readonly maxLossUsd?: number;
  readonly atStartUsd: number;
  readonly atEndUsd: number;
  /** ms; absent: nothing counted yet. */
  readonly since?: number;
}
