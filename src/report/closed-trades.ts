/**
 * The closed round trips of a run as the summary fold keeps them (pure): the newest `rowsKept` rows in memory,
 * and running figures over every round trip (count, wins, hold time, per pair sums), so that the figures stay
 * exact while the rows held stay bounded. Every row, as it closes or changes, goes to `onTrade` (a run writes it
 * to trades.ndjson: trade-rows.ts).
 */
import type { RoundTrip } from './summary';

/** One pair's closed round trips, summed. */
export interface PairRealised {
  roundTrips: number;
  grossPnlUsd: number;
  feesUsd: number;
  fundingUsd: number;
  netPnlUsd: number;
}

export interface SummaryFoldOptions {
  /**
   * Closed round trips whose rows stay in memory (the newest; the summary's `trades`). Default: all of them. A run
   * of weeks keeps a bounded number and hands every row to `onTrade`, which stores it (the run folder's
   * trades.ndjson); every figure still counts every round trip.
   */
  tradeRowsKept?: number;
  /** Each closed round trip's row, numbered from 0 in closing order; again under the same number when a late fill changes it. */
  onTrade?: (index: number, row: RoundTrip) => void;
}

export class ClosedTrades {
  /** The newest rows, oldest first; `count` closed in all. */
  private readonly rows: RoundTrip[] = [];
  private closedCount = 0;
  private winCount = 0;
  private holdSumMs = 0;
  private readonly perPair = new Map<string, PairRealised>();
  private readonly rowsKept: number;
  private readonly onTrade: SummaryFoldOptions['onTrade'];

  constructor(options: SummaryFoldOptions = {}) {
    const kept = options.tradeRowsKept ?? Number.POSITIVE_INFINITY;
    if (!(kept >= 0)) throw new RangeError(`SummaryFold: tradeRowsKept must be >= 0, got ${kept}`);
    this.rowsKept = kept;
    this.onTrade = options.onTrade;
  }

  get count(): number {
    return this.closedCount;
  }

  /** Share of round trips with a positive net PnL, 0..1; 0 when there were none. */
  get winRate(): number {
    return this.closedCount === 0 ? 0 : this.winCount / this.closedCount;
  }

  get avgHoldMs(): number | undefined {
    return this.closedCount === 0 ? undefined : this.holdSumMs / this.closedCount;
  }

  /** The rows held, oldest first (a copy). */
  list(): RoundTrip[] {
    return [...this.rows];
  }

  byPair(): Record<string, PairRealised> {
    return Object.fromEntries([...this.perPair].map(([pair, r]) => [pair, { ...r }]));
  }

  add(row: RoundTrip): void {
    this.closedCount++;
    this.holdSumMs += row.closedAt - row.openedAt;
    this.count_(row, undefined);
    this.rows.push(row);
    if (this.rows.length > this.rowsKept) this.rows.splice(0, this.rows.length - this.rowsKept);
    this.onTrade?.(this.closedCount - 1, row);
  }

  /** The pair's newest row still held, with its position among the rows held; undefined when none is. */
  lastOf(pair: string): { row: RoundTrip; at: number } | undefined {
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i]!.pair === pair) return { row: this.rows[i]!, at: i };
    return undefined;
  }

  /** A held row changed (a late fill): the figures follow, and the store gets it again under its number. */
  replace(at: number, row: RoundTrip): void {
    const before = this.rows[at]!;
    this.rows[at] = row;
    this.count_(row, before);
    this.onTrade?.(this.closedCount - this.rows.length + at, row);
  }

  /** The wins and the pair's sums take `row` in place of `replaced`. */
  private count_(row: RoundTrip, replaced: RoundTrip | undefined): void {
    const r = this.perPair.get(row.pair) ?? { roundTrips: 0, grossPnlUsd: 0, feesUsd: 0, fundingUsd: 0, netPnlUsd: 0 };
    if (replaced === undefined) r.roundTrips++;
    this.winCount += (row.netPnlUsd > 0 ? 1 : 0) - (replaced !== undefined && replaced.netPnlUsd > 0 ? 1 : 0);
    r.grossPnlUsd += row.grossPnlUsd - (replaced?.grossPnlUsd ?? 0);
    r.feesUsd += row.feesUsd - (replaced?.feesUsd ?? 0);
    r.fundingUsd += row.fundingUsd - (replaced?.fundingUsd ?? 0);
    r.netPnlUsd += row.netPnlUsd - (replaced?.netPnlUsd ?? 0);
    this.perPair.set(row.pair, r);
  }
}
