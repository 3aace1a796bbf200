/**
 * Replay section: how much faster than real time a recording replays through the whole bot, and how a
 * sweep scales with worker threads. The bench records its own two-pair recording from the embedded
 * simulated venues (BTC and ETH, a fast-moving basis so the bot trades), then replays it.
 *
 *   replaySpeedup        recorded span / replay wall time (target ≥ 100×)
 *   replayCpuSpeedup     recorded span / the replay's process CPU time (user + system, all threads): what
 *                        the replay would reach with a core to itself; on a shared, loaded machine the wall
 *                        figure is this one divided by the share of a core the process got
 *   replayFramesPerSec   frames delivered through the decoders and the bot per wall second
 *   sweepSpeedup2Workers sweep wall time with 1 worker / with 2 workers (same 36-point grid, side by side)
 *   sweepMsPerPoint*     that wall time per point; sweepWarmPointCpuMs*: a warm point's CPU (median), so a
 *                        point's cost with 1 and with 2 workers can be compared; sweepPointGcMs*: GC pauses
 *   cpuContention*       the machine alone: the same fixed work's CPU on two threads at once / on one
 *
 * And where a sweep's time goes (so the scaling figure can be read):
 *   sweepWorkerStartMs   a worker thread from creation to its first answer (its modules loaded), once per worker
 *   replayLoadMs         reading and parsing the recording (gunzip + records), which a worker does once and
 *                        keeps for its later points (ReplayOptions.keepLoaded)
 *   sweepPointMs         one point on a warm worker: the replay itself (with its run folder and report)
 *   the timeline of the 2-worker sweep (sweep-timing.ts), and from it, for 1 and 2 workers, CPU time that a
 *   loaded machine does not distort: mainThreadBusyMs, workerIdleMs (alive, holding no point),
 *   sweepWorkerStartCpuMs and sweepFirstPointCpuMs (per worker), sweepPointCpuMs*, sweepHelperCpuMs* (V8's
 *   compiler and GC threads), sweepCpuMs* (all of it), and sweepSpeedup2WorkersCpuModel, the ratio those
 *   figures predict on an idle 2-core machine.
 * S + ceil(n / w) × p (start, warm point) is not the model: each worker (a V8 isolate) also runs its first
 * points cold and keeps V8's helper threads busy, which one worker does on the otherwise idle second core
 * and two workers do on the cores they need themselves (README, Backtesting: the figures of 2026-12-02).
 * On a shared machine the wall ratio says little: with the kernel's autogroup scheduling
 * (/proc/sys/kernel/sched_autogroup_enabled = 1) all threads of this process share one group's fair share of
 * the CPU, so under contention a second worker splits that share instead of adding a core. Read the CPU
 * split, or run on an idle machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseConfigObject } from '../src/config';
import { indexRecording } from '../streams/cli/replay';
import { startRun } from '../streams/cli/run';
import { parseSweepSpec, runSweep } from '../streams/cli/sweep';
import { newSweepTrace, sweepSplit, sweepTimeline, type SweepSplit, type SweepTrace } from '../streams/cli/sweep-timing';
import { cpuContention } from './cpu-contention';
import type { SweepWorkerMessage } from '../streams/cli/sweep-worker';
import { workerScript } from '../streams/cli/worker-script';

export interface ReplayBenchOptions {
  /** Seconds of market recorded. */
  readonly recordSec: number;
  readonly log: (line: string) => void;
}

export const DEFAULT_REPLAY: Omit<ReplayBenchOptions, 'log'> = { recordSec: 60 };

const RAW_CONFIG = { bots: [{ pair: 'BTC-PERP' }, { pair: 'ETH-PERP' }] };

export async function runReplayBench(opts: ReplayBenchOptions): Promise<Record<string, number>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-replay-'));
  try {
    const config = parseConfigObject(RAW_CONFIG).config;
    const dataDir = path.join(root, 'rec');
    opts.log(`  recording ${opts.recordSec} s of two pairs from the simulated venues...`);
    await startRun({
      mode: 'sim',
      config,
      seed: 11,
      closeOnExit: true,
      durationSec: opts.recordSec,
      runsDir: path.join(root, 'live'),
      logLevel: 'warn',
      simModel: { basisTauSec: 0.8, basisStdPct: 0.16 },
      record: dataDir,
    }).done;
    const replayOnce = async (name: string) => {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const r = await startRun({ mode: 'replay', config, seed: 1, closeOnExit: true, runsDir: path.join(root, name), logLevel: 'warn', replay: { dataDir, latencyMs: 50 } }).done;
      const cpu = process.cpuUsage(cpu0);
      return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, r };
    };
    await replayOnce('warm');
    const runs = [await replayOnce('r1'), await replayOnce('r2'), await replayOnce('r3')].sort((a, b) => a.wallMs - b.wallMs);
    const best = runs[1]!; // the median of three
    const facts = best.r.settings.replay!;
    const spanMs = facts.toMs - facts.fromMs;
    const cpuMs = [...runs].sort((a, b) => a.cpuMs - b.cpuMs)[1]!.cpuMs;
    opts.log(
      `  replayed ${facts.framesDelivered} frames spanning ${(spanMs / 1000).toFixed(1)} s in ${best.wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (${best.r.summary.roundTrips} round trips; load ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores)`,
    );
    const sweep = await sweepScaling(root, dataDir, opts.log);
    return {
      replaySpeedup: spanMs / best.wallMs,
      replayCpuSpeedup: spanMs / cpuMs,
      replayFramesPerSec: facts.framesDelivered / (best.wallMs / 1000),
      replayRecordedSec: spanMs / 1000,
      ...sweep,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The grid the scaling is measured on: 36 points, ~9 s of warm work on one worker, against a fixed cost of
 * ~0.3 s per worker start and ~0.3 s more for its first (cold) point, so the fixed part does not decide the ratio
 * (it did on the 16 points measured before).
 */
export const SWEEP_GRID = 'bots[0].spread_entry=0.04..0.12:0.01,bots[0].spread_exit=-0.04..-0.01:0.01';

/** The sweep on 1 and on 2 workers, side by side, its timelines and its cost split. */
async function sweepScaling(root: string, dataDir: string, log: (line: string) => void): Promise<Record<string, number>> {
  const axes = parseSweepSpec(SWEEP_GRID);
  const points = axes.reduce((n, a) => n * a.values.length, 1);
  const job = { rawConfig: RAW_CONFIG, dataDir, latencyMs: 50, runsDir: path.join(root, 'sweep') };
  const sweep = async (workers: number) => {
    const trace = newSweepTrace();
    await runSweep(axes, { ...job, runsDir: path.join(root, `sweep-${workers}`) }, workers, trace);
    return { trace, split: sweepSplit(trace) };
  };
  // The workers' code is bundled once per source change (worker-script.ts): done before timing, and told.
  const c0 = process.hrtime.bigint();
  workerScript(path.join(__dirname, '..', 'streams', 'cli', `sweep-worker${path.extname(__filename)}`));
  const compileMs = Number(process.hrtime.bigint() - c0) / 1e6;
  const split = await sweepCostSplit(dataDir, job);
  const one = await sweep(1);
  const two = await sweep(2);
  logSweeps(log, points, compileMs, split, one, two);
  const contention = await cpuContention();
  log(
    `  the machine: the same work on two threads at once costs ×${contention.alu.toFixed(2)} the CPU of one alone (arithmetic, ${contention.aloneMs.alu!.toFixed(0)} ms), ` +
      `×${contention.alloc.toFixed(2)} (allocating short-lived objects, ${contention.aloneMs.alloc!.toFixed(0)} ms)`,
  );
  const model = idleModel(one.split, two.split);
  log(
    `  on an idle machine the CPU figures predict ${model.one.toFixed(0)} ms on 1 worker, ${model.two.toFixed(0)} ms on 2: ×${(model.one / model.two).toFixed(2)} ` +
      '(1 worker: its own thread in series, the helpers on the other core; 2 workers: every thread\'s CPU shared by the cores, at least the longer worker)',
  );
  return {
    sweepMs1Worker: one.split.wallMs,
    sweepMs2Workers: two.split.wallMs,
    sweepSpeedup2Workers: one.split.wallMs / two.split.wallMs,
    sweepSpeedup2WorkersCpuModel: model.one / model.two,
    sweepPoints: points,
    sweepMsPerPoint1Worker: one.split.wallMs / points,
    sweepMsPerPoint2Workers: two.split.wallMs / points,
    sweepWarmPointCpuMs1Worker: warmPointCpuMs(one.trace),
    sweepWarmPointCpuMs2Workers: warmPointCpuMs(two.trace),
    sweepPointGcMs1Worker: one.split.pointGcMs,
    sweepPointGcMs2Workers: two.split.pointGcMs,
    cpuContentionAlu: contention.alu,
    cpuContentionAlloc: contention.alloc,
    sweepWorkerCodeMs: compileMs,
    sweepWorkerStartMs: split.startMs,
    replayLoadMs: split.loadMs,
    sweepPointMs: split.pointMs,
    mainThreadBusyMs: two.split.mainThreadBusyMs,
    workerIdleMs: two.split.workerIdleMs,
    sweepCpuMs1Worker: totalCpu(one.split),
    sweepCpuMs2Workers: totalCpu(two.split),
    sweepWorkerStartCpuMs: two.split.workerStartCpuMs / 2,
    sweepFirstPointCpuMs: two.split.firstPointCpuMs / 2,
    sweepPointCpuMs1Worker: one.split.pointCpuMs,
    sweepPointCpuMs2Workers: two.split.pointCpuMs,
    sweepHelperCpuMs1Worker: one.split.helperThreadsCpuMs,
    sweepHelperCpuMs2Workers: two.split.helperThreadsCpuMs,
  };
}

type Measured = { trace: SweepTrace; split: SweepSplit };

/** The sweeps' wall times, cost split per worker count and the 2-worker timeline, as lines. */
function logSweeps(log: (line: string) => void, points: number, compileMs: number, split: { startMs: number; loadMs: number; pointMs: number }, one: Measured, two: Measured): void {
  const load = `${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)}`;
  log(
    `  sweep of ${points} points: ${one.split.wallMs.toFixed(0)} ms on 1 worker (${(one.split.wallMs / points).toFixed(0)} ms a point), ` +
      `${two.split.wallMs.toFixed(0)} ms on 2 (${(two.split.wallMs / points).toFixed(0)} ms a point): ×${(one.split.wallMs / two.split.wallMs).toFixed(2)} (${load}); worker code ready in ${compileMs.toFixed(0)} ms`,
  );
  log(`  its cost split: worker start ${split.startMs.toFixed(0)} ms (once per worker), recording read and parsed ${split.loadMs.toFixed(1)} ms (once per worker), a point ${split.pointMs.toFixed(0)} ms (median of 3 on a warm worker)`);
  for (const [name, r] of [['1 worker', one], ['2 workers', two]] as const) {
    const s = r.split;
    log(
      `  ${name}: CPU main ${s.mainThreadBusyMs.toFixed(0)} ms, worker starts ${s.workerStartCpuMs.toFixed(0)} ms, points ${s.pointCpuMs.toFixed(0)} ms ` +
        `(first on each worker ${s.firstPointCpuMs.toFixed(0)} ms; a warm point ${warmPointCpuMs(r.trace).toFixed(0)} ms, median; GC pauses ${s.pointGcMs.toFixed(0)} ms), ` +
        `V8 helper threads (JIT, GC) ${s.helperThreadsCpuMs.toFixed(0)} ms; ` +
        `workers idle ${s.workerIdleMs.toFixed(0)} ms, hand-offs ${s.handOffMs.toFixed(0)} ms, waiting for a core ${s.pointWaitMs.toFixed(0)} ms`,
    );
  }
  const groups = [[1, 1], [2, 3], [4, 6], [7, 12], [13, 18], [19, 36]] as const;
  const curve = (trace: SweepTrace) => groups.map(([from, to]) => `${from === to ? from : `${from}-${to}`}: ${positionCpuMs(trace, from, to)?.toFixed(0) ?? '–'}`).join(', ');
  log(`  a point's CPU by its place on its worker (the isolate's JIT warming up), median ms: 1 worker ${curve(one.trace)}; 2 workers ${curve(two.trace)}`);
  log('  timeline, 2 workers (ms from the sweep\'s start; cpu and wait: the worker thread\'s own CPU time and run-queue wait):');
  for (const line of sweepTimeline(two.trace)) log(`    ${line}`);
}

/** Each worker's points in the order it ran them (CPU ms). */
function cpuByWorker(trace: SweepTrace): number[][] {
  const byWorker = new Map<number, number[]>();
  for (const p of [...trace.points].sort((a, b) => a.dispatchedAt - b.dispatchedAt)) byWorker.set(p.worker, [...(byWorker.get(p.worker) ?? []), p.cpu.cpuMs]);
  return [...byWorker.values()];
}

/** The median CPU of the points each worker ran as its `from`-th to `to`-th (1-based); undefined when none did. */
function positionCpuMs(trace: SweepTrace, from: number, to: number): number | undefined {
  const cpus = cpuByWorker(trace).flatMap((c) => c.slice(from - 1, to)).sort((a, b) => a - b);
  return cpus.length > 0 ? cpus[Math.floor(cpus.length / 2)] : undefined;
}

/** The median CPU of a point on a warm worker: each worker's first three points (cold code, the recording's load) left out. */
function warmPointCpuMs(trace: SweepTrace): number {
  return positionCpuMs(trace, 4, Number.MAX_SAFE_INTEGER) ?? Number.NaN;
}

function totalCpu(s: SweepSplit): number {
  return s.mainThreadBusyMs + s.workerStartCpuMs + s.pointCpuMs + s.helperThreadsCpuMs;
}

/**
 * What the CPU figures (which a loaded machine does not change much) predict for an idle 2-core machine.
 * One worker: the main thread's work, the worker's start and its points run in series; V8's helper threads
 * fit on the other core. Two workers: all CPU time of every thread shares the two cores, and the sweep lasts
 * at least as long as the busier worker's own chain.
 */
function idleModel(one: SweepSplit, two: SweepSplit): { one: number; two: number } {
  const chainOne = one.mainThreadBusyMs + one.workerStartCpuMs + one.pointCpuMs;
  const longest = Math.max(...two.perWorkerCpuMs);
  return { one: Math.max(chainOne, totalCpu(one) / 2), two: Math.max(two.mainThreadBusyMs + longest, totalCpu(two) / 2) };
}

/**
 * The fixed and per-point costs of a sweep, measured apart: a worker's start (created, then answering a job whose
 * config is refused at once), the recording's read and parse (in this thread, median of 3), and a point's replay
 * on a warm worker that already holds the recording (median of 3).
 */
async function sweepCostSplit(dataDir: string, job: { rawConfig: unknown; latencyMs: number; runsDir: string }): Promise<{ startMs: number; loadMs: number; pointMs: number }> {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    indexRecording(dataDir, new Map());
    loads.push(ms(t0));
  }
  const { file, execArgv } = workerScript(path.join(__dirname, '..', 'streams', 'cli', `sweep-worker${path.extname(__filename)}`));
  const t0 = process.hrtime.bigint();
  const worker = new Worker(file, { execArgv });
  const ask = (message: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const onMessage = (m: SweepWorkerMessage) => {
        if (m.kind !== 'row') return; // its `ready`
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage(message);
    });
  try {
    await ask({ ...job, dataDir, rawConfig: { bots: 'none' }, runsDir: path.join(job.runsDir, 'split-start') });
    const startMs = ms(t0);
    await ask({ ...job, dataDir, runsDir: path.join(job.runsDir, 'split-warm') });
    const points: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p0 = process.hrtime.bigint();
      await ask({ ...job, dataDir, runsDir: path.join(job.runsDir, `split-${i}`) });
      points.push(ms(p0));
    }
    return { startMs, loadMs: median(loads), pointMs: median(points) };
  } finally {
    await worker.terminate();
  }
}
