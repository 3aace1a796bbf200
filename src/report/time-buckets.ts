/**
 * A time series of bounded size for charts (pure). Values fall into time buckets of equal width; each bucket
 * keeps its first, lowest, highest and last value with their times (M4 downsampling: a line drawn through those
 * four points per bucket has the shape of the line through every value, spikes included). When there are more
 * than `maxBuckets` buckets, the width doubles and neighbours merge, so memory stays O(maxBuckets) however long
 * the run, and the resolution coarsens evenly over the whole span.
 *
 * A value of `undefined` is a gap (no position held, a side missing): a bucket with gaps only draws as a break in
 * the line. Pinned points (the ticks decisions were made on) are kept exactly, so a marker sits on the line.
 */

// Bound once: global lookups are slow under jest's VM context, and add() runs for every sample.
const floor = Math.floor;
const finite = Number.isFinite;

/** Points of one series in time order; `null` is a break in the line. */
export interface SeriesPoints {
  readonly t: number[];
  readonly v: (number | null)[];
}

interface Bucket {
  index: number;
  /** Values folded in (gaps are not counted). */
  n: number;
  firstT: number;
  first: number;
  minT: number;
  min: number;
  maxT: number;
  max: number;
  lastT: number;
  last: number;
}

export interface BucketedSeriesOptions {
  /** Most buckets kept before the width doubles. Default 1,500 (at most 6,000 points drawn). */
  maxBuckets?: number;
  /** Width of a bucket at the start, ms (e.g. the sample period). Default 500. */
  widthMs?: number;
  /** A silence longer than this many bucket widths (no value and no gap reported) breaks the line. Default 3. */
  breakAfterBuckets?: number;
}

export class BucketedSeries {
  private width: number;
  private origin: number | undefined;
  private readonly buckets: Bucket[] = [];
  private readonly pins: { t: number; v: number }[] = [];
  private readonly maxBuckets: number;
  private readonly breakAfter: number;

  constructor({ maxBuckets = 1_500, widthMs = 500, breakAfterBuckets = 3 }: BucketedSeriesOptions = {}) {
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2) throw new RangeError(`BucketedSeries: maxBuckets must be an integer >= 2, got ${maxBuckets}`);
    if (!(widthMs > 0) || !Number.isFinite(widthMs)) throw new RangeError(`BucketedSeries: widthMs must be > 0, got ${widthMs}`);
    this.maxBuckets = maxBuckets;
    this.width = widthMs;
    this.breakAfter = breakAfterBuckets;
  }

  /** Current bucket width, ms. */
  get widthMs(): number {
    return this.width;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Folds one value (or a gap) at `time`. A time earlier than the last bucket folds into the last bucket. */
  add(time: number, value: number | undefined): void {
    if (!finite(time)) return;
    this.origin ??= time;
    const index = floor((time - this.origin) / this.width);
    let bucket = this.buckets[this.buckets.length - 1];
    if (bucket === undefined || index > bucket.index) {
      bucket = { index, n: 0, firstT: time, first: 0, minT: time, min: 0, maxT: time, max: 0, lastT: time, last: 0 };
      this.buckets.push(bucket);
      if (this.buckets.length > this.maxBuckets) {
        this.coarsen();
        bucket = this.buckets[this.buckets.length - 1]!;
      }
    }
    if (value === undefined || !finite(value)) return;
    if (bucket.n === 0) {
      bucket.firstT = bucket.minT = bucket.maxT = bucket.lastT = time;
      bucket.first = bucket.min = bucket.max = bucket.last = value;
    } else {
      if (value < bucket.min) {
        bucket.min = value;
        bucket.minT = time;
      }
      if (value > bucket.max) {
        bucket.max = value;
        bucket.maxT = time;
      }
      bucket.last = value;
      bucket.lastT = time;
    }
    bucket.n++;
  }

  /** Keeps this exact point (a deciding tick) in the series, whatever the bucket width. */
  pin(time: number, value: number | undefined): void {
    if (!Number.isFinite(time) || value === undefined || !Number.isFinite(value)) return;
    this.pins.push({ t: time, v: value });
  }

  /** The series to draw: up to four points per bucket, the pins, and a null at each break. */
  points(): SeriesPoints {
    const out: { t: number; v: number | null }[] = [];
    let previous: Bucket | undefined;
    for (const b of this.buckets) {
      if (previous !== undefined && b.index - previous.index > this.breakAfter) out.push({ t: this.startOf(previous.index + 1), v: null });
      if (b.n === 0) {
        out.push({ t: this.startOf(b.index), v: null });
      } else {
        const four = [
          { t: b.firstT, v: b.first },
          { t: b.minT, v: b.min },
          { t: b.maxT, v: b.max },
          { t: b.lastT, v: b.last },
        ].sort((x, y) => x.t - y.t);
        let lastT = Number.NaN;
        for (const p of four) {
          if (p.t !== lastT) out.push(p);
          lastT = p.t;
        }
      }
      previous = b;
    }
    // Pins go in by time; a stable sort keeps a pin after a bucket point at the same time.
    const all = this.pins.length === 0 ? out : [...out, ...this.pins].sort((x, y) => x.t - y.t);
    return { t: all.map((p) => p.t), v: all.map((p) => p.v) };
  }

  private startOf(index: number): number {
    return (this.origin ?? 0) + index * this.width;
  }

  /** Doubles the width: buckets 2k and 2k+1 become bucket k (in place: this runs once per maxBuckets/2 values). */
  private coarsen(): void {
    this.width *= 2;
    const buckets = this.buckets;
    let last = -1;
    for (const b of buckets) {
      const index = floor(b.index / 2);
      const into = last >= 0 ? buckets[last]! : undefined;
      if (into === undefined || into.index !== index) {
        b.index = index;
        buckets[++last] = b;
      } else if (b.n > 0) {
        if (into.n === 0) {
          Object.assign(into, b);
          into.index = index;
          continue;
        }
        if (b.min < into.min) {
          into.min = b.min;
          into.minT = b.minT;
        }
        if (b.max > into.max) {
          into.max = b.max;
          into.maxT = b.maxT;
        }
        into.last = b.last;
        into.lastT = b.lastT;
        into.n += b.n;
      }
    }
    buckets.length = last + 1;
  }
}
