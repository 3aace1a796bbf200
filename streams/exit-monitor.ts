import {
  asyncScheduler,
  catchError,
  concat,
  defaultIfEmpty,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  finalize,
  from,
  map,
  type Observable,
  of,
  type OperatorFunction,
  type SchedulerLike,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwError,
} from 'rxjs';
import { type CloseResult, type DecidingTick, events, type ExitEvent, type ExitReason } from '../src/domain/events';
import type { MarketTick, PositionSpec } from '../src/domain/market';
import { entrySpreads, exitSpreadOf, quotesOf, roundTripProfit } from '../src/domain/spread';
import { isTradableTick } from './market';
import { errorText } from '../src/logging/redact';

/** What the close effect is told about the poll that decided to exit. */
export interface CloseContext {
  readonly exitSpread: number;
  readonly tick: MarketTick;
  readonly polls: number;
}

export interface ExitMonitorOptions {
  position: PositionSpec;
  /** Percent; the monitor exits when exitSpread >= exitTarget. */
  exitTarget: number;
  /** Any emission stops monitoring (an in-flight close still finishes first). */
  shutdown$: Observable<unknown>;
  /** The close effect. It should carry its own deadline: while it is in flight, ticks are ignored. */
  closePosition: (ctx: CloseContext) => Observable<CloseResult>;
  /** Emit POSITION_MONITORING every this many polls. Default 40 (~1 s at the original's 25 ms poll). */
  logEvery?: number;
  /** Consecutive polls at or above the target before closing (the original's exit_confirm_ticks). Default 1. */
  confirmTicks?: number;
  /** Books received longer ago than this (at scheduler.now()) decide nothing. Default: no limit. */
  maxBookAgeMs?: number;
  /** Time source for event times and book age. Default asyncScheduler. */
  scheduler?: SchedulerLike;
  /** Why reaching the target closes the position, as TRADE_EXIT and POSITION_CLOSED report it. Default 'exit_target'. */
  reason?: ExitReason;
}

type CloseOutcome = { readonly ok: true; readonly result: CloseResult } | { readonly ok: false; readonly reason: string };

/** Why the tick stream ended before the position was closed. */
type TicksEnd = { readonly kind: 'shutdown' } | { readonly kind: 'error'; readonly error: unknown };

/**
 * Watches an open position on a stream of ticks and closes it when the exit spread reaches the target
 * (the original's `exit_monitoring_loop`, original-bot.md §7, without its defects).
 *
 * - Every tick is one poll, except ticks that arrive while a close is in flight: those are ignored.
 * - Every `logEvery`-th poll emits POSITION_MONITORING before that poll's exit check.
 * - A poll decides nothing when a needed side is empty or too thin for the position size, or a book is
 *   stale, crossed, or older than `maxBookAgeMs`.
 * - exitSpread >= exitTarget: TRADE_EXIT, then `closePosition` is subscribed once. Success: POSITION_CLOSED,
 *   EXIT_MONITOR_STOPPED 'closed', complete. Failure (ok:false, error, or no result): CLOSE_FAILED and
 *   monitoring resumes, since the position is still open.
 * - shutdown$: EXIT_MONITOR_STOPPED 'shutdown' and complete without closing. A close in flight is never
 *   cancelled: its outcome is emitted first (and a successful one ends with 'closed' instead).
 * - A tick source error is re-thrown, after any in-flight close has finished and its outcome was emitted.
 * - A completed tick source completes the monitor with no extra event: the caller owns the source, and
 *   the absence of EXIT_MONITOR_STOPPED tells it the position is still open.
 *
 * Every event carries `polls`; the last one's is the final poll count.
 */
export function exitMonitor(options: ExitMonitorOptions): OperatorFunction<MarketTick, ExitEvent> {
  const {
    position,
    exitTarget,
    shutdown$,
    closePosition,
    logEvery = 40,
    confirmTicks = 1,
    maxBookAgeMs,
    scheduler = asyncScheduler,
    reason: exitReason = 'exit_target',
  } = options;
  validate(options.position, exitTarget, logEvery, maxBookAgeMs);
  if (!Number.isInteger(confirmTicks) || confirmTicks < 1) {
    throw new RangeError(`exitMonitor(${position.pair}): confirmTicks must be an integer >= 1, got ${confirmTicks}`);
  }
  const { pair, direction, entrySpread, size } = position;

  // VWAP for the position size, not the top of book as the original did: the close sells and buys back
  // the whole size, so that is the spread it gets. A side too thin for the size decides nothing.
  const spreadAt = (tick: MarketTick): number | undefined => exitSpreadOf(direction, tick.a, tick.b, size);
  // Whether the tick's books may be decided on. Asked only of a poll whose spread would count (at the
  // target) or be reported: most polls are below the target, and the checks read the side of each
  // book the spread does not (a new book's other side is a cache miss) and, with an age limit, the clock.
  const tradable = (tick: MarketTick): boolean => isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs);

  const closeOutcome$ = (ctx: CloseContext): Observable<CloseOutcome> =>
    defer(() => closePosition(ctx)).pipe(
      take(1),
      map((result): CloseOutcome => (result.ok ? { ok: true, result } : { ok: false, reason: result.reason ?? 'close rejected without a reason' })),
      defaultIfEmpty<CloseOutcome, CloseOutcome>({ ok: false, reason: 'close completed without a result' }),
      catchError((error: unknown) => of<CloseOutcome>({ ok: false, reason: `close errored: ${errorText(error)}` })),
    );

  return (ticks$) =>
    defer(() => {
      // Per subscription: each subscriber monitors with its own count.
      let polls = 0;
      // Consecutive polls at or above the target; a poll below it or with no decision resets it.
      let atTarget = 0;
      // True while exhaustMap runs a poll's events (and its close): exactly when exhaustMap would drop a
      // tick. Ticks are checked against it *before* they are counted, so a tick during a close is neither
      // polled nor counted, and a poll with nothing to report never reaches exhaustMap at all.
      let reporting = false;
      const endReporting = (): void => {
        reporting = false;
      };
      let closed = false;
      let ticksEnd: TicksEnd | undefined;

      const close$ = (exitSpread: number, tick: MarketTick, pollsAtExit: number): Observable<ExitEvent> => {
        const profit = roundTripProfit(entrySpread, exitSpread);
        return closeOutcome$({ exitSpread, tick, polls: pollsAtExit }).pipe(
          tap((outcome) => (closed ||= outcome.ok)),
          map((outcome): ExitEvent => {
            const now = scheduler.now();
            if (!outcome.ok) return events.closeFailed(now, { pair, polls: pollsAtExit, reason: outcome.reason });
            const { grossPnlUsd, feesUsd } = outcome.result;
            return events.positionClosed(now, {
              pair,
              polls: pollsAtExit,
              entrySpread,
              exitSpread,
              profit,
              ...(grossPnlUsd !== undefined && { grossPnlUsd }),
              ...(feesUsd !== undefined && { feesUsd }),
              reason: exitReason,
            });
          }),
        );
      };

      /** One poll, decided synchronously: its events, or undefined when it has none (most polls). */
      const poll = (tick: MarketTick): Observable<ExitEvent> | undefined => {
        if (reporting) return undefined;
        polls += 1;
        const logging = polls % logEvery === 0;
        const spread = spreadAt(tick);
        // Below the target a poll resets the count whether or not its books are tradable.
        const counts = spread !== undefined && spread >= exitTarget;
        const exitSpread = (counts || logging) && spread !== undefined && tradable(tick) ? spread : undefined;
        atTarget = counts && exitSpread !== undefined ? atTarget + 1 : 0;
        const exiting = atTarget >= confirmTicks;
        if (!exiting && !logging) return undefined;
        reporting = true;
        const now = scheduler.now();
        const monitoring$ = logging ? of(events.positionMonitoring(now, { pair, polls, entrySpread, exitSpread, exitTarget })) : EMPTY;
        if (!exiting || exitSpread === undefined) return monitoring$;
        atTarget = 0;
        const profit = roundTripProfit(entrySpread, exitSpread);
        const exit = events.tradeExit(now, { pair, polls, entrySpread, exitSpread, exitTarget, profit, reason: exitReason, tick: decidingTick(tick, size) });
        return concat(monitoring$, of(exit), close$(exitSpread, tick, polls));
      };

      // The shutdown gate and a source error end the *ticks* only. exhaustMap then waits for an in-flight
      // close before completing, so neither can cancel it; the tail below reports why monitoring stopped.
      const polledTicks$ = ticks$.pipe(
        catchError((error: unknown) => {
          ticksEnd ??= { kind: 'error', error };
          return EMPTY;
        }),
        takeUntil(
          shutdown$.pipe(
            tap(() => (ticksEnd ??= { kind: 'shutdown' })),
            // A failing shutdown$ stops the ticks too (emitting ends takeUntil), and is re-thrown at the end.
            catchError((error: unknown) => {
              ticksEnd ??= { kind: 'error', error };
              return of(error);
            }),
          ),
        ),
      );

      const monitoring$ = polledTicks$.pipe(
        map(poll),
        filter((pollEvents$): pollEvents$ is Observable<ExitEvent> => pollEvents$ !== undefined),
        // Never a switch: a later tick must not cancel an in-flight close.
        exhaustMap((pollEvents$) => pollEvents$.pipe(finalize(endReporting))),
        takeWhile((event) => event.type !== 'POSITION_CLOSED', true),
      );

      const stopped$ = defer((): Observable<ExitEvent> => {
        const reason = closed ? 'closed' : ticksEnd?.kind === 'shutdown' ? 'shutdown' : undefined;
        const stopped = reason === undefined ? [] : [events.exitMonitorStopped(scheduler.now(), { pair, polls, reason })];
        const end = ticksEnd;
        return concat(from(stopped), end?.kind === 'error' ? throwError(() => end.error) : EMPTY);
      });

      return concat(monitoring$, stopped$);
    });
}

/** The exit's tick as the report plots it: both directions at the position size (read only on an exit, off the hot path). */
function decidingTick(tick: MarketTick, size: number): DecidingTick {
  return { time: tick.time, ...entrySpreads(quotesOf(tick.a, tick.b, size)) };
}

function validate(position: PositionSpec, exitTarget: number, logEvery: number, maxBookAgeMs: number | undefined): void {
  const fail = (what: string): never => {
    throw new RangeError(`exitMonitor(${position.pair}): ${what}`);
  };
  if (!(position.size > 0) || !Number.isFinite(position.size)) fail(`position size must be > 0, got ${position.size}`);
  if (!Number.isFinite(position.entrySpread)) fail(`entrySpread must be finite, got ${position.entrySpread}`);
  if (!Number.isFinite(exitTarget)) fail(`exitTarget must be finite, got ${exitTarget}`);
  if (!Number.isInteger(logEvery) || logEvery < 1) fail(`logEvery must be an integer >= 1, got ${logEvery}`);
  if (maxBookAgeMs !== undefined && !(maxBookAgeMs >= 0)) fail(`maxBookAgeMs must be >= 0, got ${maxBookAgeMs}`);
}

