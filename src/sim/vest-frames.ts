/**
 * Frames the simulated Vest WebSocket sends (venues.md §2.2): `SYM@depth` top-N snapshots, replies to
 * SUBSCRIBE/UNSUBSCRIBE, the PING answer and errors. Pure: values in, one JSON text out.
 */
import type { Level } from '../domain/order-book';
import type { BookLevels } from './market-model';
import type { SimMarketSpec } from './types';

/** Levels in a depth push (venues.md §2.2: top-N snapshots; the bot's reference client reads 20). */
export const VEST_WS_DEPTH = 20;

/** Vest writes prices and sizes with the symbol's fixed decimals, as [price, qty] strings. */
export function vestPair(spec: SimMarketSpec): (l: Level) => [string, string] {
  return (l) => [l.price.toFixed(spec.vest.priceDecimals), l.size.toFixed(spec.vest.sizeDecimals)];
}

/** `{"channel":"BTC-PERP@depth","data":{"bids":[[p,q],…],"asks":[…]}}`, the top VEST_WS_DEPTH levels a side. */
export function depthFrame(channel: string, spec: SimMarketSpec, book: BookLevels): string {
  const pair = vestPair(spec);
  return JSON.stringify({
    channel,
    data: { bids: book.bids.slice(0, VEST_WS_DEPTH).map(pair), asks: book.asks.slice(0, VEST_WS_DEPTH).map(pair) },
  });
}

/** `{"result":null,"id":N}`: the answer to SUBSCRIBE and UNSUBSCRIBE. */
export function replyFrame(id: unknown): string {
  return JSON.stringify({ result: null, id: id ?? null });
}

export function pongFrame(): string {
  return JSON.stringify({ data: 'PONG' });
}

/** `{"error":{"code":400,"msg":"…"},"id":N}`. */
export function errorFrame(msg: string, id: unknown): string {
  return JSON.stringify({ error: { code: 400, msg }, id: id ?? null });
}
