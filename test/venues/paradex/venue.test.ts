import { firstValueFrom } from 'rxjs';
import { NO_ORDER_LATENCY, startSimVenues, type SimVenues } from '../../../src/sim';
import { DEFAULT_PARADEX_SETTLE_MS } from '../../../src/sim/paradex-exchange';
import { bestAsk, bestBid, vwap } from '../../../src/domain/order-book';
import type { FetchLike } from '../../../src/venues/http';
import * as signing from '../../../src/venues/paradex/signing';
import { newParadexAccount, paradexOrderHash, verifyParadexSignature } from '../../../src/venues/paradex/signing';
import { createParadexVenue, type ParadexVenue, type ParadexVenueOptions } from '../../../src/venues/paradex/venue';
import type { OrderRequest } from '../../../src/venues/venue';
import { record, waitFor } from './feed-test-kit';

// The sim as before its order-latency model (Paradex settles 5 ms after NEW, Vest at once): these tests time fills, not what they meet.
const FAST_FILLS = { ...NO_ORDER_LATENCY, paradexOrderDelayMs: DEFAULT_PARADEX_SETTLE_MS };

const SYMBOL = 'BTC-USD-PERP';
const CHAIN_ID = 'PRIVATE_SN_PARACLEAR_MAINNET';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;
  readonly at: number;
}

let sim: SimVenues | undefined;
const venues: ParadexVenue[] = [];
let clock = 0;

beforeEach(() => {
  clock = Date.now();
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const v of venues.splice(0)) await v.close();
  sim?.faults.trading.paradex.releaseAll();
  await sim?.close();
  sim = undefined;
});

function recordingFetch(sent: SentRequest[]): FetchLike {
  return (url, init) => {
    sent.push({
      method: init.method,
      path: new URL(url).pathname,
      headers: init.headers,
      body: init.body === undefined ? undefined : (JSON.parse(init.body) as Record<string, unknown>),
      at: clock,
    });
    return fetch(url, init);
  };
}

async function setup(extra: Partial<ParadexVenueOptions> = {}, settleDelayMs?: number) {
  sim = await startSimVenues({ updateIntervalMs: 0, now: () => clock, model: FAST_FILLS, ...(settleDelayMs !== undefined ? { paradexTrading: { settleDelayMs } } : {}) });
  const account = newParadexAccount();
  const sent: SentRequest[] = [];
  const venue = createParadexVenue({
    restUrl: sim.paradex.rest,
    wsUrl: sim.paradex.ws,
    account,
    onboard: true,
    now: () => clock,
    // Generous: a loaded 2-core CI box must not turn a slow answer into a lost one. The lost-answer test sets its own.
    requestTimeoutMs: 10_000,
    fetch: recordingFetch(sent),
    // Off unless a test is about it: its pings would change the request counts other tests check.
    keepWarmMs: 0,
    ...extra,
  });
  venues.push(venue);
  const book = () => {
    const b = sim?.market.book('paradex', SYMBOL);
    if (!b) throw new Error('sim has no Paradex book');
    return b;
  };
  return { sim, venue, account, sent, book };
}

function ioc(side: 'BUY' | 'SELL', size: number, price: number, extra: Partial<OrderRequest> = {}): OrderRequest {
  return { clientId: `c-${Math.random().toString(36).slice(2)}`, symbol: SYMBOL, side, type: 'MARKET', size, price, timeInForce: 'IOC', reduceOnly: false, ...extra };
}

const orderPosts = (sent: SentRequest[]) => sent.filter((r) => r.method === 'POST' && r.path === '/v1/orders');

function jwtExpiryMs(authorization: string | undefined): number {
  const payload = authorization?.replace(/^Bearer /, '').split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
  return claims.exp * 1000;
}

describe('Paradex venue against the simulated venue', () => {

  it('keeps its order connection warm with GET /system/config until closed', async () => {
    const { venue, sent } = await setup({ keepWarmMs: 20 });
    const pings = () => sent.filter((r) => r.method === 'GET' && r.path === '/v1/system/config').length;
    // Pings repeat every 20 ms; wait for three of them (with a generous deadline on a loaded machine).
    const deadline = Date.now() + 10_000;
    while (pings() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pings()).toBeGreaterThanOrEqual(3);
    await venue.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterClose = pings();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(pings()).toBe(afterClose);
  });
  it('loads the market rules, with the Pro taker fee, and rejects an unknown market', async () => {
    const { venue } = await setup();
    await expect(venue.market(SYMBOL)).resolves.toEqual({
      symbol: SYMBOL,
      tickSize: 0.1,
      sizeIncrement: 0.00001,
      priceDecimals: 1,
      sizeDecimals: 5,
      minNotional: 10,
      maxOrderSize: 100,
      takerFee: 0.00045,
    });
    await expect(venue.market('NOPE-USD-PERP')).rejects.toThrow(/no market NOPE-USD-PERP/);
  });

  it('fills a capped IOC buy and reports the real average price and the fee of its fills', async () => {
    // A configured fee unlike the venue's shows the fee comes from the fills, not an estimate.
    const { venue, book } = await setup({ takerFee: 0.01 });
    const ask = bestAsk(book())?.price ?? NaN;
    const expectedAvg = vwap(book(), 'ask', 0.05) ?? NaN;
    const outcome = await venue.placeOrder(ioc('BUY', 0.05, ask * 1.005));
    expect(outcome).toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.05 });
    if (!outcome.ok) return;
    expect(outcome.avgPrice).toBeCloseTo(expectedAvg, 1);
    expect(outcome.feeUsd).toBeCloseTo(0.05 * (outcome.avgPrice ?? 0) * 0.00045, 4);
    // The fills say what currency the fee is in (the simulated venue, as Paradex: USDC): the executor converts it.
    expect(outcome.feeCurrency).toBe('USDC');
  });

  it('with a fresh JWT, hands a prepared order to the wire within the submitOrder call (no promise hop first)', async () => {
    const { venue, sent, book } = await setup();
    await venue.positions(); // authenticated: the session holds a fresh JWT
    const prepared = await venue.prepareOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    const before = orderPosts(sent).length;
    const outcome = venue.submitOrder(prepared);
    expect(orderPosts(sent).length).toBe(before + 1);
    await expect(outcome).resolves.toMatchObject({ ok: true, status: 'FILLED' });
  });

  it('sends a capped MARKET request as LIMIT IOC at the cap, signing exactly the strings it sends', async () => {
    const { venue, account, sent, book } = await setup();
    const cap = (bestAsk(book())?.price ?? NaN) * 1.00537;
    await venue.placeOrder(ioc('BUY', 0.0123456, cap));
    const [post] = orderPosts(sent);
    const body = post?.body ?? {};
    expect(body).toMatchObject({ market: SYMBOL, side: 'BUY', type: 'LIMIT', instruction: 'IOC', size: '0.01234' });
    // A buy cap is rounded down to the tick: never pay more than asked.
    expect(body.price).toBe((Math.floor(cap * 10) / 10).toFixed(1));
    const hash = paradexOrderHash(
      { timestamp: body.signature_timestamp as number, market: SYMBOL, side: 'BUY', type: 'LIMIT', size: body.size as string, price: body.price as string },
      account.address,
      CHAIN_ID,
    );
    expect(verifyParadexSignature(hash, body.signature as string, account.publicKey)).toBe(true);
  });

  it('closes with a reduce-only MARKET order without a price when no cap is given', async () => {
    const { venue, sent, book } = await setup();
    await venue.placeOrder(ioc('BUY', 0.02, (bestAsk(book())?.price ?? NaN) * 1.01));
    const close = await venue.placeOrder(ioc('SELL', 0.02, 0, { reduceOnly: true }));
    expect(close).toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.02 });
    const body = orderPosts(sent)[1]?.body ?? {};
    expect(body).toMatchObject({ type: 'MARKET', flags: ['REDUCE_ONLY'] });
    expect(body).not.toHaveProperty('price');
    await expect(venue.positions()).resolves.toEqual([]);
  });

  it('returns a refused order as a value carrying the venue code', async () => {
    const { sim, venue, book } = await setup();
    sim.faults.trading.paradex.rejectNextOrders(1, 'ORDER_RATE_LIMIT');
    const outcome = await venue.placeOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(outcome).toMatchObject({ ok: false, code: 'ORDER_RATE_LIMIT', unknown: false });
  });

  it('reports an order the venue closes unfilled for a business reason as a rejection with that reason', async () => {
    const { venue, book } = await setup();
    const outcome = await venue.placeOrder(ioc('SELL', 0.01, (bestBid(book())?.price ?? NaN) * 0.995, { reduceOnly: true }));
    expect(outcome).toMatchObject({ ok: false, code: 'REDUCE_ONLY_WILL_INCREASE', unknown: false });
  });

  it('reports an IOC that finds nothing within its cap as CANCELLED with nothing filled', async () => {
    const { venue, book } = await setup();
    const outcome = await venue.placeOrder(ioc('BUY', 0.01, (bestBid(book())?.price ?? NaN) * 0.99));
    expect(outcome).toMatchObject({ ok: true, status: 'CANCELLED', filledSize: 0, avgPrice: undefined, feeUsd: 0 });
  });

  it('reports a partial fill with the size that filled and the rest cancelled', async () => {
    const { sim, venue, book } = await setup();
    sim.faults.trading.paradex.partialFillNext(0.5, 1);
    const outcome = await venue.placeOrder(ioc('BUY', 0.02, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(outcome).toMatchObject({ ok: true, status: 'PARTIALLY_FILLED', filledSize: 0.01 });
    if (outcome.ok) expect(outcome.feeUsd).toBeCloseTo(0.01 * (outcome.avgPrice ?? 0) * 0.00045, 4);
  });

  it('reports a lost answer as unknown, and then finds the executed order by client id', async () => {
    const { sim, venue, book } = await setup({ requestTimeoutMs: 1_000 });
    await venue.market(SYMBOL);
    await venue.positions(); // authenticated before the fault, so only the order is held
    sim.faults.trading.paradex.timeoutNextOrders(1);
    const request = ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005);
    const outcome = await venue.placeOrder(request);
    expect(outcome).toMatchObject({ ok: false, unknown: true, clientId: request.clientId });
    const found = await venue.orderByClientId(SYMBOL, request.clientId);
    expect(found).toMatchObject({ ok: true, clientId: request.clientId, status: 'FILLED', filledSize: 0.01 });
    await expect(venue.orderByClientId(SYMBOL, 'never-sent')).resolves.toBeUndefined();
  });

  it('is answered NEW by the venue and learns the fill by polling the order until the engine settles it', async () => {
    const replies: Record<string, unknown>[] = [];
    const sent: SentRequest[] = [];
    const inner = recordingFetch(sent);
    const { venue, book } = await setup(
      {
        fetch: async (url, init) => {
          const res = await inner(url, init);
          const text = await res.text();
          if (init.method === 'POST' && new URL(url).pathname === '/v1/orders') replies.push(JSON.parse(text) as Record<string, unknown>);
          return { status: res.status, text: async () => text };
        },
      },
      150,
    );
    const expectedAvg = vwap(book(), 'ask', 0.02) ?? NaN;
    const outcome = await venue.placeOrder(ioc('BUY', 0.02, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(replies).toEqual([expect.objectContaining({ status: 'NEW', remaining_size: '0.02000' })]);
    expect(outcome).toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.02 });
    if (outcome.ok) expect(outcome.avgPrice).toBeCloseTo(expectedAvg, 1);
    const polls = sent.filter((r) => r.method === 'GET' && r.path === `/v1/orders/${String(replies[0]?.id)}`);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    // Backing off: a handful of polls over 150 ms, not one every few ms.
    expect(polls.length).toBeLessThanOrEqual(10);
  });

  it('reports an order still queued at the end of its wait as NEW, and finds it filled by client id later', async () => {
    const { venue, book } = await setup({ fillWaitMs: 60 }, 400);
    const request = ioc('SELL', 0.01, (bestBid(book())?.price ?? NaN) * 0.995);
    const outcome = await venue.placeOrder(request);
    // Not final: the executor must look it up by client id rather than count it unfilled.
    expect(outcome).toMatchObject({ ok: true, status: 'NEW', filledSize: 0 });
    await expect(venue.positions()).resolves.toEqual([]);
    // The lookup waits for the engine (up to fillWaitMs); after the settlement delay it reads the fill.
    await new Promise((r) => setTimeout(r, 400));
    await expect(venue.orderByClientId(SYMBOL, request.clientId)).resolves.toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.01 });
    const [position] = await venue.positions();
    expect(position?.size).toBeCloseTo(-0.01, 8);
  });

  it('waits for a queued order it finds by client id to settle before reporting it', async () => {
    const { sim, venue, book, sent } = await setup({ requestTimeoutMs: 100 }, 400);
    await venue.market(SYMBOL);
    await venue.positions();
    sim.faults.trading.paradex.timeoutNextOrders(1); // the NEW answer is lost; the order is queued all the same
    const request = ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005);
    await expect(venue.placeOrder(request)).resolves.toMatchObject({ ok: false, unknown: true });
    // The lookup comes before the engine settled it: it reads NEW, then polls the order until CLOSED.
    await expect(venue.orderByClientId(SYMBOL, request.clientId)).resolves.toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.01 });
    const lookups = sent.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/orders/'));
    expect(lookups[0]?.path).toBe(`/v1/orders/by_client_id/${request.clientId}`);
    expect(lookups.length).toBeGreaterThanOrEqual(2);
  });

  it('reflects fills in signed positions and in the available margin', async () => {
    const { venue, book } = await setup();
    const marginBefore = await venue.availableMarginUsd();
    await venue.placeOrder(ioc('SELL', 0.03, (bestBid(book())?.price ?? NaN) * 0.995));
    await venue.placeOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005, { reduceOnly: true }));
    const positions = await venue.positions();
    expect(positions).toHaveLength(1);
    expect(positions[0]?.symbol).toBe(SYMBOL);
    expect(positions[0]?.size).toBeCloseTo(-0.02, 8);
    expect(positions[0]?.entryPrice).toBeGreaterThan(0);
    expect(await venue.availableMarginUsd()).toBeLessThan(marginBefore);
  });

  it('refreshes the JWT before it lapses and never sends an order with a lapsing token', async () => {
    const { venue, sent, book } = await setup({ jwtRefreshMarginMs: 120_000 });
    await venue.placeOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    const authCalls = () => sent.filter((r) => r.path.startsWith('/v1/auth')).length;
    expect(authCalls()).toBe(1);
    clock += 200_000; // 1 min 40 s of the 5 min left: inside the 2 min margin
    await venue.placeOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(authCalls()).toBe(2);
    for (const post of orderPosts(sent)) {
      expect(jwtExpiryMs(post.headers.authorization) - post.at).toBeGreaterThanOrEqual(120_000);
    }
  });

  it('sends a prepared order later without signing it again', async () => {
    const { venue, sent, book } = await setup();
    await venue.market(SYMBOL);
    const signer = jest.spyOn(signing, 'signParadexOrder');
    const prepared = await venue.prepareOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(signer).toHaveBeenCalledTimes(1);
    const signedAt = clock;
    clock += 3_000;
    const outcome = await venue.submitOrder(prepared);
    expect(signer).toHaveBeenCalledTimes(1);
    expect(outcome).toMatchObject({ ok: true, status: 'FILLED' });
    expect(orderPosts(sent)[0]?.body?.signature_timestamp).toBe(signedAt);
    expect(prepared.validUntil).toBeGreaterThan(signedAt);
  });

  it('refuses to send a prepared order whose recv window has passed', async () => {
    const { venue, sent, book } = await setup({ recvWindowMs: 5_000 });
    const prepared = await venue.prepareOrder(ioc('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    clock = prepared.validUntil + 1;
    const outcome = await venue.submitOrder(prepared);
    expect(outcome).toMatchObject({ ok: false, unknown: false, reason: expect.stringMatching(/expired/) });
    expect(orderPosts(sent)).toHaveLength(0);
  });

  it('opens the market\'s book feed on the configured socket', async () => {
    sim = await startSimVenues({ updateIntervalMs: 50, model: FAST_FILLS });
    const venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws });
    venues.push(venue);
    const book = await firstValueFrom(venue.bookFeed(SYMBOL).book$);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.asks[0]?.price).toBeGreaterThan(book.bids[0]?.price ?? Infinity);
  });

  it('flags its book feed stale while the venue delays the frames, by the venue clock from the first frame on, and fresh once on time', async () => {
    sim = await startSimVenues({ updateIntervalMs: 50, model: FAST_FILLS });
    sim.faults.delayFrames('paradex', 1_500);
    const venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, bookFeedOptions: { maxLagMs: 500 } });
    venues.push(venue);
    const feed = venue.bookFeed(SYMBOL);
    const rec = record(feed);
    try {
      await waitFor(() => rec.books.length >= 3, 'three late books', 8_000);
      expect(rec.eventsOf('FEED_STALE')[0]).toMatchObject({ venue: 'paradex', reason: expect.stringMatching(/^lagging 1\d{3} ms behind the venue clock$/) });
      expect(rec.books.filter((b) => b.stale !== true)).toEqual([]);
      sim.faults.delayFrames('paradex', 0);
      await waitFor(() => !feed.stats.stale && rec.last()?.stale !== true, 'the feed on time again', 8_000);
      expect(feed.stats.lagMs).toBeLessThan(250);
    } finally {
      rec.stop();
    }
  });

  it('answers order methods with a value when it has no credentials', async () => {
    sim = await startSimVenues({ updateIntervalMs: 0, model: FAST_FILLS });
    const venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws });
    venues.push(venue);
    await expect(venue.placeOrder(ioc('BUY', 0.01, 100_000))).resolves.toMatchObject({ ok: false, reason: 'no credentials', unknown: false });
    await expect(venue.market(SYMBOL)).resolves.toMatchObject({ symbol: SYMBOL });
  });

  it('refuses an order whose size rounds to zero without sending it', async () => {
    const { venue, sent } = await setup();
    const outcome = await venue.placeOrder(ioc('BUY', 0.000001, 100_000));
    expect(outcome).toMatchObject({ ok: false, unknown: false, reason: expect.stringMatching(/rounds to zero/) });
    expect(orderPosts(sent)).toHaveLength(0);
  });
});
