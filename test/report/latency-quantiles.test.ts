import * as v8 from 'node:v8';
import { LatencyQuantiles } from '../../src/report/latency-quantiles';
import { percentile } from '../../src/report/summary';

/** A deterministic spread of latencies, 5 ms to a few seconds (log-uniform-ish). */
function latencies(n: number, seed = 1): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    out.push(5 * Math.exp((x / 2 ** 31) * 6.5));
  }
  return out;
}

describe('LatencyQuantiles (signal-to-fill p50/p99 of a run)', () => {
  it('is the exact nearest-rank percentile up to exactUpTo values', () => {
    const values = latencies(500);
    const q = new LatencyQuantiles({ exactUpTo: 500 });
    values.forEach((v) => q.add(v));
    for (const p of [0, 1, 50, 90, 99, 100]) expect(q.percentile(p)).toBe(percentile(values, p));
    expect(new LatencyQuantiles().percentile(50)).toBeUndefined();
  });

  it('past that, stays within the relative error of the exact percentile over every value', () => {
    const values = latencies(20_000, 7);
    const q = new LatencyQuantiles({ exactUpTo: 1_000 });
    values.forEach((v) => q.add(v));
    expect(q.count).toBe(20_000);
    for (const p of [1, 50, 90, 99, 99.9]) {
      const exact = percentile(values, p)!;
      expect(Math.abs(q.percentile(p)! - exact) / exact).toBeLessThanOrEqual(0.005 + 1e-12);
    }
  });

  it('holds no more for a hundred times the round trips', () => {
    const bytes = (n: number) => {
      const q = new LatencyQuantiles({ exactUpTo: 100 });
      latencies(n, 3).forEach((v) => q.add(v));
      return v8.serialize(q).length;
    };
    // One number per round trip would be 8 bytes each: 1.6 MB more for the larger run.
    expect(bytes(200_000) - bytes(2_000)).toBeLessThan(2_000);
  });

  it('counts a latency of zero or less (a clock step) as zero, and ignores one that is not a number', () => {
    const q = new LatencyQuantiles({ exactUpTo: 1 });
    [-3, 0, 10, 20, Number.NaN].forEach((v) => q.add(v));
    expect(q.count).toBe(4);
    expect(q.percentile(50)).toBe(0);
    expect(q.percentile(100)).toBeCloseTo(20, 0);
  });
});
