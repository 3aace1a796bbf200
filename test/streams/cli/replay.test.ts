/**
 * Record a seeded sim run, replay it: the same decisions at the same ticks, byte-identical events on
 * every replay, and a damaged recording named by file and offset without losing the rest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import type { TradingEvent } from '../../../src/domain/events';
import { recordingFiles } from '../../../src/venues/recording';
import { startRun, type RunResult } from '../../../streams/cli/run';
import { parseSweepSpec, runSweep } from '../../../streams/cli/sweep';

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
    if (e.type === 'SPREAD_DETECTED') return [`entry ${e.direction} ${e.entrySpread}`];
    if (e.type === 'TRADE_EXIT') return [`exit @${Math.floor((e.tick?.time ?? e.time) / 10)} ${e.tick?.entryAOverB} ${e.tick?.entryBOverA} ${e.exitSpread} ${e.reason ?? ''}`];
    return [];
  });
}

describe('record and replay', () => {
  let root: string;
  let recording: string;
  let live: RunResult;
  const config = defaultConfig();

  const replay = async (dataDir: string, name: string, latencyMs = 0): Promise<RunResult> =>
    startRun({ mode: 'replay', config, seed: 1, sampleMs: 0, closeOnExit: true, runsDir: path.join(root, name), logLevel: 'warn', replay: { dataDir, latencyMs } }).done;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-replay-'));
    recording = path.join(root, 'rec');
    let closed = 0;
    const handle = startRun({
      mode: 'sim',
      config,
      seed: 7,
      sampleMs: 0,
      closeOnExit: true,
      durationSec: 60,
      runsDir: path.join(root, 'live'),
      logLevel: 'warn',
      simModel: FAST_MARKET,
      record: recording,
      onEvent: (e) => {
        if (e.type === 'POSITION_CLOSED' && ++closed >= 2) handle.stop('test: two round trips');
      },
    });
    live = await handle.done;
  }, 90_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

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

  it('gives byte-identical events and summary for the same data and config', async () => {
    const first = await replay(recording, 'b');
    const second = await replay(recording, 'c');
    expect(fs.readFileSync(second.eventsPath, 'utf8')).toBe(fs.readFileSync(first.eventsPath, 'utf8'));
    expect(JSON.stringify(second.summary)).toBe(JSON.stringify(first.summary));
    expect(JSON.stringify({ ...second.settings, replay: { ...second.settings.replay, dataDir: '' } })).toBe(
      JSON.stringify({ ...first.settings, replay: { ...first.settings.replay, dataDir: '' } }),
    );
    const report = fs.readFileSync(first.reportPath, 'utf8');
    expect(report).toContain('data span');
    expect(first.summary.roundTrips).toBeGreaterThan(0);
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
    const rows = await runSweep(axes, { rawConfig: { bots: [{ pair: 'BTC-PERP' }] }, dataDir: recording, latencyMs: 0, sampleMs: 0, runsDir: path.join(root, 'sweep') }, 2);
    const direct = await replay(recording, 'f');
    expect(rows.map((r) => r.values)).toEqual([[0.06, -0.02], [0.5, -0.02]]);
    // spread_entry 0.06 and spread_exit -0.02 are the defaults: the point is the plain replay's result.
    expect(rows[0]!.netPnlUsd).toBe(direct.summary.netPnlUsd);
    expect(rows[0]!.roundTrips).toBe(direct.summary.roundTrips);
    expect(rows[1]!.roundTrips).toBeLessThanOrEqual(rows[0]!.roundTrips!);
  }, 90_000);
});
