/**
 * Vest order-book feed over WebSocket (venues.md §2.2).
 *
 * Vest depth messages have no sequence number, timestamp or snapshot flag: each one is taken as a
 * complete top-N book (sorted defensively) stamped with the local receive time. Vest does not ping
 * the client, so the client sends `PING` every `pingIntervalMs` and treats the socket as dead when
 * no PONG comes back within `pongTimeoutMs`.
 *
 * Lag: with no venue time on the depth messages (nor on GET /depth, nor a public server-time
 * endpoint), the feed's lag is measured against the venue's REST depth (`probeDepth`, every
 * `probeIntervalMs`): a feed that shows the REST book only N ms after REST answered it is N ms
 * behind (DepthProbeLag in ../feed-lag.ts).
 */
import type { Observable } from 'rxjs';
import { bookFromLevels, isCrossed, type Level, type OrderBook } from '../../domain/order-book';
import { DepthProbeLag, depthKey } from '../feed-lag';
import type { BookFeed, FeedStats } from '../venue';
import { createBookFeed, newFeedStats, type FeedLogger, type FeedSession, type FeedSessionContext, type FeedSocket, type FeedTimers } from '../ws-connection';
import type { FrameRecorder } from '../recording';
import { decodeVestMessage, depthChannel, vestRequest } from './codec';

export const VEST_WS_URL = 'wss://ws-prod.hz.vestmarkets.com/ws-api?version=1.0&xwebsocketserver=restserver0';

export interface VestBookOptions {
  /** Vest symbol, e.g. 'BTC-PERP'. */
  readonly symbol: string;
  readonly wsUrl?: string | undefined;
  /** No applied update for this long flags the book stale. Default 5000 ms. */
  readonly staleAfterMs?: number | undefined;
  /** A feed behind the venue's REST book by more than this is stale (execution.max_book_age_ms). Default 2000 ms. */
  readonly maxLagMs?: number | undefined;
  /** Reads the venue's current book (GET /depth): what the feed's lag is measured against. Absent: no lag check. */
  readonly probeDepth?: (() => Promise<{ readonly bids: readonly Level[]; readonly asks: readonly Level[] }>) | undefined;
  /** How often the REST book is read while subscribed; 0 = never. Default 1000 ms. */
  readonly probeIntervalMs?: number | undefined;
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number } | undefined;
  /** Client PING period. Default 30 s. */
  readonly pingIntervalMs?: number | undefined;
  /** No PONG within this long after a PING = dead socket. Default 10 s. */
  readonly pongTimeoutMs?: number | undefined;
  /** Levels per side in each emitted book. Default 50. */
  readonly depth?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly logger?: FeedLogger | undefined;
  readonly createSocket?: ((url: string) => FeedSocket) | undefined;
  /** Timers of the connection and its staleness; default the process's (a replay passes a virtual clock's). */
  readonly timers?: FeedTimers | undefined;
  /** `--record`: every frame and lifecycle step of the socket goes here. */
  readonly recorder?: FrameRecorder | undefined;
  /** Reconnect jitter source; default Math.random (a replay passes a seeded one). */
  readonly random?: (() => number) | undefined;
}

export type VestFrameResult =
  | { readonly type: 'book'; readonly book: OrderBook }
  | { readonly type: 'pong' }
  | { readonly type: 'reply'; readonly id: number }
  | { readonly type: 'ignored'; readonly reason: string }
  | { readonly type: 'malformed'; readonly reason: string };

const utf8 = new TextDecoder();

/** The book of one Vest symbol as frames arrive; counts frames, bytes and decode errors into `stats`. */
export class VestBookState {
  constructor(
    readonly symbol: string,
    readonly stats: FeedStats = newFeedStats(),
    private readonly depth = 50,
  ) {}

  handleFrame(frame: Uint8Array, isBinary: boolean, receivedAt: number): VestFrameResult {
    this.stats.frames++;
    this.stats.bytes += frame.byteLength;
    if (isBinary) return this.malformed('binary frame');
    const msg = decodeVestMessage(utf8.decode(frame));
    switch (msg.type) {
      case 'invalid':
        return this.malformed(msg.reason);
      case 'pong':
        return msg;
      case 'reply':
        return msg;
      case 'push':
        return { type: 'ignored', reason: `push on ${msg.channel}` };
      case 'depth': {
        if (msg.symbol !== this.symbol) return { type: 'ignored', reason: `depth of ${msg.symbol}` };
        const full = bookFromLevels(msg.bids, msg.asks, { receivedAt });
        if (isCrossed(full)) return { type: 'ignored', reason: 'crossed book' };
        const book =
          full.bids.length > this.depth || full.asks.length > this.depth
            ? { ...full, bids: full.bids.slice(0, this.depth), asks: full.asks.slice(0, this.depth) }
            : full;
        return { type: 'book', book };
      }
    }
  }

  private malformed(reason: string): VestFrameResult {
    this.stats.decodeErrors++;
    return { type: 'malformed', reason };
  }
}

interface DepthProbe {
  readonly read: (() => Promise<{ readonly bids: readonly Level[]; readonly asks: readonly Level[] }>) | undefined;
  readonly intervalMs: number;
}

/**
 * The feed's books as the lag gauge's history, keyed by depthKey. A book shown while no probe is waiting decides no
 * lag (its key only joins the history a later probe answer is matched against), so its key is made after this
 * turn's work (setImmediate), off the path from a frame to the orders it causes; a book shown while a probe waits
 * is keyed at once, as it may be the match. Keys join the history in order, before anything reads it.
 */
function shownBooks(lag: DepthProbeLag): { add(book: OrderBook): void; keyAll(): void; forget(): void } {
  let unkeyed: OrderBook[] = [];
  const keyAll = (): void => {
    const books = unkeyed;
    unkeyed = [];
    for (const b of books) lag.onBook(depthKey(b), b.receivedAt);
  };
  return {
    add(book) {
      if (lag.awaitingMatch) {
        keyAll();
        lag.onBook(depthKey(book), book.receivedAt);
        return;
      }
      if (unkeyed.length === 0) setImmediate(keyAll);
      unkeyed.push(book);
    },
    keyAll,
    forget: () => {
      unkeyed = [];
    },
  };
}

/** Reads the venue's REST book every `intervalMs` while connected, and judges the feed's lag by it. */
function probeGauge(ctx: FeedSessionContext, probe: DepthProbe): { onBook(book: OrderBook): void; onOpen(): void; stop(): void } {
  const lag = new DepthProbeLag();
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  /** Bumped per connection: a probe answered after a drop says nothing about the new connection. */
  let connection = 0;

  let trusted = true;
  const shown = shownBooks(lag);
  const tick = (): void => {
    // A probe still unmatched counts for more as time passes, even with no new book.
    ctx.reportLag(lag.lagMs(ctx.now()));
    if (trusted !== lag.trusted) {
      trusted = lag.trusted;
      if (!trusted) {
        ctx.warn('probe-trust', 'the Vest feed rarely shows the books GET /depth answers; its lag now counts only confirmed late matches');
      }
    }
    const read = probe.read;
    if (!read || inFlight) return;
    inFlight = true;
    const asked = connection;
    read()
      .then(
        (rest) => {
          if (asked !== connection) return;
          const answeredAt = ctx.now();
          shown.keyAll();
          lag.probeAnswered(depthKey(bookFromLevels(rest.bids, rest.asks, { receivedAt: answeredAt })), answeredAt);
          ctx.reportLag(lag.lagMs(answeredAt));
        },
        (error: unknown) => ctx.warn('probe', 'could not read the Vest REST depth; the feed lag is not checked meanwhile', { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        inFlight = false;
      });
  };

  return {
    onBook(book) {
      if (!probe.read) return;
      shown.add(book);
      ctx.reportLag(lag.lagMs(book.receivedAt));
    },
    onOpen() {
      if (!probe.read || !(probe.intervalMs > 0)) return;
      connection++;
      shown.forget();
      lag.reset();
      tick();
      timer ??= setInterval(tick, probe.intervalMs);
    },
    stop() {
      connection++;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

function vestSession(
  ctx: FeedSessionContext,
  state: VestBookState,
  pingIntervalMs: number,
  pongTimeoutMs: number,
  probe: DepthProbe,
): FeedSession {
  let nextId = 1;
  let pingTimer: NodeJS.Timeout | undefined;
  let pongDeadline: NodeJS.Timeout | undefined;
  const gauge = probeGauge(ctx, probe);

  const stopKeepAlive = (): void => {
    if (pingTimer) clearInterval(pingTimer);
    if (pongDeadline) clearTimeout(pongDeadline);
    pingTimer = undefined;
    pongDeadline = undefined;
  };
  const stop = (): void => {
    stopKeepAlive();
    gauge.stop();
  };

  const ping = (): void => {
    if (!ctx.socket.send(vestRequest('PING', [], nextId++))) return;
    if (pongDeadline) return; // still waiting on an earlier PING: its deadline stands
    pongDeadline = setTimeout(() => {
      pongDeadline = undefined;
      ctx.socket.restart(`no PONG within ${pongTimeoutMs} ms`);
    }, pongTimeoutMs);
  };

  return {
    onOpen() {
      stopKeepAlive();
      ctx.socket.send(vestRequest('SUBSCRIBE', [depthChannel(state.symbol)], nextId++));
      pingTimer = setInterval(ping, pingIntervalMs);
      gauge.onOpen();
    },
    onFrame(frame, isBinary, receivedAt) {
      const r = state.handleFrame(frame, isBinary, receivedAt);
      switch (r.type) {
        case 'book':
          ctx.socket.markHealthy();
          gauge.onBook(r.book);
          ctx.publish(r.book);
          return;
        case 'pong':
          if (pongDeadline) clearTimeout(pongDeadline);
          pongDeadline = undefined;
          return;
        case 'malformed':
          ctx.warn('malformed', 'dropped a malformed Vest frame', { reason: r.reason, decodeErrors: state.stats.decodeErrors });
          return;
        case 'reply':
        case 'ignored':
          return;
      }
    },
    onDown: stop,
    close: stop,
  };
}

/** The book feed of one Vest symbol. `book$` is shared: the first subscriber opens the socket, the last to leave closes it. */
export function vestBookFeed(opts: VestBookOptions): BookFeed {
  const stats = newFeedStats();
  const pingIntervalMs = opts.pingIntervalMs ?? 30_000;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
  const depth = opts.depth ?? 50;
  if (!(depth >= 1)) throw new RangeError(`depth must be at least 1, got ${depth}`);
  return createBookFeed({
    venue: 'vest',
    symbol: opts.symbol,
    url: opts.wsUrl ?? VEST_WS_URL,
    stats,
    staleAfterMs: opts.staleAfterMs ?? 5_000,
    maxLagMs: opts.maxLagMs ?? 2_000,
    // Liveness comes from PING/PONG; no idle cut-off (a quiet book is not a dead socket).
    idleTimeoutMs: 0,
    now: opts.now ?? Date.now,
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    startSession: (ctx) =>
      vestSession(ctx, new VestBookState(opts.symbol, stats, depth), pingIntervalMs, pongTimeoutMs, {
        read: opts.probeDepth,
        intervalMs: opts.probeIntervalMs ?? 1_000,
      }),
  });
}

/** The book of one Vest symbol; `vestBookFeed(opts).book$`. */
export function vestBook$(opts: VestBookOptions): Observable<OrderBook> {
  return vestBookFeed(opts).book$;
}
