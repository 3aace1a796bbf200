/**
 * The decisions drawn on a run's spread charts (a marker at each entry and exit, a shaded period per position
 * held), kept so that memory does not grow with the round trips: each pair holds its newest `kept` markers and
 * held periods; older ones are handed to `onSpill` (a run writes them to its folder's chart.ndjson, one JSON line
 * each) and read back when the report is drawn, so the report still shows every decision. Pure but for the file
 * read at the end (readChartItems).
 *
 * A marker carries the exact values of the tick it was decided on (its pins): the charted series are bucketed
 * (time-buckets.ts), and the pins put the marker's tick back on the line whatever the bucket width.
 */
import * as fs from 'node:fs';
import type { Direction } from '../domain/spread';
import type { SeriesPoints } from './time-buckets';

export const CHART_ITEMS_FILE = 'chart.ndjson';

/** A decision on the spread chart, at the tick it was decided on. */
export interface ChartMarker {
  readonly kind: 'entry' | 'exit';
  readonly time: number;
  /** The spread of the deciding tick: the entry spread of the direction entered, or the position's exit spread. */
  readonly spread: number;
  readonly direction: Direction;
  label: string;
  /** The entry or close that followed did not go through (TRADE_FAILED, CLOSE_FAILED). */
  failed: boolean;
}

/** A position held on a pair, from its opening to its close (`to` undefined: still open at the end). */
export interface HeldPeriod {
  readonly direction: Direction;
  readonly from: number;
  to: number | undefined;
}

/** The deciding tick's values on each charted series (those it had), at `t`. */
export interface DecisionPins {
  readonly t: number;
  readonly entryAOverB?: number;
  readonly entryBOverA?: number;
  readonly heldExit?: number;
}

/** A marker as it is kept: with the pins of its tick, when it had one. */
export interface KeptMarker extends ChartMarker {
  readonly pins?: DecisionPins;
}

/** One line of chart.ndjson: a marker or a held period no longer held in memory. */
export type ChartItem = { readonly pair: string; readonly marker: KeptMarker } | { readonly pair: string; readonly held: HeldPeriod };

/**
 * The newest `kept` items in memory, oldest first; an item pushed past that hands the oldest to `spill`.
 * Only the newest items change after they are pushed (a failed entry's or close's marker within moments, the open
 * held period at its close), so an item spilled is final.
 */
export class SpillingList<T> {
  private readonly items: T[] = [];
  private head = 0;

  constructor(
    private readonly kept: number,
    private readonly spill: ((item: T) => void) | undefined,
  ) {
    if (!(kept >= 1)) throw new RangeError(`SpillingList: kept must be >= 1, got ${kept}`);
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length - this.head > this.kept) {
      this.spill?.(this.items[this.head]!);
      this.items[this.head++] = undefined as T;
      // Compact once the dropped slots are as many as the kept ones: amortised O(1), at most 2 × kept slots.
      if (this.head >= this.kept) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  get length(): number {
    return this.items.length - this.head;
  }

  at(i: number): T | undefined {
    return i >= 0 && i < this.length ? this.items[this.head + i] : undefined;
  }

  last(): T | undefined {
    return this.at(this.length - 1);
  }

  /** The items held, oldest first (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head);
  }
}

/** The pins of `markers` on one series, in time order. */
export function pinsOf(markers: readonly KeptMarker[], series: 'entryAOverB' | 'entryBOverA' | 'heldExit'): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  for (const m of markers) {
    const v = m.pins?.[series];
    if (m.pins !== undefined && v !== undefined) out.push({ t: m.pins.t, v });
  }
  return out;
}

/** Points of a series with pins merged in by time (a pin after a series point at the same time). */
export function withPins(points: SeriesPoints, pins: readonly { t: number; v: number }[]): SeriesPoints {
  if (pins.length === 0) return points;
  const sorted = [...pins].sort((x, y) => x.t - y.t);
  const t: number[] = [];
  const v: (number | null)[] = [];
  let p = 0;
  for (let i = 0; i < points.t.length; i++) {
    while (p < sorted.length && sorted[p]!.t < points.t[i]!) {
      t.push(sorted[p]!.t);
      v.push(sorted[p++]!.v);
    }
    t.push(points.t[i]!);
    v.push(points.v[i]!);
  }
  for (; p < sorted.length; p++) {
    t.push(sorted[p]!.t);
    v.push(sorted[p]!.v);
  }
  return { t, v };
}

/** One line of chart.ndjson. */
export function chartItemLine(item: ChartItem): string {
  return `${JSON.stringify(item)}\n`;
}

/** The items of chart.ndjson per pair, in file order; a line that does not parse (a write cut short) is counted. */
export function parseChartItems(text: string): { markers: Map<string, KeptMarker[]>; held: Map<string, HeldPeriod[]>; badLines: number } {
  const markers = new Map<string, KeptMarker[]>();
  const held = new Map<string, HeldPeriod[]>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const item = JSON.parse(line) as Partial<{ pair: unknown; marker: KeptMarker; held: HeldPeriod }>;
      if (typeof item.pair !== 'string') throw new Error('no pair');
      if (item.marker !== undefined && typeof item.marker.time === 'number') push(markers, item.pair, item.marker);
      else if (item.held !== undefined && typeof item.held.from === 'number') push(held, item.pair, { direction: item.held.direction, from: item.held.from, to: item.held.to ?? undefined });
      else throw new Error('neither a marker nor a held period');
    } catch {
      badLines++;
    }
  }
  return { markers, held, badLines };
}

function push<T>(map: Map<string, T[]>, pair: string, item: T): void {
  const list = map.get(pair);
  if (list === undefined) map.set(pair, [item]);
  else list.push(item);
}

/** The items spilled to `file`; none when it is absent or unreadable (the report then shows the newest only). */
export function readChartItems(file: string): ReturnType<typeof parseChartItems> {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // Absent (nothing spilled) or unreadable: only what is in memory can be drawn.
  }
  return parseChartItems(text);
}
