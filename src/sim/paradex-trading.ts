/**
 * Paradex trading side of the simulated venue (venues.md §1.7–1.10): onboarding, JWT auth,
 * signed orders matched against the simulated book, order lookups, positions, fills and
 * account balances. Errors use Paradex's `{"error":"<CODE>","message":"…","data":null}` shape
 * with codes from the openapi `responses.ErrorCode` enum.
 *
 * Orders are answered as the real API answers them (openapi `POST /orders`): "The REST API performs
 * basic validation and queues the order for risk checks (order status=NEW)"; the matching engine
 * settles it afterwards. So a request that passes validation and the signature check is answered
 * 201 with the order NEW, and is matched `settleDelayMs` later (default a few ms; the
 * `delaySettlement` knob changes it), against the book of that moment, FIFO with the orders queued
 * before it. Until then GET /orders/{id} and /orders/by_client_id/{id} read it NEW. It settles
 * whatever became of the client that sent it (a client killed between the POST and the fill).
 *
 * Business outcomes that Paradex reports on the order rather than as an HTTP error are modelled
 * the same way: a margin or reduce-only failure closes the order (CLOSED, `cancel_reason`
 * NOT_ENOUGH_MARGIN / REDUCE_ONLY_WILL_INCREASE, nothing filled) when it settles; the unfilled
 * rest of an IOC or MARKET order is closed with REMAINING_IOC_CANCEL. A GTC LIMIT remainder
 * rests (OPEN) and is matched again against the then-current book on every later trading request.
 */
import { randomBytes } from 'node:crypto';
import type { OrderBook } from '../domain/order-book';
import { midPrice } from '../domain/order-book';
import { decimalsOf, formatDecimal, roundToStep } from '../venues/decimal';
import {
  paradexAuthHash,
  paradexOnboardingHash,
  paradexOrderHash,
  verifyParadexSignature,
  type ParadexOrderFields,
} from '../venues/paradex/signing';
import { signJwt, verifyJwt } from './jwt';
import {
  SimLedger,
  paradexRules,
  simMarketBySymbol,
  validateOrder,
  type Execution,
  type MarketRules,
  type RejectReason,
  type Side,
} from './matching';
import { SimTradingFaults } from './trading-faults';
import type { SimMarketView, SimRequest, SimResponse, SimRoute } from './types';

export { SimTradingFaults } from './trading-faults';

export const SIM_PARADEX_CHAIN_ID = 'PRIVATE_SN_PARACLEAR_MAINNET';

/** JWT lifetime on Paradex: 5 minutes, not extendable (venues.md §1.8). */
export const PARADEX_JWT_LIFETIME_S = 300;

export interface SimTradingOptions {
  readonly market: SimMarketView;
  /** Fault knobs for this venue (exposed as sim.faults.trading.paradex); a private instance when omitted. */
  readonly faults?: SimTradingFaults;
  /** Plain starknet_chain_id signatures are checked under; default 'PRIVATE_SN_PARACLEAR_MAINNET'. */
  readonly chainId?: string;
  /** HMAC secret of the JWTs /auth issues; shared with the WS server so its `auth` verifies them. Random by default. */
  readonly jwtSecret?: Buffer;
  /** USDC each new account starts with; default 100,000. */
  readonly initialBalance?: number;
  /** Leverage the initial margin is computed with (IM = notional / leverage); default 10. */
  readonly leverage?: number;
  /** Accounts already onboarded (as if created in the UI). */
  readonly accounts?: readonly { readonly address: string; readonly publicKey: string }[];
  /** MARKET orders walk at most this far from the mid (Paradex `max_slippage`); default 0.05. */
  readonly maxSlippage?: number;
  /**
   * How long after the NEW answer the matching engine settles an order, ms; default
   * DEFAULT_PARADEX_SETTLE_MS. 0 = settled as soon as the answer is built (still answered NEW).
   */
  readonly settleDelayMs?: number;
}

/** Paradex's risk check and matching take a few ms after the answer; the sim's default. */
export const DEFAULT_PARADEX_SETTLE_MS = 5;

export type ParadexOrderStatus = 'NEW' | 'OPEN' | 'CLOSED';

/** The order object the sim answers with (a subset of openapi `responses.OrderResp`). */
export interface SimParadexOrder {
  id: string;
  account: string;
  client_id: string;
  market: string;
  side: Side;
  type: 'MARKET' | 'LIMIT';
  size: string;
  price: string;
  instruction: 'GTC' | 'IOC';
  flags: string[];
  status: ParadexOrderStatus;
  remaining_size: string;
  avg_fill_price: string;
  cancel_reason: string;
  created_at: number;
  last_updated_at: number;
  received_at: number;
  published_at: number;
  timestamp: number;
  seq_no: number;
  stp: string;
  trigger_price: string;
}

interface OrderRecord {
  readonly wire: SimParadexOrder;
  readonly rules: MarketRules;
  /** Worst price the order may fill at; for a MARKET order it is set at settlement, from that mid. */
  worstPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly makerFee: number;
  /** receivedAt of the last book this order matched against. */
  lastBookAt: number | undefined;
  filledSize: number;
  filledNotional: number;
}

/** An order answered NEW, waiting for the matching engine. */
interface QueuedOrder {
  readonly account: AccountRecord;
  readonly order: OrderRecord;
  readonly maxFillFraction: number | undefined;
  /** Sim-clock time it is due (requests settle due orders first, whatever the timers did). */
  readonly dueAt: number;
}

interface FillRecord {
  id: string;
  order_id: string;
  client_id: string;
  market: string;
  side: Side;
  size: string;
  price: string;
  fee: string;
  fee_currency: 'USDC';
  liquidity: 'TAKER' | 'MAKER';
  realized_pnl: string;
  created_at: number;
}

interface AccountRecord {
  readonly address: string;
  readonly publicKey: string;
  readonly orders: OrderRecord[];
  readonly byId: Map<string, OrderRecord>;
  readonly byClientId: Map<string, OrderRecord>;
  readonly fills: FillRecord[];
}

const CANCEL_REASON: Partial<Record<RejectReason, string>> = {
  INSUFFICIENT_MARGIN: 'NOT_ENOUGH_MARGIN',
  REDUCE_ONLY_INCREASES: 'REDUCE_ONLY_WILL_INCREASE',
};

/** Paradex error code for each order check that fails before matching. */
const WIRE_CODE: Record<RejectReason, string> = {
  INVALID_SIZE: 'INVALID_ORDER_SIZE',
  SIZE_NOT_ON_INCREMENT: 'INVALID_ORDER_SIZE',
  SIZE_BELOW_MIN: 'INVALID_ORDER_SIZE',
  SIZE_ABOVE_MAX: 'INVALID_ORDER_SIZE',
  PRICE_NOT_ON_TICK: 'INVALID_PRICE_PRECISION',
  NOTIONAL_BELOW_MIN: 'INVALID_ORDER_SIZE',
  NO_MARKET_PRICE: 'VALIDATION_ERROR',
  REDUCE_ONLY_INCREASES: 'VALIDATION_ERROR',
  INSUFFICIENT_MARGIN: 'VALIDATION_ERROR',
};

function error(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: code, message, data: null } };
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

/** Stark keys and felts compare by value: '0x0abc' and '0xABC' are the same key. */
function feltKey(hex: string): string | undefined {
  try {
    return `0x${BigInt(hex).toString(16)}`;
  } catch {
    return undefined;
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;

export function paradexTradingRoutes(opts: SimTradingOptions): SimRoute[] {
  const { market } = opts;
  const faults = opts.faults ?? new SimTradingFaults();
  const chainId = opts.chainId ?? SIM_PARADEX_CHAIN_ID;
  const leverage = opts.leverage ?? 10;
  const maxSlippage = opts.maxSlippage ?? 0.05;
  const settleDelayMs = opts.settleDelayMs ?? DEFAULT_PARADEX_SETTLE_MS;
  const ledger = new SimLedger(opts.initialBalance === undefined ? {} : { initialBalance: opts.initialBalance });
  const secret = opts.jwtSecret ?? randomBytes(32);
  const accounts = new Map<string, AccountRecord>();
  let nextId = 1;
  let seqNo = 1;
  /** Orders answered NEW and not matched yet, in arrival order (the engine is FIFO). */
  let queued: QueuedOrder[] = [];

  const now = (): number => market.now();
  const marks = (symbol: string): number | undefined => {
    const book = market.book('paradex', symbol);
    return book ? midPrice(book) : undefined;
  };

  function onboard(address: string, publicKey: string): AccountRecord {
    const key = feltKey(address) ?? address;
    const existing = accounts.get(key);
    if (existing) return existing;
    const record: AccountRecord = { address, publicKey, orders: [], byId: new Map(), byClientId: new Map(), fills: [] };
    accounts.set(key, record);
    return record;
  }
  for (const a of opts.accounts ?? []) onboard(a.address, a.publicKey);

  function accountOf(address: string | undefined): AccountRecord | undefined {
    const key = address === undefined ? undefined : feltKey(address);
    return key === undefined ? undefined : accounts.get(key);
  }

  /** The account a Bearer JWT authenticates, or the 401 to answer. */
  function authenticate(req: SimRequest): AccountRecord | SimResponse {
    const auth = header(req, 'authorization');
    if (!auth) return error(401, 'UNAUTHORIZED_ERROR', 'missing Authorization: Bearer <jwt> header');
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m?.[1]) return error(401, 'INVALID_TOKEN', 'Authorization header is not a Bearer token');
    const check = verifyJwt(m[1], secret, Math.floor(now() / 1000));
    if (!check.ok) return error(401, 'INVALID_TOKEN', check.reason === 'expired' ? 'token expired' : 'invalid token');
    const account = accountOf(check.claims.sub);
    return account ?? error(401, 'INVALID_TOKEN', 'token account is not onboarded');
  }

  function formatSize(value: number, rules: MarketRules): string {
    return formatDecimal(value, decimalsOf(rules.sizeIncrement), 'nearest');
  }
  function formatPrice(value: number, rules: MarketRules): string {
    return formatDecimal(value, decimalsOf(rules.priceTick), 'nearest');
  }

  /** Books an execution on the order (fills, remaining size, average price, status). */
  function record(account: AccountRecord, order: OrderRecord, exec: Execution, liquidity: 'TAKER' | 'MAKER'): void {
    const t = now();
    exec.fills.forEach((f, i) => {
      account.fills.push({
        id: String(nextId++),
        order_id: order.wire.id,
        client_id: order.wire.client_id,
        market: order.wire.market,
        side: order.wire.side,
        size: formatSize(f.size, order.rules),
        price: formatPrice(f.price, order.rules),
        fee: formatDecimal(f.size * f.price * (liquidity === 'MAKER' ? order.makerFee : order.rules.takerFee), 6),
        fee_currency: 'USDC',
        liquidity,
        // The ledger realises PnL per order; it is reported on the order's first fill.
        realized_pnl: formatDecimal(i === 0 ? exec.realisedPnl : 0, 6),
        created_at: t,
      });
    });
    order.filledSize += exec.filledSize;
    order.filledNotional += exec.notional;
    const size = Number(order.wire.size);
    const remaining = Math.max(0, size - order.filledSize);
    order.wire.remaining_size = formatSize(remaining, order.rules);
    if (order.filledSize > 0) order.wire.avg_fill_price = formatPrice(order.filledNotional / order.filledSize, order.rules);
    const restable = order.wire.instruction === 'GTC' && order.wire.type === 'LIMIT';
    if (exec.remainingSize <= 0 || remaining <= 0) {
      order.wire.status = 'CLOSED';
    } else if (restable) {
      order.wire.status = 'OPEN';
    } else if (liquidity === 'TAKER') {
      order.wire.status = 'CLOSED';
      order.wire.cancel_reason = 'REMAINING_IOC_CANCEL';
    }
    order.wire.last_updated_at = t;
    order.wire.seq_no = seqNo++;
  }

  function closeWith(order: OrderRecord, reason: string): void {
    order.wire.status = 'CLOSED';
    order.wire.cancel_reason = reason;
    order.wire.last_updated_at = now();
    order.wire.seq_no = seqNo++;
  }

  /**
   * Resting GTC orders trade, as makers, against books published after they last matched. The
   * simulated book is not consumed by fills, so re-matching the same book would fill the same
   * liquidity twice.
   */
  function sweepOpenOrders(): void {
    settleDue();
    for (const account of accounts.values()) {
      for (const order of account.orders) {
        if (order.wire.status !== 'OPEN') continue;
        const book = market.book('paradex', order.wire.market);
        if (!book || book.receivedAt === order.lastBookAt) continue;
        order.lastBookAt = book.receivedAt;
        const remaining = Number(order.wire.remaining_size);
        const result = ledger.execute(
          account.address,
          { symbol: order.wire.market, side: order.wire.side, size: remaining, worstPrice: order.worstPrice, reduceOnly: order.reduceOnly, resting: true },
          book,
          { ...order.rules, takerFee: order.makerFee },
          marks,
        );
        if (!result.ok) closeWith(order, CANCEL_REASON[result.reason] ?? result.reason);
        else if (result.filledSize > 0) record(account, order, result, 'MAKER');
      }
    }
  }

  function lookup(order: OrderRecord | undefined, code: string, what: string): SimResponse {
    return order ? { status: 200, body: order.wire } : error(404, code, `${what} not found`);
  }

  async function placeOrder(req: SimRequest): Promise<SimResponse> {
    const receivedAt = now();
    const auth = authenticate(req);
    if ('status' in auth) return faults.deliver(auth);
    const account = auth;
    sweepOpenOrders();
    const body = parseObject(req.body);
    if (!body) return faults.deliver(error(400, 'BINDING_ERROR', 'request body is not a JSON object'));
    const parsed = parseOrderBody(body);
    if (typeof parsed === 'string') return faults.deliver(error(400, 'VALIDATION_ERROR', parsed));
    const spec = simMarketBySymbol('paradex', parsed.market);
    if (!spec) return faults.deliver(error(400, 'MARKET_NOT_FOUND', `market ${parsed.market} not found`));
    const rules = paradexRules(spec, leverage);

    const signed: ParadexOrderFields = {
      timestamp: parsed.signatureTimestamp,
      market: parsed.market,
      side: parsed.side,
      type: parsed.type,
      size: parsed.size,
      price: parsed.type === 'MARKET' ? '0' : parsed.price,
    };
    let hash: bigint;
    try {
      hash = paradexOrderHash(signed, account.address, chainId);
    } catch {
      return faults.deliver(error(400, 'VALIDATION_ERROR', 'order fields cannot be signed (size, price or timestamp malformed)'));
    }
    if (!verifyParadexSignature(hash, parsed.signature, account.publicKey)) {
      return faults.deliver(error(400, 'INVALID_ORDER_SIGNATURE', 'order signature does not verify against the account public key'));
    }
    if (parsed.recvWindow !== undefined && receivedAt > parsed.signatureTimestamp + parsed.recvWindow) {
      return faults.deliver(
        error(400, 'INVALID_TIMESTAMP', `order received ${receivedAt - parsed.signatureTimestamp} ms after signature_timestamp, recv_window ${parsed.recvWindow} ms`),
      );
    }
    if (parsed.clientId !== '' && account.byClientId.has(parsed.clientId)) {
      return faults.deliver(error(400, 'DUPLICATED_CLIENT_ID', `client_id ${parsed.clientId} already used`));
    }

    const size = Number(parsed.size);
    const limitPrice = parsed.type === 'LIMIT' ? Number(parsed.price) : undefined;
    const book = market.book('paradex', parsed.market);
    const invalid = validateOrder({ symbol: parsed.market, side: parsed.side, size, worstPrice: limitPrice, reduceOnly: parsed.reduceOnly }, rules, book);
    if (invalid) return faults.deliver(error(400, WIRE_CODE[invalid.reason], invalid.message));

    const plan = faults.planOrder(parsed.reduceOnly);
    if (plan.reject) {
      const code = typeof plan.reject.code === 'string' ? plan.reject.code : 'VALIDATION_ERROR';
      return faults.deliver(error(400, code, 'order rejected by the simulator (fault injection)'));
    }

    const t = now();
    const wire: SimParadexOrder = {
      id: String(nextId++),
      account: account.address,
      client_id: parsed.clientId,
      market: parsed.market,
      side: parsed.side,
      type: parsed.type,
      size: parsed.size,
      price: parsed.type === 'MARKET' ? '0' : parsed.price,
      instruction: parsed.instruction,
      flags: parsed.reduceOnly ? ['REDUCE_ONLY'] : [],
      status: 'NEW',
      remaining_size: formatSize(size, rules),
      avg_fill_price: '',
      cancel_reason: '',
      created_at: t,
      last_updated_at: t,
      received_at: receivedAt,
      published_at: t,
      timestamp: parsed.signatureTimestamp,
      seq_no: seqNo++,
      stp: 'EXPIRE_TAKER',
      trigger_price: '0',
    };
    const order: OrderRecord = {
      wire,
      rules,
      worstPrice: limitPrice,
      reduceOnly: parsed.reduceOnly,
      makerFee: spec.paradex.makerFee,
      lastBookAt: undefined,
      filledSize: 0,
      filledNotional: 0,
    };
    account.orders.push(order);
    account.byId.set(wire.id, order);
    if (wire.client_id !== '') account.byClientId.set(wire.client_id, order);

    // The answer is the order as queued; the engine settles it afterwards.
    const answer = { ...wire, flags: [...wire.flags] };
    const delay = faults.settlementDelay(settleDelayMs);
    const entry: QueuedOrder = { account, order, maxFillFraction: plan.maxFillFraction, dueAt: receivedAt + delay };
    queued.push(entry);
    faults.scheduleSettlement(() => settleThrough(entry), delay);
    return faults.deliver({ status: 201, body: answer }, plan.hold);
  }

  /** Settles queued orders whose time has come by the sim clock (a test clock may run ahead of timers). */
  function settleDue(): void {
    const t = now();
    const due = queued.filter((q) => q.dueAt <= t);
    if (due.length > 0) settleThrough(due[due.length - 1]!);
  }

  /** Settles `entry` and every order queued before it, in arrival order. */
  function settleThrough(entry: QueuedOrder): void {
    const at = queued.indexOf(entry);
    if (at < 0) return;
    const batch = queued.slice(0, at + 1);
    queued = queued.slice(at + 1);
    for (const q of batch) settle(q);
  }

  /** The matching engine's turn: risk check (margin, reduce-only) and match against the current book. */
  function settle({ account, order, maxFillFraction }: QueuedOrder): void {
    const { wire, rules } = order;
    if (wire.status !== 'NEW') return; // cancelled while queued
    const t = now();
    const emptyBook: OrderBook = { bids: [], asks: [], receivedAt: t };
    const book = market.book('paradex', wire.market) ?? emptyBook;
    const mid = midPrice(book);
    // MARKET orders carry no price on Paradex; the venue bounds them by max_slippage around the mid.
    if (order.worstPrice === undefined && mid !== undefined) {
      order.worstPrice =
        wire.side === 'BUY' ? roundToStep(mid * (1 + maxSlippage), rules.priceTick, 'down') : roundToStep(mid * (1 - maxSlippage), rules.priceTick, 'up');
    }
    order.lastBookAt = book.receivedAt;
    const result = ledger.execute(
      account.address,
      {
        symbol: wire.market,
        side: wire.side,
        size: Number(wire.size),
        reduceOnly: order.reduceOnly,
        ...(order.worstPrice === undefined ? {} : { worstPrice: order.worstPrice }),
        ...(maxFillFraction === undefined ? {} : { maxFillFraction }),
      },
      book,
      rules,
      marks,
    );
    if (!result.ok) closeWith(order, CANCEL_REASON[result.reason] ?? result.reason);
    else {
      record(account, order, result, 'TAKER');
      // A partial-fill fault models a venue that fills less than it could: the rest never rests.
      if (maxFillFraction !== undefined && order.wire.status === 'OPEN') closeWith(order, 'REMAINING_IOC_CANCEL');
    }
  }

  async function auth(req: SimRequest): Promise<SimResponse> {
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
    const nowSec = Math.floor(now() / 1000);
    if (expiration <= nowSec) return error(400, 'INVALID_TIMESTAMP', 'signature expired');
    if (timestamp > nowSec + 60) return error(400, 'INVALID_TIMESTAMP', 'PARADEX-TIMESTAMP is in the future');
    const account = accountOf(address);
    if (!account) return error(400, 'NOT_ONBOARDED', `account ${address} is not onboarded`);
    const pathKey = req.params[0];
    if (pathKey !== undefined && pathKey !== '' && feltKey(pathKey) !== feltKey(account.publicKey)) {
      return error(400, 'PUBLIC_KEY_INVALID', 'public key in the path is not registered for this account');
    }
    // Clients sign path '/v1/auth' (paradex-py, code samples) even when calling /v1/auth/{public_key}.
    const verified = [...new Set(['/v1/auth', req.path])].some((path) => {
      try {
        const hash = paradexAuthHash({ method: 'POST', path, body: '', timestamp, expiration }, account.address, chainId);
        return verifyParadexSignature(hash, signature, account.publicKey);
      } catch {
        return false;
      }
    });
    if (!verified) return error(400, 'STARKNET_SIGNATURE_VERIFICATION_FAILED', 'auth signature does not verify against the account public key');
    const exp = Math.min(nowSec + PARADEX_JWT_LIFETIME_S, expiration + PARADEX_JWT_LIFETIME_S);
    return { status: 200, body: { jwt_token: signJwt({ sub: account.address, iat: nowSec, exp }, secret) } };
  }

  function onboarding(req: SimRequest): SimResponse {
    const address = header(req, 'paradex-starknet-account');
    const signature = header(req, 'paradex-starknet-signature');
    if (!address || !signature) return error(400, 'VALIDATION_ERROR', 'PARADEX-STARKNET-ACCOUNT and PARADEX-STARKNET-SIGNATURE are required');
    const body = parseObject(req.body);
    const publicKey = typeof body?.public_key === 'string' ? body.public_key : undefined;
    if (!publicKey || feltKey(publicKey) === undefined) return error(400, 'PUBLIC_KEY_INVALID', 'body must be {"public_key":"0x…"}');
    if (feltKey(address) === undefined) return error(400, 'INVALID_STARKNET_ADDRESS', 'PARADEX-STARKNET-ACCOUNT is not a felt');
    let ok: boolean;
    try {
      ok = verifyParadexSignature(paradexOnboardingHash(address, chainId), signature, publicKey);
    } catch {
      ok = false;
    }
    if (!ok) return error(400, 'STARKNET_SIGNATURE_VERIFICATION_FAILED', 'onboarding signature does not verify against public_key');
    const existing = accountOf(address);
    if (existing && feltKey(existing.publicKey) !== feltKey(publicKey)) {
      return error(400, 'PUBLIC_KEY_INVALID', 'account is already onboarded with another public key');
    }
    onboard(address, publicKey);
    return { status: 200, body: {} };
  }

  function onboardingStatus(req: SimRequest): SimResponse {
    const key = req.query.get('public_key');
    const address = header(req, 'paradex-starknet-account') ?? req.query.get('address') ?? undefined;
    const exists =
      (address !== undefined && accountOf(address) !== undefined) ||
      (key !== null && [...accounts.values()].some((a) => feltKey(a.publicKey) === feltKey(key)));
    return { status: 200, body: { exists } };
  }

  /** Wraps an authenticated handler: sweeps resting orders first and applies the response delay. */
  function authed(handler: (account: AccountRecord, req: SimRequest) => SimResponse): (req: SimRequest) => Promise<SimResponse> {
    return (req) => {
      const account = authenticate(req);
      if ('status' in account) return faults.deliver(account);
      sweepOpenOrders();
      return faults.deliver(handler(account, req));
    };
  }

  function cancelOrder(order: OrderRecord | undefined, code: string): SimResponse {
    if (!order) return error(404, code, 'order not found');
    if (order.wire.status === 'CLOSED') return error(400, 'ORDER_IS_CLOSED', 'order is already closed');
    closeWith(order, 'USER_CANCELED');
    return { status: 204, body: null };
  }

  function positionsBody(account: AccountRecord): SimResponse {
    const results = ledger.positions(account.address, marks).map((p) => {
      const spec = simMarketBySymbol('paradex', p.symbol);
      const rules = spec ? paradexRules(spec, leverage) : undefined;
      const fmtSize = (v: number): string => (rules ? formatDecimal(v, decimalsOf(rules.sizeIncrement)) : String(v));
      return {
        id: `${account.address}-${p.symbol}`,
        account: account.address,
        market: p.symbol,
        status: p.size === 0 ? 'CLOSED' : 'OPEN',
        side: p.size < 0 ? 'SHORT' : 'LONG',
        size: fmtSize(p.size),
        average_entry_price: formatDecimal(p.entryPrice, 8),
        average_entry_price_usd: formatDecimal(p.entryPrice, 8),
        unrealized_pnl: formatDecimal(p.unrealisedPnl, 6),
        unrealized_funding_pnl: '0',
        realized_positional_pnl: formatDecimal(p.realisedPnl, 6),
        cost: formatDecimal(p.size * p.entryPrice, 6),
        leverage: String(leverage),
        liquidation_price: '',
        last_updated_at: now(),
        seq_no: seqNo,
      };
    });
    return { status: 200, body: { results } };
  }

  function accountBody(account: AccountRecord): SimResponse {
    const s = ledger.summary(account.address, marks);
    return {
      status: 200,
      body: {
        account: account.address,
        account_value: formatDecimal(s.equity, 6),
        total_collateral: formatDecimal(s.equity, 6),
        free_collateral: formatDecimal(s.freeCollateral, 6),
        initial_margin_requirement: formatDecimal(s.initialMargin, 6),
        maintenance_margin_requirement: formatDecimal(s.maintenanceMargin, 6),
        margin_cushion: formatDecimal(s.equity - s.maintenanceMargin, 6),
        settlement_asset: 'USDC',
        status: 'ACTIVE',
        updated_at: now(),
        seq_no: seqNo,
      },
    };
  }

  return [
    { method: 'POST', path: /^\/v1\/onboarding$/, handle: (req) => faults.deliver(onboarding(req)) },
    { method: 'GET', path: /^\/v1\/onboarding$/, handle: (req) => faults.deliver(onboardingStatus(req)) },
    { method: 'POST', path: /^\/v1\/auth(?:\/([^/]+))?$/, handle: async (req) => faults.deliver(await auth(req)) },
    { method: 'POST', path: /^\/v1\/orders$/, handle: placeOrder },
    {
      method: 'GET',
      path: /^\/v1\/orders\/by_client_id\/([^/]+)$/,
      handle: authed((a, req) => lookup(a.byClientId.get(req.params[0] ?? ''), 'CLIENT_ORDER_ID_NOT_FOUND', 'client order id')),
    },
    {
      method: 'GET',
      path: /^\/v1\/orders\/([^/]+)$/,
      handle: authed((a, req) => lookup(a.byId.get(req.params[0] ?? ''), 'ORDER_ID_NOT_FOUND', 'order id')),
    },
    {
      method: 'GET',
      path: /^\/v1\/orders$/,
      handle: authed((a, req) => {
        const m = req.query.get('market');
        const open = a.orders.filter((o) => o.wire.status !== 'CLOSED' && (m === null || o.wire.market === m));
        return { status: 200, body: { results: open.map((o) => o.wire) } };
      }),
    },
    {
      method: 'DELETE',
      path: /^\/v1\/orders\/by_client_id\/([^/]+)$/,
      handle: authed((a, req) => cancelOrder(a.byClientId.get(req.params[0] ?? ''), 'CLIENT_ORDER_ID_NOT_FOUND')),
    },
    {
      method: 'DELETE',
      path: /^\/v1\/orders\/([^/]+)$/,
      handle: authed((a, req) => cancelOrder(a.byId.get(req.params[0] ?? ''), 'ORDER_ID_NOT_FOUND')),
    },
    { method: 'GET', path: /^\/v1\/positions$/, handle: authed((a) => positionsBody(a)) },
    {
      method: 'GET',
      path: /^\/v1\/fills$/,
      handle: authed((a, req) => {
        const m = req.query.get('market');
        return { status: 200, body: { next: null, prev: null, results: a.fills.filter((f) => m === null || f.market === m).reverse() } };
      }),
    },
    {
      method: 'GET',
      path: /^\/v1\/balance$/,
      handle: authed((a) => ({
        status: 200,
        body: { results: [{ token: 'USDC', size: formatDecimal(ledger.balance(a.address), 6), last_updated_at: now() }] },
      })),
    },
    { method: 'GET', path: /^\/v1\/account$/, handle: authed((a) => accountBody(a)) },
  ];
}

interface ParsedOrder {
  market: string;
  side: Side;
  type: 'MARKET' | 'LIMIT';
  size: string;
  price: string;
  instruction: 'GTC' | 'IOC';
  signature: string;
  signatureTimestamp: number;
  clientId: string;
  reduceOnly: boolean;
  recvWindow: number | undefined;
}

/** Reads a POST /orders body; a string is the validation message. */
function parseOrderBody(b: Record<string, unknown>): ParsedOrder | string {
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
