/**
 * Smoke test of `npm run bench`: every section runs end to end with tiny iteration counts and
 * reports every figure as a finite number. No timing assertions: speed is the bench's business.
 */
import { from, type OperatorFunction } from 'rxjs';
import { runDecodeBench } from '../../bench/decode';
import { benchedExitMonitor, benchedFloor, benchedImperative, monitorBenchTicks, runExitMonitorBench } from '../../bench/exit-monitor';
import { runHoldBench } from '../../bench/hold';
import { runMemoryBench } from '../../bench/memory';
import { runPipelineBench } from '../../bench/pipeline';
import { machineInfo, runBench } from '../../bench/run';
import { runSigningBench } from '../../bench/signing';
import { renderTable, TARGETS } from '../../bench/targets';
import { percentile } from '../../bench/measure';
import { onGrid, runTickToOrderBench } from '../../bench/tick-to-order';
import type { ExitEvent } from '../../src/domain/events';
import type { MarketTick } from '../../src/domain/market';

function expectFinite(result: object, keys: readonly string[]): void {
  const figures = result as Record<string, unknown>;
  for (const key of keys) {
    expect({ key, finite: Number.isFinite(figures[key]) }).toEqual({ key, finite: true });
  }
}

describe('bench sections', () => {
  it('decode reports SBE, JSON, JSON.parse floor and Vest frame rates, and the JSON ratio with its spread over five rounds', () => {
    const r = runDecodeBench({ frames: 40, opsPerRound: 200, rounds: 1 });
    expectFinite(r, ['sbeFramesPerSec', 'jsonFramesPerSec', 'jsonParseFloorPerSec', 'jsonVsFloor', 'jsonVsFloorSpread', 'vestFramesPerSec', 'sbeDeltaFramesPerSec']);
    // The median of the five rounds lies within them.
    expect(r.jsonVsFloorMin).toBeLessThanOrEqual(r.jsonVsFloor);
    expect(r.jsonVsFloorMax).toBeGreaterThanOrEqual(r.jsonVsFloor);
    expect(r.jsonVsFloorSpread).toBeCloseTo(r.jsonVsFloorMax - r.jsonVsFloorMin, 10);
  });

  it('pipeline polls every pushed book and reports its cost against one JSON.parse', () => {
    const r = runPipelineBench({ books: 20, ticksPerRound: 400, rounds: 1 });
    expectFinite(r, ['pipelineNsPerTick', 'pipelineVsParse', 'pipelineImperativeNsPerTick', 'pipelineImperativeVsParse', 'pipelineVsImperative', 'pipelineVsImperativeSpread']);
    // Warm-up + one timed round of 400 pushes each: the monitor reports polls in steps of 40.
    expect(r.pipelinePolls).toBeGreaterThanOrEqual(760);
  });

  it('exit monitor reports its CPU per tick over a floor that reports exactly what it reports', () => {
    // The floor does the monitor's per-tick work: the same POSITION_MONITORING polls and spreads, tick for tick.
    const ticks = monitorBenchTicks(50);
    const seen = (operator: OperatorFunction<MarketTick, ExitEvent>): unknown[] => {
      const out: unknown[] = [];
      from([...ticks, ...ticks]).pipe(operator).subscribe((e) => out.push({ ...e, time: 0 }));
      return out;
    };
    const monitored = seen(benchedExitMonitor());
    expect(monitored).toHaveLength(2);
    expect(seen(benchedFloor())).toEqual(monitored);
    // The imperative version it replaced (the comparison peer) reports the same.
    expect(seen(benchedImperative())).toEqual(monitored);
    const r = runExitMonitorBench({ books: 20, ticksPerPair: 200, pairsPerRound: 3, rounds: 1, warmupTicks: 400 });
    expectFinite(r, ['exitMonitorVsFloor', 'exitMonitorNsPerTick', 'exitMonitorFloorNsPerTick', 'exitMonitorVsFloorSpread', 'exitMonitorVsImperative', 'exitMonitorImperativeNsPerTick', 'exitMonitorVsImperativeSpread']);
    expect(r.exitMonitorVsFloor).toBeGreaterThan(0);
  });

  it('signing reports Paradex, its starknet.js reference and Vest signing times', async () => {
    const r = await runSigningBench({ paradexOps: 2, referenceOps: 1, vestOps: 2 });
    expectFinite(r, ['paradexSignMs', 'paradexSignSpeedup', 'vestSignMs']);
  });

  it('onGrid adds a wait for the next tick of the grid at evenly spread phases', () => {
    expect(onGrid([1, 3], 10, 4)).toEqual([2.25, 4.75, 7.25, 9.75, 4.25, 6.75, 9.25, 11.75]);
    // A zero-cost bot on a 25 ms grid: p99 is the wait's own 99th percentile.
    expect(percentile(onGrid([0], 25), 99)).toBeCloseTo(24.625, 10);
  });

  it('tick-to-order completes round trips over loopback, each beside a trial of the floor, and relates the two', async () => {
    const r = await runTickToOrderBench({ trials: 2, sampledTrials: 1 });
    expectFinite(r, ['tickToOrderP50Ms', 'tickToOrderP99Ms', 'orderFloorP50Ms', 'orderFloorP99Ms', 'tickToOrderSampledP99Ms', 'entryTickToOrderP99Ms']);
    expect(r).toMatchObject({ tickToOrderTrials: 2, orderFloorTrials: 2, tickToOrderSampledTrials: 1, tickToOrderFailedTrials: 0 });
    expect(r.tickToOrderVsFloorP50).toBeCloseTo(r.tickToOrderP50Ms / r.orderFloorP50Ms, 10);
    expect(r.tickToOrderVsFloorP99).toBeCloseTo(r.tickToOrderP99Ms / r.orderFloorP99Ms, 10);
    // The crossing round's frames leave one after the other: its last frame is pushed after (or with) its first.
    expect(r.exitRoundFramesP50Ms).toBeGreaterThanOrEqual(0);
    expect(r.exitRoundFramesP50Ms).toBeLessThan(r.tickToOrderFromRoundP50Ms);
    // Timed from the crossing (last) frame, each exit is at most its time from the round's first frame.
    expect(r.tickToOrderFromRoundP50Ms).toBeGreaterThanOrEqual(r.tickToOrderP50Ms);
    expect(r.tickToOrderFromRoundP99Ms).toBeGreaterThanOrEqual(r.tickToOrderP99Ms);
    // Every exit was decided on the Vest book of the frame the timer starts at.
    expect(r.exitsOffCrossingFrame).toBe(0);
    // Stage figures from each trial's own marks: every one measured, each stage inside the whole.
    const stageKeys = Object.keys(r).filter((k) => /^(exit|floor)(FrameIn|PriorFrame|HandlerTo|DecidedTo|SubmittedTo|HandledTo|FlushedTo)/.test(k));
    expect(stageKeys).toHaveLength(13);
    expectFinite(r, stageKeys);
    // Per trial the decision comes before the orders are flushed, a request before its flush: so do the medians.
    expect(r.exitHandlerToDecidedP50Ms).toBeLessThan(r.exitHandlerToFlushedP50Ms);
    expect(r.floorHandlerToHandledP50Ms).toBeLessThan(r.floorHandlerToFlushedP50Ms);
    expect(r.exitHandledToRequestP50Ms).toBeLessThan(r.exitHandlerToFlushedP50Ms);
    expect(r.exitPriorFrameP50Ms).toBeGreaterThan(0);
    // On a 25 ms grid: each time plus a wait of up to one period, so the p99 lies between the time's p99 and 25 ms more.
    expect(r.tickToOrderOnGridP99Ms).toBeGreaterThan(r.tickToOrderP99Ms);
    expect(r.tickToOrderOnGridP99Ms).toBeLessThanOrEqual(r.tickToOrderP99Ms + 25);
    expect(r.orderFloorOnGridP99Ms).toBeGreaterThan(r.orderFloorP99Ms);
    expect(r.orderFloorOnGridP99Ms).toBeLessThanOrEqual(r.orderFloorP99Ms + 25);
    // A sim worker thread compiled from TypeScript, two venues and three round trips: ~25 s at load 12 here.
  }, 120_000);

  it('memory runs book updates and paper round trips and reports RSS growth (fitted) and heap use', async () => {
    const r = await runMemoryBench({ bookUpdates: 2_000, roundTrips: 20, fixtureFrames: 50 });
    expectFinite(r, ['rssGrowthMb', 'heapUsedMb', 'heapGrowthMb', 'rssEndMinusStartMb']);
    expect(r.memoryRoundTrips).toBe(20);
  });

  it('hold keeps a position open in simulated time and reports the heap slope, close orders signed and journal lines', async () => {
    const r = await runHoldBench({ holdMs: 20_000, sampleEveryMs: 5_000 });
    expectFinite(r, ['holdHeapSlopeMbPerHour', 'holdCodeSlopeMbPerHour', 'holdCloseSignsPerHour', 'holdJournalLinesPerHour', 'holdEventsPerHour']);
    expect(r).toMatchObject({ holdHeapSamples: 4 });
    // The pre-signed close orders are kept valid while held: signing, and journalling each set, never stops.
    expect(r.holdCloseSignsPerHour).toBeGreaterThan(0);
    expect(r.holdJournalLinesPerHour).toBeGreaterThan(0);
    expect(r.holdEventsPerHour).toBeGreaterThan(0);
  });
});

describe('bench report', () => {
  it('derives the SBE/JSON ratio and a target verdict for every measured target', async () => {
    const report = await runBench({ sections: ['decode', 'pipeline'], trials: 1, scale: 5_000, log: () => undefined });
    expect(report.figures['sbeVsJson']).toBeCloseTo(report.figures['sbeFramesPerSec']! / report.figures['jsonFramesPerSec']!, 10);
    expect(Object.keys(report.targetsMet).sort()).toEqual(['jsonVsFloor', 'pipelineVsParse', 'sbeFramesPerSec', 'sbeVsJson']);
    expect(report.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
    const table = renderTable(report.figures, machineInfo());
    for (const t of TARGETS.filter((x) => x.key in report.targetsMet)) expect(table).toContain(t.key);
  });
});
