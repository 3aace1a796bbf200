/**
 * One run of the bot as a process would do it: build venues for the mode, wire executors and journals,
 * subscribe the bot stream, write the run folder (events.ndjson, report.html), and stop cleanly.
 * `main.ts` is only the command line around this; tests call `startRun` directly.
 */
import * as path from 'node:path';
import { type Observable, ReplaySubject, type Subscription } from 'rxjs';
import type { TradingEvent, TradingEventType } from '../../src/domain/events';
import { assertTimerMs } from '../../src/domain/durations';
import type { BotConfig } from '../../src/config';
import type { Executor } from '../../src/execution/executor';
import { acquireJournalLock, type JournalLock } from '../../src/execution/journal-lock';
import { pairExposureText } from '../../src/execution/reconcile';
import type { PairExposure } from '../../src/execution/types';
import type { Logger } from '../../src/logging/logger';
import { errorText } from '../../src/logging/redact';
import { Outputs, type TextOutput, type WritableLike } from '../../src/logging/output';
import { renderReport } from '../../src/report/html';
import { createStatusDisplay, type StatusDisplay, type StatusOut } from '../../src/report/status-display';
import { createRunEventSink, type RunEventSink } from '../../src/report/run-events';
import { RunRecord } from '../../src/report/run-record';
import { summaryTable, type RunSettings, type RunSummary } from '../../src/report/summary';
import type { LossBudgetFigures } from '../../src/report/summary-types';
import { withEveryTradeRow } from '../../src/report/trade-rows';
import { readChartItems } from '../../src/report/chart-decisions';
import type { VenueCredentials, VenueEndpoints } from '../../src/config';
import type { SimKeys, SimVenueUrls } from '../../src/venues/sim-connect';
import type { FundingModelOptions } from '../../src/sim/index';
import type { FundingTolerance } from '../../src/execution/funding-reconcile';
import { arbitrageBot, type BotDeps, type PairSettings } from '../bot';
import { journalingFor, openPairs, type PairSetup } from './pair-executor';
import type { TradingVenues, VenueSetup } from '../venues';
import { Ops, type OpsOptions } from './ops';
import { trackFeeds } from './track-feeds';
import { openRunFolder, tradeRows, type RunFolder } from './run-folder';
import { DEFAULT_FUNDING_POLL_MS, runFundingFor, runFundingWs } from './funding';
import { createRecordingWriter, RecordKind, recordText, type RecordingWriter } from '../../src/venues/recording';
import { venueSymbol } from '../../src/domain/market';
import { botSettings, describeSettings } from './run-settings';
import { createReplay, type ReplayOptions, type ReplaySetup } from './replay';
import { replayFacts } from './replay-facts';
import { type Alerts, startAlerts } from './alerts';
import type { ResolvedWebhook } from '../../src/config/alerts';

export type RunMode = 'sim' | 'paper' | 'live' | 'replay';

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
  /**
   * Round trips' rows held in memory while the run goes (the newest); every row is written to the run folder's
   * trades.ndjson as it closes, and the report and the result list them all, read back at the end. Default 1,000.
   */
  tradeRowsKept?: number;
  /** The chart's markers and held periods held in memory per pair (default 2,000); older ones go to chart.ndjson. */
  chartItemsKept?: number;
  /** What the API's views keep (the event tail, each pair's spread history); defaults in src/ops/state.ts. */
  opsKept?: OpsOptions['kept'];
  /**
   * Client ids the Vest client remembers to find orders by (src/venues/vest/venue.ts rememberedClientIds: default
   * 1,000 not known final, the newest 256 final). Kept for late replies and duplicates; a soak makes it small.
   */
  vestClientIdsKept?: number;
  /**
   * The HTTP API (metrics, status, events, control; see streams/cli/ops.ts). Undefined: none (tests, embedding).
   * The caller checked host and token (auth.ts apiSecurityProblem). A port it cannot bind is reported and the
   * run trades on without it.
   */
  api?: { host: string; port: number; token: string | undefined; heartbeatMs?: number };
  /** Called once the API listens, with its URL. */
  onApiListening?: (url: string) => void;
  /** `--record DIR`: every frame the venues' book sockets receive, with their lifecycle (src/venues/recording.ts). */
  record?: string;
  /** Replay mode: the recording to play and its fill latency (streams/cli/replay.ts). */
  replay?: ReplayOptions;
  /** Sim only: funding model overrides (tests raise `timeScale` to see carry in seconds). */
  simFunding?: Partial<FundingModelOptions>;
  /**
   * How often each venue's funding is polled, ms (default streams/cli/funding.ts DEFAULT_FUNDING_POLL_MS). A replay
   * plays the recorded answers instead (their period only sets FUNDING_ACCRUED's, default the recorded one).
   */
  fundingPollMs?: number;
  /** How far a venue's funding figure may differ from the bot's before FUNDING_MISMATCH (default src/execution/funding-reconcile.ts). */
  fundingTolerance?: FundingTolerance;
  /**
   * Funding over each venue's WS first (Paradex funding_data / markets_summary, Vest tickers), REST polling as the
   * fallback while a channel is silent or refused. Default true; false reads funding by REST polls only.
   */
  fundingOverWs?: boolean;
  /** WS funding silence after which REST takes over, ms (default streams/funding-with-fallback.ts DEFAULT_FUNDING_WS_SILENCE_MS). */
  fundingWsSilenceMs?: number;
  /** Webhook alerts (secrets resolved: src/config/alerts.ts); their rules come from config `alerts`. */
  alerts?: readonly ResolvedWebhook[];
  /** Longest the stop waits for queued alerts (BOT_SHUTDOWN) to be sent, ms. Default 2000 (well inside main.ts's backstop margin). */
  alertsCloseMs?: number;
  /** Panels added to report.html after the trades (a sweep's table and heatmap), escaped HTML. */
  reportSections?: string;
  /**
   * Whether the run writes report.html (default true). A sweep point does not: only its summary row is used
   * (the report replays the best point again, with its report), and rendering the page was ~18 % of a point's CPU.
   */
  report?: boolean;
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
  /** Where report.html is (not written when RunOptions.report is false). */
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
    maxHoldHours: config.risk.maxDurationHours,
    ...(b.expectedHoldHours !== undefined ? { expectedHoldHours: b.expectedHoldHours } : {}),
    ...(b.fundingExitBpsPerHour !== undefined ? { fundingExitBpsPerHour: b.fundingExitBpsPerHour } : {}),
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
  const done = run({ opts: { ...opts, statusOut, outputs }, shutdown$, stop, stopped: () => stopReason, printer, executors });
  // Outputs made here are this run's own: released once it is over (the caller's stay the caller's).
  if (opts.outputs === undefined) done.then(() => outputs.release(), () => outputs.release());
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
      return { kind: 'sim', seed: opts.seed, markets: [...new Set(opts.config.bots.map((b) => b.pair.split('-')[0]!))], ...(opts.simModel ? { model: opts.simModel } : {}), ...(opts.simFunding ? { funding: opts.simFunding } : {}) };
    case 'paper':
      if (!opts.endpoints) throw new Error('paper mode needs venue endpoints');
      return { kind: 'paper', endpoints: opts.endpoints };
    case 'live':
      if (!opts.endpoints) throw new Error('live mode needs venue endpoints');
      if (!opts.credentials) throw new Error('live mode needs credentials');
      return { kind: 'live', endpoints: opts.endpoints, credentials: opts.credentials };
    case 'replay':
      throw new Error('replay mode trades the recording (createReplay), not venues');
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

/** What `startRun` hands the run: its options with guarded outputs, and its stop controls. */
interface RunControl {
  readonly opts: RunOptions & { statusOut: TextOutput | undefined; outputs: Outputs };
  readonly shutdown$: ReplaySubject<string>;
  stop(reason: string): void;
  stopped(): string | undefined;
  readonly printer: { print: (text: string) => void };
  readonly executors: Map<string, Executor>;
}

/** One run, composed of its units: run folder, venues for the mode, journals and executors, status display, the bot stream, the report. */
async function run(control: RunControl): Promise<RunResult> {
  const { opts, stop, stopped, printer, executors } = control;
  const startedAt = Date.now();
  const folder = openRunFolder(opts, startedAt, printer);
  const settingsPairs = pairSettings(opts.config, opts.sampleMs);
  let trading: TradingVenues | undefined;
  let pairs: PairSetup | undefined;
  let closeDisplay = () => {};
  // Events still queued when the run ends are handled before the outputs close.
  let flushEvents = () => {};
  const recorder = opts.record !== undefined ? recordingWriter(opts.record, folder.logger, printer) : undefined;
  const durationTimer = durationTimerFor(opts, stop);
  let sub: Subscription | undefined;
  let journalLock: JournalLock | undefined;
  const opsRef: { ops?: Ops } = {};
  const alerts = runAlerts(opts, folder.logger);
  try {
    const journalDir = path.resolve(opts.journalDir ?? (opts.mode === 'live' ? opts.config.journalDir : path.join(folder.runDir, 'journal')));
    // Before any venue is touched: a second bot on this journal is refused (JournalInUseError).
    journalLock = acquireJournalLock(journalDir);
    if (journalLock.tookOverFrom) folder.logger.warn(`journal lock of pid ${journalLock.tookOverFrom.pid} (started ${journalLock.tookOverFrom.startedAt}) taken over: that process is gone`);
    const replay = opts.mode === 'replay' ? openReplay(opts) : undefined;
    trading = replay ? replay.trading : await recordedVenues(opts, folder.logger, recorder);
    pairs = await openPairs(opts.config, settingsPairs, trading.venues, journalDir, folder.logger, executors, replay?.executorClock, journalingFor(opts.mode));
    const [settings, lossAtStart] = [botSettings(replay ? replayFundingPeriod(opts, replay) : opts, settingsPairs), lossOnRecord(executors)];
    // The summary and the report's data, folded as events happen (bounded: no event log is kept).
    const record = new RunRecord({ pairs: settingsPairs.map((p) => p.pair), recentLimit: opts.recentEventsLimit ?? 500, buckets: { widthMs: settings.spreadSampleMs }, ...tradeRows(opts, folder) });
    const display = statusDisplay(opts.statusOut, settingsPairs, printer);
    closeDisplay = () => display?.close();
    const sink = runEventSink(opts, record, folder, display, printer, (e) => {
      opsRef.ops?.observe(e);
      alerts?.observe(e);
    });
    flushEvents = () => sink.flush();
    const ops = (opsRef.ops = await startOps(opts, settingsPairs, executors, { record, lossBudgetNow: () => lossBudgetFigures(settings.maxLossUsd, lossAtStart, executors) }, sink, printer, folder.logger));
    const fees = pairs.fees;
    const venues = trackFeeds(trading.venues, (feed) => opsRef.ops?.state.trackFeed(feed));
    const deps = { venues, executorFor: (p: PairSettings) => executors.get(p.id)!, feesFor: (p: PairSettings) => fees.get(p.id)!, shutdown$: control.shutdown$, ...fundingDeps(trading, replay, opts, recorder) };
    const bot$ = arbitrageBot({ ...deps, closeNow$: ops.closeNow$, ...(replay ? { scheduler: replay.clock } : {}) }, settings);
    const running = subscribeBot(bot$, sink);
    sub = running.sub;
    await (replay ? playReplay(replay, { stop, ended: () => running.ended, busy: () => [...executors.values()].some((x) => x.inFlight()) }, folder, printer).then(() => running.done) : running.done);
    if (stopped() === undefined) stop('bot stream completed');
    const left = await exposureAtExit(executors, stopped() ?? 'stop', folder.logger);
    const openAtExit = [...executors.values()].filter((x) => x.currentPosition() !== undefined).length;
    const summary = { ...withEveryTradeRow(folder.tradesPath, record.summary(openAtExit, left.exposure)), lossBudget: lossBudgetFigures(settings.maxLossUsd, lossAtStart, executors) };
    const runSettings = { ...describeSettings(opts, settings, fees), ...(replay ? { replay: replayFacts(opts, replay) } : {}) };
    if (opts.report !== false) writeReport(folder, opts, record, summary, runSettings, startedAt);
    closeDisplay();
    opts.statusOut?.write(`\n${summaryTable(summary)}\n${replay ? `${replayFundingLine(replay)}\n` : ''}run folder: ${folder.runDir}\n`);
    return { summary, settings: runSettings, ...folderPaths(folder), ...recordFigures(record), outputErrors: [...opts.outputs.errors], unfinished: left.unfinished };
  } finally {
    // Every path, a failed start included, releases sockets, timers, files and the simulated venues.
    if (durationTimer) clearTimeout(durationTimer);
    (sub as Subscription | undefined)?.unsubscribe();
    flushEvents();
    closeDisplay();
    await opsRef.ops?.close();
    await alerts?.close(opts.alertsCloseMs ?? 2_000);
    await recorder?.close();
    await closeAll(folder, trading, pairs);
    // Released last: the journals are closed, nothing of this run writes to the folder any more.
    journalLock?.release();
  }
}

/** The loss budget the pairs' journals hold: their realised nets summed, since the oldest budget start. */
function lossOnRecord(executors: ReadonlyMap<string, Executor>): { netUsd: number; since?: number } {
  let netUsd = 0;
  let since: number | undefined;
  for (const x of executors.values()) {
    const b = x.lossOnRecord();
    netUsd += b.netUsd;
    if (b.since !== undefined) since = Math.min(since ?? b.since, b.since);
  }
  return { netUsd, ...(since !== undefined ? { since } : {}) };
}

/** The summary's loss budget: the journals' figure at the start (`atStart`) and now. */
function lossBudgetFigures(maxLossUsd: number | undefined, atStart: { netUsd: number }, executors: ReadonlyMap<string, Executor>): LossBudgetFigures {
  const atEnd = lossOnRecord(executors);
  return { ...(maxLossUsd !== undefined ? { maxLossUsd } : {}), atStartUsd: atStart.netUsd, atEndUsd: atEnd.netUsd, ...(atEnd.since !== undefined ? { since: atEnd.since } : {}) };
}

/** Each pair's funding from the venues (streams/cli/funding.ts runFundingFor); in a replay, the recorded figures (none in a VPREC1 recording). */
function fundingDeps(trading: TradingVenues, replay: ReplaySetup | undefined, opts: RunOptions, recorder: RecordingWriter | undefined): Pick<BotDeps, 'fundingFor'> {
  const fundingFor = replay ? replay.funding?.fundingFor : runFundingFor(trading, opts, recorder);
  return fundingFor ? { fundingFor } : {};
}

/** Subscribes the bot stream into the sink; `done` settles when it ends, and `ended` says whether it has. */
function subscribeBot(bot$: Observable<TradingEvent>, sink: RunEventSink): { sub: Subscription; done: Promise<void>; readonly ended: boolean } {
  const state = { ended: false };
  let sub!: Subscription;
  const done = new Promise<void>((resolve, reject) => {
    sub = bot$.subscribe({
      next: (e) => sink.add(e),
      error: (err: unknown) => {
        sink.flush();
        reject(err);
      },
      complete: () => {
        state.ended = true;
        sink.flush();
        resolve();
      },
    });
  });
  return {
    sub,
    done,
    get ended() {
      return state.ended;
    },
  };
}

// ---- record and replay ----

/** `--duration`: a replay runs on the recording's clock and ends with its data instead. */
function durationTimerFor(opts: RunOptions, stop: (reason: string) => void): NodeJS.Timeout | undefined {
  if (opts.durationSec === undefined || opts.mode === 'replay') return undefined;
  return setTimeout(() => stop(`duration ${opts.durationSec}s elapsed`), opts.durationSec * 1000);
}

/** Plays the recording to its end; a damaged file is named with its offset (everything before the fault, and every other file, was replayed). */
async function playReplay(replay: ReplaySetup, control: Parameters<ReplaySetup['play']>[0], folder: RunFolder, printer: RunControl['printer']): Promise<void> {
  await replay.play(control);
  for (const fault of replay.index.faults) {
    printer.print(`recording fault: ${fault.message}`);
    folder.logger.warn(`recording fault: ${fault.message}`);
  }
}

function openReplay(opts: RunOptions): ReplaySetup {
  if (!opts.replay) throw new Error('replay mode needs --data');
  return createReplay(opts.config, opts.replay);
}

function recordingWriter(dir: string, logger: Logger, printer: RunControl['printer']): RecordingWriter {
  const writer = createRecordingWriter({ dir, onError: (message) => logger.error(message) });
  printer.print(`recording frames to ${writer.dir}`);
  return writer;
}

/** The mode's venues; when recording, their market rules go into the recording first. */
async function recordedVenues(opts: RunOptions, logger: Logger, recorder: RecordingWriter | undefined): Promise<TradingVenues> {
  const trading = await venuesForMode(opts, logger, recorder);
  if (recorder) await recordMarkets(recorder, opts, trading).catch(async (err: unknown) => {
    await trading.close();
    throw err;
  });
  return trading;
}

/** The market rules a replay needs (fees, steps): asked of the venues once, written before the first frame. */
async function recordMarkets(recorder: RecordingWriter, opts: RunOptions, trading: TradingVenues): Promise<void> {
  // Whether this run's funding answers are in the recording (FUNDING records): a replay tells "none read" from "not recorded".
  const source = runFundingWs(trading, opts) ? 'ws-with-rest-fallback' : 'rest-poll';
  const funding = trading.funding ? { recorded: true, source, pollMs: opts.fundingPollMs ?? DEFAULT_FUNDING_POLL_MS } : { recorded: false, reason: 'the recorded run read no funding' };
  const start = { type: 'start', mode: opts.mode, paradexEncoding: opts.config.venues.paradex.encoding, pairs: opts.config.bots.map((b) => ({ id: b.id, pair: b.pair, dexA: b.dexA, dexB: b.dexB })), funding };
  recordText(recorder, RecordKind.META, 'run', JSON.stringify(start));
  for (const b of opts.config.bots) {
    for (const venue of [b.dexA, b.dexB]) {
      const spec = await trading.venues[venue].market(venueSymbol(venue, b.pair));
      recordText(recorder, RecordKind.META, `${venue}:${spec.symbol}`, JSON.stringify({ type: 'market', venue, spec }));
    }
  }
}

/** FUNDING_ACCRUED every recorded poll period in a replay, as the recorded run reported it (unless told otherwise). */
function replayFundingPeriod(opts: RunOptions, replay: ReplaySetup): RunOptions {
  const { funding } = replay.index;
  return opts.fundingPollMs === undefined && funding.status === 'recorded' && funding.pollMs !== undefined ? { ...opts, fundingPollMs: funding.pollMs } : opts;
}

/** The console's word on a replay's funding: replayed, or not recorded (round trips then count none). */
function replayFundingLine(replay: ReplaySetup): string {
  const { funding } = replay.index;
  return funding.status === 'recorded'
    ? `funding: replayed from the recording (${funding.observations} answers${funding.failed > 0 ? `, ${funding.failed} failed polls` : ''})`
    : `funding: NOT RECORDED in this data (${funding.reason}): no carry in the decisions, round trips count no funding (not a zero)`;
}

// ---- run folder and report ----

function folderPaths({ runDir, eventsPath, reportPath }: RunFolder): Pick<RunResult, 'runDir' | 'eventsPath' | 'reportPath'> {
  return { runDir, eventsPath, reportPath };
}

function recordFigures(record: RunRecord): Pick<RunResult, 'recentEvents' | 'eventCount' | 'eventCounts'> {
  return { recentEvents: record.recentEvents(), eventCount: record.eventCount, eventCounts: record.eventCounts() };
}

function writeReport(folder: RunFolder, opts: RunOptions, record: RunRecord, summary: RunSummary, settings: RunSettings, startedAt: number): void {
  // The report redacts its own text (renderReport): the filter would break its inlined scripts.
  const reportOut = folder.outputs.file('report.html', folder.reportPath, 'w', { redact: false });
  const meta = { title: `vest-paradex-arb ${opts.mode} run`, settings, startedAt, endedAt: Date.now(), runDir: path.basename(folder.runDir), ...(opts.reportSections ? { extraSections: opts.reportSections } : {}) };
  reportOut.write(renderReport(record.reportData(readChartItems(folder.chartPath)), summary, meta));
  reportOut.close();
}

async function closeAll(folder: RunFolder, trading: TradingVenues | undefined, pairs: PairSetup | undefined): Promise<void> {
  folder.eventsOut.close();
  folder.tradesOut.close();
  folder.chartOut.close();
  await trading?.close();
  pairs?.journals.forEach((j) => j.close());
  folder.stopReportingToLog();
  await new Promise<void>((r) => folder.logger.end(r));
}

// ---- venues for the mode ----

/** A feed is stale after stale_after_ms without updates, or while it lags the venue by more than max_book_age_ms. */
async function venuesForMode(opts: RunOptions, logger: Logger, recorder: RecordingWriter | undefined): Promise<TradingVenues> {
  // Loaded when a run trades venues: a replay (and each sweep worker) never loads the signing libraries.
  const { createVenues } = await import('../venues');
  return createVenues(venueSetupFor(opts), {
    ...(recorder ? { recorder } : {}),
    staleAfterMs: opts.config.execution.staleAfterMs,
    maxLagMs: opts.config.execution.maxBookAgeMs,
    paradexEncoding: opts.config.venues.paradex.encoding,
    ...(opts.vestClientIdsKept !== undefined ? { vestClientIdsKept: opts.vestClientIdsKept } : {}),
    logger,
  });
}

// ---- the bot stream and its events ----

/**
 * Each event is folded, written, logged and shown on the next turn of the event loop, in order (see
 * run-events.ts: inline, a TRADE_EXIT's handling delayed the close orders' bytes).
 */
function runEventSink(
  opts: RunControl['opts'],
  record: RunRecord,
  folder: RunFolder,
  display: StatusDisplay | undefined,
  printer: RunControl['printer'],
  toOps: (e: TradingEvent) => void,
): RunEventSink {
  const { onEvent } = opts;
  return createRunEventSink({
    record,
    events: folder.eventsOut,
    logger: folder.logger,
    ...(display ? { display } : {}),
    console: { print: (text) => printer.print(text), logLevel: opts.logLevel },
    onEvent: (e) => {
      toOps(e);
      onEvent?.(e);
    },
  });
}

// ---- the operator's API ----

/** The ops views, fed from the sink, and the API when asked for (a port it cannot bind is told, not fatal). */
async function startOps(
  opts: RunControl['opts'],
  pairs: PairSettings[],
  executors: Map<string, Executor>,
  money: { readonly record: RunRecord; readonly lossBudgetNow: () => LossBudgetFigures },
  sink: RunEventSink,
  printer: RunControl['printer'],
  logger: Logger,
): Promise<Ops> {
  const openNow = () => [...executors.values()].filter((x) => x.currentPosition() !== undefined).length;
  const ops = new Ops({
    mode: opts.mode,
    pairs: pairs.map((p) => ({ id: p.id, pair: p.pair, dexA: p.dexA, dexB: p.dexB, spreadEntry: p.spreadEntry, spreadExit: p.spreadExit })),
    executors,
    emit: (e) => sink.add(e),
    // The loss budget as the journals hold it now: the same figures the run's summary ends with.
    summary: () => ({ ...money.record.summary(openNow()), lossBudget: money.lossBudgetNow() }),
    ...(opts.opsKept ? { kept: opts.opsKept } : {}),
  });
  if (!opts.api) return ops;
  const { host, port, token } = opts.api;
  try {
    const server = await ops.listen({ ...opts.api, onProblem: (line) => logger.warn(line) });
    printer.print(`API: ${server.url} (dashboard /, metrics /metrics, status /api/status; control ${token ? 'enabled (bearer token)' : 'disabled: ARB_API_TOKEN not set'})`);
    opts.onApiListening?.(server.url);
  } catch (err) {
    const line = `API not started: cannot listen on ${host}:${port}: ${errorText(err)}; the bot trades on without it`;
    printer.print(line);
    logger.error(line);
  }
  return ops;
}

/** The webhooks' alerts, when any are configured (streams/cli/alerts.ts). */
function runAlerts(opts: RunControl['opts'], logger: Logger): Alerts | undefined {
  if (!opts.alerts || opts.alerts.length === 0) return undefined;
  return startAlerts({ webhooks: opts.alerts, rules: opts.config.alerts, logger, label: `vest-paradex-arb ${opts.mode}` });
}

// ---- status display ----

/** On a terminal the status lines stay at the bottom: notices are printed above them. */
function statusDisplay(out: TextOutput | undefined, pairs: PairSettings[], printer: RunControl['printer']): StatusDisplay | undefined {
  if (!out) return undefined;
  const display = createStatusDisplay({
    out,
    pairs: pairs.map((p) => ({ pair: p.pair, dexA: p.dexA, dexB: p.dexB, entryThreshold: p.spreadEntry, exitTarget: p.spreadExit })),
  });
  printer.print = (text: string) => display.print(text);
  return display;
}

// ---- what the run leaves ----

/**
 * Hedged positions (monitored again at the next start), and anything unhedged or unresolved, read from
 * the venues where the journal says there is something to read.
 */
async function exposureAtExit(executors: Map<string, Executor>, why: string, logger: Logger): Promise<{ unfinished: boolean; exposure: PairExposure[] }> {
  const unfinished = [...executors.values()].some((x) => x.inFlight());
  // The grace ran out: whatever is still running stops acting now, as a killed process would, so the
  // journal stays what a restart needs to finish it (and nothing acts unjournalled after this run).
  if (unfinished) for (const executor of executors.values()) if (executor.inFlight()) executor.detach();
  const exposure: PairExposure[] = [];
  for (const executor of executors.values()) {
    const left = await executor.exposure({ readVenues: true, deadlineMs: 2_000 });
    if (left === undefined) continue;
    exposure.push(left);
    executor.recordExitExposure(left, unfinished ? `stopped with the operation unfinished (${why}): the shutdown grace ran out` : `stopped (${why})`);
    logger.error(`exposure at exit: ${pairExposureText(left)}`);
  }
  return { unfinished, exposure };
}
