/**
 * What a run remembers of its events for the summary and the report, folded as they happen (pure). Memory is
 * bounded by design, whatever the uptime:
 * - the summary fold keeps one state per pair and the rows of the newest `tradeRowsKept` round trips (summary.ts;
 *   every row goes to `onTrade`, which a run writes to its trades.ndjson);
 * - spreads and equity are bucketed series (time-buckets.ts): O(maxBuckets) points, spikes kept;
 * - decisions (markers with the ticks they decided on, held periods): the newest `chartItemsKept` per pair, older
 *   ones handed to `onChartItem` (a run's chart.ndjson, read back for the report: chart-decisions.ts);
 * - only the last `recentLimit` notable events are kept, beside a count per event type.
 * The events themselves are in events.ndjson; nothing here holds the whole log.
 */
import type { SpreadDetected, SpreadMonitoring, TradeExit, TradingEvent, TradingEventType } from '../domain/events';
import type { Direction } from '../domain/spread';
import type { PairExposure } from '../execution/types';
import { SummaryFold, type RunSummary, type SummaryFoldOptions } from './summary';
import { SpillingList, pinsOf, withPins, type ChartItem, type ChartMarker, type DecisionPins, type HeldPeriod, type KeptMarker } from './chart-decisions';
import { BucketedSeries, type BucketedSeriesOptions, type SeriesPoints } from './time-buckets';

export type { ChartMarker, HeldPeriod } from './chart-decisions';

export interface PairChartData {
  readonly pair: string;
  /** Gross entry spreads per direction, percent. */
  readonly entryAOverB: SeriesPoints;
  readonly entryBOverA: SeriesPoints;
  /** Exit spread of the position held, percent (breaks while flat). */
  readonly heldExit: SeriesPoints;
  readonly markers: readonly ChartMarker[];
  readonly held: readonly HeldPeriod[];
}

export interface EquityChartData {
  /** Realised net PnL (gross of closed round trips − fees paid + funding), USD. */
  readonly realisedNet: SeriesPoints;
  /** Realised net + open positions marked to the books, USD (breaks while it cannot be known). */
  readonly netIfClosedNow: SeriesPoints;
  /** Fees paid so far, USD (a cost: positive). */
  readonly fees: SeriesPoints;
  /** Funding so far, USD (+ = received): realised by closed round trips plus accrued by open positions. */
  readonly funding: SeriesPoints;
}

export interface ReportData {
  readonly pairs: readonly PairChartData[];
  readonly equity: EquityChartData;
  /** The last notable events (no spread or position samples), oldest first. */
  readonly recentEvents: readonly TradingEvent[];
  readonly eventCount: number;
  readonly eventCounts: Readonly<Partial<Record<TradingEventType, number>>>;
}

export interface RunRecordOptions {
  /** Pairs to chart, in order (others are charted as they appear). */
  pairs?: readonly string[];
  /** Notable events kept for the report and the run's result. Default 500. */
  recentLimit?: number;
  /** Bucketing of every charted series (widthMs: the spread sample period). */
  buckets?: BucketedSeriesOptions;
  /** Round trips' rows kept in memory, and where every row goes (SummaryFoldOptions). Default: all kept. */
  tradeRowsKept?: number;
  onTrade?: SummaryFoldOptions['onTrade'];
  /**
   * Markers, and held periods, kept in memory per pair (the newest); older ones go to `onChartItem`, and
   * `reportData` takes them back. Default: all kept.
   */
  chartItemsKept?: number;
  onChartItem?: (item: ChartItem) => void;
}

/** What was spilled (chart-decisions.ts readChartItems), per pair, oldest first. */
export interface SpilledChart {
  readonly markers: ReadonlyMap<string, readonly KeptMarker[]>;
  readonly held: ReadonlyMap<string, readonly HeldPeriod[]>;
}

/** Spread samples and position polls: the high-rate events that are charted, not listed. */
export function isSample(e: TradingEvent): boolean {
  return e.type === 'SPREAD_MONITORING' || e.type === 'POSITION_MONITORING';
}

class PairChart {
  readonly entryAOverB: BucketedSeries;
  readonly entryBOverA: BucketedSeries;
  readonly heldExit: BucketedSeries;
  readonly markers: SpillingList<KeptMarker>;
  readonly held: SpillingList<HeldPeriod>;
  holding: Direction | undefined;

  constructor(
    readonly pair: string,
    buckets: BucketedSeriesOptions,
    kept: number,
    onItem: RunRecordOptions['onChartItem'],
  ) {
    this.entryAOverB = new BucketedSeries(buckets);
    this.entryBOverA = new BucketedSeries(buckets);
    this.heldExit = new BucketedSeries(buckets);
    this.markers = new SpillingList(kept, onItem && ((marker) => onItem({ pair, marker })));
    this.held = new SpillingList(kept, onItem && ((held) => onItem({ pair, held })));
  }

  data(spilled: SpilledChart | undefined): PairChartData {
    const markers = [...(spilled?.markers.get(this.pair) ?? []), ...this.markers.toArray()];
    const held = [...(spilled?.held.get(this.pair) ?? []), ...this.held.toArray()];
    return {
      pair: this.pair,
      entryAOverB: withPins(this.entryAOverB.points(), pinsOf(markers, 'entryAOverB')),
      entryBOverA: withPins(this.entryBOverA.points(), pinsOf(markers, 'entryBOverA')),
      heldExit: withPins(this.heldExit.points(), pinsOf(markers, 'heldExit')),
      markers: markers.map(({ pins: _pins, ...m }) => m),
      held: held.map((h) => ({ ...h })),
    };
  }

  lastMarker(kind: ChartMarker['kind']): ChartMarker | undefined {
    for (let i = this.markers.length - 1; i >= 0; i--) if (this.markers.at(i)!.kind === kind) return this.markers.at(i);
    return undefined;
  }
}

/** A fixed-size ring of the newest items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.limit <= 0) return;
    if (this.items.length < this.limit) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.limit;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.limit ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

/** The deciding tick's finite values as the marker's pins (none without a tick). */
function pinsAt(time: number | undefined, values: { entryAOverB?: number | undefined; entryBOverA?: number | undefined; heldExit?: number | undefined }): { pins?: DecisionPins } {
  if (time === undefined || !Number.isFinite(time)) return {};
  const pins: { t: number; entryAOverB?: number; entryBOverA?: number; heldExit?: number } = { t: time };
  for (const key of ['entryAOverB', 'entryBOverA', 'heldExit'] as const) {
    const v = values[key];
    if (v !== undefined && Number.isFinite(v)) pins[key] = v;
  }
  return { pins };
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(4)}%`);

export class RunRecord {
  private readonly fold: SummaryFold;
  private readonly charts = new Map<string, PairChart>();
  private readonly equity: Record<keyof EquityChartData, BucketedSeries>;
  private readonly recent: Ring<TradingEvent>;
  private readonly counts: Partial<Record<TradingEventType, number>> = {};
  private count = 0;
  private readonly buckets: BucketedSeriesOptions;
  private readonly chartItemsKept: number;
  private readonly onChartItem: RunRecordOptions['onChartItem'];

  constructor(options: RunRecordOptions = {}) {
    this.buckets = options.buckets ?? {};
    this.chartItemsKept = options.chartItemsKept ?? Number.POSITIVE_INFINITY;
    this.onChartItem = options.onChartItem;
    this.fold = new SummaryFold({ ...(options.tradeRowsKept !== undefined ? { tradeRowsKept: options.tradeRowsKept } : {}), ...(options.onTrade ? { onTrade: options.onTrade } : {}) });
    this.recent = new Ring(options.recentLimit ?? 500);
    for (const pair of options.pairs ?? []) this.chart(pair);
    this.equity = {
      realisedNet: new BucketedSeries(this.buckets),
      netIfClosedNow: new BucketedSeries(this.buckets),
      fees: new BucketedSeries(this.buckets),
      funding: new BucketedSeries(this.buckets),
    };
  }

  add(e: TradingEvent): void {
    this.count++;
    this.counts[e.type] = (this.counts[e.type] ?? 0) + 1;
    if (!isSample(e)) this.recent.push(e);
    this.fold.add(e);
    this.chartEvent(e);
    // Equity is drawn at samples and where a trade settles, not at each fill: a close's fees are paid a few ms
    // before its gross is realised, which would draw as a spike at every close.
    if (e.type === 'SPREAD_MONITORING' || e.type === 'POSITION_OPENED' || e.type === 'POSITION_CLOSED' || e.type === 'TRADE_FAILED' || e.type === 'FUNDING_ACCRUED') {
      this.equity.realisedNet.add(e.time, this.fold.realisedNetUsd());
      this.equity.fees.add(e.time, this.fold.paidFeesUsd());
      this.equity.funding.add(e.time, this.fold.fundingWithAccruedUsd());
      this.equity.netIfClosedNow.add(e.time, this.fold.netIfClosedNowUsd());
    }
  }

  /** See SummaryFold.summary. */
  summary(openAtExit?: number, exposureAtExit: readonly PairExposure[] = []): RunSummary {
    return this.fold.summary(openAtExit, exposureAtExit);
  }

  /** The last notable events, oldest first. */
  recentEvents(): TradingEvent[] {
    return this.recent.toArray();
  }

  get eventCount(): number {
    return this.count;
  }

  eventCounts(): Partial<Record<TradingEventType, number>> {
    return { ...this.counts };
  }

  /** The report's data; `spilled`: the chart items handed to `onChartItem`, read back (readChartItems). */
  reportData(spilled?: SpilledChart): ReportData {
    return {
      pairs: [...this.charts.values()].map((c) => c.data(spilled)),
      equity: {
        realisedNet: this.equity.realisedNet.points(),
        netIfClosedNow: this.equity.netIfClosedNow.points(),
        fees: this.equity.fees.points(),
        funding: this.equity.funding.points(),
      },
      recentEvents: this.recentEvents(),
      eventCount: this.count,
      eventCounts: this.eventCounts(),
    };
  }

  private chart(pair: string): PairChart {
    let c = this.charts.get(pair);
    if (c === undefined) {
      c = new PairChart(pair, this.buckets, this.chartItemsKept, this.onChartItem);
      this.charts.set(pair, c);
    }
    return c;
  }

  private chartEvent(e: TradingEvent): void {
    switch (e.type) {
      case 'SPREAD_MONITORING':
        return this.chartSample(e);
      case 'SPREAD_DETECTED':
        return this.chartEntry(e);
      case 'TRADE_FAILED':
        return this.markFailed(e.pair, 'entry', `: failed (${e.reason})`);
      case 'POSITION_OPENED': {
        const c = this.chart(e.pair);
        c.holding = e.direction;
        c.held.push({ direction: e.direction, from: e.time, to: undefined });
        return;
      }
      case 'TRADE_EXIT':
        return this.chartExit(e);
      case 'CLOSE_FAILED':
        return this.markFailed(e.pair, 'exit', `: close failed (${e.reason})`);
      case 'POSITION_CLOSED': {
        const c = this.chart(e.pair);
        c.holding = undefined;
        const period = c.held.last();
        if (period !== undefined && period.to === undefined) period.to = e.time;
        return;
      }
      default:
        return;
    }
  }

  private chartSample(e: SpreadMonitoring): void {
    const c = this.chart(e.pair);
    c.entryAOverB.add(e.time, e.entryAOverB);
    c.entryBOverA.add(e.time, e.entryBOverA);
    // A sample carries its tick's time, which can predate an opening announced since: not held yet.
    const since = c.held.last()?.from ?? Infinity;
    const holding = e.time >= since ? c.holding : undefined;
    c.heldExit.add(e.time, holding === 'AOverB' ? e.exitAOverB : holding === 'BOverA' ? e.exitBOverA : undefined);
  }

  private chartEntry(e: SpreadDetected): void {
    const c = this.chart(e.pair);
    const tick = e.tick;
    const spread = (e.direction === 'AOverB' ? tick?.entryAOverB : tick?.entryBOverA) ?? e.entrySpread;
    c.markers.push({
      kind: 'entry',
      time: tick?.time ?? e.time,
      spread,
      direction: e.direction,
      label: `entry ${e.direction} at ${pct(spread)} gross (${pct(e.netSpread)} net ≥ ${pct(e.threshold)})`,
      failed: false,
      ...pinsAt(tick?.time, { entryAOverB: tick?.entryAOverB, entryBOverA: tick?.entryBOverA }),
    });
  }

  private chartExit(e: TradeExit): void {
    const c = this.chart(e.pair);
    const tick = e.tick;
    c.markers.push({
      kind: 'exit',
      time: tick?.time ?? e.time,
      spread: e.exitSpread,
      direction: c.holding ?? 'AOverB',
      label: `exit at ${pct(e.exitSpread)} (target ${pct(e.exitTarget)}; entry ${pct(e.entrySpread)}, profit ${pct(e.profit)} gross)`,
      failed: false,
      ...pinsAt(tick?.time, { entryAOverB: tick?.entryAOverB, entryBOverA: tick?.entryBOverA, heldExit: e.exitSpread }),
    });
  }

  /** The pair's last marker of this kind failed (its entry, or its close): said once, on the marker. */
  private markFailed(pair: string, kind: 'entry' | 'exit', suffix: string): void {
    const m = this.charts.get(pair)?.lastMarker(kind);
    if (m !== undefined && !m.failed) {
      m.failed = true;
      m.label += suffix;
    }
  }
}
