/**
 * Exit monitor section: CPU per tick of `exitMonitor` (the composition: map → scan → takeUntil →
 * exhaustMap) beside a minimal floor, the same per-tick work as one hand-written operator: the VWAP exit
 * spread of the tick at the position size, the poll count, and a POSITION_MONITORING every logEvery-th
 * poll. Both get the same decoded book pairs through a Subject of ticks, with the exit target out of
 * reach (every tick is a full poll that never closes). What the composition costs beyond that work is
 * the ratio; a change that makes the operator chain dearer shows in it whatever the machine's load,
 * since the two sides are timed as short back-to-back pairs in CPU time (measurePairedRatio).
 */
import { asyncScheduler, EMPTY, NEVER, Observable, type OperatorFunction, Subject } from 'rxjs';
import { events, type ExitEvent } from '../src/domain/events';
import type { MarketTick, PositionSpec } from '../src/domain/market';
import { exitSpreadOf } from '../src/domain/spread';
import { exitMonitor } from '../streams/exit-monitor';
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
  // Warm-up long enough for both sides' hot paths to be optimised before any pair is timed.
  monitor(opts.warmupTicks ?? 50_000);
  floor(opts.warmupTicks ?? 50_000);
  const r = measurePairedRatio(floor, monitor, { opsPerPair: opts.ticksPerPair, pairsPerRound: opts.pairsPerRound, rounds: opts.rounds });
  return {
    // rate(floor) / rate(monitor) = CPU per tick of the monitor over the floor's.
    exitMonitorVsFloor: r.ratio,
    exitMonitorNsPerTick: 1e9 / r.rateB,
    exitMonitorFloorNsPerTick: 1e9 / r.rateA,
    exitMonitorVsFloorSpread: Math.max(...r.roundRatios) - Math.min(...r.roundRatios),
  };
}
