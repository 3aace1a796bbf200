import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  exhaustMap,
  filter,
  finalize,
  from,
  map,
  Observable,
  merge,
  of,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
  scan,
  Subject,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { type CloseResult, type DecidingTick, events, type ExitEvent, type ExitReason } from '../src/domain/events';
import { MAX_TIMER_MS } from '../src/domain/durations';
import { carryPerHour, type FundingRates } from '../src/domain/funding';
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
  /**
   * Holding limit: scheduler time (ms) from which the position is closed at the first tradable poll whatever
   * its exit spread (reason 'max_duration'). A time already past closes at the first tradable poll. Default: none.
   */
  closeAt?: number;
  /** Both venues' funding rates (fraction of notional per hour), latest first: the position's carry is read from them. */
  funding$?: Observable<FundingRates>;
  /**
   * Adverse-carry bound, bps of notional per hour (>= 0): while the position's carry (short venue's rate − long
   * venue's rate) is below −this, it is closed at the first tradable poll whatever its exit spread (reason
   * 'adverse_funding'). Needs `funding$`. Default: off.
   */
  fundingExitBpsPerHour?: number;
}

/**
 * A poll's decision input: its tick and exit spread. `exitSpread` is undefined when the poll decides nothing
 * (a side the close trades on is empty or too thin for the size; at the target, also a stale, crossed or too
 * old book). A spread below the target is not checked for tradability: it decides nothing either way.
 * One per subscription, rewritten by the `map` for each tick and read by the scan in the same synchronous
 * call: a tick allocates nothing. What outlives the tick (a report's or exit's tick and spread) is copied out.
 */
class Poll {
  // Set before the scan first reads it (a Poll reaches the scan only from the map).
  tick!: MarketTick;
  exitSpread: number | undefined = undefined;
}

/** How the ticks ended: a shutdown, the source's completion, or an error (the source's or shutdown$'s). */
type TicksEnd = { readonly signal: 'completed' | 'shutdown' } | { readonly signal: 'failed'; readonly error: unknown };

/**
 * What the scan learns besides the polls: how the ticks ended; that the close in flight succeeded; that the
 * report or close in flight has ended (`settled`, told only once exhaustMap has let go of it).
 */
type Signal = TicksEnd | { readonly signal: 'closed' | 'settled' | 'overdue' } | CarryNow;
/** The position's carry now, bps of notional per hour (undefined: unknown, the funding feed failed). */
interface CarryNow {
  readonly signal: 'carry';
  readonly bpsPerHour: number | undefined;
}
type Input = Poll | Signal;

const COMPLETED: TicksEnd = { signal: 'completed' };
const SHUTDOWN: TicksEnd = { signal: 'shutdown' };
const CLOSED: Signal = { signal: 'closed' };
const SETTLED: Signal = { signal: 'settled' };
const OVERDUE: Signal = { signal: 'overdue' };

/** A poll with something to say: it reports (every logEvery-th poll), exits (its run reached confirmTicks), or both. */
interface Reporting {
  readonly tick: MarketTick;
  readonly exitSpread: number | undefined;
  /** Its POSITION_MONITORING is due. */
  readonly reports: boolean;
  readonly exits: boolean;
  /** Why it exits: the target, or a forced exit (holding limit, adverse carry). */
  readonly reason: ExitReason;
  /** The carry that forced an 'adverse_funding' exit, bps per hour. */
  readonly carryBpsPerHour?: number;
}

/** The monitor's last words: EXIT_MONITOR_STOPPED with a reason (none when the source just completed), then a re-throw. */
interface Final {
  readonly stopped: 'closed' | 'shutdown' | undefined;
  readonly failure: { readonly error: unknown } | undefined;
}

/**
 * What the scan carries from input to input. One per subscription (the scan's seed is made inside `defer`),
 * and only the scan's step writes it: in place, so a tick allocates no state. Nothing keeps it beyond the
 * scan's synchronous emission: the effect reads `polls` and `work` when exhaustMap hands it over, before
 * any of its events (which may push a tick back in) are delivered.
 */
class Watch {
  polls = 0;
  /** Polls until the next POSITION_MONITORING (every logEvery-th poll): a countdown, not a division per tick. */
  untilReport: number;
  /** Consecutive polls at or above the target; a poll below it or with no decision resets it. */
  run = 0;
  /** A report or close is in flight: ticks are neither polled nor counted. */
  busy = false;
  /** The close in flight succeeded. */
  closed = false;
  /** How the ticks ended, once they have. */
  ended: TicksEnd | undefined = undefined;
  /** The holding limit has passed: the next tradable poll exits. */
  overdue: boolean;
  /** The position's latest carry, bps per hour, when known. */
  carryBps: number | undefined = undefined;
  /** Work for the effect after this input: a poll's events (and close), or the end; mostly none. */
  work: Reporting | Final | undefined = undefined;

  constructor(logEvery: number, overdue: boolean) {
    this.untilReport = logEvery;
    this.overdue = overdue;
  }
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
  readonly closeAt: number | undefined;
  readonly funding$: Observable<FundingRates> | undefined;
  readonly fundingExitBpsPerHour: number | undefined;
}

type CloseOutcome = { readonly ok: true; readonly result: CloseResult } | { readonly ok: false; readonly reason: string };

/** Ends the effects' stream: the end's effect emits it after the monitor's last event. */
const DONE = Symbol('exit monitor done');
type Effect = ExitEvent | typeof DONE;

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
 * - Forced exits (optional): from `closeAt` on (holding limit), or while the carry from `funding$` is worse than
 *   −`fundingExitBpsPerHour`, the first tradable poll exits whatever its spread, with reason 'max_duration' or
 *   'adverse_funding' (the target, when also reached, wins). Without these options nothing changes.
 *
 * Every event carries `polls`; the last one's is the final poll count.
 */
export function exitMonitor(options: ExitMonitorOptions): OperatorFunction<MarketTick, ExitEvent> {
  const { logEvery = 40, confirmTicks = 1, maxBookAgeMs, scheduler = asyncScheduler, reason: exitReason = 'exit_target' } = options;
  const { position, exitTarget, closePosition, shutdown$, closeAt, funding$, fundingExitBpsPerHour } = options;
  validate(position, exitTarget, logEvery, maxBookAgeMs);
  if (!Number.isInteger(confirmTicks) || confirmTicks < 1) {
    throw new RangeError(`exitMonitor(${position.pair}): confirmTicks must be an integer >= 1, got ${confirmTicks}`);
  }
  if (closeAt !== undefined && Number.isNaN(closeAt)) throw new RangeError(`exitMonitor(${position.pair}): closeAt must be a time in ms, got NaN`);
  if (fundingExitBpsPerHour !== undefined && !(fundingExitBpsPerHour >= 0 && Number.isFinite(fundingExitBpsPerHour))) {
    throw new RangeError(`exitMonitor(${position.pair}): fundingExitBpsPerHour must be a finite number >= 0, got ${fundingExitBpsPerHour}`);
  }
  const monitor: Monitor = {
    position,
    exitTarget,
    closePosition,
    logEvery,
    confirmTicks,
    maxBookAgeMs,
    scheduler,
    exitReason,
    closeAt: closeAt === Infinity ? undefined : closeAt,
    funding$: fundingExitBpsPerHour === undefined ? undefined : funding$,
    fundingExitBpsPerHour,
  };
  return (ticks$) => monitoring$(monitor, ticks$, shutdown$);
}


/**
 * The card's shape: ticks → `map` to the poll's decision input → `takeUntil(shutdown$)` → one long-lived `scan`
 * carrying the poll count, the confirmation run and whether a report or close is in flight → `exhaustMap` to
 * that poll's events and close. The scan learns when a report or close has ended (and how the ticks ended)
 * from a private Subject: while one is in flight its ticks are neither polled nor counted (and `exhaustMap`,
 * which never cancels, would ignore them anyway).
 */
function monitoring$(monitor: Monitor, ticks$: Observable<MarketTick>, shutdown$: Observable<unknown>): Observable<ExitEvent> {
  return defer(() => {
    const poll = new Poll();
    const decide = (tick: MarketTick): Poll => decisionInput(monitor, tick, poll);
    // The scan's step: a tick is one poll unless a report or close is in flight; the signals move the watch on.
    // Told apart by identity: every poll is this subscription's one Poll (no shape check per tick).
    const isPoll = (input: Input): input is Poll => input === poll;
    const step = (watch: Watch, input: Input): Watch => (isPoll(input) ? polled(monitor, watch, input) : signalled(watch, input));
    // Per subscription: what the scan learns besides the polls (an effect ended, the ticks ended). Subscribed
    // before the ticks, so a shutdown$ that has already fired is heard.
    const signals$ = new Subject<Signal>();
    const polls$ = ticks$.pipe(
      map(decide),
      catchError((error: unknown) => of<TicksEnd>({ signal: 'failed', error })),
      takeUntil(
        shutdown$.pipe(
          take(1),
          map((): TicksEnd => SHUTDOWN),
          // A failing shutdown$ stops the ticks too, and is re-thrown at the end.
          catchError((error: unknown) => of<TicksEnd>({ signal: 'failed', error })),
          tap((end) => signals$.next(end)),
        ),
      ),
      // However the ticks end, the scan hears it after any earlier end (a shutdown, an error) and the
      // ticks' last poll (finalize adds no per-tick step, unlike endWith).
      finalize(() => signals$.next(COMPLETED)),
    );
    const settle = (): void => signals$.next(SETTLED);
    const closed = (): void => signals$.next(CLOSED);
    // A holding limit already past (a restored position) applies from the first poll.
    const overdueNow = monitor.closeAt !== undefined && monitor.closeAt <= monitor.scheduler.now();
    return merge(signals$, polls$, forcedExitSignals$(monitor, overdueNow)).pipe(
      scan(step, new Watch(monitor.logEvery, overdueNow)),
      filter(hasWork),
      // Never a switch: a later input must not cancel an in-flight close. The scan hears of its end only
      // once exhaustMap has let go of it (finalize, or a lone report's teardown), so what the end decides is
      // never dropped.
      exhaustMap((watch) => effect$(monitor, watch, closed, settle)),
      takeWhile((event): event is ExitEvent => event !== DONE),
    );
  });
}

/** What can force an exit besides the target: the holding limit's time, and the position's carry as it changes. */
function forcedExitSignals$({ closeAt, funding$, position, scheduler }: Monitor, overdueNow: boolean): Observable<Signal> {
  const deadline$ = closeAt === undefined || overdueNow ? EMPTY : untilTime$(closeAt, scheduler).pipe(map((): Signal => OVERDUE));
  const carry$ =
    funding$ === undefined
      ? EMPTY
      : funding$.pipe(
          map((rates): Signal => ({ signal: 'carry', bpsPerHour: carryPerHour(position.direction, rates) * 10_000 })),
          // A failed funding feed forces nothing: the carry is unknown from then on.
          catchError(() => of<Signal>({ signal: 'carry', bpsPerHour: undefined })),
        );
  return merge(deadline$, carry$);
}

/** Emits once scheduler time reaches `at`; a wait beyond a timer's limit is chained (Node fires longer ones after 1 ms). */
function untilTime$(at: number, scheduler: SchedulerLike): Observable<0> {
  return defer(() => {
    const left = Math.max(0, at - scheduler.now());
    return left <= MAX_TIMER_MS ? timer(left, scheduler) : timer(MAX_TIMER_MS, scheduler).pipe(concatMap(() => untilTime$(at, scheduler)));
  });
}

// the whole size, so that is the spread it gets. A side too thin for the size decides nothing.
function decisionInput(monitor: Monitor, tick: MarketTick, poll: Poll): Poll {
  const { position, exitTarget } = monitor;
  const spread = exitSpreadOf(position.direction, tick.a, tick.b, position.size, tick.bToA);
  poll.tick = tick;
  poll.exitSpread = spread !== undefined && spread >= exitTarget && !isTradable(monitor, tick) ? undefined : spread;
  return poll;
}

// Whether the tick's books may be decided on. Asked only of a poll whose spread would count (at the
// target) or be reported: most polls are below the target, and the checks read the side of each
// book the spread does not (a new book's other side is a cache miss) and, with an age limit, the clock.
function isTradable({ maxBookAgeMs, scheduler }: Monitor, tick: MarketTick): boolean {
  return isTradableTick(tick, maxBookAgeMs === undefined ? 0 : scheduler.now(), maxBookAgeMs);
}


function isAtTarget(monitor: Monitor, exitSpread: number | undefined): boolean {
  return exitSpread !== undefined && exitSpread >= monitor.exitTarget;
}

const hasWork = (watch: Watch): boolean => watch.work !== undefined;

/** A tick: one poll, unless a report or close is in flight (then neither polled nor counted). */
function polled(monitor: Monitor, watch: Watch, poll: Poll): Watch {
  if (watch.busy) watch.work = undefined;
  else countPoll(monitor, watch, poll);
  return watch;
}

/** A signal: an effect has settled or closed the position, the ticks ended, the holding limit passed, the carry moved. */
function signalled(watch: Watch, input: Signal): Watch {
  watch.work = undefined;
  switch (input.signal) {
    case 'closed':
      watch.closed = true;
      break;
    case 'settled':
      watch.busy = false;
      if (watch.closed || watch.ended !== undefined) ending(watch);
      break;
    case 'overdue':
      watch.overdue = true;
      break;
    case 'carry':
      watch.carryBps = input.bpsPerHour;
      break;
    default:
      // Only the first end counts (a shutdown ends the ticks, which then complete).
      if (watch.ended !== undefined) break;
      watch.ended = input;
      if (!watch.busy) ending(watch);
  }
  return watch;
}

/** One poll: counted, its run moved on, and work when it reports or exits (busy until that work has ended). */
function countPoll(monitor: Monitor, watch: Watch, poll: Poll): void {
  watch.polls++;
  const run = isAtTarget(monitor, poll.exitSpread) ? watch.run + 1 : 0;
  const atTarget = run >= monitor.confirmTicks;
  // Nothing can force an exit until the holding limit has passed or a carry is known (most monitors: never).
  const forced = atTarget || !(watch.overdue || watch.carryBps !== undefined) ? undefined : forcedExit(monitor, watch, poll);
  const exits = atTarget || forced !== undefined;
  const reports = --watch.untilReport === 0;
  if (!exits && !reports) {
    watch.run = run;
    watch.work = undefined;
    return;
  }
  if (reports) watch.untilReport = monitor.logEvery;
  // A close starts a new run.
  watch.run = exits ? 0 : run;
  watch.busy = true;
  const { tick, exitSpread } = poll;
  const carryBpsPerHour = forced === 'adverse_funding' ? watch.carryBps : undefined;
  watch.work =
    carryBpsPerHour === undefined
      ? { tick, exitSpread, reports, exits, reason: forced ?? monitor.exitReason }
      : { tick, exitSpread, reports, exits, reason: 'adverse_funding', carryBpsPerHour };
}

/**
 * Why a poll below the target must exit anyway (the holding limit first), or undefined. Only a poll that could
 * close is forced: its close side priced for the size, its books tradable.
 */
function forcedExit(monitor: Monitor, { overdue, carryBps }: Watch, poll: Poll): 'max_duration' | 'adverse_funding' | undefined {
  const bound = monitor.fundingExitBpsPerHour;
  const adverse = bound !== undefined && carryBps !== undefined && carryBps < -bound;
  if (!overdue && !adverse) return undefined;
  if (poll.exitSpread === undefined || !isTradable(monitor, poll.tick)) return undefined;
  return overdue ? 'max_duration' : 'adverse_funding';
}

/** The watch is over: what it ends with (busy from now on: no tick is polled after the end). */
function ending(watch: Watch): void {
  const { closed, ended } = watch;
  const stopped = closed ? 'closed' : ended?.signal === 'shutdown' ? 'shutdown' : undefined;
  const failure = ended?.signal === 'failed' ? { error: ended.error } : undefined;
  watch.busy = true;
  watch.work = { stopped, failure };
}

/**
 * The effect of a watch with work: a poll's report, or its events and close, or the monitor's last events. Each
 * tells the scan it has settled once exhaustMap has let go of it.
 */
function effect$(monitor: Monitor, watch: Watch, closed: () => void, settle: () => void): Observable<Effect> {
  const work = watch.work!;
  if (!('tick' in work)) return end$(monitor, watch.polls, work).pipe(finalize(settle));
  if (!work.exits) return report$(monitoringEvent(monitor, monitor.scheduler.now(), watch.polls, work), settle);
  return pollEvents$(monitor, watch.polls, work, closed, settle);
}

/**
 * A report alone (every logEvery-th poll, the common work): its one event, then `settle` as its teardown, which
 * runs after exhaustMap has let go of it, like `finalize` (also when the consumer unsubscribes meanwhile), at
 * the cost of one Observable instead of `of` and an operator chain per report.
 */
function report$(event: ExitEvent, settle: () => void): Observable<ExitEvent> {
  return new Observable<ExitEvent>((subscriber) => {
    subscriber.next(event);
    subscriber.complete();
    return settle;
  });
}

/** A reporting poll's POSITION_MONITORING. At the target the books were checked already; below it, only now. */
function monitoringEvent(monitor: Monitor, now: number, polls: number, { tick, exitSpread }: Reporting): ExitEvent {
  const { position, exitTarget } = monitor;
  const shown = isAtTarget(monitor, exitSpread) || (exitSpread !== undefined && isTradable(monitor, tick)) ? exitSpread : undefined;
  return events.positionMonitoring(now, { pair: position.pair, polls, entrySpread: position.entrySpread, exitSpread: shown, exitTarget });
}

/** A poll that exits: its POSITION_MONITORING when it reports, TRADE_EXIT, then the close and its outcome; `settle` once let go of. */
function pollEvents$(monitor: Monitor, polls: number, work: Reporting, closed: () => void, settle: () => void): Observable<ExitEvent> {
  const { position, exitTarget, scheduler } = monitor;
  const { pair, entrySpread } = position;
  const { tick, exitSpread, reports, reason, carryBpsPerHour } = work;
  const now = scheduler.now();
  const reported = reports ? [monitoringEvent(monitor, now, polls, work)] : [];
  // An exiting poll is at the target, so its spread is defined.
  if (exitSpread === undefined) return from(reported).pipe(finalize(settle));
  const profit = roundTripProfit(entrySpread, exitSpread);
  const carry = carryBpsPerHour === undefined ? {} : { carryBpsPerHour };
  reported.push(events.tradeExit(now, { pair, polls, entrySpread, exitSpread, exitTarget, profit, reason, ...carry, tick: decidingTick(tick, position.size) }));
  return exitAndClose$(monitor, reported, { exitSpread, tick, polls }, reason, closed, settle);
}

/**
 * An exiting poll's effect: its events, then the close subscribed once, its first result (or its error, or its
 * completion without one) as one POSITION_CLOSED or CLOSE_FAILED (the scan told `closed` first on success), then
 * `settle` as the teardown, which runs once exhaustMap has let go of it, as `finalize` would. Written out as one
 * Observable, not concat(of, defer(close).pipe(take, map, defaultIfEmpty, catchError, tap, map)).pipe(finalize):
 * it runs between the deciding frame and the close orders, and subscribing that chain of operators cost more
 * there than decoding the frame.
 */
function exitAndClose$(
  monitor: Monitor,
  first: readonly ExitEvent[],
  ctx: CloseContext,
  reason: ExitReason,
  closed: () => void,
  settle: () => void,
): Observable<ExitEvent> {
  return new Observable<ExitEvent>((subscriber) => {
    for (const event of first) {
      subscriber.next(event);
      if (subscriber.closed) return settle;
    }
    let close: Subscription | undefined;
    let outcome: CloseOutcome | undefined;
    const settled = (o: CloseOutcome): void => {
      if (outcome !== undefined) return;
      outcome = o;
      close?.unsubscribe();
      let event: ExitEvent;
      try {
        if (o.ok) closed();
        event = closeEvent(monitor, ctx, reason, o);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      subscriber.next(event);
      subscriber.complete();
    };
    const errored = (error: unknown): void => settled({ ok: false, reason: `close errored: ${errorText(error)}` });
    try {
      close = monitor.closePosition(ctx).subscribe({
        next: (result) => settled(result.ok ? { ok: true, result } : { ok: false, reason: result.reason ?? 'close rejected without a reason' }),
        error: errored,
        complete: () => settled({ ok: false, reason: 'close completed without a result' }),
      });
    } catch (error) {
      errored(error);
    }
    // An outcome delivered during subscribe: the close's subscription is no longer needed (take(1)).
    if (outcome !== undefined) close?.unsubscribe();
    return () => {
      close?.unsubscribe();
      settle();
    };
  });
}

/** The close's outcome as the monitor reports it: POSITION_CLOSED, or CLOSE_FAILED (the position is still open). */
function closeEvent({ position, scheduler }: Monitor, { exitSpread, polls }: CloseContext, reason: ExitReason, outcome: CloseOutcome): ExitEvent {
  const { pair, entrySpread } = position;
  const now = scheduler.now();
  if (!outcome.ok) return events.closeFailed(now, { pair, polls, reason: outcome.reason });
  const { grossPnlUsd, feesUsd } = outcome.result;
  const profit = roundTripProfit(entrySpread, exitSpread);
  return events.positionClosed(now, {
    pair,
    polls,
    entrySpread,
    exitSpread,
    profit,
    ...(grossPnlUsd !== undefined && { grossPnlUsd }),
    ...(feesUsd !== undefined && { feesUsd }),
    reason,
  });
}

/** The monitor's last events: EXIT_MONITOR_STOPPED when it has a reason, then a re-thrown error or the end. */
function end$({ position, scheduler }: Monitor, polls: number, { stopped, failure }: Final): Observable<Effect> {
  const last: ExitEvent[] = stopped === undefined ? [] : [events.exitMonitorStopped(scheduler.now(), { pair: position.pair, polls, reason: stopped })];
  return concat(of(...last), failure === undefined ? of(DONE) : throwError(() => failure.error));
}

/** The exit's tick as the report plots it: both directions at the position size (read only on an exit, off the hot path). */
function decidingTick(tick: MarketTick, size: number): DecidingTick {
  return { time: tick.time, ...entrySpreads(quotesOf(tick.a, tick.b, size, tick.bToA)) };
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
