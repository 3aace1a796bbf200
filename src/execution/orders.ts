/**
 * Order builders: the requests the executor sends (entry legs, reduce-only unwinds and closes), the
 * price caps that bound their slippage, and the close reference price read from a book. Pure.
 */
import { randomBytes } from 'node:crypto';
import { bestAsk, bestBid, fillPrice, type OrderBook } from '../domain/order-book';
import { floorToStep } from '../venues/decimal';
import type { OrderOutcome, OrderRequest, PreparedOrder, Side } from '../venues/venue';
import type { LookupRefs } from './journal';

/** Time + session + counter: unique across restarts (the session part) and within one (the counter). */
export function clientIdGenerator(now: () => number, prefix = 'arb'): () => string {
  const session = randomBytes(3).toString('hex');
  let counter = 0;
  return () => `${prefix}-${now().toString(36)}-${session}-${(counter++).toString(36)}`;
}

/** A buy may pay up to ref·(1+slip); a sell may receive down to ref·(1−slip). Rounded to the tick, inward. */
export function capPrice(ref: number, side: Side, slippagePct: number, tickSize: number): number {
  const raw = side === 'BUY' ? ref * (1 + slippagePct / 100) : ref * (1 - slippagePct / 100);
  if (!(tickSize > 0)) return raw;
  return side === 'BUY' ? floorToStep(raw, tickSize) : -floorToStep(-raw, tickSize);
}

/** An entry leg: an IOC MARKET order capped `slippagePct` away from the price the signal saw. */
export function entryOrder(clientId: string, symbol: string, side: Side, size: number, refPrice: number, slippagePct: number, tickSize: number): OrderRequest {
  return {
    clientId,
    symbol,
    side,
    type: 'MARKET',
    size,
    price: capPrice(refPrice, side, slippagePct, tickSize),
    timeInForce: 'IOC',
    reduceOnly: false,
  };
}

/** A reduce-only IOC MARKET order with a worst-price cap (unwinds and closes). */
export function reduceOnlyOrder(clientId: string, symbol: string, side: Side, size: number, cap: number): OrderRequest {
  return { clientId, symbol, side, type: 'MARKET', size, price: cap, timeInForce: 'IOC', reduceOnly: true };
}

/** Price a close of `size` would fill at from a book: VWAP when deep enough, else the worst level shown. */
export function closeReference(book: OrderBook | undefined, side: Side, size: number): number | undefined {
  if (book === undefined) return undefined;
  const bookSide = side === 'SELL' ? 'bid' : 'ask';
  const levels = side === 'SELL' ? book.bids : book.asks;
  return fillPrice(book, bookSide, size) ?? levels[levels.length - 1]?.price ?? (side === 'SELL' ? bestBid(book)?.price : bestAsk(book)?.price);
}

/** True when the outcome can no longer change (filled, cancelled, rejected), so it can be acted on. */
export function isFinal(o: OrderOutcome): boolean {
  return o.ok ? o.status !== 'NEW' && o.status !== 'OPEN' : !o.unknown;
}

/** The journal field for the venues' lookup references of these orders; empty when none has one. */
export function lookupRefsOf(long: PreparedOrder | undefined, short: PreparedOrder | undefined): { lookupRefs?: LookupRefs } {
  const refs: { long?: string; short?: string } = {};
  if (long?.lookupRef !== undefined) refs.long = long.lookupRef;
  if (short?.lookupRef !== undefined) refs.short = short.lookupRef;
  return refs.long !== undefined || refs.short !== undefined ? { lookupRefs: refs } : {};
}
