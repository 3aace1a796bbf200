/**
 * Vest public WebSocket codec (venues.md §2.2). Pure: no I/O, no clock. Never throws: junk
 * becomes `{ type: 'invalid', reason }`.
 *
 * Vest depth messages carry no sequence number, timestamp or snapshot flag; each one is treated
 * as a complete top-N book (as third-party clients do), so the client replaces its book each time.
 */
import type { Level } from '../../domain/order-book';
import { decimalValue } from '../decimal';

export type VestMessage =
  /** Reply to SUBSCRIBE/UNSUBSCRIBE: `{"result":null,"id":N}`. */
  | { type: 'reply'; id: number }
  | { type: 'pong' }
  /** A full depth snapshot for `symbol` (levels as sent, not yet sorted). */
  | { type: 'depth'; symbol: string; bids: Level[]; asks: Level[] }
  /** A push on a channel this codec does not model (trades, tickers, klines). */
  | { type: 'push'; channel: string }
  | { type: 'invalid'; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `[["price","qty"], ...]` -> levels; undefined when any entry is malformed or price is not positive.
 * The REST depth (`GET /depth`) uses the same reader, so its books compare equal to the feed's.
 */
export function decodeLevels(v: unknown): Level[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Level[] = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const pair: unknown = v[i];
    if (!Array.isArray(pair) || pair.length < 2) return undefined;
    const p: unknown = pair[0];
    const q: unknown = pair[1];
    if (typeof p !== 'string' || typeof q !== 'string') return undefined;
    // One char-code scan checks and converts each (a regex test then Number() read every string twice).
    const price = decimalValue(p);
    const size = decimalValue(q);
    if (!(price > 0) || size < 0) return undefined;
    out[i] = { price, size };
  }
  return out;
}

/** Decodes one text frame from the Vest public socket. */
export function decodeVestMessage(text: string): VestMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { type: 'invalid', reason: 'not JSON' };
  }
  if (!isRecord(msg)) return { type: 'invalid', reason: 'not a JSON object' };
  const channel = msg['channel'];
  if (typeof channel === 'string') {
    if (!channel.endsWith('@depth')) return { type: 'push', channel };
    const symbol = channel.slice(0, -'@depth'.length);
    const data = msg['data'];
    if (symbol.length === 0) return { type: 'invalid', reason: 'depth push without a symbol' };
    if (!isRecord(data)) return { type: 'invalid', reason: 'depth push without data' };
    const bids = decodeLevels(data['bids']);
    const asks = decodeLevels(data['asks']);
    if (!bids || !asks) return { type: 'invalid', reason: 'depth push with malformed levels' };
    return { type: 'depth', symbol, bids, asks };
  }
  // The doc says "PONG"; a third-party client compares lowercase "pong".
  const data = msg['data'];
  if (typeof data === 'string' && data.toUpperCase() === 'PONG') return { type: 'pong' };
  const id = msg['id'];
  if ('result' in msg && typeof id === 'number' && Number.isInteger(id)) return { type: 'reply', id };
  return { type: 'invalid', reason: 'unrecognised message' };
}

export function vestRequest(method: 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'PING', params: readonly string[], id: number): string {
  return JSON.stringify({ method, params, id });
}

export function depthChannel(symbol: string): string {
  return `${symbol}@depth`;
}

/** Decimal text without exponent notation (String(1e-7) is '1e-7'). */
function decimalText(v: number): string {
  const s = String(v);
  return /e/i.test(s) ? v.toFixed(20).replace(/\.?0+$/, '') : s;
}

/** The depth push the venue sends (tests and the simulated venue). */
export function encodeVestDepth(symbol: string, bids: readonly Level[], asks: readonly Level[]): string {
  const pairs = (ls: readonly Level[]): [string, string][] => ls.map((l) => [decimalText(l.price), decimalText(l.size)]);
  return JSON.stringify({ channel: depthChannel(symbol), data: { bids: pairs(bids), asks: pairs(asks) } });
}
