/**
 * trades.ndjson: every closed round trip's row on disk, so a long run's report lists them all while the run holds
 * only the newest in memory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SummaryFold } from '../../src/report/summary';
import { completeTradeRows, parseTradeRows, tradeRowLine } from '../../src/report/trade-rows';
import { EventScript } from '../support/trading-events';

/** Three round trips, the last closed on shutdown (no exit spread decided: NaN). */
function rows() {
  const script = new EventScript()
    .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_150, shortExit: 100_140 })
    .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 99_900, shortExit: 100_250 })
    .trip({ longEntry: 100_000, shortEntry: 100_200, longExit: 100_100, shortExit: 100_120, exitDecided: Number.NaN });
  const fold = new SummaryFold();
  script.shutdown().forEach((e) => fold.add(e));
  return fold.summary().trades;
}

describe('trades.ndjson', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trade-rows-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back every row as written, a NaN exit spread included, the last line of a number winning', () => {
    const trades = rows();
    expect(trades).toHaveLength(3);
    expect(Number.isNaN(trades[2]!.exitSpread)).toBe(true);
    const changed = { ...trades[1]!, grossPnlUsd: -9 };
    const text = trades.map((t, n) => tradeRowLine(n, t)).join('') + tradeRowLine(1, changed);
    const read = parseTradeRows(text);
    expect(read.badLines).toBe(0);
    expect(read.rows).toEqual([trades[0], changed, trades[2]]);
  });

  it('counts a line cut short (a full disk) as bad and keeps the others', () => {
    const trades = rows();
    const text = tradeRowLine(0, trades[0]!) + tradeRowLine(1, trades[1]!).slice(0, 40) + '\n' + tradeRowLine(2, trades[2]!);
    const read = parseTradeRows(text);
    expect(read.badLines).toBe(1);
    expect(read.rows).toEqual([trades[0], undefined, trades[2]]);
  });

  it('lists every round trip from the file and the rows still in memory, and counts those neither holds', () => {
    const trades = rows();
    const file = path.join(dir, 'trades.ndjson');
    fs.writeFileSync(file, tradeRowLine(0, trades[0]!));
    // Row 1 was never written (disk full at the time); row 2 is still in memory.
    expect(completeTradeRows(file, trades.slice(2), 3)).toEqual({ rows: [trades[0], trades[2]], missing: 1 });
    fs.appendFileSync(file, tradeRowLine(1, trades[1]!));
    expect(completeTradeRows(file, trades.slice(2), 3)).toEqual({ rows: trades, missing: 0 });
    expect(completeTradeRows(path.join(dir, 'absent.ndjson'), trades.slice(1), 3)).toEqual({ rows: trades.slice(1), missing: 1 });
  });
});
