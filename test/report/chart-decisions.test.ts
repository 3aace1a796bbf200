/**
 * The chart's decisions kept bounded in memory: the newest in a SpillingList, older ones as chart.ndjson lines
 * read back for the report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpillingList, chartItemLine, parseChartItems, readChartItems, withPins, type ChartItem } from '../../src/report/chart-decisions';

describe('SpillingList', () => {
  it('holds the newest `kept` items, oldest first, and hands each older one to spill once, in order', () => {
    const spilled: number[] = [];
    const list = new SpillingList<number>(3, (n) => spilled.push(n));
    for (let i = 0; i < 100; i++) list.push(i);
    expect(list.toArray()).toEqual([97, 98, 99]);
    expect(list.length).toBe(3);
    expect(list.last()).toBe(99);
    expect(list.at(0)).toBe(97);
    expect(list.at(3)).toBeUndefined();
    expect(spilled).toEqual(Array.from({ length: 97 }, (_, i) => i));
  });

  it('drops the older items when nothing takes them, and refuses to keep none', () => {
    const list = new SpillingList<number>(1, undefined);
    list.push(1);
    list.push(2);
    expect(list.toArray()).toEqual([2]);
    expect(() => new SpillingList<number>(0, undefined)).toThrow(RangeError);
  });
});

describe('chart.ndjson', () => {
  const items: ChartItem[] = [
    { pair: 'BTC-PERP', marker: { kind: 'entry', time: 1000, spread: 0.2, direction: 'AOverB', label: 'entry', failed: false, pins: { t: 1000, entryAOverB: 0.2, entryBOverA: -0.25 } } },
    { pair: 'BTC-PERP', held: { direction: 'AOverB', from: 1100, to: 5000 } },
    { pair: 'ETH-PERP', marker: { kind: 'exit', time: 2000, spread: -0.01, direction: 'BOverA', label: 'exit', failed: true } },
  ];

  it('reads back what was written, per pair in order, and counts a line cut short', () => {
    const text = `${items.map(chartItemLine).join('')}{"pair":"BTC-PERP","mar`;
    const read = parseChartItems(text);
    expect(read.badLines).toBe(1);
    expect(read.markers.get('BTC-PERP')).toEqual([{ kind: 'entry', time: 1000, spread: 0.2, direction: 'AOverB', label: 'entry', failed: false, pins: { t: 1000, entryAOverB: 0.2, entryBOverA: -0.25 } }]);
    expect(read.held.get('BTC-PERP')).toEqual([{ direction: 'AOverB', from: 1100, to: 5000 }]);
    expect(read.markers.get('ETH-PERP')![0]).toMatchObject({ kind: 'exit', failed: true });
  });

  it('reads an absent file as nothing spilled', () => {
    const read = readChartItems(path.join(os.tmpdir(), `no-such-${process.pid}`, 'chart.ndjson'));
    expect(read.markers.size + read.held.size + read.badLines).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-items-'));
    try {
      fs.writeFileSync(path.join(dir, 'chart.ndjson'), items.map(chartItemLine).join(''));
      expect(readChartItems(path.join(dir, 'chart.ndjson')).markers.get('ETH-PERP')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('withPins', () => {
  it('puts each pin in time order, after a series point at the same time', () => {
    const points = { t: [1, 3, 5], v: [10, null, 50] };
    expect(withPins(points, [{ t: 5, v: 55 }, { t: 0, v: 1 }, { t: 3, v: 33 }])).toEqual({ t: [0, 1, 3, 3, 5, 5], v: [1, 10, null, 33, 50, 55] });
    expect(withPins(points, [])).toBe(points);
  });
});
