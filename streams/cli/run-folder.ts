/**
 * A run's folder (streams/cli/run.ts): events.ndjson and bot.log (rotated by size), trades.ndjson and chart.ndjson
 * (what the run's record no longer holds in memory, read back for the report), report.html, and the logger
 * writing into it; `runs/latest` pointed at it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLogger, type Logger } from '../../src/logging/logger';
import type { FileOutput, Outputs } from '../../src/logging/output';
import { CHART_ITEMS_FILE, chartItemLine } from '../../src/report/chart-decisions';
import { linkLatestRun } from '../../src/report/run-folder';
import type { RunRecordOptions } from '../../src/report/run-record';
import { TRADE_ROWS_FILE, tradeRowLine } from '../../src/report/trade-rows';
import type { RunOptions } from './run';

type RunFolderOptions = Pick<RunOptions, 'runsDir' | 'config' | 'logLevel'> & { readonly outputs: Outputs };

export function timestampFolder(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** The run's folder (events.ndjson, bot.log, report.html) and the logger writing into it. */
export interface RunFolder {
  readonly runDir: string;
  readonly eventsPath: string;
  readonly reportPath: string;
  readonly eventsOut: FileOutput;
  /** trades.ndjson: every closed round trip's row (src/report/trade-rows.ts). */
  readonly tradesPath: string;
  readonly tradesOut: FileOutput;
  /** chart.ndjson: the chart's markers and held periods no longer held in memory (src/report/chart-decisions.ts). */
  readonly chartPath: string;
  readonly chartOut: FileOutput;
  readonly logger: Logger;
  readonly outputs: Outputs;
  readonly stopReportingToLog: () => void;
}

export function openRunFolder(opts: RunFolderOptions, startedAt: number, printer: { print: (text: string) => void }): RunFolder {
  const runDir = path.resolve(opts.runsDir, timestampFolder(new Date(startedAt)));
  fs.mkdirSync(runDir, { recursive: true });
  linkLatestRun(runDir);
  printer.print(`run folder: ${runDir}`);
  const { outputs } = opts;
  const eventsPath = path.join(runDir, 'events.ndjson');
  // Both rotate by size (events.ndjson.1 is the newest rotated part): a run of weeks stays bounded on disk.
  const rotate = { maxBytes: opts.config.logs.maxBytes, keep: opts.config.logs.maxFiles };
  const eventsOut = outputs.file('events.ndjson', eventsPath, 'a', { rotate });
  const logger = createLogger({ level: opts.logLevel, format: 'json', file: path.join(runDir, 'bot.log'), console: false, outputs, rotate });
  const stopReportingToLog = outputs.reportTo('bot.log', (line) => logger.error(line));
  // Not rotated: the report reads every row back from it (it grows with round trips, a few hundred bytes each).
  const tradesPath = path.join(runDir, TRADE_ROWS_FILE);
  const tradesOut = outputs.file(TRADE_ROWS_FILE, tradesPath, 'a');
  const chartPath = path.join(runDir, CHART_ITEMS_FILE);
  const chartOut = outputs.file(CHART_ITEMS_FILE, chartPath, 'a');
  return { runDir, eventsPath, reportPath: path.join(runDir, 'report.html'), eventsOut, tradesPath, tradesOut, chartPath, chartOut, logger, outputs, stopReportingToLog };
}

/** The newest rows held in memory; every row written to trades.ndjson (read back at the end: withEveryTradeRow). */
export function tradeRows(opts: Pick<RunOptions, 'tradeRowsKept' | 'chartItemsKept'>, folder: RunFolder): Pick<RunRecordOptions, 'tradeRowsKept' | 'onTrade' | 'chartItemsKept' | 'onChartItem'> {
  return {
    tradeRowsKept: opts.tradeRowsKept ?? 1_000,
    onTrade: (n, row) => folder.tradesOut.write(tradeRowLine(n, row)),
    // Likewise the chart's markers and held periods: the newest per pair in memory, older ones in chart.ndjson.
    chartItemsKept: opts.chartItemsKept ?? 2_000,
    onChartItem: (item) => folder.chartOut.write(chartItemLine(item)),
  };
}
