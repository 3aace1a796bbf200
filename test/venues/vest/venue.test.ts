import { firstValueFrom } from 'rxjs';
import { startSimVenues, type SimVenues } from '../../../src/sim';
import { bestAsk, bestBid, vwap } from '../../../src/domain/order-book';
import type { FetchLike } from '../../../src/venues/http';
import * as signing from '../../../src/venues/vest/signing';
import { newVestKeys, recoverVestOrderSigner, type VestOrderFields } from '../../../src/venues/vest/signing';
import { createVestVenue, type VestVenue, type VestVenueOptions } from '../../../src/venues/vest/venue';
import type { OrderRequest } from '../../../src/venues/venue';
import { record, waitFor } from '../paradex/feed-test-kit';

const SYMBOL = 'BTC-PERP';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;
}

let sim: SimVenues | undefined;
const venues: VestVenue[] = [];
let clock = 0;

beforeEach(() => {
  clock = Date.now();
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const v of venues.splice(0)) await v.close();
  sim?.faults.trading.vest.releaseAll();
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
    });
    return fetch(url, init);
  };
}

async function setup(extra: Partial<VestVenueOptions> = {}) {
  sim = await startSimVenues({ updateIntervalMs: 0, now: () => clock });
  const keys = newVestKeys();
  const sent: SentRequest[] = [];
  const venue = createVestVenue({
    restUrl: sim.vest.rest,
    wsUrl: sim.vest.ws,
    keys: { primaryKey: keys.primaryKey, signingKey: keys.signingKey },
    now: () => clock,
    requestTimeoutMs: 2_000,
    fetch: recordingFetch(sent),
    // Off unless a test is about it: its pings would change the request counts other tests check.
    keepWarmMs: 0,
    ...extra,
  });
  venues.push(venue);
  const book = () => {
    const b = sim?.market.book('vest', SYMBOL);
    if (!b) throw new Error('sim has no Vest book');
    return b;
  };
  return { sim, venue, keys, sent, book };
}

function market(side: 'BUY' | 'SELL', size: number, price: number, extra: Partial<OrderRequest> = {}): OrderRequest {
  return { clientId: `c-${Math.random().toString(36).slice(2)}`, symbol: SYMBOL, side, type: 'MARKET', size, price, timeInForce: 'IOC', reduceOnly: false, ...extra };
}

const orderPosts = (sent: SentRequest[]) => sent.filter((r) => r.method === 'POST' && r.path === '/v2/orders');

interface SentOrder {
  order: VestOrderFields & { timeInForce?: string };
  recvWindow: number;
  signature: `0x${string}`;
}

describe('Vest venue against the simulated venue', () => {
  it('loads the market rules from exchangeInfo and rejects an unknown market', async () => {
    const { venue } = await setup();
    await expect(venue.market(SYMBOL)).resolves.toEqual({
      symbol: SYMBOL,
      tickSize: 0.01,
      sizeIncrement: 0.0001,
      priceDecimals: 2,
      sizeDecimals: 4,
      minNotional: 0,
      takerFee: 0.0001,
    });
    await expect(venue.market('NOPE-PERP')).rejects.toThrow(/no market NOPE-PERP/);
  });

  it('registers its signing key once and sends the API key and account group on private requests', async () => {
    const { venue, sent } = await setup();
    await venue.ensureApiKey();
    await venue.positions();
    await venue.availableMarginUsd();
    expect(sent.filter((r) => r.path === '/v2/register')).toHaveLength(1);
    const accountReads = sent.filter((r) => r.path === '/v2/account');
    expect(accountReads).toHaveLength(2);
    for (const r of accountReads) {
      expect(r.headers['X-API-KEY']).toMatch(/^[0-9a-f]+$/);
      expect(r.headers.xrestservermm).toBe('restserver0');
    }
  });

  it('fills a capped MARKET buy and reports the average price, size and fees from the venue', async () => {
    const { venue, book } = await setup();
    const expectedAvg = vwap(book(), 'ask', 0.05) ?? NaN;
    const outcome = await venue.placeOrder(market('BUY', 0.05, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(outcome).toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.05 });
    if (!outcome.ok) return;
    expect(outcome.avgPrice).toBeCloseTo(expectedAvg, 1);
    expect(outcome.feeUsd).toBeCloseTo(0.05 * (outcome.avgPrice ?? 0) * 0.0001, 5);
    expect(outcome.orderId).toMatch(/^0x/);
  });

  it('with its API key known, hands a prepared order to the wire within the submitOrder call (no promise hop first)', async () => {
    const { venue, sent, book } = await setup();
    await venue.ensureApiKey();
    const prepared = await venue.prepareOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    const before = orderPosts(sent).length;
    const outcome = venue.submitOrder(prepared);
    expect(orderPosts(sent).length).toBe(before + 1);
    await expect(outcome).resolves.toMatchObject({ ok: true, status: 'FILLED' });
  });

  it('sends every MARKET order, closes included, with a limitPrice cap, signing exactly the strings it sends', async () => {
    const { venue, keys, sent, book } = await setup();
    const cap = (bestAsk(book())?.price ?? NaN) * 1.00537;
    await venue.placeOrder(market('BUY', 0.0123456, cap));
    await venue.placeOrder(market('SELL', 0.0123, (bestBid(book())?.price ?? NaN) * 0.995, { reduceOnly: true }));
    const [open, close] = orderPosts(sent).map((r) => r.body as unknown as SentOrder);
    expect(open?.order).toMatchObject({ orderType: 'MARKET', isBuy: true, size: '0.0123', limitPrice: (Math.floor(cap * 100) / 100).toFixed(2), reduceOnly: false });
    expect(open?.order).not.toHaveProperty('timeInForce');
    expect(close?.order).toMatchObject({ orderType: 'MARKET', isBuy: false, size: '0.0123', reduceOnly: true });
    expect(close?.order.limitPrice).toMatch(/^\d+\.\d{2}$/);
    expect(Number(close?.order.limitPrice)).toBeGreaterThan(0);
    for (const body of [open, close]) {
      if (!body) throw new Error('order not sent');
      const recovered = await recoverVestOrderSigner(body.order, body.signature);
      expect(recovered.toLowerCase()).toBe(keys.signingAddr.toLowerCase());
    }
  });

  it('refuses to build a Vest order without a price cap, rather than send a rejected one', async () => {
    const { venue, sent } = await setup();
    const outcome = await venue.placeOrder(market('SELL', 0.01, 0, { reduceOnly: true }));
    expect(outcome).toMatchObject({ ok: false, unknown: false, reason: expect.stringMatching(/limit price/) });
    expect(orderPosts(sent)).toHaveLength(0);
  });

  it('returns a refused order as a value carrying the venue code', async () => {
    const { sim, venue, book } = await setup();
    sim.faults.trading.vest.rejectNextOrders(1, 3002);
    const outcome = await venue.placeOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(outcome).toMatchObject({ ok: false, code: '3002', unknown: false });
  });

  it('reports an order the venue accepts then rejects as a rejection with its code', async () => {
    const { venue, book } = await setup();
    const reduceOnly = await venue.placeOrder(market('SELL', 0.01, (bestBid(book())?.price ?? NaN) * 0.995, { reduceOnly: true }));
    expect(reduceOnly).toMatchObject({ ok: false, code: '3018', unknown: false });
    const outOfReach = await venue.placeOrder(market('BUY', 0.01, (bestBid(book())?.price ?? NaN) * 0.99));
    expect(outOfReach).toMatchObject({ ok: false, code: '3001', unknown: false });
  });

  it('reports a lost answer as unknown, and then finds the executed order by client id', async () => {
    const { sim, venue, book } = await setup({ requestTimeoutMs: 1_000 });
    await venue.ensureApiKey();
    await venue.market(SYMBOL);
    sim.faults.trading.vest.timeoutNextOrders(1);
    const request = market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005);
    const outcome = await venue.placeOrder(request);
    expect(outcome).toMatchObject({ ok: false, unknown: true, clientId: request.clientId });
    const found = await venue.orderByClientId(SYMBOL, request.clientId);
    expect(found).toMatchObject({ ok: true, clientId: request.clientId, status: 'FILLED', filledSize: 0.01 });
    await expect(venue.orderByClientId(SYMBOL, 'never-sent')).resolves.toBeUndefined();
  });

  it('keeps its order connection warm with GET /exchangeInfo for the markets in use, only once one is, until closed', async () => {
    const { venue, sent } = await setup({ keepWarmMs: 20 });
    const pings = () => sent.filter((r) => r.method === 'GET' && r.path === '/v2/exchangeInfo').length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(pings()).toBe(0); // no market in use yet: nothing to ask for
    await venue.market(SYMBOL);
    const afterMarket = pings();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pings()).toBeGreaterThanOrEqual(afterMarket + 3);
    await venue.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterClose = pings();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(pings()).toBe(afterClose);
  });

  it('finds an order from a new process by the lookupRef of its prepared order (the nonce), not by client id alone', async () => {
    const { sim, venue, keys, book } = await setup();
    const request = market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005);
    const prepared = await venue.prepareOrder(request);
    expect(prepared.lookupRef).toMatch(/^\d+$/);
    expect(await venue.submitOrder(prepared)).toMatchObject({ ok: true, status: 'FILLED' });
    const unsent = await venue.prepareOrder(market('SELL', 0.01, (bestBid(book())?.price ?? NaN) * 0.995, { reduceOnly: true }));

    // A new process: same keys, nothing in memory.
    const restarted = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws, keys: { primaryKey: keys.primaryKey, signingKey: keys.signingKey }, now: () => clock, requestTimeoutMs: 2_000 });
    venues.push(restarted);
    await expect(restarted.orderByClientId(SYMBOL, request.clientId)).resolves.toBeUndefined();
    await expect(restarted.orderByClientId(SYMBOL, request.clientId, prepared.lookupRef)).resolves.toMatchObject({
      ok: true,
      clientId: request.clientId,
      status: 'FILLED',
      filledSize: 0.01,
    });
    // A signed order that never reached the venue is not found; a malformed ref is not used.
    await expect(restarted.orderByClientId(SYMBOL, unsent.request.clientId, unsent.lookupRef)).resolves.toBeUndefined();
    await expect(restarted.orderByClientId(SYMBOL, request.clientId, 'nonce-1')).resolves.toBeUndefined();
  });

  it('remembers an order by client id when it is sent, not when signed, and forgets the oldest beyond its window', async () => {
    const { venue, sent, book } = await setup({ rememberedClientIds: 5 });
    const ask = book().asks[0]!.price;
    const gets = (): number => sent.filter((r) => r.method === 'GET').length;
    const filled = market('BUY', 0.01, ask * 1.01);
    expect(await venue.placeOrder(filled)).toMatchObject({ ok: true, status: 'FILLED' });
    // Signed and never sent (as a pre-signed close re-signed before it was needed): the venue cannot know it,
    // so it is not remembered, not looked up, and takes no room from the orders that were sent.
    const unsent = Array.from({ length: 6 }, () => market('SELL', 0.01, ask * 0.9, { reduceOnly: true }));
    for (const r of unsent) await venue.prepareOrder(r);
    const before = gets();
    for (const r of unsent) await expect(venue.orderByClientId(SYMBOL, r.clientId)).resolves.toBeUndefined();
    expect(gets()).toBe(before);
    await expect(venue.orderByClientId(SYMBOL, filled.clientId)).resolves.toMatchObject({ ok: true, status: 'FILLED', filledSize: 0.01 });
    expect(gets()).toBeGreaterThan(before);
    // One of them sent later is remembered from then on, with the nonce it was signed with.
    const prepared = await venue.prepareOrder(market('BUY', 0.01, ask * 1.01));
    expect(await venue.submitOrder(prepared)).toMatchObject({ ok: true, status: 'FILLED' });
    await expect(venue.orderByClientId(SYMBOL, prepared.request.clientId)).resolves.toMatchObject({ ok: true, status: 'FILLED' });
    // Five more sent and final: the window keeps the newest five, so the first one is forgotten (not looked up).
    for (let i = 0; i < 5; i++) expect(await venue.placeOrder(market('BUY', 0.01, ask * 1.01))).toMatchObject({ ok: true, status: 'FILLED' });
    const beforeForgotten = gets();
    await expect(venue.orderByClientId(SYMBOL, filled.clientId)).resolves.toBeUndefined();
    expect(gets()).toBe(beforeForgotten);
  });

  it('reports a partial fill with the size that filled', async () => {
    const { sim, venue, book } = await setup();
    sim.faults.trading.vest.partialFillNext(0.5, 1);
    const outcome = await venue.placeOrder(market('BUY', 0.02, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(outcome).toMatchObject({ ok: true, status: 'PARTIALLY_FILLED', filledSize: 0.01 });
  });

  it('reflects fills in signed positions and in the available margin', async () => {
    const { venue, book } = await setup();
    const marginBefore = await venue.availableMarginUsd();
    await venue.placeOrder(market('SELL', 0.03, (bestBid(book())?.price ?? NaN) * 0.995));
    await venue.placeOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005, { reduceOnly: true }));
    const positions = await venue.positions();
    expect(positions).toHaveLength(1);
    expect(positions[0]?.symbol).toBe(SYMBOL);
    expect(positions[0]?.size).toBeCloseTo(-0.02, 8);
    expect(positions[0]?.entryPrice).toBeGreaterThan(0);
    expect(await venue.availableMarginUsd()).toBeLessThan(marginBefore);
  });

  it('reports the accrued funding of an open position only when asked: −size × (ticker cumFunding − entryFunding)', async () => {
    const { sim, venue, sent, book } = await setup();
    sim.market.setFundingRate('vest', 'BTC', 0.0001);
    await venue.placeOrder(market('SELL', 0.02, (bestBid(book())?.price ?? NaN) * 0.995));
    const entry = sim.market.funding?.('vest', SYMBOL)?.index;
    sim.market.step(2);
    const now = sim.market.funding?.('vest', SYMBOL)?.index;
    // The order path's read: sizes only, no extra request.
    const tickerReads = () => sent.filter((r) => r.path === '/v2/ticker/latest').length;
    const [plain] = await venue.positions();
    expect(plain).not.toHaveProperty('unrealisedFundingUsd');
    expect(tickerReads()).toBe(0);
    const [held] = await venue.positions({ withFunding: true });
    expect(tickerReads()).toBe(1);
    expect(now).toBeGreaterThan(entry!);
    // A short receives a rising index.
    expect(held!.unrealisedFundingUsd).toBeCloseTo(0.02 * (now! - entry!), 9);
    expect(held!.unrealisedFundingSource).toMatch(/^−size × \(cumFunding .+ − entryFunding .+\); unrealizedPnl less price PnL: /);
  });

  it('rejects a funding read whose ticker fails, naming it', async () => {
    const failTicker: FetchLike = (url, init) => (new URL(url).pathname.endsWith('/ticker/latest') ? Promise.resolve(new Response('{}', { status: 503 })) : fetch(url, init));
    const { venue, book } = await setup({ fetch: failTicker });
    await venue.placeOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    await expect(venue.positions()).resolves.toHaveLength(1);
    await expect(venue.positions({ withFunding: true })).rejects.toThrow(/ticker.*503/);
  });

  it('sends a prepared order later without signing it again', async () => {
    const { venue, sent, book } = await setup();
    await venue.ensureApiKey();
    await venue.market(SYMBOL);
    const signer = jest.spyOn(signing, 'signVestOrder');
    const prepared = await venue.prepareOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    expect(signer).toHaveBeenCalledTimes(1);
    const signedAt = clock;
    clock += 2_000;
    const outcome = await venue.submitOrder(prepared);
    expect(signer).toHaveBeenCalledTimes(1);
    expect(outcome).toMatchObject({ ok: true, status: 'FILLED' });
    expect((orderPosts(sent)[0]?.body as unknown as SentOrder).order.time).toBe(signedAt);
  });

  it('gives orders signed in the same millisecond distinct, increasing nonces', async () => {
    const { venue, sent, book } = await setup();
    const cap = (bestAsk(book())?.price ?? NaN) * 1.005;
    const [a, b] = await Promise.all([venue.placeOrder(market('BUY', 0.01, cap)), venue.placeOrder(market('BUY', 0.01, cap))]);
    expect(a).toMatchObject({ ok: true, status: 'FILLED' });
    expect(b).toMatchObject({ ok: true, status: 'FILLED' });
    const nonces = orderPosts(sent).map((r) => (r.body as unknown as SentOrder).order.nonce);
    expect(new Set(nonces).size).toBe(2);
    expect(Math.min(...nonces)).toBeGreaterThanOrEqual(clock);
  });

  it('refuses to send a prepared order whose recv window has passed', async () => {
    const { venue, sent, book } = await setup();
    const prepared = await venue.prepareOrder(market('BUY', 0.01, (bestAsk(book())?.price ?? NaN) * 1.005));
    clock = prepared.validUntil + 1;
    expect(await venue.submitOrder(prepared)).toMatchObject({ ok: false, unknown: false, reason: expect.stringMatching(/expired/) });
    expect(orderPosts(sent)).toHaveLength(0);
  });

  it('opens the market\'s book feed on the configured socket', async () => {
    sim = await startSimVenues({ updateIntervalMs: 50 });
    const venue = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws });
    venues.push(venue);
    const book = await firstValueFrom(venue.bookFeed(SYMBOL).book$);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.asks[0]?.price).toBeGreaterThan(book.bids[0]?.price ?? Infinity);
  });

  it('flags its book feed stale while the venue delays the frames, judged against GET /depth, and fresh once on time', async () => {
    sim = await startSimVenues({ updateIntervalMs: 50 });
    sim.faults.delayFrames('vest', 1_500);
    const sent: SentRequest[] = [];
    const venue = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws, fetch: recordingFetch(sent), bookFeedOptions: { maxLagMs: 500, probeIntervalMs: 100 } });
    venues.push(venue);
    const feed = venue.bookFeed(SYMBOL);
    const rec = record(feed);
    try {
      await waitFor(() => rec.books.length >= 3, 'three late books', 8_000);
      expect(rec.eventsOf('FEED_STALE')[0]).toMatchObject({ venue: 'vest', reason: expect.stringMatching(/^lagging \d+ ms behind the venue clock$/) });
      expect(rec.books.filter((b) => b.stale !== true)).toEqual([]);
      await waitFor(() => (feed.stats.lagMs ?? 0) >= 1_400, 'the lag measured', 8_000);
      sim.faults.delayFrames('vest', 0);
      await waitFor(() => !feed.stats.stale && rec.last()?.stale !== true, 'the feed on time again', 8_000);
      expect(rec.eventsOf('FEED_FRESH').length).toBeGreaterThanOrEqual(1);
      expect(sent.filter((r) => r.path === '/v2/depth').length).toBeGreaterThan(5);
    } finally {
      rec.stop();
    }
  });

  it('answers order methods with a value when it has no credentials, or cannot register', async () => {
    sim = await startSimVenues({ updateIntervalMs: 0 });
    const readOnly = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws });
    const keys = newVestKeys();
    const noPrimary = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws, keys: { signingKey: keys.signingKey } });
    venues.push(readOnly, noPrimary);
    await expect(readOnly.placeOrder(market('BUY', 0.01, 100_000))).resolves.toMatchObject({ ok: false, reason: 'no credentials', unknown: false });
    const outcome = await noPrimary.placeOrder(market('BUY', 0.01, 100_000));
    expect(outcome).toMatchObject({ ok: false, unknown: false, reason: expect.stringMatching(/apiKey or the primary key/) });
    if (!outcome.ok) expect(outcome.reason).not.toContain(keys.signingKey.slice(2));
  });
});
