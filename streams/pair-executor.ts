/**
 * What the bot stream asks of a pair's executor, and what it gets back. Structural: the executor in
 * src/execution satisfies it, and tests script it. Every method resolves with a value; none should reject
 * (a rejection still becomes an event, never a dead stream).
 */
import type { CloseResult, TradingEvent } from '../src/domain/events';
import type { MarketTick, PositionSpec, SpreadOpportunity } from '../src/domain/market';
import type { LegIndexes, PairFunding } from '../src/domain/funding';
import type { CloseContext } from './exit-monitor';

/** An open position as the executor hands it back. */
export interface OpenedPosition extends PositionSpec {
  readonly openedAt?: number;
  /** Entry fill prices, when known: they let the status mark the position to the books (unrealised PnL). */
  readonly longEntryPrice?: number;
  readonly shortEntryPrice?: number;
  /** Each leg's venue funding index at entry; absent = unknown (funding not tracked then, or an older journal). */
  readonly fundingIndexAtEntry?: LegIndexes;
  /** USD per USDC the position was opened at (`market.usdc_usd` then; a restored one keeps its own). Absent: 1. */
  readonly usdcUsd?: number;
}

/** How an entry ended: both legs open, or not (unwound or refused), with the events it produced. */
export type EntryOutcome =
  | { readonly ok: true; readonly position: OpenedPosition; readonly events: readonly TradingEvent[] }
  | { readonly ok: false; readonly reason: string; readonly events: readonly TradingEvent[] };

/** A close's result with the events it produced (order fills, retries). */
export interface CloseReport extends CloseResult {
  readonly events: readonly TradingEvent[];
}

/** What a restart found in the journal and at the venues. */
export interface RestoreReport {
  /** The position to resume monitoring, if the journal and the venues agree one is open. */
  readonly position?: OpenedPosition;
  /** A close was under way when the process stopped: finish it at the first tradable tick. */
  readonly resumeClose?: boolean;
  /** A venue could not be read: nothing was decided; restore again after this many ms (the pair stays halted). */
  readonly retryInMs?: number;
  /** With `retryInMs`: the journal holds an entry or close left unfinished, finished once the venues can be read; a shutdown keeps trying (within its grace). */
  readonly unfinished?: true;
  /** A trade the last run left open that the restore found closed: reported (and counted) as a round trip now. */
  readonly closedTrade?: { readonly position: OpenedPosition; readonly grossPnlUsd: number; readonly feesUsd: number };
  readonly events: readonly TradingEvent[];
}

/** Close fills found after their trade was reported closed (see FILL_CREDITED). */
export interface LateFillCredits {
  readonly events: readonly TradingEvent[];
  /** Added to trades already reported closed: counted in the run's loss limit. */
  readonly creditedPnlUsd: number;
  readonly creditedFeesUsd: number;
}

/** The part of the executor the stream drives. Every method resolves with a value; none should reject. */
export interface PairExecutor {
  /** `funding`: the pair's latest funding when tracked, recorded (and journalled) as the position's funding at entry. */
  openPosition(opportunity: SpreadOpportunity, funding?: PairFunding): Promise<EntryOutcome>;
  closePosition(position: OpenedPosition, ctx: CloseContext): Promise<CloseReport>;
  restore(): Promise<RestoreReport>;
  isHalted(): boolean;
  /** Re-signs the pre-signed close orders when they are about to lapse or their price cap drifted from the book. */
  refreshPreparedClose?(tick: MarketTick): Promise<unknown>;
  /** Looks up close fills still unknown when their trade closed; cheap when there are none (it keeps its own backoff). */
  settleLateFills?(): Promise<LateFillCredits>;
  /**
   * Halts new entries and journals it with no end, so a restart keeps it until an operator's `resume` (the
   * run's loss limit: a crash loop must not reset it). Its TRADING_HALTED. Absent: the halt lasts the run.
   */
  haltUntilResumed?(reason: string): readonly TradingEvent[];
  /** A halt an operator cleared from another process (the `resume` command): its TRADING_RESUMED, else nothing. */
  pollOperatorResume?(): readonly TradingEvent[];
  /**
   * The loss budget on record (earlier runs), and the journalling of what the loss limit counts of this pair's
   * events (streams/loss-limit.ts). Absent: the pair's budget lasts the run (nothing carried, nothing journalled).
   */
  lossOnRecord?(): { readonly netUsd: number; readonly since?: number };
  recordRealised?(event: string, deltaUsd: number): void;
}
