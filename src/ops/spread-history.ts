/**
 * The recent spreads of one pair, for the dashboard's chart when it opens (live points then come over the
 * event stream). Bounded: at most `capacity` points, at most one per `stepMs` (a later sample in the same step
 * replaces the step's point, so the chart shows the latest value of each step, not the first).
 */

/** [time ms, net entry A>B %, net entry B>A %, exit spread of the held position % (null when flat)]. */
export type SpreadPoint = readonly [number, number | null, number | null, number | null];

export class SpreadHistory {
  private readonly points: SpreadPoint[] = [];

  constructor(
    private readonly capacity = 900,
    private readonly stepMs = 1000,
  ) {}

  add(point: SpreadPoint): void {
    const last = this.points[this.points.length - 1];
    if (last !== undefined && Math.floor(last[0] / this.stepMs) === Math.floor(point[0] / this.stepMs)) {
      this.points[this.points.length - 1] = point;
      return;
    }
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  /** Oldest first. */
  list(): SpreadPoint[] {
    return this.points.slice();
  }
}
