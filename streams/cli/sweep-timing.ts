/**
 * Where a sweep's time goes: per-thread CPU time read from the kernel, per-point timestamps and a timeline
 * (bench/replay.ts prints it). A thread's CPU time, unlike its wall time, survives a loaded machine; the
 * kernel also says how long the thread waited for a core (`waitMs`), which is the load's share.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A thread's CPU time so far, and its time runnable but waiting for a core (Linux schedstat, ns → ms). */
export interface ThreadCpu {
  readonly cpuMs: number;
  readonly waitMs: number;
}

/**
 * The calling thread's CPU and run-queue wait (Linux /proc/thread-self/schedstat); undefined elsewhere.
 * Read on the thread it describes: a worker calls it for itself.
 */
export function threadCpu(): ThreadCpu | undefined {
  try {
    const [run, wait] = fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { cpuMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return undefined;
  }
}

/** The difference of two readings (zero when either is missing). */
export function cpuSince(from: ThreadCpu | undefined, to: ThreadCpu | undefined): ThreadCpu {
  return from && to ? { cpuMs: to.cpuMs - from.cpuMs, waitMs: to.waitMs - from.waitMs } : { cpuMs: 0, waitMs: 0 };
}

/** Milliseconds on one clock shared by every thread of the process (epoch-based, sub-millisecond). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The calling thread's kernel id (Linux), so its CPU time can be told apart from the process's other threads. */
export function kernelThreadId(): number | undefined {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** CPU time so far of every thread of this process, by kernel thread id (Linux; empty elsewhere). */
export function processThreadsCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        out.set(Number(tid), Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux: no per-thread figures.
  }
  return out;
}

/** What a worker measured around one point (sent beside the row, never part of it). */
export interface PointTiming {
  /** The worker took the job off its port. */
  readonly startedAt: number;
  /** The replay and its run folder were done; the answer was being posted. */
  readonly doneAt: number;
  /** The worker thread's own CPU and run-queue wait over the point. */
  readonly cpu: ThreadCpu;
  /** Of the point, reading and parsing the recording (0 when the worker already held it). */
  readonly loadMs?: number;
  /** Of the point, GC pauses on the worker thread, wall time (the helper threads' share of GC is not in it). */
  readonly gcMs?: number;
}

/** One point as the main thread saw it, with the worker's own figures. */
export interface PointTrace extends PointTiming {
  readonly index: number;
  readonly worker: number;
  readonly dispatchedAt: number;
  readonly receivedAt: number;
}

/** One worker's life: created, first able to answer, terminated; its CPU time over its whole life. */
export interface WorkerTrace {
  readonly worker: number;
  readonly createdAt: number;
  /** The worker's script had loaded and it said so (its first message). */
  readonly readyAt?: number;
  /** The worker thread's CPU time and run-queue wait from its start to its ready message (module loading). */
  readonly startCpu?: ThreadCpu;
  /** Its kernel thread id (Linux). */
  readonly tid?: number;
  readonly endedAt: number;
}

/** What `runSweep` fills in when handed one. */
export interface SweepTrace {
  startedAt: number;
  endedAt: number;
  readonly points: PointTrace[];
  readonly workers: WorkerTrace[];
  /** The main thread's CPU time and run-queue wait over the whole sweep (preparing points, dispatching, receiving). */
  mainCpu: ThreadCpu;
  /**
   * CPU time over the sweep of the process's threads that are neither the main thread nor a sweep worker:
   * V8's GC and compiler helpers, libuv's pool (threads that ended during the sweep are not counted).
   */
  helperThreadsCpuMs: number;
}

export function newSweepTrace(): SweepTrace {
  return { startedAt: 0, endedAt: 0, points: [], workers: [], mainCpu: { cpuMs: 0, waitMs: 0 }, helperThreadsCpuMs: 0 };
}

/** The summary figures of a trace: what the bench reports. */
export interface SweepSplit {
  readonly wallMs: number;
  /** The main thread's CPU over the sweep (serial work that no worker does). */
  readonly mainThreadBusyMs: number;
  /** Sum over workers of wall time alive but holding no point (start-up, waiting for a job, idle at the end). */
  readonly workerIdleMs: number;
  /** Sum over workers of wall time from creation to ready (module loading). */
  readonly workerStartMs: number;
  /** Sum over workers of their threads' CPU time from creation to ready (module loading). */
  readonly workerStartCpuMs: number;
  /** Sum over workers of the CPU time of the first point each ran (reads the recording, runs cold code). */
  readonly firstPointCpuMs: number;
  /** Each worker thread's CPU time, start and points (index: worker). */
  readonly perWorkerCpuMs: readonly number[];
  /** Sum over points of worker-thread CPU spent on them. */
  readonly pointCpuMs: number;
  /** Sum over points of their run-queue wait on the worker thread (the machine's load, not the sweep's). */
  readonly pointWaitMs: number;
  /** Sum over points of GC pauses on the worker threads. */
  readonly pointGcMs: number;
  /** Sum over points of wall time on the worker. */
  readonly pointWallMs: number;
  /** Sum over points of dispatch → start plus done → received (message round trips, main thread delays). */
  readonly handOffMs: number;
  /** CPU of the process's other threads (GC helpers, libuv pool) over the sweep. */
  readonly helperThreadsCpuMs: number;
}

export function sweepSplit(t: SweepTrace): SweepSplit {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const busyByWorker = new Map<number, number>();
  for (const p of t.points) busyByWorker.set(p.worker, (busyByWorker.get(p.worker) ?? 0) + (p.receivedAt - p.dispatchedAt));
  const alive = sum(t.workers.map((w) => w.endedAt - w.createdAt));
  return {
    wallMs: t.endedAt - t.startedAt,
    mainThreadBusyMs: t.mainCpu.cpuMs,
    workerIdleMs: alive - sum([...busyByWorker.values()]),
    workerStartMs: sum(t.workers.map((w) => (w.readyAt ?? w.endedAt) - w.createdAt)),
    workerStartCpuMs: sum(t.workers.map((w) => w.startCpu?.cpuMs ?? 0)),
    firstPointCpuMs: sum(t.workers.map((w) => firstPoint(t, w.worker)?.cpu.cpuMs ?? 0)),
    perWorkerCpuMs: t.workers.map((w) => (w.startCpu?.cpuMs ?? 0) + sum(t.points.filter((p) => p.worker === w.worker).map((p) => p.cpu.cpuMs))),
    pointCpuMs: sum(t.points.map((p) => p.cpu.cpuMs)),
    pointWaitMs: sum(t.points.map((p) => p.cpu.waitMs)),
    pointGcMs: sum(t.points.map((p) => p.gcMs ?? 0)),
    pointWallMs: sum(t.points.map((p) => p.doneAt - p.startedAt)),
    handOffMs: sum(t.points.map((p) => p.startedAt - p.dispatchedAt + (p.receivedAt - p.doneAt))),
    helperThreadsCpuMs: t.helperThreadsCpuMs,
  };
}

function firstPoint(t: SweepTrace, worker: number): PointTrace | undefined {
  return t.points.filter((p) => p.worker === worker).sort((a, b) => a.dispatchedAt - b.dispatchedAt)[0];
}

/** The trace as text lines: each worker's start, then each point in dispatch order, times relative to the sweep's start. */
export function sweepTimeline(t: SweepTrace): string[] {
  const at = (ms: number) => (ms - t.startedAt).toFixed(0).padStart(6);
  const lines = t.workers.map(
    (w) =>
      `w${w.worker} created ${at(w.createdAt)}  ready ${w.readyAt === undefined ? '     –' : at(w.readyAt)}  ended ${at(w.endedAt)}` +
      (w.startCpu ? `  start cpu ${w.startCpu.cpuMs.toFixed(0)} ms, waited ${w.startCpu.waitMs.toFixed(0)} ms` : ''),
  );
  for (const p of [...t.points].sort((a, b) => a.dispatchedAt - b.dispatchedAt)) {
    lines.push(
      `w${p.worker} #${String(p.index).padStart(2)} sent ${at(p.dispatchedAt)} start ${at(p.startedAt)} done ${at(p.doneAt)} recv ${at(p.receivedAt)}` +
        `  wall ${(p.doneAt - p.startedAt).toFixed(0).padStart(4)} cpu ${p.cpu.cpuMs.toFixed(0).padStart(4)} wait ${p.cpu.waitMs.toFixed(0).padStart(4)}` +
        ` gc ${(p.gcMs ?? 0).toFixed(0).padStart(3)}` +
        (p.loadMs ? ` load ${p.loadMs.toFixed(0)}` : ''),
    );
  }
  return lines;
}
