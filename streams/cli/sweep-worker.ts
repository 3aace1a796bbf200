/**
 * One sweep thread: replays the recording for each grid point it is sent and answers with the summary figures.
 * It says `ready` once its modules have loaded, and answers each point with its row and what it measured
 * (sweep-timing.ts: start and end, its own CPU time and run-queue wait, the recording's load).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { errorText } from '../../src/logging/redact';
import { recordingLoadingMs } from './replay';
import { startRun } from './run';
import { pointRunOptions, type SweepJob, type SweepRow } from './sweep';
import { cpuSince, kernelThreadId, nowMs, threadCpu, type PointTiming } from './sweep-timing';

/** What a sweep worker posts: once `ready`, then one `row` per job. */
export type SweepWorkerMessage =
  | { readonly kind: 'ready'; readonly tid?: number; readonly cpu?: { cpuMs: number; waitMs: number } }
  | { readonly kind: 'row'; readonly row: Omit<SweepRow, 'values'>; readonly timing: PointTiming };

async function point(job: SweepJob): Promise<Omit<SweepRow, 'values'>> {
  try {
    const run = pointRunOptions(job, job.rawConfig, job.runsDir);
    // Each point replays the same data: the worker reads and parses it once (the first point) and keeps it.
    // Only the summary is used: no report.html per point (the sweep's report replays the best point with its own).
    const result = await startRun({ ...run, report: false, replay: { ...run.replay!, keepLoaded: true } }).done;
    const s = result.summary;
    return {
      roundTrips: s.roundTrips,
      winRate: s.winRate,
      netPnlUsd: s.netPnlUsd,
      grossPnlUsd: s.grossPnlUsd,
      feesUsd: s.feesUsd,
      fundingUsd: s.fundingUsd,
      maxDrawdownUsd: s.maxDrawdownUsd,
      openAtExit: s.openAtExit,
    };
  } catch (err) {
    return { skipped: `failed: ${errorText(err)}` };
  }
}

if (parentPort) {
  const port = parentPort;
  const tid = kernelThreadId();
  const cpu = threadCpu();
  // GC pauses on this thread (its isolate's), summed: a point's share is the difference over it.
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  port.postMessage({ kind: 'ready', ...(tid !== undefined ? { tid } : {}), ...(cpu ? { cpu } : {}) } satisfies SweepWorkerMessage);
  port.on('message', (job: SweepJob) => {
    void (async () => {
      const startedAt = nowMs();
      const cpu0 = threadCpu();
      const load0 = recordingLoadingMs();
      const gc0 = gcMs;
      const row = await point(job);
      // The observer is told of GC entries on a later turn: give it one before reading.
      await new Promise((resolve) => setImmediate(resolve));
      const timing: PointTiming = { startedAt, doneAt: nowMs(), cpu: cpuSince(cpu0, threadCpu()), loadMs: recordingLoadingMs() - load0, gcMs: gcMs - gc0 };
      port.postMessage({ kind: 'row', row, timing } satisfies SweepWorkerMessage);
    })();
  });
}
