/**
 * Exit monitor section: CPU per tick of `exitMonitor` (the composition: map → scan → takeUntil →
 * exhaustMap) beside a minimal floor, the same per-tick work as one hand-written operator: the VWAP exit
 * spread of the tick at the position size, the poll count, and a POSITION_MONITORING every logEvery-th
 * poll. Both get the same decoded book pairs through a Subject of ticks, with the exit target out of
 * reach (every tick is a full poll that never closes). What the composition costs beyond that work is
 * the ratio; a change that makes the operator chain dearer shows in it whatever the machine's load,
 * since the two sides are timed as short back-to-back pairs in CPU time (measurePairedRatio).
 */
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
  NEVER,
  Observable,
  of,
  type OperatorFunction,
  Subject,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwError,
} from 'rxjs';
import { type CloseResult, type DecidingTick, events, type ExitEvent } from '../src/domain/events';
import type { MarketTick, PositionSpec } from '../src/domain/market';
import { entrySpreads, exitSpreadOf, quotesOf, roundTripProfit } from '../src/domain/spread';
import { errorText } from '../src/logging/redact';
import { type CloseContext, exitMonitor, type ExitMonitorOptions } from '../streams/exit-monitor';
import { isTradableTick } from '../streams/market';
import { decodedBookPairs } from './fixtures';
import { consume, measurePairedRatio } from './measure';

export interface ExitMonitorBenchOptions {
  /** Distinct book pairs (cycled). */
  readonly books: number;
  /** Ticks per timed call of each side. */
  readonly ticksPerPair: number;
  readonly pairsPerRound: number;
  readonly rounds: number;
  /** Untimed ticks through each side first, so both hot paths are optimised. Default 50,000. */
  readonly warmupTicks?: number;
}

export const DEFAULT_EXIT_MONITOR: ExitMonitorBenchOptions = { books: 2_000, ticksPerPair: 20_000, pairsPerRound: 9, rounds: 5 };

export interface ExitMonitorBenchResult {
  /** CPU per tick of exitMonitor over the floor's (1 = no cost beyond the poll's own work). */
  exitMonitorVsFloor: number;
  exitMonitorNsPerTick: number;
  exitMonitorFloorNsPerTick: number;
  /** Spread (max − min) of the rounds' ratios. */
  exitMonitorVsFloorSpread: number;
  /** CPU per tick of exitMonitor over the imperative version it replaced (issue 12: the composition costs no more). */
  exitMonitorVsImperative: number;
  exitMonitorImperativeNsPerTick: number;
  exitMonitorVsImperativeSpread: number;
}

const POSITION: PositionSpec = { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.01 };
/** Out of reach: a 100 % exit spread never happens, so both sides poll forever. */
const EXIT_TARGET = 100;
const LOG_EVERY = 40;

/**
 * The floor: the monitor's per-tick work and nothing else (no confirmation run, no close, no shutdown):
 * count the poll, take the exit spread, and every logEvery-th poll report it (checked for tradability,
 * as the monitor reports it).
 */
export function exitMonitorFloor(position: PositionSpec, exitTarget: number, logEvery: number): OperatorFunction<MarketTick, ExitEvent> {
  const { pair, direction, size, entrySpread } = position;
  return (ticks$) =>
    new Observable<ExitEvent>((subscriber) => {
      let polls = 0;
      return ticks$.subscribe({
        next: (tick) => {
          polls++;
          const spread = exitSpreadOf(direction, tick.a, tick.b, size);
          if (polls % logEvery !== 0) return;
          const exitSpread = spread !== undefined && isTradableTick(tick, 0) ? spread : undefined;
          subscriber.next(events.positionMonitoring(asyncScheduler.now(), { pair, polls, entrySpread, exitSpread, exitTarget }));
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}

/** The bench's ticks: decoded book pairs from the seeded market. */
export function monitorBenchTicks(books: number): MarketTick[] {
  const { a, b } = decodedBookPairs(books);
  return a.map((book, i) => ({ a: book, b: b[i]!, time: i }));
}

/** exitMonitor as the section runs it (and as its smoke test compares it with the floor). */
export function benchedExitMonitor(): OperatorFunction<MarketTick, ExitEvent> {
  return exitMonitor({ position: POSITION, exitTarget: EXIT_TARGET, shutdown$: NEVER, closePosition: () => EMPTY, logEvery: LOG_EVERY });
}

export function benchedFloor(): OperatorFunction<MarketTick, ExitEvent> {
  return exitMonitorFloor(POSITION, EXIT_TARGET, LOG_EVERY);
}

export function benchedImperative(): OperatorFunction<MarketTick, ExitEvent> {
  return imperativeExitMonitor({ position: POSITION, exitTarget: EXIT_TARGET, shutdown$: NEVER, closePosition: () => EMPTY, logEvery: LOG_EVERY });
}

export function runExitMonitorBench(opts: ExitMonitorBenchOptions = DEFAULT_EXIT_MONITOR): ExitMonitorBenchResult {
  const ticks = monitorBenchTicks(opts.books);
  const feed = (operator: OperatorFunction<MarketTick, ExitEvent>): ((n: number) => void) => {
    const ticks$ = new Subject<MarketTick>();
    let reports = 0;
    ticks$.pipe(operator).subscribe((e) => {
      if (e.type !== 'POSITION_MONITORING') throw new Error(`exit monitor bench: unexpected ${e.type}`);
      reports++;
    });
    let i = 0;
    return (n) => {
      for (let k = 0; k < n; k++, i++) ticks$.next(ticks[i % ticks.length]!);
      consume(reports);
    };
  };
  const monitor = feed(benchedExitMonitor());
  const floor = feed(benchedFloor());
  const imperative = feed(benchedImperative());
  // Warm-up long enough for every side's hot path to be optimised before any pair is timed.
  monitor(opts.warmupTicks ?? 50_000);
  floor(opts.warmupTicks ?? 50_000);
  imperative(opts.warmupTicks ?? 50_000);
  const paired = { opsPerPair: opts.ticksPerPair, pairsPerRound: opts.pairsPerRound, rounds: opts.rounds };
  const r = measurePairedRatio(floor, monitor, paired);
  const v = measurePairedRatio(imperative, monitor, paired);
  return {
    // rate(floor) / rate(monitor) = CPU per tick of the monitor over the floor's.
    exitMonitorVsFloor: r.ratio,
    exitMonitorNsPerTick: 1e9 / r.rateB,
    exitMonitorFloorNsPerTick: 1e9 / r.rateA,
    exitMonitorVsFloorSpread: Math.max(...r.roundRatios) - Math.min(...r.roundRatios),
    exitMonitorVsImperative: v.ratio,
    exitMonitorImperativeNsPerTick: 1e9 / v.rateA,
    exitMonitorVsImperativeSpread: Math.max(...v.roundRatios) - Math.min(...v.roundRatios),
  };
}

type CloseOutcome = { readonly ok: true; readonly result: CloseResult } | { readonly ok: false; readonly reason: string };
type TicksEnd = { readonly kind: 'shutdown' } | { readonly kind: 'error'; readonly error: unknown };

/**
 * The comparison peer: `exitMonitor` as it was before it became a composition (commit b9a74c4, the parent of
 * a926388), kept verbatim but for the forced-exit options it predates (closeAt, funding$: not benched). Its
 * state lives in variables mutated from inside `map`/`tap`; issue 12 asked for the composition at no extra
 * cost per tick, which `exitMonitorVsImperative` (here) and `pipelineImperativeVsParse` (bench/pipeline.ts) show.
 */
/* eslint-disable max-lines-per-function -- the replaced version kept as it was, for comparison only */
export function imperativeExitMonitor(options: ExitMonitorOptions): OperatorFunction<MarketTick, ExitEvent> {
  const { position, exitTarget, shutdown$, closePosition, logEvery = 40, confirmTicks = 1, maxBookAgeMs, scheduler = asyncScheduler, reason: exitReason = 'exit_target' } = options;
  const { pair, direction, entrySpread, size } = position;
  const spreadAt = (tick: MarketTick): number | undefined => exitSpreadOf(direction, tick.a, tick.b, size);
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
      let polls = 0;
      let atTarget = 0;
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

      const poll = (tick: MarketTick): Observable<ExitEvent> | undefined => {
        if (reporting) return undefined;
        polls += 1;
        const logging = polls % logEvery === 0;
        const spread = spreadAt(tick);
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

      const polledTicks$ = ticks$.pipe(
        catchError((error: unknown) => {
          ticksEnd ??= { kind: 'error', error };
          return EMPTY;
        }),
        takeUntil(
          shutdown$.pipe(
            tap(() => (ticksEnd ??= { kind: 'shutdown' })),
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
/* eslint-enable max-lines-per-function */

function decidingTick(tick: MarketTick, size: number): DecidingTick {
  return { time: tick.time, ...entrySpreads(quotesOf(tick.a, tick.b, size)) };
}
