import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import { simMarketBySymbol } from '../../src/sim/matching';
import { SimTradingFaults } from '../../src/sim/trading-faults';
import type { SimMarketView } from '../../src/sim/types';
import { VEST_CODES } from '../../src/sim/vest-codes';
import { VestExchange, type VestOrderRequest, type VestSigner } from '../../src/sim/vest-exchange';
import { VEST_VERIFYING_CONTRACT, newVestKeys, signVestCancel, signVestOrder, signVestSignerProof, type VestOrderFields } from '../../src/venues/vest/signing';

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
const KEYS = newVestKeys();
const BTC = simMarketBySymbol('vest', 'BTC-PERP')!;

interface Rig {
  readonly exchange: VestExchange;
  readonly faults: SimTradingFaults;
  clock: number;
}

function rig(funding?: { index: number }): Rig {
  const faults = new SimTradingFaults();
  const r = { faults, clock: T0 } as Rig & { exchange: VestExchange };
  const market: SimMarketView = {
    book: (venue, symbol) => (venue === 'vest' && symbol === 'BTC-PERP' ? BOOK : undefined),
    now: () => r.clock,
    ...(funding ? { funding: (venue: string) => (venue === 'vest' ? { ratePerHour: 0, premiumPerHour: 0, index: funding.index } : undefined) } : {}),
  };
  Object.assign(r, { exchange: new VestExchange({ market, faults }) });
  return r;
}

async function signer(r: Rig): Promise<VestSigner> {
  const expiryTime = T0 + 3_600_000;
  const signature = await signVestSignerProof({ signingAddr: KEYS.signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT.prod }, KEYS.primaryKey);
  const registered = await r.exchange.register({ signingAddr: KEYS.signingAddr, primaryAddr: KEYS.primaryAddr, signature, expiryTime });
  if ('kind' in registered) throw new Error(`register refused: ${registered.code}`);
  return r.exchange.signer(registered.apiKey)!;
}

let nonce = 1;
async function order(r: Rig, o: Partial<VestOrderFields> = {}, extra: Partial<VestOrderRequest> = {}): Promise<VestOrderRequest> {
  const fields: VestOrderFields = { time: r.clock, nonce: nonce++, orderType: 'LIMIT', symbol: 'BTC-PERP', isBuy: true, size: '0.1000', limitPrice: '95010.00', reduceOnly: false, ...o };
  return { fields, spec: BTC, timeInForce: undefined, recvWindow: 5000, signature: await signVestOrder(fields, KEYS.signingKey), ...extra };
}

describe('VestExchange: orders without HTTP', () => {
  it('registers a signer the primary key vouches for, and refuses a proof signed by another key', async () => {
    const r = rig();
    const s = await signer(r);
    expect(s).toMatchObject({ primaryAddr: KEYS.primaryAddr.toLowerCase(), signingAddr: KEYS.signingAddr.toLowerCase() });
    const expiryTime = T0 + 60_000;
    const forged = await signVestSignerProof({ signingAddr: KEYS.signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT.prod }, KEYS.signingKey);
    expect(await r.exchange.register({ signingAddr: KEYS.signingAddr, primaryAddr: KEYS.primaryAddr, signature: forged, expiryTime })).toMatchObject({
      code: VEST_CODES.INVALID_SIGNATURE,
    });
  });

  it('fills a signed order at once and reports it FILLED with price, fees and nonce', async () => {
    const r = rig();
    const s = await signer(r);
    const req = await order(r);
    const placed = await r.exchange.placeOrder(s, req, r.clock);
    if ('kind' in placed) throw new Error(String(placed.code));
    const [o] = r.exchange.orders(s, { ids: [placed.id], nonce: null, symbol: null, status: null, orderType: null, limit: 10 });
    expect(o).toMatchObject({ status: 'FILLED', lastFilledSize: '0.1000', avgFilledPrice: '95005.00', fees: '0.950050' });
    expect(r.exchange.lastNonce(s)).toBe(req.fields.nonce);
    expect(r.exchange.accountView(s)).toMatchObject({ positions: [expect.objectContaining({ symbol: 'BTC-PERP', isLong: true, size: '0.1000' })] });
  });

  it('refuses an expired order, wrong decimals, a reused nonce and a bad signature, as values', async () => {
    const r = rig();
    const s = await signer(r);
    expect(await r.exchange.placeOrder(s, await order(r), r.clock + 5001)).toMatchObject({ code: VEST_CODES.ORDER_EXPIRED });
    expect(await r.exchange.placeOrder(s, await order(r, { size: '0.1' }), r.clock)).toMatchObject({ code: VEST_CODES.BAD_DECIMALS });
    const first = await order(r);
    await r.exchange.placeOrder(s, first, r.clock);
    expect(await r.exchange.placeOrder(s, first, r.clock)).toMatchObject({ code: VEST_CODES.DUPLICATE });
    expect(await r.exchange.placeOrder(s, await order(r, {}, { signature: '0x00' }), r.clock)).toMatchObject({ code: VEST_CODES.INVALID_SIGNATURE });
  });

  it('rejects on the order, not as an error, what it cannot fill within limitPrice or that reduce-only would increase', async () => {
    const r = rig();
    const s = await signer(r);
    const all = { ids: undefined, nonce: null, symbol: null, status: 'REJECTED', orderType: null, limit: 10 };
    await r.exchange.placeOrder(s, await order(r, { limitPrice: '95000.00' }), r.clock);
    await r.exchange.placeOrder(s, await order(r, { reduceOnly: true }), r.clock);
    expect(r.exchange.orders(s, all).map((o) => o.code)).toEqual([VEST_CODES.REDUCE_ONLY_INCREASES, VEST_CODES.PRICE_CHECK_FAILED]);
  });

  it('cancels an order still NEW (settlement delayed), and nothing already final', async () => {
    const r = rig();
    const s = await signer(r);
    r.faults.delaySettlement(60_000);
    const placed = await r.exchange.placeOrder(s, await order(r), r.clock);
    if ('kind' in placed) throw new Error(String(placed.code));
    const cancel = { time: r.clock, nonce: nonce++, id: placed.id };
    const signature = await signVestCancel(cancel, KEYS.signingKey);
    expect(await r.exchange.cancel(s, { ...cancel, recvWindow: 5000, signature }, r.clock)).toBeUndefined();
    expect(r.exchange.orders(s, { ids: [placed.id], nonce: null, symbol: null, status: null, orderType: null, limit: 1 })[0]!.status).toBe('CANCELLED');
    expect(await r.exchange.cancel(s, { ...cancel, recvWindow: 5000, signature }, r.clock)).toMatchObject({ code: VEST_CODES.ORDER_NOT_FOUND });
    r.faults.releaseAll();
  });

  it('applies the reject fault knob with its code', async () => {
    const r = rig();
    const s = await signer(r);
    r.faults.rejectNextOrders(1, VEST_CODES.PRICE_STALE);
    expect(await r.exchange.placeOrder(s, await order(r), r.clock)).toMatchObject({ kind: 'invalid', code: VEST_CODES.PRICE_STALE });
  });
});

describe('VestExchange: funding on positions', () => {
  it('shows accrued funding in the position (entryFunding, unrealizedPnl) and settles it into the balance on a fill', async () => {
    const funding = { index: 100 };
    const r = rig(funding);
    const s = await signer(r);
    const opened = await r.exchange.placeOrder(s, await order(r), r.clock); // long 0.1 at 95005
    if ('kind' in opened) throw new Error(String(opened.code));
    const before = r.exchange.accountView(s) as { collateral: string; positions: Record<string, string>[] };
    expect(before.positions[0]).toMatchObject({ entryFunding: '100.000000000000', settledFunding: '0.000000' });
    const pricePnl = Number(before.positions[0]!.unrealizedPnl);
    funding.index = 130; // longs pay 30 USD per BTC: 0.1 BTC owes 3 USD
    const accrued = r.exchange.accountView(s) as { positions: Record<string, string>[] };
    expect(Number(accrued.positions[0]!.unrealizedPnl) - pricePnl).toBeCloseTo(-3, 6);
    // Closing settles the 3 USD into the balance, on top of the price PnL and the fee.
    const closed = await r.exchange.placeOrder(s, await order(r, { isBuy: false, limitPrice: '94990.00', reduceOnly: true }), r.clock);
    if ('kind' in closed) throw new Error(String(closed.code));
    const after = r.exchange.accountView(s) as { collateral: string; positions: unknown[] };
    expect(after.positions).toEqual([]);
    const cashChange = Number(after.collateral) - Number(before.collateral);
    const priceAndFees = 0.1 * (94995 - 95005) - 0.1 * 94995 * BTC.vest.takerFee;
    expect(cashChange).toBeCloseTo(priceAndFees - 3, 4);
  });
});
