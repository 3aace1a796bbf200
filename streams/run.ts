/**
 * One run of the bot as a process would do it: build venues for the mode, wire executors and journals,
 * subscribe the bot stream, write the run folder (events.ndjson, report.html), and stop cleanly.
 * `main.ts` is only the command line around this; tests call `startRun` directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReplaySubject, type Subscription } from 'rxjs';
import type { TradingEvent, TradingEventType } from '../src/domain/events';
import { venueSymbol, type VenueId } from '../src/domain/market';
import { assertTimerMs } from '../src/domain/durations';
import { roundTripFeePct, takerFeeProblem } from '../src/domain/spread';
import type { BotConfig } from '../src/domain/config';
import { createExecutor } from '../src/execution/executor';
import { openJournal, type Journal } from '../src/execution/journal';
import { createPaperVenue } from '../src/execution/paper-venue';
import { createLogger, describeEvent, logEvent } from '../src/logging/logger';
import { Outputs, type TextOutput, type WritableLike } from '../src/logging/output';
import { renderReport } from '../src/report/html';
import { clockTime, createStatusDisplay, eventOnConsole, type StatusOut } from '../src/report/status-display';
import { linkLatestRun } from '../src/report/run-folder';
import { RunRecord } from '../src/report/run-record';
import { summaryTable, type RunSettings, type RunSummary } from '../src/report/summary';
import { startSimVenues, type SimVenues } from '../src/sim/index';
import { createParadexVenue } from '../src/venues/paradex/venue';
import { newParadexAccount } from '../src/venues/paradex/signing';
import { createVestVenue } from '../src/venues/vest/venue';
import { newVestKeys } from '../src/venues/vest/signing';
import type { Venue } from '../src/venues/venue';
import type { VenueCredentials, VenueEndpoints } from '../src/domain/config';
import { arbitrageBot, type BotSettings, type PairSettings } from './bot';

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
  /** Longest a stop waits for in-flight orders before the stream ends anyway, ms. Default 3000 (the CLI must exit within 5 s). */
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
}

export interface RunHandle {
  /** Asks the bot to stop (idempotent). */
  stop(reason: string): void;
  readonly done: Promise<RunResult>;
  /** Prints an operator notice above the status lines (a plain write would be overdrawn by them). */
  notice(text: string): void;
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
  const done = run({ ...opts, statusOut, outputs }, shutdown$, stop, () => stopReason, printer);
  return { stop, done, notice: (text) => printer.print(text) };
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

  let simVenues: SimVenues | undefined;
  const venues = {} as Record<VenueId, Venue>;
  const journals: Journal[] = [];
  const executors = new Map<string, ReturnType<typeof createExecutor>>();
  const fees = new Map<string, { a: number; b: number }>();
  let sub: Subscription | undefined;
  let closeDisplay = () => {};
  const durationTimer =
    opts.durationSec !== undefined ? setTimeout(() => stop(`duration ${opts.durationSec}s elapsed`), opts.durationSec * 1000) : undefined;

  try {
    // ---- venues for the mode ----
    // A feed is stale after stale_after_ms without updates, or while it lags the venue by more than max_book_age_ms.
    const feedOptions = { staleAfterMs: opts.config.execution.staleAfterMs, maxLagMs: opts.config.execution.maxBookAgeMs };
    if (opts.mode === 'sim') {
      simVenues = await startSimVenues({
        seed: opts.seed,
        markets: [...new Set(opts.config.bots.map((b) => b.pair.split('-')[0]!))],
        ...(opts.simModel ? { model: opts.simModel } : {}),
      });
      // Throwaway keys: the simulated venues verify real signatures, so the whole money path is exercised.
      const pdx = newParadexAccount();
      const vk = newVestKeys();
      venues.paradex = createParadexVenue({
        restUrl: simVenues.paradex.rest,
        wsUrl: simVenues.paradex.ws,
        account: { address: pdx.address, privateKey: pdx.privateKey },
        onboard: true,
        encoding: opts.config.venues.paradex.encoding,
        bookFeedOptions: feedOptions,
        logger,
      });
      venues.vest = createVestVenue({
        restUrl: simVenues.vest.rest,
        wsUrl: simVenues.vest.ws,
        keys: { primaryKey: vk.primaryKey, signingKey: vk.signingKey },
        bookFeedOptions: feedOptions,
        logger,
      });
    } else {
      const ep = opts.endpoints;
      if (!ep) throw new Error(`${opts.mode} mode needs venue endpoints`);
      if (opts.mode === 'live') {
        const c = opts.credentials;
        if (!c) throw new Error('live mode needs credentials');
        venues.paradex = createParadexVenue({
          restUrl: ep.paradex.restUrl,
          wsUrl: ep.paradex.wsUrl,
          encoding: ep.paradex.encoding,
          account: { address: c.paradex.accountAddress, privateKey: c.paradex.privateKey },
          bookFeedOptions: feedOptions,
          logger,
        });
        venues.vest = createVestVenue({
          restUrl: ep.vest.restUrl,
          wsUrl: ep.vest.wsUrl,
          accountGroup: ep.vest.accountGroup,
          keys: {
            signingKey: c.vest.signingKey,
            ...(c.vest.primaryKey ? { primaryKey: c.vest.primaryKey } : {}),
            ...(c.vest.apiKey ? { apiKey: c.vest.apiKey } : {}),
          },
          network: c.vest.production ? 'prod' : 'dev',
          bookFeedOptions: feedOptions,
          logger,
        });
      } else {
        // Paper: the real public feeds, simulated fills; no keys.
        const realPdx = createParadexVenue({
          restUrl: ep.paradex.restUrl,
          wsUrl: ep.paradex.wsUrl,
          encoding: ep.paradex.encoding,
          bookFeedOptions: feedOptions,
          logger,
        });
        const realVest = createVestVenue({
          restUrl: ep.vest.restUrl,
          wsUrl: ep.vest.wsUrl,
          accountGroup: ep.vest.accountGroup,
          bookFeedOptions: feedOptions,
          logger,
        });
        venues.paradex = createPaperVenue({ real: realPdx, now: Date.now });
        venues.vest = createPaperVenue({ real: realVest, now: Date.now });
      }
    }

    // ---- executors, one per pair, each with its own journal ----
    const journalDir = opts.mode === 'live' ? path.resolve(opts.config.journalDir) : path.join(runDir, 'journal');
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
      const journal = openJournal(path.join(journalDir, `${p.id}.ndjson`), {
        onCorruptLine: (c) => logger.warn(`journal ${p.id}: skipped line ${c.line} (${c.reason})`),
      });
      journals.push(journal);
      if (journal.rotatedTo !== undefined) logger.info(`journal ${p.id}: all flat, history moved to ${journal.rotatedTo}`);
      executors.set(
        p.id,
        createExecutor({
          pair: p.pair,
          venues: { a, b },
          size: p.positionSize,
          slippagePct: pairConfig.slippagePct,
          maxPositionBase: pairConfig.maxPositionBase,
          maxNotionalUsd: opts.config.risk.maxNotionalUsd,
          leverage: pairConfig.leverage,
          legTimeoutMs: opts.config.execution.legTimeoutMs,
          closeRetries: opts.config.execution.closeRetries,
          closeBackoffMs: opts.config.execution.closeBackoffMs,
          haltCooldownMs: opts.config.risk.haltCooldownSec * 1000,
          spreadThreshold: p.spreadEntry,
          journal,
          now: Date.now,
        }),
      );
    }

    const settings: BotSettings = {
      mode: opts.mode,
      pairs: settingsPairs,
      closeOnExit: opts.closeOnExit,
      maxLossUsd: opts.config.risk.maxLossUsd,
      spreadSampleMs: 500,
      logEvery: 40,
      shutdownGraceMs: opts.shutdownGraceMs ?? 3_000,
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
        next: (e) => {
          record.add(e);
          eventsOut.write(JSON.stringify(e) + '\n');
          logEvent(logger, e);
          display?.update(e);
          opts.onEvent?.(e);
          if (eventOnConsole(e, opts.logLevel)) printer.print(`[event] ${clockTime(e.time)} ${describeEvent(e)}`);
        },
        error: reject,
        complete: resolve,
      });
    });
    await finished;
    if (stopped() === undefined) stop('bot stream completed');

    const openAtExit = [...executors.values()].filter((x) => x.currentPosition() !== undefined).length;
    const summary = record.summary(openAtExit);
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
    };
  } finally {
    // Every path, a failed start included, releases sockets, timers, files and the simulated venues.
    if (durationTimer) clearTimeout(durationTimer);
    closeDisplay();
    sub?.unsubscribe();
    eventsOut.close();
    await Promise.allSettled(Object.values(venues).map((v) => v.close()));
    journals.forEach((j) => j.close());
    await simVenues?.close();
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



