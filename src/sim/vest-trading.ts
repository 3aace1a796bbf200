/**
 * The simulated Vest's trading routes (venues.md §2.3–2.6): a thin table that reads each HTTP request
 * (X-API-KEY, the account-group header, the JSON body), calls the exchange object (vest-exchange.ts)
 * and writes its answer, or its refusal as Vest does: HTTP 400/401 with `{"code":N,"msg":"NAME"}`
 * (codes from the Vest API error table: 1002 UNAUTHORIZED, 1022 INVALID_SIGNATURE, 1111 BAD_DECIMALS,
 * 1132 ORDER_EXPIRED, 3015 DUPLICATE, …). Every answer goes through the response-delay fault knob.
 */
import { simMarketBySymbol } from './matching';
import type { SimRequest, SimResponse, SimRoute } from './types';
import { behindOutage } from './trading-faults';
import { VEST_CODES, isVestReject, vestCodeName, vestReject, type VestReject } from './vest-codes';
import { VestExchange, type VestCancelRequest, type VestExchangeOptions, type VestOrderRequest, type VestSigner } from './vest-exchange';

export { SimTradingFaults } from './trading-faults';
export { VEST_CODES } from './vest-codes';
export { VestExchange } from './vest-exchange';
export type { SimVestOrder, VestOrderStatus } from './vest-views';

/** The exchange's options; the route table builds its own exchange from them. */
export type SimTradingOptions = VestExchangeOptions;

function fail(status: number, code: number, detail?: string): SimResponse {
  const body: Record<string, unknown> = { code, msg: vestCodeName(code) };
  if (detail !== undefined) body.detail = detail;
  return { status, body };
}

function refused(r: VestReject): SimResponse {
  return fail(r.kind === 'unauthorized' ? 401 : 400, r.code, r.detail);
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const isSafeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** API key and account-group header checks shared by every private endpoint. */
function authenticate(exchange: VestExchange, req: SimRequest): VestSigner | SimResponse {
  const signer = exchange.signer(header(req, 'x-api-key'));
  if (!signer) return fail(401, VEST_CODES.UNAUTHORIZED, 'missing or unknown X-API-KEY');
  if (header(req, 'xrestservermm') !== 'restserver0') {
    return fail(400, VEST_CODES.INVALID_ACCOUNT_GROUP, 'header xrestservermm: restserver0 is required (accGroup 0)');
  }
  return signer;
}

async function register(exchange: VestExchange, req: SimRequest): Promise<SimResponse> {
  const b = parseObject(req.body);
  if (!b) return fail(400, VEST_CODES.INVALID_PARAMETER, 'body must be a JSON object');
  const { signingAddr, primaryAddr, signature, expiryTime, networkType } = b;
  if (typeof signingAddr !== 'string' || !ADDRESS.test(signingAddr) || typeof primaryAddr !== 'string' || !ADDRESS.test(primaryAddr)) {
    return fail(400, VEST_CODES.INVALID_PARAMETER, 'signingAddr and primaryAddr must be 0x addresses');
  }
  if (!isSafeInt(expiryTime)) return fail(400, VEST_CODES.INVALID_PARAMETER, 'expiryTime must be ms');
  if (networkType !== undefined && networkType !== 0) return fail(400, VEST_CODES.INVALID_NETWORK_TYPE);
  const registered = await exchange.register({ signingAddr, primaryAddr, expiryTime, signature: typeof signature === 'string' ? signature : '' });
  return isVestReject(registered) ? refused(registered) : { status: 200, body: { apiKey: registered.apiKey, accGroup: 0 } };
}

/** Reads a POST /v2/orders body: field types, the symbol, timeInForce and recvWindow, in Vest's order. */
function parseOrderBody(text: string): VestOrderRequest | VestReject {
  const b = parseObject(text);
  const o = b && typeof b.order === 'object' && b.order !== null ? (b.order as Record<string, unknown>) : undefined;
  if (!b || !o) return vestReject(VEST_CODES.INVALID_PARAMETER, 'body must be {order, recvWindow?, signature}');
  const { time, nonce, symbol, isBuy, size, orderType, limitPrice, reduceOnly, timeInForce } = o;
  if (!isSafeInt(time) || time < 0) return vestReject(VEST_CODES.INVALID_PARAMETER, 'order.time must be ms');
  if (!isSafeInt(nonce) || nonce < 0) return vestReject(VEST_CODES.INVALID_NONCE);
  if (orderType !== 'MARKET' && orderType !== 'LIMIT') return vestReject(VEST_CODES.INVALID_ORDER_TYPE);
  if (typeof symbol !== 'string') return vestReject(VEST_CODES.BAD_SYMBOL);
  const spec = simMarketBySymbol('vest', symbol);
  if (!spec) return vestReject(VEST_CODES.BAD_SYMBOL, `unknown symbol ${symbol}`);
  if (typeof isBuy !== 'boolean' || typeof reduceOnly !== 'boolean') return vestReject(VEST_CODES.INVALID_PARAMETER, 'isBuy and reduceOnly must be booleans');
  if (typeof size !== 'string' || typeof limitPrice !== 'string') return vestReject(VEST_CODES.INVALID_PARAMETER, 'size and limitPrice must be decimal strings');
  if (timeInForce !== undefined && (orderType !== 'LIMIT' || (timeInForce !== 'GTC' && timeInForce !== 'FOK'))) {
    return vestReject(VEST_CODES.INVALID_TIME_IN_FORCE, 'timeInForce is only for LIMIT orders: GTC or FOK');
  }
  const recvWindow = b.recvWindow === undefined ? 5000 : b.recvWindow;
  if (!isSafeInt(recvWindow) || recvWindow <= 0) return vestReject(VEST_CODES.BAD_RECV_WINDOW);
  const fields = { time, nonce, orderType, symbol, isBuy, size, limitPrice, reduceOnly } as const;
  return { fields, spec, timeInForce, recvWindow, signature: b.signature };
}

function parseCancelBody(text: string): VestCancelRequest | VestReject {
  const b = parseObject(text);
  const o = b && typeof b.order === 'object' && b.order !== null ? (b.order as Record<string, unknown>) : undefined;
  if (!b || !o) return vestReject(VEST_CODES.INVALID_PARAMETER, 'body must be {order:{time,nonce,id}, recvWindow?, signature}');
  const { time, nonce, id } = o;
  if (!isSafeInt(time) || !isSafeInt(nonce) || typeof id !== 'string') return vestReject(VEST_CODES.INVALID_PARAMETER, 'order must be {time, nonce, id}');
  return { time, nonce, id, recvWindow: typeof b.recvWindow === 'number' ? b.recvWindow : 5000, signature: b.signature };
}

async function placeOrder(exchange: VestExchange, req: SimRequest): Promise<SimResponse> {
  const serverTime = exchange.now();
  const signer = authenticate(exchange, req);
  if ('status' in signer) return exchange.faults.deliver(signer);
  const request = parseOrderBody(req.body);
  if (isVestReject(request)) return exchange.faults.deliver(refused(request));
  const placed = await exchange.placeOrder(signer, request, serverTime);
  if (isVestReject(placed)) return exchange.faults.deliver(refused(placed));
  return exchange.faults.deliver({ status: 200, body: { id: placed.id } }, placed.hold);
}

async function cancelOrder(exchange: VestExchange, req: SimRequest): Promise<SimResponse> {
  const serverTime = exchange.now();
  const signer = authenticate(exchange, req);
  if ('status' in signer) return exchange.faults.deliver(signer);
  const request = parseCancelBody(req.body);
  if (isVestReject(request)) return exchange.faults.deliver(refused(request));
  const problem = await exchange.cancel(signer, request, serverTime);
  return exchange.faults.deliver(problem ? refused(problem) : { status: 200, body: { id: request.id } });
}

function listOrders(exchange: VestExchange, signer: VestSigner, req: SimRequest): SimResponse {
  const q = req.query;
  const limit = Math.min(1000, Number(q.get('limit') ?? 1000) || 1000);
  const ids = q.get('id')?.split(',').filter((s) => s !== '');
  const ms = (name: string): number | undefined => {
    const v = q.get(name);
    return v !== null && /^\d{1,16}$/.test(v) ? Number(v) : undefined;
  };
  const startTime = ms('startTime');
  const endTime = ms('endTime');
  const query = {
    ids,
    nonce: q.get('nonce'),
    symbol: q.get('symbol'),
    status: q.get('status'),
    orderType: q.get('orderType'),
    limit,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
  };
  return { status: 200, body: exchange.orders(signer, query) };
}

/** The trading routes over a new exchange object built from `opts`. */
export function vestTradingRoutes(opts: SimTradingOptions): SimRoute[] {
  return vestRoutesFor(new VestExchange(opts));
}

/** The route table: one line per endpoint, each a call on the exchange. */
export function vestRoutesFor(exchange: VestExchange): SimRoute[] {
  const { faults } = exchange;
  const authed =
    (handler: (signer: VestSigner, req: SimRequest) => SimResponse) =>
    (req: SimRequest): Promise<SimResponse> => {
      const signer = authenticate(exchange, req);
      return faults.deliver('status' in signer ? signer : handler(signer, req));
    };
  const placing: SimRoute = { method: 'POST', path: /^\/v2\/orders$/, handle: (req) => placeOrder(exchange, req) };
  const routes: SimRoute[] = [
    { method: 'POST', path: /^\/v2\/register$/, handle: async (req) => faults.deliver(await register(exchange, req)) },
    placing,
    { method: 'POST', path: /^\/v2\/orders\/cancel$/, handle: (req) => cancelOrder(exchange, req) },
    { method: 'GET', path: /^\/v2\/orders$/, handle: authed((signer, req) => listOrders(exchange, signer, req)) },
    { method: 'GET', path: /^\/v2\/account$/, handle: authed((signer) => ({ status: 200, body: exchange.accountView(signer) })) },
    { method: 'GET', path: /^\/v2\/account\/nonce$/, handle: authed((signer) => ({ status: 200, body: { lastNonce: exchange.lastNonce(signer) } })) },
  ];
  return behindOutage(faults, routes, (route) => route === placing);
}
