import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import type { VenueId } from '../../src/domain/market';
import { vestTradingRoutes, SimTradingFaults, VEST_CODES, type SimVestOrder } from '../../src/sim/vest-trading';
import type { SimMarketView, SimRequest, SimResponse, SimRoute } from '../../src/sim/types';
import {
  VEST_VERIFYING_CONTRACT,
  newVestKeys,
  signVestCancel,
  signVestOrder,
  signVestSignerProof,
  type VestOrderFields,
} from '../../src/venues/vest/signing';

const T0 = 1_780_000_000_000;

// BTC-PERP: priceDecimals 2, sizeDecimals 4; mid 95000.
const BOOK: OrderBook = bookFromLevels(
  [
    { price: 94995, size: 0.5 },
    { price: 94990, size: 1 },
  ],
  [
    { price: 95005, size: 0.5 },
    { price: 95010, size: 1 },
  ],
  { receivedAt: T0 },
);

type Keys = ReturnType<typeof newVestKeys>;

interface Harness {
  readonly routes: SimRoute[];
  readonly faults: SimTradingFaults;
  clock: number;
  call(method: string, path: string, opts?: { headers?: Record<string, string>; body?: unknown }): Promise<SimResponse>;
}

function harness(extra: { initialBalance?: number } = {}): Harness {
  const faults = new SimTradingFaults();
  const h: Harness = {
    routes: [],
    faults,
    clock: T0,
    async call(method, fullPath, opts = {}) {
      const [path = '', qs = ''] = fullPath.split('?');
      for (const route of h.routes) {
        if (route.method !== method) continue;
        const m = route.path.exec(path);
        if (!m) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
        const req: SimRequest = {
          method,
          path,
          query: new URLSearchParams(qs),
          headers,
          body: opts.body === undefined ? '' : JSON.stringify(opts.body),
          params: m.slice(1).map((p) => p ?? ''),
        };
        return route.handle(req);
      }
      return { status: 404, body: null };
    },
  };
  const market: SimMarketView = {
    book: (venue: VenueId, symbol: string) => (venue === 'vest' && symbol === 'BTC-PERP' ? BOOK : undefined),
    now: () => h.clock,
  };
  h.routes.push(...vestTradingRoutes({ market, faults, ...extra }));
  return h;
}

async function register(h: Harness, keys: Keys, signer: `0x${string}` = keys.primaryKey): Promise<SimResponse> {
  const expiryTime = h.clock + 7 * 24 * 3_600_000;
  const signature = await signVestSignerProof({ signingAddr: keys.signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT.prod }, signer);
  return h.call('POST', '/v2/register', {
    body: { signingAddr: keys.signingAddr.toLowerCase(), primaryAddr: keys.primaryAddr.toLowerCase(), signature, expiryTime, networkType: 0 },
  });
}

async function login(h: Harness): Promise<{ keys: Keys; headers: Record<string, string> }> {
  const keys = newVestKeys();
  const res = await register(h, keys);
  expect(res.status).toBe(200);
  const { apiKey, accGroup } = res.body as { apiKey: string; accGroup: number };
  expect(accGroup).toBe(0);
  return { keys, headers: { 'X-API-KEY': apiKey, xrestservermm: 'restserver0' } };
}

let nonceSeq = 0;

async function orderBody(
  h: Harness,
  key: `0x${string}`,
  o: Partial<VestOrderFields> & { timeInForce?: string } = {},
  recvWindow?: number,
): Promise<Record<string, unknown>> {
  const fields: VestOrderFields = {
    time: o.time ?? h.clock,
    nonce: o.nonce ?? ++nonceSeq,
    orderType: o.orderType ?? 'MARKET',
    symbol: o.symbol ?? 'BTC-PERP',
    isBuy: o.isBuy ?? true,
    size: o.size ?? '0.1000',
    limitPrice: o.limitPrice ?? '95100.00',
    reduceOnly: o.reduceOnly ?? false,
  };
  const signature = await signVestOrder(fields, key);
  return {
    order: { ...fields, ...(o.timeInForce === undefined ? {} : { timeInForce: o.timeInForce }) },
    ...(recvWindow === undefined ? {} : { recvWindow }),
    signature,
  };
}

async function orderById(h: Harness, headers: Record<string, string>, id: string): Promise<SimVestOrder> {
  const res = await h.call('GET', `/v2/orders?id=${id}&time=${h.clock}`, { headers });
  const [order] = res.body as SimVestOrder[];
  if (!order) throw new Error(`order ${id} not listed`);
  return order;
}

async function place(h: Harness, headers: Record<string, string>, body: Record<string, unknown>): Promise<SimResponse> {
  return h.call('POST', '/v2/orders', { headers, body });
}

function idOf(res: SimResponse): string {
  return (res.body as { id: string }).id;
}

describe('Vest sim: registration', () => {
  it('returns an API key for a signer proof signed by the primary key', async () => {
    const h = harness();
    const res = await register(h, newVestKeys());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ apiKey: expect.stringMatching(/^[0-9a-f]{48}$/), accGroup: 0 });
  });

  it('refuses a signer proof not signed by the primary key', async () => {
    const h = harness();
    const keys = newVestKeys();
    const res = await register(h, keys, keys.signingKey);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 1022, msg: 'INVALID_SIGNATURE' });
  });

  it('refuses orders signed after the signing key expired', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.clock += 8 * 24 * 3_600_000;
    const res = await place(h, headers, await orderBody(h, keys.signingKey));
    expect(res.body).toMatchObject({ code: 1022 });
  });
});

describe('Vest sim: orders', () => {
  it('fills a valid signed market order and reports it FILLED with price and fees', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const res = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.6000' }));
    expect(res.status).toBe(200);
    expect(idOf(res)).toMatch(/^0x[0-9a-f]{64}$/);
    const order = await orderById(h, headers, idOf(res));
    const avg = (0.5 * 95005 + 0.1 * 95010) / 0.6;
    expect(order).toMatchObject({ status: 'FILLED', lastFilledSize: '0.6000', avgFilledPrice: avg.toFixed(2), code: null });
    expect(Number(order.fees)).toBeCloseTo(0.6 * avg * 0.0001, 5);
  });

  it('shows the position and balance in the account after a fill', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    await place(h, headers, await orderBody(h, keys.signingKey, { isBuy: false, size: '0.3000', limitPrice: '94900.00' }));
    const account = (await h.call('GET', `/v2/account?time=${h.clock}`, { headers })).body as {
      positions: Record<string, unknown>[];
      balances: { asset: string; total: string }[];
    };
    expect(account.positions).toEqual([expect.objectContaining({ symbol: 'BTC-PERP', isLong: false, size: '0.3000', entryPrice: '94995.00' })]);
    expect(Number(account.balances[0]?.total)).toBeCloseTo(100_000 - 0.3 * 94995 * 0.0001, 5);
  });

  it('refuses an order signed by a key other than the registered signing key', async () => {
    const h = harness();
    const { headers } = await login(h);
    const res = await place(h, headers, await orderBody(h, newVestKeys().signingKey));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 1022, msg: 'INVALID_SIGNATURE' });
  });

  it('refuses an order whose signed fields were tampered with', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const body = await orderBody(h, keys.signingKey, { size: '0.1000' });
    const res = await place(h, headers, { ...body, order: { ...(body.order as object), size: '0.2000' } });
    expect(res.body).toMatchObject({ code: 1022 });
  });

  it('refuses an order arriving after time + recvWindow', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const stale = await orderBody(h, keys.signingKey, { time: h.clock - 6_000 });
    expect((await place(h, headers, stale)).body).toMatchObject({ code: 1132, msg: 'ORDER_EXPIRED' });
    const widened = await orderBody(h, keys.signingKey, { time: h.clock - 6_000 }, 10_000);
    expect((await place(h, headers, widened)).status).toBe(200);
  });

  it('refuses sizes and prices without exactly the market decimals', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    expect((await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.1' }))).body).toMatchObject({ code: 1111, msg: 'BAD_DECIMALS' });
    expect((await place(h, headers, await orderBody(h, keys.signingKey, { limitPrice: '95100.0' }))).body).toMatchObject({ code: 1111 });
  });

  it('refuses a reused nonce as DUPLICATE and reports the last nonce', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    expect((await place(h, headers, await orderBody(h, keys.signingKey, { nonce: 777 }))).status).toBe(200);
    expect((await place(h, headers, await orderBody(h, keys.signingKey, { nonce: 777, time: h.clock + 1 }))).body).toMatchObject({ code: 3015, msg: 'DUPLICATE' });
    expect((await h.call('GET', '/v2/account/nonce', { headers })).body).toEqual({ lastNonce: 777 });
  });

  it('requires the API key and the account-group header', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const body = await orderBody(h, keys.signingKey);
    expect((await place(h, { xrestservermm: 'restserver0' }, body)).body).toMatchObject({ code: 1002, msg: 'UNAUTHORIZED' });
    expect((await place(h, { 'X-API-KEY': headers['X-API-KEY'] ?? '' }, body)).body).toMatchObject({ code: 1146 });
  });

  it('rejects a reduce-only order that would open a position with REDUCE_ONLY_INCREASES', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const res = await place(h, headers, await orderBody(h, keys.signingKey, { reduceOnly: true }));
    expect(res.status).toBe(200);
    expect(await orderById(h, headers, idOf(res))).toMatchObject({ status: 'REJECTED', code: 3018, lastFilledSize: null });
  });

  it('closes a position with a reduce-only order', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.2000' }));
    const close = await place(h, headers, await orderBody(h, keys.signingKey, { isBuy: false, size: '0.2000', limitPrice: '94900.00', reduceOnly: true }));
    expect(await orderById(h, headers, idOf(close))).toMatchObject({ status: 'FILLED', lastFilledSize: '0.2000' });
    const account = (await h.call('GET', '/v2/account', { headers })).body as { positions: unknown[] };
    expect(account.positions).toEqual([]);
  });

  it('rejects an order the account cannot margin with MARGIN_CHECK_FAILED', async () => {
    const h = harness({ initialBalance: 100 });
    const { keys, headers } = await login(h);
    const res = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.1000' })); // ~9500 notional needs 190 at 2 %
    expect(await orderById(h, headers, idOf(res))).toMatchObject({ status: 'REJECTED', code: 3002 });
  });

  it('caps a market order at its limit price and cancels the rest', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const partial = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.8000', limitPrice: '95005.00' }));
    expect(await orderById(h, headers, idOf(partial))).toMatchObject({ status: 'PARTIALLY_FILLED', lastFilledSize: '0.5000', avgFilledPrice: '95005.00' });
    const none = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.1000', limitPrice: '95000.00' }));
    expect(await orderById(h, headers, idOf(none))).toMatchObject({ status: 'REJECTED', code: 3001 });
  });

  it('fills a FOK limit order completely or not at all', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const killed = await place(h, headers, await orderBody(h, keys.signingKey, { orderType: 'LIMIT', timeInForce: 'FOK', size: '0.8000', limitPrice: '95005.00' }));
    expect(await orderById(h, headers, idOf(killed))).toMatchObject({ status: 'REJECTED', lastFilledSize: null });
  });

  it('cancels nothing once an order is final', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    const placed = await place(h, headers, await orderBody(h, keys.signingKey));
    const cancel = { time: h.clock, nonce: ++nonceSeq, id: idOf(placed) };
    const res = await h.call('POST', '/v2/orders/cancel', { headers, body: { order: cancel, signature: await signVestCancel(cancel, keys.signingKey) } });
    expect(res.body).toMatchObject({ code: 3017, msg: 'ORDER_NOT_FOUND' });
  });
});

describe('Vest sim: fault knobs', () => {
  it('rejects the next N orders with the given code and executes nothing', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.rejectNextOrders(1, VEST_CODES.PRICE_STALE);
    expect((await place(h, headers, await orderBody(h, keys.signingKey))).body).toMatchObject({ code: 3003, msg: 'PRICE_STALE' });
    expect((await h.call('GET', '/v2/orders', { headers })).body).toEqual([]);
    expect((await place(h, headers, await orderBody(h, keys.signingKey))).status).toBe(200);
  });

  it('rejects only the next close order', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.rejectNextClose();
    await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.2000' }));
    const close = () => orderBody(h, keys.signingKey, { isBuy: false, size: '0.2000', limitPrice: '94900.00', reduceOnly: true });
    expect((await place(h, headers, await close())).body).toMatchObject({ code: VEST_CODES.MARGIN_CHECK_FAILED });
    expect((await place(h, headers, await close())).status).toBe(200);
  });

  it('fills only a fraction of the next order', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.partialFillNext(0.25);
    const res = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.4000' }));
    expect(await orderById(h, headers, idOf(res))).toMatchObject({ status: 'PARTIALLY_FILLED', lastFilledSize: '0.1000' });
  });

  it('an outage from the next order: that order and every request after it answered 503, nothing executed, until it ends', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.outage(150, true);
    expect((await h.call('GET', '/v2/account', { headers })).status).toBe(200); // armed, still up
    expect(await place(h, headers, await orderBody(h, keys.signingKey, { nonce: 7001 }))).toEqual({ status: 503, body: { message: 'Service Unavailable' } });
    expect((await h.call('GET', '/v2/orders?nonce=7001', { headers })).status).toBe(503);
    expect((await h.call('GET', '/v2/account', { headers })).status).toBe(503);
    await new Promise((r) => setTimeout(r, 170));
    expect((await h.call('GET', '/v2/orders?nonce=7001', { headers })).body).toEqual([]);
    expect((await place(h, headers, await orderBody(h, keys.signingKey, { nonce: 7002 }))).status).toBe(200);
  });

  it('executes a timed-out order but answers only when released', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.timeoutNextOrders();
    let answered = false;
    const pending = place(h, headers, await orderBody(h, keys.signingKey, { nonce: 4242 })).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    const [order] = (await h.call('GET', '/v2/orders?nonce=4242', { headers })).body as SimVestOrder[];
    expect(order?.status).toBe('FILLED');
    expect(h.faults.pendingCount).toBe(1);
    h.faults.releaseAll();
    expect(idOf(await pending)).toBe(order?.id);
  });

  it('with a settlement delay, answers the id at once and executes the order that much later', async () => {
    const h = harness();
    const { keys, headers } = await login(h);
    h.faults.delaySettlement(40);
    const res = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.1000' }));
    expect(res.status).toBe(200);
    expect(await orderById(h, headers, idOf(res))).toMatchObject({ status: 'NEW', lastFilledSize: null });
    await new Promise((r) => setTimeout(r, 80));
    expect(await orderById(h, headers, idOf(res))).toMatchObject({ status: 'FILLED', lastFilledSize: '0.1000' });
    h.faults.reset();
    const next = await place(h, headers, await orderBody(h, keys.signingKey, { size: '0.1000' }));
    expect((await orderById(h, headers, idOf(next))).status).toBe('FILLED');
  });

  it('delays every response by the configured time', async () => {
    const h = harness();
    const { headers } = await login(h);
    h.faults.delayResponses(60);
    const started = Date.now();
    await h.call('GET', '/v2/account', { headers });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });
});
