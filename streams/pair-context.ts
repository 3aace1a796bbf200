/**
 * Everything one pair's streams share, built once when the pair starts (the NgRx/redux-observable
 * "dependencies" of its epics): its settings, executor, fees, feeds and ticks, the run's stop signal
 * and loss limit, and the two channels the streams talk through.
 */
import { BehaviorSubject, filter, NEVER, type Observable, type SchedulerLike, shareReplay, Subject, takeUntil } from 'rxjs';
import type { TradingEvent } from '../src/domain/events';
import type { PairFunding } from '../src/domain/funding';
import { bInAUnits, type MarketTick, usdPerQuoteUnit, venueSymbol } from '../src/domain/market';
import type { LegUsdRates } from '../src/domain/pnl';
import type { TakerFees } from '../src/domain/spread';
import type { BookFeed } from '../src/venues/venue';
import type { BotDeps, BotSettings, PairSettings } from './bot';
import { holdTimes, type HoldTimes } from './hold-times';
import type { LossLimit } from './loss-limit';
import { marketTicks } from './market';
import type { OpenedPosition, PairExecutor } from './pair-executor';

export interface PairContext {
  readonly pair: PairSettings;
  readonly settings: BotSettings;
  readonly executor: PairExecutor;
  readonly fees: TakerFees;
  /** USD per unit of A's and B's quote currency (src/domain/market.ts `usdPerQuoteUnit`): the marks' USD. */
  readonly usdPerQuote: LegUsdRates;
  readonly feedA: BookFeed;
  readonly feedB: BookFeed;
  /**
   * The pair's ticks, shared by every stage and replaying the latest, so a stage that subscribes later (entries
   * after an async restore, a new exit monitor) starts from the current market. Not cut at shutdown: the exit
   * monitor handles shutdown itself and must see it before its source ends (an in-flight close finishes first).
   */
  readonly sharedTicks$: Observable<MarketTick>;
  /** The same ticks, ending at shutdown: entries and samples stop at once. */
  readonly ticks$: Observable<MarketTick>;
  /** Emits (replayed) once the run is asked to stop. */
  readonly stop$: Observable<true>;
  /**
   * The pair's latest funding (both venues), shared and replaying the latest; never emits when funding is
   * not tracked (`BotDeps.fundingFor` absent).
   */
  readonly funding$: Observable<PairFunding>;
  /** Whether funding is tracked for the pair (`BotDeps.fundingFor` given): when not, entries say carry is 'not tracked'. */
  readonly fundingTracked: boolean;
  /** The pair's closed holds this run and the hold its entries assume for carry. */
  readonly holds: HoldTimes;
  /**
   * The latest of `funding$` while the pair runs (kept by the bot's own subscription); undefined before the
   * first. `tracked`: the run reads funding at all (`BotDeps.fundingFor` given).
   */
  readonly fundingNow: { latest: PairFunding | undefined; readonly tracked: boolean };
  /** An operator asks to close this pair's position now (flatten). */
  readonly closeNow$: Observable<string>;
  readonly scheduler: SchedulerLike;
  readonly lossLimit: LossLimit;
  /** Effect events that are not exit events (order fills, unwinds): emitted beside the exit monitor's own. */
  readonly effectEvents: Subject<TradingEvent>;
  /** The position under exit monitoring (undefined: none), marked to the books in each spread sample. */
  readonly monitored: BehaviorSubject<OpenedPosition | undefined>;
  now(): number;
}

export function pairContext(
  pair: PairSettings,
  run: { readonly deps: BotDeps; readonly settings: BotSettings; readonly stop$: Observable<true>; readonly scheduler: SchedulerLike; readonly lossLimit: LossLimit },
): PairContext {
  const { deps, scheduler, stop$ } = run;
  const feedA = deps.venues[pair.dexA].bookFeed(venueSymbol(pair.dexA, pair.pair));
  const feedB = deps.venues[pair.dexB].bookFeed(venueSymbol(pair.dexB, pair.pair));
  // Paradex quotes USD, Vest USDC: the ticks carry the factor that puts B's prices in A's unit.
  const usdcUsd = run.settings.usdcUsd?.rate ?? 1;
  const bToA = bInAUnits(pair.dexA, pair.dexB, usdcUsd);
  const sharedTicks$ = marketTicks(feedA.book$, feedB.book$, { sampleMs: pair.sampleMs, scheduler, bToA }).pipe(
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  return {
    pair,
    settings: run.settings,
    executor: deps.executorFor(pair),
    fees: deps.feesFor(pair),
    usdPerQuote: { a: usdPerQuoteUnit(pair.dexA, usdcUsd), b: usdPerQuoteUnit(pair.dexB, usdcUsd) },
    feedA,
    feedB,
    sharedTicks$,
    ticks$: sharedTicks$.pipe(takeUntil(stop$)),
    stop$,
    funding$: deps.fundingFor ? deps.fundingFor(pair).pipe(takeUntil(stop$), shareReplay({ bufferSize: 1, refCount: true })) : NEVER,
    fundingTracked: deps.fundingFor !== undefined,
    holds: holdTimes(pair),
    fundingNow: { latest: undefined, tracked: deps.fundingFor !== undefined },
    closeNow$: deps.closeNow$ ? deps.closeNow$.pipe(filter((p) => p === pair.pair)) : NEVER,
    scheduler,
    lossLimit: run.lossLimit,
    effectEvents: new Subject<TradingEvent>(),
    monitored: new BehaviorSubject<OpenedPosition | undefined>(undefined),
    now: () => scheduler.now(),
  };
}

