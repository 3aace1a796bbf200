/**
 * Pipeline section: cost of one tick through marketTicks (sampleMs 0) → exitMonitor, with the
 * books already decoded and pushed through Subjects synchronously. The exit target is out of
 * reach, so every tick is a full poll (VWAP exit spread of both books) that never closes. The same pipeline
 * with the imperative exitMonitor it had before the composition runs beside it in the same rounds.
 */
import { EMPTY, NEVER, type OperatorFunction, Subject } from 'rxjs';
import type { ExitEvent } from '../src/domain/events';
import type { MarketTick } from '../src/domain/market';
import type { OrderBook } from '../src/domain/order-book';
import { exitMonitor, type ExitMonitorOptions } from '../streams/exit-monitor';
import { imperativeExitMonitor } from './exit-monitor';
import { marketTicks } from '../streams/market';
import { decodedBookPairs, snapshotFrames } from './fixtures';
import { consume, measurePairedRatio, measureRatesInterleaved } from './measure';

export interface PipelineOptions {
  /** Distinct book pairs (cycled). */
  readonly books: number;
  readonly ticksPerRound: number;
  readonly rounds: number;
}

export const DEFAULT_PIPELINE: PipelineOptions = { books: 2_000, ticksPerRound: 500_000, rounds: 7 };

export interface PipelineResult {
  pipelineNsPerTick: number;
  /** pipelineNsPerTick / ns of one JSON.parse of a Paradex 15+15 book frame. */
  pipelineVsParse: number;
  /** Extra: the JSON.parse cost the ratio divides by. */
  jsonParseNsPerFrame: number;
  /** Extra: ticks the monitor polled during the run (proves every push became a poll). */
  pipelinePolls: number;
  /**
   * The same pipeline with the imperative exitMonitor it had before the composition (bench/exit-monitor.ts), timed
   * in the same interleaved rounds: pipelineVsParse "no worse than before" is pipelineVsImperative <= ~1.
   */
  pipelineImperativeNsPerTick: number;
  pipelineImperativeVsParse: number;
  /** CPU per tick of the pipeline over the imperative one's: median of back-to-back pairs (measurePairedRatio). */
  pipelineVsImperative: number;
  /** Spread (max − min) of its rounds' ratios. */
  pipelineVsImperativeSpread: number;
}

const MONITOR: ExitMonitorOptions = {
  position: { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.01 },
  // Out of reach: a 100 % exit spread never happens, so the monitor polls forever.
  exitTarget: 100,
  shutdown$: NEVER,
  closePosition: () => EMPTY,
};

/** marketTicks (sampleMs 0) → a monitor, fed one decoded book per push; returns the push and the polls seen. */
function pipeline(a: readonly OrderBook[], b: readonly OrderBook[], monitor: OperatorFunction<MarketTick, ExitEvent>): { push: (count: number) => void; polls: () => number; stop: () => void } {
  const n = a.length;
  const a$ = new Subject<OrderBook>();
  const b$ = new Subject<OrderBook>();
  let polls = 0;
  const sub = marketTicks(a$, b$, { sampleMs: 0 })
    .pipe(monitor)
    .subscribe({
      next: (e) => {
        if (e.type === 'POSITION_MONITORING') polls = e.polls;
        else throw new Error(`pipeline bench: unexpected ${e.type}`);
      },
    });
  a$.next(a[0]!);
  b$.next(b[0]!);
  let i = 1;
  // One push = one tick: each side in turn, so both books change as they would live.
  const push = (count: number): void => {
    for (let k = 0; k < count; k++, i++) {
      if ((i & 1) === 0) a$.next(a[(i >>> 1) % n]!);
      else b$.next(b[(i >>> 1) % n]!);
    }
  };
  return { push, polls: () => polls, stop: () => sub.unsubscribe() };
}

export function runPipelineBench(opts: PipelineOptions = DEFAULT_PIPELINE): PipelineResult {
  const { a, b } = decodedBookPairs(opts.books);
  const composed = pipeline(a, b, exitMonitor(MONITOR));
  const imperative = pipeline(a, b, imperativeExitMonitor(MONITOR));
  const { json } = snapshotFrames(Math.min(opts.books, 1_000));
  // Alternating rounds with JSON.parse, since the figure is their ratio.
  const parsesPerRound = Math.max(1, Math.round(opts.ticksPerRound / 20));
  const [ticksPerSec, parsesPerSec, imperativeTicksPerSec] = measureRatesInterleaved(
    [
      composed.push,
      (count) => {
        // count is ticksPerRound; parse a twentieth as many frames (a parse costs far more than a tick).
        let last: unknown;
        for (let k = 0; k < Math.max(1, Math.round(count / 20)); k++) last = JSON.parse(json[k % json.length]!);
        consume(last);
      },
      imperative.push,
    ],
    { opsPerRound: opts.ticksPerRound, rounds: opts.rounds },
  ) as [number, number, number];
  const pairs = measurePairedRatio(imperative.push, composed.push, { opsPerPair: Math.max(1, Math.round(opts.ticksPerRound / 25)), pairsPerRound: 9, rounds: opts.rounds });
  composed.stop();
  imperative.stop();
  const ns = 1e9 / ticksPerSec;
  const imperativeNs = 1e9 / imperativeTicksPerSec;
  const parseNs = 1e9 / (parsesPerSec * (parsesPerRound / opts.ticksPerRound));
  return {
    pipelineNsPerTick: ns,
    pipelineVsParse: ns / parseNs,
    jsonParseNsPerFrame: parseNs,
    pipelinePolls: composed.polls(),
    pipelineImperativeNsPerTick: imperativeNs,
    pipelineImperativeVsParse: imperativeNs / parseNs,
    pipelineVsImperative: pairs.ratio,
    pipelineVsImperativeSpread: Math.max(...pairs.roundRatios) - Math.min(...pairs.roundRatios),
  };
}
