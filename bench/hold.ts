/**
 * Hold section: one open position held for one simulated hour, with everything that runs while a
 * position is held running as it would: the bot stream (`arbitrageBot`: exit monitor, the 1 s refresh
 * of the pre-signed close orders, spread samples), the real executor and its journal, the real Vest and
 * Paradex clients signing the close orders, and the run's handling of every event.
 *
 * Virtual time: the stream runs on a virtual clock (./virtual-clock.ts: unlike rxjs's VirtualTimeScheduler
 * it keeps nothing per period of a periodic action) that is also the executor's and the venue clients'
 * clock (so order validity, refresh deadlines and event times all follow it); the books of
 * the seeded market model are pushed every 100 ms of it (Paradex and Vest each: 20 updates a second).
 * An hour takes well under a minute. The position itself is opened for real, over loopback, against
 * the simulated venues (in this process), and restored by the bot from the journal as after a restart.
 *
 * Figures: the heap after a forced GC every simulated minute from the end of a five-minute warm-up,
 * fitted with a least-squares line (`holdHeapSlopeMbPerHour`: 56 samples; with a sample every five
 * minutes, as before, the heap's ±0.8 MB swing between samples moved the slope by ±0.5 MB/h from run to
 * run); how many close orders were signed and journal lines written per hour.
 *
 * The run's event handling is streams/cli/run.ts's: the same event sink (src/report/run-events.ts) over the
 * same parts (a RunRecord with run.ts's options, events.ndjson and bot.log behind the outputs' guard and
 * secrets filter, the status display without a terminal, `[event]` lines), built here because `run()`
 * itself cannot be driven without real time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { EMPTY, Subject, type Subscription } from 'rxjs';
import type { TradingEvent } from '../src/domain/events';
import type { OrderBook } from '../src/domain/order-book';
import { createExecutor } from '../src/execution/executor';
import { openJournal } from '../src/execution/journal';
import { createLogger } from '../src/logging/logger';
import { Outputs } from '../src/logging/output';
import { createRunEventSink } from '../src/report/run-events';
import { RunRecord } from '../src/report/run-record';
import { createStatusDisplay } from '../src/report/status-display';
import { startSimVenues } from '../src/sim';
import { newParadexAccount } from '../src/venues/paradex/signing';
import { createParadexVenue } from '../src/venues/paradex/venue';
import type { BookFeed, PreparedOrder, Venue } from '../src/venues/venue';
import { newVestKeys } from '../src/venues/vest/signing';
import { createVestVenue } from '../src/venues/vest/venue';
import { newFeedStats } from '../src/venues/ws-connection';
import { arbitrageBot, type PairSettings } from '../streams/bot';
import { BENCH_SEED } from './fixtures';
import { fitSlope, forceGc } from './measure';
import { VirtualClock } from './virtual-clock';

export interface HoldOptions {
  /** Simulated time the position is held, ms. Default one hour. */
  readonly holdMs?: number;
  /** Book updates per venue per simulated second. Default 10. */
  readonly updatesPerSec?: number;
  /** Simulated time between heap samples, ms. Default 1 min. */
  readonly sampleEveryMs?: number;
  /** Simulated time before the fitted window (JIT and caches settle), ms. Default 5 min (a quarter of a short hold at most). */
  readonly warmupMs?: number;
  /** Where the journal, events.ndjson and bot.log go; default /dev/shm when present (fsync cost is not measured here). */
  readonly dir?: string;
  readonly log?: (line: string) => void;
}

export const DEFAULT_HOLD: Required<Omit<HoldOptions, 'dir' | 'log'>> = { holdMs: 3_600_000, updatesPerSec: 10, sampleEveryMs: 60_000, warmupMs: 300_000 };

export interface HoldResult {
  /** Heap growth while holding, MB per simulated hour: least-squares slope over the samples after warm-up. */
  holdHeapSlopeMbPerHour: number;
  /** Close orders signed per simulated hour (both legs; each re-sign of a pre-signed close counts). */
  holdCloseSignsPerHour: number;
  /** Lines appended to the pair's journal per simulated hour. */
  holdJournalLinesPerHour: number;
  /** Events the run handled per simulated hour. */
  holdEventsPerHour: number;
  /**
   * Extra: the part of the slope that is V8's compiled code (code spaces), MB per simulated hour. In a
   * fresh process functions called about once a second are optimised over tens of minutes, so code
   * keeps being added through the first hour (and slows after: ~0.1 MB/h in the third hour of a
   * three-hour hold); the rest of the heap is `holdHeapSlopeMbPerHour` minus this.
   */
  holdCodeSlopeMbPerHour: number;
  /** Extras: journal entries the open journal holds in memory at the end; heap after the last sample (MB); samples fitted; simulated hours held. */
  holdJournalEntriesInMemory: number;
  holdHeapUsedMb: number;
  holdHeapSamples: number;
  holdHours: number;
}

const MB = 1024 * 1024;
const HOUR = 3_600_000;
const BASE = 'BTC';
const PAIR_NAME = 'BTC-PERP';
const SIZE = 0.001;
/** Vest mid 0.3 % under Paradex's: the position opens AOverB (long Vest, short Paradex). */
const ENTRY_BASIS = -0.3;
/** run.ts's spread sample period. */
const SPREAD_SAMPLE_MS = 500;

/** A book feed the bench pushes to (the bot subscribes it as it would a venue's). */
function pushedFeed(): { feed: BookFeed; push: (book: OrderBook) => void } {
  const books = new Subject<OrderBook>();
  return { feed: { book$: books.asObservable(), events$: EMPTY, stats: newFeedStats() }, push: (b) => books.next(b) };
}

export async function runHoldBench(opts: HoldOptions = {}): Promise<HoldResult> {
  const holdMs = opts.holdMs ?? DEFAULT_HOLD.holdMs;
  const stepMs = Math.round(1_000 / (opts.updatesPerSec ?? DEFAULT_HOLD.updatesPerSec));
  const sampleEveryMs = opts.sampleEveryMs ?? DEFAULT_HOLD.sampleEveryMs;
  const warmupMs = opts.warmupMs ?? Math.min(DEFAULT_HOLD.warmupMs, sampleEveryMs * Math.max(1, Math.floor(holdMs / sampleEveryMs / 4)));
  const log = opts.log ?? (() => undefined);
  const baseDir = opts.dir ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const dir = fs.mkdtempSync(path.join(baseDir, 'arb-bench-hold-'));
  const journalPath = path.join(dir, 'journal.ndjson');

  // One clock for the stream, the executor and the venue clients: real until the hold starts, then virtual.
  const scheduler = new VirtualClock(Date.now());
  let virtual = false;
  const now = (): number => (virtual ? scheduler.frame : Date.now());

  const sim = await startSimVenues({ seed: BENCH_SEED, updateIntervalMs: 0 });
  let signs = 0;
  const counted = <V extends Venue>(v: V): V =>
    Object.assign(Object.create(v) as V, {
      prepareOrder: (request: Parameters<Venue['prepareOrder']>[0]): Promise<PreparedOrder> => {
        signs++;
        return v.prepareOrder(request);
      },
    });
  const vk = newVestKeys();
  const vest = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws, keys: { primaryKey: vk.primaryKey, signingKey: vk.signingKey }, now });
  const paradex = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: newParadexAccount(), onboard: true, now });
  const journal = openJournal(journalPath);
  const executor = createExecutor({ pair: PAIR_NAME, venues: { a: counted(vest), b: counted(paradex) }, size: SIZE, journal, now });

  const feeds = { vest: pushedFeed(), paradex: pushedFeed() };
  const withFeed = <V extends Venue>(v: V, feed: BookFeed): V => Object.assign(Object.create(v) as V, { bookFeed: () => feed });
  const shutdown$ = new Subject<void>();
  let sub: Subscription | undefined;

  // ---- the run's event handling, as streams/cli/run.ts does it ----
  const outputs = new Outputs();
  const eventsOut = outputs.file('events.ndjson', path.join(dir, 'events.ndjson'));
  const logger = createLogger({ level: 'info', format: 'json', file: path.join(dir, 'bot.log'), console: false, outputs });
  const record = new RunRecord({ pairs: [PAIR_NAME], recentLimit: 500, buckets: { widthMs: SPREAD_SAMPLE_MS } });
  const display = createStatusDisplay({
    out: outputs.stream('status', { write: () => true, isTTY: false }),
    pairs: [{ pair: PAIR_NAME, dexA: 'vest', dexB: 'paradex', entryThreshold: 0.06, exitTarget: 50 }],
    now,
  });
  // What the bench itself needs to see (a restored position, the monitor polling), not kept by the run.
  let restored = false;
  let monitored = false;
  let handled = 0;
  const sink = createRunEventSink({
    record,
    events: eventsOut,
    logger,
    display,
    console: { print: (text) => display.print(text), logLevel: 'info' },
    onEvent: (e: TradingEvent) => {
      handled++;
      if (e.type === 'POSITION_OPENED' && e.restored) restored = true;
      if (e.type === 'POSITION_MONITORING') monitored = true;
    },
  });
  const onEvent = (e: TradingEvent): void => sink.add(e);

  const books = (): { a: OrderBook; b: OrderBook } => {
    const t = now();
    const v = sim.market.book('vest', PAIR_NAME)!;
    const p = sim.market.book('paradex', `${BASE}-USD-PERP`)!;
    return { a: { bids: v.bids, asks: v.asks, receivedAt: t }, b: { bids: p.bids, asks: p.asks, receivedAt: t, ...(p.seq !== undefined ? { seq: p.seq, exchangeTime: t } : {}) } };
  };

  try {
    // ---- open a position for real, against the simulated venues ----
    await vest.ensureApiKey();
    await paradex.onboard();
    sim.market.setBasis(BASE, ENTRY_BASIS);
    const { a, b } = books();
    const askA = a.asks[0]!.price;
    const bidB = b.bids[0]!.price;
    const open = await executor.openPosition({
      pair: PAIR_NAME,
      direction: 'AOverB',
      spread: ((bidB - askA) / askA) * 100,
      netSpread: 0,
      askA,
      bidA: a.bids[0]!.price,
      askB: b.asks[0]!.price,
      bidB,
      detectedAt: now(),
    });
    if (!open.ok) throw new Error(`hold bench: the position did not open: ${open.reason}`);
    // Back to a market with no exit in sight: the basis held at 0 leaves the exit spread near its fees.
    sim.market.setBasis(BASE, 0);

    // ---- the bot, restoring the position from the journal as after a restart ----
    const pair: PairSettings = {
      id: 'btc_vest_paradex',
      pair: PAIR_NAME,
      dexA: 'vest',
      dexB: 'paradex',
      spreadEntry: 0.06,
      // Out of reach: the position is held the whole hour.
      spreadExit: 50,
      positionSize: SIZE,
      entryConfirmTicks: 1,
      sampleMs: 0,
      maxBookAgeMs: 2_000,
      cooldownMs: 1_000,
    };
    sub = arbitrageBot(
      {
        venues: { vest: withFeed(vest, feeds.vest.feed), paradex: withFeed(paradex, feeds.paradex.feed) },
        executorFor: () => executor,
        feesFor: () => ({ a: 0.0001, b: 0.00045 }),
        shutdown$,
        scheduler,
      },
      // run.ts's settings.
      { mode: 'sim', pairs: [pair], closeOnExit: false, spreadSampleMs: SPREAD_SAMPLE_MS, logEvery: 40, shutdownGraceMs: 3_000 },
    ).subscribe({ next: onEvent, error: (err: unknown) => log(`  hold: bot stream failed: ${String(err)}`) });
    const restoredBy = Date.now() + 15_000;
    while (!restored) {
      if (Date.now() > restoredBy) throw new Error(`hold bench: the bot did not restore the position (${record.eventCount} events)`);
      await new Promise((r) => setTimeout(r, 5));
    }

    // ---- one simulated hour ----
    virtual = true;
    const start = scheduler.frame;
    const push = (): void => {
      sim.market.step();
      const { a: bookA, b: bookB } = books();
      feeds.paradex.push(bookB);
      feeds.vest.push(bookA);
    };
    const advanceTo = (t: number): void => scheduler.advanceTo(t);
    const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

    const hours: number[] = [];
    const heapMb: number[] = [];
    const codeMb: number[] = [];
    const sample = (): void => {
      forceGc();
      hours.push((scheduler.frame - start) / HOUR);
      heapMb.push(process.memoryUsage().heapUsed / MB);
      codeMb.push(codeSpaceBytes() / MB);
    };
    let signsAtStart = 0;
    let linesAtStart = 0;
    let eventsAtStart = 0;
    for (let t = 0; t <= holdMs; t += stepMs) {
      advanceTo(start + t);
      push();
      await settle();
      if (t === warmupMs) {
        // Counting starts with the fitted window, past the warm-up.
        signsAtStart = signs;
        linesAtStart = lineCount(journalPath);
        eventsAtStart = handled;
      }
      if (t >= warmupMs && t % sampleEveryMs === 0) {
        sample();
        if (t % Math.max(sampleEveryMs, 300_000) === 0 || t === warmupMs) {
          log(`  hold: ${Math.round(t / 60_000)} of ${Math.round(holdMs / 60_000)} simulated minutes, heap ${heapMb[heapMb.length - 1]!.toFixed(1)} MB, ${signs} close orders signed`);
        }
      }
    }
    if (!monitored) throw new Error('hold bench: the exit monitor never polled');
    const fitted = { hours, heapMb };
    const span = (holdMs - warmupMs) / HOUR;
    return {
      holdHeapSlopeMbPerHour: fitSlope(fitted.hours, fitted.heapMb),
      holdCodeSlopeMbPerHour: fitSlope(fitted.hours, codeMb),
      holdCloseSignsPerHour: (signs - signsAtStart) / span,
      holdJournalLinesPerHour: (lineCount(journalPath) - linesAtStart) / span,
      holdEventsPerHour: (handled - eventsAtStart) / span,
      holdJournalEntriesInMemory: journal.retainedEntries(),
      holdHeapUsedMb: heapMb[heapMb.length - 1]!,
      holdHeapSamples: fitted.hours.length,
      holdHours: holdMs / HOUR,
    };
  } finally {
    shutdown$.next();
    sub?.unsubscribe();
    sink.flush();
    display.close();
    virtual = false;
    journal.close();
    eventsOut.close();
    await new Promise<void>((r) => logger.end(r));
    await Promise.allSettled([vest.close(), paradex.close()]);
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of compiled code in the V8 heap (the code spaces). */
function codeSpaceBytes(): number {
  let bytes = 0;
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name.startsWith('code_')) bytes += space.space_used_size;
  return bytes;
}

function lineCount(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
