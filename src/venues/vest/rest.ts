/**
 * Vest REST (venues.md §2.1–2.6): exchangeInfo, depth, register, orders and account. Every request
 * carries `xrestservermm: restserver{group}`; private ones add X-API-KEY and a `time` query.
 * Every call has a deadline and resolves to a value; wire bodies are narrowed with zod at once.
 * The API key never appears in errors or logs.
 */
import { z } from 'zod';
import { httpJson, queryString, type FetchLike, type HttpMethod, type HttpResult, type RestResult } from '../http';
import type { Level } from '../../domain/order-book';
import { optionalDecimal, requiredDecimal } from '../wire';
import { decodeLevels } from './codec';

export type { RestFailure, RestResult } from '../http';

export interface VestRestOptions {
  /** e.g. 'https://server-prod.hz.vestmarkets.com/v2'. */
  readonly restUrl: string;
  /** Account group: selects `restserver{group}`. Read at every request (register may change it). */
  readonly accountGroup: () => number;
  readonly requestTimeoutMs?: number;
  readonly fetch?: FetchLike;
  readonly signal?: AbortSignal;
}

// ---- wire shapes (only the fields we use) ----------------------------------------------------

const wireCode = z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v)));

const symbolSchema = z.object({
  symbol: z.string(),
  sizeDecimals: z.number().int().nonnegative(),
  priceDecimals: z.number().int().nonnegative(),
  takerFee: optionalDecimal,
  minNotional: optionalDecimal,
});
const exchangeInfoSchema = z.object({ symbols: z.array(symbolSchema) });
export type VestSymbolInfo = z.infer<typeof symbolSchema>;

/** GET /depth: `[price, qty]` string pairs (venues.md §2.2), read by the WebSocket codec's level reader. */
const depthSchema = z.object({ bids: z.unknown(), asks: z.unknown() }).transform((d, ctx) => {
  const bids = decodeLevels(d.bids);
  const asks = decodeLevels(d.asks);
  if (bids === undefined || asks === undefined) {
    ctx.addIssue({ code: 'custom', message: 'depth levels are not [price, qty] decimal pairs' });
    return z.NEVER;
  }
  return { bids, asks };
});

const registerSchema = z.object({ apiKey: z.string().min(1), accGroup: z.number().int().nonnegative().optional() });

const orderIdSchema = z.object({ id: z.string().min(1) });

const orderSchema = z.object({
  id: z.string(),
  nonce: z.number(),
  symbol: z.string(),
  isBuy: z.boolean().optional(),
  orderType: z.string().optional(),
  size: requiredDecimal,
  status: z.string(),
  code: wireCode,
  lastFilledSize: optionalDecimal,
  avgFilledPrice: optionalDecimal,
  fees: optionalDecimal,
  /** Funding this order's fill settled into the balance, USD (+ = received). */
  settledFunding: optionalDecimal,
  postTime: z.number().optional(),
});
const ordersSchema = z.array(orderSchema);
export type VestOrder = z.infer<typeof orderSchema>;

const positionSchema = z.object({
  symbol: z.string(),
  isLong: z.boolean(),
  size: requiredDecimal,
  entryPrice: optionalDecimal,
  /** The cumulative funding index when the position last changed (the ticker's `cumFunding` then). */
  entryFunding: optionalDecimal,
  /** Funding settled into the balance over the position's life so far, USD (+ = received). */
  settledFunding: optionalDecimal,
  /** Price PnL at markPrice plus the funding accrued since entryFunding ("includes funding", VEST-DOCS). */
  unrealizedPnl: optionalDecimal,
  markPrice: optionalDecimal,
});
const accountSchema = z.object({
  positions: z.array(positionSchema).nullish().transform((v) => v ?? []),
  withdrawable: optionalDecimal,
  collateral: optionalDecimal,
});
export type VestAccount = z.infer<typeof accountSchema>;

/** GET /ticker/latest: `cumFunding` is the index a position's `entryFunding` is a reading of. */
const tickerSchema = z.object({ symbol: z.string(), cumFunding: optionalDecimal, oneHrFundingRate: optionalDecimal, markPrice: optionalDecimal });
const tickersSchema = z.object({ tickers: z.array(tickerSchema) });
export type VestTicker = z.infer<typeof tickerSchema>;

/** Vest errors come as {code,msg} or {detail:{code,msg}} (venues.md §2.5). */
const errorSchema = z.union([
  z.object({ detail: z.object({ code: wireCode, msg: z.string().optional() }) }).transform((v) => ({ ...v.detail, note: undefined })),
  // Some servers add a human-readable `detail` string next to code and msg.
  z.object({ code: wireCode, msg: z.string().optional(), detail: z.string().optional() }).transform((v) => ({ code: v.code, msg: v.msg, note: v.detail })),
]);

export interface VestOrderBody {
  readonly order: {
    readonly time: number;
    readonly nonce: number;
    readonly orderType: 'MARKET' | 'LIMIT';
    readonly symbol: string;
    readonly isBuy: boolean;
    readonly size: string;
    readonly limitPrice: string;
    readonly reduceOnly: boolean;
    readonly timeInForce?: 'GTC' | 'FOK';
  };
  readonly recvWindow: number;
  readonly signature: string;
}

export interface VestRegisterBody {
  readonly signingAddr: string;
  readonly primaryAddr: string;
  readonly signature: string;
  readonly expiryTime: number;
  readonly networkType: number;
}

export interface VestOrdersQuery {
  readonly id?: string;
  readonly nonce?: number;
  readonly symbol?: string;
  /** Orders posted at or after, ms. */
  readonly startTime?: number;
  readonly limit?: number;
}

export interface VestRest {
  exchangeInfo(symbols?: readonly string[]): Promise<RestResult<VestSymbolInfo[]>>;
  /** GET /depth?symbol=&limit=: the venue's current book, levels as sent (not sorted). */
  depth(symbol: string, limit?: number): Promise<RestResult<{ bids: Level[]; asks: Level[] }>>;
  register(body: VestRegisterBody): Promise<RestResult<{ apiKey: string; accGroup?: number }>>;
  /** `text`: `body` already serialised (JSON.stringify(body)), sent as is. */
  postOrder(apiKey: string, body: VestOrderBody, text?: string): Promise<RestResult<{ id: string }>>;
  orders(apiKey: string, query: VestOrdersQuery, timeMs: number): Promise<RestResult<VestOrder[]>>;
  account(apiKey: string, timeMs: number): Promise<RestResult<VestAccount>>;
  /** GET /ticker/latest?symbols=: funding rate and cumulative index per symbol (public). */
  tickers(symbols: readonly string[]): Promise<RestResult<VestTicker[]>>;
}

export function createVestRest(options: VestRestOptions): VestRest {
  const baseUrl = options.restUrl.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 5_000;

  const call = async <T>(
    method: HttpMethod,
    path: string,
    schema: z.ZodType<T>,
    extra: { apiKey?: string; body?: unknown } = {},
  ): Promise<RestResult<T>> => {
    const headers: Record<string, string> = { xrestservermm: `restserver${options.accountGroup()}` };
    if (extra.apiKey !== undefined) headers['X-API-KEY'] = extra.apiKey;
    const result = await httpJson(
      { method, url: `${baseUrl}${path}`, headers, body: extra.body, timeoutMs, signal: options.signal },
      options.fetch,
    );
    return narrow(result, `${method} ${path.split('?')[0] ?? path}`, schema);
  };

  return {
    async exchangeInfo(symbols) {
      const r = await call('GET', `/exchangeInfo${queryString({ symbols: symbols?.join(',') })}`, exchangeInfoSchema);
      return r.ok ? { ok: true, value: r.value.symbols } : r;
    },
    depth: (symbol, limit) => call('GET', `/depth${queryString({ symbol, limit })}`, depthSchema),
    register: (body) => call('POST', '/register', registerSchema, { body }),
    postOrder: (apiKey, body, text) => call('POST', '/orders', orderIdSchema, { apiKey, body: text ?? body }),
    orders: (apiKey, query, timeMs) =>
      call('GET', `/orders${queryString({ id: query.id, nonce: query.nonce, symbol: query.symbol, startTime: query.startTime, limit: query.limit, time: timeMs })}`, ordersSchema, { apiKey }),
    account: (apiKey, timeMs) => call('GET', `/account${queryString({ time: timeMs })}`, accountSchema, { apiKey }),
    async tickers(symbols) {
      const r = await call('GET', `/ticker/latest${queryString({ symbols: symbols.join(',') })}`, tickersSchema);
      return r.ok ? { ok: true, value: r.value.tickers } : r;
    },
  };
}

function narrow<T>(result: HttpResult, endpoint: string, schema: z.ZodType<T>): RestResult<T> {
  if (result.kind !== 'response') return { ok: false, error: { kind: result.kind, message: result.message } };
  const ok2xx = result.status >= 200 && result.status < 300;
  if (ok2xx && !looksLikeError(result.json)) {
    const parsed = schema.safeParse(result.json);
    if (parsed.success) return { ok: true, value: parsed.data };
  }
  // Errors may also arrive with a 2xx status, so an error shape wins over "malformed".
  const venueError = errorSchema.safeParse(result.json);
  if (venueError.success && (venueError.data.code !== undefined || venueError.data.msg !== undefined)) {
    const { code, msg, note } = venueError.data;
    return {
      ok: false,
      error: {
        kind: 'http',
        status: result.status,
        code,
        message: `${endpoint}: HTTP ${result.status}${code !== undefined ? ` code ${code}` : ''}${msg ? `: ${msg}` : ''}${note ? ` (${note.slice(0, 200)})` : ''}`,
      },
    };
  }
  if (!ok2xx) {
    return { ok: false, error: { kind: 'http', status: result.status, message: `${endpoint}: HTTP ${result.status}` } };
  }
  return { ok: false, error: { kind: 'malformed', status: result.status, message: `${endpoint}: malformed reply` } };
}

/** {code, msg} with a non-null code is an error even under HTTP 200; no success body has both. */
function looksLikeError(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  return (o.code !== undefined && o.code !== null && typeof o.msg === 'string') || (typeof o.detail === 'object' && o.detail !== null);
}
