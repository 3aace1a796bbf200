/**
 * The whole bot as one stream: for every configured pair, at once,
 *
 *   feeds → marketTicks → entrySignal → exhaustMap(open) → exitMonitor → close → cooldown → watching again
 *
 * Everything with side effects (venues, executor, clock) is injected, so the same stream runs in sim, paper,
 * live and tests. Effect errors become events; the stream never dies of a venue error.
 *
 * In the style of NgRx effects / redux-observable epics: a pair's `PairContext` is built once, each stream
 * below is a named function of it, in the order of the flow, and `pairStream$` merges them at the end.
 */
import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  connect,
  defer,
  delay,
  EMPTY,
  exhaustMap,
  expand,
  filter,
  finalize,
  from,
  identity,
  ignoreElements,
  interval,
  map,
  merge,
  type MonoTypeOperatorFunction,
  type Observable,
  of,
  ReplaySubject,
  type SchedulerLike,
  take,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import { events, MAX_LOSS_HALT_REASON, type TradingEvent } from '../src/domain/events';
import type { SpreadOpportunity, UsdcUsd, VenueId } from '../src/domain/market';
import type { PairFunding } from '../src/domain/funding';
import { entrySpreads, type TakerFees } from '../src/domain/spread';
import type { Venue } from '../src/venues/venue';
import { assertTimerMs } from '../src/domain/durations';
import { errorText } from '../src/logging/redact';
import { CARRY_NOT_TRACKED } from '../src/domain/carry';
import type { FundingTolerance } from '../src/execution/funding-reconcile';
import { carryBasis$ } from './carry-basis';
import { fundingReconcile, type VenueFundingRequest } from './funding-reconcile';
import { fundingReconcileWhileHeld, heldFundingFigure } from './funding-reconcile-held';
import { entrySignal } from './entry-signal';
import { countedIn, lossLimit } from './loss-limit';
import { type PairContext, pairContext } from './pair-context';
import type { EntryOutcome, OpenedPosition, PairExecutor, RestoreReport } from './pair-executor';
import { closeFunding, openedEvent$, positionMonitor$ } from './position-monitor';
import { spreadSamples$ } from './spread-samples';

export type { CloseReport, EntryOutcome, LateFillCredits, OpenedPosition, PairExecutor, RestoreReport } from './pair-executor';

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
  /** Holding limit (`risk.max_duration_hours`): a position held this long since it opened is closed (reason 'max_duration'). */
  readonly maxHoldHours?: number;
  /** Expected hold for the entry's carry, hours (`bots[].expected_hold_hours`). Default: the pair's observed median hold, else a fallback. */
  readonly expectedHoldHours?: number;
  /** Close when the position's carry is worse than −this, bps per hour (`bots[].funding_exit_bps_per_hour`). Default: off. */
  readonly fundingExitBpsPerHour?: number;
}

export interface BotSettings {
  readonly mode: 'sim' | 'paper' | 'live' | 'replay';
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
  /** Period of FUNDING_ACCRUED for an open position when funding is tracked, ms. Default streams/funding-accrued.ts FUNDING_ACCRUED_EVERY_MS. */
  readonly fundingAccruedMs?: number;
  /** How far a venue's funding figure may differ from the bot's before FUNDING_MISMATCH. Default DEFAULT_FUNDING_TOLERANCE. */
  readonly fundingTolerance?: FundingTolerance;
  /**
   * While a position is held, check its funding against the venues' own this often, ms (`risk.funding_reconcile_minutes`;
   * streams/funding-reconcile-held.ts). Absent: only after each close.
   */
  readonly fundingReconcileHeldMs?: number;
  /** USDC/USD the two venues' prices are compared with (Paradex quotes USD, Vest USDC). Default: at par (1). */
  readonly usdcUsd?: UsdcUsd;
}

export interface BotDeps {
  readonly venues: Readonly<Record<VenueId, Venue>>;
  executorFor(pair: PairSettings): PairExecutor;
  /** Taker fees of a pair's venues (fractions), used to net entry spreads. */
  feesFor(pair: PairSettings): TakerFees;
  readonly shutdown$: Observable<unknown>;
  /**
   * An operator's "close it now" (the API's flatten), by pair: the pair's monitored position is closed at once
   * (reason 'flatten'); a close that fails goes back to monitoring. Default: never.
   */
  readonly closeNow$?: Observable<string>;
  /**
   * The latest funding of a pair's two venues (rates and cumulative indices), for carry in decisions and PnL.
   * Absent: funding is not tracked for the pair (decisions and PnL count no carry, and say so).
   */
  fundingFor?(pair: PairSettings): Observable<PairFunding>;
  readonly scheduler?: SchedulerLike;
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
    const limit = lossLimit(settings.maxLossUsd);
    const run = { deps, settings, stop$: stop$.asObservable(), scheduler, lossLimit: limit };
    const pairs$ = settings.pairs.map((pair) => defer(() => pairStream$(withLossBook(pairContext(pair, run)), deps.venues)));
    const now = () => scheduler.now();
    return concat(
      of(events.botStarted(now(), { mode: settings.mode, pairs: settings.pairs.map((p) => p.pair) })),
      // Every event of the run is counted by the loss limit as the summary counts it, as it is emitted.
      merge(...pairs$).pipe(countedIn(limit)),
      defer(() => of(events.botShutdown(now(), { reason: 'shutdown' }))),
    ).pipe(
      finalize(() => {
        stopSub.unsubscribe();
        stop$.complete();
        limit.close();
      }),
      // Last guard: once shut down, wait at most the grace period for in-flight orders to report.
      takeUntil(stop$.pipe(delay(settings.shutdownGraceMs, scheduler))),
    );
  });
}

/** The pair's loss budget on record joins the run's limit, and what the limit counts of the pair is journalled. */
function withLossBook(ctx: PairContext): PairContext {
  const { executor } = ctx;
  if (executor.lossOnRecord && executor.recordRealised) {
    const record = executor.recordRealised.bind(executor);
    ctx.lossLimit.attach(ctx.pair.pair, { onRecord: executor.lossOnRecord(), record });
  }
  return ctx;
}

/** One pair's streams, merged. */
function pairStream$(ctx: PairContext, venues: BotDeps['venues']): Observable<TradingEvent> {
  return merge(
    feedEvents$(ctx),
    trading$(ctx).pipe(finalize(() => ctx.effectEvents.complete())),
    ctx.effectEvents,
    spreadSamples$(ctx),
    lossHaltEvent$(ctx),
    housekeeping$(ctx),
    fundingWatch$(ctx),
  ).pipe(withFundingReconcile(ctx, venues));
}

/**
 * The pair's events, plus after each close (and, with `fundingReconcileHeldMs`, periodically while held) the bot's
 * funding against the venues' own (FUNDING_RECONCILED / FUNDING_MISMATCH): when funding is tracked and both venues report a figure (live and sim clients; not paper).
 */
function withFundingReconcile(ctx: PairContext, venues: BotDeps['venues']): MonoTypeOperatorFunction<TradingEvent> {
  const { dexA, dexB } = ctx.pair;
  if (!ctx.fundingTracked || !venues[dexA].fundingSettledSince || !venues[dexB].fundingSettledSince) return identity;
  const readVenueFunding = (req: { venue: VenueId; symbol: string; sinceMs: number }) =>
    defer(() => venues[req.venue].fundingSettledSince!(req.symbol, req.sinceMs)).pipe(map((f) => ({ usd: f.settledUsd, source: f.source })));
  const tolerance = ctx.settings.fundingTolerance !== undefined ? { tolerance: ctx.settings.fundingTolerance } : {};
  const everyMs = ctx.settings.fundingReconcileHeldMs;
  // While held (when asked): settled since the open plus what the open position has accrued, per venue.
  const readHeld = (req: VenueFundingRequest) => defer(() => heldFundingFigure(venues[req.venue], req.venue, req));
  const held = everyMs !== undefined ? (e$: Observable<TradingEvent>) => e$.pipe(fundingReconcileWhileHeld({ readVenueFunding: readHeld, everyMs, scheduler: ctx.scheduler, ...tolerance })) : () => EMPTY;
  // connect: the checks subscribe before the pair's streams start, so they see every POSITION_OPENED.
  return connect((events$) => merge(events$, events$.pipe(fundingReconcile({ readVenueFunding, scheduler: ctx.scheduler, ...tolerance })), held(events$)));
}

/** Keeps the pair's latest funding at hand (entries record its indexes, closes realise against it); emits nothing. */
function fundingWatch$(ctx: PairContext): Observable<never> {
  return ctx.funding$.pipe(
    tap((funding) => (ctx.fundingNow.latest = funding)),
    ignoreElements(),
    // funding$ is NEVER when funding is not tracked: the stop ends the watch either way.
    takeUntil(ctx.stop$),
  );
}

// ---- feeds ----

/** The feeds' own events (FEED_STALE, FEED_RESYNC, …) until shutdown. */
function feedEvents$(ctx: PairContext): Observable<TradingEvent> {
  return merge(ctx.feedA.events$, ctx.feedB.events$).pipe(takeUntil(ctx.stop$));
}

// ---- restore, then entries ----

/** A position restored from the journal goes straight to the exit monitor, then normal trading resumes. */
function trading$(ctx: PairContext): Observable<TradingEvent> {
  return restoreAttempts$(ctx).pipe(
    concatMap((restored) => (restored.retryInMs !== undefined ? from(restored.events) : concat(afterRestore$(ctx, restored), entries$(ctx)))),
    // One pair's failure (e.g. a position the exit monitor refuses) must not stop the others.
    catchError((err: unknown) =>
      of(
        events.tradingHalted(ctx.now(), {
          pair: ctx.pair.pair,
          reason: `${ctx.pair.pair} stopped trading after an internal error: ${errorText(err)}; its position, if any, stays in the journal (restart to resume it)`,
        }),
      ),
    ),
  );
}

/** Restores until the venues can be read: the executor says when to try again (an outage at start is not a permanent halt). */
function restoreAttempts$(ctx: PairContext): Observable<RestoreReport> {
  const restoreOnce$ = defer(() => ctx.executor.restore()).pipe(
    catchError((err: unknown) =>
      of<RestoreReport>({ events: [events.reconciliationMismatch(ctx.now(), { pair: ctx.pair.pair, detail: `restore failed: ${errorText(err)}` })] }),
    ),
  );
  // Shutdown ends a wait between attempts (never an attempt in flight: it may be finishing an entry),
  // unless the last process left an entry or close unfinished: then the attempts go on, so it is
  // finished (and, with closeOnExit, closed) instead of left half done. The shutdown grace bounds them.
  const afterDelay$ = (restored: RestoreReport) => {
    const wait$ = timer(restored.retryInMs!, ctx.scheduler);
    return restored.unfinished ? wait$ : wait$.pipe(takeUntil(ctx.stop$));
  };
  return restoreOnce$.pipe(expand((restored) => (restored.retryInMs === undefined ? EMPTY : afterDelay$(restored).pipe(concatMap(() => restoreOnce$)))));
}

/** What the restore found: its events, a trade it found closed, and a position to monitor (an interrupted close finished at once). */
function afterRestore$(ctx: PairContext, restored: RestoreReport): Observable<TradingEvent> {
  const { position, resumeClose } = restored;
  return concat(
    from(restored.events),
    restored.closedTrade ? closedTrade$(ctx, restored.closedTrade) : EMPTY,
    position
      ? concat(
          openedEvent$(ctx, position, true),
          // An interrupted close is finished at once: −100 % is below any exit spread.
          positionMonitor$(ctx, position, resumeClose ? { exitTarget: -100, resumeClose: true } : {}),
          cooldown$(ctx),
        )
      : EMPTY,
  );
}

/** A trade the last run left open and the restore found closed: a round trip of this run, counted once. */
function closedTrade$(ctx: PairContext, trade: NonNullable<RestoreReport['closedTrade']>): Observable<TradingEvent> {
  const { position } = trade;
  return concat(
    openedEvent$(ctx, position, true),
    defer(() => {
      // Closed while the bot was away: realised against the funding read now (the nearest it has to the close).
      const funding = closeFunding(ctx, position);
      const closed = of(
        events.positionClosed(ctx.now(), {
          pair: ctx.pair.pair,
          polls: 0,
          entrySpread: position.entrySpread,
          exitSpread: Number.NaN,
          profit: Number.NaN,
          grossPnlUsd: trade.grossPnlUsd,
          feesUsd: trade.feesUsd,
          reason: 'resume_close',
          ...funding,
        }),
      );
      return closed;
    }),
  );
}

/** Entry signals, each opening a position (then monitoring it) unless one is already being opened, monitored or closed. */
function entries$(ctx: PairContext): Observable<TradingEvent> {
  const { pair, executor, lossLimit: limit } = ctx;
  return ctx.ticks$.pipe(
    entrySignal({
      pair: pair.pair,
      entryThreshold: pair.spreadEntry,
      size: pair.positionSize,
      fees: ctx.fees,
      confirmTicks: pair.entryConfirmTicks,
      maxBookAgeMs: pair.maxBookAgeMs,
      scheduler: ctx.scheduler,
      ...(ctx.fundingTracked ? { carry$: carryBasis$(ctx.funding$, ctx.holds.expected$) } : {}),
    }),
    // A spread too good to be true is a broken quote more often than an opportunity.
    filter((opportunity) => pair.spreadEntryMax === undefined || opportunity.spread <= pair.spreadEntryMax),
    // A loss halt stops new entries only; an open position is still monitored and closed.
    filter(() => !limit.halted && !executor.isHalted()),
    // One position per pair: signals are ignored while a position is being opened, monitored or closed.
    exhaustMap((opportunity) => openThenMonitor$(ctx, opportunity)),
  );
}

// ---- open, then monitor ----

/** SPREAD_DETECTED, the entry, then the new position's exit monitoring and the cooldown. */
function openThenMonitor$(ctx: PairContext, opportunity: SpreadOpportunity): Observable<TradingEvent> {
  const { pair } = ctx;
  const detected = defer(() =>
    of(
      events.spreadDetected(ctx.now(), {
        pair: pair.pair,
        direction: opportunity.direction,
        entrySpread: opportunity.spread,
        netSpread: opportunity.netSpread,
        threshold: pair.spreadEntry,
        carry: opportunity.carry ?? CARRY_NOT_TRACKED,
        tick: { time: opportunity.detectedAt, ...entrySpreads(opportunity) },
      }),
    ),
  );
  const entry$ = defer(() => ctx.executor.openPosition(opportunity, ctx.fundingNow.latest)).pipe(
    catchError((err: unknown) => of<EntryOutcome>({ ok: false, reason: `open effect threw: ${errorText(err)}`, events: [] })),
  );
  return concat(detected, entry$.pipe(concatMap((outcome) => afterEntry$(ctx, outcome))));
}

function afterEntry$(ctx: PairContext, outcome: EntryOutcome): Observable<TradingEvent> {
  if (outcome.ok) return concat(from(outcome.events), monitorOpened$(ctx, outcome.position), cooldown$(ctx));
  const reported = outcome.events.some((e) => e.type === 'TRADE_FAILED');
  return concat(
    from(outcome.events),
    reported ? EMPTY : defer(() => of(events.tradeFailed(ctx.now(), { pair: ctx.pair.pair, reason: outcome.reason }))),
    cooldown$(ctx),
  );
}

// ---- monitor, close, close at exit (streams/position-monitor.ts) ----

function monitorOpened$(ctx: PairContext, position: OpenedPosition): Observable<TradingEvent> {
  return concat(openedEvent$(ctx, position, false), positionMonitor$(ctx, position));
}

/** The pause after a round trip (or a failed entry) before watching for entries again; shutdown ends it. */
function cooldown$(ctx: PairContext): Observable<never> {
  return timer(ctx.pair.cooldownMs, ctx.scheduler).pipe(ignoreElements(), takeUntil(ctx.stop$));
}

// ---- samples (streams/spread-samples.ts), loss limit, housekeeping ----

/**
 * TRADING_HALTED for this pair once the run's loss limit is reached. The executor journals it, so a restart
 * (a crash loop) stays halted until an operator resumes; an executor that cannot only halts this run.
 */
function lossHaltEvent$(ctx: PairContext): Observable<TradingEvent> {
  const { lossLimit: limit, executor } = ctx;
  return limit.reached$.pipe(
    take(1),
    concatMap((budgetNetUsd) => {
      const earlier = limit.carriedUsd !== 0 ? ` (earlier runs ${limit.carriedUsd.toFixed(2)} USD, this run ${(budgetNetUsd - limit.carriedUsd).toFixed(2)} USD)` : '';
      const reason = `${MAX_LOSS_HALT_REASON}: realised net ${budgetNetUsd.toFixed(2)} USD${earlier} <= -${limit.maxLossUsd} USD`;
      const journalled = executor.haltUntilResumed?.(reason);
      return from(journalled ?? [events.tradingHalted(ctx.now(), { pair: ctx.pair.pair, reason })]);
    }),
    takeUntil(ctx.stop$),
  );
}

/**
 * Housekeeping while the pair runs: close fills whose outcome was unknown when their trade closed are
 * credited once found, and a halt an operator cleared from another process is picked up.
 */
function housekeeping$(ctx: PairContext): Observable<TradingEvent> {
  const { executor } = ctx;
  if (!executor.settleLateFills && !executor.pollOperatorResume) return EMPTY;
  const lateFills$ = executor.settleLateFills
    ? defer(() => executor.settleLateFills!()).pipe(
        concatMap((found) => from(found.events)),
      )
    : EMPTY;
  return interval(ctx.settings.housekeepingMs ?? 1_000, ctx.scheduler).pipe(
    exhaustMap(() => concat(defer(() => from(executor.pollOperatorResume?.() ?? [])), lateFills$).pipe(catchError(() => EMPTY))),
    takeUntil(ctx.stop$),
  );
}
