import fc from 'fast-check';
import { startSimVenues, type SimVenues } from '../../../src/sim/index';
import { createRng, type Rng } from '../../../src/sim/rng';
import type { Level } from '../../../src/domain/order-book';
import {
  ParadexBookState,
  paradexBookChannels,
  paradexBookFeed,
  paradexWsUrl,
  type ParadexBookOptions,
} from '../../../src/venues/paradex/book-client';
import { encodeParadexBookPush } from '../../../src/venues/paradex/json-codec';
import { encodeSbeBook, encodeSbeHeartbeat, type SbeBookInput } from '../../../src/venues/paradex/sbe';
import { backoffDelayMs } from '../../../src/venues/ws-connection';
import { FakeSocket, record, sameLevels, sleep, top, waitFor, type Recorder } from './feed-test-kit';
import { ReferenceBook, readJsonBookFrame, readSbeBookFrame } from './reference-book-reader';

const M = 'BTC-USD-PERP';
const bids: Level[] = [
  { price: 100, size: 1 },
  { price: 99, size: 2 },
];
const asks: Level[] = [
  { price: 101, size: 1 },
  { price: 102, size: 3 },
];
const sbe = (p: Partial<SbeBookInput>): Uint8Array => encodeSbeBook({ market: M, seq: 10, ts: 5_000_123, kind: 'snapshot', bids, asks, ...p });
const json = (p: Partial<SbeBookInput>): Uint8Array =>
  Buffer.from(encodeParadexBookPush({ channel: `order_book.${M}.deltas`, market: M, seq: 10, ts: 5_000, kind: 'snapshot', bids, asks, ...p }));

describe('Paradex book state (frame handler)', () => {
  it('anchors on a snapshot, applies consecutive deltas, and stamps seq, exchange and receive times', () => {
    const s = new ParadexBookState(M);
    const r1 = s.handleFrame(sbe({}), true, 1);
    expect(r1).toMatchObject({ type: 'book', book: { bids, asks, seq: 10, exchangeTime: 5_000, receivedAt: 1 } });
    const r2 = s.handleFrame(sbe({ kind: 'delta', seq: 11, bids: [{ price: 100, size: 0 }], asks: [{ price: 101, size: 4 }] }), true, 2);
    expect(r2).toMatchObject({ type: 'book', book: { bids: [{ price: 99, size: 2 }], asks: [{ price: 101, size: 4 }, asks[1]], seq: 11 } });
    expect(s.stats).toMatchObject({ frames: 2, decodeErrors: 0, resyncs: 0 });
  });

  it('drops deltas that arrive before the first snapshot', () => {
    const s = new ParadexBookState(M);
    expect(s.handleFrame(sbe({ kind: 'delta', seq: 11 }), true, 1)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(sbe({ seq: 12 }), true, 2)).toMatchObject({ type: 'book', book: { seq: 12 } });
  });

  it.each([
    ['a skipped seq', 12],
    ['a repeated seq', 10],
    ['an older seq', 3],
  ])('invalidates the book on %s and emits nothing until the next snapshot', (_what, badSeq) => {
    const s = new ParadexBookState(M);
    s.handleFrame(sbe({}), true, 1);
    expect(s.handleFrame(sbe({ kind: 'delta', seq: badSeq }), true, 2)).toMatchObject({ type: 'resync', reason: expect.stringMatching(/gap/) });
    expect(s.stats.resyncs).toBe(1);
    // The delta that would have followed is not applied to the broken book.
    expect(s.handleFrame(sbe({ kind: 'delta', seq: badSeq + 1 }), true, 3)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(sbe({ seq: 50, bids: [{ price: 1, size: 1 }], asks: [] }), true, 4)).toMatchObject({
      type: 'book',
      book: { bids: [{ price: 1, size: 1 }], asks: [], seq: 50 },
    });
  });

  it('on the snapshot channel, drops a snapshot whose seq is not newer than the last one', () => {
    const s = new ParadexBookState(M);
    s.handleFrame(sbe({ seq: 20 }), true, 1);
    expect(s.handleFrame(sbe({ seq: 20, bids: [] }), true, 2)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(sbe({ seq: 19, bids: [] }), true, 3)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(sbe({ seq: 21, bids: [] }), true, 4)).toMatchObject({ type: 'book', book: { bids: [], seq: 21 } });
  });

  it('never emits a crossed book: it asks for a resync instead', () => {
    const s = new ParadexBookState(M);
    s.handleFrame(sbe({}), true, 1);
    expect(s.handleFrame(sbe({ kind: 'delta', seq: 11, bids: [{ price: 101.5, size: 1 }], asks: [] }), true, 2)).toMatchObject({
      type: 'resync',
      reason: expect.stringMatching(/crossed/),
    });
  });

  it('ignores heartbeats and other markets, counts junk as decode errors, and forgets the book on reset', () => {
    const s = new ParadexBookState(M);
    expect(s.handleFrame(encodeSbeHeartbeat(5_000_000, 1), true, 1)).toEqual({ type: 'heartbeat', exchangeTime: 5_000 });
    expect(s.handleFrame(sbe({ market: 'ETH-USD-PERP' }), true, 1)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(sbe({}).subarray(0, 40), true, 1)).toMatchObject({ type: 'malformed' });
    expect(s.handleFrame(Buffer.from('{"nope'), false, 1)).toMatchObject({ type: 'malformed' });
    expect(s.stats.decodeErrors).toBe(2);
    s.handleFrame(sbe({}), true, 1);
    s.reset();
    expect(s.handleFrame(sbe({ kind: 'delta', seq: 11 }), true, 2)).toMatchObject({ type: 'ignored' });
  });

  it('keeps JSON frames to the same rules and reads acks and error replies', () => {
    const s = new ParadexBookState(M);
    expect(s.handleFrame(json({}), false, 1)).toMatchObject({ type: 'book', book: { bids, asks, seq: 10, exchangeTime: 5_000 } });
    expect(s.handleFrame(json({ kind: 'delta', seq: 11, asks: [{ price: 101, size: 0 }] }), false, 2)).toMatchObject({
      type: 'book',
      book: { asks: [asks[1]] },
    });
    expect(s.handleFrame(json({ kind: 'delta', seq: 13 }), false, 3)).toMatchObject({ type: 'resync' });
    expect(s.handleFrame(Buffer.from('{"jsonrpc":"2.0","result":{"channel":"c"},"id":1}'), false, 4)).toEqual({ type: 'ack', id: 1, channel: 'c' });
    expect(s.handleFrame(Buffer.from('{"jsonrpc":"2.0","error":{"code":-32600,"message":"m"},"id":2}'), false, 5)).toMatchObject({
      type: 'error',
      code: -32600,
    });
  });

  it('emits at most `depth` levels per side', () => {
    const many = Array.from({ length: 80 }, (_, i) => ({ price: 1000 - i, size: 1 }));
    const s = new ParadexBookState(M, undefined, 50);
    const r = s.handleFrame(sbe({ bids: many, asks: [] }), true, 1);
    expect(r.type === 'book' && r.book.bids.length).toBe(50);
  });
});

describe('Paradex decoders on deep and lopsided books', () => {
  /**
   * One scenario: a snapshot then deltas, on a book of up to 1,000 levels a side, either side the larger.
   * Bids sit below the mid and asks above it (so the book never crosses); each frame names a price at
   * most once per side, so JSON's "deletes first" order and SBE's single list mean the same change.
   */
  interface Scenario {
    readonly frames: ReadonlyArray<{ kind: 'snapshot' | 'delta'; bids: Level[]; asks: Level[] }>;
  }

  const MID_TICKS = 950_000; // 95,000.0 at a 0.1 tick
  const priceOf = (side: 'bid' | 'ask', offset: number): number => (side === 'bid' ? MID_TICKS - offset : MID_TICKS + offset) / 10;
  const sizeOf = (rng: Rng): number => rng.int(1, 5_000_000) / 100_000;

  function scenario(seed: number, bidLevels: number, askLevels: number, deltas: number, bigDelta: number): Scenario {
    const rng = createRng(seed);
    const book = { bid: new Map<number, number>(), ask: new Map<number, number>() };
    const fill = (side: 'bid' | 'ask', n: number): void => {
      while (book[side].size < n) book[side].set(rng.int(1, 3_000), sizeOf(rng));
    };
    fill('bid', bidLevels);
    fill('ask', askLevels);
    const levels = (side: 'bid' | 'ask', m: Map<number, number>): Level[] =>
      [...m.entries()].sort((x, y) => x[0] - y[0]).map(([offset, size]) => ({ price: priceOf(side, offset), size }));
    const frames: Scenario['frames'][number][] = [{ kind: 'snapshot', bids: levels('bid', book.bid), asks: levels('ask', book.ask) }];
    for (let d = 0; d < deltas; d++) {
      const change = { bid: new Map<number, number>(), ask: new Map<number, number>() };
      for (const side of ['bid', 'ask'] as const) {
        // Now and then one delta rewrites hundreds of levels of one side (a sweep, a re-quote).
        const n = d === bigDelta && side === (seed & 1 ? 'bid' : 'ask') ? rng.int(300, 1_000) : rng.int(0, 40);
        const existing = [...book[side].keys()];
        for (let i = 0; i < n; i++) {
          const r = rng.next();
          const offset = r < 0.35 && existing.length > 0 ? existing[rng.int(0, existing.length - 1)]! : rng.int(1, 3_000);
          const size = r < 0.2 && book[side].has(offset) ? 0 : sizeOf(rng);
          change[side].set(offset, size);
        }
        for (const [offset, size] of change[side]) {
          if (size === 0) book[side].delete(offset);
          else book[side].set(offset, size);
        }
      }
      frames.push({ kind: 'delta', bids: levels('bid', change.bid), asks: levels('ask', change.ask) });
    }
    return { frames };
  }

  /** A book as one line of text: comparing two 1,000-level books this way is ~50× faster than toEqual, with the same verdict. */
  const text = (b: { bids: readonly Level[]; asks: readonly Level[] }): string =>
    `bids ${b.bids.map((l) => `${l.price}@${l.size}`).join(' ')} | asks ${b.asks.map((l) => `${l.price}@${l.size}`).join(' ')}`;

  const lopsided = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 60, max: 130 }), fc.integer({ min: 900, max: 1_000 }), fc.integer({ min: 0, max: 1_000 }));
  const scenarioArb = fc
    .record({ seed: fc.integer(), bids: lopsided, asks: lopsided, deltas: fc.integer({ min: 0, max: 12 }), bigDelta: fc.integer({ min: -1, max: 12 }) })
    .filter((s) => s.bids !== s.asks);

  it('SBE and JSON build the same book as an independent reading of the frames, snapshot then deltas', () => {
    fc.assert(
      fc.property(scenarioArb, ({ seed, bids: nb, asks: na, deltas, bigDelta }) => {
        const { frames } = scenario(seed, nb, na, deltas, bigDelta);
        // One client state per encoding, as one connection would hold; whole books, not the top 50.
        const sbeState = new ParadexBookState(M, undefined, 10_000);
        const jsonState = new ParadexBookState(M, undefined, 10_000);
        const fromSbe = new ReferenceBook();
        const fromJson = new ReferenceBook();
        frames.forEach((f, i) => {
          const seq = 500 + i;
          const tsMs = 1_767_225_600_000 + i * 100;
          const sbeFrame = encodeSbeBook({ market: M, seq, ts: tsMs * 1000, kind: f.kind, bids: f.bids, asks: f.asks });
          const jsonText = encodeParadexBookPush({ channel: `order_book.${M}.deltas`, market: M, seq, ts: tsMs, kind: f.kind, bids: f.bids, asks: f.asks });
          const sbeFrameRead = readSbeBookFrame(sbeFrame);
          const jsonFrameRead = readJsonBookFrame(jsonText);
          expect({ seq: sbeFrameRead.seq, tsMs: sbeFrameRead.tsMs, kind: sbeFrameRead.kind }).toEqual({ seq, tsMs, kind: f.kind });
          fromSbe.apply(sbeFrameRead);
          fromJson.apply(jsonFrameRead);
          const expected = text(fromSbe.levels());
          expect(text(fromJson.levels())).toBe(expected);

          const viaSbe = sbeState.handleFrame(sbeFrame, true, i);
          const viaJson = jsonState.handleFrame(Buffer.from(jsonText), false, i);
          if (viaSbe.type !== 'book' || viaJson.type !== 'book') throw new Error(`frame ${i}: ${viaSbe.type} / ${viaJson.type}`);
          expect(text(viaSbe.book)).toBe(expected);
          expect(text(viaJson.book)).toBe(expected);
          expect(viaSbe.book.exchangeTime).toBe(tsMs);
          expect(viaJson.book.exchangeTime).toBe(tsMs);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('keeps all 10 bids of a valid snapshot with 10 bids and 100 asks, and the right best bid after deltas (SBE)', () => {
    const tenBids = Array.from({ length: 10 }, (_, i) => ({ price: 100 - i, size: 1 + i }));
    const hundredAsks = Array.from({ length: 100 }, (_, i) => ({ price: 101 + i, size: 2 }));
    const s = new ParadexBookState(M, undefined, 1_000);
    const snap = s.handleFrame(sbe({ seq: 1, bids: tenBids, asks: hundredAsks }), true, 1);
    expect(snap.type === 'book' && { bids: snap.book.bids, asks: snap.book.asks.length, stale: snap.book.stale }).toEqual({
      bids: tenBids,
      asks: 100,
      stale: undefined,
    });
    const delta = s.handleFrame(sbe({ kind: 'delta', seq: 2, bids: [{ price: 100, size: 0 }], asks: [{ price: 101, size: 5 }] }), true, 2);
    expect(delta.type === 'book' && { bestBid: delta.book.bids[0], bidCount: delta.book.bids.length }).toEqual({ bestBid: tenBids[1], bidCount: 9 });
  });
});

describe('Paradex connection settings', () => {
  it('asks for SBE schema 1 in the URL only when SBE is wanted', () => {
    expect(paradexWsUrl('wss://ws.api.prod.paradex.trade/v1', 'sbe')).toBe('wss://ws.api.prod.paradex.trade/v1?sbeSchemaId=1&sbeSchemaVersion=1');
    expect(paradexWsUrl('wss://ws.api.prod.paradex.trade/v1', 'json')).toBe('wss://ws.api.prod.paradex.trade/v1');
  });

  it('names the channels as venues.md documents them, bare deltas first', () => {
    expect(paradexBookChannels(M, 'deltas')).toEqual([`order_book.${M}.deltas`, `order_book.${M}.deltas@15@100ms`]);
    expect(paradexBookChannels(M, 'snapshot', '50ms')).toEqual([`order_book.${M}.snapshot@15@50ms`]);
  });
});

// --- client over a scripted socket ----------------------------------------------------------------

describe('Paradex client over a scripted socket', () => {
  let sockets: FakeSocket[];
  let rec: Recorder | undefined;
  const fakeFeed = (o: Partial<ParadexBookOptions> = {}) =>
    paradexBookFeed({
      market: M,
      wsUrl: 'ws://fake/v1',
      reconnect: { initialMs: 1, maxMs: 2 },
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      ...o,
    });
  beforeEach(() => {
    sockets = [];
  });
  afterEach(() => rec?.stop());

  it('subscribes on open and ignores late frames from a socket it has already replaced', async () => {
    const feed = fakeFeed();
    rec = record(feed);
    const first = sockets[0]!;
    expect(first.url).toBe('ws://fake/v1?sbeSchemaId=1&sbeSchemaVersion=1');
    first.open();
    expect(first.sentJson()[0]).toMatchObject({ method: 'subscribe', params: { channel: `order_book.${M}.deltas` } });
    first.frame(sbe({}));
    expect(rec.books).toHaveLength(1);

    first.drop();
    expect(feed.stats.reconnects).toBe(1);
    expect(rec.eventsOf('FEED_RECONNECT')).toHaveLength(1);
    const framesBefore = feed.stats.frames;
    first.frame(sbe({ kind: 'delta', seq: 11, bids: [{ price: 100, size: 7 }] }));
    expect(feed.stats.frames).toBe(framesBefore);

    await waitFor(() => sockets.length === 2, 'a new socket');
    const second = sockets[1]!;
    second.open();
    // A delta on the new socket before its snapshot must not touch the (reset) book.
    second.frame(sbe({ kind: 'delta', seq: 11, bids: [{ price: 100, size: 7 }] }));
    second.frame(sbe({ seq: 30, bids: [{ price: 90, size: 1 }], asks: [{ price: 91, size: 1 }] }));
    expect(rec.last()).toMatchObject({ bids: [{ price: 90, size: 1 }], asks: [{ price: 91, size: 1 }], seq: 30 });
    expect(rec.books.filter((b) => !b.stale).some((b) => b.bids.some((l) => l.size === 7))).toBe(false);
  });

  it('backs off exponentially from 250 ms to a 5 s cap with jitter, and starts over after good data', async () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelayMs(n, 250, 5_000, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoffDelayMs(1, 250, 5_000, () => 0)).toBe(188);
    expect(backoffDelayMs(1, 250, 5_000, () => 0.999)).toBeLessThanOrEqual(313);
    expect(backoffDelayMs(8, 250, 5_000, () => 0.999)).toBe(5_000);

    const feed = fakeFeed();
    rec = record(feed);
    const r = rec;
    for (let n = 1; n <= 3; n++) {
      sockets[n - 1]!.drop();
      await waitFor(() => sockets.length === n + 1, `socket ${n + 1}`);
    }
    expect(r.eventsOf('FEED_RECONNECT').map((e) => (e.type === 'FEED_RECONNECT' ? e.attempt : 0))).toEqual([1, 2, 3]);
    const s = sockets[3]!;
    s.open();
    s.frame(sbe({}));
    s.drop();
    expect(r.eventsOf('FEED_RECONNECT').map((e) => (e.type === 'FEED_RECONNECT' ? e.attempt : 0))).toEqual([1, 2, 3, 1]);
  });

  it('tries the other deltas spelling when the venue answers -32600 to the first', () => {
    const feed = fakeFeed();
    rec = record(feed);
    const s = sockets[0]!;
    s.open();
    const firstId = s.sentJson()[0]!.id;
    s.frame(`{"jsonrpc":"2.0","error":{"code":-32600,"message":"invalid subscribe request","data":"invalid channel"},"id":${firstId}}`);
    expect(s.sentJson()[1]).toMatchObject({ method: 'subscribe', params: { channel: `order_book.${M}.deltas@15@100ms` } });
    expect(feed.stats.decodeErrors).toBe(0);
  });

  it('after a gap, unsubscribes and subscribes again to get a fresh snapshot', () => {
    const feed = fakeFeed();
    rec = record(feed);
    const s = sockets[0]!;
    s.open();
    s.frame(sbe({}));
    s.frame(sbe({ kind: 'delta', seq: 12 }));
    expect(rec.eventsOf('FEED_RESYNC')).toHaveLength(1);
    expect(s.sentJson().slice(1)).toMatchObject([
      { method: 'unsubscribe', params: { channel: `order_book.${M}.deltas` } },
      { method: 'subscribe', params: { channel: `order_book.${M}.deltas` } },
    ]);
    // The book consumers hold is flagged stale at once: it is known to be missing an update.
    expect(rec.last()).toMatchObject({ stale: true, seq: 10 });
  });

  it('closes the socket when the last subscriber leaves, and then opens nothing more', async () => {
    const feed = fakeFeed();
    const a = feed.book$.subscribe();
    const b = feed.book$.subscribe();
    expect(sockets).toHaveLength(1);
    a.unsubscribe();
    expect(sockets[0]!.terminated).toBe(false);
    b.unsubscribe();
    expect(sockets[0]!.terminated).toBe(true);
    sockets[0]!.drop();
    await sleep(20);
    expect(sockets).toHaveLength(1);
  });

  it('flags a feed late from its very first frame once the venue clock is read, and fresh when frames come on time', async () => {
    const T0 = 1_767_225_600_000;
    const offset = 250; // the local clock runs 250 ms ahead of the venue's
    let clock = T0;
    const feed = fakeFeed({ now: () => clock, maxLagMs: 2_000, serverTime: async () => clock - offset });
    rec = record(feed);
    const r = rec;
    const s = sockets[0]!;
    s.open();
    await sleep(0); // the venue clock answers
    let seq = 10;
    // Every frame, from the snapshot on, was stamped 6 s before it arrives.
    const lateFrame = (kind: 'snapshot' | 'delta'): Uint8Array => sbe({ seq: seq++, kind, ts: (clock - offset - 6_000) * 1000, ...(kind === 'delta' ? { bids: [], asks: [] } : {}) });
    s.frame(lateFrame('snapshot'));
    clock += 100;
    s.frame(lateFrame('delta'));
    expect(r.eventsOf('FEED_STALE')).toEqual([
      expect.objectContaining({ venue: 'paradex', symbol: M, reason: 'lagging 6000 ms behind the venue clock', lagMs: 6_000 }),
    ]);
    expect(r.last()).toMatchObject({ stale: true, seq: 11 });
    clock += 100;
    s.frame(lateFrame('delta'));
    expect(r.last()).toMatchObject({ stale: true, seq: 12 });
    expect(r.books.map((b) => b.stale)).toEqual([true, true, true]); // not one late book went out unflagged
    // On time again (20 ms in transit): fresh.
    clock += 100;
    s.frame(sbe({ seq: seq++, kind: 'delta', bids: [], asks: [], ts: (clock - offset - 20) * 1000 }));
    expect(feed.stats).toMatchObject({ stale: false, lagMs: 20 });
    expect(r.eventsOf('FEED_FRESH')).toHaveLength(1);
    expect(r.last()).toMatchObject({ seq: 13 });
    expect(r.last()!.stale).toBeUndefined();
  });

  it('judges lag from heartbeats too, and from the feed alone when the venue clock cannot be read', async () => {
    const T0 = 1_767_225_600_000;
    let clock = T0;
    const feed = fakeFeed({ now: () => clock, maxLagMs: 2_000, serverTime: () => Promise.reject(new Error('HTTP 503')) });
    rec = record(feed);
    const s = sockets[0]!;
    s.open();
    await sleep(0);
    s.frame(sbe({ seq: 10, ts: (clock - 30) * 1000 }));
    clock += 100;
    s.frame(sbe({ seq: 11, kind: 'delta', bids: [], asks: [], ts: (clock - 30) * 1000 }));
    expect(feed.stats).toMatchObject({ stale: false, lagMs: 0 });
    // A heartbeat stamped 5 s ago: the connection now delivers 5 s late (relative to its fresh start).
    clock += 100;
    s.frame(encodeSbeHeartbeat((clock - 5_030) * 1000, 1));
    expect(feed.stats).toMatchObject({ stale: true, lagMs: 5_000 });
  });

  it('counts a frame whose handling throws as a decode error instead of crashing', () => {
    let clockBroken = false;
    const feed = fakeFeed({
      now: () => {
        if (clockBroken) throw new Error('clock failed');
        return Date.now();
      },
    });
    rec = record(feed);
    const s = sockets[0]!;
    s.open();
    clockBroken = true;
    expect(() => s.frame(sbe({}))).not.toThrow();
    clockBroken = false;
    expect(feed.stats.decodeErrors).toBe(1);
    s.frame(sbe({ seq: 11 }));
    expect(rec.last()).toMatchObject({ seq: 11 });
  });
});

// --- client against the simulated venue -------------------------------------------------------------

describe('Paradex client against the simulated venue', () => {
  let sim: SimVenues;
  let rec: Recorder | undefined;
  beforeEach(async () => {
    sim = await startSimVenues({ updateIntervalMs: 0, seed: 7 });
  });
  afterEach(async () => {
    rec?.stop();
    rec = undefined;
    await sim.close();
  });

  const feedOf = (o: Partial<ParadexBookOptions>) =>
    paradexBookFeed({ market: M, wsUrl: sim.paradex.ws, reconnect: { initialMs: 10, maxMs: 50 }, ...o });
  const expected = (depth: number) => top(sim.market.book('paradex', M), depth);

  it.each([
    ['sbe', 'deltas', 100],
    ['sbe', 'snapshot', 15],
    ['json', 'deltas', 100],
    ['json', 'snapshot', 15],
  ] as const)('keeps the same book as the venue over many updates (%s, %s channel)', async (encoding, channel, depth) => {
    const feed = feedOf({ encoding, channel });
    rec = record(feed);
    const r = rec;
    await waitFor(() => sameLevels(r.last(), expected(depth)), 'the first book');
    for (let i = 0; i < 25; i++) {
      sim.market.step();
      await waitFor(() => sameLevels(r.last(), expected(depth)), `the book after step ${i + 1}`, 4000, () => ({ got: top(r.last(), 2), want: top(sim.market.book('paradex', M), 2) }));
    }
    expect(r.last()!.bids.length).toBeGreaterThan(0);
    expect(r.last()!.exchangeTime).toBe(sim.market.book('paradex', M)!.exchangeTime);
    expect(feed.stats).toMatchObject({ decodeErrors: 0, resyncs: 0, reconnects: 0, stale: false });
    expect(feed.stats.frames).toBeGreaterThan(25);
  });

  it.each([
    ['a skipped sequence number', (s: SimVenues) => s.faults.skipSeq()],
    ['a repeated frame', (s: SimVenues) => s.faults.duplicateSeq()],
    ['two frames swapped', (s: SimVenues) => s.faults.reorderSeq()],
  ])('recovers from %s with FEED_RESYNC and a correct book again', async (_what, fault) => {
    const feed = feedOf({});
    rec = record(feed);
    const r = rec;
    await waitFor(() => sameLevels(r.last(), expected(100)), 'the first book');
    fault(sim);
    sim.market.step(3);
    await waitFor(() => feed.stats.resyncs >= 1, 'a resync');
    expect(r.eventsOf('FEED_RESYNC').length).toBeGreaterThanOrEqual(1);
    await waitFor(() => sameLevels(r.last(), expected(100)) && !r.last()!.stale, 'the book after the resync', 4000);
    sim.market.step(3);
    await waitFor(() => sameLevels(r.last(), expected(100)), 'the book after more updates');
  });

  it('reconnects after a dropped connection with the book rebuilt from scratch', async () => {
    const feed = feedOf({ reconnect: { initialMs: 150, maxMs: 300 } });
    rec = record(feed);
    const r = rec;
    await waitFor(() => sameLevels(r.last(), expected(100)), 'the first book');
    sim.faults.dropConnections('paradex');
    await waitFor(() => feed.stats.reconnects === 1, 'the drop to be seen');
    // Updates the client misses while it is away: merging the old book would be wrong now.
    sim.market.step(5);
    await waitFor(() => sameLevels(r.last(), expected(100)) && !r.last()!.stale, 'the book after reconnecting');
    expect(r.eventsOf('FEED_RECONNECT')).toHaveLength(1);
    expect(r.eventsOf('FEED_STALE')).toHaveLength(1);
    expect(r.eventsOf('FEED_FRESH')).toHaveLength(1);
  });

  it('flags the book stale when updates stop, and fresh again when they resume', async () => {
    const feed = feedOf({ staleAfterMs: 150 });
    rec = record(feed);
    const r = rec;
    await waitFor(() => r.books.length > 0, 'the first book');
    const lastUpdate = feed.stats.lastUpdateAt;
    await waitFor(() => feed.stats.stale, 'staleness', 1000);
    const stale = r.eventsOf('FEED_STALE')[0]!;
    expect(stale).toMatchObject({ reason: 'no updates' });
    expect(stale.time - lastUpdate).toBeGreaterThanOrEqual(150);
    expect(stale.time - lastUpdate).toBeLessThan(600);
    expect(r.last()).toMatchObject({ stale: true });
    sim.market.step();
    await waitFor(() => !feed.stats.stale, 'fresh data');
    expect(r.eventsOf('FEED_FRESH')).toHaveLength(1);
    expect(r.last()!.stale).toBeUndefined();
    expect(sameLevels(r.last(), expected(100))).toBe(true);
  });

  it('counts malformed frames and keeps going', async () => {
    const warnings: string[] = [];
    const feed = feedOf({ logger: { warn: (msg) => warnings.push(msg) } });
    rec = record(feed);
    const r = rec;
    let errored = false;
    const sub = feed.book$.subscribe({ error: () => (errored = true) });
    await waitFor(() => r.books.length > 0, 'the first book');
    sim.faults.sendMalformed('paradex', 'garbage', 1);
    sim.market.step();
    sim.faults.sendMalformed('paradex', 'truncated', 1);
    sim.market.step();
    await waitFor(() => feed.stats.decodeErrors === 2, 'two decode errors');
    sim.market.step();
    await waitFor(() => sameLevels(r.last(), expected(100)) && !r.last()!.stale, 'a correct book again');
    expect(errored).toBe(false);
    // Rate limited: two bad frames in a row give one warning.
    expect(warnings.filter((w) => /malformed/.test(w))).toHaveLength(1);
    sub.unsubscribe();
  });
});

describe('Paradex keep-alive', () => {
  it('answers the venue pings, so a quiet connection stays up', async () => {
    const sim = await startSimVenues({ updateIntervalMs: 0, pingIntervalMs: 40, pongTimeoutMs: 40, heartbeatIntervalMs: 60 });
    const feed = paradexBookFeed({ market: M, wsUrl: sim.paradex.ws, staleAfterMs: 10_000 });
    const rec = record(feed);
    try {
      await waitFor(() => rec.books.length > 0, 'the first book');
      await sleep(400);
      expect(feed.stats.reconnects).toBe(0);
      // Heartbeats arrived and were dropped, not counted as errors.
      expect(feed.stats.frames).toBeGreaterThan(2);
      expect(feed.stats.decodeErrors).toBe(0);
    } finally {
      rec.stop();
      await sim.close();
    }
  });

  it('treats a socket that goes silent as dead and reconnects', async () => {
    const sockets: FakeSocket[] = [];
    const feed = paradexBookFeed({
      market: M,
      wsUrl: 'ws://fake/v1',
      idleTimeoutMs: 50,
      reconnect: { initialMs: 1, maxMs: 2 },
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    const rec = record(feed);
    try {
      sockets[0]!.open();
      await waitFor(() => feed.stats.reconnects === 1, 'a reconnect', 1000);
      expect(sockets[0]!.terminated).toBe(true);
      expect(rec.eventsOf('FEED_RECONNECT')[0]).toMatchObject({ reason: expect.stringMatching(/no data/) });
    } finally {
      rec.stop();
    }
  });
});
