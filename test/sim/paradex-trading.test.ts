import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import type { VenueId } from '../../src/domain/market';
import { paradexTradingRoutes, SimTradingFaults } from '../../src/sim/paradex-trading';
import { SIM_PARADEX_CHAIN_ID, type SimMarketView, type SimRequest, type SimResponse, type SimRoute } from '../../src/sim/types';
import {
  newParadexAccount,
  signParadexAuth,
  signParadexOnboarding,
  signParadexOrder,
  type ParadexOrderFields,
} from '../../src/venues/paradex/signing';

const CHAIN = SIM_PARADEX_CHAIN_ID;
const T0 = 1_780_000_000_000;

// BTC-USD-PERP: tick 0.1, increment 0.00001, min notional 10; mid 95000.
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

type Account = ReturnType<typeof newParadexAccount>;

interface Harness {
  readonly routes: SimRoute[];
  readonly faults: SimTradingFaults;
  clock: number;
  book: OrderBook;
  call(method: string, path: string, opts?: { headers?: Record<string, string>; body?: unknown }): Promise<SimResponse>;
}

/**
 * Routes over a hand-driven book and clock. The matching engine settles at once unless a test says
 * otherwise (the POST is still answered NEW; `settled` reads the order as the engine left it).
 */
function harness(extra: { initialBalance?: number; settleDelayMs?: number } = {}): Harness {
  const faults = new SimTradingFaults();
  const h: Harness = {
    routes: [],
    faults,
    clock: T0,
    book: BOOK,
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
          body: opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
          params: m.slice(1).map((p) => p ?? ''),
        };
        return route.handle(req);
      }
      return { status: 404, body: null };
    },
  };
  const market: SimMarketView = {
    book: (venue: VenueId, symbol: string) => (venue === 'paradex' && symbol === 'BTC-USD-PERP' ? h.book : undefined),
    now: () => h.clock,
  };
  h.routes.push(...paradexTradingRoutes({ market, faults, settleDelayMs: 0, ...extra }));
  return h;
}

// Stark signing costs tens of ms; tests share one account and reuse its onboarding/auth signatures.
const ALICE = newParadexAccount();
const signatureCache = new Map<string, string>();
function cached(key: string, sign: () => string): string {
  let sig = signatureCache.get(key);
  if (sig === undefined) {
    sig = sign();
    signatureCache.set(key, sig);
  }
  return sig;
}

async function onboard(h: Harness, account: Account): Promise<SimResponse> {
  const signature = cached(`onboard:${account.address}`, () => signParadexOnboarding(account, CHAIN));
  return h.call('POST', '/v1/onboarding', {
    headers: { 'PARADEX-STARKNET-ACCOUNT': account.address, 'PARADEX-STARKNET-SIGNATURE': signature },
    body: { public_key: account.publicKey },
  });
}

function authHeaders(h: Harness, account: Account, signer: Account = account): Record<string, string> {
  const timestamp = Math.floor(h.clock / 1000);
  const expiration = timestamp + 1800;
  const signature = cached(`auth:${account.address}:${signer.privateKey}:${timestamp}`, () =>
    signParadexAuth({ method: 'POST', path: '/v1/auth', body: '', timestamp, expiration }, signer, CHAIN),
  );
  return {
    'PARADEX-STARKNET-ACCOUNT': account.address,
    'PARADEX-STARKNET-SIGNATURE': signature,
    'PARADEX-TIMESTAMP': String(timestamp),
    'PARADEX-SIGNATURE-EXPIRATION': String(expiration),
  };
}

async function login(h: Harness, account: Account = ALICE): Promise<{ account: Account; jwt: string }> {
  expect((await onboard(h, account)).status).toBe(200);
  const res = await h.call('POST', `/v1/auth/${account.publicKey}`, { headers: authHeaders(h, account) });
  expect(res.status).toBe(200);
  return { account, jwt: (res.body as { jwt_token: string }).jwt_token };
}

interface OrderInput {
  side?: 'BUY' | 'SELL';
  type?: 'MARKET' | 'LIMIT';
  size?: string;
  price?: string;
  instruction?: 'IOC' | 'GTC';
  client_id?: string;
  flags?: string[];
  recv_window?: number;
  timestamp?: number;
}

function signedOrder(h: Harness, account: Account, o: OrderInput = {}): Record<string, unknown> {
  const fields: ParadexOrderFields = {
    timestamp: o.timestamp ?? h.clock,
    market: 'BTC-USD-PERP',
    side: o.side ?? 'BUY',
    type: o.type ?? 'LIMIT',
    size: o.size ?? '0.1',
    price: o.price ?? '95010',
  };
  return {
    market: fields.market,
    side: fields.side,
    type: fields.type,
    size: fields.size,
    price: fields.type === 'MARKET' ? '0' : fields.price,
    instruction: o.instruction ?? 'IOC',
    client_id: o.client_id ?? `c-${Math.random().toString(36).slice(2)}`,
    flags: o.flags ?? [],
    signature: signParadexOrder(fields, account, CHAIN),
    signature_timestamp: fields.timestamp,
    ...(o.recv_window === undefined ? {} : { recv_window: o.recv_window }),
  };
}

function postOrder(h: Harness, jwt: string, body: Record<string, unknown>): Promise<SimResponse> {
  return h.call('POST', '/v1/orders', { headers: { Authorization: `Bearer ${jwt}` }, body });
}

function bodyOf<T = Record<string, unknown>>(res: SimResponse): T {
  return res.body as T;
}

/** The order a POST created, as GET /orders/{id} reads it now. */
async function settled(h: Harness, jwt: string, posted: SimResponse): Promise<Record<string, unknown>> {
  expect(posted.status).toBe(201);
  const res = await h.call('GET', `/v1/orders/${String(bodyOf(posted).id)}`, { headers: { Authorization: `Bearer ${jwt}` } });
  expect(res.status).toBe(200);
  return bodyOf(res);
}

describe('Paradex sim: onboarding and auth', () => {
  it('issues a JWT for a correctly signed auth request of an onboarded account', async () => {
    const h = harness();
    const { jwt } = await login(h);
    expect(jwt.split('.')).toHaveLength(3);
    const account = await h.call('GET', '/v1/account', { headers: { Authorization: `Bearer ${jwt}` } });
    expect(account.status).toBe(200);
    expect(bodyOf(account).free_collateral).toBe('100000.000000');
  });

  it('refuses an auth request signed by another key', async () => {
    const h = harness();
    const account = newParadexAccount();
    await onboard(h, account);
    const res = await h.call('POST', '/v1/auth', { headers: authHeaders(h, account, newParadexAccount()) });
    expect(res.status).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'STARKNET_SIGNATURE_VERIFICATION_FAILED', message: expect.any(String), data: null });
  });

  it('refuses auth for an account that never onboarded', async () => {
    const h = harness();
    const account = newParadexAccount();
    const res = await h.call('POST', '/v1/auth', { headers: authHeaders(h, account) });
    expect(bodyOf(res).error).toBe('NOT_ONBOARDED');
  });

  it('refuses onboarding whose signature is not by the submitted public key', async () => {
    const h = harness();
    const account = newParadexAccount();
    const res = await h.call('POST', '/v1/onboarding', {
      headers: { 'PARADEX-STARKNET-ACCOUNT': account.address, 'PARADEX-STARKNET-SIGNATURE': signParadexOnboarding(account, CHAIN) },
      body: { public_key: newParadexAccount().publicKey },
    });
    expect(bodyOf(res).error).toBe('STARKNET_SIGNATURE_VERIFICATION_FAILED');
    expect(bodyOf(await h.call('GET', `/v1/onboarding?public_key=${account.publicKey}`))).toEqual({ exists: false });
  });

  it('reports onboarding status', async () => {
    const h = harness();
    const account = newParadexAccount();
    await onboard(h, account);
    expect(bodyOf(await h.call('GET', `/v1/onboarding?public_key=${account.publicKey}`))).toEqual({ exists: true });
  });
});

describe('Paradex sim: orders', () => {
  it('refuses an order without a JWT', async () => {
    const h = harness();
    const { account } = await login(h);
    const res = await h.call('POST', '/v1/orders', { body: signedOrder(h, account) });
    expect(res.status).toBe(401);
  });

  it('refuses an order whose JWT expired after 5 minutes', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    h.clock += 301_000;
    const res = await postOrder(h, jwt, signedOrder(h, account));
    expect(res.status).toBe(401);
    expect(bodyOf(res).error).toBe('INVALID_TOKEN');
  });

  it('refuses a JWT the sim did not issue', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const [head, body] = jwt.split('.');
    const res = await postOrder(h, `${head}.${body}.AAAA`, signedOrder(h, account));
    expect(bodyOf(res).error).toBe('INVALID_TOKEN');
  });

  it('fills a signed IOC limit buy against the asks and closes it', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const res = await postOrder(h, jwt, signedOrder(h, account, { size: '0.6', price: '95010', client_id: 'entry-1' }));
    expect(res.status).toBe(201);
    expect(bodyOf(res)).toMatchObject({ client_id: 'entry-1', status: 'NEW', remaining_size: '0.60000' });
    const order = await settled(h, jwt, res);
    expect(order).toMatchObject({ client_id: 'entry-1', market: 'BTC-USD-PERP', side: 'BUY', status: 'CLOSED', remaining_size: '0.00000', cancel_reason: '' });
    // 0.5 @ 95005 + 0.1 @ 95010
    expect(Number(order.avg_fill_price)).toBeCloseTo((0.5 * 95005 + 0.1 * 95010) / 0.6, 1);
  });

  it('shows the position after fills', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    await postOrder(h, jwt, signedOrder(h, account, { side: 'SELL', size: '0.3', price: '94990' }));
    const res = await h.call('GET', '/v1/positions', { headers: { Authorization: `Bearer ${jwt}` } });
    const [position] = bodyOf<{ results: Record<string, unknown>[] }>(res).results;
    expect(position).toMatchObject({ market: 'BTC-USD-PERP', side: 'SHORT', size: '-0.30000', status: 'OPEN' });
    expect(Number(position?.average_entry_price)).toBeCloseTo(94995, 6);
  });

  it('refuses an order whose signed fields were tampered with', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const body = { ...signedOrder(h, account, { size: '0.1' }), size: '0.2' };
    const res = await postOrder(h, jwt, body);
    expect(res.status).toBe(400);
    expect(bodyOf(res).error).toBe('INVALID_ORDER_SIGNATURE');
  });

  it('refuses an order signed by a key other than the account key', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const other = newParadexAccount();
    const res = await postOrder(h, jwt, signedOrder(h, { ...other, address: account.address }));
    expect(bodyOf(res).error).toBe('INVALID_ORDER_SIGNATURE');
  });

  it('finds an order by client id and by id', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const placed = bodyOf(await postOrder(h, jwt, signedOrder(h, account, { client_id: 'leg-a' })));
    const auth = { Authorization: `Bearer ${jwt}` };
    const byClient = await h.call('GET', '/v1/orders/by_client_id/leg-a', { headers: auth });
    expect(byClient.status).toBe(200);
    expect(bodyOf(byClient).id).toBe(placed.id);
    expect(bodyOf(await h.call('GET', `/v1/orders/${String(placed.id)}`, { headers: auth })).client_id).toBe('leg-a');
    const missing = await h.call('GET', '/v1/orders/by_client_id/nope', { headers: auth });
    expect(missing.status).toBe(404);
    expect(bodyOf(missing).error).toBe('CLIENT_ORDER_ID_NOT_FOUND');
  });

  it('refuses a duplicated client id', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    await postOrder(h, jwt, signedOrder(h, account, { client_id: 'dup' }));
    const res = await postOrder(h, jwt, signedOrder(h, account, { client_id: 'dup', timestamp: h.clock + 1 }));
    expect(bodyOf(res).error).toBe('DUPLICATED_CLIENT_ID');
  });

  it('refuses a price off the tick size', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const res = await postOrder(h, jwt, signedOrder(h, account, { price: '95010.05' }));
    expect(bodyOf(res).error).toBe('INVALID_PRICE_PRECISION');
  });

  it('refuses a size off the increment and a notional below the minimum', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    expect(bodyOf(await postOrder(h, jwt, signedOrder(h, account, { size: '0.000015' }))).error).toBe('INVALID_ORDER_SIZE');
    expect(bodyOf(await postOrder(h, jwt, signedOrder(h, account, { size: '0.0001' }))).error).toBe('INVALID_ORDER_SIZE');
  });

  it('refuses an order received after signature_timestamp + recv_window', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const body = signedOrder(h, account, { recv_window: 500, timestamp: h.clock - 1_000 });
    const res = await postOrder(h, jwt, body);
    expect(bodyOf(res).error).toBe('INVALID_TIMESTAMP');
  });

  it('cancels the part of an IOC order that cannot fill within its price', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const order = await settled(h, jwt, await postOrder(h, jwt, signedOrder(h, account, { size: '0.8', price: '95005' })));
    expect(order).toMatchObject({ status: 'CLOSED', remaining_size: '0.30000', cancel_reason: 'REMAINING_IOC_CANCEL', avg_fill_price: '95005.0' });
  });

  it('closes a reduce-only order that would open a position without filling it', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const res = await postOrder(h, jwt, signedOrder(h, account, { side: 'SELL', price: '94990', flags: ['REDUCE_ONLY'] }));
    expect(res.status).toBe(201);
    expect(await settled(h, jwt, res)).toMatchObject({ status: 'CLOSED', cancel_reason: 'REDUCE_ONLY_WILL_INCREASE', remaining_size: '0.10000' });
  });

  it('closes an order the account cannot margin', async () => {
    const h = harness({ initialBalance: 500 });
    const { account, jwt } = await login(h);
    const res = await postOrder(h, jwt, signedOrder(h, account, { size: '0.1' })); // ~9500 notional needs ~950 at 10x
    expect(await settled(h, jwt, res)).toMatchObject({ status: 'CLOSED', cancel_reason: 'NOT_ENOUGH_MARGIN', remaining_size: '0.10000' });
  });

  it('fills a MARKET order within the max slippage band', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const order = await settled(h, jwt, await postOrder(h, jwt, signedOrder(h, account, { type: 'MARKET', size: '1.5' })));
    expect(order).toMatchObject({ type: 'MARKET', price: '0', status: 'CLOSED', remaining_size: '0.00000' });
  });

  it('rests the unfilled part of a GTC limit order and can cancel it', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const order = await settled(h, jwt, await postOrder(h, jwt, signedOrder(h, account, { size: '0.8', price: '95005', instruction: 'GTC', client_id: 'rest' })));
    expect(order).toMatchObject({ status: 'OPEN', remaining_size: '0.30000' });
    const auth = { Authorization: `Bearer ${jwt}` };
    expect((await h.call('DELETE', '/v1/orders/by_client_id/rest', { headers: auth })).status).toBe(204);
    expect(bodyOf(await h.call('GET', '/v1/orders/by_client_id/rest', { headers: auth }))).toMatchObject({ status: 'CLOSED', cancel_reason: 'USER_CANCELED' });
  });

  it('fills a resting GTC order as a maker once a later book crosses it', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const auth = { Authorization: `Bearer ${jwt}` };
    const resting = await settled(h, jwt, await postOrder(h, jwt, signedOrder(h, account, { size: '0.2', price: '95000', instruction: 'GTC', client_id: 'bid' })));
    expect(resting).toMatchObject({ status: 'OPEN', remaining_size: '0.20000' });
    h.clock += 1_000;
    h.book = bookFromLevels([{ price: 94990, size: 1 }], [{ price: 94998, size: 1 }], { receivedAt: h.clock });
    expect(bodyOf(await h.call('GET', '/v1/orders/by_client_id/bid', { headers: auth }))).toMatchObject({ status: 'CLOSED', remaining_size: '0.00000', avg_fill_price: '94998.0' });
    const [fill] = bodyOf<{ results: Record<string, unknown>[] }>(await h.call('GET', '/v1/fills', { headers: auth })).results;
    expect(fill).toMatchObject({ liquidity: 'MAKER', size: '0.20000' });
    expect(Number(fill?.fee)).toBeCloseTo(0.2 * 94998 * 0.00003, 6);
  });

  it('lists fills with their fees', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const order = bodyOf(await postOrder(h, jwt, signedOrder(h, account, { size: '0.6' })));
    const fills = bodyOf<{ results: Record<string, unknown>[] }>(await h.call('GET', '/v1/fills', { headers: { Authorization: `Bearer ${jwt}` } })).results;
    expect(fills).toHaveLength(2);
    expect(fills.every((f) => f.order_id === order.id)).toBe(true);
    const fee = fills.reduce((sum, f) => sum + Number(f.fee), 0);
    expect(fee).toBeCloseTo((0.5 * 95005 + 0.1 * 95010) * 0.00045, 5);
  });
});

describe('Paradex sim: orders are queued, then settled by the matching engine', () => {
  it('answers a new order NEW with nothing filled, and settles it once the settlement delay has passed', async () => {
    const h = harness({ settleDelayMs: 50 });
    const { account, jwt } = await login(h);
    const auth = { Authorization: `Bearer ${jwt}` };
    const res = await postOrder(h, jwt, signedOrder(h, account, { size: '0.6', client_id: 'queued' }));
    expect(res.status).toBe(201);
    expect(bodyOf(res)).toMatchObject({ client_id: 'queued', status: 'NEW', remaining_size: '0.60000', avg_fill_price: '' });
    expect(bodyOf(await h.call('GET', '/v1/orders/by_client_id/queued', { headers: auth }))).toMatchObject({ status: 'NEW' });
    expect(bodyOf<{ results: unknown[] }>(await h.call('GET', '/v1/positions', { headers: auth })).results).toEqual([]);
    h.clock += 50;
    expect(bodyOf(await h.call('GET', '/v1/orders/by_client_id/queued', { headers: auth }))).toMatchObject({ status: 'CLOSED', remaining_size: '0.00000' });
    const [position] = bodyOf<{ results: Record<string, unknown>[] }>(await h.call('GET', '/v1/positions', { headers: auth })).results;
    expect(position).toMatchObject({ side: 'LONG', size: '0.60000' });
  });

  it('settles a queued order by itself, against the book of that moment, with no request from the client', async () => {
    const h = harness({ settleDelayMs: 30 });
    const { account, jwt } = await login(h);
    const posted = await postOrder(h, jwt, signedOrder(h, account, { size: '0.1', price: '95100' }));
    expect(bodyOf(posted).status).toBe('NEW');
    // The ask moves up after the POST was answered: the engine fills at the new ask.
    h.book = bookFromLevels([{ price: 95040, size: 1 }], [{ price: 95050, size: 1 }], { receivedAt: h.clock });
    await new Promise((r) => setTimeout(r, 80));
    expect(h.faults.pendingCount).toBe(0);
    expect(await settled(h, jwt, posted)).toMatchObject({ status: 'CLOSED', avg_fill_price: '95050.0' });
  });

  it('settles queued orders in the order they arrived', async () => {
    const h = harness({ settleDelayMs: 40 });
    const { account, jwt } = await login(h);
    const open = await postOrder(h, jwt, signedOrder(h, account, { size: '0.2', client_id: 'open' }));
    h.faults.delaySettlement(0); // a later order with a shorter delay still waits for the one ahead of it
    const close = await postOrder(h, jwt, signedOrder(h, account, { side: 'SELL', size: '0.2', price: '94990', flags: ['REDUCE_ONLY'], client_id: 'close' }));
    expect((await settled(h, jwt, open)).status).toBe('CLOSED');
    expect(await settled(h, jwt, close)).toMatchObject({ status: 'CLOSED', remaining_size: '0.00000', cancel_reason: '' });
  });

  it('cancels an order still queued, and then nothing of it fills', async () => {
    const h = harness({ settleDelayMs: 30 });
    const { account, jwt } = await login(h);
    const auth = { Authorization: `Bearer ${jwt}` };
    await postOrder(h, jwt, signedOrder(h, account, { client_id: 'late' }));
    expect((await h.call('DELETE', '/v1/orders/by_client_id/late', { headers: auth })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 60));
    expect(bodyOf(await h.call('GET', '/v1/orders/by_client_id/late', { headers: auth }))).toMatchObject({ status: 'CLOSED', cancel_reason: 'USER_CANCELED', remaining_size: '0.10000' });
    expect(bodyOf<{ results: unknown[] }>(await h.call('GET', '/v1/positions', { headers: auth })).results).toEqual([]);
  });

  it('tells a listener of every order that reaches the engine, reduce-only or not', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    const arrivals: boolean[] = [];
    const off = h.faults.onOrder((a) => arrivals.push(a.reduceOnly));
    await postOrder(h, jwt, signedOrder(h, account, { size: '0.1' }));
    await postOrder(h, jwt, signedOrder(h, account, { side: 'SELL', size: '0.1', price: '94990', flags: ['REDUCE_ONLY'] }));
    await postOrder(h, jwt, signedOrder(h, account, { price: '95010.05' })); // refused before the engine
    off();
    await postOrder(h, jwt, signedOrder(h, account, { size: '0.1' }));
    expect(arrivals).toEqual([false, true]);
  });
});

describe('Paradex sim: fault knobs', () => {
  it('rejects the next N orders with the given code and executes nothing', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    h.faults.rejectNextOrders(2, 'INTERNAL_ERROR');
    expect(bodyOf(await postOrder(h, jwt, signedOrder(h, account))).error).toBe('INTERNAL_ERROR');
    expect(bodyOf(await postOrder(h, jwt, signedOrder(h, account))).error).toBe('INTERNAL_ERROR');
    const positions = bodyOf<{ results: unknown[] }>(await h.call('GET', '/v1/positions', { headers: { Authorization: `Bearer ${jwt}` } }));
    expect(positions.results).toEqual([]);
    expect((await postOrder(h, jwt, signedOrder(h, account))).status).toBe(201);
  });

  it('rejects only the next close order', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    h.faults.rejectNextClose('VALIDATION_ERROR');
    expect((await postOrder(h, jwt, signedOrder(h, account, { size: '0.2' }))).status).toBe(201);
    const close = () => signedOrder(h, account, { side: 'SELL', size: '0.2', price: '94990', flags: ['REDUCE_ONLY'] });
    expect(bodyOf(await postOrder(h, jwt, close())).error).toBe('VALIDATION_ERROR');
    expect((await settled(h, jwt, await postOrder(h, jwt, close()))).status).toBe('CLOSED');
  });

  it('fills only a fraction of the next order', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    h.faults.partialFillNext(0.5);
    const order = await settled(h, jwt, await postOrder(h, jwt, signedOrder(h, account, { size: '0.4' })));
    expect(order).toMatchObject({ status: 'CLOSED', remaining_size: '0.20000', cancel_reason: 'REMAINING_IOC_CANCEL' });
  });

  it('executes a timed-out order but answers only when released', async () => {
    const h = harness();
    const { account, jwt } = await login(h);
    h.faults.timeoutNextOrders(1);
    let answered = false;
    const pending = postOrder(h, jwt, signedOrder(h, account, { client_id: 'lost' })).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    const lookup = await h.call('GET', '/v1/orders/by_client_id/lost', { headers: { Authorization: `Bearer ${jwt}` } });
    expect(bodyOf(lookup).status).toBe('CLOSED');
    h.faults.releaseAll();
    expect((await pending).status).toBe(201);
  });

  it('delays every response by the configured time', async () => {
    const h = harness();
    const { jwt } = await login(h);
    h.faults.delayResponses(60);
    const started = Date.now();
    await h.call('GET', '/v1/account', { headers: { Authorization: `Bearer ${jwt}` } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    h.faults.delayResponses(0);
  });
});
