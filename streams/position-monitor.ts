/**
 * One open position's life in the bot stream: POSITION_OPENED, exit monitoring (keeping the pre-signed close
 * orders fresh meanwhile), the close effect, and with `closeOnExit` the close at shutdown.
 */
import {
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  exhaustMap,
  finalize,
  from,
  ignoreElements,
  map,
  merge,
  type Observable,
  of,
  ReplaySubject,
  sampleTime,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import { type CloseResult, events, type ExitEvent, type TradingEvent } from '../src/domain/events';
import { type LegsUsdPerQuote, positionFundingUsd } from '../src/domain/funding';
import { legsUsdPerQuote } from '../src/domain/market';
import { legsOf } from '../src/domain/spread';
import { errorText } from '../src/logging/redact';
import { type CloseContext, exitMonitor, type ExitMonitorOptions } from './exit-monitor';
import { fundingAccrued } from './funding-accrued';
import type { PairContext } from './pair-context';
import type { OpenedPosition } from './pair-executor';

export interface MonitorOptions {
  /** Default: the pair's exit target. */
  readonly exitTarget?: number;
  /** A close interrupted by the last run's stop, finished now (reason 'resume_close'). */
  readonly resumeClose?: boolean;
}

/** POSITION_OPENED for a position opened now, or restored from the journal (`restored`). */
export function openedEvent$(ctx: PairContext, position: OpenedPosition, restored: boolean): Observable<TradingEvent> {
  const { pair } = ctx;
  const legs = legsOf(position.direction);
  const venueOf = (leg: 'a' | 'b') => (leg === 'a' ? pair.dexA : pair.dexB);
  return defer(() =>
    of(
      events.positionOpened(ctx.now(), {
        pair: pair.pair,
        direction: position.direction,
        entrySpread: position.entrySpread,
        size: position.size,
        restored,
        longVenue: venueOf(legs.long),
        shortVenue: venueOf(legs.short),
        ...(position.longEntryPrice !== undefined ? { longEntryPrice: position.longEntryPrice } : {}),
        ...(position.shortEntryPrice !== undefined ? { shortEntryPrice: position.shortEntryPrice } : {}),
        ...(position.openedAt !== undefined ? { openedAt: position.openedAt } : {}),
        ...(position.usdcUsd !== undefined && position.usdcUsd !== 1 ? { usdcUsd: position.usdcUsd } : {}),
      }),
    ),
  );
}

/** Exit monitoring of an open position, then (with closeOnExit, after a shutdown) its close at exit. */
export function positionMonitor$(ctx: PairContext, position: OpenedPosition, options: MonitorOptions = {}): Observable<TradingEvent> {
  return defer(() => {
    ctx.monitored.next(position);
    let stopped: ExitEvent | undefined;
    // Set when an operator's flatten, not the run's stop, ended the watch: the position is closed now.
    let flattening = false;
    const closeNow$ = ctx.closeNow$.pipe(
      take(1),
      tap(() => (flattening = true)),
    );
    // Replays: when shutdown came first, the monitor completes while merge is still subscribing,
    // before refresh$ exists; a plain Subject would have fired already and refresh$ would never end.
    const done$ = new ReplaySubject<void>(1);
    // The close's funding, set by the close effect just before the monitor reports POSITION_CLOSED.
    const closed: { funding?: CloseFunding } = {};
    const exit$ = ctx.sharedTicks$.pipe(
      exitMonitor({ ...exitMonitorOptions(ctx, position, options, closed), shutdown$: merge(ctx.stop$, closeNow$) }),
      map((e) => (e.type === 'POSITION_CLOSED' && closed.funding !== undefined ? { ...e, ...closed.funding } : e)),
      tap((e) => {
        if (e.type === 'EXIT_MONITOR_STOPPED') stopped = e;
        if (e.type === 'POSITION_CLOSED') forget(ctx, position);
      }),
      // The monitor knows only "shutdown"; the operator reading the tail must not think the bot stopped.
      map((e) => (e.type === 'EXIT_MONITOR_STOPPED' && e.reason === 'shutdown' && flattening ? { ...e, reason: 'flatten' as const } : e)),
      finalize(() => {
        done$.next();
        done$.complete();
      }),
    );
    const afterStop$ = defer(() => {
      if (stopped?.type !== 'EXIT_MONITOR_STOPPED' || stopped.reason !== 'shutdown') return EMPTY;
      if (flattening) return flattenClose$(ctx, position, stopped.polls, options);
      return ctx.settings.closeOnExit ? closeAtExit$(ctx, position, stopped.polls) : EMPTY;
    });
    return concat(merge(exit$, preparedCloseRefresh$(ctx, done$), fundingAccrued$(ctx, position, done$)) as Observable<TradingEvent>, afterStop$);
  });
}

function exitMonitorOptions(ctx: PairContext, position: OpenedPosition, { exitTarget, resumeClose }: MonitorOptions, closed: { funding?: CloseFunding }): ExitMonitorOptions {
  const { pair, settings } = ctx;
  return {
    position,
    exitTarget: exitTarget ?? pair.spreadExit,
    shutdown$: ctx.stop$,
    closePosition: closeEffect(ctx, position, closed),
    logEvery: settings.logEvery,
    ...(pair.exitConfirmTicks !== undefined ? { confirmTicks: pair.exitConfirmTicks } : {}),
    ...(pair.maxBookAgeMs !== undefined ? { maxBookAgeMs: pair.maxBookAgeMs } : {}),
    scheduler: ctx.scheduler,
    ...(resumeClose === true ? { reason: 'resume_close' as const } : {}),
    // From the journaled open time, so a restart does not restart the clock.
    ...(pair.maxHoldHours !== undefined ? { closeAt: (position.openedAt ?? ctx.now()) + pair.maxHoldHours * 3_600_000 } : {}),
    ...(pair.fundingExitBpsPerHour !== undefined
      ? { fundingExitBpsPerHour: pair.fundingExitBpsPerHour, funding$: ctx.funding$.pipe(map((f) => ({ a: f.a.ratePerHour, b: f.b.ratePerHour }))) }
      : {}),
  };
}

/** The position is closed: spread samples stop marking it (unless another one is monitored by now); its hold is counted. */
function forget(ctx: PairContext, position: OpenedPosition): void {
  if (ctx.monitored.value === position) ctx.monitored.next(undefined);
  if (position.openedAt !== undefined) ctx.holds.record(ctx.now() - position.openedAt);
}

/** The exit monitor's close effect: the executor's close, its events beside the monitor's, its PnL (funding included) counted. */
function closeEffect(ctx: PairContext, position: OpenedPosition, closed: { funding?: CloseFunding }): (close: CloseContext) => Observable<CloseResult> {
  return (close) =>
    defer(() => ctx.executor.closePosition(position, close)).pipe(
      map((outcome) => (outcome.ok ? { ...outcome, ...(closed.funding = closeFunding(ctx, position)) } : outcome)),
      tap((outcome) => outcome.events.forEach((e) => ctx.effectEvents.next(e))),
      map((outcome): CloseResult => outcome),
      catchError((err: unknown) => of<CloseResult>({ ok: false, reason: `close effect threw: ${errorText(err)}` })),
    );
}

/** The funding a close realises: an index difference per leg, or why it is unknown (nothing when the run does not track funding). */
export type CloseFunding =
  | { readonly fundingUsd: number; readonly fundingLongUsd: number; readonly fundingShortUsd: number }
  | { readonly fundingNote: string }
  | Record<string, never>;

/**
 * Funding from the position's entry indexes to the latest the pair read, both legs, USD (+ = received). Unknown
 * (with the reason) when the entry indexes are missing or no funding was read: never a guessed zero.
 */
export function closeFunding(ctx: PairContext, position: OpenedPosition): CloseFunding {
  if (!ctx.fundingNow.tracked) return {};
  const atEntry = position.fundingIndexAtEntry;
  if (atEntry === undefined) {
    return { fundingNote: 'funding index at entry unknown (funding not tracked when the position was opened, or a journal from before it was recorded): not counted' };
  }
  const latest = ctx.fundingNow.latest;
  if (latest === undefined) return { fundingNote: 'no funding read from the venues in this run: not counted' };
  const legs = positionFundingUsd(position.direction, position.size, atEntry, latest, positionUsdPerQuote(ctx, position));
  return { fundingUsd: legs.totalUsd, fundingLongUsd: legs.longUsd, fundingShortUsd: legs.shortUsd };
}

/** USD per unit of each leg's quote currency at the position's own USDC/USD (a restored position keeps the rate it opened at). */
export function positionUsdPerQuote(ctx: PairContext, position: OpenedPosition): LegsUsdPerQuote {
  const legs = legsOf(position.direction);
  const venueOf = (leg: 'a' | 'b') => (leg === 'a' ? ctx.pair.dexA : ctx.pair.dexB);
  return legsUsdPerQuote(venueOf(legs.long), venueOf(legs.short), position.usdcUsd ?? 1);
}

/** FUNDING_ACCRUED while the position is monitored (only when its entry indexes are known: an unknown is not a zero). */
function fundingAccrued$(ctx: PairContext, position: OpenedPosition, done$: Observable<void>): Observable<TradingEvent> {
  const atEntry = position.fundingIndexAtEntry;
  if (atEntry === undefined) return EMPTY;
  const legs = legsOf(position.direction);
  const venueOf = (leg: 'a' | 'b') => (leg === 'a' ? ctx.pair.dexA : ctx.pair.dexB);
  return ctx.funding$.pipe(
    fundingAccrued({
      pair: ctx.pair.pair,
      position: { direction: position.direction, size: position.size, fundingIndexAtEntry: atEntry },
      longVenue: venueOf(legs.long),
      shortVenue: venueOf(legs.short),
      usdPerQuote: positionUsdPerQuote(ctx, position),
      ...(ctx.settings.fundingAccruedMs !== undefined ? { periodMs: ctx.settings.fundingAccruedMs } : {}),
      scheduler: ctx.scheduler,
    }),
    takeUntil(done$),
  );
}

/** Keeps the pre-signed close orders valid and priced near the book while monitoring, so the exit path never signs. */
function preparedCloseRefresh$(ctx: PairContext, done$: Observable<void>): Observable<never> {
  const { executor } = ctx;
  if (!executor.refreshPreparedClose) return EMPTY;
  return ctx.sharedTicks$.pipe(
    sampleTime(1_000, ctx.scheduler),
    exhaustMap((tick) => defer(() => executor.refreshPreparedClose!(tick)).pipe(catchError(() => EMPTY))),
    ignoreElements(),
    takeUntil(done$),
  );
}

const emptyTickBook = { bids: [], asks: [], receivedAt: 0 };

/**
 * An operator's flatten: the position is closed now, whatever the spread. A close that fails leaves the
 * position monitored again (never forgotten): the next flatten request, the exit target or the run's stop
 * (with close-on-exit) closes it then.
 */
function flattenClose$(ctx: PairContext, position: OpenedPosition, polls: number, options: MonitorOptions): Observable<TradingEvent> {
  let failed = false;
  return concat(
    closeAtExit$(ctx, position, polls, 'flatten').pipe(tap((e) => (failed ||= e.type === 'CLOSE_FAILED'))),
    defer(() => (failed ? positionMonitor$(ctx, position, options) : EMPTY)),
  );
}

/** With closeOnExit, a position still open at shutdown is closed before the pair stream ends (also the flatten's close). */
export function closeAtExit$(ctx: PairContext, position: OpenedPosition, polls: number, reason: 'close_on_exit' | 'flatten' = 'close_on_exit'): Observable<TradingEvent> {
  const { pair } = ctx.pair;
  const tick = { a: emptyTickBook, b: emptyTickBook, time: ctx.now() };
  return defer(() => ctx.executor.closePosition(position, { exitSpread: Number.NaN, tick, polls })).pipe(
    concatMap((outcome) => {
      const funding: CloseFunding = outcome.ok ? closeFunding(ctx, position) : {};
      const closed: TradingEvent = outcome.ok
        ? events.positionClosed(ctx.now(), {
            pair,
            polls,
            entrySpread: position.entrySpread,
            exitSpread: Number.NaN,
            profit: Number.NaN,
            ...(outcome.grossPnlUsd !== undefined ? { grossPnlUsd: outcome.grossPnlUsd } : {}),
            ...(outcome.feesUsd !== undefined ? { feesUsd: outcome.feesUsd } : {}),
            reason,
            ...(outcome.fundingUsd !== undefined ? { fundingUsd: outcome.fundingUsd } : {}),
            ...(outcome.fundingNote !== undefined ? { fundingNote: outcome.fundingNote } : {}),
            ...funding,
          })
        : events.closeFailed(ctx.now(), { pair, polls, reason: outcome.reason ?? (reason === 'flatten' ? 'flatten close failed' : 'close on exit failed') });
      return from([...outcome.events, closed]);
    }),
    tap((e) => {
      if (e.type === 'POSITION_CLOSED') forget(ctx, position);
    }),
    catchError((err: unknown) => of(events.closeFailed(ctx.now(), { pair, polls, reason: `close on exit threw: ${errorText(err)}` }))),
  );
}
