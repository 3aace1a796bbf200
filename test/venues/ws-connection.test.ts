/**
 * The WebSocket connection under both book clients, driven directly: reconnect with exponential backoff and
 * jitter, the backoff reset once a connection is healthy, the idle timeout, stale sockets muted, and a clean
 * close. Against a real `ws` server on 127.0.0.1 port 0 (a fake socket only where a race must be forced);
 * every server, socket and timer is closed after each test.
 */
import type { AddressInfo } from 'node:net';
import { firstValueFrom, take } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TradingEvent } from '../../src/domain/events';
import type { OrderBook } from '../../src/domain/order-book';
import {
  backoffDelayMs,
  createBookFeed,
  newFeedStats,
  openReconnectingSocket,
  type FeedSessionContext,
  type FeedTimers,
  type ReconnectingSocket,
  type SocketDown,
} from '../../src/venues/ws-connection';
import { FakeSocket, sleep, waitFor } from './paradex/feed-test-kit';

interface Server {
  readonly url: string;
  /** Every connection accepted so far, in order. */
  readonly sockets: WebSocket[];
  /** Text frames received from clients. */
  readonly received: string[];
  close(): Promise<void>;
}

/** A ws server on an ephemeral loopback port; `onConnection` decides what each new connection gets. */
async function startServer(onConnection: (ws: WebSocket, n: number) => void = () => {}): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const sockets: WebSocket[] = [];
  const received: string[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => received.push(String(data)));
    onConnection(ws, sockets.length);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/feed`,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface Client {
  readonly socket: ReconnectingSocket;
  readonly opens: number[];
  readonly frames: { text: string; isBinary: boolean }[];
  readonly downs: SocketDown[];
}

let server: Server | undefined;
let clients: ReconnectingSocket[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.close();
  server = undefined;
});

/** Opens a reconnecting socket with jitter pinned to its middle (random 0.5: exactly the base delay). */
function open(url: string, opts: { initialMs?: number; maxMs?: number; idleTimeoutMs?: number; createSocket?: (url: string) => FakeSocket } = {}): Client {
  const opens: number[] = [];
  const frames: { text: string; isBinary: boolean }[] = [];
  const downs: SocketDown[] = [];
  const socket = openReconnectingSocket({
    url,
    reconnect: { initialMs: opts.initialMs ?? 20, maxMs: opts.maxMs ?? 1_000 },
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.createSocket ? { createSocket: opts.createSocket } : {}),
    random: () => 0.5,
    onOpen: () => opens.push(Date.now()),
    onFrame: (frame, isBinary) => frames.push({ text: Buffer.from(frame).toString('utf8'), isBinary }),
    onDown: (down) => downs.push(down),
  });
  clients.push(socket);
  return { socket, opens, frames, downs };
}

describe('backoffDelayMs', () => {
  it('doubles from initialMs per attempt and stops at maxMs', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, 250, 5_000, mid))).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000]);
    expect(backoffDelayMs(1_000, 250, 5_000, mid)).toBe(5_000);
  });

  it('jitters ±25 %, never above maxMs', () => {
    expect(backoffDelayMs(3, 100, 10_000, () => 0)).toBe(300);
    expect(backoffDelayMs(3, 100, 10_000, () => 0.999999)).toBe(500);
    expect(backoffDelayMs(10, 100, 1_000, () => 0.999999)).toBe(1_000);
    expect(backoffDelayMs(10, 100, 1_000, () => 0)).toBe(750);
  });
});

describe('openReconnectingSocket against a real ws server', () => {
  it('opens, sends, and hands every frame over as bytes with its text/binary flag', async () => {
    server = await startServer((ws) => {
      ws.send('hello');
      ws.send(Buffer.from('bin'), { binary: true });
    });
    const c = open(server.url);
    await waitFor(() => c.frames.length === 2, 'two frames');
    expect(c.opens).toHaveLength(1);
    expect(c.frames).toEqual([
      { text: 'hello', isBinary: false },
      { text: 'bin', isBinary: true },
    ]);
    expect(c.socket.send('{"method":"SUBSCRIBE"}')).toBe(true);
    await waitFor(() => server!.received.length === 1, 'the server to receive');
    expect(server.received).toEqual(['{"method":"SUBSCRIBE"}']);
    expect(c.downs).toEqual([]);
  });

  it('says it cannot send before the socket is open', () => {
    const fake = new FakeSocket('ws://x');
    const c = open('ws://x', { createSocket: () => fake });
    expect(c.socket.send('early')).toBe(false);
    expect(fake.sent).toEqual([]);
  });

  it('reconnects after the server closes, with the close code as the reason', async () => {
    server = await startServer((ws, n) => {
      if (n === 1) ws.close(4000, 'bye');
    });
    const c = open(server.url, { initialMs: 30 });
    await waitFor(() => c.opens.length === 2, 'a second connection');
    expect(c.downs).toEqual([{ attempt: 1, delayMs: 30, reason: 'socket closed (code 4000)' }]);
    expect(server.sockets).toHaveLength(2);
    // The gap between the two opens is at least the backoff.
    expect(c.opens[1]! - c.opens[0]!).toBeGreaterThanOrEqual(25);
  });

  it('backs off exponentially up to maxMs while every connection fails, and names the error', async () => {
    server = await startServer((ws) => ws.terminate());
    const c = open(server.url, { initialMs: 10, maxMs: 40 });
    await waitFor(() => c.downs.length >= 5, 'five failures', 5_000);
    expect(c.downs.slice(0, 5).map((d) => [d.attempt, d.delayMs])).toEqual([
      [1, 10],
      [2, 20],
      [3, 40],
      [4, 40],
      [5, 40],
    ]);
    expect(c.downs[0]!.reason).toMatch(/^socket closed \(code 1006\)$/);
  });

  it('starts the backoff over once the connection was marked healthy', async () => {
    server = await startServer((ws) => ws.terminate());
    const c = open(server.url, { initialMs: 10, maxMs: 1_000 });
    await waitFor(() => c.downs.length >= 3, 'three failures');
    c.socket.markHealthy();
    const seen = c.downs.length;
    await waitFor(() => c.downs.length > seen, 'the next failure');
    expect(c.downs[seen]).toMatchObject({ attempt: 1, delayMs: 10 });
  });

  it('reports a refused connection with the socket error', async () => {
    server = await startServer();
    const url = server.url;
    await server.close();
    server = undefined;
    const c = open(url, { initialMs: 50 });
    await waitFor(() => c.downs.length >= 1, 'a failure');
    expect(c.downs[0]).toMatchObject({ attempt: 1, delayMs: 50 });
    expect(c.downs[0]!.reason).toMatch(/^socket closed \(code 1006, .*ECONNREFUSED/);
    expect(c.opens).toEqual([]);
  });

  it('treats a socket silent for idleTimeoutMs as dead, and reconnects', async () => {
    server = await startServer();
    const c = open(server.url, { idleTimeoutMs: 80, initialMs: 10 });
    await waitFor(() => c.downs.length >= 1, 'the idle timeout');
    expect(c.downs[0]!.reason).toMatch(/^no data for (\d+) ms$/);
    expect(Number(/(\d+) ms/.exec(c.downs[0]!.reason)![1])).toBeGreaterThanOrEqual(80);
    await waitFor(() => c.opens.length >= 2, 'the reconnect');
    // The dead socket is closed at the server too.
    await waitFor(() => server!.sockets[0]!.readyState === server!.sockets[0]!.CLOSED, 'the old socket closed');
  });

  it('counts frames and protocol pings as signs of life', async () => {
    server = await startServer((ws, n) => {
      const every = setInterval(() => (n === 1 ? ws.send('tick') : ws.ping()), 20);
      ws.on('close', () => clearInterval(every));
    });
    const frames = open(server.url, { idleTimeoutMs: 100 });
    await sleep(350);
    expect(frames.downs).toEqual([]);
    expect(frames.frames.length).toBeGreaterThan(5);
    const pings = open(server.url, { idleTimeoutMs: 100 });
    await sleep(350);
    expect(pings.downs).toEqual([]);
    expect(pings.opens).toHaveLength(1);
  });

  it('restart drops the current socket and reconnects with backoff', async () => {
    server = await startServer();
    const c = open(server.url, { initialMs: 15 });
    await waitFor(() => c.opens.length === 1, 'open');
    c.socket.restart('missed PONG');
    expect(c.downs).toEqual([{ attempt: 1, delayMs: 15, reason: 'missed PONG' }]);
    await waitFor(() => c.opens.length === 2, 'the reconnect');
    expect(server.sockets).toHaveLength(2);
  });

  it('close ends the socket and cancels a pending reconnect: nothing connects again', async () => {
    server = await startServer((ws, n) => {
      if (n === 1) ws.close();
    });
    const c = open(server.url, { initialMs: 100 });
    await waitFor(() => c.downs.length === 1, 'the first drop');
    c.socket.close();
    await sleep(250);
    expect(server.sockets).toHaveLength(1);
    expect(c.opens).toHaveLength(1);
    expect(c.socket.send('x')).toBe(false);
    c.socket.close(); // idempotent
  });

  it('close while connected closes the server side and reports no drop', async () => {
    server = await startServer();
    const c = open(server.url);
    await waitFor(() => c.opens.length === 1, 'open');
    c.socket.close();
    await waitFor(() => server!.sockets[0]!.readyState === server!.sockets[0]!.CLOSED, 'closed at the server');
    await sleep(50);
    expect(c.downs).toEqual([]);
  });
});

describe('openReconnectingSocket: races (fake socket)', () => {
  it('mutes every event of a socket it has replaced', async () => {
    const made: FakeSocket[] = [];
    const c = open('ws://venue', {
      initialMs: 5,
      createSocket: (url) => {
        const s = new FakeSocket(url);
        made.push(s);
        return s;
      },
    });
    made[0]!.open();
    made[0]!.frame('first');
    c.socket.restart('resubscribe');
    expect(made[0]!.terminated).toBe(true);
    // Late frames and a late close of the old socket change nothing.
    made[0]!.frame('late');
    made[0]!.drop();
    await waitFor(() => made.length === 2, 'the new socket');
    made[1]!.open();
    made[1]!.frame('second');
    expect(c.frames.map((f) => f.text)).toEqual(['first', 'second']);
    expect(c.downs.map((d) => d.reason)).toEqual(['resubscribe']);
    expect(c.opens).toHaveLength(2);
  });

  it('a socket factory that throws is a failed attempt, retried with backoff', async () => {
    let calls = 0;
    const c = open('ws://venue', {
      initialMs: 5,
      createSocket: (url) => {
        calls++;
        if (calls < 3) throw new Error('EMFILE: too many open files');
        return new FakeSocket(url);
      },
    });
    await waitFor(() => calls === 3, 'the third attempt');
    expect(c.downs.map((d) => [d.attempt, d.reason])).toEqual([
      [1, 'cannot connect: EMFILE: too many open files'],
      [2, 'cannot connect: EMFILE: too many open files'],
    ]);
  });
});

describe('createBookFeed', () => {
  const book = (bid: number): OrderBook => ({ bids: [{ price: bid, size: 1 }], asks: [{ price: bid + 1, size: 1 }], receivedAt: 0 });

  /** A feed whose session publishes a book per text frame ("price") and throws on "boom". */
  function feed(url: string, opts: { staleAfterMs?: number; maxLagMs?: number } = {}) {
    const stats = newFeedStats();
    let ctx: FeedSessionContext | undefined;
    const sessions = { opened: 0, downs: 0, closed: 0 };
    const f = createBookFeed({
      venue: 'vest',
      symbol: 'BTC-PERP',
      url,
      stats,
      staleAfterMs: opts.staleAfterMs ?? 10_000,
      ...(opts.maxLagMs !== undefined ? { maxLagMs: opts.maxLagMs } : {}),
      reconnect: { initialMs: 10, maxMs: 50 },
      random: () => 0.5,
      now: Date.now,
      startSession: (c) => {
        ctx = c;
        return {
          onOpen: () => sessions.opened++,
          onFrame: (frame) => {
            const text = Buffer.from(frame).toString('utf8');
            if (text === 'boom') throw new Error('decoder bug');
            c.publish(book(Number(text)));
          },
          onDown: () => sessions.downs++,
          close: () => sessions.closed++,
        };
      },
    });
    const books: OrderBook[] = [];
    const events: TradingEvent[] = [];
    const eventsSub = f.events$.subscribe((e) => events.push(e));
    const sub = f.book$.subscribe((b) => books.push(b));
    return {
      stats,
      books,
      events,
      sessions,
      ctx: () => ctx!,
      stop: () => {
        sub.unsubscribe();
        eventsSub.unsubscribe();
      },
    };
  }

  it('publishes books, flags a quiet feed stale after staleAfterMs and fresh on the next update', async () => {
    let conn: WebSocket | undefined;
    server = await startServer((ws) => {
      conn = ws;
      ws.send('100');
    });
    const f = feed(server.url, { staleAfterMs: 80 });
    try {
      await waitFor(() => f.books.length === 1, 'the first book');
      expect(f.books[0]!.stale).toBeUndefined();
      await waitFor(() => f.stats.stale, 'stale', 2_000);
      expect(f.events.map((e) => e.type)).toEqual(['FEED_STALE']);
      expect(f.events[0]).toMatchObject({ venue: 'vest', symbol: 'BTC-PERP', reason: 'no updates' });
      expect(f.books.at(-1)).toMatchObject({ stale: true, bids: [{ price: 100, size: 1 }] });
      conn!.send('101');
      await waitFor(() => !f.stats.stale, 'fresh');
      expect(f.events.map((e) => e.type)).toEqual(['FEED_STALE', 'FEED_FRESH']);
      expect(f.books.at(-1)!.stale).toBeUndefined();
      expect(f.books.at(-1)!.bids[0]!.price).toBe(101);
    } finally {
      f.stop();
    }
  });

  it('a lost connection raises FEED_RECONNECT, flags the book stale, resets the session, and reconnects', async () => {
    server = await startServer((ws, n) => {
      ws.send(String(100 + n));
      if (n === 1) setTimeout(() => ws.close(4001), 20);
    });
    const f = feed(server.url);
    try {
      await waitFor(() => f.books.some((b) => b.bids[0]!.price === 102 && b.stale === undefined), 'the book of the second connection');
      expect(f.stats.reconnects).toBe(1);
      expect(f.sessions).toMatchObject({ opened: 2, downs: 1 });
      const types = f.events.map((e) => e.type);
      expect(types).toEqual(['FEED_RECONNECT', 'FEED_STALE', 'FEED_FRESH']);
      expect(f.events[0]).toMatchObject({ attempt: 1, delayMs: 10, reason: 'socket closed (code 4001)' });
      expect(f.events[1]).toMatchObject({ reason: 'connection lost' });
    } finally {
      f.stop();
    }
  });

  it('a frame handler that throws costs that frame only (counted as a decode error)', async () => {
    server = await startServer((ws) => {
      ws.send('boom');
      ws.send('100');
    });
    const f = feed(server.url);
    try {
      await waitFor(() => f.books.length === 1, 'the good frame');
      expect(f.stats.decodeErrors).toBe(1);
      expect(f.events).toEqual([]);
    } finally {
      f.stop();
    }
  });

  it('lag above maxLagMs flags the feed stale until it falls to half of it', async () => {
    server = await startServer((ws) => ws.send('100'));
    const f = feed(server.url, { maxLagMs: 1_000 });
    try {
      await waitFor(() => f.books.length === 1, 'a book');
      f.ctx().reportLag(1_500);
      expect(f.stats).toMatchObject({ stale: true, lagMs: 1_500 });
      expect(f.events.at(-1)).toMatchObject({ type: 'FEED_STALE', reason: 'lagging 1500 ms behind the venue clock', lagMs: 1_500 });
      f.ctx().reportLag(800); // under the limit, not under half of it: still stale
      expect(f.stats.stale).toBe(true);
      f.ctx().reportLag(400);
      expect(f.stats.stale).toBe(false);
      expect(f.events.map((e) => e.type)).toEqual(['FEED_STALE', 'FEED_FRESH']);
    } finally {
      f.stop();
    }
  });

  it('the last unsubscribe closes the socket and the session; nothing reconnects', async () => {
    server = await startServer((ws) => ws.send('100'));
    const f = feed(server.url);
    await waitFor(() => f.books.length === 1, 'a book');
    f.stop();
    expect(f.sessions.closed).toBe(1);
    await waitFor(() => server!.sockets[0]!.readyState === server!.sockets[0]!.CLOSED, 'closed at the server');
    await sleep(100);
    expect(server.sockets).toHaveLength(1);
  });

  it('a subscriber that leaves on the very book it was waiting for (take(1)) leaves no timer behind', async () => {
    // The unsubscribe runs inside publish(), while it emits; the staleness timer must not be re-armed after it.
    server = await startServer((ws) => ws.send('100'));
    const pending = new Set<unknown>();
    const timers: FeedTimers = {
      now: Date.now,
      setTimeout: (fn, ms) => {
        const h = setTimeout(() => {
          pending.delete(h);
          fn();
        }, ms);
        pending.add(h);
        return h;
      },
      clearTimeout: (h) => {
        pending.delete(h);
        clearTimeout(h as NodeJS.Timeout);
      },
    };
    const f = createBookFeed({
      venue: 'vest',
      symbol: 'BTC-PERP',
      url: server.url,
      stats: newFeedStats(),
      staleAfterMs: 10_000,
      now: Date.now,
      timers,
      startSession: (c) => ({
        onOpen: () => {},
        onFrame: (frame) => c.publish(book(Number(Buffer.from(frame).toString('utf8')))),
        onDown: () => {},
        close: () => {},
      }),
    });
    const first = await firstValueFrom(f.book$.pipe(take(1)));
    expect(first.bids[0]!.price).toBe(100);
    expect(pending.size).toBe(0);
  });
});
