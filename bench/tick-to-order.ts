/**
 * Tick-to-order over loopback: the simulated venues push a round of book frames (one per venue, Paradex
 * then Vest) that crosses a threshold, and the timer runs from the frame that crosses being handed to its
 * socket (bench/sim-worker.ts) until both orders it causes have arrived at the venues' HTTP side.
 *
 * Like for like with the floor: the floor's timer starts at its one marker frame, the frame its client
 * answers. The bot's starts at the frame it answers: the basis rides on the Vest quotes
 * (src/sim/market-model.ts rebuild: the Paradex mid does not move), so only the round's last frame, Vest's,
 * can move the spread across. Before it the bot has had a Paradex frame to decode and a tick to poll (the
 * floor client has nothing before its marker): a cost the bot keeps. What is left out is the venues' own
 * work between the two sends (building the Vest frame), reported as exitRoundFramesP50Ms; the time from
 * the round's first frame is kept as information (tickToOrderFromRoundP50Ms).
 *
 * Real pieces end to end: startSimVenues (WS book feeds + trading routes), the venue clients
 * (SBE deltas for Paradex, JSON depth for Vest), marketTicks → entrySignal / exitMonitor, and the
 * executor with its journal. Each trial is one round trip on the same account:
 * - entry: basis forced so the AOverB entry spread crosses; timer → both opening legs arrive
 *   (preflight reads, journal write and signing on the spot are all inside);
 * - exit: with the pre-signed close ready, basis forced so the exit spread crosses; timer → both
 *   reduce-only close legs arrive.
 * Beside every event-driven round trip (alternately before and after it) runs one trial of the floor
 * (bench/order-floor.ts): marker frame sent → two pre-built order POSTs arrived, timed the same way.
 * The targets are the bot's exit percentiles over the floor's; the absolute times are information.
 * The arrival proxies forward a trial's orders to the venues only once all of them have arrived
 * (ArrivalProxy.hold): the venue verifying and matching the first close leg (ms of CPU on these two
 * shared cores) must not compete with the bot sending the second, as it cannot live, and as it never
 * does for the floor, whose orders are answered by the proxies.
 * The exit monitor's events go through a run's event sink (src/report/run-events.ts), as in the bot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEVER, Subject, concatMap, firstValueFrom, from, share, take, takeUntil, type Observable, type Subscription } from 'rxjs';
import type { ExitEvent } from '../src/domain/events';
import type { MarketTick } from '../src/domain/market';
import { createExecutor, type OpenPosition } from '../src/execution/executor';
import { openJournal } from '../src/execution/journal';
import { createLogger } from '../src/logging/logger';
import { Outputs } from '../src/logging/output';
import { createRunEventSink } from '../src/report/run-events';
import { RunRecord } from '../src/report/run-record';
import { createStatusDisplay } from '../src/report/status-display';
import { newParadexAccount } from '../src/venues/paradex/signing';
import { defaultPresignatures } from '../src/venues/paradex/stark-ecdsa';
import { createParadexVenue } from '../src/venues/paradex/venue';
import { newVestKeys } from '../src/venues/vest/signing';
import { createVestVenue } from '../src/venues/vest/venue';
import type { PreparedOrder, Venue } from '../src/venues/venue';
import { entrySignal } from '../streams/entry-signal';
import { exitMonitor } from '../streams/exit-monitor';
import { marketTicks } from '../streams/market';
import { Worker } from 'node:worker_threads';
import type { SimWorkerData, SimWorkerReply, SimWorkerRequest } from './sim-worker';
import { createRng } from '../src/sim/rng';
import { BENCH_SEED } from './fixtures';
import { percentile } from './measure';
import { connectOrderFloorClient, floorOrders, type OrderFloorClient } from './order-floor';
import { StageProbe, type StageFigures } from './stages';

export interface TickToOrderOptions {
  /** Round trips per sampling mode (≥ 1000 for the figures). */
  readonly trials: number;
  /** Round trips of the sampled (25 ms) mode; default = trials. */
  readonly sampledTrials?: number;
  /** Sampling period of the second mode. */
  readonly sampleMs?: number;
  /** Where the executor journal lives (it fsyncs each entry). Default os.tmpdir(). */
  readonly journalDir?: string;
  /** Progress to stderr. */
  readonly log?: (line: string) => void;
}

export interface TickToOrderResult extends StageFigures {
  tickToOrderP50Ms: number;
  tickToOrderP99Ms: number;
  /** The floor (bench/order-floor.ts), measured in trials interleaved with the event-driven exits. */
  orderFloorP50Ms: number;
  orderFloorP99Ms: number;
  tickToOrderVsFloorP50: number;
  tickToOrderVsFloorP99: number;
  orderFloorTrials: number;
  tickToOrderSampledP99Ms: number;
  /**
   * Information for the sampled target: the p99 a bot would have if it took its event-driven times (or the floor's)
   * and, on top, waited for the next tick of a `sampleMs` grid at a uniformly random phase (onGrid, below).
   */
  tickToOrderOnGridP99Ms: number;
  orderFloorOnGridP99Ms: number;
  entryTickToOrderP99Ms: number;
  /** Extras. */
  tickToOrderMaxMs: number;
  tickToOrderSampledP50Ms: number;
  entryTickToOrderP50Ms: number;
  tickToOrderTrials: number;
  tickToOrderSampledTrials: number;
  /** Round trips that did not open or close cleanly (excluded from the percentiles). */
  tickToOrderFailedTrials: number;
  /** Exit stage medians (event-driven): crossing frame pushed → exitMonitor calls close; → both legs submitted. */
  exitDecideP50Ms: number;
  /**
   * First frame of the crossing round pushed → its last (the crossing) frame pushed, median (event-driven
   * exits). A round is one frame per venue, sent one after the other by the venues' thread: the venue's own
   * work, outside the timer since it starts at the crossing frame.
   */
  exitRoundFramesP50Ms: number;
  /** Information: the exit timed from the round's first frame (= tickToOrderP50Ms + the round's own sending). */
  tickToOrderFromRoundP50Ms: number;
  tickToOrderFromRoundP99Ms: number;
  /**
   * Exits (both modes) not decided on the Vest book of the round's last frame, where the timer starts:
   * 0 when the timing is right (checked by book identity, each trial).
   */
  exitsOffCrossingFrame: number;
  exitSubmitP50Ms: number;
  /** Median cost of one journal append (write + fsync) in the journal directory, ms. */
  journalAppendMs: number;
}

const PAIR = 'BTC-PERP';
const BASE = 'BTC';
const SIZE = 0.001;
/** Vest mid under Paradex mid by 0.3 %: AOverB (buy Vest, sell Paradex) nets ~0.18 % after fees. */
const ENTRY_BASIS = -0.3;
/** Vest mid over Paradex mid by 0.1 %: the AOverB exit spread is ~+0.09 %, above the 0 target. */
const EXIT_BASIS = 0.1;
const ENTRY_THRESHOLD = 0.06;
const EXIT_TARGET = 0;
const TAKER_FEES = { a: 0.0001, b: 0.00045 };

interface ModeFigures {
  exitMs: number[];
  /** Floor trials, one beside each round trip (event-driven mode only). */
  floorMs: number[];
  entryMs: number[];
  /** Exit stages: crossing frame pushed → close decided → last leg handed to submitOrder → arrived. */
  decideMs: number[];
  submitMs: number[];
  /** First → last frame of the crossing round pushed. */
  roundMs: number[];
  /** Exit timed from the round's first frame (information). */
  fromRoundMs: number[];
  failed: number;
}

/** Stage stamps of the current trial (hrtime ns). */
interface Stamps {
  decidedNs?: bigint;
  submittedNs: bigint[];
  /** The Vest book of the tick the exit was decided on. */
  decidedOn?: unknown;
}

/** The Vest books the bot's feed has emitted during the current trial's round, and the last one. */
interface VestBooksSeen {
  count: number;
  last: unknown;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (m: SimWorkerReply) => void; reject: (e: Error) => void };

/** The simulated venues on a worker thread (bench/sim-worker.ts), driven by messages. */
class SimWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly worker: Worker,
    readonly urls: { paradex: { rest: string; ws: string }; vest: { rest: string; ws: string }; markerWs: string },
  ) {
    worker.on('message', (m: SimWorkerReply) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'failed') p.reject(new Error(m.message));
      else p.resolve(m);
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  static start(data: SimWorkerData): Promise<SimWorker> {
    const file = path.join(__dirname, `sim-worker${path.extname(__filename)}`);
    // A .ts worker needs ts-node in its own thread; compiled .js runs as is.
    const execArgv = path.extname(__filename) === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [];
    const worker = new Worker(file, { workerData: data, execArgv });
    return new Promise<SimWorker>((resolve, reject) => {
      const onMessage = (m: SimWorkerReply): void => {
        if (m.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve(new SimWorker(worker, { paradex: m.paradex, vest: m.vest, markerWs: m.markerWs }));
        } else if (m.type === 'failed') {
          void worker.terminate();
          reject(new Error(`sim worker failed to start: ${m.message}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  private request(m: WithoutId<SimWorkerRequest>): Promise<SimWorkerReply> {
    const id = this.nextId++;
    return new Promise<SimWorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  /** Pushes the crossing round; resolves with when it was pushed and when the last of `orders` orders arrived. */
  async cross(basis: number, orders: number, timeoutMs: number): Promise<{ startNs: bigint; arrivedNs: bigint; lastFrameNs: bigint }> {
    const r = await this.request({ type: 'cross', basis, orders, timeoutMs });
    if (r.type !== 'crossed') throw new Error(`sim worker answered ${r.type} to cross`);
    return { startNs: BigInt(r.startNs), arrivedNs: BigInt(r.arrivedNs), lastFrameNs: BigInt(r.lastFrameNs) };
  }

  /** Sends the floor marker; resolves with when it was sent and when the last of `orders` order POSTs arrived. */
  async marker(orders: number, timeoutMs: number): Promise<{ startNs: bigint; arrivedNs: bigint }> {
    const r = await this.request({ type: 'marker', orders, timeoutMs });
    if (r.type !== 'crossed') throw new Error(`sim worker answered ${r.type} to marker`);
    return { startNs: BigInt(r.startNs), arrivedNs: BigInt(r.arrivedNs) };
  }

  async setBasis(basis: number): Promise<void> {
    await this.request({ type: 'setBasis', basis });
  }

  async close(): Promise<void> {
    try {
      await this.request({ type: 'close' });
    } finally {
      await this.worker.terminate();
    }
  }
}

export async function runTickToOrderBench(opts: TickToOrderOptions): Promise<TickToOrderResult> {
  const log = opts.log ?? (() => undefined);
  const sampleMs = opts.sampleMs ?? 25;
  const journalDir = fs.mkdtempSync(path.join(opts.journalDir ?? os.tmpdir(), 'arb-bench-'));
  const sim = await SimWorker.start({ seed: BENCH_SEED, base: BASE });
  const { paradex: paradexUrls, vest: vestUrls } = sim.urls;

  const keys = newVestKeys();
  const stamps: Stamps = { submittedNs: [] };
  const stages = new StageProbe();
  const phase = createRng(BENCH_SEED).next; // seeded pauses, so a run repeats
  const vest = createVestVenue({
    restUrl: vestUrls.rest,
    wsUrl: vestUrls.ws,
    keys: { primaryKey: keys.primaryKey, signingKey: keys.signingKey },
    pollIntervalMs: 1,
  });
  const paradex = createParadexVenue({ restUrl: paradexUrls.rest, wsUrl: paradexUrls.ws, account: newParadexAccount(), onboard: true, pollIntervalMs: 1 });
  const journal = openJournal(path.join(journalDir, 'journal.ndjson'));
  // Stamps when the executor hands each order to a venue client (stage breakdown only).
  const stamped = <V extends Venue>(v: V): V =>
    Object.assign(Object.create(v) as V, {
      submitOrder: (p: PreparedOrder) => {
        stamps.submittedNs.push(process.hrtime.bigint());
        stages.mark('submitted');
        return v.submitOrder(p);
      },
    });
  const executor = createExecutor({ pair: PAIR, venues: { a: stamped(vest), b: stamped(paradex) }, size: SIZE, journal, now: Date.now, spreadThreshold: ENTRY_THRESHOLD });
  // The exit monitor's events go where a run sends them (streams/cli/run.ts): record, events.ndjson and
  // bot.log through the outputs' guard, the status display, `[event]` lines.
  const outputs = new Outputs();
  const eventsOut = outputs.file('events.ndjson', path.join(journalDir, 'events.ndjson'));
  const logger = createLogger({ level: 'info', format: 'json', file: path.join(journalDir, 'bot.log'), console: false, outputs });
  const display = createStatusDisplay({
    out: outputs.stream('status', { write: () => true, isTTY: false }),
    pairs: [{ pair: PAIR, dexA: 'vest', dexB: 'paradex', entryThreshold: ENTRY_THRESHOLD, exitTarget: EXIT_TARGET }],
  });
  const runEvents = createRunEventSink({
    record: new RunRecord({ pairs: [PAIR], recentLimit: 500, buckets: { widthMs: 500 } }),
    events: eventsOut,
    logger,
    display,
    console: { print: (text) => display.print(text), logLevel: 'info' },
  });

  const feedA = vest.bookFeed(vest.symbolFor(PAIR));
  const feedB = paradex.bookFeed(paradex.symbolFor(PAIR));
  const stop$ = new Subject<void>();
  const vestSeen: VestBooksSeen = { count: 0, last: undefined };
  const notOnCrossingFrame = { event: 0, sampled: 0 };
  const keepAlive: Subscription[] = [];

  const runMode = async (mode: 'event' | 'sampled', trials: number): Promise<ModeFigures> => {
    const ticks$: Observable<MarketTick> = marketTicks(feedA.book$, feedB.book$, { sampleMs: mode === 'event' ? 0 : sampleMs }).pipe(share());
    // Holds the feeds and the shared ticks open between trials (the bot's own subscription does this).
    keepAlive.push(ticks$.pipe(takeUntil(stop$)).subscribe());
    // Once, after the first mode's ticks, so it sees each Vest book after the exit monitor has (nothing added before the decision).
    if (keepAlive.length === 1) {
      keepAlive.push(
        feedA.book$.pipe(takeUntil(stop$)).subscribe((book) => {
          vestSeen.count++;
          vestSeen.last = book;
        }),
      );
    }
    const first = firstValueFrom(ticks$);
    await sim.setBasis(EXIT_BASIS);
    await first;
    const figures: ModeFigures = { exitMs: [], floorMs: [], entryMs: [], decideMs: [], submitMs: [], roundMs: [], fromRoundMs: [], failed: 0 };
    for (let t = 0; t < trials; t++) {
      if (t > 0 && t % 100 === 0) log(`  ${mode}: ${t}/${trials} round trips`);
      try {
        // Floor and bot trials side by side, in alternating order, so machine noise hits both alike.
        if (mode === 'event' && t % 2 === 0) figures.floorMs.push(await floorTrial());
        const { entryMs, exitMs, decideMs, submitMs, roundMs, fromRoundMs } = await roundTrip(ticks$, mode);
        if (mode === 'event' && t % 2 === 1) figures.floorMs.push(await floorTrial());
        figures.entryMs.push(entryMs);
        figures.exitMs.push(exitMs);
        figures.decideMs.push(decideMs);
        figures.submitMs.push(submitMs);
        figures.roundMs.push(roundMs);
        figures.fromRoundMs.push(fromRoundMs);
      } catch (err) {
        figures.failed++;
        log(`  ${mode} round trip ${t} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (figures.failed > Math.max(5, trials / 20)) throw new Error(`too many failed round trips (${figures.failed})`, { cause: err });
        await recover();
      }
    }
    return figures;
  };

  const roundTrip = async (
    ticks$: Observable<MarketTick>,
    mode: 'event' | 'sampled',
  ): Promise<{ entryMs: number; exitMs: number; decideMs: number; submitMs: number; roundMs: number; fromRoundMs: number }> => {
    // Entry: the signal and the open are armed before the crossing frame is pushed.
    const opened = firstValueFrom(
      ticks$.pipe(
        entrySignal({ pair: PAIR, entryThreshold: ENTRY_THRESHOLD, size: SIZE, fees: TAKER_FEES }),
        take(1),
        concatMap((opp) => from(executor.openPosition(opp))),
      ),
    );
    const entry = await sim.cross(ENTRY_BASIS, 2, 5_000);
    const entryMs = Number(entry.arrivedNs - entry.lastFrameNs) / 1e6;
    const open = await opened;
    if (!open.ok) throw new Error(`open failed: ${open.reason}`);
    const position: OpenPosition = open.position;
    // The bot keeps the close pre-signed; make sure it is ready before the exit frame.
    await executor.refreshPreparedClose();
    // Signing leaves background work (the Paradex presignatures it used, ~0.5 ms each) a live exit almost never
    // meets (the close is re-signed every few seconds); then the entry's run events, as before a floor trial.
    await presignaturesRefilled();
    await settledLoop();
    const closed = new Promise<ExitEvent>((resolve, reject) => {
      const sub = ticks$
        .pipe(
          exitMonitor({
            position,
            exitTarget: EXIT_TARGET,
            shutdown$: NEVER,
            closePosition: (ctx) => {
              stamps.decidedNs = process.hrtime.bigint();
              stages.mark('decided');
              stamps.decidedOn = ctx.tick.a;
              return from(executor.closePosition(position, ctx));
            },
          }),
        )
        .subscribe({
          next: (e) => {
            runEvents.add(e);
            if (e.type === 'POSITION_CLOSED' || e.type === 'CLOSE_FAILED') {
              resolve(e);
              queueMicrotask(() => sub.unsubscribe());
            }
          },
          error: reject,
        });
    });
    // Sampled ticks come on a fixed grid; a random pause gives the exit frame a random phase on it,
    // as a live market would (otherwise the loop's own rhythm picks the phase).
    if (mode === 'sampled') await sleep(phase() * sampleMs);
    stamps.decidedNs = undefined;
    stamps.decidedOn = undefined;
    stamps.submittedNs = [];
    vestSeen.count = 0;
    if (mode === 'event') stages.start();
    const exit = await sim.cross(EXIT_BASIS, 2, 5_000);
    stages.stop();
    // The timer starts at the Vest frame: the exit must have been decided on the one Vest book that frame carried.
    if (vestSeen.count !== 1 || stamps.decidedOn !== vestSeen.last) notOnCrossingFrame[mode]++;
    // From the crossing frame (the round's last), as the floor is timed from its marker.
    const ms = (ns: bigint | undefined): number => (ns === undefined ? Number.NaN : Number(ns - exit.lastFrameNs) / 1e6);
    const exitMs = ms(exit.arrivedNs);
    const decideMs = ms(stamps.decidedNs);
    const submitMs = ms(stamps.submittedNs[1]);
    const roundMs = Number(exit.lastFrameNs - exit.startNs) / 1e6;
    const fromRoundMs = Number(exit.arrivedNs - exit.startNs) / 1e6;
    const outcome = await closed;
    if (outcome.type !== 'POSITION_CLOSED') throw new Error(`close failed: ${'reason' in outcome ? String(outcome.reason) : outcome.type}`);
    if (mode === 'event') stages.foldBot(exit.lastFrameNs, exit.arrivedNs);
    return { entryMs, exitMs, decideMs, submitMs, roundMs, fromRoundMs };
  };

  /**
   * A few turns of the event loop, and none of the run's events still queued: the last round trip's deferred
   * work (its run events are handled on a later turn, src/report/run-events.ts) has run. Both timers start
   * after it: a floor trial right after a round trip otherwise ran the bot's queued run events, which flattered the
   * bot's ratio.
   */
  const settledLoop = async (): Promise<void> => {
    for (let turns = 0; turns < 3 || runEvents.pending > 0; turns++) await new Promise((resolve) => setImmediate(resolve));
  };

  const floorTrial = async (counted = true): Promise<number> => {
    await settledLoop();
    stages.start();
    const r = await sim.marker(2, 5_000);
    stages.stop();
    if (counted) stages.foldFloor(r.startNs, r.arrivedNs);
    return Number(r.arrivedNs - r.startNs) / 1e6;
  };

  /** After a failed trial: flatten whatever is open so the next trial starts clean. */
  const recover = async (): Promise<void> => {
    const position = executor.currentPosition();
    if (position) await executor.closePosition(position);
    if (executor.isHalted()) executor.clearHalt();
    await sim.setBasis(EXIT_BASIS);
  };

  let floorClient: OrderFloorClient | undefined;
  try {
    await vest.ensureApiKey();
    await paradex.onboard();
    floorClient = await connectOrderFloorClient(sim.urls.markerWs, floorOrders(vestUrls.rest, paradexUrls.rest));
    for (let i = 0; i < 5; i++) await floorTrial(false); // connections up and code warm, as the bot's are after its first trials
    const journalAppendMs = measureJournalAppend(journalDir);
    log(`  journal append (write + fsync) in ${journalDir}: ${journalAppendMs.toFixed(2)} ms`);
    const event = await runMode('event', opts.trials);
    const sampled = await runMode('sampled', opts.sampledTrials ?? opts.trials);
    const p50 = percentile(event.exitMs, 50);
    const p99 = percentile(event.exitMs, 99);
    const floorP50 = percentile(event.floorMs, 50);
    const floorP99 = percentile(event.floorMs, 99);
    return {
      tickToOrderP50Ms: p50,
      tickToOrderP99Ms: p99,
      orderFloorP50Ms: floorP50,
      orderFloorP99Ms: floorP99,
      tickToOrderVsFloorP50: p50 / floorP50,
      tickToOrderVsFloorP99: p99 / floorP99,
      orderFloorTrials: event.floorMs.length,
      tickToOrderSampledP99Ms: percentile(sampled.exitMs, 99),
      tickToOrderOnGridP99Ms: percentile(onGrid(event.exitMs, sampleMs), 99),
      orderFloorOnGridP99Ms: percentile(onGrid(event.floorMs, sampleMs), 99),
      entryTickToOrderP99Ms: percentile(event.entryMs, 99),
      tickToOrderMaxMs: Math.max(...event.exitMs),
      tickToOrderSampledP50Ms: percentile(sampled.exitMs, 50),
      entryTickToOrderP50Ms: percentile(event.entryMs, 50),
      tickToOrderTrials: event.exitMs.length,
      tickToOrderSampledTrials: sampled.exitMs.length,
      tickToOrderFailedTrials: event.failed + sampled.failed,
      exitDecideP50Ms: percentile(event.decideMs, 50),
      exitSubmitP50Ms: percentile(event.submitMs, 50),
      exitRoundFramesP50Ms: percentile(event.roundMs, 50),
      tickToOrderFromRoundP50Ms: percentile(event.fromRoundMs, 50),
      tickToOrderFromRoundP99Ms: percentile(event.fromRoundMs, 99),
      exitsOffCrossingFrame: notOnCrossingFrame.event + notOnCrossingFrame.sampled,
      journalAppendMs,
      ...stages.figures(),
    };
  } finally {
    await floorClient?.close();
    stages.close();
    stop$.next();
    for (const s of keepAlive) s.unsubscribe();
    journal.close();
    runEvents.flush();
    display.close();
    eventsOut.close();
    await new Promise<void>((r) => logger.end(r));
    await Promise.allSettled([vest.close(), paradex.close()]);
    await sim.close();
    fs.rmSync(journalDir, { recursive: true, force: true });
  }
}

/**
 * Each time in `ms` plus a wait for the next tick of a `gridMs` grid, at phases spread evenly over the period
 * (`phases` per time): the distribution of a sampled exit if sampling added nothing but that wait. Beside the
 * measured sampled p99 it tells the wait by construction from what sampling costs beyond it.
 */
export function onGrid(ms: readonly number[], gridMs: number, phases = 100): number[] {
  const out: number[] = [];
  for (const t of ms) for (let k = 0; k < phases; k++) out.push(t + ((k + 0.5) / phases) * gridMs);
  return out;
}

/** Resolves once the Paradex presignature pool is full again (at most 1 s). */
async function presignaturesRefilled(): Promise<void> {
  for (const by = Date.now() + 1_000; defaultPresignatures.available < defaultPresignatures.size && Date.now() < by; ) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Median ms of one journal-sized append with fsync, in `dir` (what the executor pays per entry). */
function measureJournalAppend(dir: string): number {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'a');
  const line = `${'x'.repeat(400)}\n`;
  const samples: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return percentile(samples, 50);
}
