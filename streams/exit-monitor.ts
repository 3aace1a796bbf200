import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  connect,
  defaultIfEmpty,
  defer,
  EMPTY,
  endWith,
  expand,
  filter,
  ignoreElements,
  map,
  type Observable,
  of,
  type OperatorFunction,
  race,
  type SchedulerLike,
  scan,
  ReplaySubject,
  take,
  takeUntil,
  tap,
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

/**
 * A poll's decision input: its tick and exit spread. `exitSpread` is undefined when the poll decides nothing
 * (a side the close trades on is empty or too thin for the size; at the target, also a stale, crossed or too
 * old book). A spread below the target is not checked for tradability: it decides nothing either way.
 */
interface Poll {
  readonly tick: MarketTick;
  readonly exitSpread: number | undefined;
}

/** Marks the end of the ticks (a shutdown or the source's completion) in a watch's inputs, so its scan still has the count. */
const TICKS_ENDED = Symbol('ticks ended');
type PollInput = Poll | typeof TICKS_ENDED;

/** What the scan carries from poll to poll, and across a close. */
interface Watch {
  readonly polls: number;
  /** Consecutive polls at or above the target; a poll below it or with no decision resets it. */
  readonly run: number;
}

/** A watch as the scan leaves it after one input. */
interface Counted extends Watch {
  readonly input: PollInput;
}

/** What one watch ends with: its events, and the watch to go on with (none: the monitor is done). */
interface Step {
  readonly events: readonly ExitEvent[];
  readonly next?: Watch;
}

/** The options, resolved once per `exitMonitor` call. */
interface Monitor {
  readonly position: PositionSpec;
  readonly exitTarget: number;
  readonly closePosition: (ctx: CloseContext) => Observable<CloseResult>;
  readonly logEvery: number;
  readonly confirmTicks: number;
  readonly maxBookAgeMs: number | undefined;
  readonly scheduler: SchedulerLike;
  readonly exitReason: ExitReason;
}

type CloseOutcome = { readonly ok: true; readonly result: CloseResult } | { readonly ok: false; readonly reason: string };

const START: Step = { events: [], next: { polls: 0, run: 0 } };

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
  const { logEvery = 40, confirmTicks = 1, maxBookAgeMs, scheduler = asyncScheduler, reason: exitReason = 'exit_target' } = options;
  const { position, exitTarget, closePosition, shutdown$ } = options;
  validate(position, exitTarget, logEvery, maxBookAgeMs);
  if (!Number.isInteger(confirmTicks) || confirmTicks < 1) {
    throw new RangeError(`exitMonitor(${position.pair}): confirmTicks must be an integer >= 1, got ${confirmTicks}`);
  }
  const monitor: Monitor = { position, exitTarget, closePosition, logEvery, confirmTicks, maxBookAgeMs, scheduler, exitReason };
  return (ticks$) => monitoring$(monitor, ticks$, shutdown$);
}

/**
 * The card's shape: ticks → `map` to the poll's decision input → `takeUntil(shutdown$)` → `scan` counting polls
 * and the confirmation run until a poll has something to say → the watch leaves the ticks and `concatMap` runs
 * that poll's events and close → a new watch of the same ticks from the count reached (`expand`). Nobody
 * listens while a close is in flight, so its ticks are neither polled nor counted, and nothing cancels it.
 */
function monitoring$(monitor: Monitor, ticks$: Observable<MarketTick>, shutdown$: Observable<unknown>): Observable<ExitEvent> {
  const decide = (tick: MarketTick): Poll => decisionInput(monitor, tick);
  const count = (watch: Watch, input: PollInput): Counted => countPoll(monitor, watch, input);
  const { logEvery, confirmTicks } = monitor;
  const hasSomethingToSay = ({ polls, run, input }: Counted): boolean => input === TICKS_ENDED || polls % logEvery === 0 || run >= confirmTicks;
  return defer(() => {
    // Per subscription, replayed: once the ticks have ended, whether a shutdown ended them.
    const shutdownSeen$ = new ReplaySubject<unknown>(1);
    const polls$ = ticks$.pipe(
      map(decide),
      takeUntil(shutdown$.pipe(take(1), tap((signal) => shutdownSeen$.next(signal)))),
    );
    return polls$.pipe(
      endWith(TICKS_ENDED),
      // One subscription to the ticks for all the watches. A watch that starts after they ended (they may end
      // while a close is in flight, when no watch listens) sees only the end (a Subject replays it): it has
      // counted nothing, so its own start is the count at the end.
      connect((inputs$) => {
        const watch$ = (from: Watch): Observable<Step> =>
          inputs$.pipe(
            scan<PollInput, Counted, Watch>(count, from),
            filter(hasSomethingToSay),
            // Leaves the ticks: none is polled or counted until this poll's events (and close) are done.
            take(1),
            defaultIfEmpty<Counted, Counted>({ ...from, input: TICKS_ENDED }),
            concatMap((counted) => (counted.input === TICKS_ENDED ? endSteps$(monitor, counted, shutdownSeen$) : pollSteps$(monitor, counted, counted.input))),
          );
        return concat(
          of(START).pipe(
            expand((step) => (step.next === undefined ? EMPTY : watch$(step.next))),
            concatMap((step) => step.events),
          ),
          // A tick source error that came while a close was in flight is re-thrown after it, even a successful one.
          race(inputs$.pipe(ignoreElements()), of(undefined)).pipe(ignoreElements()),
        );
      }),
    );
  });
}

// VWAP for the position size, not the top of book as the original did: the close sells and buys back
// the whole size, so that is the spread it gets. A side too thin for the size decides nothing.
function decisionInput(monitor: Monitor, tick: MarketTick): Poll {
  const { position, exitTarget } = monitor;
  const spread = exitSpreadOf(position.direction, tick.a, tick.b, position.size);
  return { tick, exitSpread: spread !== undefined && spread >= exitTarget && !isTradable(monitor, tick) ? undefined : spread };
}

// Whether the tick's books may be decided on. Asked only of a poll whose spread would count (at the
// target) or be reported: most polls are below the target, and the checks read the side of each
// book the spread does not (a new book's other side is a cache miss) and, with an age limit, the clock.
function isTradable({ maxBookAgeMs, scheduler }: Monitor, tick: MarketTick): boolean {
  return isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs);
}

function isAtTarget(monitor: Monitor, poll: Poll): boolean {
  return poll.exitSpread !== undefined && poll.exitSpread >= monitor.exitTarget;
}

function countPoll(monitor: Monitor, { polls, run }: Watch, input: PollInput): Counted {
  if (input === TICKS_ENDED) return { polls, run, input };
  return { polls: polls + 1, run: isAtTarget(monitor, input) ? run + 1 : 0, input };
}

/** A poll that reports or exits: POSITION_MONITORING and/or TRADE_EXIT, then the close and what follows it. */
function pollSteps$(monitor: Monitor, watch: Watch, poll: Poll): Observable<Step> {
  const { position, exitTarget, scheduler } = monitor;
  const { pair, entrySpread } = position;
  const { polls } = watch;
  const now = scheduler.now();
  const reported: ExitEvent[] = [];
  if (polls % monitor.logEvery === 0) {
    // At the target the books were checked already; below it, only now, for the report.
    const shown = isAtTarget(monitor, poll) || (poll.exitSpread !== undefined && isTradable(monitor, poll.tick)) ? poll.exitSpread : undefined;
    reported.push(events.positionMonitoring(now, { pair, polls, entrySpread, exitSpread: shown, exitTarget }));
  }
  const { exitSpread, tick } = poll;
  if (watch.run < monitor.confirmTicks || exitSpread === undefined) return of({ events: reported, next: watch });
  const profit = roundTripProfit(entrySpread, exitSpread);
  const exit = events.tradeExit(now, { pair, polls, entrySpread, exitSpread, exitTarget, profit, reason: monitor.exitReason, tick: decidingTick(tick, position.size) });
  return concat(of<Step>({ events: [...reported, exit] }), closeSteps$(monitor, { exitSpread, tick, polls }));
}

/** The close effect, subscribed once: closed and stopped, or CLOSE_FAILED and a new watch (the position is still open). */
function closeSteps$(monitor: Monitor, ctx: CloseContext): Observable<Step> {
  const { position, scheduler, exitReason: reason } = monitor;
  const { pair, entrySpread } = position;
  const { exitSpread, polls } = ctx;
  return closeOutcome$(monitor, ctx).pipe(
    map((outcome): Step => {
      const now = scheduler.now();
      if (!outcome.ok) return { events: [events.closeFailed(now, { pair, polls, reason: outcome.reason })], next: { polls, run: 0 } };
      const { grossPnlUsd, feesUsd } = outcome.result;
      const profit = roundTripProfit(entrySpread, exitSpread);
      const closed = events.positionClosed(now, {
        pair,
        polls,
        entrySpread,
        exitSpread,
        profit,
        ...(grossPnlUsd !== undefined && { grossPnlUsd }),
        ...(feesUsd !== undefined && { feesUsd }),
        reason,
      });
      return { events: [closed, events.exitMonitorStopped(now, { pair, polls, reason: 'closed' })] };
    }),
  );
}

/** The close's one outcome as a value: a rejection, an error and completion without a result are failures. */
function closeOutcome$({ closePosition }: Monitor, ctx: CloseContext): Observable<CloseOutcome> {
  return defer(() => closePosition(ctx)).pipe(
    take(1),
    map((result): CloseOutcome => (result.ok ? { ok: true, result } : { ok: false, reason: result.reason ?? 'close rejected without a reason' })),
    defaultIfEmpty<CloseOutcome, CloseOutcome>({ ok: false, reason: 'close completed without a result' }),
    catchError((error: unknown) => of<CloseOutcome>({ ok: false, reason: `close errored: ${errorText(error)}` })),
  );
}

/** The end of the ticks: a shutdown says so; a completed source says nothing (an error is re-thrown by the caller). */
function endSteps$({ position, scheduler }: Monitor, { polls }: Watch, shutdownSeen$: Observable<unknown>): Observable<Step> {
  // shutdownSeen$ replays a shutdown that came; otherwise the source completed on its own (or shutdown$ did).
  return race(shutdownSeen$.pipe(take(1), map(() => true)), of(false)).pipe(
    map((shutdown): Step => ({ events: shutdown ? [events.exitMonitorStopped(scheduler.now(), { pair: position.pair, polls, reason: 'shutdown' })] : [] })),
  );
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
