/**
 * Whether the machine itself makes a thread's CPU time grow when a second thread runs at the same time
 * (shared caches and memory bandwidth, a hypervisor's SMT siblings, frequency): the same fixed work on one
 * worker thread alone, then on two at once, each timed by its own thread CPU (/proc/thread-self/schedstat).
 * A ratio near 1 clears the machine; a sweep point's CPU rising with two workers is then the process's own
 * (V8's shared helper threads, GC). Linux only: elsewhere the ratios are NaN.
 */
import { Worker } from 'node:worker_threads';

const WORK = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const cpu = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
parentPort.once('message', () => {
  let c0 = NaN, x = 0;
  try { c0 = cpu(); } catch {}
  if (workerData === 'alu') {
    for (let i = 0; i < 1.5e8; i++) x = (x * 1103515245 + 12345) | 0;
  } else {
    // Short-lived objects, as a replay makes: the young generation and the GC do the work.
    for (let r = 0; r < 300; r++) { const a = []; for (let i = 0; i < 5000; i++) a.push({ i, s: 'p' + i, v: [i, i + 1] }); x += a.length; }
  }
  let ms = NaN;
  try { ms = cpu() - c0; } catch {}
  parentPort.postMessage({ ms, x });
});`;

async function onThreads(kind: 'alu' | 'alloc', threads: number): Promise<number[]> {
  const workers = Array.from({ length: threads }, () => new Worker(WORK, { eval: true, workerData: kind }));
  try {
    // Started first, then all told to go at once.
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
    return await Promise.all(workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (m: { ms: number }) => resolve(m.ms));
      w.once('error', reject);
      w.postMessage('go');
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Per kind of work: CPU per thread with two at once / alone (alone measured before and after, averaged). */
export async function cpuContention(): Promise<{ alu: number; alloc: number; aloneMs: Record<string, number> }> {
  const out = { alu: NaN, alloc: NaN, aloneMs: {} as Record<string, number> };
  for (const kind of ['alu', 'alloc'] as const) {
    const before = (await onThreads(kind, 1))[0]!;
    const two = await onThreads(kind, 2);
    const after = (await onThreads(kind, 1))[0]!;
    const alone = (before + after) / 2;
    out.aloneMs[kind] = alone;
    out[kind] = (two[0]! + two[1]!) / 2 / alone;
  }
  return out;
}
