/**
 * A run reads funding over the venues' WebSockets by default (Paradex `funding_data.{market}` as SBE
 * FundingDataEvents, Vest `tickers`), polls REST while a channel is silent, and REST only when told so. What the
 * bot read is what a `--record` run writes (each FUNDING record is written as the bot reads the figure, with the
 * source that fed it), so the recording says which source fed each figure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import { startSimVenues, type SimVenues } from '../../../src/sim';
import { decodeFundingRecord } from '../../../src/venues/funding-record';
import { gunzipRecording, parseRecords, RecordKind, recordingFiles } from '../../../src/venues/recording';
import { loadOrCreateSimKeys } from '../../../src/venues/sim-connect';
import { startRun, type RunOptions } from '../../../streams/cli/run';

interface FundingRecordBody {
  ok: boolean;
  source?: 'ws' | 'rest';
  ratePerHour?: number;
  index?: number;
  at?: number;
  frame?: { sbe?: string; text?: string };
  raw?: unknown;
}

/** The recording's FUNDING records per key, and its start record. */
function recorded(dir: string): { funding: Map<string, { body: FundingRecordBody; payload: Uint8Array; at: number }[]>; start: { funding?: { source?: string } } } {
  const funding = new Map<string, { body: FundingRecordBody; payload: Uint8Array; at: number }[]>();
  let start = {};
  for (const file of recordingFiles(dir)) {
    for (const e of parseRecords(file, gunzipRecording(file).data)) {
      const text = Buffer.from(e.payload).toString('utf8');
      if (e.kind === RecordKind.META && e.key === 'run') start = JSON.parse(text) as object;
      if (e.kind !== RecordKind.FUNDING) continue;
      const list = funding.get(e.key) ?? [];
      list.push({ body: JSON.parse(text) as FundingRecordBody, payload: e.payload, at: Number(e.receivedAtNs / 1_000_000n) });
      funding.set(e.key, list);
    }
  }
  return { funding, start };
}

describe('funding over WebSocket in a run', () => {
  let root: string;
  let sim: SimVenues;
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-funding-ws-'));
    // Funding 36,000× real time: every push moves the index.
    sim = await startSimVenues({ seed: 5, markets: ['BTC'], funding: { timeScale: 36_000 } });
  });
  afterEach(async () => {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A short sim run on the venues started here, recorded; stops once `enough` says so (or after 8 s). */
  async function runRecorded(name: string, extra: Partial<RunOptions>, enough: (dir: string) => boolean): Promise<string> {
    const dir = path.join(root, `${name}-rec`);
    const journalDir = path.join(root, `${name}-journal`);
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 1,
      closeOnExit: true,
      durationSec: 8,
      runsDir: path.join(root, name),
      journalDir,
      logLevel: 'warn',
      simVenues: { urls: sim, keys: loadOrCreateSimKeys(journalDir) },
      fundingPollMs: 100,
      record: dir,
      ...extra,
    });
    // The recorder writes every 250 ms: look at what is on disk now and then.
    const watch = setInterval(() => {
      try {
        if (recordingFiles(dir).length > 0 && enough(dir)) handle.stop('test: enough funding seen');
      } catch {
        // a batch being written: look again next time
      }
    }, 300);
    try {
      await handle.done;
    } finally {
      clearInterval(watch);
    }
    return dir;
  }

  const count = (dir: string, key: string, source: 'ws' | 'rest') => (recorded(dir).funding.get(key) ?? []).filter((r) => r.body.ok && r.body.source === source).length;

  it('by default reads both venues over WS (SBE FundingDataEvents on Paradex, tickers on Vest) and never polls REST', async () => {
    const dir = await runRecorded('default', {}, (d) => count(d, 'paradex:BTC-USD-PERP', 'ws') >= 5 && count(d, 'vest:BTC-PERP', 'ws') >= 5);
    const { funding, start } = recorded(dir);
    expect(start.funding?.source).toBe('ws-with-rest-fallback');
    const paradex = funding.get('paradex:BTC-USD-PERP')!;
    const vest = funding.get('vest:BTC-PERP')!;
    expect(paradex.length).toBeGreaterThanOrEqual(5);
    expect(vest.length).toBeGreaterThanOrEqual(5);
    // Every figure the bot read came over a socket: no REST answer, no failed poll.
    expect([...paradex, ...vest].every((r) => r.body.ok && r.body.source === 'ws')).toBe(true);
    // Each Paradex record keeps its SBE frame, and that frame alone, read by the live decoder, gives the figure.
    for (const r of paradex) {
      expect(typeof r.body.frame?.sbe).toBe('string');
      const { ratePerHour, index, at, ...rest } = r.body;
      const frameOnly = new TextEncoder().encode(JSON.stringify({ ok: true, frame: rest.frame }));
      const decoded = decodeFundingRecord('paradex:BTC-USD-PERP', frameOnly, r.at);
      expect(decoded.ok && decoded.snapshot).toEqual({ ratePerHour, index, at });
    }
    // The rate came from markets_summary's fundingRatePrecise (SBE template 4) once the summary had arrived: the
    // record keeps that frame too, and the rate is the model's to 12 decimals per period (SBE funding_data has 8).
    const precise = paradex.filter((r) => typeof (r.body.frame as { rateSbe?: string } | undefined)?.rateSbe === 'string');
    expect(precise.length).toBeGreaterThanOrEqual(paradex.length - 2);
    expect(vest.every((r) => typeof r.body.frame?.text === 'string' && r.body.frame.text.includes('"tickers"'))).toBe(true);
  }, 30_000);

  it('polls REST for a venue whose funding channel is accepted but silent, and keeps the other venue on its WS', async () => {
    sim.faults.muteChannels('paradex', /^funding_data\./);
    const dir = await runRecorded('muted', { fundingWsSilenceMs: 400 }, (d) => count(d, 'paradex:BTC-USD-PERP', 'rest') >= 5 && count(d, 'vest:BTC-PERP', 'ws') >= 5);
    const { funding } = recorded(dir);
    const paradex = funding.get('paradex:BTC-USD-PERP')!;
    expect(paradex.length).toBeGreaterThanOrEqual(5);
    expect(paradex.every((r) => r.body.ok && r.body.source === 'rest' && r.body.raw !== undefined)).toBe(true);
    const vest = funding.get('vest:BTC-PERP')!;
    expect(vest.length).toBeGreaterThanOrEqual(5);
    expect(vest.every((r) => r.body.source === 'ws')).toBe(true);
  }, 30_000);

  it('reads REST only with fundingOverWs: false', async () => {
    const dir = await runRecorded('rest', { fundingOverWs: false }, (d) => count(d, 'paradex:BTC-USD-PERP', 'rest') >= 3 && count(d, 'vest:BTC-PERP', 'rest') >= 3);
    const { funding, start } = recorded(dir);
    expect(start.funding?.source).toBe('rest-poll');
    const all = [...funding.values()].flat();
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all.every((r) => !r.body.ok || r.body.source === 'rest')).toBe(true);
  }, 30_000);
});
