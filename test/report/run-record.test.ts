/**
 * What a run keeps of its events for the summary and the report: bounded, and enough to draw decisions on the
 * data they were made on.
 */
import * as v8 from 'node:v8';
import { events, type TradingEvent } from '../../src/domain/events';
import { chartItemLine, parseChartItems } from '../../src/report/chart-decisions';
import { RunRecord } from '../../src/report/run-record';
import { summarize } from '../../src/report/summary';
import type { SeriesPoints } from '../../src/report/time-buckets';
import { EventScript } from '../support/trading-events';

function record(log: readonly Parameters<RunRecord['add']>[0][], options: ConstructorParameters<typeof RunRecord>[0] = {}): RunRecord {
  const r = new RunRecord({ pairs: ['BTC-PERP'], ...options });
  log.forEach((e) => r.add(e));
  return r;
}

const pointAt = (s: SeriesPoints, time: number) => s.v[s.t.indexOf(time)];

describe('RunRecord: the charts', () => {
  const log = new EventScript()
    .samples(10)
    .trip({ longEntry: 100_000, shortEntry: 100_200, detected: 0.21, longExit: 100_150, shortExit: 100_140, exitDecided: 0.015, marks: [{ longExit: 100_050, shortExit: 100_180 }] })
    .samples(5)
    .trip({ direction: 'BOverA', longEntry: 100_300, shortEntry: 100_480, marks: [{ longExit: 100_280, shortExit: 100_470 }] })
    .shutdown();
  const data = record(log).reportData();
  const chart = data.pairs[0]!;

  it('puts each entry marker on its direction’s series, at the deciding tick, with that tick’s value', () => {
    const entries = chart.markers.filter((m) => m.kind === 'entry');
    expect(entries.map((m) => m.direction)).toEqual(['AOverB', 'BOverA']);
    for (const m of entries) {
      const series = m.direction === 'AOverB' ? chart.entryAOverB : chart.entryBOverA;
      expect(pointAt(series, m.time)).toBe(m.spread);
    }
    expect(entries[0]!.spread).toBe(0.21);
  });

  it('puts each exit marker on the held position’s exit spread, at the tick the exit was decided on', () => {
    const exits = chart.markers.filter((m) => m.kind === 'exit');
    expect(exits).toHaveLength(1);
    expect(exits[0]!.spread).toBe(0.015);
    expect(pointAt(chart.heldExit, exits[0]!.time)).toBe(0.015);
    // The other direction's spread of the same tick is on its own line too.
    expect(pointAt(chart.entryBOverA, exits[0]!.time)).toBe(0.015);
  });

  it('shades each held period from the opening to the close, the last one open to the end', () => {
    const opened = log.filter((e) => e.type === 'POSITION_OPENED').map((e) => e.time);
    const closed = log.filter((e) => e.type === 'POSITION_CLOSED').map((e) => e.time);
    expect(chart.held).toEqual([
      { direction: 'AOverB', from: opened[0], to: closed[0] },
      { direction: 'BOverA', from: opened[1], to: undefined },
    ]);
  });

  it('draws the held exit spread only while a position is held', () => {
    const flatSample = log.find((e) => e.type === 'SPREAD_MONITORING')!;
    expect(pointAt(chart.heldExit, flatSample.time)).toBeNull();
    const heldSample = log.filter((e) => e.type === 'SPREAD_MONITORING' && e.position !== undefined)[0]!;
    expect(pointAt(chart.heldExit, heldSample.time)).toEqual(heldSample.type === 'SPREAD_MONITORING' ? heldSample.exitAOverB : undefined);
  });

  it('does not draw a held exit spread for a sample whose tick predates the opening', () => {
    // sampleTime hands on the last tick it saw: a sample emitted just after the opening can carry an older time.
    const script = new EventScript().trip({ longEntry: 100_000, shortEntry: 100_200 });
    const openedAt = script.log.find((e) => e.type === 'POSITION_OPENED')!.time;
    script.add(events.spreadMonitoring(openedAt - 300, { pair: 'BTC-PERP', entryAOverB: 0.1, entryBOverA: -0.15, exitAOverB: -0.15, exitBOverA: 0.1 }));
    script.add(events.spreadMonitoring(openedAt + 200, { pair: 'BTC-PERP', entryAOverB: 0.1, entryBOverA: -0.12, exitAOverB: -0.12, exitBOverA: 0.1 }));
    const held = record(script.shutdown()).reportData().pairs[0]!.heldExit;
    expect(held.v.filter((v) => v !== null)).toEqual([-0.12]);
  });

  it('marks an entry that did not go through as failed, with the reason', () => {
    const failed = record(new EventScript().failedEntry({ longEntry: 100_000, unwindAt: 99_990 }).shutdown()).reportData().pairs[0]!;
    expect(failed.markers[0]).toMatchObject({ kind: 'entry', failed: true });
    expect(failed.markers[0]!.label).toMatch(/failed \(paradex rejected/);
  });

  it('draws equity as the summary counts it: realised net, fees paid, and net if closed now at the end', () => {
    const s = summarize(log);
    expect(data.equity.realisedNet.v.at(-1)).toBeCloseTo(s.netPnlUsd, 9);
    expect(data.equity.fees.v.at(-1)).toBeCloseTo(s.feesUsd, 9);
    expect(data.equity.funding.v.every((v) => v === 0)).toBe(true);
    const lastMarked = data.equity.netIfClosedNow.v.filter((v) => v !== null).at(-1);
    expect(lastMarked).toBeCloseTo(s.netIfClosedNowUsd!, 9);
  });
});

describe('RunRecord: bounded', () => {
  /** Folds `samples` spread samples with ten round trips among them, and returns the size of everything it keeps. */
  function retainedBytes(samples: number): number {
    // Few buckets, so that what the buckets hold (bounded by design) cannot hide a per-sample leak.
    const r = new RunRecord({ pairs: ['BTC-PERP'], recentLimit: 100, buckets: { maxBuckets: 50 } });
    const script = new EventScript();
    const tripEvery = samples / 10;
    for (let i = 0; i < samples; i++) {
      if (i % tripEvery === tripEvery - 1) {
        script.log.length = 0;
        script.trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140, marks: [{ longExit: 100_050, shortExit: 100_180 }] });
        script.log.forEach((e) => r.add(e));
      }
      const ab = Math.sin(i / 7) / 10;
      r.add(events.spreadMonitoring((script.time += 500), { pair: 'BTC-PERP', entryAOverB: ab, entryBOverA: -ab, exitAOverB: -ab, exitBOverA: ab }));
    }
    expect(r.eventCount).toBeGreaterThan(samples);
    expect(r.summary().roundTrips).toBe(10);
    return v8.serialize(r).length;
  }

  it('keeps no more for 50 times the spread samples: memory does not grow with uptime', () => {
    const small = retainedBytes(2_000);
    const large = retainedBytes(100_000);
    // The same trades; 98,000 more samples. What may differ is how full the buckets are (7 series of at most 50
    // buckets, ~120 bytes each): 42 kB. Were each sample to leave even one byte behind, that would be 98 kB.
    expect(large).toBeLessThan(small + 7 * 50 * 120);
  });

  it('keeps the last notable events in order, and counts every event', () => {
    const log = new EventScript().samples(50).trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 }).shutdown();
    const r = record(log, { recentLimit: 5 });
    const notable = log.filter((e) => e.type !== 'SPREAD_MONITORING' && e.type !== 'POSITION_MONITORING');
    expect(r.recentEvents()).toEqual(notable.slice(-5));
    expect(r.eventCount).toBe(log.length);
    expect(r.eventCounts().SPREAD_MONITORING).toBe(50);
    expect(r.eventCounts().ORDER_FILLED).toBe(4);
  });
});

describe('RunRecord: chart decisions kept per pair (chartItemsKept), the rest spilled and read back for the report', () => {
  /** Many round trips, one of them failed at entry, some samples between, a position open at the end. */
  function longLog(trips: number): TradingEvent[] {
    const script = new EventScript().samples(5);
    for (let i = 0; i < trips; i++) {
      if (i === 3) script.failedEntry({ longEntry: 100_000, unwindAt: 99_990 });
      script.trip({ direction: i % 2 === 0 ? 'AOverB' : 'BOverA', longEntry: 100_000 + i, shortEntry: 100_200 + i, longExit: 100_150, shortExit: 100_140, marks: [{ longExit: 100_050, shortExit: 100_180 }] });
      script.samples(3);
    }
    script.trip({ longEntry: 100_000, shortEntry: 100_200, marks: [{ longExit: 100_050, shortExit: 100_180 }] });
    return script.shutdown();
  }

  const log = longLog(40);
  const all = record(log);
  const lines: string[] = [];
  const bounded = record(log, { chartItemsKept: 3, onChartItem: (item) => lines.push(chartItemLine(item)) });

  it('holds only the newest markers and held periods in memory', () => {
    const held = bounded.reportData().pairs[0]!;
    expect(held.markers).toHaveLength(3);
    expect(held.held).toHaveLength(3);
    expect(held.markers).toEqual(all.reportData().pairs[0]!.markers.slice(-3));
    // The newest held period is the position still open.
    expect(held.held.at(-1)!.to).toBeUndefined();
  });

  it('draws, with the spilled items read back, exactly what keeping every one draws: every marker, on its tick', () => {
    const spilled = parseChartItems(lines.join(''));
    expect(spilled.badLines).toBe(0);
    const data = bounded.reportData(spilled);
    expect(data).toEqual(all.reportData());
    const chart = data.pairs[0]!;
    // 41 entries (one failed, marked so), 40 exits, 41 held periods.
    expect(chart.markers.filter((m) => m.kind === 'entry')).toHaveLength(42);
    expect(chart.markers.filter((m) => m.failed)).toHaveLength(1);
    expect(chart.markers.filter((m) => m.kind === 'exit')).toHaveLength(40);
    expect(chart.held).toHaveLength(41);
    // Every marker decided on a tick (all but the failed entry's signal, which carried none here).
    for (const m of chart.markers.filter((x) => !x.failed)) {
      const series = m.kind === 'exit' ? chart.heldExit : m.direction === 'AOverB' ? chart.entryAOverB : chart.entryBOverA;
      expect(pointAt(series, m.time)).toBe(m.spread);
    }
  });

  it('does not grow with the round trips: ten times the trips, the same bytes held', () => {
    const held = (trips: number) => {
      // No onChartItem (spilled items are dropped): v8.serialize cannot take a function.
      const r = record(longLog(trips), { chartItemsKept: 3, tradeRowsKept: 2, buckets: { maxBuckets: 50 } });
      return v8.serialize(r).length;
    };
    const few = held(30);
    const many = held(300);
    // 270 more trips; each used to leave ~1 KB (markers, labels, pins, held periods, trade rows) behind. What
    // may differ: how full 7 series of at most 50 buckets are (~120 B each), and the latencies (exact, one number a
    // trip, for the first 10,000 round trips: latency-quantiles.ts).
    expect(many - few).toBeLessThan(7 * 50 * 120);
  });
});
