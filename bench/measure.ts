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

export interface PairedRatioOptions {
  /** Operations per timed call of each side. */
  readonly opsPerPair: number;
  /** Pairs per round; a round's ratio is the median of its pairs' ratios. */
  readonly pairsPerRound: number;
  /** Rounds; the reported ratio is the median of the rounds' ratios. */
  readonly rounds: number;
  /** Untimed pairs first. */
  readonly warmupPairs?: number;
}

export interface PairedRatio {
  /** Median over the rounds of rate(a) / rate(b). */
  readonly ratio: number;
  /** Each round's ratio (the median of its pairs'), for the spread. */
  readonly roundRatios: readonly number[];
  /** Median rates over every timed pair, ops/s. */
  readonly rateA: number;
  readonly rateB: number;
}

/**
 * The ratio of two rates of synchronous code, measured as many short back-to-back pairs: each pair
 * times `a` and `b` one right after the other (in alternating order), so both see the same JIT and
 * heap state, and the pair's ratio cancels what they share. Medians, not bests: the best round of each
 * side alone comes from different moments, and their ratio swings with them. Timed in CPU time of this
 * process (user + system, GC threads included), not wall time: on a shared machine wall time also
 * counts the moments the process waited for a core, which differ from one side of a pair to the other
 * (at load 12 on 2 cores, per-round ratios in wall time ranged 0.64–1.10, in CPU time 0.80–0.96).
 * Rates are therefore per CPU second. No GC is forced between pairs: the background sweeping that
 * follows one lands in the next timed call and widened the spread of rounds from 0.03 to 0.2–0.3.
 */
export function measurePairedRatio(a: (n: number) => void, b: (n: number) => void, opts: PairedRatioOptions): PairedRatio {
  const { opsPerPair, pairsPerRound, rounds } = opts;
  for (let i = 0; i < (opts.warmupPairs ?? 3); i++) {
    a(opsPerPair);
    b(opsPerPair);
  }
  const time = (f: (n: number) => void): number => {
    const c0 = process.cpuUsage();
    f(opsPerPair);
    const used = process.cpuUsage(c0);
    return (opsPerPair * 1e6) / Math.max(used.user + used.system, 1);
  };
  const ratesA: number[] = [];
  const ratesB: number[] = [];
  const roundRatios: number[] = [];
  let pair = 0;
  for (let r = 0; r < rounds; r++) {
    const ratios: number[] = [];
    for (let p = 0; p < pairsPerRound; p++, pair++) {
      let ra: number;
      let rb: number;
      if (pair % 2 === 0) {
        ra = time(a);
        rb = time(b);
      } else {
        rb = time(b);
        ra = time(a);
      }
      ratesA.push(ra);
      ratesB.push(rb);
      ratios.push(ra / rb);
    }
    roundRatios.push(median(ratios));
  }
  return { ratio: median(roundRatios), roundRatios, rateA: median(ratesA), rateB: median(ratesB) };
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

/**
 * Least-squares slope of y over x (units of y per unit of x): a growth rate from several samples,
 * steadier than one difference of two, which carries the whole noise of both ends. NaN below 2 points.
 */
export function fitSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
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
