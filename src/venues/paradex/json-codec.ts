/**
 * Paradex JSON-RPC 2.0 codec for the WebSocket API (venues.md §1.2, §1.5a). Pure: no I/O, no clock.
 *
 * Decoding never throws: junk becomes `{ type: 'invalid', reason }`. Two decoders exist:
 * - `decodeParadexJsonZod` validates every frame with zod schemas (the readable reference);
 * - `decodeParadexJson` is what clients use: order-book pushes (the hot, high-rate frames) go
 *   through a hand-written checker, everything else through zod. A property test proves both
 *   accept and reject the same frames and yield the same values.
 *
 * Order-book pushes are normalised to the SBE shape: `bids`/`asks` lists of changed levels where
 * size 0 removes a level (deletes first, then inserts, then updates), plus `kind`.
 */
import { z } from 'zod';
import type { Level } from '../../domain/order-book';
import { decimalValue } from '../decimal';

/** Plain unsigned decimal as Paradex writes prices and sizes: '67629.7', '0.992', '3'. */
const DECIMAL = /^\d+(\.\d+)?$/;

export interface ParadexJsonBook {
  type: 'book';
  channel: string;
  market: string;
  seq: number;
  /** Exchange time of the update, ms since epoch (`last_updated_at`). */
  ts: number;
  kind: 'snapshot' | 'delta';
  bids: Level[];
  asks: Level[];
  bestBidApi?: Level;
  bestAskApi?: Level;
}

export type ParadexJsonMessage =
  /** Reply to subscribe/unsubscribe (`result.channel`) or auth (`result.node_id`). */
  | { type: 'ack'; id: number; channel?: string; nodeId?: string }
  | { type: 'error'; id: number | null; code: number; message: string; data?: string }
  | ParadexJsonBook
  | { type: 'bbo'; channel: string; market: string; seq: number; ts: number; bid?: Level; ask?: Level }
  /** A push on a channel this codec does not model (trades, markets_summary, private channels...). */
  | { type: 'push'; channel: string }
  | { type: 'invalid'; reason: string };

// ---------------------------------------------------------------------------------------------
// zod schemas (reference)
// ---------------------------------------------------------------------------------------------

const seqSchema = z.number().int().nonnegative();
const priceSchema = z
  .string()
  .regex(DECIMAL)
  .refine((s) => Number(s) > 0, 'price must be positive');
const sizeSchema = z.string().regex(DECIMAL);
const sideSchema = z.enum(['BUY', 'SELL']);
const bookLevelSchema = z.object({ side: sideSchema, price: priceSchema, size: sizeSchema });

export const orderBookDataSchema = z.object({
  seq_no: seqSchema,
  market: z.string().min(1),
  last_updated_at: seqSchema,
  update_type: z.enum(['s', 'd']),
  inserts: z.array(bookLevelSchema),
  updates: z.array(bookLevelSchema),
  deletes: z.array(bookLevelSchema),
  best_bid_api: bookLevelSchema.nullish(),
  best_ask_api: bookLevelSchema.nullish(),
});

const optionalDecimal = z.union([z.literal(''), z.string().regex(DECIMAL)]).nullish();
export const bboDataSchema = z.object({
  market: z.string().min(1),
  seq_no: seqSchema,
  last_updated_at: seqSchema,
  bid: optionalDecimal,
  bid_size: optionalDecimal,
  ask: optionalDecimal,
  ask_size: optionalDecimal,
});

const pushSchema = z.object({
  method: z.literal('subscription'),
  params: z.object({ channel: z.string().min(1), data: z.unknown() }),
});

const idSchema = z.number().int();
const errorSchema = z.object({
  id: idSchema.nullish(),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
});
const resultSchema = z.object({
  id: idSchema,
  result: z.unknown(),
});

type BookData = z.infer<typeof orderBookDataSchema>;
type RawLevel = z.infer<typeof bookLevelSchema>;

// ---------------------------------------------------------------------------------------------
// Shared normalisation
// ---------------------------------------------------------------------------------------------

function toBook(channel: string, d: BookData): ParadexJsonBook {
  const bids: Level[] = [];
  const asks: Level[] = [];
  const push = (l: RawLevel, size: number): void => {
    (l.side === 'BUY' ? bids : asks).push({ price: Number(l.price), size });
  };
  // A delete's size carries no meaning on the wire; size 0 is how the book removes a level.
  for (const l of d.deletes) push(l, 0);
  for (const l of d.inserts) push(l, Number(l.size));
  for (const l of d.updates) push(l, Number(l.size));
  const out: ParadexJsonBook = {
    type: 'book',
    channel,
    market: d.market,
    seq: d.seq_no,
    ts: d.last_updated_at,
    kind: d.update_type === 's' ? 'snapshot' : 'delta',
    bids,
    asks,
  };
  if (d.best_bid_api) out.bestBidApi = { price: Number(d.best_bid_api.price), size: Number(d.best_bid_api.size) };
  if (d.best_ask_api) out.bestAskApi = { price: Number(d.best_ask_api.price), size: Number(d.best_ask_api.size) };
  return out;
}

function optionalLevel(price: string | null | undefined, size: string | null | undefined): Level | undefined {
  if (!price || !size) return undefined;
  return { price: Number(price), size: Number(size) };
}

function errorData(data: unknown): string | undefined {
  if (data === undefined || data === null) return undefined;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

function describeZodError(e: z.ZodError): string {
  const issue = e.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Everything except order-book pushes, validated with zod. */
function decodeNonBook(msg: unknown): ParadexJsonMessage {
  const push = pushSchema.safeParse(msg);
  if (push.success) {
    const { channel, data } = push.data.params;
    if (channel.startsWith('bbo.')) {
      const bbo = bboDataSchema.safeParse(data);
      if (!bbo.success) return { type: 'invalid', reason: `bbo push ${describeZodError(bbo.error)}` };
      const d = bbo.data;
      const out: ParadexJsonMessage = { type: 'bbo', channel, market: d.market, seq: d.seq_no, ts: d.last_updated_at };
      const bid = optionalLevel(d.bid, d.bid_size);
      const ask = optionalLevel(d.ask, d.ask_size);
      if (bid) out.bid = bid;
      if (ask) out.ask = ask;
      return out;
    }
    return { type: 'push', channel };
  }
  if (isRecord(msg) && 'error' in msg) {
    const err = errorSchema.safeParse(msg);
    if (!err.success) return { type: 'invalid', reason: `error reply ${describeZodError(err.error)}` };
    const out: ParadexJsonMessage = { type: 'error', id: err.data.id ?? null, code: err.data.error.code, message: err.data.error.message };
    const data = errorData(err.data.error.data);
    if (data !== undefined) out.data = data;
    return out;
  }
  const res = resultSchema.safeParse(msg);
  if (res.success) {
    const out: ParadexJsonMessage = { type: 'ack', id: res.data.id };
    const r = res.data.result;
    if (isRecord(r)) {
      if (typeof r['channel'] === 'string') out.channel = r['channel'];
      if (typeof r['node_id'] === 'string') out.nodeId = r['node_id'];
    }
    return out;
  }
  return { type: 'invalid', reason: 'not a subscription push, reply or error' };
}

function bookChannelOf(msg: unknown): { channel: string; data: unknown } | undefined {
  if (!isRecord(msg) || msg['method'] !== 'subscription') return undefined;
  const params = msg['params'];
  if (!isRecord(params)) return undefined;
  const channel = params['channel'];
  if (typeof channel !== 'string' || !channel.startsWith('order_book.')) return undefined;
  return { channel, data: params['data'] };
}

// ---------------------------------------------------------------------------------------------
// Reference decoder (all zod)
// ---------------------------------------------------------------------------------------------

export function decodeParadexJsonZod(text: string): ParadexJsonMessage {
  const parsed = parseJson(text);
  if (!parsed.ok) return { type: 'invalid', reason: parsed.reason };
  const book = bookChannelOf(parsed.value);
  if (!book) return decodeNonBook(parsed.value);
  const d = orderBookDataSchema.safeParse(book.data);
  if (!d.success) return { type: 'invalid', reason: `order_book push ${describeZodError(d.error)}` };
  return toBook(book.channel, d.data);
}

// ---------------------------------------------------------------------------------------------
// Hot path: order-book data checked and converted in one pass
// ---------------------------------------------------------------------------------------------

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The level of a wire `{ side, price, size }` (a delete's size is checked, then taken as 0), or undefined when malformed. */
function levelOf(v: Record<string, unknown>, isDelete: boolean): Level | undefined {
  const price = v['price'];
  const size = v['size'];
  if (typeof price !== 'string' || typeof size !== 'string') return undefined;
  const p = decimalValue(price);
  const s = decimalValue(size);
  if (!(p > 0) || s < 0) return undefined;
  return { price: p, size: isDelete ? 0 : s };
}

/** Appends the levels of one wire list to bids/asks; false when it is not a list of well-formed levels. */
function pushLevels(v: unknown, isDelete: boolean, bids: Level[], asks: Level[]): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const raw: unknown = v[i];
    if (!isRecord(raw)) return false;
    const side = raw['side'];
    if (side !== 'BUY' && side !== 'SELL') return false;
    const level = levelOf(raw, isDelete);
    if (level === undefined) return false;
    (side === 'BUY' ? bids : asks).push(level);
  }
  return true;
}

/** A nullish best-API level is absent (undefined); a malformed one is null. */
function optionalLevelOf(v: unknown): Level | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || (v['side'] !== 'BUY' && v['side'] !== 'SELL')) return null;
  return levelOf(v, false) ?? null;
}

/**
 * Same acceptance and values as `orderBookDataSchema` + `toBook`, written out by hand for speed:
 * each level string is scanned once and converted once. Undefined when the data is malformed.
 */
function bookFromData(channel: string, d: unknown): ParadexJsonBook | undefined {
  if (!isRecord(d)) return undefined;
  const seq = d['seq_no'];
  const market = d['market'];
  const ts = d['last_updated_at'];
  const updateType = d['update_type'];
  if (!isSeq(seq) || typeof market !== 'string' || market.length === 0 || !isSeq(ts) || (updateType !== 's' && updateType !== 'd')) {
    return undefined;
  }
  const bids: Level[] = [];
  const asks: Level[] = [];
  // Deletes first (as size 0), then inserts, then updates: the order toBook applies them in.
  if (!pushLevels(d['deletes'], true, bids, asks) || !pushLevels(d['inserts'], false, bids, asks) || !pushLevels(d['updates'], false, bids, asks)) {
    return undefined;
  }
  const bestBidApi = optionalLevelOf(d['best_bid_api']);
  const bestAskApi = optionalLevelOf(d['best_ask_api']);
  if (bestBidApi === null || bestAskApi === null) return undefined;
  const out: ParadexJsonBook = { type: 'book', channel, market, seq, ts, kind: updateType === 's' ? 'snapshot' : 'delta', bids, asks };
  if (bestBidApi) out.bestBidApi = bestBidApi;
  if (bestAskApi) out.bestAskApi = bestAskApi;
  return out;
}

/** Decodes one text frame. Never throws. */
export function decodeParadexJson(text: string): ParadexJsonMessage {
  const parsed = parseJson(text);
  if (!parsed.ok) return { type: 'invalid', reason: parsed.reason };
  const book = bookChannelOf(parsed.value);
  if (!book) return decodeNonBook(parsed.value);
  return bookFromData(book.channel, book.data) ?? { type: 'invalid', reason: 'order_book push: malformed data' };
}

// ---------------------------------------------------------------------------------------------
// Requests and pushes (client side; the push builder serves tests and the simulated venue)
// ---------------------------------------------------------------------------------------------

export function paradexRequest(method: 'subscribe' | 'unsubscribe', channel: string, id: number): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params: { channel }, id });
}

/** Decimal text for a price or size, without exponent notation. */
function decimalText(v: number): string {
  const s = String(v);
  return /e/i.test(s) ? v.toFixed(12).replace(/\.?0+$/, '') : s;
}

export interface ParadexBookPushInput {
  channel: string;
  market: string;
  seq: number;
  /** ms since epoch. */
  ts: number;
  kind: 'snapshot' | 'delta';
  /** Changed levels; size 0 is sent as a delete. */
  bids: readonly Level[];
  asks: readonly Level[];
}

/** The JSON `method:"subscription"` order_book push for a snapshot or delta. */
export function encodeParadexBookPush(p: ParadexBookPushInput): string {
  const inserts: RawLevel[] = [];
  const deletes: RawLevel[] = [];
  for (const [levels, side] of [
    [p.bids, 'BUY'],
    [p.asks, 'SELL'],
  ] as const) {
    for (const l of levels) {
      const entry = { side, price: decimalText(l.price), size: decimalText(l.size) };
      (l.size === 0 ? deletes : inserts).push(entry);
    }
  }
  return JSON.stringify({
    jsonrpc: '2.0',
    method: 'subscription',
    params: {
      channel: p.channel,
      data: {
        seq_no: p.seq,
        market: p.market,
        last_updated_at: p.ts,
        update_type: p.kind === 'snapshot' ? 's' : 'd',
        inserts,
        updates: [],
        deletes,
      },
    },
  });
}
