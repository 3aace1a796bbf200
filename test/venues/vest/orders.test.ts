/**
 * The Vest order path's pure parts: market rules from exchangeInfo, the signed-order fields (rounding that never
 * worsens the cap), the outcome of a Vest order, and the client id → nonce book's bounds.
 */
import type { MarketSpec, OrderRequest } from '../../../src/venues/venue';
import { ClientIdNonces, VEST_DEFAULT_TAKER_FEE, vestMarketSpec, vestOrderFields, vestOutcome } from '../../../src/venues/vest/orders';
import type { VestOrder } from '../../../src/venues/vest/rest';

const SPEC: MarketSpec = vestMarketSpec('BTC-PERP', { symbol: 'BTC-PERP', priceDecimals: 1, sizeDecimals: 4 } as Parameters<typeof vestMarketSpec>[1]);

const request = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientId: 'c1',
  symbol: 'BTC-PERP',
  side: 'BUY',
  type: 'MARKET',
  size: 0.00123456,
  price: 100_123.47,
  timeInForce: 'IOC',
  reduceOnly: false,
  ...over,
});

describe('vestMarketSpec', () => {
  it('reads steps from the decimals exactly, and the default taker fee when none is stated', () => {
    expect(SPEC).toEqual({ symbol: 'BTC-PERP', tickSize: 0.1, sizeIncrement: 0.0001, priceDecimals: 1, sizeDecimals: 4, minNotional: 0, takerFee: VEST_DEFAULT_TAKER_FEE });
    expect(VEST_DEFAULT_TAKER_FEE).toBe(0.0001);
  });
});

describe('vestOrderFields', () => {
  it('rounds the size down and a buy cap down, a sell cap up: never beyond the cap asked for', () => {
    const buy = vestOrderFields(request(), SPEC, 1_000, 1_001);
    expect(buy).toEqual({
      ok: true,
      resting: false,
      order: { time: 1_000, nonce: 1_001, orderType: 'MARKET', symbol: 'BTC-PERP', isBuy: true, size: '0.0012', limitPrice: '100123.4', reduceOnly: false },
    });
    const sell = vestOrderFields(request({ side: 'SELL', reduceOnly: true }), SPEC, 1_000, 1_002);
    expect(sell).toMatchObject({ ok: true, order: { isBuy: false, limitPrice: '100123.5', reduceOnly: true } });
  });

  it('rests only a GTC LIMIT', () => {
    expect(vestOrderFields(request({ type: 'LIMIT', timeInForce: 'GTC' }), SPEC, 1, 1)).toMatchObject({ ok: true, resting: true, order: { orderType: 'LIMIT' } });
    expect(vestOrderFields(request({ type: 'LIMIT', timeInForce: 'IOC' }), SPEC, 1, 1)).toMatchObject({ ok: true, resting: false, order: { orderType: 'MARKET' } });
  });

  it('refuses a size below the increment and a cap that is not a positive price', () => {
    expect(vestOrderFields(request({ size: 0.00009 }), SPEC, 1, 1)).toEqual({ ok: false, reason: 'size 0.00009 rounds to zero at increment 0.0001' });
    for (const price of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(vestOrderFields(request({ price }), SPEC, 1, 1)).toEqual({ ok: false, reason: `Vest orders need a positive limit price (worst-price cap), got ${price}` });
    }
  });
});

describe('vestOutcome', () => {
  const order = (over: Partial<VestOrder>): VestOrder => ({ id: 'o1', nonce: 1, symbol: 'BTC-PERP', size: 0.002, status: 'FILLED', code: undefined, lastFilledSize: undefined, avgFilledPrice: 100_000, fees: 0.02, ...over }) as VestOrder;

  it('a FILLED order filled its whole size at the average price, fees as charged', () => {
    expect(vestOutcome(order({}), 'c1')).toEqual({ ok: true, clientId: 'c1', orderId: 'o1', status: 'FILLED', filledSize: 0.002, avgPrice: 100_000, feeUsd: 0.02 });
  });

  it('a partial fill reports the last fill; nothing filled has no price', () => {
    expect(vestOutcome(order({ status: 'PARTIALLY_FILLED', lastFilledSize: 0.001 }), 'c1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledSize: 0.001, avgPrice: 100_000 });
    expect(vestOutcome(order({ status: 'CANCELLED', avgFilledPrice: undefined, fees: undefined }), 'c1')).toMatchObject({ status: 'CANCELLED', filledSize: 0, avgPrice: undefined, feeUsd: 0 });
    expect(vestOutcome(order({ status: 'NEW', avgFilledPrice: undefined }), 'c1')).toMatchObject({ status: 'NEW', filledSize: 0 });
  });

  it('a REJECTED order is a known rejection with its code', () => {
    expect(vestOutcome(order({ status: 'REJECTED', code: '3018' }), 'c1')).toEqual({ ok: false, clientId: 'c1', reason: 'Vest rejected the order (code 3018)', code: '3018', unknown: false });
  });
});

describe('ClientIdNonces', () => {
  const filled = (clientId: string) => ({ ok: true as const, clientId, orderId: 'x', status: 'FILLED' as const, filledSize: 1, avgPrice: 1, feeUsd: 0 });

  it('keeps every nonce a client id was signed with, newest last', () => {
    const book = new ClientIdNonces(10, 5);
    book.remember('a', { nonce: 1, symbol: 'BTC-PERP' });
    book.remember('a', { nonce: 2, symbol: 'BTC-PERP' });
    expect(book.attempts('a')).toEqual([
      { nonce: 1, symbol: 'BTC-PERP' },
      { nonce: 2, symbol: 'BTC-PERP' },
    ]);
    expect(book.attempts('b')).toBeUndefined();
  });

  it('keeps orders not final up to maxPending (oldest dropped), final ones in a window of maxFinal', () => {
    const book = new ClientIdNonces(3, 2);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) book.remember(id, { nonce: i, symbol: 'S' });
    expect(book.attempts('a')).toBeUndefined();
    expect(book.attempts('d')).toBeDefined();
    for (const id of ['b', 'c', 'd']) book.settled(filled(id));
    expect(book.attempts('b')).toBeUndefined(); // past the final window
    expect(book.attempts('c')).toBeDefined();
    expect(book.attempts('d')).toBeDefined();
  });

  it('an unknown outcome is not final: its nonces stay where a lookup finds them', () => {
    const book = new ClientIdNonces(3, 1);
    book.remember('a', { nonce: 1, symbol: 'S' });
    book.remember('b', { nonce: 2, symbol: 'S' });
    book.settled(filled('b'));
    const unknown = { ok: false as const, clientId: 'a', reason: 'timeout', unknown: true };
    expect(book.settled(unknown)).toBe(unknown);
    book.remember('c', { nonce: 3, symbol: 'S' });
    book.settled(filled('c')); // the final window (1) now holds c only
    expect(book.attempts('a')).toEqual([{ nonce: 1, symbol: 'S' }]);
    expect(book.attempts('b')).toBeUndefined();
  });
});
