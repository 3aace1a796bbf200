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
 *   sweepSpeedup2Workers sweep wall time with 1 worker / with 2 workers (same grid, side by side)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigObject } from '../src/config';
import { startRun } from '../streams/cli/run';
import { parseSweepSpec, runSweep } from '../streams/cli/sweep';
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
    const axes = parseSweepSpec('bots[0].spread_entry=0.04..0.1:0.02,bots[0].spread_exit=-0.04..-0.02:0.02');
    const job = { rawConfig: RAW_CONFIG, dataDir, latencyMs: 50, runsDir: path.join(root, 'sweep') };
    const sweepMs = async (workers: number) => {
      const t0 = process.hrtime.bigint();
      await runSweep(axes, { ...job, runsDir: path.join(root, `sweep-${workers}`) }, workers);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    // The workers' code is transpiled once per source change (worker-script.ts): done before timing, and told.
    const c0 = process.hrtime.bigint();
    workerScript(path.join(__dirname, '..', 'streams', 'cli', `sweep-worker${path.extname(__filename)}`));
    const compileMs = Number(process.hrtime.bigint() - c0) / 1e6;
    const one = await sweepMs(1);
    const two = await sweepMs(2);
    opts.log(`  sweep of 8 points: ${one.toFixed(0)} ms on 1 worker, ${two.toFixed(0)} ms on 2 (${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(1)}); worker code ready in ${compileMs.toFixed(0)} ms`);
    return {
      replaySpeedup: spanMs / best.wallMs,
      replayCpuSpeedup: spanMs / cpuMs,
      replayFramesPerSec: facts.framesDelivered / (best.wallMs / 1000),
      replayRecordedSec: spanMs / 1000,
      sweepMs1Worker: one,
      sweepMs2Workers: two,
      sweepSpeedup2Workers: one / two,
      sweepWorkerCodeMs: compileMs,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
