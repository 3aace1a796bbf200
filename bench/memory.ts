/**
 * Memory section: the bot's steady state in one process, measured after a warm-up and a forced GC.
 *
 * - Book updates: Paradex SBE delta frames through ParadexBookState (decode, sequence check, Ladder,
 *   emitted book) and Vest depth frames through VestBookState, alternately, each emitted book pushed
 *   into marketTicks (sampleMs 0) → exitMonitor (target out of reach: it polls every tick).
 * - Round trips: the executor (with its journal in a temp dir) opening and closing a position on two
 *   paper venues that fill against the latest books, one every updates/roundTrips updates.
 * RSS and heap are sampled after a forced GC at every tenth of the run, and growth is fitted through them.
 * Paper venues keep the executor's whole code path (preflight, legs, reconciliation, journal) without
 * loopback I/O, so 10,000 round trips take seconds; the loopback path is the tick-to-order section.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMPTY, NEVER, Subject } from 'rxjs';
import type { OrderBook } from '../src/domain/order-book';
import { createExecutor } from '../src/execution/executor';
import { openJournal } from '../src/execution/journal';
import { createPaperVenue } from '../src/venues/paper-venue';
import { ParadexBookState } from '../src/venues/paradex/book-client';
import { VestBookState } from '../src/venues/vest/book-client';
import type { BookFeed, MarketSpec } from '../src/venues/venue';
import { newFeedStats } from '../src/venues/ws-connection';
import { exitMonitor } from '../streams/exit-monitor';
import { marketTicks } from '../streams/market';
import { deltaFrames, snapshotFrames } from './fixtures';
import { fitSlope, forceGc } from './measure';

export interface MemoryOptions {
  readonly bookUpdates: number;
  readonly roundTrips: number;
  /** Distinct recorded frames per venue, replayed in a loop. Default 2000. */
  readonly fixtureFrames?: number;
  /** Share of both counts run first as warm-up (not measured). */
  readonly warmupFraction?: number;
  /** Journal directory; default /dev/shm when present (fsync cost is not what this section measures), else os.tmpdir(). */
  readonly journalDir?: string;
  readonly log?: (line: string) => void;
}

export const DEFAULT_MEMORY: MemoryOptions = { bookUpdates: 1_000_000, roundTrips: 10_000 };

export interface MemoryResult {
  /** RSS growth over the measured run, MB: the fitted slope through 11 samples (each after a forced GC) times the run. */
  rssGrowthMb: number;
  /** Heap in use after the measured run and a forced GC, MB. */
  heapUsedMb: number;
  /** Extras: heap growth fitted the same way; the plain end-minus-start RSS difference, for comparison. */
  heapGrowthMb: number;
  rssEndMinusStartMb: number;
  memoryBookUpdates: number;
  memoryRoundTrips: number;
  /** 1 when node ran with --expose-gc (figures after a forced GC), else 0. */
  memoryGcForced: number;
  /** Entries the open journal holds in memory at the end (it keeps every entry it ever wrote). */
  journalEntriesInMemory: number;
}

const MB = 1024 * 1024;
const PAIR = 'BTC-PERP';
const SPECS: Record<'vest' | 'paradex', MarketSpec> = {
  vest: { symbol: 'BTC-PERP', tickSize: 0.01, sizeIncrement: 0.0001, priceDecimals: 2, sizeDecimals: 4, minNotional: 0, takerFee: 0.0001 },
  paradex: { symbol: 'BTC-USD-PERP', tickSize: 0.1, sizeIncrement: 0.00001, priceDecimals: 1, sizeDecimals: 5, minNotional: 10, takerFee: 0.00045 },
};

function idleFeed(): BookFeed {
  return { book$: EMPTY, events$: EMPTY, stats: newFeedStats() };
}

export async function runMemoryBench(opts: MemoryOptions = DEFAULT_MEMORY): Promise<MemoryResult> {
  const log = opts.log ?? (() => undefined);
  const defaultDir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const journalDir = fs.mkdtempSync(path.join(opts.journalDir ?? defaultDir, 'arb-bench-mem-'));

  const frames = opts.fixtureFrames ?? 2_000;
  const paradexFrames = deltaFrames(frames);
  const vestFrames = snapshotFrames(frames).vest.map((s) => new Uint8Array(Buffer.from(s, 'utf8')));
  const paradexState = new ParadexBookState(SPECS.paradex.symbol, newFeedStats(), 50);
  const vestState = new VestBookState(SPECS.vest.symbol, newFeedStats(), 50);

  let latestA: OrderBook | undefined;
  let latestB: OrderBook | undefined;
  let clock = Date.now();
  const now = (): number => clock;
  const vest = createPaperVenue({ id: 'vest', market: SPECS.vest, book: () => latestA, feed: idleFeed, now });
  const paradex = createPaperVenue({ id: 'paradex', market: SPECS.paradex, book: () => latestB, feed: idleFeed, now });
  const journal = openJournal(path.join(journalDir, 'journal.ndjson'));
  const executor = createExecutor({ pair: PAIR, venues: { a: vest, b: paradex }, size: 0.001, journal, now });

  const a$ = new Subject<OrderBook>();
  const b$ = new Subject<OrderBook>();
  let polls = 0;
  const monitor = marketTicks(a$, b$, { sampleMs: 0 })
    .pipe(
      exitMonitor({
        position: { pair: PAIR, direction: 'AOverB', entrySpread: 0.2, size: 0.001 },
        exitTarget: 100,
        shutdown$: NEVER,
        closePosition: () => EMPTY,
      }),
    )
    .subscribe({ next: (e) => (polls = e.polls) });

  let pIndex = 0;
  let vIndex = 0;
  let updates = 0;
  const bookUpdate = (): void => {
    clock += 1;
    updates++;
    if ((updates & 1) === 0) {
      if (pIndex === paradexFrames.length) {
        // The recorded sequence restarts from its snapshot, as after a reconnect.
        paradexState.reset();
        pIndex = 0;
      }
      const r = paradexState.handleFrame(paradexFrames[pIndex++]!, true, clock);
      if (r.type === 'book') {
        latestB = r.book;
        b$.next(r.book);
      }
    } else {
      const r = vestState.handleFrame(vestFrames[vIndex++ % vestFrames.length]!, false, clock);
      if (r.type === 'book') {
        latestA = r.book;
        a$.next(r.book);
      }
    }
  };

  let roundTripsDone = 0;
  let failures = 0;
  const roundTrip = async (): Promise<void> => {
    const a = latestA;
    const b = latestB;
    const askA = a?.asks[0]?.price;
    const bidA = a?.bids[0]?.price;
    const askB = b?.asks[0]?.price;
    const bidB = b?.bids[0]?.price;
    if (askA === undefined || bidA === undefined || askB === undefined || bidB === undefined || !a || !b) return;
    const open = await executor.openPosition({
      pair: PAIR,
      direction: 'AOverB',
      spread: ((bidB - askA) / askA) * 100,
      netSpread: 0,
      askA,
      bidA,
      askB,
      bidB,
      detectedAt: clock,
    });
    roundTripsDone++;
    if (!open.ok) {
      failures++;
      if (executor.isHalted()) executor.clearHalt();
      return;
    }
    const closed = await executor.closePosition(open.position, { a, b });
    if (!closed.ok) failures++;
  };

  /** `onTenth(k)` runs after the k-th tenth of the updates (k = 1..10). */
  const run = async (updatesToRun: number, tripsToRun: number, onTenth?: (k: number) => void): Promise<void> => {
    const every = Math.max(1, Math.floor(updatesToRun / Math.max(1, tripsToRun)));
    const tenth = Math.max(1, Math.floor(updatesToRun / 10));
    let trips = 0;
    for (let i = 1; i <= updatesToRun; i++) {
      bookUpdate();
      if (i % every === 0 && trips < tripsToRun) {
        trips++;
        await roundTrip();
      }
      if (i % 200_000 === 0) log(`  memory: ${i}/${updatesToRun} book updates, ${trips} round trips`);
      if (onTenth && i % tenth === 0 && i / tenth <= 10) onTenth(i / tenth);
    }
    while (trips < tripsToRun) {
      trips++;
      await roundTrip();
    }
  };

  try {
    const warm = opts.warmupFraction ?? 0.1;
    await run(Math.round(opts.bookUpdates * warm), Math.round(opts.roundTrips * warm));
    const gcForced = forceGc();
    // RSS and heap after a forced GC at the start and after every tenth of the run; growth is the
    // least-squares slope through the 11 samples times the run's length (one end-minus-start difference
    // carried the allocator's noise of both ends: ±15 MB between runs).
    const at: number[] = [];
    const rss: number[] = [];
    const heap: number[] = [];
    const sample = (fraction: number): void => {
      if (fraction > 0) forceGc();
      const m = process.memoryUsage();
      at.push(fraction);
      rss.push(m.rss / MB);
      heap.push(m.heapUsed / MB);
    };
    sample(0);
    const tripsBefore = roundTripsDone;
    await run(opts.bookUpdates, opts.roundTrips, (k) => sample(k / 10));
    if (at.length < 11) sample(1);
    const after = process.memoryUsage();
    if (failures > 0) log(`  memory: ${failures} round trips did not open or close cleanly`);
    if (polls === 0) throw new Error('memory bench: the exit monitor never polled');
    return {
      rssGrowthMb: fitSlope(at, rss),
      heapUsedMb: after.heapUsed / MB,
      heapGrowthMb: fitSlope(at, heap),
      rssEndMinusStartMb: rss[rss.length - 1]! - rss[0]!,
      memoryBookUpdates: opts.bookUpdates,
      memoryRoundTrips: roundTripsDone - tripsBefore,
      memoryGcForced: gcForced ? 1 : 0,
      journalEntriesInMemory: journal.retainedEntries(),
    };
  } finally {
    monitor.unsubscribe();
    journal.close();
    fs.rmSync(journalDir, { recursive: true, force: true });
  }
}
