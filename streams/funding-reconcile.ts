/**
 * fundingReconcile: after each close, the position's funding as the bot computed it (POSITION_CLOSED
 * `fundingLongUsd` / `fundingShortUsd`, index differences) against what each leg's venue says it settled since
 * the position opened, as FUNDING_RECONCILED or FUNDING_MISMATCH (src/execution/funding-reconcile.ts decides).
 *
 * - Reads the events of the bot (one pair or many); emits only the reconciliation events.
 * - A POSITION_CLOSED is paired with the last POSITION_OPENED of its pair (direction, size, legs' venues, open
 *   time); a close without per-leg figures (funding unknown or not tracked), or whose open this stream did not
 *   see, is not reconciled: nothing to compare.
 * - Waits `settleDelayMs` before reading, so the venue has booked the close's settlement.
 * - I/O is the injected `readVenueFunding`; a read that errors, ends empty or outlasts `timeoutMs` is a value
 *   ("venue figure unavailable: …") in the event, never an error of this stream.
 */
import {
  asyncScheduler,
  catchError,
  concatMap,
  defaultIfEmpty,
  filter,
  forkJoin,
  map,
  mergeMap,
  type Observable,
  of,
  type OperatorFunction,
  pipe,
  scan,
  type SchedulerLike,
  take,
  timeout,
  timer,
} from 'rxjs';
import { events, type PositionClosed, type PositionOpened, type TradingEvent } from '../src/domain/events';
import { usdPerQuoteUnit, venueSymbol, type VenueId } from '../src/domain/market';
import { DEFAULT_FUNDING_TOLERANCE, type FundingTolerance, reconcileFunding, type VenueFundingRead } from '../src/execution/funding-reconcile';
import { errorText } from '../src/logging/redact';

/** One leg's venue figure to read: funding settled on `symbol` at `venue` from `sinceMs` to now. */
export interface VenueFundingRequest {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly sinceMs: number;
}

export interface FundingReconcileOptions {
  /** The venue's own figure, USD (+ = received), and where it came from. */
  readonly readVenueFunding: (req: VenueFundingRequest) => Observable<{ readonly usd: number; readonly source: string }>;
  readonly tolerance?: FundingTolerance;
  /** Wait after the close before reading, ms. */
  readonly settleDelayMs?: number;
  /** Deadline of each read, ms. */
  readonly timeoutMs?: number;
  readonly scheduler?: SchedulerLike;
}

export const FUNDING_RECONCILE_DELAY_MS = 500;
export const FUNDING_READ_TIMEOUT_MS = 10_000;

/** A closed position with the bot's figure per leg, ready to check. */
interface ReconcileRequest {
  readonly opened: OpenedWithLegs;
  readonly closed: PositionClosed & { readonly fundingLongUsd: number; readonly fundingShortUsd: number };
}

interface Tracker {
  readonly opened: ReadonlyMap<string, PositionOpened>;
  readonly request: ReconcileRequest | undefined;
}

const START: Tracker = { opened: new Map(), request: undefined };

/** Pairs each close with its pair's last open. Pure. */
function track(t: Tracker, e: TradingEvent): Tracker {
  if (e.type === 'POSITION_OPENED') return { opened: new Map(t.opened).set(e.pair, e), request: undefined };
  if (e.type !== 'POSITION_CLOSED') return t.request === undefined ? t : { ...t, request: undefined };
  const opened = t.opened.get(e.pair);
  const rest = new Map(t.opened);
  rest.delete(e.pair);
  const known = opened?.longVenue !== undefined && opened.shortVenue !== undefined && e.fundingLongUsd !== undefined && e.fundingShortUsd !== undefined;
  return { opened: rest, request: known ? ({ opened, closed: e } as ReconcileRequest) : undefined };
}

export function fundingReconcile({
  readVenueFunding,
  tolerance = DEFAULT_FUNDING_TOLERANCE,
  settleDelayMs = FUNDING_RECONCILE_DELAY_MS,
  timeoutMs = FUNDING_READ_TIMEOUT_MS,
  scheduler = asyncScheduler,
}: FundingReconcileOptions): OperatorFunction<TradingEvent, TradingEvent> {
  const check = fundingCheck({ readVenueFunding, tolerance, timeoutMs, scheduler });
  return pipe(
    scan(track, START),
    map((t) => t.request),
    filter((r): r is ReconcileRequest => r !== undefined),
    // Reads only (no order): closes of different pairs are checked side by side.
    mergeMap(({ opened, closed }) =>
      timer(settleDelayMs, scheduler).pipe(concatMap(() => check(opened, { long: closed.fundingLongUsd, short: closed.fundingShortUsd }))),
    ),
  );
}

/** A position's legs, as POSITION_OPENED names them. */
export type OpenedWithLegs = PositionOpened & { readonly longVenue: VenueId; readonly shortVenue: VenueId };

/**
 * One check of a position's funding: each leg's venue figure read (bounded by `timeoutMs`; an error, an empty
 * answer or a timeout is a value, "venue figure unavailable: …"), held to the tolerance against the bot's per-leg
 * figure, as FUNDING_RECONCILED or FUNDING_MISMATCH (`whileHeld` marks a check of a position still open).
 * Shared by the check after each close and the periodic one while held (funding-reconcile-held.ts).
 */
export function fundingCheck({
  readVenueFunding,
  tolerance,
  timeoutMs,
  scheduler,
  whileHeld = false,
}: Required<Pick<FundingReconcileOptions, 'readVenueFunding' | 'tolerance' | 'timeoutMs' | 'scheduler'>> & { whileHeld?: boolean }) {
  const read = (req: VenueFundingRequest): Observable<VenueFundingRead> =>
    readVenueFunding(req).pipe(
      take(1),
      timeout({ each: timeoutMs, scheduler, with: () => of({ ok: false as const, reason: `no answer within ${timeoutMs} ms` }) }),
      map((r): VenueFundingRead => ('ok' in r ? r : { ok: true, usd: r.usd, source: r.source })),
      defaultIfEmpty<VenueFundingRead, VenueFundingRead>({ ok: false, reason: 'the venue gave no figure' }),
      catchError((err: unknown) => of<VenueFundingRead>({ ok: false, reason: errorText(err) })),
    );
  return (opened: OpenedWithLegs, bot: { readonly long: number; readonly short: number }): Observable<TradingEvent> => {
    const sinceMs = opened.openedAt ?? opened.time;
    const legs = [
      { leg: 'long' as const, venue: opened.longVenue, botUsd: bot.long },
      { leg: 'short' as const, venue: opened.shortVenue, botUsd: bot.short },
    ].map((l) => ({ ...l, symbol: venueSymbol(l.venue, opened.pair) }));
    return forkJoin(legs.map((l) => read({ venue: l.venue, symbol: l.symbol, sinceMs }))).pipe(
      map((figures) => {
        const result = reconcileFunding(
          legs.map((l, i) => ({ ...l, venueFigure: inUsd(figures[i]!, usdPerQuoteUnit(l.venue, opened.usdcUsd ?? 1)) })),
          tolerance,
        );
        const payload = {
          pair: opened.pair,
          direction: opened.direction,
          size: opened.size,
          sinceMs,
          legs: result.legs,
          botUsd: result.botUsd,
          ...(result.venueUsd !== undefined ? { venueUsd: result.venueUsd } : {}),
          ...(result.diffUsd !== undefined ? { diffUsd: result.diffUsd } : {}),
          ...(result.unavailable !== undefined ? { unavailable: result.unavailable } : {}),
          ...(whileHeld ? { whileHeld: true as const } : {}),
        };
        return result.outcome === 'mismatch' ? events.fundingMismatch(scheduler.now(), payload) : events.fundingReconciled(scheduler.now(), payload);
      }),
    );
  };
}

/**
 * A venue's funding figure in USD: each venue reports it in its quote currency (Vest `settledFunding` USDC, Paradex's
 * USD-valued funding), as the bot's own figures were before they became USD (src/domain/funding.ts pairFundingUsd).
 */
function inUsd(read: VenueFundingRead, usdPerQuote: number): VenueFundingRead {
  return read.ok && usdPerQuote !== 1 ? { ...read, usd: read.usd * usdPerQuote } : read;
}
