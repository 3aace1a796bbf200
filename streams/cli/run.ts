/**
 * One run of the bot as a process would do it: build venues for the mode, wire executors and journals,
 * subscribe the bot stream, write the run folder (events.ndjson, report.html), and stop cleanly.
 * `main.ts` is only the command line around this; tests call `startRun` directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReplaySubject, type Subscription } from 'rxjs';
import type { TradingEvent, TradingEventType } from '../../src/domain/events';
import { venueSymbol } from '../../src/domain/market';
import { assertTimerMs } from '../../src/domain/durations';
import { roundTripFeePct, takerFeeProblem } from '../../src/domain/spread';
import type { BotConfig } from '../../src/config';
import type { Executor } from '../../src/execution/executor';
import { openJournal, type Journal } from '../../src/execution/journal';
import { pairExposureText } from '../../src/execution/reconcile';
import type { PairExposure } from '../../src/execution/types';
import { createLogger } from '../../src/logging/logger';
import { Outputs, type TextOutput, type WritableLike } from '../../src/logging/output';
import { renderReport } from '../../src/report/html';
import { createStatusDisplay, type StatusOut } from '../../src/report/status-display';
import { createRunEventSink } from '../../src/report/run-events';
import { linkLatestRun } from '../../src/report/run-folder';
import { RunRecord } from '../../src/report/run-record';
import { summaryTable, type RunSettings, type RunSummary } from '../../src/report/summary';
import type { VenueCredentials, VenueEndpoints } from '../../src/config';
import type { SimKeys, SimVenueUrls } from '../../src/venues/sim-connect';
import { arbitrageBot, type BotSettings, type PairSettings } from '../bot';
import { journalFile, pairExecutor } from './pair-executor';
import { createVenues, type TradingVenues, type VenueSetup } from '../venues';

export type RunMode = 'sim' | 'paper' | 'live';

export interface RunOptions {
  mode: RunMode;
  config: BotConfig;
  /** Required for live mode. */
  credentials?: VenueCredentials;
  /** Venue URLs for paper and live mode (resolved from config and .env); sim mode uses its own. */
  endpoints?: VenueEndpoints;
  seed: number;
  /** Overrides every pair's sample_ms. */
  sampleMs?: number;
  closeOnExit: boolean;
  durationSec?: number;
  runsDir: string;
  logLevel: string;
  /** Where status lines go (a terminal is redrawn in place, anything else gets `[status]` lines); undefined = silent. */
  statusOut?: StatusOut | TextOutput;
  /**
   * Guards every output of the run (status, events.ndjson, bot.log, report.html): a full disk or a closed
   * pipe is reported once through the outputs that still work and the run goes on (see output.ts). Pass
   * the one `statusOut` came from, with its reporters (main.ts: stderr). Default: a guard that reports to
   * process.stderr.
   */
  outputs?: Outputs;
  /** Sim only: market model overrides (tests force a spread). */
  simModel?: Record<string, number>;
  /** Sim only: simulated venues already running elsewhere (`npm run venues`) and this bot's keys there. */
  simVenues?: { urls: SimVenueUrls; keys: SimKeys };
  /** Where the journal lives; default: config `journal_dir` in live mode, the run folder's `journal/` otherwise. */
  journalDir?: string;
  /**
   * Longest a stop waits for an entry, unwind or close in flight to finish before the stream ends
   * anyway, ms. Default: config `execution.shutdown_grace_ms`.
   */
  shutdownGraceMs?: number;
  /** Called with every event as it happens (embedding, tests). */
  onEvent?: (event: TradingEvent) => void;
  /** Notable events (all but spread samples and position polls) the result keeps, newest last. Default 500. */
  recentEventsLimit?: number;
}

/**
 * What a run hands back. The run keeps no log of its events (memory would grow with uptime): every event is in
 * events.ndjson; the result holds the summary, the last notable events and a count per type.
 */
export interface RunResult {
  summary: RunSummary;
  settings: RunSettings;
  runDir: string;
  eventsPath: string;
  reportPath: string;
  /** The last `recentEventsLimit` notable events, oldest first. */
  recentEvents: TradingEvent[];
  /** Events emitted (= lines in events.ndjson), and per type. */
  eventCount: number;
  eventCounts: Partial<Record<TradingEventType, number>>;
  /** One line per output that failed during the run (events.ndjson on a full disk, stdout closed…). */
  outputErrors: readonly string[];
  /**
   * True when the stop's grace ran out with an order operation still in flight: what it leaves is in
   * `summary.exposureAtExit` (and journalled); the next start finishes it.
   */
  unfinished: boolean;
}

export interface RunHandle {
  /** Asks the bot to stop (idempotent). */
  stop(reason: string): void;
  readonly done: Promise<RunResult>;
  /** Prints an operator notice above the status lines (a plain write would be overdrawn by them). */
  notice(text: string): void;
  /**
   * The process is about to exit before the run ends (a second Ctrl-C, or the CLI's backstop): what each
   * pair leaves at the venues as the journals say (nothing is waited for), journalled as 'exit_exposure'.
   */
  abandon(reason: string): PairExposure[];
}

function timestampFolder(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** Maps parsed config to the stream's per-pair settings. */
export function pairSettings(config: BotConfig, sampleMsOverride?: number): PairSettings[] {
  return config.bots.map((b) => ({
    id: b.id,
    pair: b.pair,
    dexA: b.dexA,
    dexB: b.dexB,
    spreadEntry: b.spreadEntry,
    spreadExit: b.spreadExit,
    positionSize: b.positionSize,
    entryConfirmTicks: b.entryConfirmTicks,
    exitConfirmTicks: b.exitConfirmTicks,
    ...(b.spreadEntryMax !== undefined ? { spreadEntryMax: b.spreadEntryMax } : {}),
    sampleMs: sampleMsOverride ?? config.execution.sampleMs,
    maxBookAgeMs: config.execution.maxBookAgeMs,
    cooldownMs: config.execution.cooldownMs,
  }));
}

export function startRun(opts: RunOptions): RunHandle {
  if (opts.durationSec !== undefined) assertTimerMs(opts.durationSec * 1000, 'durationSec (in ms)');
  if (opts.shutdownGraceMs !== undefined) assertTimerMs(opts.shutdownGraceMs, 'shutdownGraceMs');
  // Guarded now, in the same tick as the caller's first writes: an EPIPE from them arrives later as an event.
  const outputs = opts.outputs ?? stderrReportingOutputs();
  const statusOut = opts.statusOut === undefined ? undefined : isTextOutput(opts.statusOut) ? opts.statusOut : outputs.stream('status', opts.statusOut as WritableLike);
  // Replays: a stop requested while venues are still connecting must still reach the bot when it subscribes.
  const shutdown$ = new ReplaySubject<string>(1);
  let stopReason: string | undefined;
  const stop = (reason: string) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    shutdown$.next(reason);
    shutdown$.complete();
  };
  const printer = { print: (text: string) => statusOut?.write(`${text}\n`) };
  const executors = new Map<string, Executor>();
  const done = run({ ...opts, statusOut, outputs }, shutdown$, stop, () => stopReason, printer, executors);
  const abandon = (reason: string): PairExposure[] => {
    const left: PairExposure[] = [];
    for (const executor of executors.values()) {
      const exposure = executor.exposureNow();
      if (exposure === undefined) continue;
      executor.recordExitExposure(exposure, reason);
      left.push(exposure);
    }
    return left;
  };
  return { stop, done, notice: (text) => printer.print(text), abandon };
}

/** The venues a run mode trades through (see streams/venues.ts). */
function venueSetupFor(opts: RunOptions): VenueSetup {
  switch (opts.mode) {
    case 'sim':
      if (opts.simVenues) return { kind: 'sim-running', ...opts.simVenues };
      return { kind: 'sim', seed: opts.seed, markets: [...new Set(opts.config.bots.map((b) => b.pair.split('-')[0]!))], ...(opts.simModel ? { model: opts.simModel } : {}) };
    case 'paper':
      if (!opts.endpoints) throw new Error('paper mode needs venue endpoints');
      return { kind: 'paper', endpoints: opts.endpoints };
    case 'live':
      if (!opts.endpoints) throw new Error('live mode needs venue endpoints');
      if (!opts.credentials) throw new Error('live mode needs credentials');
      return { kind: 'live', endpoints: opts.endpoints, credentials: opts.credentials };
  }
}

function isTextOutput(out: NonNullable<RunOptions['statusOut']>): out is TextOutput {
  return typeof (out as Partial<TextOutput>).failed === 'boolean';
}

function stderrReportingOutputs(): Outputs {
  const outputs = new Outputs();
  const stderr = outputs.stream('stderr', process.stderr);
  outputs.reportTo('stderr', (line) => stderr.write(`${line}\n`));
  return outputs;
}

async function run(
  opts: RunOptions & { statusOut: TextOutput | undefined; outputs: Outputs },
  shutdown$: ReplaySubject<string>,
  stop: (reason: string) => void,
  stopped: () => string | undefined,
  printer: { print: (text: string) => void },
  executors: Map<string, Executor>,
): Promise<RunResult> {
  const startedAt = Date.now();
  const runDir = path.resolve(opts.runsDir, timestampFolder(new Date(startedAt)));
  fs.mkdirSync(runDir, { recursive: true });
  linkLatestRun(runDir);
  printer.print(`run folder: ${runDir}`);
  const eventsPath = path.join(runDir, 'events.ndjson');
  const reportPath = path.join(runDir, 'report.html');
  const outputs = opts.outputs;
  const eventsOut = outputs.file('events.ndjson', eventsPath);
  const logger = createLogger({ level: opts.logLevel, format: 'json', file: path.join(runDir, 'bot.log'), console: false, outputs });
  const stopReportingToLog = outputs.reportTo('bot.log', (line) => logger.error(line));
  const settingsPairs = pairSettings(opts.config, opts.sampleMs);

  let trading: TradingVenues | undefined;
  const journals: Journal[] = [];
  const fees = new Map<string, { a: number; b: number }>();
  let sub: Subscription | undefined;
  let closeDisplay = () => {};
  // Events still queued when the run ends are handled before the outputs close.
  let flushEvents = () => {};
  const durationTimer =
    opts.durationSec !== undefined ? setTimeout(() => stop(`duration ${opts.durationSec}s elapsed`), opts.durationSec * 1000) : undefined;

  try {
    // ---- venues for the mode ----
    // A feed is stale after stale_after_ms without updates, or while it lags the venue by more than max_book_age_ms.
    trading = await createVenues(venueSetupFor(opts), {
      staleAfterMs: opts.config.execution.staleAfterMs,
      maxLagMs: opts.config.execution.maxBookAgeMs,
      paradexEncoding: opts.config.venues.paradex.encoding,
      logger,
    });
    const venues = trading.venues;

    // ---- executors, one per pair, each with its own journal ----
    const journalDir = path.resolve(opts.journalDir ?? (opts.mode === 'live' ? opts.config.journalDir : path.join(runDir, 'journal')));
    fs.mkdirSync(journalDir, { recursive: true });
    for (const [i, p] of settingsPairs.entries()) {
      const pairConfig = opts.config.bots[i]!;
      const a = venues[p.dexA];
      const b = venues[p.dexB];
      const [specA, specB] = await Promise.all([a.market(venueSymbol(p.dexA, p.pair)), b.market(venueSymbol(p.dexB, p.pair))]);
      // Negative fees are rebates and are traded on; a fee beyond ±1 % is a unit error or a broken answer.
      for (const [venue, spec] of [[p.dexA, specA], [p.dexB, specB]] as const) {
        const problem = takerFeeProblem(spec.takerFee);
        if (problem !== undefined) throw new Error(`${venue} ${spec.symbol}: taker fee ${spec.takerFee} ${problem}; not trading ${p.pair}`);
      }
      fees.set(p.id, { a: specA.takerFee, b: specB.takerFee });
      const journal = openJournal(journalFile(journalDir, p.id), {
        onCorruptLine: (c) => logger.warn(`journal ${p.id}: skipped line ${c.line} (${c.reason})`),
        onProblem: (_problem, text) => logger.error(`journal ${p.id}: ${text}; ${p.pair} stays halted until an operator runs npm start -- resume --pair ${p.pair}`),
      });
      journals.push(journal);
      if (journal.rotatedTo !== undefined) logger.info(`journal ${p.id}: all flat, history moved to ${journal.rotatedTo}`);
      executors.set(p.id, pairExecutor(opts.config, pairConfig, venues, journal));
    }

    const settings: BotSettings = {
      mode: opts.mode,
      pairs: settingsPairs,
      closeOnExit: opts.closeOnExit,
      maxLossUsd: opts.config.risk.maxLossUsd,
      spreadSampleMs: 500,
      logEvery: 40,
      shutdownGraceMs: opts.shutdownGraceMs ?? opts.config.execution.shutdownGraceMs,
    };
    // The summary and the report's data, folded as events happen (bounded: no event log is kept).
    const record = new RunRecord({
      pairs: settingsPairs.map((p) => p.pair),
      recentLimit: opts.recentEventsLimit ?? 500,
      buckets: { widthMs: settings.spreadSampleMs },
    });

    // ---- status ----
    const out = opts.statusOut;
    const display = out
      ? createStatusDisplay({
          out,
          pairs: settingsPairs.map((p) => ({ pair: p.pair, dexA: p.dexA, dexB: p.dexB, entryThreshold: p.spreadEntry, exitTarget: p.spreadExit })),
        })
      : undefined;
    closeDisplay = () => display?.close();
    // On a terminal the status lines stay at the bottom: a notice is printed above them.
    if (display) printer.print = (text: string) => display.print(text);

    // ---- the stream ----
    // Each event is folded, written, logged and shown on the next turn of the event loop, in order (see
    // run-events.ts: inline, a TRADE_EXIT's handling delayed the close orders' bytes).
    const sink = createRunEventSink({
      record,
      events: eventsOut,
      logger,
      ...(display ? { display } : {}),
      console: { print: (text) => printer.print(text), logLevel: opts.logLevel },
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    });
    flushEvents = () => sink.flush();
    const finished = new Promise<void>((resolve, reject) => {
      sub = arbitrageBot(
        {
          venues,
          executorFor: (p) => executors.get(p.id)!,
          feesFor: (p) => fees.get(p.id)!,
          shutdown$,
        },
        settings,
      ).subscribe({
        next: (e) => sink.add(e),
        error: (err: unknown) => {
          sink.flush();
          reject(err);
        },
        complete: () => {
          sink.flush();
          resolve();
        },
      });
    });
    await finished;
    if (stopped() === undefined) stop('bot stream completed');

    // What the run leaves: hedged positions (monitored again at the next start), and anything unhedged
    // or unresolved, read from the venues where the journal says there is something to read.
    const unfinished = [...executors.values()].some((x) => x.inFlight());
    // The grace ran out: whatever is still running stops acting now, as a killed process would, so the
    // journal stays what a restart needs to finish it (and nothing acts unjournalled after this run).
    if (unfinished) for (const executor of executors.values()) if (executor.inFlight()) executor.detach();
    const exposureAtExit: PairExposure[] = [];
    for (const executor of executors.values()) {
      const exposure = await executor.exposure({ readVenues: true, deadlineMs: 2_000 });
      if (exposure === undefined) continue;
      exposureAtExit.push(exposure);
      executor.recordExitExposure(exposure, unfinished ? `stopped with the operation unfinished (${stopped() ?? 'stop'}): the shutdown grace ran out` : `stopped (${stopped() ?? 'stop'})`);
      logger.error(`exposure at exit: ${pairExposureText(exposure)}`);
    }
    const openAtExit = [...executors.values()].filter((x) => x.currentPosition() !== undefined).length;
    const summary = record.summary(openAtExit, exposureAtExit);
    const runSettings = describeSettings(opts, settings, fees);
    // The report redacts its own text (renderReport): the filter would break its inlined scripts.
    const reportOut = outputs.file('report.html', reportPath, 'w', { redact: false });
    reportOut.write(
      renderReport(record.reportData(), summary, {
        title: `vest-paradex-arb ${opts.mode} run`,
        settings: runSettings,
        startedAt,
        endedAt: Date.now(),
        runDir: path.basename(runDir),
      }),
    );
    reportOut.close();
    closeDisplay();
    opts.statusOut?.write(`\n${summaryTable(summary)}\nrun folder: ${runDir}\n`);
    return {
      summary,
      settings: runSettings,
      runDir,
      eventsPath,
      reportPath,
      recentEvents: record.recentEvents(),
      eventCount: record.eventCount,
      eventCounts: record.eventCounts(),
      outputErrors: [...outputs.errors],
      unfinished,
    };
  } finally {
    // Every path, a failed start included, releases sockets, timers, files and the simulated venues.
    if (durationTimer) clearTimeout(durationTimer);
    sub?.unsubscribe();
    flushEvents();
    closeDisplay();
    eventsOut.close();
    await trading?.close();
    journals.forEach((j) => j.close());
    stopReportingToLog();
    await new Promise<void>((r) => logger.end(r));
  }
}

/** The settings the run traded with, for the report and the summary JSON. */
function describeSettings(opts: RunOptions, settings: BotSettings, fees: ReadonlyMap<string, { a: number; b: number }>): RunSettings {
  return {
    mode: opts.mode,
    ...(opts.mode === 'sim' ? { seed: opts.seed } : {}),
    ...(opts.simModel ? { simModel: opts.simModel } : {}),
    closeOnExit: opts.closeOnExit,
    ...(opts.durationSec !== undefined ? { durationSec: opts.durationSec } : {}),
    spreadSampleMs: settings.spreadSampleMs,
    pairs: settings.pairs.map((p) => {
      const f = fees.get(p.id) ?? { a: 0, b: 0 };
      return {
        id: p.id,
        pair: p.pair,
        dexA: p.dexA,
        dexB: p.dexB,
        spreadEntry: p.spreadEntry,
        spreadExit: p.spreadExit,
        takerFeeA: f.a,
        takerFeeB: f.b,
        roundTripFeePct: roundTripFeePct(f),
        positionSize: p.positionSize,
        entryConfirmTicks: p.entryConfirmTicks,
        ...(p.exitConfirmTicks !== undefined ? { exitConfirmTicks: p.exitConfirmTicks } : {}),
        ...(p.spreadEntryMax !== undefined ? { spreadEntryMax: p.spreadEntryMax } : {}),
        sampleMs: p.sampleMs,
        cooldownMs: p.cooldownMs,
      };
    }),
    risk: {
      ...(settings.maxLossUsd !== undefined ? { maxLossUsd: settings.maxLossUsd } : {}),
      maxNotionalUsd: opts.config.risk.maxNotionalUsd,
      haltCooldownSec: opts.config.risk.haltCooldownSec,
    },
  };
}



