/**
 * The soak run (issue 15 point 5), in a process of its own so heap figures are this run's alone. Run by
 * soak.test.ts as `node --expose-gc -r ts-node/register/transpile-only soak-child.ts DURATION_S SAMPLE_S`.
 *
 * Simulated venues over loopback with fast market updates (SOAK_UPDATE_MS) and a fast-reverting basis so the
 * bot enters and exits all through the run; the bot through `startRun` (sim keys, real signatures, journal,
 * run folder in a temp dir, no API). Every SAMPLE_S: forced gc, then heapUsed and the active resources by type.
 * Prints each sample as it is taken (`SAMPLE {...}`), and at the end one JSON line (`SOAK {...}`) with the samples,
 * the event counts and the run's round trips, then stops the run, closes the venues and exits 0. DURATION_S is the
 * longest run: a `stop` line on stdin ends it sooner. Any error: exit 1 with the message on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { defaultConfig } from '../../../src/config';
import { NO_ORDER_LATENCY, startSimVenues } from '../../../src/sim/index';
import { loadOrCreateSimKeys, type SimVenueUrls } from '../../../src/venues/sim-connect';
import { startRun } from '../../../streams/cli/run';

export const SOAK_UPDATE_MS = 25;
// Fast-reverting basis: entries and exits all through the run (~0.29 round trips/s; 0.18 at basisTauSec 3). A
// round trip's data is bounded now (the caps below), so more trips only make a per-trip leak show sooner: the test's
// bound must stay below what LEAK_PER_TRIP_B a trip would add at the pace the run really had.
// Orders matched on arrival: the soak measures heap and handles over many trips, not what a fill meets.
const FAST_MARKET = { basisTauSec: 1.5, basisStdPct: 0.16, ...NO_ORDER_LATENCY };

export interface SoakSample {
  /** Seconds since the run started. */
  t: number;
  heapUsed: number;
  /** Of heapUsed: V8's code space (machine code the JIT compiles as the hot paths tier up: not the bot's data). */
  codeSpaceUsed: number;
  /**
   * V8's bytecode and its metadata (v8.getHeapCodeStatistics; in the old space, so in heapUsed less the code space):
   * flat after the first samples (2.50 -> 2.51 MB), so V8's growth outside the code space is not its bytecode.
   */
  bytecodeUsed: number;
  /**
   * V8's machine code with its metadata (v8.getHeapCodeStatistics code_and_metadata_size: relocation, deoptimisation
   * data and source positions, which live in the old space). Grows as the JIT tiers up for minutes, the code space's
   * growth ~1.3 times over; heapUsed less this is the data the bot could leak (soak.test.ts heapLessCode).
   */
  codeAndMetadata: number;
  /** process.getActiveResourcesInfo() counted by type: the fewest of each read since the previous sample (every 250 ms). */
  resources: Record<string, number>;
  /** Events the run had emitted by then, and positions closed. */
  events: number;
  closed: number;
  /** Market update rounds the simulated venues had pushed by then (each: a book frame on both venues). */
  updates: number;
  /** The machine's 1-minute load average then (2 cores shared: what the figures were measured under). */
  load: number;
}

export interface SoakReport {
  updateMs: number;
  samples: SoakSample[];
  events: number;
  roundTrips: number;
  opened: number;
  closed: number;
  /** The run's events counted by type. */
  eventTypes: Record<string, number>;
  /** Active resources once the run has stopped and the venues' process has exited (a settle turn later). */
  afterStop: Record<string, number>;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * `SOAK_HEAPSNAPSHOTS=DIR[:T1,T2,…]`: after the forced gc of the first sample at or past each Ti seconds (default
 * 40 and the last sample), a heap snapshot is written to DIR as soak-<t>s.heapsnapshot, for scripts/heap-diff.ts;
 * with times given, the run ends after the last snapshot (give a duration long enough: on a loaded machine a
 * snapshot takes minutes). Off by default: a snapshot stalls the process and would disturb the test's figures.
 */
function heapSnapshotPlan(durationSec: number, sampleSec: number): { dir: string; at: number[]; endAfterLast: boolean } | undefined {
  const spec = process.env.SOAK_HEAPSNAPSHOTS;
  if (!spec) return undefined;
  const [dir, times] = spec.split(':') as [string, string | undefined];
  fs.mkdirSync(dir, { recursive: true });
  const at = times ? times.split(',').map(Number) : [40, durationSec - sampleSec];
  return { dir, at: at.sort((a, b) => a - b), endAfterLast: times !== undefined };
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/**
 * The run's figures in one line, over the second half of the samples: the slope of the heap less V8's code and its metadata
 * (and with it) per second, the same per round trip (against the round trips closed), and what it ran under.
 */
export function soakFigures(report: SoakReport): string {
  const { samples } = report;
  const last = samples.at(-1);
  if (last === undefined) return 'soak: no samples';
  const half = samples.filter((s) => s.t >= last.t / 2);
  const data = (s: SoakSample) => s.heapUsed - s.codeAndMetadata;
  const perSec = slope(half.map((s) => [s.t, data(s)] as const));
  const withCode = slope(half.map((s) => [s.t, s.heapUsed] as const));
  const trips = last.closed - half[0]!.closed;
  const perTrip = trips > 1 ? slope(half.map((s) => [s.closed, data(s)] as const)) : Number.NaN;
  const updatesPerSec = (last.updates - half[0]!.updates) / (last.t - half[0]!.t);
  const loads = samples.map((s) => s.load);
  return (
    `soak: ${Math.round(last.t)} s, second half from ${Math.round(half[0]!.t)} s (${half.length} samples): heap less code and metadata ` +
    `${(perSec / 1000).toFixed(2)} KB/s (with code ${(withCode / 1000).toFixed(2)} KB/s), ${Math.round(perTrip)} B per round trip over ` +
    `${trips} round trips; ${report.roundTrips} round trips in all, ${updatesPerSec.toFixed(1)} updates/s; heap less code ` +
    `${(data(half[0]!) / 1e6).toFixed(2)} -> ${(data(last) / 1e6).toFixed(2)} MB; load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`
  );
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** How often the resources are read between samples (a sample keeps the window's floor per type). */
const RESOURCE_READ_MS = 250;

/**
 * The fewest active resources of each type seen over a window of readings: the floor the bot rests at between
 * order operations. One reading is a moment: an order in flight holds a few timers and sockets for a while, so a
 * single reading says 10 or 13 timers depending on when it falls. A leak raises the floor; a moment does not.
 */
class ResourceFloor {
  private floor: Record<string, number> | undefined;

  read(): void {
    const now = resourceCounts();
    if (!this.floor) {
      this.floor = now;
      return;
    }
    for (const type of new Set([...Object.keys(this.floor), ...Object.keys(now)])) {
      this.floor[type] = Math.min(this.floor[type] ?? 0, now[type] ?? 0);
    }
  }

  /** The window's floor (with one reading now), and a new window begins. */
  take(): Record<string, number> {
    this.read();
    const floor = this.floor!;
    this.floor = undefined;
    return floor;
  }
}

/**
 * `soak-child.ts venues`: the simulated venues alone (fast updates, fast-reverting basis), their URLs on stdout
 * as one JSON line; SIGTERM closes them. They run in a process of their own because a venue legitimately keeps
 * every order and fill it has seen: in the bot's process that history would pass for the bot's growth.
 */
async function venuesMain(): Promise<void> {
  const sim = await startSimVenues({ seed: 11, updateIntervalMs: SOAK_UPDATE_MS, model: FAST_MARKET });
  process.stdout.write(`${JSON.stringify({ paradex: sim.paradex, vest: sim.vest })}\n`);
  const updates = setInterval(() => process.stdout.write(`UPDATES ${sim.market.updates}\n`), 1000);
  // SIGTERM from the bot's process, or its end (killed: our stdin closes), stops the venues.
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.stdin.once('end', () => resolve()).resume();
  });
  clearInterval(updates);
  await sim.close();
}

/** Starts the venues' process; resolves with its URLs and a getter for its latest update count. */
function startVenuesProcess(): Promise<{ child: ChildProcess; urls: SimVenueUrls; updates: () => number }> {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => a !== '--expose-gc'), __filename, 'venues'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let updates = 0;
  return new Promise((resolve, reject) => {
    let buffered = '';
    let urls: SimVenueUrls | undefined;
    child.once('exit', (code) => {
      if (!urls) reject(new Error(`the venues' process exited (${code}) before listening`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('UPDATES ')) updates = Number(line.slice(8));
        else if (!urls) {
          urls = JSON.parse(line) as SimVenueUrls;
          resolve({ child, urls, updates: () => updates });
        }
      }
    });
  });
}

async function stopVenues(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with node --expose-gc');
  const durationSec = Number(process.argv[2] ?? 150);
  const sampleSec = Number(process.argv[3] ?? 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-soak-'));
  const venues = await startVenuesProcess();
  let events = 0;
  let closed = 0;
  const eventTypes: Record<string, number> = {};
  // SOAK_LEAK_PER_TRIP_B=N: a deliberate leak of an N-byte string per round trip, to check the test's bound catches
  // one (kept by this process, like any of the bot's own data).
  const leakPerTrip = Number(process.env.SOAK_LEAK_PER_TRIP_B ?? 0);
  const injectedLeak: string[] = [];
  const samples: SoakSample[] = [];
  try {
    const journalDir = path.join(dir, 'journal');
    const started = Date.now();
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 11,
      closeOnExit: true,
      runsDir: dir,
      logLevel: 'info',
      simVenues: { urls: venues.urls, keys: loadOrCreateSimKeys(journalDir) },
      journalDir,
      // The result's bounded tail of notable events (default 500, a ~60 s warm-up at this pace) kept short so it
      // is full well before the second half: its filling is bounded by design, not growth with uptime.
      recentEventsLimit: 50,
      // Likewise the round trips' rows held in memory (every row goes to the run folder's trades.ndjson): bounded,
      // so the heap does not grow with the round trips either (a run's default: 1,000 rows, ~1.3 KB each).
      tradeRowsKept: 5,
      // Likewise the chart's markers and held periods (each round trip: two markers, one period; older ones go to
      // chart.ndjson, default 2,000 per pair kept), and what the API's views keep: the event tail (default 200) and
      // each pair's spread history for the dashboard (default 900 points, one a second: 15 minutes to fill).
      chartItemsKept: 5,
      opsKept: { recentLimit: 50, spreadHistoryPoints: 30 },
      // Likewise Vest's client-id windows (default 1,000 orders not known final and the newest 256 final: ~90 and
      // ~17 min to fill at this pace, ~0.2 and ~0.25 new ids a second, mostly re-signed armed closes never sent).
      // 8 fills within ~45 s and still holds every id the soak could look up: one pair has at most three Vest
      // orders not final at once (the armed close, an entry or close leg in flight, one re-signed meanwhile), and
      // what is evicted is an armed close replaced by a newer one, never sent. Orders are matched on arrival, so no
      // outcome is unknown and nothing is looked up; the test checks that (no LEG_UNWOUND, CLOSE_FAILED...). A
      // sent order dropped from the window would still be found by its journalled nonce (lookupRef).
      vestClientIdsKept: 8,
      onEvent: (e) => {
        events++;
        eventTypes[e.type] = (eventTypes[e.type] ?? 0) + 1;
        if (e.type === 'POSITION_CLOSED') {
          closed++;
          // join makes a flat string of leakPerTrip bytes ('x'.repeat shares halves: a few dozen bytes in all).
          if (leakPerTrip > 0) injectedLeak.push(new Array<string>(leakPerTrip).fill('x').join(''));
        }
      },
    });
    const snapshots = heapSnapshotPlan(durationSec, sampleSec);
    let stalledSec = 0;
    const resources = new ResourceFloor();
    const reader = setInterval(() => resources.read(), RESOURCE_READ_MS);
    const sample = (): void => {
      gc();
      gc();
      const t = (Date.now() - started) / 1000;
      const codeSpaceUsed = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'code_space')?.space_used_size ?? 0;
      const codeStats = v8.getHeapCodeStatistics();
      const bytecodeUsed = codeStats.bytecode_and_metadata_size;
      const codeAndMetadata = codeStats.code_and_metadata_size;
      const s: SoakSample = { t, heapUsed: process.memoryUsage().heapUsed, codeSpaceUsed, codeAndMetadata, bytecodeUsed, resources: resources.take(), events, closed, updates: venues.updates(), load: os.loadavg()[0]! };
      samples.push(s);
      // Each sample as it is taken, so the test can judge the run so far and end it (`stop` on stdin).
      process.stdout.write(`SAMPLE ${JSON.stringify(s)}\n`);
      // Snapshot times count the run's time, not the time the snapshots themselves stalled it.
      const tradingSec = t - stalledSec;
      if (snapshots && snapshots.at.length > 0 && tradingSec >= snapshots.at[0]!) {
        snapshots.at.shift();
        const file = v8.writeHeapSnapshot(path.join(snapshots.dir, `soak-${Math.round(tradingSec)}s.heapsnapshot`));
        stalledSec += (Date.now() - started) / 1000 - t;
        process.stderr.write(`heap snapshot at ${tradingSec.toFixed(1)} s of trading (closed ${closed}, updates ${venues.updates()}): ${file}\n`);
      }
    };
    await new Promise<void>((resolve) => {
      const end = (): void => {
        clearInterval(timer);
        clearInterval(reader);
        process.stdin.pause();
        resolve();
      };
      const timer = setInterval(() => {
        sample();
        if (Date.now() - started >= durationSec * 1000 || (snapshots?.endAfterLast && snapshots.at.length === 0)) end();
      }, sampleSec * 1000);
      // The duration is the longest run: a `stop` line on stdin ends it at once (the test has seen enough).
      let input = '';
      process.stdin.on('data', (d: Buffer) => {
        input += d.toString();
        if (input.split('\n').includes('stop')) end();
      });
    });
    handle.stop('soak: done');
    const result = await handle.done;
    await stopVenues(venues.child);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const report: SoakReport = {
      updateMs: SOAK_UPDATE_MS,
      samples,
      events: result.eventCount,
      roundTrips: result.summary.roundTrips,
      opened: result.summary.opened,
      closed: result.summary.closed,
      eventTypes,
      afterStop: resourceCounts(),
    };
    process.stdout.write(`SOAK ${JSON.stringify(report)}\n`);
    process.stderr.write(`${soakFigures(report)}\n`);
  } finally {
    await stopVenues(venues.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(process.argv[2] === 'venues' ? venuesMain() : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`soak child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
