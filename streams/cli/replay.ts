/**
 * Replay of a recording (`npm start -- replay --data DIR`): the recorded frames go through the very
 * decoders and book clients a live run uses (paradexBookFeed, vestBookFeed over a socket that plays the
 * recording back), into the same `arbitrageBot`, on a virtual clock, with paper fills (VWAP of the
 * recorded book, a configurable latency, the recorded taker fees), and the funding the recorded run read
 * (FUNDING records, format version 2: streams/cli/replay-funding.ts). A version-1 recording holds no funding:
 * the replay then tracks none and says so (`RecordingIndex.funding`), never a zero.
 *
 * Determinism: virtual time moves only from record to record (or to the next timer), and never while an
 * executor is working on something that is not waiting for virtual time; reconnect jitter is seeded and
 * client ids count. The same data and config give the same events.
 */
import * as fs from 'node:fs';
import { tap } from 'rxjs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { BotConfig } from '../../src/config';
import { venueSymbol, type VenueId } from '../../src/domain/market';
import type { OrderBook } from '../../src/domain/order-book';
import { createRng } from '../../src/sim/rng';
import { createPaperVenue } from '../../src/venues/paper-venue';
import { paradexBookFeed } from '../../src/venues/paradex/book-client';
import {
  gunzipRecording,
  parseRecords,
  RecordingFault,
  recordingFiles,
  RecordKind,
  recordingVersion,
  type RecordedEntry,
  type RecordingVersion,
} from '../../src/venues/recording';
import type { BookFeed, MarketSpec, Venue } from '../../src/venues/venue';
import { vestBookFeed } from '../../src/venues/vest/book-client';
import type { FeedSocket } from '../../src/venues/ws-connection';
import { MAX_TIMER_MS } from '../../src/domain/durations';
import { VirtualClock } from '../virtual-clock';
import type { ExecutorClock } from './pair-executor';
import type { TradingVenues } from '../venues';
import { ReplayFunding } from './replay-funding';
import { decodeFundingRecord } from '../../src/venues/funding-record';

export interface ReplayOptions {
  /** The recording's folder. */
  readonly dataDir: string;
  /** Order sent to fill, ms of replay time. Default 0. */
  readonly latencyMs?: number;
  /** Seed of the reconnect jitter. Default 1. */
  readonly seed?: number;
  /**
   * Keep the recording read and parsed in this thread for the next replay of the same (unchanged) data: a
   * sweep worker's points read it once. Default false (a single replay frees each file once played).
   */
  readonly keepLoaded?: boolean;
}

/** What a recording holds, read before the replay starts. */
export interface RecordingIndex {
  readonly files: readonly string[];
  /** First and last record times, ms since epoch. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly records: number;
  readonly frames: number;
  /** Market rules recorded at start, by "<venue>:<symbol>". */
  readonly markets: ReadonlyMap<string, MarketSpec>;
  readonly faults: readonly RecordingFault[];
  /** Format versions of its files (1: books only; 2: books and funding). */
  readonly versions: readonly RecordingVersion[];
  /** Whether the recording holds the funding its run read, and how much of it. */
  readonly funding: RecordedFundingFacts;
}

/**
 * `recorded`: the recorded run read funding and its answers are in the data (a replay feeds them to the bot);
 * `not recorded`: the replay tracks no funding (carry 'not tracked', round trips without a funding figure), and
 * `reason` says why.
 */
export type RecordedFundingFacts =
  | { readonly status: 'recorded'; readonly observations: number; readonly failed: number; readonly pollMs?: number }
  | { readonly status: 'not recorded'; readonly reason: string };

/** What the recorded run said of its funding (the `start` meta record). */
type StartFunding = { readonly recorded: true; readonly pollMs?: number } | { readonly recorded: false; readonly reason?: string };

/** Everything the run needs to trade a replay, and the driver that plays it. */
export interface ReplaySetup {
  readonly clock: VirtualClock;
  readonly trading: TradingVenues;
  readonly index: RecordingIndex;
  readonly sleep: (ms: number) => Promise<void>;
  /** What the executors run on: the virtual clock, its sleep, reproducible client ids. */
  readonly executorClock: ExecutorClock;
  /** Frames delivered to an open socket, and dropped (no socket open for them), so far. */
  readonly stats: { delivered: number; dropped: number; lost: number };
  /** The recorded funding as `BotDeps.fundingFor` (undefined when the recording holds none). */
  readonly funding?: ReplayFunding;
  /**
   * Plays every record in order, then stops the bot and runs the clock until the bot stream has ended.
   * `busy` = an executor is working; the clock waits for it unless it waits on the clock.
   */
  play(control: { stop(reason: string): void; ended(): boolean; busy(): boolean }): Promise<void>;
}

const NS_PER_MS = 1_000_000n;

function timeMs(entry: RecordedEntry): number {
  return Number(entry.receivedAtNs / NS_PER_MS);
}

/** Files the index read, kept parsed for the replay up to this many decompressed bytes in all (the rest are read again). */
const KEEP_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** The records the index parsed, per file, for the replay to play instead of decompressing and parsing again. */
type Decompressed = Map<string, readonly RecordedEntry[]>;

/** The recording a `keepLoaded` replay left in this thread, and what identifies its files (name, size, mtime). */
let loaded: { readonly identity: string; readonly index: RecordingIndex; readonly records: Decompressed } | undefined;

/** Names, sizes and modification times of the recording's files: a changed file is read again. */
function recordingIdentity(dataDir: string): string {
  return JSON.stringify(recordingFiles(dataDir).map((f) => {
    const st = fs.statSync(f);
    return [f, st.size, st.mtimeMs];
  }));
}

/** Wall time this thread has spent reading and parsing recordings for replays (a sweep's timeline reads it). */
let loadingMs = 0;
export function recordingLoadingMs(): number {
  return loadingMs;
}

function timedIndex(dataDir: string, records: Decompressed): RecordingIndex {
  const t0 = performance.now();
  try {
    return indexRecording(dataDir, records);
  } finally {
    loadingMs += performance.now() - t0;
  }
}

/** The index and parsed records, read now or (keepLoaded, same files) as the last replay in this thread left them. */
function loadRecording(dataDir: string, keepLoaded: boolean): { index: RecordingIndex; records: Decompressed } {
  if (!keepLoaded) {
    const records: Decompressed = new Map();
    return { index: timedIndex(dataDir, records), records };
  }
  const identity = recordingIdentity(dataDir);
  if (loaded?.identity !== identity) {
    loaded = undefined; // the old one is garbage before the new one is read
    const records: Decompressed = new Map();
    loaded = { identity, index: timedIndex(dataDir, records), records };
  }
  return loaded;
}

/**
 * Reads each file once up front: span, counts, market rules and faults (a fault keeps what precedes it).
 * `keep` receives each file's parsed records while the files fit in KEEP_DECOMPRESSED_BYTES.
 */
export function indexRecording(dataDir: string, keep?: Decompressed): RecordingIndex {
  const files = recordingFiles(dataDir);
  if (files.length === 0) throw new RecordingFault(dataDir, 0, 'no recording files (*.vrec.gz) in this folder', 'content');
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  let records = 0;
  let frames = 0;
  const markets = new Map<string, MarketSpec>();
  const faults: RecordingFault[] = [];
  const versions = new Set<RecordingVersion>();
  const funding = { observations: 0, failed: 0, start: undefined as StartFunding | undefined };
  let kept = 0;
  for (const file of files) {
    const decompressed = gunzipRecording(file);
    const version = recordingVersion(decompressed.data);
    if (version !== undefined) versions.add(version);
    kept += decompressed.data.length;
    const parsed: RecordedEntry[] | undefined = keep && kept <= KEEP_DECOMPRESSED_BYTES ? [] : undefined;
    if (parsed) keep!.set(file, parsed);
    for (const entry of readFile(file, faults, decompressed)) {
      parsed?.push(entry);
      records++;
      const t = timeMs(entry);
      if (t < fromMs) fromMs = t;
      if (t > toMs) toMs = t;
      if (entry.kind === RecordKind.TEXT || entry.kind === RecordKind.BINARY) frames++;
      if (entry.kind === RecordKind.FUNDING) {
        funding.observations++;
        if (!decodeFundingRecord(entry.key, entry.payload, t).ok) funding.failed++;
      }
      if (entry.kind === RecordKind.META) {
        const meta = JSON.parse(Buffer.from(entry.payload).toString('utf8')) as { type?: string; venue?: string; spec?: MarketSpec; funding?: StartFunding };
        if (meta.type === 'market' && meta.spec) markets.set(`${meta.venue}:${meta.spec.symbol}`, meta.spec);
        if (meta.type === 'start' && meta.funding !== undefined) funding.start = meta.funding;
      }
    }
  }
  if (records === 0) throw new RecordingFault(files[0]!, 0, 'the recording holds no records', 'content');
  const sorted = [...versions].sort();
  return { files, fromMs, toMs, records, frames, markets, faults, versions: sorted, funding: fundingFacts(sorted, funding) };
}

/** Recorded when the run said it recorded funding, or when funding records are there (a converted recording). */
function fundingFacts(versions: readonly RecordingVersion[], seen: { observations: number; failed: number; start: StartFunding | undefined }): RecordedFundingFacts {
  const { observations, failed, start } = seen;
  if (start?.recorded === true || observations > 0) return { status: 'recorded', observations, failed, ...(start?.recorded === true && start.pollMs !== undefined ? { pollMs: start.pollMs } : {}) };
  if (!versions.includes(2)) return { status: 'not recorded', reason: 'format version 1 (VPREC1): recorded before funding was recorded' };
  if (start?.recorded === false) return { status: 'not recorded', reason: start.reason ?? 'the recorded run read no funding' };
  return { status: 'not recorded', reason: 'the recording holds no funding records' };
}

/** The records of one file; a fault (gzip or record) is appended to `faults` and ends the file there. */
function* readFile(file: string, faults: RecordingFault[], decompressed = gunzipRecording(file)): Generator<RecordedEntry> {
  const { data, fault } = decompressed;
  const records = parseRecords(file, data);
  for (;;) {
    const next = records.next();
    if (next.done) {
      // A truncated gzip also leaves a partial last record: the gzip fault says it all.
      if (next.value && !fault) faults.push(next.value);
      break;
    }
    yield next.value;
  }
  if (fault) faults.push(fault);
}

/**
 * Builds the replay's venues (paper fills over replayed book feeds) and its driver. The venues close
 * with the run; the driver is started by the run once the bot is subscribed.
 */
export function createReplay(config: BotConfig, opts: ReplayOptions): ReplaySetup {
  const { index, records: decompressed } = loadRecording(opts.dataDir, opts.keepLoaded ?? false);
  const clock = new VirtualClock(index.fromMs);
  const jitter = createRng(opts.seed ?? 1);
  const waits = { sleeping: 0 };
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      waits.sleeping++;
      clock.schedule(() => {
        waits.sleeping--;
        resolve();
      }, ms);
    });
  const hub = new ReplayHub();
  const funding = index.funding.status === 'recorded' ? new ReplayFunding() : undefined;
  const world: ReplayWorld = { config, index, decompressed, keepLoaded: opts.keepLoaded ?? false, clock, hub, sleep, random: () => jitter.next(), latencyMs: opts.latencyMs ?? 0, ...(funding ? { funding } : {}) };
  const venues = { vest: replayVenue('vest', world), paradex: replayVenue('paradex', world) };
  const trading: TradingVenues = { venues, close: () => Promise.resolve() };
  const stats = { delivered: 0, dropped: 0, lost: 0 };
  // Order deadlines (reply, look-up) run on the clock too: a timeout is the recording's time, not the machine's.
  const executorClock: ExecutorClock = { now: () => clock.now(), sleep, timers: clock.timers, newClientId: (botId: string) => clientIds(botId, () => clock.now()) };
  return { clock, trading, index, sleep, executorClock, stats, ...(funding ? { funding } : {}), play: (control) => playRecording(world, waits, stats, control) };
}

/** What the replayed venues and the driver share. */
interface ReplayWorld {
  readonly config: BotConfig;
  readonly index: RecordingIndex;
  /** Files the index parsed, taken (and dropped, unless kept loaded) by the driver as it plays them. */
  readonly decompressed: Decompressed;
  readonly keepLoaded: boolean;
  readonly clock: VirtualClock;
  readonly hub: ReplayHub;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly latencyMs: number;
  readonly funding?: ReplayFunding;
}

/** A paper venue over replayed book feeds: the venue's own book client, a socket that plays the recording. */
function replayVenue(id: VenueId, world: ReplayWorld): Venue {
  const { config, clock, hub, index } = world;
  const latest = new Map<string, OrderBook>();
  const feeds = new Map<string, BookFeed>();
  const feedOptions = { staleAfterMs: config.execution.staleAfterMs, maxLagMs: config.execution.maxBookAgeMs, now: () => clock.now(), timers: clock.timers, random: world.random };
  const feed = (symbol: string): BookFeed => {
    let f = feeds.get(symbol);
    if (f) return f;
    const createSocket = (): FeedSocket => hub.socket(`${id}:${symbol}`);
    const inner =
      id === 'paradex'
        ? paradexBookFeed({ ...feedOptions, market: symbol, encoding: config.venues.paradex.encoding, createSocket })
        : // The live client's PINGs were answered in the recording; the replay sends none (no PONG would come).
          vestBookFeed({ ...feedOptions, symbol, pingIntervalMs: MAX_TIMER_MS, createSocket });
    f = { book$: inner.book$.pipe(tap((b) => latest.set(symbol, b))), events$: inner.events$, stats: inner.stats };
    feeds.set(symbol, f);
    return f;
  };
  return createPaperVenue({
    id,
    now: () => clock.now(),
    market: (symbol) => {
      const spec = index.markets.get(`${id}:${symbol}`);
      return spec ? Promise.resolve(spec) : Promise.reject(new Error(`the recording has no market rules for ${id} ${symbol}`));
    },
    book: (symbol) => latest.get(symbol),
    feed,
    latencyMs: world.latencyMs,
    sleep: world.sleep,
    ...(world.funding ? { funding: (symbol: string) => world.funding!.latest(id, symbol) } : {}),
  });
}

/**
 * Plays every record in order, then stops the bot and runs the clock until the bot stream has ended. Time
 * waits for an executor at work unless it waits on the clock (a fill latency).
 */
async function playRecording(world: ReplayWorld, waits: { sleeping: number }, stats: ReplaySetup['stats'], control: Parameters<ReplaySetup['play']>[0]): Promise<void> {
  const { clock, hub, index } = world;
  const { stop, ended, busy } = control;
  // An executor at work first runs to its next wait (one turn drains every promise continuation queued),
  // then, while it waits on nothing the clock drives, turns until it does. Without the first turn a timer
  // the clock just ran (an order deadline) would resume the executor only after later timers had moved
  // the clock on, and its events would carry those later times.
  const settle = async (): Promise<void> => {
    for (let spins = 0; busy() && (spins === 0 || waits.sleeping === 0) && spins < 100_000; spins++) await nextTurn();
  };
  const runTimersUpTo = async (t: number): Promise<void> => {
    while (clock.runNext(t)) if (busy()) await settle();
    clock.advanceTo(t);
  };
  let n = 0;
  const faults: RecordingFault[] = [];
  for (const file of index.files) {
    const held = world.decompressed.get(file);
    if (!world.keepLoaded) world.decompressed.delete(file);
    for (const entry of held ?? readFile(file, faults, gunzipRecording(file))) {
      await runTimersUpTo(Math.max(clock.now(), timeMs(entry)));
      if (entry.kind === RecordKind.LOST) stats.lost += (JSON.parse(Buffer.from(entry.payload).toString('utf8')) as { records: number }).records;
      else if (entry.kind === RecordKind.FUNDING) world.funding?.dispatch(entry);
      else hub.dispatch(entry, stats);
      if (busy()) await settle();
      // Let the run's outputs drain now and then (they are written on later turns).
      if (++n % 2048 === 0) await nextTurn();
    }
  }
  stop('end of recorded data');
  // The bot's shutdown grace and any close in flight run on the clock too.
  for (let idle = 0; !ended() && idle < 1_000; ) {
    const next = clock.nextDueAt();
    if (next !== undefined) {
      await runTimersUpTo(next);
      idle = 0;
    } else idle++;
    await settle();
    await nextTurn();
  }
}

/** Client ids a replay can repeat: the bot id, the virtual time and a counter. */
function clientIds(botId: string, now: () => number): () => string {
  let counter = 0;
  return () => `rp-${botId}-${now().toString(36)}-${(counter++).toString(36)}`;
}

/** The replayed sockets, one per recorded key, as the feed clients open them. */
class ReplayHub {
  private readonly sockets = new Map<string, ReplaySocket>();
  private readonly opened = new Set<string>();

  socket(key: string): FeedSocket {
    const s = new ReplaySocket(() => {
      if (this.sockets.get(key) === s) this.sockets.delete(key);
    });
    this.sockets.set(key, s);
    return s;
  }

  dispatch(entry: RecordedEntry, stats: { delivered: number; dropped: number }): void {
    const s = this.sockets.get(entry.key);
    switch (entry.kind) {
      case RecordKind.OPEN:
        this.opened.add(entry.key);
        s?.open();
        return;
      case RecordKind.TEXT:
      case RecordKind.BINARY:
        // A recording converted from another client may carry no lifecycle: its first frame opens the socket.
        if (s && s.readyState === CONNECTING && !this.opened.has(entry.key)) s.open();
        if (s && s.readyState === OPEN) {
          stats.delivered++;
          s.emit('message', Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength), entry.kind === RecordKind.BINARY);
        } else stats.dropped++;
        return;
      case RecordKind.PING:
        if (s?.readyState === OPEN) s.emit('ping');
        return;
      case RecordKind.CLOSE:
        if (s?.readyState === OPEN) s.lose(Buffer.from(entry.payload).toString('utf8'));
        return;
      default:
        // CONNECT, SENT and META say what the live client did; the replayed client does it again itself.
        return;
    }
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

class ReplaySocket implements FeedSocket {
  readyState = CONNECTING;
  private readonly listeners = new Map<string, ((...args: never[]) => void)[]>();

  constructor(private readonly gone: () => void) {}

  send(_data: string): void {
    // What the live client sent is in the recording (SENT); the venue's answers follow there.
  }

  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.gone();
  }

  on(event: string, listener: (...args: never[]) => void): unknown {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return this;
  }

  open(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.emit('open');
  }

  lose(reason: string): void {
    this.emit('error', new Error(`recorded: ${reason}`));
    this.readyState = CLOSED;
    this.gone();
    this.emit('close', 1006);
  }

  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  }
}

/** The markets each configured pair trades, as the recorder notes them ("<venue>:<symbol>"). */
export function recordedMarketKeys(config: BotConfig): string[] {
  return config.bots.flatMap((b) => [`${b.dexA}:${venueSymbol(b.dexA, b.pair)}`, `${b.dexB}:${venueSymbol(b.dexB, b.pair)}`]);
}
