/** The summary's drawdowns (report/summary.ts): the largest fall of an equity from its running peak. */

/** Running peak of an equity that starts at 0, and the largest fall from it. */
export class Drawdown {
  private peak = 0;
  private peakAt: number | undefined;
  max = 0;
  from: number | undefined;
  to: number | undefined;

  start(time: number): void {
    this.peakAt ??= time;
  }

  observe(time: number, equity: number): void {
    // At the peak again: the fall that may follow starts now, not when the peak was first reached.
    if (equity >= this.peak) {
      this.peak = equity;
      this.peakAt = time;
      return;
    }
    const fall = this.peak - equity;
    if (fall > this.max) {
      this.max = fall;
      this.from = this.peakAt;
      this.to = time;
    }
  }
}
