import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import { ParadexExchange, type ParadexOrderRequest } from '../../src/sim/paradex-exchange';
import { SimTradingFaults } from '../../src/sim/trading-faults';
import { SIM_PARADEX_CHAIN_ID, type SimMarketView } from '../../src/sim/types';
import { newParadexAccount, signParadexAuth, signParadexOnboarding, signParadexOrder } from '../../src/venues/paradex/signing';

const T0 = 1_780_000_000_000;
// BTC-USD-PERP: tick 0.1, increment 0.00001; mid 95000.
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

// Stark signing costs tens of ms: one account for every test.
const ALICE = newParadexAccount();

interface Rig {
  readonly exchange: ParadexExchange;
  readonly faults: SimTradingFaults;
  clock: number;
  book: OrderBook;
}

function rig(settleDelayMs = 0): Rig {
  const faults = new SimTradingFaults();
  const r = { faults, clock: T0, book: BOOK } as Rig & { exchange: ParadexExchange };
  const market: SimMarketView = { book: (venue, symbol) => (venue === 'paradex' && symbol === 'BTC-USD-PERP' ? r.book : undefined), now: () => r.clock };
  Object.assign(r, { exchange: new ParadexExchange({ market, faults, settleDelayMs, accounts: [ALICE] }) });
  return r;
}

function request(r: Rig, o: Partial<ParadexOrderRequest> = {}): ParadexOrderRequest {
  const base = { market: 'BTC-USD-PERP', side: 'BUY' as const, type: 'LIMIT' as const, size: '0.1', price: '95010', ...o };
  const timestamp = o.signatureTimestamp ?? r.clock;
  const signature = o.signature ?? signParadexOrder({ timestamp, market: base.market, side: base.side, type: base.type, size: base.size, price: base.type === 'MARKET' ? '0' : base.price }, ALICE, SIM_PARADEX_CHAIN_ID);
  return { instruction: 'IOC', clientId: '', reduceOnly: false, recvWindow: undefined, ...base, signature, signatureTimestamp: timestamp };
}

function alice(r: Rig) {
  const account = r.exchange.accounts.get(ALICE.address);
  if (!account) throw new Error('ALICE not onboarded');
  return account;
}

describe('ParadexExchange: orders without HTTP', () => {
  afterEach(() => jest.useRealTimers());

  it('answers an order NEW and fills it when the engine settles', () => {
    const r = rig();
    const placed = r.exchange.placeOrder(alice(r), request(r, { clientId: 'c1' }), r.clock);
    if ('kind' in placed) throw new Error(placed.message);
    expect(placed.order).toMatchObject({ status: 'NEW', remaining_size: '0.10000', client_id: 'c1' });
    const order = alice(r).byClientId.get('c1')!;
    expect(order.wire).toMatchObject({ status: 'CLOSED', remaining_size: '0.00000', avg_fill_price: '95005.0' });
    expect(alice(r).fills).toEqual([expect.objectContaining({ side: 'BUY', size: '0.10000', price: '95005.0', liquidity: 'TAKER' })]);
    expect(r.exchange.positions(alice(r))).toEqual([expect.objectContaining({ market: 'BTC-USD-PERP', side: 'LONG', size: '0.10000' })]);
  });

  it('settles due orders on catchUp by the sim clock, FIFO, whatever the timers did', () => {
    jest.useFakeTimers();
    const r = rig(50);
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'a' }), r.clock);
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'b', side: 'SELL', price: '94990' }), r.clock);
    r.exchange.catchUp();
    expect(alice(r).byClientId.get('a')!.wire.status).toBe('NEW');
    r.clock += 50;
    r.exchange.catchUp();
    expect(alice(r).fills.map((f) => f.side)).toEqual(['BUY', 'SELL']);
    expect(r.exchange.positions(alice(r))).toEqual([expect.objectContaining({ status: 'CLOSED', size: '0.00000' })]);
  });

  it('refuses what the venue refuses, as values', () => {
    const r = rig();
    expect(r.exchange.placeOrder(alice(r), request(r, { market: 'DOGE-USD-PERP' }), r.clock)).toMatchObject({ kind: 'invalid', code: 'MARKET_NOT_FOUND' });
    expect(r.exchange.placeOrder(alice(r), request(r, { signature: '["0x1","0x2"]' }), r.clock)).toMatchObject({ code: 'INVALID_ORDER_SIGNATURE' });
    expect(r.exchange.placeOrder(alice(r), request(r, { recvWindow: 10 }), r.clock + 11)).toMatchObject({ code: 'INVALID_TIMESTAMP' });
    expect(r.exchange.placeOrder(alice(r), request(r, { price: '95010.05' }), r.clock)).toMatchObject({ code: 'INVALID_PRICE_PRECISION' });
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'dup' }), r.clock);
    expect(r.exchange.placeOrder(alice(r), request(r, { clientId: 'dup' }), r.clock)).toMatchObject({ code: 'DUPLICATED_CLIENT_ID' });
  });

  it('closes a reduce-only order that would increase the position, with the venue\'s cancel reason', () => {
    const r = rig();
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'ro', reduceOnly: true }), r.clock);
    expect(alice(r).byClientId.get('ro')!.wire).toMatchObject({ status: 'CLOSED', cancel_reason: 'REDUCE_ONLY_WILL_INCREASE' });
    expect(alice(r).fills).toEqual([]);
  });

  it('rests a GTC remainder and fills it as a maker against a newer book only', () => {
    const r = rig();
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'gtc', instruction: 'GTC', size: '0.6', price: '95005' }), r.clock);
    const order = alice(r).byClientId.get('gtc')!;
    expect(order.wire).toMatchObject({ status: 'OPEN', remaining_size: '0.10000' });
    r.exchange.catchUp();
    expect(order.wire.status).toBe('OPEN');
    r.book = bookFromLevels(BOOK.bids, [{ price: 95004, size: 1 }], { receivedAt: T0 + 100 });
    r.exchange.catchUp();
    expect(order.wire).toMatchObject({ status: 'CLOSED', remaining_size: '0.00000' });
    expect(alice(r).fills.map((f) => f.liquidity)).toEqual(['TAKER', 'MAKER']);
    expect(r.exchange.openOrders(alice(r), null)).toEqual([]);
  });

  it('cancels an open order once; a closed order cannot be cancelled', () => {
    jest.useFakeTimers();
    const r = rig(1000);
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'q' }), r.clock);
    const order = alice(r).byClientId.get('q')!;
    expect(r.exchange.openOrders(alice(r), 'BTC-USD-PERP')).toHaveLength(1);
    expect(r.exchange.cancel(order)).toBeUndefined();
    expect(order.wire).toMatchObject({ status: 'CLOSED', cancel_reason: 'USER_CANCELED' });
    expect(r.exchange.cancel(order)).toMatchObject({ code: 'ORDER_IS_CLOSED' });
    r.clock += 1000;
    r.exchange.catchUp();
    expect(alice(r).fills).toEqual([]);
  });

  it('applies the fault knobs: a rejected order, a partial fill whose rest never rests', () => {
    const r = rig();
    r.faults.rejectNextOrders(1, 'ORDER_RATE_LIMITED');
    expect(r.exchange.placeOrder(alice(r), request(r), r.clock)).toMatchObject({ kind: 'invalid', code: 'ORDER_RATE_LIMITED' });
    r.faults.partialFillNext(0.5);
    r.exchange.placeOrder(alice(r), request(r, { clientId: 'half', instruction: 'GTC' }), r.clock);
    expect(alice(r).byClientId.get('half')!.wire).toMatchObject({ status: 'CLOSED', remaining_size: '0.05000', cancel_reason: 'REMAINING_IOC_CANCEL' });
  });

  it('reports the account: balance, and initial margin at the mark (notional / leverage 10)', () => {
    const r = rig();
    expect(r.exchange.balance(alice(r))).toBe(100_000);
    r.exchange.placeOrder(alice(r), request(r), r.clock);
    expect(r.exchange.accountSummary(alice(r))).toMatchObject({ account: ALICE.address, settlement_asset: 'USDC', status: 'ACTIVE' });
    expect(Number(r.exchange.accountSummary(alice(r)).initial_margin_requirement)).toBeCloseTo(950, 6);
  });
});

describe('ParadexAccounts: onboarding and auth without HTTP', () => {
  it('onboards a signed account, issues a JWT for a signed auth, and authenticates it', () => {
    const r = rig();
    const bob = newParadexAccount();
    expect(r.exchange.accounts.onboardSigned(bob.address, bob.publicKey, signParadexOnboarding(ALICE, SIM_PARADEX_CHAIN_ID))).toMatchObject({
      code: 'STARKNET_SIGNATURE_VERIFICATION_FAILED',
    });
    expect(r.exchange.accounts.onboardSigned(bob.address, bob.publicKey, signParadexOnboarding(bob, SIM_PARADEX_CHAIN_ID))).toBeUndefined();
    const timestamp = Math.floor(r.clock / 1000);
    const expiration = timestamp + 60;
    const signature = signParadexAuth({ method: 'POST', path: '/v1/auth', body: '', timestamp, expiration }, bob, SIM_PARADEX_CHAIN_ID);
    const issued = r.exchange.accounts.issueJwt({ address: bob.address, signature, timestamp, expiration, pathKey: undefined, path: '/v1/auth' });
    if ('kind' in issued) throw new Error(issued.message);
    expect(r.exchange.accounts.authenticate(issued.jwt)).toMatchObject({ address: bob.address });
    r.clock += 301_000;
    expect(r.exchange.accounts.authenticate(issued.jwt)).toEqual({ kind: 'unauthorized', code: 'INVALID_TOKEN', message: 'token expired' });
  });

  it('refuses auth for an account never onboarded', () => {
    const r = rig();
    const carol = newParadexAccount();
    const timestamp = Math.floor(r.clock / 1000);
    expect(r.exchange.accounts.issueJwt({ address: carol.address, signature: '["0x1","0x2"]', timestamp, expiration: timestamp + 60, pathKey: undefined, path: '/v1/auth' })).toMatchObject({
      code: 'NOT_ONBOARDED',
    });
  });
});
