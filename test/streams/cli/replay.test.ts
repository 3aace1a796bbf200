/**
 * Record a seeded sim run (its funding sped up, so carry counts in the decisions and the PnL), replay it: the
 * same decisions at the same ticks with the same carry, the same funding at entry and close, byte-identical
 * events on every replay, an old (VPREC1, books only) recording replayed with its funding stated as not
 * recorded, and a damaged recording named by file and offset without losing the rest.
 */
import fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, parseConfigObject } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import * as zlib from 'node:zlib';
import { encodeRecord, gunzipRecording, parseRecords, RECORDING_MAGIC_V1, recordingFiles, RecordKind, type RecordedEntry } from '../../../src/venues/recording';
import { startRun, type RunResult } from '../../../streams/cli/run';
import { parseSweepSpec, runSweep, writeSweepReport } from '../../../streams/cli/sweep';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };

function lines(file: string): TradingEvent[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TradingEvent);
}

/**
 * What the bot decided and on which tick. A tick is named by its books' spreads in both directions (exact
 * floats: only the same books give them) and its time to 10 ms: a live tick is stamped when the scheduler
 * emits it, a moment after its frame's receipt, which is the replay's stamp.
 */
function decisions(events: TradingEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === 'SPREAD_DETECTED') return [`entry ${e.direction} ${e.entrySpread} carry ${e.carry?.status} ${e.carry?.carryPct}`];
    if (e.type === 'TRADE_EXIT') return [`exit @${Math.floor((e.tick?.time ?? e.time) / 10)} ${e.tick?.entryAOverB} ${e.tick?.entryBOverA} ${e.exitSpread} ${e.reason ?? ''}`];
    return [];
  });
}

const closes = (events: TradingEvent[]) => events.filter((e): e is Extract<TradingEvent, { type: 'POSITION_CLOSED' }> => e.type === 'POSITION_CLOSED');

/** Every record of one recording file. */
function readEntries(file: string): RecordedEntry[] {
  const { data } = gunzipRecording(file);
  return [...parseRecords(file, data)];
}

/** The run's journal (one pair: one file). */
function journalText(runDir: string): string {
  const dir = path.join(runDir, 'journal');
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
}

/** The files fsynced while `run` runs (Linux: the fd's /proc link names the file). */
async function fsyncedFiles<T>(run: () => Promise<T>): Promise<{ result: T; files: string[] }> {
  const files: string[] = [];
  const real = fs.fsyncSync.bind(fs);
  const spy = jest.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
    try {
      files.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      files.push(`fd ${fd}`);
    }
    real(fd);
  });
  try {
    return { result: await run(), files };
  } finally {
    spy.mockRestore();
  }
}

describe('record and replay', () => {
  let root: string;
  let recording: string;
  let live: RunResult;
  /** Journal files the live sim run fsynced. */
  let liveJournalSyncs: string[];
  // The default config: carry over the default expected hold counts in every entry edge, live and replayed.
  const config = defaultConfig();
  /** Funding answers in the recording: arrival ms per venue symbol. */
  let fundingArrivals: number[];

  const replay = async (dataDir: string, name: string, latencyMs = 0): Promise<RunResult> =>
    startRun({ mode: 'replay', config, seed: 1, sampleMs: 0, closeOnExit: true, runsDir: path.join(root, name), logLevel: 'warn', replay: { dataDir, latencyMs } }).done;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-replay-'));
    recording = path.join(root, 'rec');
    let closed = 0;
    let handle: ReturnType<typeof startRun> | undefined;
    const run = () => (handle = startRun({
      mode: 'sim',
      config,
      seed: 7,
      sampleMs: 0,
      closeOnExit: true,
      durationSec: 60,
      runsDir: path.join(root, 'live'),
      logLevel: 'warn',
      simModel: FAST_MARKET,
      // 1 s of run = 10 h of funding, polled every 500 ms: every answer moves the indexes visibly.
      simFunding: { timeScale: 36_000 },
      fundingPollMs: 500,
      record: recording,
      onEvent: (e) => {
        if (e.type === 'POSITION_CLOSED' && ++closed >= 2) handle?.stop('test: two round trips');
      },
    })).done;
    const synced = await fsyncedFiles(run);
    live = synced.result;
    liveJournalSyncs = synced.files.filter((f) => f.includes(`${path.sep}journal${path.sep}`) && f.endsWith('.ndjson'));
    fundingArrivals = recordingFiles(recording).flatMap((f) => readEntries(f).filter((e) => e.kind === RecordKind.FUNDING).map((e) => Number(e.receivedAtNs / 1_000_000n)));
  }, 90_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('replays the recorded funding: the same carry in the entry edge and the same funding indexes at entry, to the bit', async () => {
    expect(fundingArrivals.length).toBeGreaterThan(10);
    // The live run read its funding over the venues' WebSockets (the default), and the recording says so.
    const sources = recordingFiles(recording).flatMap((f) => readEntries(f).filter((e) => e.kind === RecordKind.FUNDING).map((e) => (JSON.parse(Buffer.from(e.payload).toString('utf8')) as { source?: string }).source));
    expect(sources.filter((s) => s === 'ws').length).toBeGreaterThan(10);
    const liveEvents = lines(live.eventsPath);
    const firstEntry = liveEvents.find((e): e is Extract<TradingEvent, { type: 'SPREAD_DETECTED' }> => e.type === 'SPREAD_DETECTED')!;
    // Live, the carry counted in the entry edge (the decision strings below compare it exactly).
    expect(firstEntry.carry?.status).toBe('counted');
    expect(firstEntry.carry?.carryPct).not.toBe(0);
    const replayed = await replay(recording, 'funding', 0);
    expect(replayed.settings.replay!.funding).toEqual({ status: 'recorded', observations: fundingArrivals.length, failed: 0 });
    const replayEvents = lines(replayed.eventsPath);
    const liveDecisions = decisions(liveEvents);
    expect(decisions(replayEvents).slice(0, 2)).toEqual(liveDecisions.slice(0, 2));
    // The entry's funding indexes (taken at the decision) are the same answers, to the bit.
    const opens = (runDir: string) => journalText(runDir).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; position?: { fundingIndexAtEntry?: unknown } }).filter((l) => l.kind === 'open');
    expect(opens(replayed.runDir)[0]!.position!.fundingIndexAtEntry).toEqual(opens(live.runDir)[0]!.position!.fundingIndexAtEntry);
    expect(replayed.summary.fundingUnknownTrades).toBe(0);
    expect(replayed.summary.fundingUsd).not.toBe(0);
  }, 60_000);

  it('realises the live run’s funding to the bit when its fills take the live orders’ time', async () => {
    // A close realises against the latest answer once its orders have filled. Live, the first close took
    // (close − exit decision) ms, and funding answers arrive every 500 ms: a replay whose fills take that long
    // closes at the live close's moment, with the same answers read, so the same index difference.
    const liveEvents = lines(live.eventsPath);
    const atZero = lines((await replay(recording, 'funding-0', 0)).eventsPath);
    const exitAt = atZero.find((e) => e.type === 'TRADE_EXIT')!.time;
    const liveClose = closes(liveEvents)[0]!;
    const latencyMs = liveClose.time - exitAt;
    expect(latencyMs).toBeGreaterThan(0);
    const replayed = await replay(recording, 'funding-live-latency', latencyMs);
    const replayEvents = lines(replayed.eventsPath);
    expect(decisions(replayEvents)[0]).toEqual(decisions(liveEvents)[0]);
    const replayClose = closes(replayEvents)[0]!;
    expect(replayClose.time).toBe(liveClose.time);
    expect(Math.abs(liveClose.fundingUsd!)).toBeGreaterThan(1e-4);
    expect(replayClose.fundingUsd).toBe(liveClose.fundingUsd);
    expect(replayed.summary.trades[0]!.fundingUsd).toBe(live.summary.trades[0]!.fundingUsd);
    expect(replayed.summary.trades[0]!.netPnlUsd).toBeCloseTo(replayed.summary.trades[0]!.grossPnlUsd - replayed.summary.trades[0]!.feesUsd + live.summary.trades[0]!.fundingUsd, 12);
  }, 60_000);

  it('replays an old (VPREC1) recording, books only, and says its funding was not recorded: no carry, no funding figure', async () => {
    const old = path.join(root, 'old');
    fs.mkdirSync(old);
    for (const file of recordingFiles(recording)) {
      const kept = readEntries(file)
        .filter((e) => e.kind !== RecordKind.FUNDING && !(e.kind === RecordKind.META && e.key === 'run'))
        .map((e) => encodeRecord(e.kind, e.receivedAtNs, e.key, e.payload));
      fs.writeFileSync(path.join(old, path.basename(file)), zlib.gzipSync(Buffer.concat([RECORDING_MAGIC_V1, ...kept])));
    }
    const printed: string[] = [];
    const replayed = await startRun({ mode: 'replay', config, seed: 1, sampleMs: 0, closeOnExit: true, runsDir: path.join(root, 'old-run'), logLevel: 'warn', replay: { dataDir: old }, statusOut: { write: (t: string) => printed.push(t) } }).done;
    expect(replayed.settings.replay!.faults).toEqual([]);
    expect(replayed.settings.replay!.funding).toEqual({ status: 'not recorded', reason: 'format version 1 (VPREC1): recorded before funding was recorded' });
    const events = lines(replayed.eventsPath);
    const entries = events.filter((e): e is Extract<TradingEvent, { type: 'SPREAD_DETECTED' }> => e.type === 'SPREAD_DETECTED');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.carry).toMatchObject({ status: 'not tracked', carryPct: 0 });
    // No funding figure, said so: never a silent zero.
    expect(replayed.summary.roundTrips).toBeGreaterThan(0);
    expect(replayed.summary.fundingUnknownTrades).toBe(replayed.summary.roundTrips);
    expect(events.filter((e) => e.type === 'POSITION_CLOSED').every((e) => e.type === 'POSITION_CLOSED' && e.fundingUsd === undefined)).toBe(true);
    expect(printed.join('')).toContain('funding: NOT RECORDED in this data (format version 1 (VPREC1)');
    expect(fs.readFileSync(replayed.reportPath, 'utf8')).toContain('not recorded (format version 1 (VPREC1)');
  }, 60_000);

  it('replays a recorded sim run with the same entries and exits at the same ticks', async () => {
    expect(recordingFiles(recording).length).toBeGreaterThan(0);
    const liveDecisions = decisions(lines(live.eventsPath));
    expect(liveDecisions.filter((d) => d.startsWith('exit')).length).toBeGreaterThanOrEqual(2);
    const replayed = await replay(recording, 'a', 100);
    expect(replayed.settings.mode).toBe('replay');
    expect(replayed.settings.replay!.faults).toEqual([]);
    // The first round trip is decided on the same ticks. After a close, when watching resumes depends on how
    // long the live orders took (the cooldown starts at the close's end), which frames do not record: a replay
    // with another latency may then see its next entry a few ticks apart.
    expect(decisions(lines(replayed.eventsPath)).slice(0, 2)).toEqual(liveDecisions.slice(0, 2));
    expect(replayed.summary.roundTrips).toBeGreaterThanOrEqual(live.summary.roundTrips);
  }, 60_000);

  it('journals as a sim run does, without the fsync a run that holds positions needs', async () => {
    // The live sim run made every journal line durable (one fsync per line at least).
    const liveLines = journalText(live.runDir).trim().split('\n');
    expect(liveJournalSyncs.length).toBeGreaterThanOrEqual(liveLines.length);
    const { result, files } = await fsyncedFiles(() => replay(recording, 'nosync', 0));
    const replayLines = journalText(result.runDir).trim().split('\n');
    expect(replayLines.length).toBeGreaterThan(4);
    expect(replayLines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toContain('closed');
    // (The journal folder's bot.lock is made durable at start; the journal lines are not.)
    expect(files.filter((f) => f.includes(`${path.sep}journal${path.sep}`) && f.endsWith('.ndjson'))).toEqual([]);
  }, 60_000);

  it('gives byte-identical events and summary for the same data and config', async () => {
    const first = await replay(recording, 'b');
    const listeners = process.stderr.listenerCount('error');
    const second = await replay(recording, 'c');
    // A run guards process.stderr once per process, not once per run (a sweep worker runs many).
    expect(process.stderr.listenerCount('error')).toBe(listeners);
    expect(fs.readFileSync(second.eventsPath, 'utf8')).toBe(fs.readFileSync(first.eventsPath, 'utf8'));
    expect(JSON.stringify(second.summary)).toBe(JSON.stringify(first.summary));
    expect(JSON.stringify({ ...second.settings, replay: { ...second.settings.replay, dataDir: '' } })).toBe(
      JSON.stringify({ ...first.settings, replay: { ...first.settings.replay, dataDir: '' } }),
    );
    const report = fs.readFileSync(first.reportPath, 'utf8');
    expect(report).toContain('data span');
    expect(first.summary.roundTrips).toBeGreaterThan(0);
  }, 60_000);

  it('reads and parses the recording once for replays that keep it loaded (a sweep worker), again when a file changes', async () => {
    const spy = jest.spyOn(fs, 'readFileSync');
    const reads = () => spy.mock.calls.filter(([f]) => typeof f === 'string' && f.endsWith('.vrec.gz')).length;
    const kept = (name: string) =>
      startRun({ mode: 'replay', config, seed: 1, sampleMs: 0, closeOnExit: true, runsDir: path.join(root, name), logLevel: 'warn', replay: { dataDir: recording, keepLoaded: true } }).done;
    try {
      const first = await kept('kept-a');
      const readsFirst = reads();
      expect(readsFirst).toBe(recordingFiles(recording).length);
      const second = await kept('kept-b');
      expect(reads()).toBe(readsFirst);
      // The records kept are played as read: the same events as a replay that read them.
      expect(fs.readFileSync(second.eventsPath, 'utf8')).toBe(fs.readFileSync(first.eventsPath, 'utf8'));
      expect(fs.readFileSync(first.eventsPath, 'utf8')).toBe(fs.readFileSync((await replay(recording, 'kept-c')).eventsPath, 'utf8'));
      const file = recordingFiles(recording)[0]!;
      const { atime, mtime } = fs.statSync(file);
      fs.utimesSync(file, atime, new Date(mtime.getTime() + 1_000));
      const readsBefore = reads();
      await kept('kept-d');
      expect(reads()).toBeGreaterThan(readsBefore);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);

  it('times orders out on the virtual clock: the same events every time, and no real timer for the wait', async () => {
    // Fills come 3 s after the order, the reply deadline is 1 s: every order times out and is looked up by
    // client id (backoff 250, 500, 1000, 2000 ms), and the late reply counts at the look-up after it arrived.
    const slow = parseConfigObject({ bots: [{ pair: 'BTC-PERP' }], execution: { leg_timeout_ms: 1000, close_backoff_ms: 250 } }).config;
    const realTimers: number[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      realTimers.push(ms ?? 0);
      return realSetTimeout(() => fn(...args), ms);
    }) as typeof setTimeout);
    const slowReplay = (name: string) =>
      startRun({ mode: 'replay', config: slow, seed: 1, sampleMs: 0, closeOnExit: true, runsDir: path.join(root, name), logLevel: 'warn', replay: { dataDir: recording, latencyMs: 3000 } }).done;
    let first: RunResult;
    let second: RunResult;
    try {
      first = await slowReplay('timeout-a');
      second = await slowReplay('timeout-b');
    } finally {
      spy.mockRestore();
    }
    const fills = lines(first.eventsPath).filter((e) => e.type === 'ORDER_FILLED');
    expect(fills.length).toBeGreaterThanOrEqual(4);
    // On real timers the 1 s deadline never fires within a replay (the 3 s fill is virtual): each fill would say 3000.
    // On the clock: deadline at 1000, look-ups at 1000, 1250, 1750, 2750 (not filled yet), 4750 (filled); a
    // leg settled after another one's look-ups may show more.
    const latencies = fills.map((e) => (e.type === 'ORDER_FILLED' ? e.latencyMs : -1));
    expect(Math.min(...latencies)).toBe(4750);
    expect(latencies.filter((ms) => ms === 4750).length).toBeGreaterThanOrEqual(fills.length / 2);
    expect(fs.readFileSync(second.eventsPath, 'utf8')).toBe(fs.readFileSync(first.eventsPath, 'utf8'));
    // Nothing waited on the machine's clock for the order deadline, the look-up backoff or the fill latency.
    expect(realTimers.filter((ms) => ms >= 250)).toEqual([]);
  }, 60_000);

  it('names the file and offset of a truncated recording and replays everything before it', async () => {
    const whole = await replay(recording, 'd');
    const cut = path.join(root, 'cut');
    fs.mkdirSync(cut);
    const file = recordingFiles(recording)[0]!;
    const bytes = fs.readFileSync(file);
    const cutFile = path.join(cut, path.basename(file));
    fs.writeFileSync(cutFile, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const damaged = await replay(cut, 'e');
    expect(damaged.settings.replay!.faults).toHaveLength(1);
    expect(damaged.settings.replay!.faults[0]).toMatch(new RegExp(`^${cutFile.replace(/[.]/g, '\\.')}: compressed data at file offset \\d+`));
    // Everything decided before the cut is decided the same way.
    const until = damaged.settings.replay!.toMs;
    const before = (events: TradingEvent[]) => decisions(events.filter((e) => e.time <= until - 6_000));
    expect(before(lines(damaged.eventsPath))).toEqual(before(lines(whole.eventsPath)));
    expect(damaged.settings.replay!.frames).toBeLessThan(whole.settings.replay!.frames);
    expect(damaged.settings.replay!.frames).toBeGreaterThan(0);
  }, 60_000);

  it('sweeps a grid on worker threads, each point the same replay as the replay command', async () => {
    const axes = parseSweepSpec('bots[0].spread_entry=0.06..0.5:0.44,bots[0].spread_exit=-0.02..-0.02:0.01');
    const job = { rawConfig: { bots: [{ pair: 'BTC-PERP' }] }, dataDir: recording, latencyMs: 0, sampleMs: 0, runsDir: path.join(root, 'sweep') };
    const rows = await runSweep(axes, job, 2);
    const direct = await replay(recording, 'f');
    expect(rows.map((r) => r.values)).toEqual([[0.06, -0.02], [0.5, -0.02]]);
    // spread_entry 0.06 and spread_exit -0.02 are the defaults: the point is the plain replay's result, every figure.
    const { roundTrips, winRate, netPnlUsd, grossPnlUsd, feesUsd, fundingUsd, maxDrawdownUsd, openAtExit } = direct.summary;
    expect(rows[0]).toEqual({ values: [0.06, -0.02], roundTrips, winRate, netPnlUsd, grossPnlUsd, feesUsd, fundingUsd, maxDrawdownUsd, openAtExit });
    // A point keeps its run folder (events, trades) but renders no report.html: only its row is used.
    const pointFolder = path.join(job.runsDir, 'point-0000');
    const pointRun = fs.readdirSync(pointFolder).map((d) => path.join(pointFolder, d)).find((d) => fs.existsSync(path.join(d, 'events.ndjson')))!;
    expect(fs.existsSync(path.join(pointRun, 'report.html'))).toBe(false);
    expect(fs.readFileSync(path.join(pointRun, 'events.ndjson'), 'utf8')).toBe(fs.readFileSync(direct.eventsPath, 'utf8'));
    expect(rows[1]!.roundTrips).toBeLessThanOrEqual(rows[0]!.roundTrips!);
    // report.html of the sweep: the best point's replay, with the whole table (best net PnL first) and the heatmap.
    const dir = path.join(root, 'sweep-out');
    const report = await writeSweepReport(dir, axes, rows, job, { dataDir: recording, fromMs: 0, toMs: 1, latencyMs: 0, funding: { status: 'recorded' } });
    expect(report).toBe(path.join(dir, 'report.html'));
    const html = fs.readFileSync(report!, 'utf8');
    const best = [...rows].sort((a, b) => b.netPnlUsd! - a.netPnlUsd!)[0]!;
    expect(html).toContain(`best point: bots[0].spread_entry = ${best.values[0]}, bots[0].spread_exit = ${best.values[1]}.`);
    const table = /id="sweep-table">(.*?)<\/table>/s.exec(html)![1]!;
    const nets = [...table.matchAll(/<tr>(?:<td>[^<]*<\/td>){4}<td>([^<]*)<\/td>/g)].map((m) => Number(m[1]));
    expect(nets).toEqual([...rows].map((r) => r.netPnlUsd!).sort((a, b) => b - a).map((v) => Number(v.toFixed(4))));
    expect(html).toContain('id="sweep-heatmap"');
    expect(html).toContain('Funding: replayed as recorded');
    expect(html).toContain('id="equity-chart"');
    expect(html).toMatch(/<h2>Trades/);
  }, 90_000);
});
