/**
 * Vest trading side of the simulated venue (venues.md §2.3–2.6): signer registration, signed
 * orders matched against the simulated book, cancels, order queries and the account view.
 *
 * Request problems answer HTTP 400/401 with Vest's `{"code":N,"msg":"NAME"}` (codes from the
 * Vest API error table: 1002 UNAUTHORIZED, 1022 INVALID_SIGNATURE, 1111 BAD_DECIMALS, 1132
 * ORDER_EXPIRED, 3015 DUPLICATE, …). An order that passes them is answered `{"id":"0x…"}` and
 * executed at once, or, with the `delaySettlement` knob, that long after the answer (GET /v2/orders
 * reads it NEW meanwhile, as Vest's own order events start at NEW); business failures show on the order (GET /v2/orders) as status REJECTED with
 * `code` 3002 MARGIN_CHECK_FAILED, 3018 REDUCE_ONLY_INCREASES or 3001 PRICE_CHECK_FAILED (nothing
 * fillable within limitPrice). Vest is taker-only here: nothing rests on a book, an unfilled
 * remainder is cancelled (status PARTIALLY_FILLED when some filled), FOK fills fully or not at all.
 * MARKET orders use limitPrice as their worst-price cap.
 */
import { randomBytes } from 'node:crypto';
import { midPrice, type OrderBook } from '../domain/order-book';
import { formatDecimal } from '../venues/decimal';
import {
  VEST_VERIFYING_CONTRACT,
  recoverVestSignerProof,
  verifyVestCancelSignature,
  verifyVestOrderSignature,
  type VestOrderFields,
} from '../venues/vest/signing';
import { SimLedger, simMarketBySymbol, vestRules, type MarketRules, type RejectReason } from './matching';
import { SimTradingFaults } from './trading-faults';
import type { SimMarketView, SimRequest, SimResponse, SimRoute } from './types';

export { SimTradingFaults } from './trading-faults';

type Hex = `0x${string}`;

export interface SimTradingOptions {
  readonly market: SimMarketView;
  /** Fault knobs for this venue (exposed as sim.faults.trading.vest); a private instance when omitted. */
  readonly faults?: SimTradingFaults;
  /** USDC each new account starts with; default 100,000. */
  readonly initialBalance?: number;
  /** EIP-712 verifyingContract SignerProofs are checked under; default the production contract. */
  readonly verifyingContract?: Hex;
}

/** Vest error codes the simulator answers with (Vest API "Error Codes"). */
export const VEST_CODES = {
  UNAUTHORIZED: 1002,
  INVALID_SIGNATURE: 1022,
  INVALID_NONCE: 1023,
  INVALID_NETWORK_TYPE: 1024,
  BAD_DECIMALS: 1111,
  INVALID_ORDER_TYPE: 1116,
  BAD_SYMBOL: 1121,
  INVALID_PARAMETER: 1130,
  BAD_RECV_WINDOW: 1131,
  ORDER_EXPIRED: 1132,
  INVALID_TIME_IN_FORCE: 1133,
  INVALID_ACCOUNT_GROUP: 1146,
  PRICE_CHECK_FAILED: 3001,
  MARGIN_CHECK_FAILED: 3002,
  PRICE_STALE: 3003,
  ORDER_STALE: 3004,
  OI_CAP_EXCEEDED: 3010,
  INVALID_LIMIT_PRICE: 3011,
  DUPLICATE: 3015,
  ORDER_NOT_FOUND: 3017,
  REDUCE_ONLY_INCREASES: 3018,
  REDUCE_ONLY_EXCEEDS_SIZE: 3019,
  MARKET_CLOSED: 3024,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(VEST_CODES).map(([name, code]) => [code, name]));

export type VestOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELLED' | 'REJECTED';

/** One order as GET /v2/orders reports it (fields of the Vest docs' example). */
export interface SimVestOrder {
  id: string;
  nonce: number;
  symbol: string;
  isBuy: boolean;
  orderType: 'MARKET' | 'LIMIT';
  limitPrice: string;
  markPrice: string | null;
  size: string;
  status: VestOrderStatus;
  reduceOnly: boolean;
  initMarginRatio: string;
  code: number | null;
  lastFilledSize: string | null;
  lastFilledPrice: string | null;
  lastFilledTime: number | null;
  avgFilledPrice: string | null;
  settledFunding: string | null;
  fees: string;
  realizedPnl: string | null;
  postTime: number;
  tpPrice: null;
  slPrice: null;
}

interface SignerRecord {
  readonly apiKey: string;
  readonly primaryAddr: string;
  readonly signingAddr: string;
  readonly expiryTime: number;
}

interface AccountRecord {
  readonly primaryAddr: string;
  readonly orders: SimVestOrder[];
  readonly byId: Map<string, SimVestOrder>;
  readonly nonces: Set<number>;
  lastNonce: number;
}

const REJECT_CODE: Partial<Record<RejectReason, number>> = {
  INSUFFICIENT_MARGIN: VEST_CODES.MARGIN_CHECK_FAILED,
  REDUCE_ONLY_INCREASES: VEST_CODES.REDUCE_ONLY_INCREASES,
};

function fail(status: number, code: number, detail?: string): SimResponse {
  const body: Record<string, unknown> = { code, msg: CODE_NAMES.get(code) ?? 'ERROR' };
  if (detail !== undefined) body.detail = detail;
  return { status, body };
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

/** A decimal string with exactly `decimals` decimals ('0.1000' for 4; '12' for 0). */
function hasExactDecimals(text: string, decimals: number): boolean {
  return (decimals === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${decimals}}$`)).test(text);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function vestTradingRoutes(opts: SimTradingOptions): SimRoute[] {
  const { market } = opts;
  const faults = opts.faults ?? new SimTradingFaults();
  const verifyingContract = opts.verifyingContract ?? VEST_VERIFYING_CONTRACT.prod;
  const ledger = new SimLedger(opts.initialBalance === undefined ? {} : { initialBalance: opts.initialBalance });
  const signersByKey = new Map<string, SignerRecord>();
  const accounts = new Map<string, AccountRecord>();

  const now = (): number => market.now();
  const marks = (symbol: string): number | undefined => {
    const book = market.book('vest', symbol);
    return book ? midPrice(book) : undefined;
  };

  function accountOf(primaryAddr: string): AccountRecord {
    const key = primaryAddr.toLowerCase();
    let account = accounts.get(key);
    if (!account) {
      account = { primaryAddr: key, orders: [], byId: new Map(), nonces: new Set(), lastNonce: 0 };
      accounts.set(key, account);
    }
    return account;
  }

  /** API key and account-group header checks shared by every private endpoint. */
  function authenticate(req: SimRequest): SignerRecord | SimResponse {
    const apiKey = header(req, 'x-api-key');
    const signer = apiKey === undefined ? undefined : signersByKey.get(apiKey);
    if (!signer) return fail(401, VEST_CODES.UNAUTHORIZED, 'missing or unknown X-API-KEY');
    if (header(req, 'xrestservermm') !== 'restserver0') {
      return fail(400, VEST_CODES.INVALID_ACCOUNT_GROUP, 'header xrestservermm: restserver0 is required (accGroup 0)');
    }
    return signer;
  }

  async function register(req: SimRequest): Promise<SimResponse> {
    const b = parseObject(req.body);
    if (!b) return fail(400, VEST_CODES.INVALID_PARAMETER, 'body must be a JSON object');
    const { signingAddr, primaryAddr, signature, expiryTime, networkType } = b;
    if (typeof signingAddr !== 'string' || !ADDRESS.test(signingAddr) || typeof primaryAddr !== 'string' || !ADDRESS.test(primaryAddr)) {
      return fail(400, VEST_CODES.INVALID_PARAMETER, 'signingAddr and primaryAddr must be 0x addresses');
    }
    if (typeof expiryTime !== 'number' || !Number.isSafeInteger(expiryTime)) return fail(400, VEST_CODES.INVALID_PARAMETER, 'expiryTime must be ms');
    if (networkType !== undefined && networkType !== 0) return fail(400, VEST_CODES.INVALID_NETWORK_TYPE);
    if (expiryTime <= now()) return fail(400, VEST_CODES.INVALID_PARAMETER, 'expiryTime is in the past');
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) return fail(400, VEST_CODES.INVALID_SIGNATURE);
    let recovered: string | undefined;
    try {
      recovered = await recoverVestSignerProof({ signingAddr: signingAddr as Hex, expiryTime, verifyingContract }, signature as Hex);
    } catch {
      recovered = undefined;
    }
    if (recovered?.toLowerCase() !== primaryAddr.toLowerCase()) {
      return fail(400, VEST_CODES.INVALID_SIGNATURE, 'SignerProof is not signed by primaryAddr');
    }
    const apiKey = randomBytes(24).toString('hex');
    signersByKey.set(apiKey, { apiKey, primaryAddr: primaryAddr.toLowerCase(), signingAddr: signingAddr.toLowerCase(), expiryTime });
    accountOf(primaryAddr);
    return { status: 200, body: { apiKey, accGroup: 0 } };
  }

  async function placeOrder(req: SimRequest): Promise<SimResponse> {
    const serverTime = now();
    const signer = authenticate(req);
    if ('status' in signer) return faults.deliver(signer);
    const b = parseObject(req.body);
    const o = b && typeof b.order === 'object' && b.order !== null ? (b.order as Record<string, unknown>) : undefined;
    if (!b || !o) return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'body must be {order, recvWindow?, signature}'));
    const { time, nonce, symbol, isBuy, size, orderType, limitPrice, reduceOnly, timeInForce } = o;
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'order.time must be ms'));
    if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) return faults.deliver(fail(400, VEST_CODES.INVALID_NONCE));
    if (orderType !== 'MARKET' && orderType !== 'LIMIT') return faults.deliver(fail(400, VEST_CODES.INVALID_ORDER_TYPE));
    if (typeof symbol !== 'string') return faults.deliver(fail(400, VEST_CODES.BAD_SYMBOL));
    const spec = simMarketBySymbol('vest', symbol);
    if (!spec) return faults.deliver(fail(400, VEST_CODES.BAD_SYMBOL, `unknown symbol ${symbol}`));
    if (typeof isBuy !== 'boolean' || typeof reduceOnly !== 'boolean') {
      return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'isBuy and reduceOnly must be booleans'));
    }
    if (typeof size !== 'string' || typeof limitPrice !== 'string') {
      return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'size and limitPrice must be decimal strings'));
    }
    if (timeInForce !== undefined && (orderType !== 'LIMIT' || (timeInForce !== 'GTC' && timeInForce !== 'FOK'))) {
      return faults.deliver(fail(400, VEST_CODES.INVALID_TIME_IN_FORCE, 'timeInForce is only for LIMIT orders: GTC or FOK'));
    }
    const recvWindow = b.recvWindow === undefined ? 5000 : b.recvWindow;
    if (typeof recvWindow !== 'number' || !Number.isSafeInteger(recvWindow) || recvWindow <= 0) {
      return faults.deliver(fail(400, VEST_CODES.BAD_RECV_WINDOW));
    }
    if (serverTime > time + recvWindow) {
      return faults.deliver(fail(400, VEST_CODES.ORDER_EXPIRED, `server time is ${serverTime - time} ms past order.time, recvWindow ${recvWindow} ms`));
    }
    const { sizeDecimals, priceDecimals } = spec.vest;
    if (!hasExactDecimals(size, sizeDecimals) || !hasExactDecimals(limitPrice, priceDecimals)) {
      return faults.deliver(fail(400, VEST_CODES.BAD_DECIMALS, `${symbol} takes size with ${sizeDecimals} and limitPrice with ${priceDecimals} decimals`));
    }
    const fields: VestOrderFields = { time, nonce, orderType, symbol, isBuy, size, limitPrice, reduceOnly };
    const signatureOk =
      typeof b.signature === 'string' && serverTime < signer.expiryTime && (await verifyVestOrderSignature(fields, b.signature, signer.signingAddr));
    if (!signatureOk) {
      return faults.deliver(fail(400, VEST_CODES.INVALID_SIGNATURE, 'order signature does not recover to the registered signing key (or the key expired)'));
    }
    const account = accountOf(signer.primaryAddr);
    if (account.nonces.has(nonce)) return faults.deliver(fail(400, VEST_CODES.DUPLICATE, `nonce ${nonce} already used`));
    const sizeValue = Number(size);
    const priceValue = Number(limitPrice);
    if (!(sizeValue > 0) || !(priceValue > 0)) {
      return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'size and limitPrice must be positive'));
    }

    const plan = faults.planOrder(reduceOnly);
    if (plan.reject) {
      const code = typeof plan.reject.code === 'number' ? plan.reject.code : VEST_CODES.MARGIN_CHECK_FAILED;
      return faults.deliver(fail(400, code, 'order rejected by the simulator (fault injection)'));
    }

    account.nonces.add(nonce);
    account.lastNonce = Math.max(account.lastNonce, nonce);
    const rules = vestRules(spec);
    const book: OrderBook = market.book('vest', symbol) ?? { bids: [], asks: [], receivedAt: serverTime };
    const mid = midPrice(book);
    const order: SimVestOrder = {
      id: `0x${randomBytes(32).toString('hex')}`,
      nonce,
      symbol,
      isBuy,
      orderType,
      limitPrice,
      markPrice: mid === undefined ? null : formatDecimal(mid, priceDecimals),
      size,
      status: 'NEW',
      reduceOnly,
      initMarginRatio: formatDecimal(rules.initMarginRatio, 4),
      code: null,
      lastFilledSize: null,
      lastFilledPrice: null,
      lastFilledTime: null,
      avgFilledPrice: null,
      settledFunding: null,
      fees: '0.000000',
      realizedPnl: null,
      postTime: serverTime,
      tpPrice: null,
      slPrice: null,
    };
    account.orders.push(order);
    account.byId.set(order.id, order);
    // Executed against the book of the moment it settles (a cancel meanwhile wins).
    faults.scheduleSettlement(() => {
      if (order.status !== 'NEW') return;
      const latest = market.book('vest', symbol) ?? book;
      execute(account, order, rules, latest, timeInForce === 'FOK', plan.maxFillFraction);
    }, faults.settlementDelay(0));
    return faults.deliver({ status: 200, body: { id: order.id } }, plan.hold);
  }

  function execute(account: AccountRecord, order: SimVestOrder, rules: MarketRules, book: OrderBook, fok: boolean, maxFillFraction: number | undefined): void {
    const result = ledger.execute(
      account.primaryAddr,
      {
        symbol: order.symbol,
        side: order.isBuy ? 'BUY' : 'SELL',
        size: Number(order.size),
        worstPrice: Number(order.limitPrice),
        reduceOnly: order.reduceOnly,
        fillOrKill: fok,
        ...(maxFillFraction === undefined ? {} : { maxFillFraction }),
      },
      book,
      rules,
      marks,
    );
    const spec = simMarketBySymbol('vest', order.symbol);
    const priceDecimals = spec?.vest.priceDecimals ?? 2;
    const sizeDecimals = spec?.vest.sizeDecimals ?? 4;
    if (!result.ok) {
      order.status = 'REJECTED';
      order.code = REJECT_CODE[result.reason] ?? VEST_CODES.INVALID_PARAMETER;
      return;
    }
    if (result.filledSize <= 0) {
      // Nothing within limitPrice: Vest refuses a price it cannot honour.
      order.status = 'REJECTED';
      order.code = VEST_CODES.PRICE_CHECK_FAILED;
      return;
    }
    const avg = result.avgPrice ?? 0;
    order.status = result.remainingSize > 0 ? 'PARTIALLY_FILLED' : 'FILLED';
    order.lastFilledSize = formatDecimal(result.filledSize, sizeDecimals);
    order.lastFilledPrice = formatDecimal(avg, priceDecimals);
    order.lastFilledTime = now();
    order.avgFilledPrice = formatDecimal(avg, priceDecimals);
    order.settledFunding = '0.000000';
    order.fees = formatDecimal(result.fee, 6);
    order.realizedPnl = formatDecimal(result.realisedPnl - result.fee, 6);
  }

  async function cancelOrder(req: SimRequest): Promise<SimResponse> {
    const serverTime = now();
    const signer = authenticate(req);
    if ('status' in signer) return faults.deliver(signer);
    const b = parseObject(req.body);
    const o = b && typeof b.order === 'object' && b.order !== null ? (b.order as Record<string, unknown>) : undefined;
    if (!b || !o) return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'body must be {order:{time,nonce,id}, recvWindow?, signature}'));
    const { time, nonce, id } = o;
    if (typeof time !== 'number' || !Number.isSafeInteger(time) || typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || typeof id !== 'string') {
      return faults.deliver(fail(400, VEST_CODES.INVALID_PARAMETER, 'order must be {time, nonce, id}'));
    }
    const recvWindow = typeof b.recvWindow === 'number' ? b.recvWindow : 5000;
    if (serverTime > time + recvWindow) return faults.deliver(fail(400, VEST_CODES.ORDER_EXPIRED));
    const ok = typeof b.signature === 'string' && serverTime < signer.expiryTime && (await verifyVestCancelSignature({ time, nonce, id }, b.signature, signer.signingAddr));
    if (!ok) return faults.deliver(fail(400, VEST_CODES.INVALID_SIGNATURE, 'cancel signature does not recover to the registered signing key'));
    const order = accountOf(signer.primaryAddr).byId.get(id);
    // Taker-only: every order is final once answered, so there is never anything left to cancel.
    if (!order || order.status !== 'NEW') return faults.deliver(fail(400, VEST_CODES.ORDER_NOT_FOUND, 'no open order with this id'));
    order.status = 'CANCELLED';
    return faults.deliver({ status: 200, body: { id } });
  }

  function listOrders(signer: SignerRecord, req: SimRequest): SimResponse {
    const account = accountOf(signer.primaryAddr);
    const ids = req.query.get('id')?.split(',').filter((s) => s !== '');
    const nonce = req.query.get('nonce');
    const symbol = req.query.get('symbol');
    const status = req.query.get('status');
    const orderType = req.query.get('orderType');
    const limit = Math.min(1000, Number(req.query.get('limit') ?? 1000) || 1000);
    const matches = account.orders.filter(
      (o) =>
        (ids === undefined || ids.includes(o.id)) &&
        (nonce === null || String(o.nonce) === nonce) &&
        (symbol === null || o.symbol === symbol) &&
        (status === null || o.status === status) &&
        (orderType === null || o.orderType === orderType),
    );
    return { status: 200, body: matches.slice(-limit).reverse() };
  }

  function accountBody(signer: SignerRecord): SimResponse {
    const account = accountOf(signer.primaryAddr);
    const s = ledger.summary(account.primaryAddr, marks);
    const positions = ledger
      .positions(account.primaryAddr, marks)
      .filter((p) => p.size !== 0)
      .map((p) => {
        const spec = simMarketBySymbol('vest', p.symbol);
        const sizeDecimals = spec?.vest.sizeDecimals ?? 4;
        const priceDecimals = spec?.vest.priceDecimals ?? 2;
        const imr = spec?.vest.initMarginRatio ?? 0.1;
        const mmr = spec?.vest.maintMarginRatio ?? imr / 2;
        const mark = p.markPrice ?? p.entryPrice;
        const notional = Math.abs(p.size) * mark;
        return {
          symbol: p.symbol,
          isLong: p.size > 0,
          size: formatDecimal(Math.abs(p.size), sizeDecimals),
          entryPrice: formatDecimal(p.entryPrice, priceDecimals),
          entryFunding: '0.000000000000',
          unrealizedPnl: formatDecimal(p.unrealisedPnl, 6),
          settledFunding: '0.000000',
          markPrice: formatDecimal(mark, priceDecimals),
          indexPrice: formatDecimal(mark, priceDecimals),
          liqPrice: null,
          initMargin: formatDecimal(notional * imr, 6),
          maintMargin: formatDecimal(notional * mmr, 6),
          initMarginRatio: formatDecimal(imr, 4),
        };
      });
    return {
      status: 200,
      body: {
        address: account.primaryAddr,
        balances: [{ asset: 'USDC', total: formatDecimal(s.balance, 6), locked: '0.000000' }],
        collateral: formatDecimal(s.balance, 6),
        withdrawable: formatDecimal(Math.max(0, s.freeCollateral), 6),
        totalAccountValue: formatDecimal(s.equity, 6),
        openOrderMargin: '0.000000',
        totalMaintMargin: formatDecimal(s.maintenanceMargin, 6),
        positions,
        leverages: [],
        lp: { balance: '0.000000', shares: '0.000000', unrealizedPnl: '0.000000' },
        time: now(),
      },
    };
  }

  function authed(handler: (signer: SignerRecord, req: SimRequest) => SimResponse): (req: SimRequest) => Promise<SimResponse> {
    return (req) => {
      const signer = authenticate(req);
      return faults.deliver('status' in signer ? signer : handler(signer, req));
    };
  }

  return [
    { method: 'POST', path: /^\/v2\/register$/, handle: async (req) => faults.deliver(await register(req)) },
    { method: 'POST', path: /^\/v2\/orders$/, handle: placeOrder },
    { method: 'POST', path: /^\/v2\/orders\/cancel$/, handle: cancelOrder },
    { method: 'GET', path: /^\/v2\/orders$/, handle: authed(listOrders) },
    { method: 'GET', path: /^\/v2\/account$/, handle: authed(accountBody) },
    {
      method: 'GET',
      path: /^\/v2\/account\/nonce$/,
      handle: authed((signer) => ({ status: 200, body: { lastNonce: accountOf(signer.primaryAddr).lastNonce } })),
    },
  ];
}
