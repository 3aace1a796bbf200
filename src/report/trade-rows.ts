/**
 * The run folder's trades.ndjson: every closed round trip's row, one JSON line each, as it closes (and again,
 * under the same number, when a late fill changes it). A run keeps only the newest rows in memory
 * (SummaryFoldOptions.tradeRowsKept); its report is built from this file at the end, so it lists every round
 * trip however long the run. Non-finite numbers (a close on shutdown has no exit spread: NaN) are written as
 * strings, which JSON cannot hold otherwise, and read back as numbers.
 */
import * as fs from 'node:fs';
import type { RoundTrip, RunSummary } from './summary';

export const TRADE_ROWS_FILE = 'trades.ndjson';

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** One line of trades.ndjson: `{"n":index,...row}`. */
export function tradeRowLine(index: number, row: RoundTrip): string {
  return `${JSON.stringify({ n: index, ...row }, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`;
}

export interface TradeRowsRead {
  /** Rows by number, the last line of each number winning; `undefined` where a number has no line. */
  readonly rows: (RoundTrip | undefined)[];
  /** Lines that did not parse (a write cut short by a full disk, say). */
  readonly badLines: number;
}

export function parseTradeRows(text: string): TradeRowsRead {
  const rows: (RoundTrip | undefined)[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const { n, ...row } = JSON.parse(line, (_key, v: unknown) => (typeof v === 'string' && NON_FINITE.has(v) ? Number(v) : v)) as RoundTrip & { n: unknown };
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error('no row number');
      while (rows.length < n) rows.push(undefined);
      rows[n] = row;
    } catch {
      badLines++;
    }
  }
  return { rows, badLines };
}

/**
 * Every row of a run: the file's, with the rows still in memory (the newest `kept`, numbered from `total −
 * kept.length`) taking precedence. `missing` counts the round trips neither holds (the file could not be written
 * or read): their figures are in the summary, their rows are not.
 */
export function completeTradeRows(file: string, kept: readonly RoundTrip[], total: number): { rows: RoundTrip[]; missing: number } {
  let fromFile: (RoundTrip | undefined)[] = [];
  try {
    fromFile = parseTradeRows(fs.readFileSync(file, 'utf8')).rows;
  } catch {
    // Unreadable or absent: only the rows in memory can be listed.
  }
  const firstKept = total - kept.length;
  const rows: RoundTrip[] = [];
  let missing = 0;
  for (let i = 0; i < total; i++) {
    const row = i >= firstKept ? kept[i - firstKept] : fromFile[i];
    if (row === undefined) missing++;
    else rows.push(row);
  }
  return { rows, missing };
}

/** The summary with every round trip's row: those no longer held in memory are read back from `file`. */
export function withEveryTradeRow(file: string, summary: RunSummary): RunSummary {
  if (summary.tradesNotListed === 0) return summary;
  const { rows, missing } = completeTradeRows(file, summary.trades, summary.roundTrips);
  return { ...summary, trades: rows, tradesNotListed: missing };
}
