/**
 * Vest public WebSocket codec (venues.md §2.2). Pure: no I/O, no clock. Never throws: junk
 * becomes `{ type: 'invalid', reason }`.
 *
 * Vest depth messages carry no sequence number, timestamp or snapshot flag; each one is treated
 * as a complete top-N book (as third-party clients do), so the client replaces its book each time.
 */
import type { Level } from '../../domain/order-book';
import { decimalValue, decimalValueIn } from '../decimal';

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

/**
 * Decodes one text frame from the Vest public socket. A depth push laid out as Vest writes it is read in one
 * scan of the text (`scanDepth`); every other frame, and any depth push the scan does not take, by the
 * general reader, which has the last word: the scan only ever returns what the general reader would.
 */
export function decodeVestMessage(text: string): VestMessage {
  return scanDepth(text) ?? decodeVestMessageByJson(text);
}

/** The general reader: JSON.parse, then the message's shape checked field by field. */
export function decodeVestMessageByJson(text: string): VestMessage {
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

const DEPTH_HEAD = '{"channel":"';
const DEPTH_SUFFIX = '@depth';
const BIDS_HEAD = '","data":{"bids":[';
const ASKS_HEAD = ',"asks":[';

/** Where `scanLevels` has read to (one scan at a time: the decoder is synchronous). */
let cursor = 0;

/**
 * The depth push exactly as Vest sends it (venues.md §2.2), `{"channel":"S@depth","data":{"bids":[["p","q"],…],
 * "asks":[…]}}` with no whitespace, no escapes and plain decimal strings, read without JSON.parse's tree or a
 * string per number (the path from the exit's frame to its orders runs through here). Undefined for anything
 * else: another layout, key order, whitespace, an escape, an extra field or entry, or a level the general reader
 * would refuse; that frame is then read by `decodeVestMessageByJson`. Where the scan answers, the text is JSON
 * whose every string is its raw text, so the general reader would answer the same (a property test compares
 * them on valid, damaged and reshaped frames).
 */
function scanDepth(t: string): VestMessage | undefined {
  if (!t.startsWith(DEPTH_HEAD)) return undefined;
  const start = DEPTH_HEAD.length;
  let end = start;
  for (let c = t.charCodeAt(end); c !== 34 /* '"' */; c = t.charCodeAt(++end)) {
    // A control character or a backslash (an escape), or the text's end (NaN): the general reader decides.
    if (!(c >= 32) || c === 92) return undefined;
  }
  const symbolEnd = end - DEPTH_SUFFIX.length;
  if (symbolEnd <= start || !t.startsWith(DEPTH_SUFFIX, symbolEnd) || !t.startsWith(BIDS_HEAD, end)) return undefined;
  cursor = end + BIDS_HEAD.length;
  const bids = scanLevels(t);
  if (bids === undefined || !t.startsWith(ASKS_HEAD, cursor)) return undefined;
  cursor += ASKS_HEAD.length;
  const asks = scanLevels(t);
  if (asks === undefined || cursor + 2 !== t.length || t.charCodeAt(cursor) !== 125 || t.charCodeAt(cursor + 1) !== 125) return undefined;
  return { type: 'depth', symbol: t.slice(start, symbolEnd), bids, asks };
}

/** `["p","q"],…]` from `cursor` (just past the array's `[`); undefined where decodeLevels would refuse or the layout differs. */
function scanLevels(t: string): Level[] | undefined {
  const out: Level[] = [];
  let i = cursor;
  if (t.charCodeAt(i) === 93 /* ']' */) {
    cursor = i + 1;
    return out;
  }
  for (;;) {
    // ["price","size"]
    if (t.charCodeAt(i) !== 91 || t.charCodeAt(i + 1) !== 34) return undefined;
    const priceEnd = decimalEnd(t, i + 2);
    if (priceEnd < 0 || t.charCodeAt(priceEnd + 1) !== 44 || t.charCodeAt(priceEnd + 2) !== 34) return undefined;
    const sizeEnd = decimalEnd(t, priceEnd + 3);
    if (sizeEnd < 0 || t.charCodeAt(sizeEnd + 1) !== 93) return undefined;
    const price = decimalValueIn(t, i + 2, priceEnd);
    const size = decimalValueIn(t, priceEnd + 3, sizeEnd);
    if (!(price > 0) || !(size >= 0)) return undefined;
    out.push({ price, size });
    i = sizeEnd + 2;
    const c = t.charCodeAt(i++);
    if (c === 93 /* ']' */) break;
    if (c !== 44 /* ',' */) return undefined;
  }
  cursor = i;
  return out;
}

/** The closing quote of a string of digits and dots from `i`, else -1. */
function decimalEnd(t: string, i: number): number {
  for (let c = t.charCodeAt(i); c !== 34; c = t.charCodeAt(++i)) {
    if (c !== 46 && !(c >= 48 && c <= 57)) return -1;
  }
  return i;
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
