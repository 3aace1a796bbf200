/** Timing helpers shared by the bench sections. */

/** Nanoseconds from a monotonic clock. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function elapsedMs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

export interface RateOptions {
  /** Operations per timed round. */
  readonly opsPerRound: number;
  /** Timed rounds; the fastest is reported. */
  readonly rounds: number;
  /** Untimed rounds first, so the JIT has compiled the hot path. */
  readonly warmupRounds?: number;
}

/**
 * Operations per second of `round(n)` (which must perform n operations): the best of `rounds`
 * timed rounds (timeit's rule: slower rounds measure other processes and GC pauses, not the code;
 * the GC cost of the code itself is inside every round).
 */
export function measureRate(round: (n: number) => void, { opsPerRound, rounds, warmupRounds = 1 }: RateOptions): number {
  for (let i = 0; i < warmupRounds; i++) round(opsPerRound);
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = nowNs();
    round(opsPerRound);
    const ns = Number(nowNs() - t0);
    rates.push((opsPerRound * 1e9) / Math.max(ns, 1));
  }
  return Math.max(...rates);
}

/**
 * Like measureRate for several operations, run in alternating rounds so that each sees the same
 * machine conditions: use it when a figure is a ratio of two rates.
 */
export function measureRatesInterleaved(rounds: ReadonlyArray<(n: number) => void>, { opsPerRound, rounds: count, warmupRounds = 1 }: RateOptions): number[] {
  for (let i = 0; i < warmupRounds; i++) for (const round of rounds) round(opsPerRound);
  const best = rounds.map(() => 0);
  for (let i = 0; i < count; i++) {
    rounds.forEach((round, k) => {
      const t0 = nowNs();
      round(opsPerRound);
      const rate = (opsPerRound * 1e9) / Math.max(Number(nowNs() - t0), 1);
      if (rate > best[k]!) best[k] = rate;
    });
  }
  return best;
}

export async function measureAsyncMs(op: () => Promise<unknown>, { ops, warmup = 1 }: { ops: number; warmup?: number }): Promise<number> {
  for (let i = 0; i < warmup; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t0 = nowNs();
    await op();
    samples.push(elapsedMs(t0));
  }
  return median(samples);
}

/** Median ms of `op`; `setup`, if given, runs untimed before each call (warm-up calls included). */
export function measureSyncMs(op: () => unknown, { ops, warmup = 1, setup }: { ops: number; warmup?: number; setup?: () => void }): number {
  for (let i = 0; i < warmup; i++) {
    setup?.();
    op();
  }
  const samples: number[] = [];
  for (let i = 0; i < ops; i++) {
    setup?.();
    const t0 = nowNs();
    op();
    samples.push(elapsedMs(t0));
  }
  return median(samples);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Runs a full GC when node was started with --expose-gc; false when it was not. */
export function forceGc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  gc();
  return true;
}

/** Keeps a value observable to the optimiser so a loop's work cannot be discarded. */
export let sink: unknown;
export function consume(value: unknown): void {
  sink = value;
}
