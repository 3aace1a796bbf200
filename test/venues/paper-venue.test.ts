import { Subject, firstValueFrom, NEVER, EMPTY } from 'rxjs';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import type { BookFeed, FeedStats, MarketSpec, OrderAccepted, OrderRequest, Venue } from '../../src/venues/venue';
import { createPaperVenue } from '../../src/venues/paper-venue';
import type { FundingSnapshot } from '../../src/domain/funding';

const T0 = 1_700_000_000_000;
const spec: MarketSpec = {
  symbol: 'BTC-PERP',
  tickSize: 0.1,
  sizeIncrement: 0.001,
  priceDecimals: 1,
  sizeDecimals: 3,
  minNotional: 10,
  takerFee: 0.0001,
};

const stats: FeedStats = { frames: 0, bytes: 0, decodeErrors: 0, resyncs: 0, reconnects: 0, lastUpdateAt: 0, stale: false };

function book(receivedAt = T0): OrderBook {
  return bookFromLevels(
    [
      { price: 99_990, size: 0.5 },
      { price: 99_980, size: 1 },
    ],
    [
      { price: 100_010, size: 0.5 },
      { price: 100_020, size: 1 },
      { price: 100_500, size: 5 },
    ],
    { receivedAt },
  );
}

function paper(over: { book?: OrderBook | undefined; takerFee?: number; now?: () => number; rememberedOrders?: number } = {}): Venue {
  const current = 'book' in over ? over.book : book();
  return createPaperVenue({
    id: 'vest',
    market: spec,
    book: () => current,
    feed: (): BookFeed => ({ book$: NEVER, events$: EMPTY, stats }),
    now: over.now ?? (() => T0),
    ...(over.takerFee !== undefined ? { takerFee: over.takerFee } : {}),
    ...(over.rememberedOrders !== undefined ? { rememberedOrders: over.rememberedOrders } : {}),
  });
}

let seq = 0;
function order(o: Partial<OrderRequest>): OrderRequest {
  return { clientId: `p${++seq}`, symbol: 'BTC-PERP', side: 'BUY', type: 'MARKET', size: 0.1, price: 101_000, timeInForce: 'IOC', reduceOnly: false, ...o };
}

function accepted(o: unknown): OrderAccepted {
  const out = o as OrderAccepted;
  if (!out.ok) throw new Error(`expected a fill, got ${JSON.stringify(o)}`);
  return out;
}

describe('paper venue', () => {
  it('fills a buy at the VWAP of the asks it walks and charges the taker fee', async () => {
    const v = paper({ takerFee: 0.0002 });
    const fill = accepted(await v.placeOrder(order({ size: 1 })));
    const vwap = (0.5 * 100_010 + 0.5 * 100_020) / 1;
    expect(fill.status).toBe('FILLED');
    expect(fill.filledSize).toBe(1);
    expect(fill.avgPrice).toBeCloseTo(vwap, 6);
    expect(fill.feeUsd).toBeCloseTo(vwap * 1 * 0.0002, 9);
  });

  it('stops at the slippage cap and cancels the rest (immediate or cancel)', async () => {
    const v = paper();
    const fill = accepted(await v.placeOrder(order({ size: 3, price: 100_100 })));
    expect(fill.status).toBe('PARTIALLY_FILLED');
    expect(fill.filledSize).toBe(1.5);
    const none = accepted(await v.placeOrder(order({ side: 'SELL', size: 0.1, price: 100_000 })));
    expect(none).toMatchObject({ status: 'CANCELLED', filledSize: 0, avgPrice: undefined });
  });

  it('keeps signed positions with an average entry price', async () => {
    const v = paper();
    await v.placeOrder(order({ size: 0.2 }));
    await v.placeOrder(order({ side: 'SELL', size: 0.05, price: 99_000 }));
    expect(await v.positions()).toEqual([{ symbol: 'BTC-PERP', size: 0.15, entryPrice: 100_010 }]);
  });

  it('charges funding from the live index: accrued as −size × Δindex, settled when the size changes', async () => {
    let live: FundingSnapshot | undefined = { ratePerHour: 0.00001, index: 100, at: T0 };
    const v = createPaperVenue({
      id: 'vest',
      market: spec,
      book: () => book(),
      feed: (): BookFeed => ({ book$: NEVER, events$: EMPTY, stats }),
      now: () => T0,
      funding: () => live,
    });
    await v.placeOrder(order({ size: 0.2 })); // long 0.2 at index 100
    live = { ...live!, index: 103 }; // longs pay: −0.2 × 3 = −0.6
    expect(await v.positions()).toEqual([{ symbol: 'BTC-PERP', size: 0.2, entryPrice: 100_010, settledFundingUsd: 0, unrealisedFundingUsd: expect.closeTo(-0.6, 12) }]);
    await v.placeOrder(order({ side: 'SELL', size: 0.05, price: 99_000 })); // settles −0.6, 0.15 left
    live = { ...live, index: 101 }; // the rate flipped: the long now receives −0.15 × (−2) = +0.3
    const [p] = await v.positions();
    expect(p!.settledFundingUsd).toBeCloseTo(-0.6, 12);
    expect(p!.unrealisedFundingUsd).toBeCloseTo(0.3, 12);
    // Without a live figure the funding is not reported (unknown), never a zero.
    live = undefined;
    expect(await v.positions()).toEqual([{ symbol: 'BTC-PERP', size: 0.15, entryPrice: 100_010 }]);
  });

  it('lets a reduce-only order shrink a position but never flip or open one', async () => {
    const v = paper();
    const opening = await v.placeOrder(order({ side: 'BUY', size: 0.1, reduceOnly: true }));
    expect(opening).toMatchObject({ ok: false, code: 'REDUCE_ONLY_INCREASES', unknown: false });
    await v.placeOrder(order({ size: 0.1 }));
    const reduce = accepted(await v.placeOrder(order({ side: 'SELL', size: 0.3, price: 99_000, reduceOnly: true })));
    expect(reduce.filledSize).toBe(0.1);
    expect(await v.positions()).toEqual([]);
  });

  it('rejects as a value when there is no book, and looks orders up by client id', async () => {
    const v = paper({ book: undefined });
    const req = order({});
    const out = await v.placeOrder(req);
    expect(out).toMatchObject({ ok: false, code: 'NO_BOOK', unknown: false });
    expect(await v.orderByClientId('BTC-PERP', req.clientId)).toEqual(out);
    expect(await v.orderByClientId('BTC-PERP', 'never-sent')).toBeUndefined();
  });

  it('rejects a reused client id and a stale book', async () => {
    const fresh = paper();
    const req = order({});
    await fresh.placeOrder(req);
    expect(await fresh.placeOrder(req)).toMatchObject({ ok: false, code: 'DUPLICATED_CLIENT_ID' });
    const stale = paper({ book: book(T0 - 60_000) });
    expect(await stale.placeOrder(order({}))).toMatchObject({ ok: false, code: 'STALE_BOOK' });
  });

  it('rounds the size down to the increment and enforces the minimum notional', async () => {
    const v = paper();
    const fill = accepted(await v.placeOrder(order({ size: 0.1239 })));
    expect(fill.filledSize).toBe(0.123);
    expect(await v.placeOrder(order({ size: 0.0001 }))).toMatchObject({ ok: false, code: 'INVALID_SIZE' });
  });

  it('remembers only the most recent orders, so a long paper run does not grow without bound', async () => {
    const v = paper({ rememberedOrders: 3 });
    const reqs = [order({ size: 0.01 }), order({ size: 0.01 }), order({ size: 0.01 }), order({ size: 0.01 }), order({ size: 0.01 })];
    for (const r of reqs) accepted(await v.placeOrder(r));
    expect(await v.orderByClientId('BTC-PERP', reqs[0]!.clientId)).toBeUndefined();
    expect(await v.orderByClientId('BTC-PERP', reqs[1]!.clientId)).toBeUndefined();
    for (const r of reqs.slice(2)) expect(await v.orderByClientId('BTC-PERP', r.clientId)).toMatchObject({ ok: true, clientId: r.clientId });
    // The position still counts every fill, forgotten orders included.
    expect(await v.positions()).toEqual([expect.objectContaining({ symbol: 'BTC-PERP', size: 0.05 })]);
  });

  it('refuses a prepared order sent after it expired', async () => {
    let now = T0;
    const v = paper({ now: () => now });
    const prepared = await v.prepareOrder(order({}));
    now = prepared.validUntil + 1;
    expect(await v.submitOrder(prepared)).toMatchObject({ ok: false, code: 'ORDER_EXPIRED' });
  });

  it('over a real venue client, fills against the latest book its feed delivered', async () => {
    const books = new Subject<OrderBook>();
    const real: Venue = {
      id: 'paradex',
      symbolFor: () => 'BTC-USD-PERP',
      market: () => Promise.resolve({ ...spec, symbol: 'BTC-USD-PERP' }),
      bookFeed: () => ({ book$: books.asObservable(), events$: EMPTY, stats }),
      prepareOrder: () => Promise.reject(new Error('must not sign')),
      submitOrder: () => Promise.reject(new Error('must not send')),
      placeOrder: () => Promise.reject(new Error('must not send')),
      orderByClientId: () => Promise.reject(new Error('must not query')),
      positions: () => Promise.reject(new Error('must not query')),
      availableMarginUsd: () => Promise.reject(new Error('must not query')),
      close: () => Promise.resolve(),
    };
    const v = createPaperVenue({ real, now: () => T0 });
    expect(await v.placeOrder(order({ symbol: 'BTC-USD-PERP' }))).toMatchObject({ ok: false, code: 'NO_BOOK' });
    const seen = firstValueFrom(v.bookFeed('BTC-USD-PERP').book$);
    books.next(book());
    await seen;
    const fill = accepted(await v.placeOrder(order({ symbol: 'BTC-USD-PERP', size: 0.2 })));
    expect(fill.avgPrice).toBe(100_010);
    expect(await v.positions()).toEqual([{ symbol: 'BTC-USD-PERP', size: 0.2, entryPrice: 100_010 }]);
  });
});
