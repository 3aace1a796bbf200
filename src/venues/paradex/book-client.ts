/**
 * Paradex order-book feed over WebSocket (venues.md §1.2–1.6).
 *
 * Default: SBE encoding on the `order_book.{M}.deltas` channel. Since 2026-09-21 Paradex serves
 * public channels as SBE only; the deltas channel streams the whole book (no 15-level cap) as
 * changes are made, with seq = previous + 1, so it has the lowest latency and lets us detect any
 * lost update. The throttled `snapshot@15@100ms` channel is available by option (and JSON
 * encoding for venues/environments that still serve it).
 *
 * Book rules:
 * - deltas channel: anchor on a snapshot; apply a delta only when seq == last + 1; otherwise the
 *   book is invalid (nothing is emitted), FEED_RESYNC is raised and the channel is unsubscribed and
 *   subscribed again, which starts with a fresh snapshot. Deltas before the first snapshot drop.
 * - snapshot channel: each frame replaces the book; a frame with seq <= the last one is dropped.
 * - the book is reset (never merged) on reconnect; a crossed book is never emitted.
 *
 * `ParadexBookState.handleFrame` holds all of this without a socket, so it is tested directly.
 */
import type { Observable } from 'rxjs';
import { errorText } from '../../logging/redact';
import { Ladder, type OrderBook } from '../../domain/order-book';
import type { BookFeed, FeedStats } from '../venue';
import { ExchangeTimeLag } from '../feed-lag';
import { createBookFeed, newFeedStats, type FeedLogger, type FeedSession, type FeedSessionContext, type FeedSocket, type FeedTimers } from '../ws-connection';
import type { FrameRecorder } from '../recording';
import { decodeParadexJson, paradexRequest } from './json-codec';
import { SBE_SCHEMA_ID, SBE_SCHEMA_VERSION, SbeBookDecoder, SbeDecodeError, TEMPLATE, decodeSbe } from './sbe';

export const PARADEX_WS_URL = 'wss://ws.api.prod.paradex.trade/v1';
/** JSON-RPC "invalid request": what Paradex answers to a channel spelling it does not accept. */
export const INVALID_REQUEST = -32600;

export type ParadexEncoding = 'sbe' | 'json';
export type ParadexBookChannel = 'snapshot' | 'deltas';

export interface ParadexBookOptions {
  /** Paradex market, e.g. 'BTC-USD-PERP'. */
  readonly market: string;
  /** Default: prod. The SBE query string is appended when encoding is 'sbe'. */
  readonly wsUrl?: string | undefined;
  readonly encoding?: ParadexEncoding | undefined;
  readonly channel?: ParadexBookChannel | undefined;
  /** Refresh rate of the snapshot channel (and of the suffixed deltas spelling). */
  readonly refreshRate?: '50ms' | '100ms' | undefined;
  /** No applied update for this long flags the book stale. Default 5000 ms. */
  readonly staleAfterMs?: number | undefined;
  /** Frames arriving later than this behind the venue clock flag the book stale (execution.max_book_age_ms). Default 2000 ms. */
  readonly maxLagMs?: number | undefined;
  /**
   * Reads the venue's clock, ms since epoch (GET /system/time): anchors the lag estimate, so a feed
   * late from its first frame is seen. Without it only lag that starts after a fresh spell shows.
   */
  readonly serverTime?: (() => Promise<number>) | undefined;
  /** How often the venue clock is read while subscribed. Default 30 s. */
  readonly clockReadIntervalMs?: number | undefined;
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number } | undefined;
  /** Paradex pings every 55 s (ws answers automatically); nothing at all for this long = dead socket. Default 70 s. */
  readonly idleTimeoutMs?: number | undefined;
  /** Levels per side in each emitted book. Default 50. */
  readonly depth?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly logger?: FeedLogger | undefined;
  /** Tests: a fake socket factory. */
  readonly createSocket?: ((url: string) => FeedSocket) | undefined;
  /** Timers of the connection and its staleness; default the process's (a replay passes a virtual clock's). */
  readonly timers?: FeedTimers | undefined;
  /** `--record`: every frame and lifecycle step of the socket goes here. */
  readonly recorder?: FrameRecorder | undefined;
  /** Reconnect jitter source; default Math.random (a replay passes a seeded one). */
  readonly random?: (() => number) | undefined;
}

export type ParadexFrameResult =
  /**
   * `timed`: the book's exchange time says when this content was current (a delta, or a snapshot
   * that changed the best levels), so it measures the feed's lag. A snapshot repeating an unchanged
   * book (the throttled snapshot channel) may carry the time of the last change instead, which says
   * nothing about lag.
   */
  | { readonly type: 'book'; readonly book: OrderBook; readonly timed: boolean }
  /** A heartbeat; its exchange time (ms) still measures the feed's lag. */
  | { readonly type: 'heartbeat'; readonly exchangeTime: number }
  /** The book is invalid (sequence gap, crossed): resubscribe for a new snapshot. */
  | { readonly type: 'resync'; readonly reason: string }
  | { readonly type: 'ignored'; readonly reason: string }
  | { readonly type: 'malformed'; readonly reason: string }
  | { readonly type: 'ack'; readonly id: number; readonly channel?: string }
  | { readonly type: 'error'; readonly id: number | null; readonly code: number; readonly message: string; readonly data?: string };

/** Channel names to try, in order; the next one is tried when the venue refuses the previous with -32600 (§1.4). */
export function paradexBookChannels(market: string, channel: ParadexBookChannel, refreshRate: '50ms' | '100ms' = '100ms'): string[] {
  return channel === 'deltas'
    ? [`order_book.${market}.deltas`, `order_book.${market}.deltas@15@${refreshRate}`]
    : [`order_book.${market}.snapshot@15@${refreshRate}`];
}

export function paradexWsUrl(base: string, encoding: ParadexEncoding): string {
  if (encoding !== 'sbe') return base;
  const url = new URL(base);
  url.searchParams.set('sbeSchemaId', String(SBE_SCHEMA_ID));
  url.searchParams.set('sbeSchemaVersion', String(SBE_SCHEMA_VERSION));
  return url.toString();
}

const APPLY = null;
const utf8 = new TextDecoder();

/** The book of one market as its frames arrive; counts frames, bytes, decode errors and resyncs into `stats`. */
export class ParadexBookState {
  private readonly ladder = new Ladder();
  private readonly decoder = new SbeBookDecoder();
  private synced = false;
  private lastSeq = -1;
  /** Best levels of the last book emitted, to tell a snapshot that changed the book from a repeat. */
  private lastTop = '';

  constructor(
    readonly market: string,
    readonly stats: FeedStats = newFeedStats(),
    private readonly depth = 50,
  ) {}

  /** Forgets the book (new connection): the next snapshot starts it again. */
  reset(): void {
    this.ladder.clear();
    this.synced = false;
    this.lastSeq = -1;
    this.lastTop = '';
  }

  /** Marks the book invalid until the next snapshot (e.g. after resubscribing). */
  invalidate(): void {
    this.synced = false;
  }

  handleFrame(frame: Uint8Array, isBinary: boolean, receivedAt: number): ParadexFrameResult {
    this.stats.frames++;
    this.stats.bytes += frame.byteLength;
    return isBinary ? this.handleBinary(frame, receivedAt) : this.handleText(utf8.decode(frame), receivedAt);
  }

  private handleBinary(frame: Uint8Array, receivedAt: number): ParadexFrameResult {
    const d = this.decoder;
    let template: number;
    try {
      template = d.decode(frame);
      // Non-book bodies are validated by the reference decoder (rare frames: heartbeats, bbo).
      if (template !== TEMPLATE.book) {
        const msg = decodeSbe(frame);
        if (msg.type === 'heartbeat') return { type: 'heartbeat', exchangeTime: Math.floor(msg.ts / 1000) };
      }
    } catch (e) {
      return this.malformed(e instanceof SbeDecodeError ? e.message : String(e));
    }
    if (template !== TEMPLATE.book) return { type: 'ignored', reason: `SBE template ${template}` };
    if (d.market !== this.market) return { type: 'ignored', reason: `book of ${d.market}` };
    const verdict = this.sequence(d.kind, d.seq);
    if (verdict !== APPLY) return verdict;
    d.applyTo(this.ladder);
    return this.applied(d.kind, d.seq, Math.floor(d.ts / 1000), receivedAt);
  }

  private handleText(text: string, receivedAt: number): ParadexFrameResult {
    const msg = decodeParadexJson(text);
    switch (msg.type) {
      case 'invalid':
        return this.malformed(msg.reason);
      case 'ack':
        return msg.channel !== undefined ? { type: 'ack', id: msg.id, channel: msg.channel } : { type: 'ack', id: msg.id };
      case 'error':
        return msg;
      case 'bbo':
      case 'push':
        return { type: 'ignored', reason: `push on ${msg.channel}` };
      case 'book': {
        if (msg.market !== this.market) return { type: 'ignored', reason: `book of ${msg.market}` };
        const verdict = this.sequence(msg.kind, msg.seq);
        if (verdict !== APPLY) return verdict;
        const l = this.ladder;
        if (msg.kind === 'snapshot') l.clear();
        for (const b of msg.bids) l.set('bid', b.price, b.size);
        for (const a of msg.asks) l.set('ask', a.price, a.size);
        return this.applied(msg.kind, msg.seq, msg.ts, receivedAt);
      }
    }
  }

  /** APPLY when a frame of this kind and seq may be applied now; otherwise why not. */
  private sequence(kind: 'snapshot' | 'delta', seq: number): ParadexFrameResult | typeof APPLY {
    if (kind === 'snapshot') {
      if (this.synced && seq <= this.lastSeq) return { type: 'ignored', reason: `old snapshot seq ${seq} <= ${this.lastSeq}` };
      this.synced = true;
      return APPLY;
    }
    if (!this.synced) return { type: 'ignored', reason: 'delta while waiting for a snapshot' };
    if (seq === this.lastSeq + 1) return APPLY;
    return this.lose(`sequence gap: expected ${this.lastSeq + 1}, got ${seq}`);
  }

  private applied(kind: 'snapshot' | 'delta', seq: number, exchangeTime: number, receivedAt: number): ParadexFrameResult {
    this.lastSeq = seq;
    const bid = this.ladder.bestBidPrice();
    const ask = this.ladder.bestAskPrice();
    if (bid !== undefined && ask !== undefined && bid >= ask) return this.lose(`crossed book: bid ${bid} >= ask ${ask}`);
    const book = this.ladder.snapshot({ receivedAt, seq, exchangeTime }, this.depth);
    const top = `${book.bids[0]?.price}@${book.bids[0]?.size}|${book.asks[0]?.price}@${book.asks[0]?.size}`;
    const timed = kind === 'delta' || top !== this.lastTop;
    this.lastTop = top;
    return { type: 'book', book, timed };
  }

  private lose(reason: string): ParadexFrameResult {
    this.synced = false;
    this.stats.resyncs++;
    return { type: 'resync', reason };
  }

  private malformed(reason: string): ParadexFrameResult {
    this.stats.decodeErrors++;
    return { type: 'malformed', reason };
  }
}

interface PendingRequest {
  readonly method: 'subscribe' | 'unsubscribe';
  readonly channel: string;
}

interface VenueClock {
  readonly serverTime: (() => Promise<number>) | undefined;
  readonly readIntervalMs: number;
}

/** Lag by the venue's clock: frame stamps against local receive times, anchored by reads of the venue clock. */
function lagGauge(ctx: FeedSessionContext, clock: VenueClock): { observe(receivedAt: number, exchangeTime: number): void; onOpen(): void; onDown(): void; close(): void } {
  const lag = new ExchangeTimeLag();
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  const read = (): void => {
    const serverTime = clock.serverTime;
    if (!serverTime || reading || closed) return;
    reading = true;
    const sentAt = ctx.now();
    serverTime()
      .then(
        (time) => {
          if (closed) return;
          lastReadAt = sentAt;
          lag.anchor({ sentAt, answeredAt: ctx.now(), serverTime: time });
          // The last frame, judged again against the venue clock (a feed late from its first frame shows now).
          if (lag.lagMs() !== undefined) ctx.reportLag(lag.lagMs());
        },
        (error: unknown) => ctx.warn('clock', 'could not read the Paradex clock; lag is judged from the feed alone', { error: errorText(error) }),
      )
      .finally(() => {
        reading = false;
      });
  };

  return {
    observe(receivedAt, exchangeTime) {
      lag.observe(receivedAt, exchangeTime);
      ctx.reportLag(lag.lagMs());
    },
    onOpen() {
      if (ctx.now() - lastReadAt > 10_000) read();
      if (!timer && clock.serverTime && clock.readIntervalMs > 0) {
        timer = setInterval(read, clock.readIntervalMs);
        timer.unref();
      }
    },
    onDown() {
      lag.resetConnection();
    },
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}


/** The book channel's subscription requests on one feed: ids, replies pending, and the channel spelling in use. */
class ParadexSubscription {
  // Remembered across reconnects: once a spelling is accepted, keep using it.
  private channelIndex = 0;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();

  constructor(
    private readonly ctx: FeedSessionContext,
    private readonly channels: readonly string[],
  ) {}

  channel(): string {
    return this.channels[this.channelIndex] ?? this.channels[0]!;
  }

  request(method: 'subscribe' | 'unsubscribe', channel = this.channel()): void {
    const id = this.nextId++;
    if (this.ctx.socket.send(paradexRequest(method, channel, id))) this.pending.set(id, { method, channel });
  }

  acked(id: number): void {
    this.pending.delete(id);
  }

  /** Forgets the replies pending (the socket they were sent on is gone). */
  reset(): void {
    this.pending.clear();
  }

  /**
   * An error reply. A refused subscribe moves to the channel's next spelling (true: the book must be
   * invalidated and the new spelling is subscribed); anything but a refused unsubscribe is logged.
   */
  refused(r: Extract<ParadexFrameResult, { type: 'error' }>): boolean {
    const req = r.id === null ? undefined : this.pending.get(r.id);
    if (r.id !== null) this.pending.delete(r.id);
    if (req?.method === 'subscribe' && r.code === INVALID_REQUEST && this.channelIndex + 1 < this.channels.length && req.channel === this.channel()) {
      this.channelIndex++;
      this.ctx.warn('channel', 'Paradex refused the book channel; trying another spelling', { refused: req.channel, next: this.channel(), data: r.data });
      return true;
    }
    // Refusing the unsubscribe of a resync is harmless; anything else is worth a look.
    if (req?.method !== 'unsubscribe') {
      this.ctx.warn(`error:${r.code}`, 'Paradex WebSocket error reply', { code: r.code, message: r.message, data: r.data, channel: req?.channel });
    }
    return false;
  }
}

function paradexSession(ctx: FeedSessionContext, state: ParadexBookState, channels: readonly string[], clock: VenueClock): FeedSession {
  const sub = new ParadexSubscription(ctx, channels);
  const gauge = lagGauge(ctx, clock);
  return {
    onOpen() {
      state.reset();
      sub.reset();
      sub.request('subscribe');
      gauge.onOpen();
    },
    onFrame(frame, isBinary, receivedAt) {
      const r = state.handleFrame(frame, isBinary, receivedAt);
      switch (r.type) {
        case 'book':
          ctx.socket.markHealthy();
          if (r.timed && r.book.exchangeTime !== undefined) gauge.observe(receivedAt, r.book.exchangeTime);
          ctx.publish(r.book);
          return;
        case 'heartbeat':
          gauge.observe(receivedAt, r.exchangeTime);
          return;
        case 'resync':
          ctx.resync(r.reason);
          // A new subscription starts with a snapshot (§1.6); the server handles requests in order.
          sub.request('unsubscribe');
          sub.request('subscribe');
          return;
        case 'malformed':
          ctx.warn('malformed', 'dropped a malformed Paradex frame', { reason: r.reason, decodeErrors: state.stats.decodeErrors });
          return;
        case 'ack':
          sub.acked(r.id);
          return;
        case 'error':
          if (sub.refused(r)) {
            state.invalidate();
            sub.request('subscribe');
          }
          return;
        case 'ignored':
          return;
      }
    },
    onDown() {
      state.reset();
      sub.reset();
      gauge.onDown();
    },
    close() {
      sub.reset();
      gauge.close();
    },
  };
}

/** The book feed of one Paradex market. `book$` is shared: the first subscriber opens the socket, the last to leave closes it. */
export function paradexBookFeed(opts: ParadexBookOptions): BookFeed {
  const encoding = opts.encoding ?? 'sbe';
  const depth = opts.depth ?? 50;
  if (!(depth >= 1)) throw new RangeError(`depth must be at least 1, got ${depth}`);
  const stats = newFeedStats();
  const channels = paradexBookChannels(opts.market, opts.channel ?? 'deltas', opts.refreshRate ?? '100ms');
  return createBookFeed({
    venue: 'paradex',
    symbol: opts.market,
    url: paradexWsUrl(opts.wsUrl ?? PARADEX_WS_URL, encoding),
    stats,
    staleAfterMs: opts.staleAfterMs ?? 5_000,
    maxLagMs: opts.maxLagMs ?? 2_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 70_000,
    now: opts.now ?? Date.now,
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    startSession: (ctx) =>
      paradexSession(ctx, new ParadexBookState(opts.market, stats, depth), channels, {
        serverTime: opts.serverTime,
        readIntervalMs: opts.clockReadIntervalMs ?? 30_000,
      }),
  });
}

/** The book of one Paradex market; `paradexBookFeed(opts).book$`. */
export function paradexBook$(opts: ParadexBookOptions): Observable<OrderBook> {
  return paradexBookFeed(opts).book$;
}
