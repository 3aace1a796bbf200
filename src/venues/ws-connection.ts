/**
 * A WebSocket that reconnects forever (until closed) with exponential backoff and jitter.
 * Shared by the Paradex and Vest book clients.
 *
 * Every socket gets a generation number; events from a socket that is no longer current (a late
 * frame after a drop, a close racing a reconnect) are dropped, so a feed never mixes frames of
 * two connections into one book.
 */
import { Observable, ReplaySubject, Subject, share } from 'rxjs';
import WebSocket from 'ws';
import type { OrderBook } from '../domain/order-book';
import { events as feedEvents, type TradingEvent } from '../domain/events';
import type { VenueId } from '../domain/market';
import type { BookFeed, FeedStats } from './venue';
import { RecordKind, recordText, type FrameRecorder } from './recording';
import { markFrame } from '../logging/latency-marks';

/**
 * The timers a connection and its feed use; default the process's. A replay passes a virtual clock's,
 * so backoff, idle and staleness run in the replay's time.
 */
export interface FeedTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const processTimers: FeedTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Where a connection's frames and lifecycle are recorded (see recording.ts), and under which key. */
export interface ConnectionRecording {
  readonly recorder: FrameRecorder;
  /** "<venue>:<symbol>". */
  readonly key: string;
  /** Receive time the feed stamps frames with, ms (the same clock the book's receivedAt comes from). */
  readonly now: () => number;
}

/** The part of a `ws` WebSocket this module uses; tests may pass a fake. */
export interface FeedSocket {
  readonly readyState: number;
  send(data: string): void;
  terminate(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export interface SocketDown {
  /** Reconnect attempt number since the last healthy connection, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface ReconnectingSocketOptions {
  readonly url: string;
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * Treat the socket as dead when nothing (frame, ping or pong) arrives for this long, ms.
   * 0 disables it.
   */
  readonly idleTimeoutMs?: number;
  readonly random?: () => number;
  readonly createSocket?: (url: string) => FeedSocket;
  /** The socket is open: subscribe here. */
  readonly onOpen: () => void;
  /** One frame from the current socket. Text frames arrive as UTF-8 bytes with isBinary false. */
  readonly onFrame: (frame: Uint8Array, isBinary: boolean) => void;
  /** The current socket was lost; a reconnect is scheduled after `delayMs`. */
  readonly onDown: (down: SocketDown) => void;
  readonly timers?: FeedTimers;
  /** Off (undefined) by default: then no frame costs more than one check. */
  readonly recording?: ConnectionRecording;
}

export interface ReconnectingSocket {
  /** Sends on the current socket; false when no socket is open. */
  send(text: string): boolean;
  /** Drops the current socket and reconnects with backoff (e.g. after a missed keep-alive). */
  restart(reason: string): void;
  /** The connection delivers good data: the next failure starts the backoff from the beginning again. */
  markHealthy(): void;
  /** Closes the socket and clears every timer; no reconnect follows. */
  close(): void;
}

/** Backoff before reconnect attempt `attempt` (1-based): initialMs·2^(attempt-1), ±25 % jitter, capped at maxMs. */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(Math.min(maxMs, base * (0.75 + 0.5 * random())));
}

const defaultCreateSocket = (url: string): FeedSocket => new WebSocket(url, { perMessageDeflate: false });

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function openReconnectingSocket(opts: ReconnectingSocketOptions): ReconnectingSocket {
  const connection = new ReconnectingConnection(opts);
  connection.connect();
  return {
    send: (text) => connection.send(text),
    restart: (reason) => connection.restart(reason),
    markHealthy: () => connection.markHealthy(),
    close: () => connection.close(),
  };
}

/** The state of one reconnecting socket: the current socket, its generation, the backoff attempt, the timers. */
class ReconnectingConnection {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly idleTimeoutMs: number;
  private readonly random: () => number;
  private readonly createSocket: (url: string) => FeedSocket;
  private generation = 0;
  private socket: FeedSocket | undefined;
  private attempt = 0;
  private closed = false;
  private retryTimer: unknown;
  private idleTimer: unknown;
  private lastSeen = 0;
  private readonly timers: FeedTimers;
  private readonly recording: ConnectionRecording | undefined;

  constructor(private readonly opts: ReconnectingSocketOptions) {
    this.initialMs = opts.reconnect?.initialMs ?? 250;
    this.maxMs = opts.reconnect?.maxMs ?? 5_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 0;
    this.random = opts.random ?? Math.random;
    this.createSocket = opts.createSocket ?? defaultCreateSocket;
    this.timers = opts.timers ?? processTimers;
    this.recording = opts.recording;
  }

  send(text: string): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(text);
    const r = this.recording;
    if (r) recordText(r.recorder, RecordKind.SENT, r.key, text, r.now());
    return true;
  }

  private record(kind: (typeof RecordKind)[keyof typeof RecordKind], text = ''): void {
    const r = this.recording;
    if (r) recordText(r.recorder, kind, r.key, text, r.now());
  }

  restart(reason: string): void {
    if (this.socket) this.lost(reason);
  }

  markHealthy(): void {
    this.attempt = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retire();
  }

  connect(): void {
    if (this.closed) return;
    const gen = ++this.generation;
    this.record(RecordKind.CONNECT, this.opts.url);
    let s: FeedSocket;
    try {
      s = this.createSocket(this.opts.url);
    } catch (e) {
      this.lost(`cannot connect: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.socket = s;
    this.touch();
    this.listen(s, gen);
  }

  /** Every listener checks the generation: events of a socket that is no longer current are muted. */
  private listen(s: FeedSocket, gen: number): void {
    const current = (): boolean => gen === this.generation;
    let lastError = '';
    s.on('open', () => {
      if (!current()) return;
      this.touch();
      this.record(RecordKind.OPEN);
      if (this.idleTimeoutMs > 0) this.armIdle(gen, this.idleTimeoutMs);
      this.opts.onOpen();
    });
    s.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!current()) return;
      this.touch();
      this.opts.onFrame(toBytes(data), isBinary);
    });
    s.on('ping', () => {
      if (!current()) return;
      this.touch();
      this.record(RecordKind.PING);
    });
    s.on('pong', () => {
      if (current()) this.touch();
    });
    s.on('error', (err: Error) => {
      // 'close' follows every 'error'; keep the cause for its reason.
      lastError = err.message;
    });
    s.on('close', (code: number) => {
      if (current()) this.lost(`socket closed (code ${code}${lastError ? `, ${lastError}` : ''})`);
    });
  }

  private touch(): void {
    this.lastSeen = this.timers.now();
  }

  private armIdle(gen: number, afterMs: number): void {
    this.idleTimer = this.timers.setTimeout(() => {
      this.idleTimer = undefined;
      if (gen !== this.generation || this.closed) return;
      const quietMs = this.timers.now() - this.lastSeen;
      if (quietMs >= this.idleTimeoutMs) this.lost(`no data for ${Math.round(quietMs)} ms`);
      else this.armIdle(gen, this.idleTimeoutMs - quietMs);
    }, afterMs);
  }

  /** Makes the current socket old (its late events are ignored) and closes it. */
  private retire(): void {
    this.generation++;
    if (this.idleTimer) this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const s = this.socket;
    this.socket = undefined;
    // Its listeners stay attached (an 'error' without a listener would crash the process); the generation check mutes them.
    s?.terminate();
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.record(RecordKind.CLOSE, reason);
    this.retire();
    this.attempt++;
    const delayMs = backoffDelayMs(this.attempt, this.initialMs, this.maxMs, this.random);
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delayMs);
    this.opts.onDown({ attempt: this.attempt, delayMs, reason });
  }
}

// ---------------------------------------------------------------------------------------------
// Book-feed plumbing shared by both venues: one socket per subscription, staleness, counters,
// events, and rate-limited warnings. The venue part supplies only the frame handling.
// ---------------------------------------------------------------------------------------------

export interface FeedLogger {
  warn(msg: string, meta?: Record<string, unknown>): void;
}

export interface FeedSessionContext {
  readonly socket: ReconnectingSocket;
  now(): number;
  /**
   * An update was applied: emit the book and clear the staleness of a quiet feed. While the feed
   * lags the venue (see `reportLag`) the book goes out flagged stale.
   */
  publish(book: OrderBook): void;
  /**
   * The session's estimate of how far behind the venue the feed is (a lower bound, ms; undefined =
   * unknown). Above `maxLagMs` the feed is flagged stale until the lag falls to half of it.
   */
  reportLag(lagMs: number | undefined): void;
  /** The book can no longer be trusted (gap): raise FEED_RESYNC and flag the last book stale now. */
  resync(reason: string): void;
  /** Logs at most once per `warnIntervalMs` per `key`; the rest are counted and reported with the next one. */
  warn(key: string, msg: string, meta?: Record<string, unknown>): void;
}

export interface FeedSession {
  onOpen(): void;
  onFrame(frame: Uint8Array, isBinary: boolean, receivedAt: number): void;
  /** The socket was lost: reset the book (never merge across connections) and stop keep-alive timers. */
  onDown(): void;
  close(): void;
}

export interface BookFeedDriverOptions {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly url: string;
  readonly stats: FeedStats;
  readonly staleAfterMs: number;
  /** A feed behind the venue by more than this (as the session reports it) is stale. Default: never. */
  readonly maxLagMs?: number;
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly idleTimeoutMs?: number;
  readonly now: () => number;
  readonly logger?: FeedLogger;
  readonly warnIntervalMs?: number;
  readonly createSocket?: (url: string) => FeedSocket;
  readonly random?: () => number;
  readonly startSession: (ctx: FeedSessionContext) => FeedSession;
  /** Timers for reconnect backoff, idle cut-off and staleness; default the process's (a replay: virtual). */
  readonly timers?: FeedTimers;
  /** Records every frame and lifecycle step of the feed's socket (`--record`); off when undefined. */
  readonly recorder?: FrameRecorder;
}

export function newFeedStats(): FeedStats {
  return { frames: 0, bytes: 0, decodeErrors: 0, resyncs: 0, reconnects: 0, lastUpdateAt: 0, stale: false, lagMs: undefined };
}

/** The FEED_STALE reason of a lag (the wording the events, logs and README use). */
export function lagReason(lagMs: number): string {
  return `lagging ${Math.round(lagMs)} ms behind the venue clock`;
}

/**
 * Builds a BookFeed. `book$` opens one socket when first subscribed and closes it (and every timer)
 * when the last subscriber leaves; late subscribers get the current book replayed. `events$` emits
 * only while `book$` is subscribed.
 */
export function createBookFeed(o: BookFeedDriverOptions): BookFeed {
  const events = new Subject<TradingEvent>();
  const book$ = new Observable<OrderBook>((subscriber) => {
    const subscription = new FeedSubscription(o, events, (book) => subscriber.next(book));
    return () => subscription.stop();
  }).pipe(
    share({ connector: () => new ReplaySubject<OrderBook>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
  );
  return { book$, events$: events.asObservable(), stats: o.stats };
}

/** One subscription of a book feed: its socket, session, staleness and lag verdicts, and rate-limited warnings. */
class FeedSubscription {
  private lastBook: OrderBook | undefined;
  private lastFreshAt: number;
  private staleTimer: unknown;
  /** Set by stop(); a subscriber may leave inside an emit (take(1)), and nothing may re-arm a timer after that. */
  private stopped = false;
  /** Why a quiet or broken feed is stale ('no updates', 'book resync', 'connection lost'); cleared by an update. */
  private quiet: string | undefined;
  /** The lag while the feed is flagged as lagging the venue; cleared when the lag falls back. */
  private laggingMs: number | undefined;
  private readonly warned = new Map<string, { at: number; suppressed: number }>();
  private readonly warnIntervalMs: number;
  private readonly session: FeedSession;
  private readonly socket: ReconnectingSocket;

  constructor(
    private readonly o: BookFeedDriverOptions,
    private readonly events: Subject<TradingEvent>,
    private readonly emit: (book: OrderBook) => void,
  ) {
    this.warnIntervalMs = o.warnIntervalMs ?? 10_000;
    this.lastFreshAt = o.now();
    o.stats.stale = false;
    o.stats.lagMs = undefined;
    const link: { socket?: ReconnectingSocket } = {};
    this.session = o.startSession(this.context(link));
    this.socket = this.openSocket();
    link.socket = this.socket;
    this.armStale(o.staleAfterMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.staleTimer) (this.o.timers ?? processTimers).clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.socket.close();
    this.session.close();
  }

  private openSocket(): ReconnectingSocket {
    const o = this.o;
    return openReconnectingSocket({
      url: o.url,
      ...(o.reconnect ? { reconnect: o.reconnect } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.createSocket ? { createSocket: o.createSocket } : {}),
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.recorder ? { recording: { recorder: o.recorder, key: `${o.venue}:${o.symbol}`, now: o.now } } : {}),
      onOpen: () => this.guard('open', () => this.session.onOpen()),
      onFrame: (frame, isBinary) =>
        this.guard('frame', () => {
          const receivedAt = o.now();
          // Recorded with the very receive time the book gets, so a replay rebuilds the same books.
          if (o.recorder) o.recorder.record(isBinary ? RecordKind.BINARY : RecordKind.TEXT, `${o.venue}:${o.symbol}`, frame, receivedAt);
          markFrame('frame', o.venue, o.symbol);
          try {
            this.session.onFrame(frame, isBinary, receivedAt);
          } finally {
            markFrame('handled', o.venue, o.symbol);
          }
        }),
      onDown: (down) => this.down(down),
    });
  }

  private down(down: SocketDown): void {
    const { venue, symbol, stats, now } = this.o;
    stats.reconnects++;
    this.events.next(feedEvents.feedReconnect(now(), { venue, symbol, attempt: down.attempt, delayMs: down.delayMs, reason: down.reason }));
    // A new connection earns its own verdict on lag; until its first update the book is stale anyway.
    this.laggingMs = undefined;
    stats.lagMs = undefined;
    this.markStale('connection lost');
    this.guard('down', () => this.session.onDown());
  }

  /** What the venue's session sees. It is built before the socket opens; it only sends from socket callbacks. */
  private context(link: { socket?: ReconnectingSocket }): FeedSessionContext {
    return {
      socket: {
        send: (text) => link.socket?.send(text) ?? false,
        restart: (reason) => link.socket?.restart(reason),
        markHealthy: () => link.socket?.markHealthy(),
        close: () => link.socket?.close(),
      },
      now: this.o.now,
      publish: (book) => this.publish(book),
      reportLag: (lagMs) => this.reportLag(lagMs),
      resync: (reason) => {
        this.events.next(feedEvents.feedResync(this.o.now(), { venue: this.o.venue, symbol: this.o.symbol, reason }));
        this.markStale('book resync');
      },
      warn: (key, msg, meta) => this.warn(key, msg, meta),
    };
  }

  private publish(book: OrderBook): void {
    this.lastFreshAt = this.o.now();
    this.o.stats.lastUpdateAt = this.lastFreshAt;
    this.lastBook = this.laggingMs !== undefined ? { ...book, stale: true } : book;
    this.quiet = undefined;
    // settle emits lastBook itself when the feed turns fresh.
    if (!this.settle(undefined)) this.emit(this.lastBook);
    if (!this.staleTimer) this.armStale(this.o.staleAfterMs);
  }

  private warn(key: string, msg: string, meta?: Record<string, unknown>): void {
    const { logger, now, venue, symbol } = this.o;
    if (!logger) return;
    const t = now();
    const w = this.warned.get(key);
    if (w && t - w.at < this.warnIntervalMs) {
      w.suppressed++;
      return;
    }
    this.warned.set(key, { at: t, suppressed: 0 });
    logger.warn(msg, { venue, symbol, ...meta, ...(w && w.suppressed > 0 ? { suppressed: w.suppressed } : {}) });
  }

  /** Re-derives `stats.stale` after a cause changed; emits FEED_STALE / FEED_FRESH and the re-flagged last book. */
  private settle(cause: { reason: string; ageMs: number; lagMs?: number } | undefined): boolean {
    const { stats, now, venue, symbol } = this.o;
    const stale = this.quiet !== undefined || this.laggingMs !== undefined;
    if (stale === stats.stale) return false;
    stats.stale = stale;
    const t = now();
    if (stale) {
      const why = cause ?? { reason: this.quiet ?? 'no updates', ageMs: t - this.lastFreshAt };
      this.events.next(feedEvents.feedStale(t, { venue, symbol, ...why }));
    } else {
      this.events.next(feedEvents.feedFresh(t, { venue, symbol }));
    }
    if (this.lastBook) {
      this.lastBook = stale ? { ...this.lastBook, stale: true } : withoutStale(this.lastBook);
      this.emit(this.lastBook);
    }
    return true;
  }

  private markStale(reason: string): void {
    this.quiet ??= reason;
    this.settle({ reason, ageMs: this.o.now() - this.lastFreshAt });
  }

  private armStale(afterMs: number): void {
    if (this.stopped) return;
    this.staleTimer = (this.o.timers ?? processTimers).setTimeout(
      () => {
        this.staleTimer = undefined;
        const age = this.o.now() - this.lastFreshAt;
        if (age >= this.o.staleAfterMs) this.markStale('no updates');
        else this.armStale(this.o.staleAfterMs - age);
      },
      Math.max(1, afterMs),
    );
  }

  private reportLag(lagMs: number | undefined): void {
    const { stats, maxLagMs } = this.o;
    stats.lagMs = lagMs;
    if (maxLagMs === undefined) return;
    if (this.laggingMs === undefined) {
      if (lagMs === undefined || lagMs <= maxLagMs) return;
      this.laggingMs = lagMs;
      this.settle({ reason: lagReason(lagMs), ageMs: Math.round(lagMs), lagMs: Math.round(lagMs) });
    } else if (lagMs === undefined || lagMs <= maxLagMs / 2) {
      // Fresh again only well under the limit, so a lag hovering at it does not flap.
      this.laggingMs = undefined;
      this.settle(undefined);
    } else {
      this.laggingMs = lagMs;
    }
  }

  /** A bug in a frame handler must cost one frame, never the process (these run in socket callbacks). */
  private guard(where: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (where === 'frame') this.o.stats.decodeErrors++;
      try {
        this.warn(`throw:${where}`, `book feed handler failed on ${where}`, { error: e instanceof Error ? e.message : String(e) });
      } catch {
        // The logger or clock itself failed; the count above still records the loss.
      }
    }
  }
}

function withoutStale(book: OrderBook): OrderBook {
  const { stale: _stale, ...fresh } = book;
  return fresh;
}
