import fc from 'fast-check';
import { BucketedSeries } from '../../src/report/time-buckets';

const values = (s: BucketedSeries) => s.points().v;

describe('BucketedSeries', () => {
  it('keeps every value while there are fewer values than buckets', () => {
    const s = new BucketedSeries({ maxBuckets: 100, widthMs: 500 });
    for (let i = 0; i < 50; i++) s.add(1_000 + i * 500, i);
    const p = s.points();
    expect(p.v).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p.t).toEqual(Array.from({ length: 50 }, (_, i) => 1_000 + i * 500));
  });

  it('stays within maxBuckets however many values come, doubling the bucket width', () => {
    const s = new BucketedSeries({ maxBuckets: 64, widthMs: 500 });
    for (let i = 0; i < 100_000; i++) s.add(i * 500, Math.sin(i));
    expect(s.bucketCount).toBeLessThanOrEqual(64);
    expect(s.widthMs).toBeGreaterThanOrEqual((100_000 * 500) / 64);
    expect(s.points().t.length).toBeLessThanOrEqual(4 * 64);
  });

  it('takes the same memory from its first value on, however many values come (no sawtooth between merges)', () => {
    const s = new BucketedSeries({ maxBuckets: 1_500, widthMs: 500 });
    expect(s.tableBytes).toBe(0);
    s.add(0, 1);
    const bytes = s.tableBytes;
    expect(bytes).toBe(1_501 * 10 * 8);
    // Two simulated hours of samples every 500 ms: four merges.
    for (let i = 1; i < 14_400; i++) {
      s.add(i * 500, i % 7);
      expect(s.tableBytes).toBe(bytes);
    }
    expect(s.widthMs).toBe(500 * 2 ** 4);
  });

  it('keeps each bucket’s lowest and highest value at their own times, so a one-sample spike survives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5_000 }), fc.integer({ min: 0, max: 4_999 }), fc.boolean(), (n, at, up) => {
        const spikeAt = at % n;
        const spike = up ? 9 : -9;
        const s = new BucketedSeries({ maxBuckets: 16, widthMs: 500 });
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = i === spikeAt ? spike : Math.sin(i) / 10;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
          s.add(i * 500, v);
        }
        const p = s.points();
        expect(p.t[p.v.indexOf(spike)]).toBe(spikeAt * 500);
        const drawn = p.v as number[];
        expect([Math.min(...drawn), Math.max(...drawn)]).toEqual([lo, hi]);
      }),
      { seed: 5, numRuns: 60 },
    );
  });

  it('draws the first and last value of a bucket, so the line joins its neighbours where the data did', () => {
    const s = new BucketedSeries({ maxBuckets: 2, widthMs: 1_000 });
    [5, 1, 9, 4, 7, 2, 8, 3].forEach((v, i) => s.add(i * 1_000, v)); // coarsens to two buckets of four values
    const p = s.points();
    expect(p.v[0]).toBe(5); // first of the first bucket
    expect(p.v.at(-1)).toBe(3); // last of the last
    expect(p.v).toEqual(expect.arrayContaining([1, 9, 2, 8]));
    expect([...p.t].sort((a, b) => a - b)).toEqual(p.t);
  });

  it('breaks the line where there were only gaps, and where the values stopped coming', () => {
    const s = new BucketedSeries({ maxBuckets: 100, widthMs: 500, breakAfterBuckets: 3 });
    s.add(0, 1);
    s.add(500, undefined); // no position held: a gap
    s.add(1_000, 2);
    s.add(10_000, 3); // silence of 18 buckets
    expect(values(s)).toEqual([1, null, 2, null, 3]);
  });

  it('keeps pinned points exactly and in time order, whatever the width', () => {
    const s = new BucketedSeries({ maxBuckets: 4, widthMs: 500 });
    for (let i = 0; i < 1_000; i++) s.add(i * 500, 0);
    s.pin(123_456, 0.4321);
    const p = s.points();
    const k = p.t.indexOf(123_456);
    expect(p.v[k]).toBe(0.4321);
    expect([...p.t].sort((a, b) => a - b)).toEqual(p.t);
  });

  it('refuses a bucket bound that would not bound anything', () => {
    expect(() => new BucketedSeries({ maxBuckets: 1 })).toThrow(/maxBuckets/);
    expect(() => new BucketedSeries({ widthMs: 0 })).toThrow(/widthMs/);
  });
});
