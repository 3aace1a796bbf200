import { bookFromLevels } from '../../src/domain/order-book';
import { capPrice, clientIdGenerator, closeReference, entryOrder, isFinal, lookupRefsOf, reduceOnlyOrder } from '../../src/execution/orders';
import type { PreparedOrder } from '../../src/venues/venue';

describe('order builders', () => {
  it('caps a buy above and a sell below the reference, rounded inward to the tick', () => {
    expect(capPrice(100_000, 'BUY', 0.5, 0.1)).toBe(100_500);
    expect(capPrice(100_000.07, 'BUY', 0.5, 1)).toBe(100_500);
    expect(capPrice(100_000.07, 'SELL', 0.5, 1)).toBe(99_501);
    expect(capPrice(100, 'SELL', 1, 0)).toBe(99);
  });

  it('builds an entry leg as an IOC market order with a slippage cap, and an unwind or close as reduce-only', () => {
    expect(entryOrder('c1', 'BTC-PERP', 'BUY', 0.01, 100_000, 0.5, 1)).toEqual({
      clientId: 'c1',
      symbol: 'BTC-PERP',
      side: 'BUY',
      type: 'MARKET',
      size: 0.01,
      price: 100_500,
      timeInForce: 'IOC',
      reduceOnly: false,
    });
    expect(reduceOnlyOrder('c2', 'BTC-USD-PERP', 'SELL', 0.004, 99_000)).toEqual({
      clientId: 'c2',
      symbol: 'BTC-USD-PERP',
      side: 'SELL',
      type: 'MARKET',
      size: 0.004,
      price: 99_000,
      timeInForce: 'IOC',
      reduceOnly: true,
    });
  });

  it('prices a close from the book: VWAP when deep enough, else the worst level shown', () => {
    const book = bookFromLevels(
      [
        { price: 100, size: 1 },
        { price: 99, size: 1 },
      ],
      [
        { price: 101, size: 1 },
        { price: 102, size: 1 },
      ],
      { receivedAt: 0 },
    );
    expect(closeReference(book, 'SELL', 2)).toBeCloseTo(99.5, 9);
    expect(closeReference(book, 'BUY', 1)).toBe(101);
    expect(closeReference(book, 'SELL', 5)).toBe(99);
    expect(closeReference(undefined, 'SELL', 1)).toBeUndefined();
  });

  it('treats a live or unknown outcome as not final', () => {
    expect(isFinal({ ok: true, clientId: 'c', orderId: 'o', status: 'FILLED', filledSize: 1, avgPrice: 1, feeUsd: 0 })).toBe(true);
    expect(isFinal({ ok: true, clientId: 'c', orderId: 'o', status: 'OPEN', filledSize: 0, avgPrice: undefined, feeUsd: 0 })).toBe(false);
    expect(isFinal({ ok: true, clientId: 'c', orderId: 'o', status: 'NEW', filledSize: 0, avgPrice: undefined, feeUsd: 0 })).toBe(false);
    expect(isFinal({ ok: false, clientId: 'c', reason: 'rejected', unknown: false })).toBe(true);
    expect(isFinal({ ok: false, clientId: 'c', reason: 'timeout', unknown: true })).toBe(false);
  });

  it('journals lookup references only for orders that have one', () => {
    const order = (lookupRef?: string) => ({ lookupRef }) as unknown as PreparedOrder;
    expect(lookupRefsOf(order('7'), order())).toEqual({ lookupRefs: { long: '7' } });
    expect(lookupRefsOf(order(), undefined)).toEqual({});
  });

  it('gives client ids that differ within a session and across sessions', () => {
    const a = clientIdGenerator(() => 1000);
    const b = clientIdGenerator(() => 1000);
    const ids = [a(), a(), b()];
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toMatch(/^arb-rs-[0-9a-f]{6}-0$/);
  });
});
