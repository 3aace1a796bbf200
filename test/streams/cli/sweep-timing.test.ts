/**
 * A sweep's timeline and cost split (bench/replay.ts prints them): figures summed from the trace as
 * documented, and the kernel's per-thread CPU reading, which is what survives a loaded machine.
 */
import { newSweepTrace, sweepSplit, sweepTimeline, threadCpu, type SweepTrace } from '../../../streams/cli/sweep-timing';

function trace(): SweepTrace {
  const t = newSweepTrace();
  t.startedAt = 1000;
  t.endedAt = 2000;
  t.mainCpu = { cpuMs: 30, waitMs: 5 };
  t.helperThreadsCpuMs = 120;
  t.workers.push({ worker: 0, createdAt: 1010, readyAt: 1200, startCpu: { cpuMs: 150, waitMs: 20 }, endedAt: 1990 });
  t.workers.push({ worker: 1, createdAt: 1010, readyAt: 1250, startCpu: { cpuMs: 160, waitMs: 60 }, endedAt: 1800 });
  // Worker 0: two points back to back; worker 1: one point, then idle to its end.
  t.points.push({ index: 0, worker: 0, dispatchedAt: 1010, startedAt: 1201, doneAt: 1600, receivedAt: 1602, cpu: { cpuMs: 380, waitMs: 10 }, loadMs: 40, gcMs: 12 });
  t.points.push({ index: 1, worker: 1, dispatchedAt: 1010, startedAt: 1251, doneAt: 1700, receivedAt: 1701, cpu: { cpuMs: 420, waitMs: 25 }, loadMs: 45, gcMs: 9 });
  t.points.push({ index: 2, worker: 0, dispatchedAt: 1602, startedAt: 1603, doneAt: 1980, receivedAt: 1985, cpu: { cpuMs: 300, waitMs: 70 }, loadMs: 0, gcMs: 3 });
  return t;
}

describe('sweepSplit', () => {
  it('sums the trace into the figures the bench reports', () => {
    const s = sweepSplit(trace());
    expect(s.wallMs).toBe(1000);
    expect(s.mainThreadBusyMs).toBe(30);
    expect(s.workerStartCpuMs).toBe(310);
    expect(s.workerStartMs).toBe(190 + 240);
    expect(s.pointCpuMs).toBe(1100);
    expect(s.pointWaitMs).toBe(105);
    expect(s.pointGcMs).toBe(24);
    expect(s.firstPointCpuMs).toBe(380 + 420);
    expect(s.perWorkerCpuMs).toEqual([150 + 380 + 300, 160 + 420]);
    // Alive 980 + 790; holding a point 592 + 383 (worker 0) and 691 (worker 1).
    expect(s.workerIdleMs).toBe(980 + 790 - (592 + 383 + 691));
    // Dispatch → start and done → received, over the points.
    expect(s.handOffMs).toBe(191 + 2 + 241 + 1 + 1 + 5);
    expect(s.helperThreadsCpuMs).toBe(120);
  });

  it('prints each worker, then each point in the order they were sent, times from the sweep start', () => {
    const lines = sweepTimeline(trace());
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^w0 created +10 +ready +200 +ended +990 +start cpu 150 ms, waited 20 ms$/);
    expect(lines[2]).toMatch(/^w0 # 0 sent +10 start +201 done +600 recv +602 +wall +399 cpu +380 wait +10 gc +12 load 40$/);
    expect(lines[4]).toMatch(/^w0 # 2 sent +602 /);
    expect(lines[4]).not.toMatch(/load/);
  });
});

describe('threadCpu', () => {
  const cpu = threadCpu();
  (cpu === undefined ? it.skip : it)('reads the calling thread’s CPU time from the kernel, growing with work', () => {
    let x = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 30) x += Math.sqrt(x + 1);
    const after = threadCpu()!;
    expect(x).toBeGreaterThan(0);
    expect(after.cpuMs).toBeGreaterThan(cpu!.cpuMs);
    expect(after.waitMs).toBeGreaterThanOrEqual(cpu!.waitMs);
  });
});
