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
  const initialMs = opts.reconnect?.initialMs ?? 250;
  const maxMs = opts.reconnect?.maxMs ?? 5_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 0;
  const random = opts.random ?? Math.random;
  const createSocket = opts.createSocket ?? defaultCreateSocket;

  let generation = 0;
  let socket: FeedSocket | undefined;
  let attempt = 0;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let lastSeen = 0;

  const touch = (): void => {
    lastSeen = performance.now();
  };

  const armIdle = (gen: number, afterMs: number): void => {
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (gen !== generation || closed) return;
      const quietMs = performance.now() - lastSeen;
      if (quietMs >= idleTimeoutMs) lost(`no data for ${Math.round(quietMs)} ms`);
      else armIdle(gen, idleTimeoutMs - quietMs);
    }, afterMs);
  };

  /** Makes the current socket old (its late events are ignored) and closes it. */
  const retire = (): void => {
    generation++;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    const s = socket;
    socket = undefined;
    // Its listeners stay attached (an 'error' without a listener would crash the process); the generation check mutes them.
    s?.terminate();
  };

  const lost = (reason: string): void => {
    if (closed) return;
    retire();
    attempt++;
    const delayMs = backoffDelayMs(attempt, initialMs, maxMs, random);
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delayMs);
    opts.onDown({ attempt, delayMs, reason });
  };

  const connect = (): void => {
    if (closed) return;
    const gen = ++generation;
    let s: FeedSocket;
    try {
      s = createSocket(opts.url);
    } catch (e) {
      lost(`cannot connect: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    socket = s;
    let lastError = '';
    touch();
    s.on('open', () => {
      if (gen !== generation) return;
      touch();
      if (idleTimeoutMs > 0) armIdle(gen, idleTimeoutMs);
      opts.onOpen();
    });
    s.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (gen !== generation) return;
      touch();
      opts.onFrame(toBytes(data), isBinary);
    });
    s.on('ping', () => {
      if (gen === generation) touch();
    });
    s.on('pong', () => {
      if (gen === generation) touch();
    });
    s.on('error', (err: Error) => {
      // 'close' follows every 'error'; keep the cause for its reason.
      lastError = err.message;
    });
    s.on('close', (code: number) => {
      if (gen !== generation) return;
      lost(`socket closed (code ${code}${lastError ? `, ${lastError}` : ''})`);
    });
  };

  connect();

  return {
    send(text: string): boolean {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(text);
      return true;
    },
    restart(reason: string): void {
      if (socket) lost(reason);
    },
    markHealthy(): void {
      attempt = 0;
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      retire();
    },
  };
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
  const { venue, symbol, stats, now, staleAfterMs } = o;
  const warnIntervalMs = o.warnIntervalMs ?? 10_000;

  const book$ = new Observable<OrderBook>((subscriber) => {
    let lastBook: OrderBook | undefined;
    let lastFreshAt = now();
    let staleTimer: NodeJS.Timeout | undefined;
    /** Why a quiet or broken feed is stale ('no updates', 'book resync', 'connection lost'); cleared by an update. */
    let quiet: string | undefined;
    /** The lag while the feed is flagged as lagging the venue; cleared when the lag falls back. */
    let laggingMs: number | undefined;
    const warned = new Map<string, { at: number; suppressed: number }>();
    stats.stale = false;
    stats.lagMs = undefined;

    const warn = (key: string, msg: string, meta?: Record<string, unknown>): void => {
      if (!o.logger) return;
      const t = now();
      const w = warned.get(key);
      if (w && t - w.at < warnIntervalMs) {
        w.suppressed++;
        return;
      }
      warned.set(key, { at: t, suppressed: 0 });
      o.logger.warn(msg, { venue, symbol, ...meta, ...(w && w.suppressed > 0 ? { suppressed: w.suppressed } : {}) });
    };

    /** Re-derives `stats.stale` after a cause changed; emits FEED_STALE / FEED_FRESH and the re-flagged last book. */
    const settle = (cause: { reason: string; ageMs: number; lagMs?: number } | undefined): boolean => {
      const stale = quiet !== undefined || laggingMs !== undefined;
      if (stale === stats.stale) return false;
      stats.stale = stale;
      const t = now();
      if (stale) {
        const why = cause ?? { reason: quiet ?? 'no updates', ageMs: t - lastFreshAt };
        events.next(feedEvents.feedStale(t, { venue, symbol, ...why }));
      } else {
        events.next(feedEvents.feedFresh(t, { venue, symbol }));
      }
      if (lastBook) {
        lastBook = stale ? { ...lastBook, stale: true } : withoutStale(lastBook);
        subscriber.next(lastBook);
      }
      return true;
    };

    const markStale = (reason: string): void => {
      quiet ??= reason;
      settle({ reason, ageMs: now() - lastFreshAt });
    };

    const armStale = (afterMs: number): void => {
      staleTimer = setTimeout(
        () => {
          staleTimer = undefined;
          const age = now() - lastFreshAt;
          if (age >= staleAfterMs) markStale('no updates');
          else armStale(staleAfterMs - age);
        },
        Math.max(1, afterMs),
      );
    };

    const reportLag = (lagMs: number | undefined): void => {
      stats.lagMs = lagMs;
      if (o.maxLagMs === undefined) return;
      if (laggingMs === undefined) {
        if (lagMs === undefined || lagMs <= o.maxLagMs) return;
        laggingMs = lagMs;
        settle({ reason: lagReason(lagMs), ageMs: Math.round(lagMs), lagMs: Math.round(lagMs) });
      } else if (lagMs === undefined || lagMs <= o.maxLagMs / 2) {
        // Fresh again only well under the limit, so a lag hovering at it does not flap.
        laggingMs = undefined;
        settle(undefined);
      } else {
        laggingMs = lagMs;
      }
    };

    const link: { socket?: ReconnectingSocket } = {};
    const ctx: FeedSessionContext = {
      // The session is built before the socket opens; it only sends from socket callbacks.
      socket: {
        send: (text) => link.socket?.send(text) ?? false,
        restart: (reason) => link.socket?.restart(reason),
        markHealthy: () => link.socket?.markHealthy(),
        close: () => link.socket?.close(),
      },
      now,
      publish(book: OrderBook): void {
        lastFreshAt = now();
        stats.lastUpdateAt = lastFreshAt;
        lastBook = laggingMs !== undefined ? { ...book, stale: true } : book;
        quiet = undefined;
        // settle emits lastBook itself when the feed turns fresh.
        if (!settle(undefined)) subscriber.next(lastBook);
        if (!staleTimer) armStale(staleAfterMs);
      },
      reportLag,
      resync(reason: string): void {
        events.next(feedEvents.feedResync(now(), { venue, symbol, reason }));
        markStale('book resync');
      },
      warn,
    };

    // A bug in a frame handler must cost one frame, never the process (these run in socket callbacks).
    const guard = (where: string, f: () => void): void => {
      try {
        f();
      } catch (e) {
        if (where === 'frame') stats.decodeErrors++;
        try {
          warn(`throw:${where}`, `book feed handler failed on ${where}`, { error: e instanceof Error ? e.message : String(e) });
        } catch {
          // The logger or clock itself failed; the count above still records the loss.
        }
      }
    };

    const session = o.startSession(ctx);
    const socket = openReconnectingSocket({
      url: o.url,
      ...(o.reconnect ? { reconnect: o.reconnect } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.createSocket ? { createSocket: o.createSocket } : {}),
      onOpen: () => guard('open', () => session.onOpen()),
      onFrame: (frame, isBinary) => guard('frame', () => session.onFrame(frame, isBinary, now())),
      onDown: (down) => {
        stats.reconnects++;
        events.next(feedEvents.feedReconnect(now(), { venue, symbol, attempt: down.attempt, delayMs: down.delayMs, reason: down.reason }));
        // A new connection earns its own verdict on lag; until its first update the book is stale anyway.
        laggingMs = undefined;
        stats.lagMs = undefined;
        markStale('connection lost');
        guard('down', () => session.onDown());
      },
    });
    link.socket = socket;
    armStale(staleAfterMs);

    return () => {
      if (staleTimer) clearTimeout(staleTimer);
      staleTimer = undefined;
      socket.close();
      session.close();
    };
  }).pipe(
    share({ connector: () => new ReplaySubject<OrderBook>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
  );

  return { book$, events$: events.asObservable(), stats };
}

function withoutStale(book: OrderBook): OrderBook {
  const { stale: _stale, ...fresh } = book;
  return fresh;
}
