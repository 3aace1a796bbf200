import { startSimVenues, type SimVenues } from '../../../src/sim/index';
import { VestBookState, vestBookFeed, type VestBookOptions } from '../../../src/venues/vest/book-client';
import { encodeVestDepth } from '../../../src/venues/vest/codec';
import { FakeSocket, record, sameLevels, sleep, top, waitFor, type Recorder } from '../paradex/feed-test-kit';

const S = 'BTC-PERP';
const frame = (text: string): Uint8Array => Buffer.from(text);

describe('Vest book state (frame handler)', () => {
  it('replaces the whole book with each depth message, sorted, stamped with the receive time', () => {
    const s = new VestBookState(S);
    const r1 = s.handleFrame(
      frame(encodeVestDepth(S, [{ price: 99, size: 1 }, { price: 100, size: 2 }], [{ price: 102, size: 1 }, { price: 101, size: 3 }])),
      false,
      7,
    );
    expect(r1).toEqual({
      type: 'book',
      book: { bids: [{ price: 100, size: 2 }, { price: 99, size: 1 }], asks: [{ price: 101, size: 3 }, { price: 102, size: 1 }], receivedAt: 7 },
    });
    const r2 = s.handleFrame(frame(encodeVestDepth(S, [{ price: 98, size: 1 }], [])), false, 8);
    expect(r2).toEqual({ type: 'book', book: { bids: [{ price: 98, size: 1 }], asks: [], receivedAt: 8 } });
  });

  it('ignores other symbols and crossed books, reads PONG and replies, and counts junk', () => {
    const s = new VestBookState(S);
    expect(s.handleFrame(frame(encodeVestDepth('ETH-PERP', [], [])), false, 1)).toMatchObject({ type: 'ignored' });
    expect(s.handleFrame(frame(encodeVestDepth(S, [{ price: 10, size: 1 }], [{ price: 9, size: 1 }])), false, 1)).toMatchObject({
      type: 'ignored',
      reason: 'crossed book',
    });
    expect(s.handleFrame(frame('{"data":"pong"}'), false, 1)).toEqual({ type: 'pong' });
    expect(s.handleFrame(frame('{"result":null,"id":1}'), false, 1)).toEqual({ type: 'reply', id: 1 });
    expect(s.handleFrame(frame('{"channel":"BTC-PERP@depth","data":{"bids":[["x","1"]],"asks":[]}}'), false, 1)).toMatchObject({ type: 'malformed' });
    expect(s.handleFrame(new Uint8Array([1, 2]), true, 1)).toMatchObject({ type: 'malformed' });
    expect(s.stats).toMatchObject({ frames: 6, decodeErrors: 2 });
  });

  it('emits at most `depth` levels per side', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ price: 1000 - i, size: 1 }));
    const r = new VestBookState(S, undefined, 20).handleFrame(frame(encodeVestDepth(S, many, [])), false, 1);
    expect(r.type === 'book' && r.book.bids.length).toBe(20);
  });
});

describe('Vest client over a scripted socket', () => {
  let sockets: FakeSocket[];
  let rec: Recorder | undefined;
  const fakeFeed = (o: Partial<VestBookOptions> = {}) =>
    vestBookFeed({
      symbol: S,
      wsUrl: 'ws://fake/ws-api?version=1.0&xwebsocketserver=restserver0',
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

  it('subscribes to SYM@depth on open and PINGs on its interval', async () => {
    rec = record(fakeFeed({ pingIntervalMs: 20, pongTimeoutMs: 1000 }));
    const s = sockets[0]!;
    s.open();
    expect(s.sentJson()[0]).toMatchObject({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'] });
    await waitFor(() => s.sentJson().filter((m) => m.method === 'PING').length >= 2, 'two PINGs', 1000);
    expect(s.sentJson().find((m) => m.method === 'PING')).toMatchObject({ params: [] });
  });

  it('reconnects when a PING gets no PONG in time, and not while PONGs come back', async () => {
    const feed = fakeFeed({ pingIntervalMs: 20, pongTimeoutMs: 60 });
    rec = record(feed);
    const s = sockets[0]!;
    s.open();
    const answering = setInterval(() => s.frame('{"data":"PONG"}'), 10);
    await sleep(150);
    clearInterval(answering);
    expect(feed.stats.reconnects).toBe(0);
    await waitFor(() => feed.stats.reconnects === 1, 'a reconnect after PONGs stop', 1000);
    expect(s.terminated).toBe(true);
    expect(rec.eventsOf('FEED_RECONNECT')[0]).toMatchObject({ venue: 'vest', reason: expect.stringMatching(/PONG/) });
  });

  it("flags the book stale while the feed shows the venue's REST book late, naming the lag, and fresh once it catches up", async () => {
    const T0 = 1_767_225_600_000;
    let clock = T0;
    const venueBook = (mid: number) => ({ bids: [{ price: mid - 1, size: 1 }], asks: [{ price: mid + 1, size: 2 }] });
    let venue = venueBook(100);
    const feed = fakeFeed({ now: () => clock, maxLagMs: 300, probeIntervalMs: 5, probeDepth: async () => venue });
    rec = record(feed);
    const r = rec;
    const s = sockets[0]!;
    const push = (b: ReturnType<typeof venueBook>): void => s.frame(encodeVestDepth(S, b.bids, b.asks));
    s.open();
    push(venue);
    await sleep(30);
    expect(feed.stats.lagMs).toBe(0);

    // The venue moves on at T0+100; the feed keeps delivering the old book (its frames are late).
    venue = venueBook(101);
    clock = T0 + 100;
    await sleep(30);
    clock = T0 + 350;
    push(venueBook(100));
    expect(feed.stats).toMatchObject({ stale: false, lagMs: 250 });
    clock = T0 + 550;
    push(venueBook(100));
    expect(r.eventsOf('FEED_STALE')).toEqual([
      expect.objectContaining({ venue: 'vest', symbol: S, reason: 'lagging 450 ms behind the venue clock', lagMs: 450, ageMs: 450 }),
    ]);
    expect(r.last()).toMatchObject({ stale: true });

    // The venue's book of T0+100 reaches the feed a second later: a measured lag of 1,000 ms.
    clock = T0 + 1_100;
    push(venueBook(101));
    expect(feed.stats.lagMs).toBe(1_000);
    expect(r.last()).toMatchObject({ stale: true, bids: venueBook(101).bids });

    // Caught up: the next probe finds the feed showing what REST shows.
    await sleep(30);
    expect(feed.stats).toMatchObject({ stale: false, lagMs: 0 });
    expect(r.eventsOf('FEED_FRESH')).toHaveLength(1);
    expect(r.last()!.stale).toBeUndefined();
  });
});

describe('Vest client against the simulated venue', () => {
  let sim: SimVenues;
  let rec: Recorder | undefined;
  beforeEach(async () => {
    sim = await startSimVenues({ updateIntervalMs: 0, seed: 3 });
  });
  afterEach(async () => {
    rec?.stop();
    rec = undefined;
    await sim.close();
  });
  const feedOf = (o: Partial<VestBookOptions> = {}) => vestBookFeed({ symbol: S, wsUrl: sim.vest.ws, reconnect: { initialMs: 10, maxMs: 50 }, ...o });
  const expected = () => top(sim.market.book('vest', S), 20);

  it('keeps the same top-20 book as the venue over many updates', async () => {
    const feed = feedOf();
    rec = record(feed);
    const r = rec;
    await waitFor(() => sameLevels(r.last(), expected()), 'the first book');
    for (let i = 0; i < 25; i++) {
      sim.market.step();
      await waitFor(() => sameLevels(r.last(), expected()), `the book after step ${i + 1}`);
    }
    expect(r.last()!.bids).toHaveLength(20);
    expect(feed.stats).toMatchObject({ decodeErrors: 0, reconnects: 0, stale: false });
  });

  it('keeps the connection while the venue answers each PING with PONG', async () => {
    const feed = feedOf({ pingIntervalMs: 20, pongTimeoutMs: 100 });
    rec = record(feed);
    const r = rec;
    await waitFor(() => r.books.length > 0, 'the first book');
    await sleep(300);
    expect(feed.stats.reconnects).toBe(0);
  });

  it('reconnects after a dropped connection and shows the venue book again', async () => {
    const feed = feedOf({ reconnect: { initialMs: 100, maxMs: 200 } });
    rec = record(feed);
    const r = rec;
    await waitFor(() => sameLevels(r.last(), expected()), 'the first book');
    sim.faults.dropConnections('vest');
    await waitFor(() => feed.stats.reconnects === 1, 'the drop to be seen');
    expect(r.last()!.stale).toBe(true);
    sim.market.step(3);
    await waitFor(() => sameLevels(r.last(), expected()) && !r.last()!.stale, 'the book after reconnecting');
    expect(r.eventsOf('FEED_RECONNECT')).toHaveLength(1);
  });

  it('flags the book stale when the feed pauses, and fresh when it resumes', async () => {
    const feed = feedOf({ staleAfterMs: 150 });
    rec = record(feed);
    const r = rec;
    await waitFor(() => r.books.length > 0, 'the first book');
    sim.faults.pauseFeed('vest');
    sim.market.step();
    await waitFor(() => feed.stats.stale, 'staleness', 1000);
    expect(r.last()).toMatchObject({ stale: true });
    expect(r.eventsOf('FEED_STALE')[0]).toMatchObject({ venue: 'vest', symbol: S, reason: 'no updates' });
    sim.faults.resumeFeed('vest');
    sim.market.step();
    await waitFor(() => !feed.stats.stale && sameLevels(r.last(), expected()), 'fresh data');
    expect(r.eventsOf('FEED_FRESH')).toHaveLength(1);
  });

  it('counts malformed depth messages and keeps the last good book', async () => {
    const feed = feedOf();
    rec = record(feed);
    const r = rec;
    await waitFor(() => r.books.length > 0, 'the first book');
    sim.faults.sendMalformed('vest', 'garbage', 1);
    sim.market.step();
    sim.faults.sendMalformed('vest', 'truncated', 1);
    sim.market.step();
    await waitFor(() => feed.stats.decodeErrors === 2, 'two decode errors');
    sim.market.step();
    await waitFor(() => sameLevels(r.last(), expected()), 'a correct book again');
  });
});
