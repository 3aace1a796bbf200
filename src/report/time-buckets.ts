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

// A bucket is ten numbers in one Float64Array row (struct of arrays): its index on the time grid, how
// many values it folded (gaps are not counted), and its first, lowest, highest and last value with their
// times. The whole table is allocated once, at the first value, for maxBuckets (+1 before a merge): as
// objects, each bucket also boxed its eight doubles (~230 B a bucket against 80 B here) and the series
// grew between merges from maxBuckets/2 to maxBuckets buckets, a sawtooth of ~1 MB a run (seven series)
// that a heap measured over an hour read as growth.
const INDEX = 0;
const N = 1;
const FIRST_T = 2;
const FIRST = 3;
const MIN_T = 4;
const MIN = 5;
const MAX_T = 6;
const MAX = 7;
const LAST_T = 8;
const LAST = 9;
const STRIDE = 10;

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
  /** Rows of STRIDE numbers, `count` of them in use; allocated at the first value. */
  private table: Float64Array | undefined;
  private count = 0;
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
    return this.count;
  }

  /** Bytes the buckets take, whatever their number (allocated at the first value). */
  get tableBytes(): number {
    return this.table?.byteLength ?? 0;
  }

  /** Folds one value (or a gap) at `time`. A time earlier than the last bucket folds into the last bucket. */
  add(time: number, value: number | undefined): void {
    if (!finite(time)) return;
    this.origin ??= time;
    const table = (this.table ??= new Float64Array((this.maxBuckets + 1) * STRIDE));
    const index = floor((time - this.origin) / this.width);
    let row = (this.count - 1) * STRIDE;
    if (this.count === 0 || index > table[row + INDEX]!) {
      row = this.count * STRIDE;
      this.count++;
      table[row + INDEX] = index;
      table[row + N] = 0;
      table[row + FIRST_T] = table[row + MIN_T] = table[row + MAX_T] = table[row + LAST_T] = time;
      table[row + FIRST] = table[row + MIN] = table[row + MAX] = table[row + LAST] = 0;
      if (this.count > this.maxBuckets) {
        this.coarsen(table);
        row = (this.count - 1) * STRIDE;
      }
    }
    if (value === undefined || !finite(value)) return;
    if (table[row + N] === 0) {
      table[row + FIRST_T] = table[row + MIN_T] = table[row + MAX_T] = table[row + LAST_T] = time;
      table[row + FIRST] = table[row + MIN] = table[row + MAX] = table[row + LAST] = value;
    } else {
      if (value < table[row + MIN]!) {
        table[row + MIN] = value;
        table[row + MIN_T] = time;
      }
      if (value > table[row + MAX]!) {
        table[row + MAX] = value;
        table[row + MAX_T] = time;
      }
      table[row + LAST] = value;
      table[row + LAST_T] = time;
    }
    table[row + N]!++;
  }

  /** Keeps this exact point (a deciding tick) in the series, whatever the bucket width. */
  pin(time: number, value: number | undefined): void {
    if (!Number.isFinite(time) || value === undefined || !Number.isFinite(value)) return;
    this.pins.push({ t: time, v: value });
  }

  /** The series to draw: up to four points per bucket, the pins, and a null at each break. */
  points(): SeriesPoints {
    const out: { t: number; v: number | null }[] = [];
    const table = this.table;
    let previousIndex: number | undefined;
    for (let row = 0; table !== undefined && row < this.count * STRIDE; row += STRIDE) {
      const index = table[row + INDEX]!;
      if (previousIndex !== undefined && index - previousIndex > this.breakAfter) out.push({ t: this.startOf(previousIndex + 1), v: null });
      if (table[row + N] === 0) {
        out.push({ t: this.startOf(index), v: null });
      } else {
        const four = [
          { t: table[row + FIRST_T]!, v: table[row + FIRST]! },
          { t: table[row + MIN_T]!, v: table[row + MIN]! },
          { t: table[row + MAX_T]!, v: table[row + MAX]! },
          { t: table[row + LAST_T]!, v: table[row + LAST]! },
        ].sort((x, y) => x.t - y.t);
        let lastT = Number.NaN;
        for (const p of four) {
          if (p.t !== lastT) out.push(p);
          lastT = p.t;
        }
      }
      previousIndex = index;
    }
    // Pins go in by time; a stable sort keeps a pin after a bucket point at the same time.
    const all = this.pins.length === 0 ? out : [...out, ...this.pins].sort((x, y) => x.t - y.t);
    return { t: all.map((p) => p.t), v: all.map((p) => p.v) };
  }

  private startOf(index: number): number {
    return (this.origin ?? 0) + index * this.width;
  }

  /** Doubles the width: buckets 2k and 2k+1 become bucket k (in place: this runs once per maxBuckets/2 values). */
  private coarsen(table: Float64Array): void {
    this.width *= 2;
    let into = -STRIDE;
    for (let row = 0; row < this.count * STRIDE; row += STRIDE) {
      const index = floor(table[row + INDEX]! / 2);
      if (into < 0 || table[into + INDEX] !== index) {
        into += STRIDE;
        if (into !== row) table.copyWithin(into, row, row + STRIDE);
        table[into + INDEX] = index;
      } else if (table[row + N]! > 0) {
        if (table[into + N] === 0) {
          table.copyWithin(into, row, row + STRIDE);
          table[into + INDEX] = index;
          continue;
        }
        if (table[row + MIN]! < table[into + MIN]!) {
          table[into + MIN] = table[row + MIN]!;
          table[into + MIN_T] = table[row + MIN_T]!;
        }
        if (table[row + MAX]! > table[into + MAX]!) {
          table[into + MAX] = table[row + MAX]!;
          table[into + MAX_T] = table[row + MAX_T]!;
        }
        table[into + LAST] = table[row + LAST]!;
        table[into + LAST_T] = table[row + LAST_T]!;
        table[into + N] = table[into + N]! + table[row + N]!;
      }
    }
    this.count = into / STRIDE + 1;
  }
}
