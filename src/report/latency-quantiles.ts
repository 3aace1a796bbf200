/**
 * The run's signal-to-fill latencies, for its p50 and p99 (pure), in bounded memory: every value kept (nearest
 * rank, exact) for the first `exactUpTo` round trips, then all of them folded into logarithmic buckets whose
 * representative is within `relativeError` of every value in it (the idea of DDSketch, Masson et al., VLDB 2019):
 * a run of months holds at most a few hundred counts instead of one number per round trip. The summary shows
 * whole milliseconds, which 0.5 % does not move for the latencies a bot sees (tens to hundreds of ms).
 */

export interface LatencyQuantilesOptions {
  /** Values kept exactly before the buckets take over. Default 10,000. */
  readonly exactUpTo?: number;
  /** Relative error of a quantile past that, 0..1. Default 0.005. */
  readonly relativeError?: number;
}

export class LatencyQuantiles {
  private exact: number[] | undefined = [];
  private readonly exactUpTo: number;
  private readonly logGamma: number;
  private readonly gamma: number;
  /** Bucket index → count; index k holds (gamma^(k−1), gamma^k]. */
  private readonly buckets = new Map<number, number>();
  /** Values ≤ 0 (a clock step): drawn as 0. */
  private nonPositive = 0;
  private n = 0;

  constructor({ exactUpTo = 10_000, relativeError = 0.005 }: LatencyQuantilesOptions = {}) {
    if (!(relativeError > 0 && relativeError < 1)) throw new RangeError(`LatencyQuantiles: relativeError must be in (0, 1), got ${relativeError}`);
    this.exactUpTo = exactUpTo;
    this.gamma = (1 + relativeError) / (1 - relativeError);
    this.logGamma = Math.log(this.gamma);
  }

  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.n++;
    if (this.exact !== undefined) {
      this.exact.push(ms);
      if (this.exact.length <= this.exactUpTo) return;
      for (const v of this.exact) this.bucket(v);
      this.exact = undefined;
      return;
    }
    this.bucket(ms);
  }

  /** Nearest-rank percentile (0..100); undefined before any value. */
  percentile(p: number): number | undefined {
    if (this.n === 0) return undefined;
    if (this.exact !== undefined) {
      const sorted = [...this.exact].sort((a, b) => a - b);
      const rank = Math.ceil((p / 100) * sorted.length);
      return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    let seen = this.nonPositive;
    if (rank <= seen) return 0;
    for (const k of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(k)!;
      // The bucket's representative: within relativeError of both its bounds.
      if (rank <= seen) return (2 * Math.exp(k * this.logGamma)) / (this.gamma + 1);
    }
    return undefined;
  }

  private bucket(ms: number): void {
    if (ms <= 0) {
      this.nonPositive++;
      return;
    }
    const k = Math.ceil(Math.log(ms) / this.logGamma);
    this.buckets.set(k, (this.buckets.get(k) ?? 0) + 1);
  }
}
