/**
 * Long runs stay bounded (issue 15 point 5): the bot trades on simulated venues with fast market updates for
 * SOAK_S seconds of real time in a child process of its own (soak-child.ts: the venues in a third process, real
 * heap figures, forced gc before each sample), and neither its heap nor its open handles grow with uptime.
 *
 * soak-child makes every bounded buffer it can reach small so that all are full before the second half (trade rows,
 * chart items, event tails, spread history, Vest's client-id windows: see there). Heap snapshots of such a run at
 * 102 s and 405 s of trading (78 round trips apart; SOAK_HEAPSNAPSHOTS, scripts/heap-diff.ts; README "Long runs"):
 * +989 KB reachable, of which V8's code +668 KB; the rest is bounded windows at their size (Vest's 60 s of books for
 * its lag probe: 2,161 and 2,223 books; the parsed-URL cache, cleared at 256) and V8's shapes. No per-trip or
 * per-tick data of the bot's. (The first such diff found zod schemas built per funding frame: fixed.)
 *
 * The bound is on the median slope over the second half of the heap less V8's code space. Measured with every
 * window full: 0.50, 0.57 and 1.14 KB/s (0.29–0.30 round trips/s, load 7–12); -0.68 KB/s under a load of 12–16 with
 * a slower market. Before the windows and the zod fix: 3.24 KB/s, and 4.4 and 6.2 KB/s under a load of 20+ (the
 * bound was 8 KB/s). On main after the merges: 0.82 KB/s at load 8, and once 4.20 KB/s at load 14 (the samples
 * step up with the machine's load, not with trips). MAX_HEAP_SLOPE_B_PER_S = 3.5 KB/s: 3× the worst of the quiet
 * runs, still under what the leaks below add (1.2 × 3.5 = 4.2 KB/s against 6 KB/s for 20 KB a trip at 0.3 trips/s). The test checks the bound is below what a leak of LEAK_PER_TRIP_B per round trip (the size
 * of the per-trip data this bot once kept: trade list, latencies, chart pins, 15–20 KB a trip) or of LEAK_PER_FRAME_B
 * per book frame would add at the pace this run really had, so a run too slow to see such a leak fails rather than
 * passes. Checked with SOAK_LEAK_PER_TRIP_B=12000 (the child keeps a
 * flat 12,000-byte string per round trip): 2.97 KB/s at 0.31 round trips/s, over the 2.5 KB/s bound of then; at
 * 3.5 KB/s the test fails a leak of ~15 KB a trip at the usual pace, and smaller ones need the longer run by hand
 * (README "Long runs").
 * Before, a 100-character string kept per tick (a module array in streams/market.ts, since removed) made the slope
 * 23.4 KB/s.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { SoakReport, SoakSample } from './soak-child';

const ROOT = path.resolve(__dirname, '../../..');
/**
 * The run: SOAK_S seconds, judged over its second half. When the heap over that second half rose beyond the bound,
 * the run goes on to EXTENDED_S and is judged over the second half of that instead (a sequential test): a leak adds
 * the same bytes a second to both windows and fails the longer one too, more surely (twice the span); a one-off step
 * does not. CI failed once on a step (2026-12-01, load 2.5-4.5): the heap less code flat from 80 to 120 s, then
 * +350 KB by 150 s (4.45 KB/s over the 70 s window), code space still growing with it (V8 tiering up late under
 * load). Its machine code is in the code space, but its relocation, deoptimisation and source-position data are in
 * the old space, and grew with it: the figure was then the heap less the code space. It is now the heap less V8's
 * code and metadata (v8.getHeapCodeStatistics), which takes both out. An idle run of 150 s, code and metadata 8.26
 * -> 9.59 MB (+1.3 MB, of which code space +1.0): over the second half the heap less the code space 2.54 KB/s
 * (median; least squares 0.90), less code and metadata 1.90 KB/s (0.36). The 300 s run that showed the step again (3.81 KB/s over the
 * second half of 150 s, load ~1, then 2.31 KB/s from 150 to 300 s) had code and metadata growing all along.
 */
const SOAK_S = 150;
const EXTENDED_S = 2 * SOAK_S;
const SAMPLE_S = 10;
/** Growth allowed over the second half of heapLessCode, bytes per second (measured: see above). */
const MAX_HEAP_SLOPE_B_PER_S = 3_500;
/** A leak this size per round trip must exceed the bound at the round trips this run really made (see above). */
const LEAK_PER_TRIP_B = 20_000;
/** A leak this size per book frame (two a market update round: one per venue, each a tick) must exceed the bound. */
const LEAK_PER_FRAME_B = 100;
/**
 * Longest the child may take beyond SOAK_S: starting both processes (ts-node compiles the bot and the venues)
 * and stopping. On this shared 2-core machine under a load of 20+ that took up to ~2 min.
 */
const CHILD_OVERHEAD_S = 180;

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the soak child for at most `maxS` seconds; `onSample` sees each sample as it is taken and returns true to end
 * the run there (the child stops on a `stop` line).
 */
function runSoakChild(maxS: number, timeoutMs: number, onSample: (sample: SoakSample) => boolean): Promise<ChildExit> {
  const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  const child = spawn(process.execPath, ['--expose-gc', '-r', tsNode, path.join(__dirname, 'soak-child.ts'), String(maxS), String(SAMPLE_S)], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
  let stdout = '';
  let stderr = '';
  let scanned = 0;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    let nl: number;
    while ((nl = stdout.indexOf('\n', scanned)) >= 0) {
      const line = stdout.slice(scanned, nl);
      scanned = nl + 1;
      if (line.startsWith('SAMPLE ') && onSample(JSON.parse(line.slice(7)) as SoakSample)) child.stdin.write('stop\n');
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    // A hung child is killed (its venues' process ends with it: its stdin closes) and the test fails on the signal.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Theil–Sen slope of y over x: the median of the slopes between every two points. One sample taken while an order
 * was in flight (its buffers still live after the gc) moves a least-squares line; it hardly moves the median.
 */
export function medianSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (xj !== xi) slopes.push((yj - yi) / (xj - xi));
    }
  }
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 === 1 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/**
 * Per resource type, the fewest held in any of `samples`. Each sample is already the floor of its 10 s window
 * (the child reads the resources every 250 ms): the count the bot rests at between order operations (each in
 * flight holds a few timers and sockets for a moment: one reading says 10 or 13 timers depending on when it
 * falls). A leak raises the floor.
 */
function floorCounts(samples: readonly SoakSample[]): Record<string, number> {
  const types = new Set(samples.flatMap((s) => Object.keys(s.resources)));
  return Object.fromEntries([...types].map((t) => [t, Math.min(...samples.map((s) => s.resources[t] ?? 0))]));
}

/** Handles that may be found above the floor of the first half's end before it counts as growth. */
const HANDLE_SLACK = 2;

/** The resource types whose floor rose by more than HANDLE_SLACK from `before` to `after` (a fall is no leak). */
export function grownHandles(before: Record<string, number>, after: Record<string, number>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((type) => (after[type] ?? 0) - (before[type] ?? 0) > HANDLE_SLACK)
    .map((type) => `${type}: ${before[type] ?? 0} after warm-up, ${after[type] ?? 0} at the end`);
}

describe('the handle check', () => {
  it('counts a floor that rose beyond the slack, and not one that fell', () => {
    expect(grownHandles({ Timeout: 10, TCPSocketWrap: 6 }, { Timeout: 13, TCPSocketWrap: 6 })).toEqual(['Timeout: 10 after warm-up, 13 at the end']);
    expect(grownHandles({ Timeout: 13 }, { Timeout: 10 })).toEqual([]);
    expect(grownHandles({ Timeout: 10 }, { Timeout: 12, FSReqCallback: 3 })).toEqual(['FSReqCallback: 0 after warm-up, 3 at the end']);
  });
});

describe('the slope check', () => {
  it('takes the median slope, which one high sample hardly moves', () => {
    const flat = [0, 10, 20, 30, 40, 50, 60].map((t) => [t, 1e6] as const);
    expect(medianSlope(flat)).toBe(0);
    expect(medianSlope(flat.map(([t, y]) => [t, y + 1000 * t] as const))).toBeCloseTo(1000);
    expect(medianSlope(flat.map(([t, y]) => [t, t === 30 ? y + 500_000 : y] as const))).toBe(0);
  });
});

/** The heap less V8's compiled code and its metadata (see SoakSample.codeAndMetadata): the data the bot can leak. */
export const heapLessCode = (s: SoakSample): number => s.heapUsed - s.codeAndMetadata;

/** The median slope of heapLessCode over the samples from `fromS` on, bytes per second. */
export function heapSlopeFrom(samples: readonly SoakSample[], fromS: number): number {
  return medianSlope(samples.filter((s) => s.t >= fromS).map((s) => [s.t, heapLessCode(s)] as const));
}

/**
 * Whether the run may end with this sample: it is the sample at SOAK_S and the slope over the run's second half is
 * within the bound. Otherwise the run goes on to EXTENDED_S (the child's longest run) and is judged over the second
 * half of that (see SOAK_S): two looks, no more.
 */
export function soakMayEnd(samples: readonly SoakSample[]): boolean {
  const last = samples.at(-1);
  return last !== undefined && samples.length === SOAK_S / SAMPLE_S && heapSlopeFrom(samples, last.t / 2) < MAX_HEAP_SLOPE_B_PER_S;
}

describe('the length of the run', () => {
  const at = (t: number, heap: number): SoakSample => ({ t, heapUsed: heap, codeSpaceUsed: 0, codeAndMetadata: 0, bytecodeUsed: 0, resources: {}, events: 0, closed: 0, updates: 0, load: 0 });
  const run = (n: number, heapAt: (t: number) => number) => Array.from({ length: n }, (_, i) => at((i + 1) * SAMPLE_S, heapAt((i + 1) * SAMPLE_S)));
  it('ends at SOAK_S with a flat second half, and goes on when it rose (a step late in the run, or a leak)', () => {
    const n = SOAK_S / SAMPLE_S;
    expect(soakMayEnd(run(n - 1, () => 6e7))).toBe(false); // not SOAK_S yet
    expect(soakMayEnd(run(n, () => 6e7))).toBe(true);
    // The CI run of 2026-12-01: flat to 120 s, then +350 KB in the last 30 s.
    expect(soakMayEnd(run(n, (t) => 6e7 + Math.max(0, t - 120) * 12_000))).toBe(false);
    // It ends at EXTENDED_S (the child's longest run), not before, and is judged over the second half of that: the
    // step is behind it; a leak as slow as the bound is over it still.
    expect(soakMayEnd(run(EXTENDED_S / SAMPLE_S - 1, () => 6e7))).toBe(false);
    const stepped = run(EXTENDED_S / SAMPLE_S, (t) => 6e7 + Math.min(30, Math.max(0, t - 120)) * 12_000);
    expect(heapSlopeFrom(stepped, EXTENDED_S / 2)).toBe(0);
    const leaking = run(EXTENDED_S / SAMPLE_S, (t) => 6e7 + t * MAX_HEAP_SLOPE_B_PER_S);
    expect(heapSlopeFrom(leaking, EXTENDED_S / 2)).toBeCloseTo(MAX_HEAP_SLOPE_B_PER_S);
  });
});

describe('a soak run (issue 15 point 5)', () => {
  it(`trades all through ${SOAK_S} s (${EXTENDED_S} s if need be) of fast market updates with a flat heap and a steady handle count`, async () => {
    const seen: SoakSample[] = [];
    const exit = await runSoakChild(EXTENDED_S, (EXTENDED_S + CHILD_OVERHEAD_S) * 1000, (sample) => {
      seen.push(sample);
      return soakMayEnd(seen);
    });
    if (exit.code !== 0) throw new Error(`soak child: exit ${exit.code} signal ${exit.signal}\n${exit.stderr.slice(-4000)}`);
    const line = exit.stdout.split('\n').find((l) => l.startsWith('SOAK '));
    expect(line).toBeDefined();
    const report = JSON.parse(line!.slice(5)) as SoakReport;
    const { samples } = report;
    process.stdout.write(`soak: ${JSON.stringify(report)}\n`);

    // It sampled the whole run: SOAK_S, or EXTENDED_S when the second half of SOAK_S was over the bound.
    expect(samples.length).toBeGreaterThanOrEqual(Math.floor(SOAK_S / SAMPLE_S) - 1);
    const last = samples.at(-1)!;
    expect(last.t).toBeGreaterThanOrEqual(SOAK_S - SAMPLE_S);
    const secondHalfFromS = last.t / 2;
    const firstS = samples[Math.floor(SOAK_S / SAMPLE_S) - 1]!.t;
    if (last.t > firstS) {
      process.stdout.write(`soak: went on to ${last.t.toFixed(0)} s: the heap slope over the second half of ${firstS.toFixed(0)} s was ` +
        `${(heapSlopeFrom(samples.filter((s) => s.t <= firstS), firstS / 2) / 1000).toFixed(2)} KB/s\n`);
    }

    // The bot really traded, and all through the run: positions closed in the second half too.
    expect(report.roundTrips).toBeGreaterThanOrEqual(10);
    expect(report.opened).toBe(report.closed); // closeOnExit
    // Every order sent was filled: no outcome was unknown, so nothing was looked up by client id, and the small
    // client-id windows the child gives Vest (so that they are full early) changed nothing this run went through.
    expect(report.eventTypes.ORDER_FAILED ?? 0).toBe(0);
    expect(report.eventTypes.ORDER_FILLED).toBe(report.eventTypes.ORDER_PLACED);
    const secondHalf = samples.filter((s) => s.t >= secondHalfFromS);
    const atHalf = samples.filter((s) => s.t < secondHalfFromS).at(-1)!;
    expect(last.closed - atHalf.closed).toBeGreaterThanOrEqual(4);
    // And the market really was fast: at least half the nominal update rate reached the bot's venues.
    const updateRate = (last.updates - samples[0]!.updates) / (last.t - samples[0]!.t);
    expect(updateRate).toBeGreaterThanOrEqual(1000 / report.updateMs / 2);

    // Heap: the slope over the second half is below the bound, and the bound is below what a LEAK_PER_TRIP_B per
    // round trip or a LEAK_PER_FRAME_B per frame leak would add at this run's pace. Bounded: the heap less V8's code
    // and its metadata (machine code still being compiled as hot paths tier up, which on a loaded machine goes on well
    // into the second half: not the bot's data). The median slope is asserted; least squares and with code printed.
    expect(secondHalf.length).toBeGreaterThanOrEqual(6);
    const data = secondHalf.map((s) => [s.t, heapLessCode(s)] as const);
    const heapSlope = heapSlopeFrom(samples, secondHalfFromS);
    const leastSquares = slope(data);
    const withCode = slope(secondHalf.map((s) => [s.t, s.heapUsed] as const));
    const tripsPerSec = (last.closed - atHalf.closed) / (last.t - atHalf.t);
    process.stdout.write(
      `soak: heap slope over the second half (from ${secondHalfFromS.toFixed(0)} s) ${(heapSlope / 1000).toFixed(2)} KB/s (median; least squares ` +
        `${(leastSquares / 1000).toFixed(2)}) without V8's code and its metadata (${(withCode / 1000).toFixed(2)} KB/s with them), ${updateRate.toFixed(1)} updates/s, ` +
        `${tripsPerSec.toFixed(2)} round trips/s, ${report.roundTrips} round trips\n`,
    );
    expect(LEAK_PER_FRAME_B * 2 * updateRate).toBeGreaterThan(1.2 * MAX_HEAP_SLOPE_B_PER_S);
    expect(LEAK_PER_TRIP_B * tripsPerSec).toBeGreaterThan(1.2 * MAX_HEAP_SLOPE_B_PER_S);
    expect(heapSlope).toBeLessThan(MAX_HEAP_SLOPE_B_PER_S);

    // Handles: per type, the floor of the last 3 samples is at most HANDLE_SLACK above the floor of the 3 that
    // ended the first half. (It failed CI once as "Timeout: 13 after warm-up, 10 at the end" when it also refused
    // a fall and each sample was one reading: a fall is no leak, and a window's floor is not a moment.)
    const afterWarmUp = floorCounts(samples.filter((s) => s.t < secondHalfFromS).slice(-3));
    const atEnd = floorCounts(samples.slice(-3));
    process.stdout.write(`soak: handle floors after warm-up ${JSON.stringify(afterWarmUp)}, at the end ${JSON.stringify(atEnd)}\n`);
    expect(grownHandles(afterWarmUp, atEnd)).toEqual([]);
    expect(atEnd.TCPSocketWrap ?? 0).toBeGreaterThan(0); // the sockets were counted at all

    // Stopped, the run leaves no socket or timer behind.
    expect(report.afterStop.TCPSocketWrap ?? 0).toBe(0);
    expect(report.afterStop.Timeout ?? 0).toBe(0);
  }, (EXTENDED_S + CHILD_OVERHEAD_S + 30) * 1000);
});
