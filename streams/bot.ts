/**
 * The whole bot as one stream: for every configured pair, at once,
 *
 *   feeds → marketTicks → entrySignal → exhaustMap(open) → exitMonitor → close → cooldown → watching again
 *
 * Everything with side effects (venues, executor, clock) is injected, so the same stream runs in sim, paper,
 * live and tests. Effect errors become events; the stream never dies of a venue error.
 */
import {
  EMPTY,
  Observable,
  ReplaySubject,
  Subject,
  asyncScheduler,
  concat,
  defer,
  filter,
  from,
  ignoreElements,
  map,
  merge,
  of,
  catchError,
  concatMap,
  exhaustMap,
  finalize,
  shareReplay,
  takeUntil,
  tap,
  timer,
  type SchedulerLike,
  delay,
  expand,
  interval,
  sampleTime,
  take,
} from 'rxjs';
import type { CloseResult, ExitEvent, PositionMarkSample, TradingEvent } from '../src/domain/events';
import { events } from '../src/domain/events';
import type { MarketTick, PositionSpec, SpreadOpportunity, VenueId } from '../src/domain/market';
import { venueSymbol } from '../src/domain/market';
import { markPosition } from '../src/domain/pnl';
import { entrySpread, entrySpreads, exitSpread, legsOf, netEntrySpread, quotesOf, type TakerFees } from '../src/domain/spread';
import type { Venue } from '../src/venues/venue';
import { entrySignal } from './entry-signal';
import { exitMonitor } from './exit-monitor';
import { marketTicks } from './market';
import { assertTimerMs } from '../src/domain/durations';
import { errorText } from '../src/logging/redact';

/** What the stream needs to know of one configured pair. */
export interface PairSettings {
  readonly id: string;
  /** e.g. 'BTC-PERP'. */
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Entry threshold on the net (after fees) entry spread, percent. */
  readonly spreadEntry: number;
  /** Exit target on the exit spread, percent. */
  readonly spreadExit: number;
  readonly positionSize: number;
  readonly entryConfirmTicks: number;
  /** Consecutive polls at the exit target before closing. Default 1. */
  readonly exitConfirmTicks?: number;
  /** Entry spreads above this (gross, percent) are ignored as suspect quotes. */
  readonly spreadEntryMax?: number;
  /** Tick sampling; 0 = every book update. */
  readonly sampleMs: number;
  readonly maxBookAgeMs?: number;
  /** Pause after a round trip before watching for entries again. */
  readonly cooldownMs: number;
}

export interface BotSettings {
  readonly mode: 'sim' | 'paper' | 'live';
  readonly pairs: readonly PairSettings[];
  /** Close open positions on shutdown instead of leaving them open (and journaled). */
  readonly closeOnExit: boolean;
  /** Stop entering new positions once the run's net realised loss reaches this, USD. */
  readonly maxLossUsd?: number;
  /** Period of SPREAD_MONITORING samples (status line, report chart), ms. */
  readonly spreadSampleMs: number;
  /** POSITION_MONITORING every N polls. */
  readonly logEvery: number;
  /** Longest time a shutdown waits for in-flight orders before the stream ends anyway, ms. */
  readonly shutdownGraceMs: number;
  /**
   * How often late close fills are looked for (the executor backs off on its own) and a halt cleared
   * by an operator's `resume` command is picked up, ms. Default 1000.
   */
  readonly housekeepingMs?: number;
}

/** An open position as the executor hands it back. */
export interface OpenPositionLike extends PositionSpec {
  readonly openedAt?: number;
  /** Entry fill prices, when known: they let the status mark the position to the books (unrealised PnL). */
  readonly longEntryPrice?: number;
  readonly shortEntryPrice?: number;
}

export type OpenResultLike =
  | { readonly ok: true; readonly position: OpenPositionLike; readonly events: readonly TradingEvent[] }
  | { readonly ok: false; readonly reason: string; readonly events: readonly TradingEvent[] };

export interface CloseOutcomeLike extends CloseResult {
  readonly events: readonly TradingEvent[];
}

export interface RestoreResultLike {
  /** The position to resume monitoring, if the journal and the venues agree one is open. */
  readonly position?: OpenPositionLike;
  /** A close was under way when the process stopped: finish it at the first tradable tick. */
  readonly resumeClose?: boolean;
  /** A venue could not be read: nothing was decided; restore again after this many ms (the pair stays halted). */
  readonly retryInMs?: number;
  /** A trade the last run left open that the restore found closed: reported (and counted) as a round trip now. */
  readonly closedTrade?: { readonly position: OpenPositionLike; readonly grossPnlUsd: number; readonly feesUsd: number };
  readonly events: readonly TradingEvent[];
}

/** Close fills found after their trade was reported closed (see FILL_CREDITED). */
export interface LateFillsLike {
  readonly events: readonly TradingEvent[];
  /** Added to trades already reported closed: counted in the run's loss limit. */
  readonly creditedPnlUsd: number;
  readonly creditedFeesUsd: number;
}

/** The part of the executor the stream drives. Every method resolves with a value; none should reject. */
export interface PairExecutor {
  openPosition(opportunity: SpreadOpportunity): Promise<OpenResultLike>;
  closePosition(position: OpenPositionLike, ctx: { exitSpread: number; tick: MarketTick; polls: number }): Promise<CloseOutcomeLike>;
  restore(): Promise<RestoreResultLike>;
  isHalted(): boolean;
  /** Re-signs the pre-signed close orders when they are about to lapse or their price cap drifted from the book. */
  refreshPreparedClose?(tick: MarketTick): Promise<unknown>;
  /** Looks up close fills still unknown when their trade closed; cheap when there are none (it keeps its own backoff). */
  settleLateFills?(): Promise<LateFillsLike>;
  /** A halt an operator cleared from another process (the `resume` command): its TRADING_RESUMED, else nothing. */
  pollOperatorResume?(): readonly TradingEvent[];
}

export interface BotDeps {
  readonly venues: Readonly<Record<VenueId, Venue>>;
  executorFor(pair: PairSettings): PairExecutor;
  /** Taker fees of a pair's venues (fractions), used to net entry spreads. */
  feesFor(pair: PairSettings): TakerFees;
  readonly shutdown$: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
}

/** Realised PnL of the whole run (all pairs) and whether it tripped the loss limit. */
interface RunRisk {
  realisedNetUsd: number;
  lossHalted: boolean;
}

/** Builds the bot stream. Subscribing starts it; unsubscribing tears every feed down. */
export function arbitrageBot(deps: BotDeps, settings: BotSettings): Observable<TradingEvent> {
  return defer(() => {
    // Timer delays: beyond MAX_TIMER_MS Node fires them after 1 ms.
    assertTimerMs(settings.shutdownGraceMs, 'shutdownGraceMs');
    for (const p of settings.pairs) assertTimerMs(p.cooldownMs, `${p.pair} cooldownMs`);
    const scheduler = deps.scheduler ?? asyncScheduler;
    // Replay shutdown so effects that finish after it (an open in flight) still see it.
    const stop$ = new ReplaySubject<true>(1);
    const stopSub = deps.shutdown$.pipe(take(1)).subscribe(() => stop$.next(true));
    const runRisk: RunRisk = { realisedNetUsd: 0, lossHalted: false };
    const lossHalt$ = new ReplaySubject<true>(1);

    const pairs$ = settings.pairs.map((pair) => pairStream(pair, deps, settings, stop$, scheduler, runRisk, lossHalt$));
    const now = () => scheduler.now();
    return concat(
      of(events.botStarted(now(), { mode: settings.mode, pairs: settings.pairs.map((p) => p.pair) })),
      merge(...pairs$),
      defer(() => of(events.botShutdown(now(), { reason: 'shutdown' }))),
    ).pipe(
      finalize(() => {
        stopSub.unsubscribe();
        stop$.complete();
        lossHalt$.complete();
      }),
      // Last guard: once shut down, wait at most the grace period for in-flight orders to report.
      takeUntil(stop$.pipe(delay(settings.shutdownGraceMs, scheduler))),
    );
  });
}

function pairStream(
  pair: PairSettings,
  deps: BotDeps,
  settings: BotSettings,
  stop$: Observable<true>,
  scheduler: SchedulerLike,
  runRisk: RunRisk,
  lossHalt$: ReplaySubject<true>,
): Observable<TradingEvent> {
  return defer(() => {
    const venueA = deps.venues[pair.dexA];
    const venueB = deps.venues[pair.dexB];
    const feedA = venueA.bookFeed(venueSymbol(pair.dexA, pair.pair));
    const feedB = venueB.bookFeed(venueSymbol(pair.dexB, pair.pair));
    const executor = deps.executorFor(pair);
    const fees = deps.feesFor(pair);
    const now = () => scheduler.now();
    // Effect events that do not fit the exit monitor's ExitEvent type (order fills, unwinds) come out here.
    const effectEvents$ = new Subject<TradingEvent>();
    // The position under exit monitoring, marked to the books in each spread sample (unrealised PnL).
    let monitored: OpenPositionLike | undefined;

    // The exit monitor gets the raw shared ticks: it handles shutdown itself and must see shutdown$ before its
    // source ends (an in-flight close finishes first). Entries and samples stop at once on shutdown.
    // Replay the latest tick so a stage that subscribes later (entries after an async restore, a new exit
    // monitor) starts from the current market instead of waiting for the next update.
    const sharedTicks$ = marketTicks(feedA.book$, feedB.book$, { sampleMs: pair.sampleMs, scheduler }).pipe(
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    const ticks$ = sharedTicks$.pipe(takeUntil(stop$));

    const accountPnl = (outcome: CloseResult) => {
      if (outcome.grossPnlUsd === undefined) return;
      runRisk.realisedNetUsd += outcome.grossPnlUsd - (outcome.feesUsd ?? 0);
      if (settings.maxLossUsd !== undefined && runRisk.realisedNetUsd <= -settings.maxLossUsd && !runRisk.lossHalted) {
        runRisk.lossHalted = true;
        lossHalt$.next(true);
      }
    };

    /** Fills found after their trade was reported closed count in the run's realised PnL too. */
    const accountCredits = (list: readonly TradingEvent[]) => {
      for (const e of list) {
        if (e.type === 'FILL_CREDITED' && (e.creditedPnlUsd !== 0 || e.creditedFeesUsd !== 0)) {
          accountPnl({ ok: true, grossPnlUsd: e.creditedPnlUsd, feesUsd: e.creditedFeesUsd });
        }
      }
    };

    const closeEffect = (position: OpenPositionLike) => (ctx: { exitSpread: number; tick: MarketTick; polls: number }) =>
      defer(() => executor.closePosition(position, ctx)).pipe(
        tap((outcome) => {
          outcome.events.forEach((e) => effectEvents$.next(e));
          if (outcome.ok) accountPnl(outcome);
        }),
        map((outcome): CloseResult => outcome),
        catchError((err: unknown) => of<CloseResult>({ ok: false, reason: `close effect threw: ${errorText(err)}` })),
      );

    /** With closeOnExit, a position still open at shutdown is closed before the pair stream ends. */
    const closeAtExit$ = (position: OpenPositionLike, polls: number): Observable<TradingEvent> =>
      defer(() =>
        executor.closePosition(position, { exitSpread: Number.NaN, tick: { a: emptyTickBook, b: emptyTickBook, time: now() }, polls }),
      ).pipe(
        concatMap((outcome) => {
          if (outcome.ok) accountPnl(outcome);
          const closed: TradingEvent = outcome.ok
            ? events.positionClosed(now(), {
                pair: pair.pair,
                polls,
                entrySpread: position.entrySpread,
                exitSpread: Number.NaN,
                profit: Number.NaN,
                ...(outcome.grossPnlUsd !== undefined ? { grossPnlUsd: outcome.grossPnlUsd } : {}),
                ...(outcome.feesUsd !== undefined ? { feesUsd: outcome.feesUsd } : {}),
                reason: 'close_on_exit',
              })
            : events.closeFailed(now(), { pair: pair.pair, polls, reason: outcome.reason ?? 'close on exit failed' });
          return from([...outcome.events, closed]);
        }),
        catchError((err: unknown) =>
          of(events.closeFailed(now(), { pair: pair.pair, polls, reason: `close on exit threw: ${errorText(err)}` })),
        ),
      );

    /** Exit monitoring of an open position, keeping its pre-signed close orders fresh meanwhile. */
    const monitor$ = (position: OpenPositionLike, exitTarget = pair.spreadExit, resumeClose = false): Observable<TradingEvent> =>
      defer(() => {
        monitored = position;
        let stopped: ExitEvent | undefined;
        // Replays: when shutdown came first, the monitor completes while merge is still subscribing,
        // before refresh$ exists; a plain Subject would have fired already and refresh$ would never end.
        const done$ = new ReplaySubject<void>(1);
        const exit$ = sharedTicks$.pipe(
          exitMonitor({
            position,
            exitTarget,
            shutdown$: stop$,
            closePosition: closeEffect(position),
            logEvery: settings.logEvery,
            ...(pair.exitConfirmTicks !== undefined ? { confirmTicks: pair.exitConfirmTicks } : {}),
            ...(pair.maxBookAgeMs !== undefined ? { maxBookAgeMs: pair.maxBookAgeMs } : {}),
            scheduler,
            ...(resumeClose ? { reason: 'resume_close' as const } : {}),
          }),
          tap((e) => {
            if (e.type === 'EXIT_MONITOR_STOPPED') stopped = e;
            if (e.type === 'POSITION_CLOSED' && monitored === position) monitored = undefined;
          }),
          finalize(() => {
            done$.next();
            done$.complete();
          }),
        );
        // Keep the pre-signed close orders valid and priced near the book, so the exit path never signs.
        const refresh$ = executor.refreshPreparedClose
          ? sharedTicks$.pipe(
              sampleTime(1_000, scheduler),
              exhaustMap((tick) => defer(() => executor.refreshPreparedClose!(tick)).pipe(catchError(() => EMPTY))),
              ignoreElements(),
              takeUntil(done$),
            )
          : EMPTY;
        const afterStop$ = defer(() =>
          settings.closeOnExit && stopped?.type === 'EXIT_MONITOR_STOPPED' && stopped.reason === 'shutdown'
            ? closeAtExit$(position, stopped.polls).pipe(
                tap((e) => {
                  if (e.type === 'POSITION_CLOSED' && monitored === position) monitored = undefined;
                }),
              )
            : EMPTY,
        );
        return concat(merge(exit$, refresh$) as Observable<TradingEvent>, afterStop$);
      });

    const cooldown$ = timer(pair.cooldownMs, scheduler).pipe(ignoreElements(), takeUntil(stop$));

    const openThenMonitor$ = (opportunity: SpreadOpportunity): Observable<TradingEvent> =>
      concat(
        of(
          events.spreadDetected(now(), {
            pair: pair.pair,
            direction: opportunity.direction,
            entrySpread: opportunity.spread,
            netSpread: opportunity.netSpread,
            threshold: pair.spreadEntry,
            tick: { time: opportunity.detectedAt, ...entrySpreads(opportunity) },
          }),
        ),
        defer(() => executor.openPosition(opportunity)).pipe(
          catchError((err: unknown) =>
            of<OpenResultLike>({ ok: false, reason: `open effect threw: ${errorText(err)}`, events: [] }),
          ),
          concatMap((result) =>
            result.ok
              ? concat(from(result.events), openedEvent(result.position, false), monitor$(result.position), cooldown$)
              : concat(
                  from(result.events),
                  result.events.some((e) => e.type === 'TRADE_FAILED')
                    ? EMPTY
                    : of(events.tradeFailed(now(), { pair: pair.pair, reason: result.reason })),
                  cooldown$,
                ),
          ),
        ),
      );

    const openedEvent = (position: OpenPositionLike, restored: boolean) => {
      const legs = legsOf(position.direction);
      const venueOf = (leg: 'a' | 'b') => (leg === 'a' ? pair.dexA : pair.dexB);
      return of(
        events.positionOpened(now(), {
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
        }),
      );
    };

    const entries$ = ticks$.pipe(
      entrySignal({
        pair: pair.pair,
        entryThreshold: pair.spreadEntry,
        size: pair.positionSize,
        fees,
        confirmTicks: pair.entryConfirmTicks,
        maxBookAgeMs: pair.maxBookAgeMs,
        scheduler,
      }),
      // A spread too good to be true is a broken quote more often than an opportunity.
      filter((opportunity) => pair.spreadEntryMax === undefined || opportunity.spread <= pair.spreadEntryMax),
      // A loss halt stops new entries only; an open position is still monitored and closed.
      filter(() => !runRisk.lossHalted && !executor.isHalted()),
      // One position per pair: signals are ignored while a position is being opened, monitored or closed.
      exhaustMap((opportunity) => openThenMonitor$(opportunity)),
    );

    const lossHaltEvent$ = lossHalt$.pipe(
      take(1),
      map(() =>
        events.tradingHalted(now(), {
          pair: pair.pair,
          reason: `max loss reached: realised net ${runRisk.realisedNetUsd.toFixed(2)} USD <= -${settings.maxLossUsd} USD`,
        }),
      ),
      takeUntil(stop$),
    );

    // A position restored from the journal goes straight to the exit monitor, then normal trading resumes.
    const restoreOnce$ = defer(() => executor.restore()).pipe(
      catchError((err: unknown) =>
        of<RestoreResultLike>({
          events: [events.reconciliationMismatch(now(), { pair: pair.pair, detail: `restore failed: ${errorText(err)}` })],
        }),
      ),
    );
    // Shutdown ends a wait between attempts (never an attempt in flight: it may be finishing an entry).
    const afterDelay$ = (ms: number) => timer(ms, scheduler).pipe(takeUntil(stop$));
    // While a venue cannot be read the executor says when to try again: an outage at start is not a permanent halt.
    const restoreAttempts$ = restoreOnce$.pipe(
      expand((restored) => (restored.retryInMs === undefined ? EMPTY : afterDelay$(restored.retryInMs).pipe(concatMap(() => restoreOnce$)))),
    );

    /** A trade the last run left open and the restore found closed: a round trip of this run, counted once. */
    const closedTrade$ = (trade: NonNullable<RestoreResultLike['closedTrade']>): Observable<TradingEvent> => {
      const { position } = trade;
      return concat(
        openedEvent(position, true),
        defer(() =>
          of(
            events.positionClosed(now(), {
              pair: pair.pair,
              polls: 0,
              entrySpread: position.entrySpread,
              exitSpread: Number.NaN,
              profit: Number.NaN,
              grossPnlUsd: trade.grossPnlUsd,
              feesUsd: trade.feesUsd,
              reason: 'resume_close',
            }),
          ),
        ),
        defer(() => {
          accountPnl({ ok: true, grossPnlUsd: trade.grossPnlUsd, feesUsd: trade.feesUsd });
          return EMPTY;
        }),
      );
    };

    const trading$ = restoreAttempts$.pipe(
      tap((restored) => accountCredits(restored.events)),
      concatMap((restored) =>
        restored.retryInMs !== undefined
          ? from(restored.events)
          : concat(
              from(restored.events),
              restored.closedTrade ? closedTrade$(restored.closedTrade) : EMPTY,
              restored.position
                ? concat(
                    openedEvent(restored.position, true),
                    // An interrupted close is finished at once: −100 % is below any exit spread.
                    monitor$(restored.position, restored.resumeClose ? -100 : pair.spreadExit, restored.resumeClose === true),
                    cooldown$,
                  )
                : EMPTY,
              entries$,
            ),
      ),
      // One pair's failure (e.g. a position the exit monitor refuses) must not stop the others.
      catchError((err: unknown) =>
        of(
          events.tradingHalted(now(), {
            pair: pair.pair,
            reason: `${pair.pair} stopped trading after an internal error: ${errorText(err)}; its position, if any, stays in the journal (restart to resume it)`,
          }),
        ),
      ),
    );

    // Housekeeping while the pair runs: close fills whose outcome was unknown when their trade closed
    // are credited once found, and a halt an operator cleared from another process is picked up.
    const housekeeping$ =
      executor.settleLateFills || executor.pollOperatorResume
        ? interval(settings.housekeepingMs ?? 1_000, scheduler).pipe(
            exhaustMap(() =>
              concat(
                defer(() => from(executor.pollOperatorResume?.() ?? [])),
                executor.settleLateFills
                  ? defer(() => executor.settleLateFills!()).pipe(
                      tap((found) => accountCredits(found.events)),
                      concatMap((found) => from(found.events)),
                    )
                  : EMPTY,
              ).pipe(catchError(() => EMPTY)),
            ),
            takeUntil(stop$),
          )
        : EMPTY;

    const spreads$ = ticks$.pipe(
      sampleTime(settings.spreadSampleMs, scheduler),
      map((tick) => spreadSample(pair.pair, tick, fees, monitored, pair.positionSize)),
    );

    const feedEvents$ = merge(feedA.events$, feedB.events$).pipe(takeUntil(stop$));

    return merge(
      trading$.pipe(finalize(() => effectEvents$.complete())),
      effectEvents$,
      spreads$,
      feedEvents$,
      lossHaltEvent$,
      housekeeping$,
    );
  });
}

const emptyTickBook = { bids: [], asks: [], receivedAt: 0 };

type SpreadFigures = 'entryAOverB' | 'entryBOverA' | 'netEntryAOverB' | 'netEntryBOverA' | 'exitAOverB' | 'exitBOverA';

/** Spreads at the position size (the VWAP the bot decides on), so samples and decision ticks are one series. */
function spreadSample(pair: string, tick: MarketTick, fees: TakerFees, position: OpenPositionLike | undefined, size: number): TradingEvent {
  const q = quotesOf(tick.a, tick.b, size);
  const sample: { -readonly [K in SpreadFigures]?: number } = {};
  const eAB = entrySpread('AOverB', q);
  const eBA = entrySpread('BOverA', q);
  const xAB = exitSpread('AOverB', q);
  const xBA = exitSpread('BOverA', q);
  if (eAB !== undefined) {
    sample.entryAOverB = eAB;
    sample.netEntryAOverB = netEntrySpread(eAB, fees);
  }
  if (eBA !== undefined) {
    sample.entryBOverA = eBA;
    sample.netEntryBOverA = netEntrySpread(eBA, fees);
  }
  if (xAB !== undefined) sample.exitAOverB = xAB;
  if (xBA !== undefined) sample.exitBOverA = xBA;
  const mark = position === undefined ? undefined : positionMark(position, tick, fees);
  return events.spreadMonitoring(tick.time, {
    pair,
    ...sample,
    bookAgeAMs: tick.time - tick.a.receivedAt,
    bookAgeBMs: tick.time - tick.b.receivedAt,
    ...(mark !== undefined ? { position: mark } : {}),
  });
}

function positionMark(position: OpenPositionLike, tick: MarketTick, fees: TakerFees): PositionMarkSample | undefined {
  const { longEntryPrice, shortEntryPrice } = position;
  if (longEntryPrice === undefined || shortEntryPrice === undefined) return undefined;
  const entry = { direction: position.direction, size: position.size, longEntryPrice, shortEntryPrice };
  const mark = markPosition(entry, tick, fees);
  return mark === undefined ? undefined : { ...entry, entrySpread: position.entrySpread, ...mark };
}

