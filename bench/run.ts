/**
 * `npm run bench [-- --json] [-- --only decode,pipeline] [-- --trials 1000]`
 *
 * Runs every bench section in one process on streams the simulated market generates from a fixed
 * seed, prints a table (or, with --json, one JSON object as the only stdout line; progress goes to
 * stderr). Outside `npm test`: numbers depend on the machine and on what else it is running.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DECODE, runDecodeBench } from './decode';
import { DEFAULT_EXIT_MONITOR, runExitMonitorBench } from './exit-monitor';
import { DEFAULT_HOLD, runHoldBench } from './hold';
import { DEFAULT_MEMORY, runMemoryBench } from './memory';
import { DEFAULT_PIPELINE, runPipelineBench } from './pipeline';
import { DEFAULT_SIGNING, runSigningBench } from './signing';
import { derive, renderTable, targetsMet, type BenchFigures } from './targets';
import { runTickToOrderBench } from './tick-to-order';
import { DEFAULT_REPLAY, runReplayBench } from './replay';

export const SECTIONS = ['decode', 'pipeline', 'monitor', 'signing', 'tick', 'memory', 'hold', 'replay'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchRunOptions {
  readonly sections: readonly Section[];
  readonly trials: number;
  readonly sampledTrials?: number;
  readonly journalDir?: string;
  /** Divides the default iteration counts of the throughput and memory sections (quick look). */
  readonly scale: number;
  readonly log: (line: string) => void;
}

export interface BenchReport {
  readonly figures: BenchFigures;
  readonly targetsMet: Record<string, boolean>;
  readonly machine: Record<string, string | number>;
}

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export async function runBench(opts: BenchRunOptions): Promise<BenchReport> {
  const s = Math.max(1, opts.scale);
  const n = (v: number): number => Math.max(1, Math.round(v / s));
  const frames = Math.max(50, Math.round(DEFAULT_DECODE.frames / s));
  const figures: BenchFigures = {};
  const machine = machineInfo();
  const section = async (name: Section, run: () => Promise<object> | object): Promise<void> => {
    if (!opts.sections.includes(name)) return;
    opts.log(`bench: ${name}...`);
    const t0 = Date.now();
    Object.assign(figures, await run());
    opts.log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  await section('decode', () => runDecodeBench({ ...DEFAULT_DECODE, frames, opsPerRound: n(DEFAULT_DECODE.opsPerRound) }));
  await section('pipeline', () => runPipelineBench({ ...DEFAULT_PIPELINE, books: frames, ticksPerRound: n(DEFAULT_PIPELINE.ticksPerRound) }));
  await section('monitor', () => runExitMonitorBench({ ...DEFAULT_EXIT_MONITOR, books: Math.min(DEFAULT_EXIT_MONITOR.books, frames), ticksPerPair: n(DEFAULT_EXIT_MONITOR.ticksPerPair) }));
  await section('signing', () =>
    runSigningBench({ paradexOps: n(DEFAULT_SIGNING.paradexOps), referenceOps: n(DEFAULT_SIGNING.referenceOps), vestOps: n(DEFAULT_SIGNING.vestOps) }),
  );
  await section('tick', () =>
    runTickToOrderBench({
      trials: opts.trials,
      ...(opts.sampledTrials !== undefined ? { sampledTrials: opts.sampledTrials } : {}),
      ...(opts.journalDir !== undefined ? { journalDir: opts.journalDir } : {}),
      log: opts.log,
    }),
  );
  await section('memory', () =>
    // RSS is a whole-process figure: after the other sections (the tick section's worker thread and
    // 2,000 loopback round trips) the allocator's state swings it by tens of MB either way, so the
    // memory section gets a process of its own unless it runs alone.
    opts.sections.length > 1
      ? runSectionInChild('memory', s, opts.log)
      : runMemoryBench({ bookUpdates: n(DEFAULT_MEMORY.bookUpdates), roundTrips: n(DEFAULT_MEMORY.roundTrips), fixtureFrames: frames, log: opts.log }),
  );
  await section('replay', () => runReplayBench({ recordSec: Math.max(5, Math.round(DEFAULT_REPLAY.recordSec / s)), log: opts.log }));
  await section('hold', () =>
    // Heap figures after forced GCs, like the memory section: a process of its own unless it runs alone.
    opts.sections.length > 1
      ? runSectionInChild('hold', s, opts.log)
      : runHoldBench({ holdMs: Math.max(60_000, Math.round(DEFAULT_HOLD.holdMs / s)), sampleEveryMs: Math.max(5_000, Math.round(DEFAULT_HOLD.sampleEveryMs / s)), log: opts.log }),
  );
  machine['loadAvg1mEnd'] = Math.round(os.loadavg()[0]! * 100) / 100;
  const all = derive(figures);
  return { figures: all, targetsMet: targetsMet(all), machine };
}

/** Runs one section in a fresh node process (same flags) and returns its figures. */
function runSectionInChild(name: Section, scale: number, log: (line: string) => void): Promise<BenchFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, '--only', name, '--json', '--scale', String(scale)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      errText += chunk;
      for (const line of chunk.split('\n')) if (/^ {2}\S/.test(line)) log(line); // progress lines only, not the child's table
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || last === '') {
        reject(new Error(`${name} section in a child process exited ${code}: ${errText.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const { machine: _machine, targetsMet: _met, ...figures } = JSON.parse(last) as BenchFigures & { machine?: unknown; targetsMet?: unknown };
      resolve(figures as BenchFigures);
    });
  });
}

function positiveInt(value: string): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError('expected a positive integer');
  return v;
}

function sectionList(value: string): Section[] {
  const names = value.split(',').map((x) => x.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown section '${name}' (one of ${SECTIONS.join(', ')})`);
  }
  return names as Section[];
}

async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name('bench')
    .description('Decode, pipeline, exit monitor, signing, tick-to-order, memory and hold benchmarks on the simulated market')
    .option('--json', 'print one JSON object (the last stdout line); progress goes to stderr')
    .option('--only <sections>', `comma-separated sections: ${SECTIONS.join(', ')}`, sectionList)
    .option('--trials <n>', 'tick-to-order round trips per mode', positiveInt, 1000)
    .option('--sampled-trials <n>', 'round trips of the sampled (25 ms) mode; default --trials', positiveInt)
    .option('--journal-dir <dir>', 'executor journal directory of the tick-to-order section (default: os.tmpdir())')
    .option('--scale <n>', 'divide the throughput, memory and hold iteration counts by n (quick look)', positiveInt, 1)
    .parse(argv);
  const o = program.opts<{ json?: boolean; only?: Section[]; trials: number; sampledTrials?: number; journalDir?: string; scale: number }>();

  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if (o.json) {
    // stdout carries only the JSON object: anything a library prints goes to stderr.
    console.log = (...args: unknown[]) => log(args.map(String).join(' '));
    console.info = console.log;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    log('bench: node runs without --expose-gc; memory figures are taken without a forced GC (use `npm run bench`)');
  }

  const report = await runBench({
    sections: o.only ?? SECTIONS,
    trials: o.trials,
    ...(o.sampledTrials !== undefined ? { sampledTrials: o.sampledTrials } : {}),
    ...(o.journalDir !== undefined ? { journalDir: o.journalDir } : {}),
    scale: o.scale,
    log,
  });
  const table = `${renderTable(report.figures, report.machine)}\n`;
  if (o.json) {
    // The table still goes to stderr, so one run gives both the readable and the machine form.
    process.stderr.write(table);
    process.stdout.write(`${JSON.stringify({ ...report.figures, machine: report.machine, targetsMet: report.targetsMet })}\n`);
  } else {
    process.stdout.write(table);
  }
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
