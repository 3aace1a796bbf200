/**
 * The simulated Vest exchange (venues.md §2.3–2.6): signer registration (a SignerProof from the
 * primary key issues an API key), signed orders executed against the simulated book, cancels, order
 * queries and the account view. No HTTP here: vest-trading.ts reads requests and writes answers.
 *
 * An order that passes the checks is answered with its id and executed `settleDelayMs` later (at once
 * by default; startSimVenues draws a delay per order), or, with the `delaySettlement` knob, that long
 * after the answer; it reads NEW meanwhile, as Vest's own order events start at NEW. Business failures show on the order as status REJECTED with `code` 3002
 * MARGIN_CHECK_FAILED, 3018 REDUCE_ONLY_INCREASES or 3001 PRICE_CHECK_FAILED (nothing fillable within
 * limitPrice). Vest is taker-only here: nothing rests on a book, an unfilled remainder is cancelled
 * (status PARTIALLY_FILLED when some filled), FOK fills fully or not at all. MARKET orders use
 * limitPrice as their worst-price cap.
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
import { SimLedger, simMarketBySymbol, vestRules, type Execution, type RejectReason } from './matching';
import { SimFundingAccounts } from './funding-accounts';
import { SimTradingFaults, type SettlementDelay } from './trading-faults';
import type { SimMarketSpec, SimMarketView } from './types';
import { VEST_CODES, vestReject, type VestReject } from './vest-codes';
import { vestAccountView, type SimVestOrder, type VestPositionFunding } from './vest-views';

type Hex = `0x${string}`;

export interface VestExchangeOptions {
  readonly market: SimMarketView;
  /** Fault knobs for this venue (exposed as sim.faults.trading.vest); a private instance when omitted. */
  readonly faults?: SimTradingFaults;
  /** USDC each new account starts with; default 100,000. */
  readonly initialBalance?: number;
  /** EIP-712 verifyingContract SignerProofs are checked under; default the production contract. */
  readonly verifyingContract?: Hex;
  /** How long after the answer an order executes, ms, or a draw per order; default 0 (at once). The `delaySettlement` knob overrides it. */
  readonly settleDelayMs?: SettlementDelay;
}

export interface VestSigner {
  readonly apiKey: string;
  readonly primaryAddr: string;
  readonly signingAddr: string;
  readonly expiryTime: number;
}

interface VestAccount {
  readonly primaryAddr: string;
  readonly orders: SimVestOrder[];
  readonly byId: Map<string, SimVestOrder>;
  readonly nonces: Set<number>;
  lastNonce: number;
}

/** POST /v2/register: a signing key the primary key vouches for until expiryTime. */
export interface VestRegistration {
  readonly signingAddr: string;
  readonly primaryAddr: string;
  readonly signature: string;
  readonly expiryTime: number;
}

/** A POST /v2/orders request with its fields checked for type (the market's decimals not yet). */
export interface VestOrderRequest {
  readonly fields: VestOrderFields;
  readonly spec: SimMarketSpec;
  readonly timeInForce: 'GTC' | 'FOK' | undefined;
  readonly recvWindow: number;
  readonly signature: unknown;
}

/** POST /v2/orders/cancel: the order id, signed with the order's time and a nonce. */
export interface VestCancelRequest {
  readonly time: number;
  readonly nonce: number;
  readonly id: string;
  readonly recvWindow: number;
  readonly signature: unknown;
}

/** GET /v2/orders filters; null = any. */
export interface VestOrderQuery {
  readonly ids: readonly string[] | undefined;
  readonly nonce: string | null;
  readonly symbol: string | null;
  readonly status: string | null;
  readonly orderType: string | null;
  readonly limit: number;
  /** Orders posted at or after / at or before, ms (Vest `startTime`, `endTime`). */
  readonly startTime?: number;
  readonly endTime?: number;
}

const REJECT_CODE: Partial<Record<RejectReason, number>> = {
  INSUFFICIENT_MARGIN: VEST_CODES.MARGIN_CHECK_FAILED,
  REDUCE_ONLY_INCREASES: VEST_CODES.REDUCE_ONLY_INCREASES,
};

/** A decimal string with exactly `decimals` decimals ('0.1000' for 4; '12' for 0). */
function hasExactDecimals(text: string, decimals: number): boolean {
  return (decimals === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${decimals}}$`)).test(text);
}

export class VestExchange {
  readonly faults: SimTradingFaults;
  private readonly market: SimMarketView;
  private readonly verifyingContract: Hex;
  private readonly ledger: SimLedger;
  private readonly settleDelayMs: SettlementDelay;
  private readonly funding = new SimFundingAccounts();
  private readonly signersByKey = new Map<string, VestSigner>();
  private readonly accounts = new Map<string, VestAccount>();

  constructor(opts: VestExchangeOptions) {
    this.market = opts.market;
    this.faults = opts.faults ?? new SimTradingFaults();
    this.verifyingContract = opts.verifyingContract ?? VEST_VERIFYING_CONTRACT.prod;
    this.settleDelayMs = opts.settleDelayMs ?? 0;
    this.ledger = new SimLedger(opts.initialBalance === undefined ? {} : { initialBalance: opts.initialBalance });
  }

  now(): number {
    return this.market.now();
  }

  /** The signer an X-API-KEY names. */
  signer(apiKey: string | undefined): VestSigner | undefined {
    return apiKey === undefined ? undefined : this.signersByKey.get(apiKey);
  }

  /** Checks the SignerProof and issues an API key for the signing key. */
  async register(r: VestRegistration): Promise<{ readonly apiKey: string } | VestReject> {
    if (r.expiryTime <= this.now()) return vestReject(VEST_CODES.INVALID_PARAMETER, 'expiryTime is in the past');
    if (!/^0x[0-9a-fA-F]+$/.test(r.signature)) return vestReject(VEST_CODES.INVALID_SIGNATURE);
    let recovered: string | undefined;
    try {
      const proof = { signingAddr: r.signingAddr as Hex, expiryTime: r.expiryTime, verifyingContract: this.verifyingContract };
      recovered = await recoverVestSignerProof(proof, r.signature as Hex);
    } catch {
      recovered = undefined;
    }
    if (recovered?.toLowerCase() !== r.primaryAddr.toLowerCase()) return vestReject(VEST_CODES.INVALID_SIGNATURE, 'SignerProof is not signed by primaryAddr');
    const apiKey = randomBytes(24).toString('hex');
    this.signersByKey.set(apiKey, { apiKey, primaryAddr: r.primaryAddr.toLowerCase(), signingAddr: r.signingAddr.toLowerCase(), expiryTime: r.expiryTime });
    this.account(r.primaryAddr);
    return { apiKey };
  }

  /** Checks a signed order and answers its id; it executes `settleDelayMs` (or the knob's delay) later. */
  async placeOrder(signer: VestSigner, request: VestOrderRequest, serverTime: number): Promise<{ readonly id: string; readonly hold: boolean } | VestReject> {
    const problem = await this.orderProblem(signer, request, serverTime);
    if (problem) return problem;
    const { fields } = request;
    const plan = this.faults.planOrder(fields.reduceOnly);
    if (plan.reject) {
      const code = typeof plan.reject.code === 'number' ? plan.reject.code : VEST_CODES.MARGIN_CHECK_FAILED;
      return vestReject(code, 'order rejected by the simulator (fault injection)');
    }
    const account = this.account(signer.primaryAddr);
    account.nonces.add(fields.nonce);
    account.lastNonce = Math.max(account.lastNonce, fields.nonce);
    const book: OrderBook = this.market.book('vest', fields.symbol) ?? { bids: [], asks: [], receivedAt: serverTime };
    const order = this.newOrder(request, book, serverTime);
    account.orders.push(order);
    account.byId.set(order.id, order);
    // Executed against the book of the moment it settles (a cancel meanwhile wins).
    this.faults.scheduleSettlement(() => {
      if (order.status !== 'NEW') return;
      this.execute(account, order, this.market.book('vest', fields.symbol) ?? book, request.timeInForce === 'FOK', plan.maxFillFraction);
    }, this.faults.settlementDelay(this.settleDelayMs));
    return { id: order.id, hold: plan.hold };
  }

  /** Cancels an order still NEW (taker-only: every other order is final once answered). */
  async cancel(signer: VestSigner, request: VestCancelRequest, serverTime: number): Promise<VestReject | undefined> {
    const { time, nonce, id } = request;
    if (serverTime > time + request.recvWindow) return vestReject(VEST_CODES.ORDER_EXPIRED);
    const ok =
      typeof request.signature === 'string' &&
      serverTime < signer.expiryTime &&
      (await verifyVestCancelSignature({ time, nonce, id }, request.signature, signer.signingAddr));
    if (!ok) return vestReject(VEST_CODES.INVALID_SIGNATURE, 'cancel signature does not recover to the registered signing key');
    const order = this.account(signer.primaryAddr).byId.get(id);
    if (!order || order.status !== 'NEW') return vestReject(VEST_CODES.ORDER_NOT_FOUND, 'no open order with this id');
    order.status = 'CANCELLED';
    return undefined;
  }

  /** The signer's account's orders matching `q`, newest first. */
  orders(signer: VestSigner, q: VestOrderQuery): SimVestOrder[] {
    const matches = this.account(signer.primaryAddr).orders.filter(
      (o) =>
        (q.ids === undefined || q.ids.includes(o.id)) &&
        (q.nonce === null || String(o.nonce) === q.nonce) &&
        (q.symbol === null || o.symbol === q.symbol) &&
        (q.status === null || o.status === q.status) &&
        (q.orderType === null || o.orderType === q.orderType) &&
        (q.startTime === undefined || o.postTime >= q.startTime) &&
        (q.endTime === undefined || o.postTime <= q.endTime),
    );
    return matches.slice(-q.limit).reverse();
  }

  accountView(signer: VestSigner): Record<string, unknown> {
    const { primaryAddr } = this.account(signer.primaryAddr);
    const marks = (symbol: string) => this.mark(symbol);
    const funding = (symbol: string, size: number): VestPositionFunding => ({
      entryFunding: this.funding.entryIndex(primaryAddr, symbol) ?? 0,
      settledFunding: this.funding.settledUsd(primaryAddr, symbol),
      unsettledUsd: this.unsettledFunding(primaryAddr, symbol, size),
    });
    return vestAccountView(primaryAddr, this.ledger.summary(primaryAddr, marks), this.ledger.positions(primaryAddr, marks), this.now(), funding);
  }

  lastNonce(signer: VestSigner): number {
    return this.account(signer.primaryAddr).lastNonce;
  }

  private account(primaryAddr: string): VestAccount {
    const key = primaryAddr.toLowerCase();
    let account = this.accounts.get(key);
    if (!account) {
      account = { primaryAddr: key, orders: [], byId: new Map(), nonces: new Set(), lastNonce: 0 };
      this.accounts.set(key, account);
    }
    return account;
  }

  /** The ledger's execution, then the funding the position accrued before this fill settled into the balance. */
  private executeSettlingFunding(...args: Parameters<SimLedger['execute']>): { result: ReturnType<SimLedger['execute']>; settledFunding: number } {
    const [accountId, order, , rules] = args;
    const before = this.ledger.position(accountId, rules.symbol).size;
    const result = this.ledger.execute(...args);
    const index = this.market.funding?.('vest', rules.symbol)?.index;
    let settledFunding = 0;
    if (result.ok && result.filledSize > 0 && index !== undefined) {
      settledFunding = this.funding.settle(accountId, order.symbol, before, index, { time: this.now() });
      if (settledFunding !== 0) this.ledger.setBalance(accountId, this.ledger.balance(accountId) + settledFunding);
    }
    return { result, settledFunding };
  }

  /** Funding a position accrued since it last changed (unsettled), USD; 0 without funding data. */
  private unsettledFunding(accountId: string, symbol: string, size: number): number {
    const index = this.market.funding?.('vest', symbol)?.index;
    return index === undefined ? 0 : this.funding.unsettledUsd(accountId, symbol, size, index);
  }

  private mark(symbol: string): number | undefined {
    const book = this.market.book('vest', symbol);
    return book ? midPrice(book) : undefined;
  }

  /** Expiry, decimals, signature, nonce reuse and positive values, in the venue's order. */
  private async orderProblem(signer: VestSigner, request: VestOrderRequest, serverTime: number): Promise<VestReject | undefined> {
    const { fields, spec, recvWindow } = request;
    if (serverTime > fields.time + recvWindow) {
      return vestReject(VEST_CODES.ORDER_EXPIRED, `server time is ${serverTime - fields.time} ms past order.time, recvWindow ${recvWindow} ms`);
    }
    const { sizeDecimals, priceDecimals } = spec.vest;
    if (!hasExactDecimals(fields.size, sizeDecimals) || !hasExactDecimals(fields.limitPrice, priceDecimals)) {
      return vestReject(VEST_CODES.BAD_DECIMALS, `${fields.symbol} takes size with ${sizeDecimals} and limitPrice with ${priceDecimals} decimals`);
    }
    const signatureOk =
      typeof request.signature === 'string' && serverTime < signer.expiryTime && (await verifyVestOrderSignature(fields, request.signature, signer.signingAddr));
    if (!signatureOk) {
      return vestReject(VEST_CODES.INVALID_SIGNATURE, 'order signature does not recover to the registered signing key (or the key expired)');
    }
    if (this.account(signer.primaryAddr).nonces.has(fields.nonce)) return vestReject(VEST_CODES.DUPLICATE, `nonce ${fields.nonce} already used`);
    if (!(Number(fields.size) > 0) || !(Number(fields.limitPrice) > 0)) return vestReject(VEST_CODES.INVALID_PARAMETER, 'size and limitPrice must be positive');
    return undefined;
  }

  private newOrder({ fields, spec }: VestOrderRequest, book: OrderBook, serverTime: number): SimVestOrder {
    const mid = midPrice(book);
    return {
      id: `0x${randomBytes(32).toString('hex')}`,
      nonce: fields.nonce,
      symbol: fields.symbol,
      isBuy: fields.isBuy,
      orderType: fields.orderType,
      limitPrice: fields.limitPrice,
      markPrice: mid === undefined ? null : formatDecimal(mid, spec.vest.priceDecimals),
      size: fields.size,
      status: 'NEW',
      reduceOnly: fields.reduceOnly,
      initMarginRatio: formatDecimal(vestRules(spec).initMarginRatio, 4),
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
  }

  private execute(account: VestAccount, order: SimVestOrder, book: OrderBook, fok: boolean, maxFillFraction: number | undefined): void {
    const spec = simMarketBySymbol('vest', order.symbol);
    const taker = {
      symbol: order.symbol,
      side: order.isBuy ? ('BUY' as const) : ('SELL' as const),
      size: Number(order.size),
      worstPrice: Number(order.limitPrice),
      reduceOnly: order.reduceOnly,
      fillOrKill: fok,
      ...(maxFillFraction === undefined ? {} : { maxFillFraction }),
    };
    const rules = vestRules(spec!);
    const { result, settledFunding } = this.executeSettlingFunding(account.primaryAddr, taker, book, rules, (symbol) => this.mark(symbol));
    if (!result.ok) {
      order.status = 'REJECTED';
      order.code = REJECT_CODE[result.reason] ?? VEST_CODES.INVALID_PARAMETER;
    } else if (result.filledSize <= 0) {
      // Nothing within limitPrice: Vest refuses a price it cannot honour.
      order.status = 'REJECTED';
      order.code = VEST_CODES.PRICE_CHECK_FAILED;
    } else this.recordFill(order, result, settledFunding, spec?.vest.priceDecimals ?? 2, spec?.vest.sizeDecimals ?? 4);
  }

  /** `settledFunding`: the position's funding this fill settled into the balance, USD (+ = received). */
  private recordFill(order: SimVestOrder, result: Execution, settledFunding: number, priceDecimals: number, sizeDecimals: number): void {
    const avg = result.avgPrice ?? 0;
    order.status = result.remainingSize > 0 ? 'PARTIALLY_FILLED' : 'FILLED';
    order.lastFilledSize = formatDecimal(result.filledSize, sizeDecimals);
    order.lastFilledPrice = formatDecimal(avg, priceDecimals);
    order.lastFilledTime = this.now();
    order.avgFilledPrice = formatDecimal(avg, priceDecimals);
    order.settledFunding = formatDecimal(settledFunding, 6);
    order.fees = formatDecimal(result.fee, 6);
    order.realizedPnl = formatDecimal(result.realisedPnl - result.fee, 6);
  }
}
