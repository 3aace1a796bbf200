/**
 * The simulated Paradex's trading routes (venues.md §1.7–1.10): a thin table that reads each HTTP
 * request (headers, path, JSON body), calls the exchange object (paradex-exchange.ts) and writes its
 * answer or refusal as Paradex does: `{"error":"<CODE>","message":"…","data":null}` with codes from
 * the openapi `responses.ErrorCode` enum. Every answer goes through the response-delay fault knob.
 */
import { ParadexExchange, type ParadexAccount, type ParadexExchangeOptions, type ParadexOrderRequest, type ParadexReject } from './paradex-exchange';
import type { OrderRecord } from './paradex-orders';
import { isReject } from './paradex-reject';
import type { SimRequest, SimResponse, SimRoute } from './types';
import { behindOutage } from './trading-faults';
import { formatDecimal } from '../venues/decimal';

export { SimTradingFaults } from './trading-faults';
export { DEFAULT_PARADEX_SETTLE_MS, ParadexExchange } from './paradex-exchange';
export { PARADEX_JWT_LIFETIME_S } from './paradex-accounts';
export type { ParadexOrderStatus, SimParadexOrder } from './paradex-orders';

/** The exchange's options; the route table builds its own exchange from them. */
export type SimTradingOptions = ParadexExchangeOptions;

const REJECT_STATUS = { invalid: 400, unauthorized: 401, not_found: 404 } as const;

function error(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: code, message, data: null } };
}

function refused(r: ParadexReject): SimResponse {
  return error(REJECT_STATUS[r.kind], r.code, r.message);
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** The account a `Authorization: Bearer <jwt>` header authenticates, or the 401 to answer. */
function authenticate(exchange: ParadexExchange, req: SimRequest): ParadexAccount | SimResponse {
  const auth = header(req, 'authorization');
  if (!auth) return error(401, 'UNAUTHORIZED_ERROR', 'missing Authorization: Bearer <jwt> header');
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!m?.[1]) return error(401, 'INVALID_TOKEN', 'Authorization header is not a Bearer token');
  const account = exchange.accounts.authenticate(m[1]);
  return isReject(account) ? refused(account) : account;
}

function placeOrder(exchange: ParadexExchange, account: ParadexAccount, req: SimRequest, receivedAt: number): SimResponse | { accepted: SimResponse; hold: boolean } {
  const body = parseObject(req.body);
  if (!body) return error(400, 'BINDING_ERROR', 'request body is not a JSON object');
  const parsed = parseOrderBody(body);
  if (typeof parsed === 'string') return error(400, 'VALIDATION_ERROR', parsed);
  const placed = exchange.placeOrder(account, parsed, receivedAt);
  if (isReject(placed)) return refused(placed);
  return { accepted: { status: 201, body: placed.order }, hold: placed.hold };
}

function auth(exchange: ParadexExchange, req: SimRequest): SimResponse {
  const address = header(req, 'paradex-starknet-account');
  const signature = header(req, 'paradex-starknet-signature');
  const tsText = header(req, 'paradex-timestamp');
  const expText = header(req, 'paradex-signature-expiration');
  if (!address || !signature || !tsText || !expText) {
    return error(400, 'VALIDATION_ERROR', 'PARADEX-STARKNET-ACCOUNT, PARADEX-STARKNET-SIGNATURE, PARADEX-TIMESTAMP and PARADEX-SIGNATURE-EXPIRATION are required');
  }
  const timestamp = Number(tsText);
  const expiration = Number(expText);
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(expiration)) {
    return error(400, 'INVALID_TIMESTAMP', 'PARADEX-TIMESTAMP and PARADEX-SIGNATURE-EXPIRATION must be unix seconds');
  }
  const issued = exchange.accounts.issueJwt({ address, signature, timestamp, expiration, pathKey: req.params[0], path: req.path });
  return isReject(issued) ? refused(issued) : { status: 200, body: { jwt_token: issued.jwt } };
}

function onboarding(exchange: ParadexExchange, req: SimRequest): SimResponse {
  const address = header(req, 'paradex-starknet-account');
  const signature = header(req, 'paradex-starknet-signature');
  if (!address || !signature) return error(400, 'VALIDATION_ERROR', 'PARADEX-STARKNET-ACCOUNT and PARADEX-STARKNET-SIGNATURE are required');
  const publicKey = parseObject(req.body)?.public_key;
  if (typeof publicKey !== 'string') return error(400, 'PUBLIC_KEY_INVALID', 'body must be {"public_key":"0x…"}');
  const problem = exchange.accounts.onboardSigned(address, publicKey, signature);
  return problem ? refused(problem) : { status: 200, body: {} };
}

function onboardingStatus(exchange: ParadexExchange, req: SimRequest): SimResponse {
  const key = req.query.get('public_key');
  const address = header(req, 'paradex-starknet-account') ?? req.query.get('address') ?? undefined;
  const exists = (address !== undefined && exchange.accounts.get(address) !== undefined) || (key !== null && exchange.accounts.hasPublicKey(key));
  return { status: 200, body: { exists } };
}

function lookup(order: OrderRecord | undefined, code: string, what: string): SimResponse {
  return order ? { status: 200, body: order.wire } : error(404, code, `${what} not found`);
}

function cancel(exchange: ParadexExchange, order: OrderRecord | undefined, code: string): SimResponse {
  if (!order) return error(404, code, 'order not found');
  const problem = exchange.cancel(order);
  return problem ? refused(problem) : { status: 204, body: null };
}

/** The trading routes over a new exchange object built from `opts`. */
export function paradexTradingRoutes(opts: SimTradingOptions): SimRoute[] {
  return paradexRoutesFor(new ParadexExchange(opts));
}

/** The route table: one line per endpoint, each a call on the exchange. */
export function paradexRoutesFor(exchange: ParadexExchange): SimRoute[] {
  const { faults } = exchange;
  /** Authenticated: the engine catches up first, then the handler answers (through the delay knob). */
  const authed =
    (handler: (account: ParadexAccount, req: SimRequest) => SimResponse) =>
    (req: SimRequest): Promise<SimResponse> => {
      const account = authenticate(exchange, req);
      if ('status' in account) return faults.deliver(account);
      exchange.catchUp();
      return faults.deliver(handler(account, req));
    };
  const order = (req: SimRequest): Promise<SimResponse> => {
    const receivedAt = exchange.now();
    const account = authenticate(exchange, req);
    if ('status' in account) return faults.deliver(account);
    exchange.catchUp();
    const out = placeOrder(exchange, account, req, receivedAt);
    return 'accepted' in out ? faults.deliver(out.accepted, out.hold) : faults.deliver(out);
  };
  const param = (req: SimRequest): string => req.params[0] ?? '';
  const placing: SimRoute = { method: 'POST', path: /^\/v1\/orders$/, handle: order };
  const routes: SimRoute[] = [
    { method: 'POST', path: /^\/v1\/onboarding$/, handle: (req) => faults.deliver(onboarding(exchange, req)) },
    { method: 'GET', path: /^\/v1\/onboarding$/, handle: (req) => faults.deliver(onboardingStatus(exchange, req)) },
    { method: 'POST', path: /^\/v1\/auth(?:\/([^/]+))?$/, handle: (req) => faults.deliver(auth(exchange, req)) },
    placing,
    { method: 'GET', path: /^\/v1\/orders\/by_client_id\/([^/]+)$/, handle: authed((a, req) => lookup(a.byClientId.get(param(req)), 'CLIENT_ORDER_ID_NOT_FOUND', 'client order id')) },
    { method: 'GET', path: /^\/v1\/orders\/([^/]+)$/, handle: authed((a, req) => lookup(a.byId.get(param(req)), 'ORDER_ID_NOT_FOUND', 'order id')) },
    { method: 'GET', path: /^\/v1\/orders$/, handle: authed((a, req) => ({ status: 200, body: { results: exchange.openOrders(a, req.query.get('market')) } })) },
    { method: 'DELETE', path: /^\/v1\/orders\/by_client_id\/([^/]+)$/, handle: authed((a, req) => cancel(exchange, a.byClientId.get(param(req)), 'CLIENT_ORDER_ID_NOT_FOUND')) },
    { method: 'DELETE', path: /^\/v1\/orders\/([^/]+)$/, handle: authed((a, req) => cancel(exchange, a.byId.get(param(req)), 'ORDER_ID_NOT_FOUND')) },
    { method: 'GET', path: /^\/v1\/positions$/, handle: authed((a) => ({ status: 200, body: { results: exchange.positions(a) } })) },
    {
      method: 'GET',
      path: /^\/v1\/fills$/,
      handle: authed((a, req) => {
        const m = req.query.get('market');
        return { status: 200, body: { next: null, prev: null, results: a.fills.filter((f) => m === null || f.market === m).reverse() } };
      }),
    },
    { method: 'GET', path: /^\/v1\/funding\/payments$/, handle: authed((a, req) => fundingPayments(exchange.fundingPayments(a), req)) },
    {
      method: 'GET',
      path: /^\/v1\/balance$/,
      handle: authed((a) => ({ status: 200, body: { results: [{ token: 'USDC', size: formatDecimal(exchange.balance(a), 6), last_updated_at: exchange.now() }] } })),
    },
    { method: 'GET', path: /^\/v1\/account$/, handle: authed((a) => ({ status: 200, body: exchange.accountSummary(a) })) },
  ];
  return behindOutage(faults, routes, (route) => route === placing);
}

const MAX_PAGE_SIZE = 5_000;

/**
 * GET /v1/funding/payments (private): the account's payments, newest first, filtered by `market` and
 * `start_at`/`end_at` (ms, inclusive), `page_size` rows a page (default 100) and `next` a cursor to the rest.
 */
function fundingPayments(all: readonly Record<string, unknown>[], req: SimRequest): SimResponse {
  const q = req.query;
  const num = (name: string): number | undefined | string => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    return /^\d{1,16}$/.test(v) ? Number(v) : `${name} must be a non-negative integer`;
  };
  const startAt = num('start_at');
  const endAt = num('end_at');
  const pageSize = num('page_size') ?? 100;
  const offset = q.get('cursor') === null || q.get('cursor') === '' ? 0 : decodeCursor(q.get('cursor')!);
  for (const v of [startAt, endAt, pageSize]) if (typeof v === 'string') return error(400, 'VALIDATION_ERROR', v);
  if (offset === undefined) return error(400, 'VALIDATION_ERROR', 'cursor is not one this server issued');
  if ((pageSize as number) < 1 || (pageSize as number) > MAX_PAGE_SIZE) return error(400, 'VALIDATION_ERROR', `page_size must be 1..${MAX_PAGE_SIZE}`);
  const market = q.get('market');
  const rows = all.filter((p) => {
    const at = p.created_at as number;
    return (market === null || market === '' || p.market === market) && (startAt === undefined || at >= (startAt as number)) && (endAt === undefined || at <= (endAt as number));
  });
  const page = rows.slice(offset, offset + (pageSize as number));
  const nextOffset = offset + page.length;
  return {
    status: 200,
    body: { next: nextOffset < rows.length ? encodeCursor(nextOffset) : null, prev: offset > 0 ? encodeCursor(Math.max(0, offset - (pageSize as number))) : null, results: page },
  };
}

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
function decodeCursor(cursor: string): number | undefined {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/** Reads a POST /orders body; a string is the validation message. */
function parseOrderBody(b: Record<string, unknown>): ParadexOrderRequest | string {
  const { market, side, type, size, signature, signature_timestamp: ts } = b;
  if (typeof market !== 'string' || market === '') return 'market is required';
  if (side !== 'BUY' && side !== 'SELL') return 'side must be BUY or SELL';
  if (type !== 'MARKET' && type !== 'LIMIT') return 'type must be MARKET or LIMIT in the simulator';
  if (typeof size !== 'string' || !DECIMAL.test(size)) return 'size must be a decimal string';
  const price = b.price === undefined || b.price === null ? '0' : b.price;
  if (typeof price !== 'string' || !DECIMAL.test(price)) return 'price must be a decimal string';
  if (type === 'LIMIT' && !(Number(price) > 0)) return 'LIMIT orders need a positive price';
  const instruction = b.instruction === undefined || b.instruction === '' ? 'GTC' : b.instruction;
  if (instruction !== 'GTC' && instruction !== 'IOC') return 'instruction must be GTC or IOC in the simulator';
  if (typeof signature !== 'string' || signature === '') return 'signature is required';
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts <= 0) return 'signature_timestamp must be unix ms';
  const clientId = b.client_id === undefined || b.client_id === null ? '' : b.client_id;
  if (typeof clientId !== 'string') return 'client_id must be a string';
  const flags = b.flags === undefined || b.flags === null ? [] : b.flags;
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== 'string')) return 'flags must be an array of strings';
  const recv = b.recv_window;
  if (recv !== undefined && recv !== null && (typeof recv !== 'number' || !Number.isSafeInteger(recv) || recv < 10)) {
    return 'recv_window must be an integer number of ms >= 10';
  }
  return {
    market,
    side,
    type,
    size,
    price,
    instruction,
    signature,
    signatureTimestamp: ts,
    clientId,
    reduceOnly: (flags as string[]).includes('REDUCE_ONLY'),
    recvWindow: typeof recv === 'number' ? recv : undefined,
  };
}
