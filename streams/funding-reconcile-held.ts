/**
 * fundingReconcileWhileHeld: while a position is held, every `everyMs` the bot's accrued funding (the pair's latest
 * FUNDING_ACCRUED, per leg) against what each leg's venue says the open position has settled and accrued, as
 * FUNDING_RECONCILED or FUNDING_MISMATCH with `whileHeld: true` (src/execution/funding-reconcile.ts decides). The
 * check after the close (funding-reconcile.ts) still runs; this one finds a wrong index or sign hours earlier.
 *
 * - Reads the bot's events (one pair or many, each pair on its own); emits only the check events.
 * - A pair is held from its POSITION_OPENED (fresh or restored) to its POSITION_CLOSED; no check runs while its
 *   close is in flight (TRADE_EXIT until POSITION_CLOSED or CLOSE_FAILED: the venues' positions are changing),
 *   and a check still reading when the position closes or starts closing is dropped (reads only: nothing is lost).
 * - Nothing is checked before the position's first FUNDING_ACCRUED: without it the bot has no figure to compare.
 * - The clock stops when the bot's events end (shutdown), held or not.
 * - A tick that comes while the previous check is still reading is skipped (exhaustMap): reads never pile up.
 * - I/O is the injected `readVenueFunding`; a read that errors, ends empty or outlasts `timeoutMs` is a value in
 *   the event ("venue figure unavailable: …"), never an error of this stream. It never places an order.
 */
import {
  asyncScheduler,
  connect,
  distinctUntilChanged,
  EMPTY,
  endWith,
  exhaustMap,
  filter,
  groupBy,
  ignoreElements,
  interval,
  map,
  mergeMap,
  type Observable,
  type OperatorFunction,
  ReplaySubject,
  scan,
  type SchedulerLike,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  withLatestFrom,
} from 'rxjs';
import type { FundingAccrued, TradingEvent } from '../src/domain/events';
import { fitsTimer, MAX_TIMER_MS } from '../src/domain/durations';
import type { VenueId } from '../src/domain/market';
import type { PositionsQuery } from '../src/venues/venue';
import { DEFAULT_FUNDING_TOLERANCE, type FundingTolerance } from '../src/execution/funding-reconcile';
import { FUNDING_READ_TIMEOUT_MS, fundingCheck, type OpenedWithLegs, type VenueFundingRequest } from './funding-reconcile';

export interface HeldFundingReconcileOptions {
  /**
   * The venue's own figure for the open position on `symbol` since `sinceMs` (settled into the balance and accrued
   * not yet settled), USD (+ = received), and where it came from.
   */
  readonly readVenueFunding: (req: VenueFundingRequest) => Observable<{ readonly usd: number; readonly source: string }>;
  /** Period of the checks while held, ms (> 0; `risk.funding_reconcile_minutes`). */
  readonly everyMs: number;
  readonly tolerance?: FundingTolerance;
  /** Deadline of each read, ms. */
  readonly timeoutMs?: number;
  readonly scheduler?: SchedulerLike;
}

/** What one pair holds, as its events tell it. */
interface Holding {
  readonly opened: OpenedWithLegs | undefined;
  /** The bot's latest accrued funding of that position. */
  readonly accrued: FundingAccrued | undefined;
  /** Its close is in flight. */
  readonly closing: boolean;
}

const NOT_HELD: Holding = { opened: undefined, accrued: undefined, closing: false };

type Relevant = Extract<TradingEvent, { type: 'POSITION_OPENED' | 'FUNDING_ACCRUED' | 'TRADE_EXIT' | 'CLOSE_FAILED' | 'POSITION_CLOSED' }>;
const RELEVANT = new Set<TradingEvent['type']>(['POSITION_OPENED', 'FUNDING_ACCRUED', 'TRADE_EXIT', 'CLOSE_FAILED', 'POSITION_CLOSED']);
const isRelevant = (e: TradingEvent): e is Relevant => RELEVANT.has(e.type);

/** The next holding. Pure. A position whose legs' venues are unknown cannot be checked: it counts as not held. */
function holding(h: Holding, e: Relevant): Holding {
  switch (e.type) {
    case 'POSITION_OPENED':
      return e.longVenue !== undefined && e.shortVenue !== undefined ? { opened: e as OpenedWithLegs, accrued: undefined, closing: false } : NOT_HELD;
    case 'FUNDING_ACCRUED':
      return h.opened !== undefined && e.longVenue === h.opened.longVenue && e.shortVenue === h.opened.shortVenue ? { ...h, accrued: e } : h;
    case 'TRADE_EXIT':
      return h.opened === undefined ? h : { ...h, closing: true };
    case 'CLOSE_FAILED':
      return h.opened === undefined ? h : { ...h, closing: false };
    case 'POSITION_CLOSED':
      return NOT_HELD;
  }
}

/** The position to check, or undefined while nothing is held or its close is in flight. */
const checkable = (h: Holding): OpenedWithLegs | undefined => (h.closing ? undefined : h.opened);

export function fundingReconcileWhileHeld({
  readVenueFunding,
  everyMs,
  tolerance = DEFAULT_FUNDING_TOLERANCE,
  timeoutMs = FUNDING_READ_TIMEOUT_MS,
  scheduler = asyncScheduler,
}: HeldFundingReconcileOptions): OperatorFunction<TradingEvent, TradingEvent> {
  if (!(everyMs > 0) || !fitsTimer(everyMs)) throw new RangeError(`fundingReconcileWhileHeld: everyMs must be a number from 1 to ${MAX_TIMER_MS}, got ${everyMs}`);
  const check = fundingCheck({ readVenueFunding, tolerance, timeoutMs, scheduler, whileHeld: true });
  /** One pair's checks: a clock per held position, restarted by each open and stopped by each close. */
  const pairChecks = (pair$: Observable<Relevant>): Observable<TradingEvent> =>
    pair$.pipe(
      scan(holding, NOT_HELD),
      // Replayed: a clock started by a state sees that state (and every later one) at once.
      connect(
        (state$) =>
          state$.pipe(
            map(checkable),
            distinctUntilChanged(),
            // Reads only: a new state (closing, closed, reopened) drops the check in flight, and nothing is lost.
            switchMap((position) =>
              position === undefined
                ? EMPTY
                : interval(everyMs, scheduler).pipe(
                    withLatestFrom(state$),
                    map(([, h]) => h.accrued),
                    filter((accrued): accrued is FundingAccrued => accrued !== undefined),
                    exhaustMap((accrued) =>
                      check(position, { long: accrued.longUsd, short: accrued.shortUsd }).pipe(
                        // A check made while the position was still held, emitted only if it still is.
                        withLatestFrom(state$),
                        takeWhile(([, h]) => checkable(h) === position),
                        map(([event]) => event),
                        take(1),
                      ),
                    ),
                    // The bot's events ended (shutdown): so does the clock.
                    takeUntil(state$.pipe(ignoreElements(), endWith(true))),
                  ),
            ),
          ),
        { connector: () => new ReplaySubject<Holding>(1) },
      ),
    );
  return (events$) =>
    events$.pipe(
      filter(isRelevant),
      groupBy((e) => e.pair),
      mergeMap(pairChecks),
    );
}

/** What a venue client gives for this check (src/venues/venue.ts). */
export interface HeldFundingVenue {
  positions(query?: PositionsQuery): Promise<readonly { readonly symbol: string; readonly unrealisedFundingUsd?: number; readonly unrealisedFundingSource?: string }[]>;
  fundingSettledSince?(symbol: string, sinceMs: number): Promise<{ readonly settledUsd: number; readonly source: string }>;
}

/**
 * The venue's figure for an open position: what it settled on the market since the open (the same reading as the
 * check after the close: Paradex funding payments, Vest orders' settledFunding) plus what the position has accrued
 * and not settled yet (`VenuePosition.unrealisedFundingUsd`: Paradex `unrealized_funding_pnl`; Vest −size ×
 * (ticker `cumFunding` − position `entryFunding`), src/domain/funding.ts `vestAccruedFundingUsd`). A venue whose
 * position reports no accrued figure, or that holds no position on the market, gives no figure (said as the reason).
 */
export async function heldFundingFigure(venue: HeldFundingVenue, venueId: VenueId, req: VenueFundingRequest): Promise<{ usd: number; source: string }> {
  if (!venue.fundingSettledSince) throw new Error(`${venueId} reports no settled funding`);
  const [positions, settled] = await Promise.all([venue.positions({ withFunding: true }), venue.fundingSettledSince(req.symbol, req.sinceMs)]);
  const position = positions.find((p) => p.symbol === req.symbol);
  if (position === undefined) throw new Error(`${venueId} shows no open ${req.symbol} position`);
  if (position.unrealisedFundingUsd === undefined) throw new Error(`${venueId} reports no accrued funding on its open ${req.symbol} position`);
  const how = position.unrealisedFundingSource !== undefined ? ` (${position.unrealisedFundingSource})` : '';
  return { usd: settled.settledUsd + position.unrealisedFundingUsd, source: `${settled.source} + position accrued ${position.unrealisedFundingUsd}${how}` };
}
