/**
 * The simulated Paradex exchange (venues.md §1.7–1.10): accounts (onboarding, JWT auth), signed orders
 * queued NEW and settled by the matching engine against the simulated book, resting GTC orders, fills,
 * positions and balances. No HTTP here: paradex-trading.ts maps requests onto these methods and a
 * `ParadexReject` onto the venue's error body.
 *
 * Orders are answered as the real API answers them (openapi `POST /orders`): "The REST API performs
 * basic validation and queues the order for risk checks (order status=NEW)"; the matching engine
 * settles it afterwards. So an order that passes validation and the signature check is answered NEW,
 * and is matched `settleDelayMs` later, against the book of that moment, FIFO with the orders queued
 * before it. It settles whatever became of the client that sent it.
 *
 * Business outcomes Paradex reports on the order rather than as an error are modelled the same way:
 * a margin or reduce-only failure closes the order (CLOSED, `cancel_reason` NOT_ENOUGH_MARGIN /
 * REDUCE_ONLY_WILL_INCREASE, nothing filled) when it settles; the unfilled rest of an IOC or MARKET
 * order is closed REMAINING_IOC_CANCEL. A GTC LIMIT remainder rests (OPEN) and is matched again,
 * as a maker, against each newer book whenever the exchange `catchUp`s.
 */
import { randomBytes } from 'node:crypto';
import { midPrice, type OrderBook } from '../domain/order-book';
import { formatDecimal, roundToStep } from '../venues/decimal';
import { paradexOrderHash, verifyParadexSignature, type ParadexOrderFields } from '../venues/paradex/signing';
import { ParadexAccounts, type ParadexAccount } from './paradex-accounts';
import { SimLedger, paradexRules, simMarketBySymbol, validateOrder, type MarketRules, type RejectReason, type Side } from './matching';
import {
  CANCEL_REASON,
  applyExecution,
  closeOrder,
  fillsOf,
  formatSize,
  type OrderRecord,
  type ParadexSequence,
  type SimParadexOrder,
} from './paradex-orders';
import { paradexAccountView, paradexPositionsView } from './paradex-views';
import { SimFundingAccounts } from './funding-accounts';
import { SimTradingFaults, type SettlementDelay } from './trading-faults';
import { SIM_PARADEX_CHAIN_ID, type SimMarketView } from './types';
import { reject, type ParadexReject } from './paradex-reject';

export type { ParadexAccount } from './paradex-accounts';
export type { ParadexReject } from './paradex-reject';

export interface ParadexExchangeOptions {
  readonly market: SimMarketView;
  /** Fault knobs for this venue (exposed as sim.faults.trading.paradex); a private instance when omitted. */
  readonly faults?: SimTradingFaults;
  /** Plain starknet_chain_id signatures are checked under; default SIM_PARADEX_CHAIN_ID. */
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
   * How long after the NEW answer the matching engine settles an order, ms, or a draw per order (the sim's
   * order-latency model); default DEFAULT_PARADEX_SETTLE_MS. 0 = settled as soon as the answer is built
   * (still answered NEW). The `delaySettlement` knob overrides it.
   */
  readonly settleDelayMs?: SettlementDelay;
}

/** An exchange built on its own settles this long after the answer; startSimVenues draws each order's delay (order-latency.ts). */
export const DEFAULT_PARADEX_SETTLE_MS = 5;

/** A POST /orders request as the venue reads it (fields validated for shape, not yet for the market). */
export interface ParadexOrderRequest {
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

/** An accepted order: the answer (the order as queued) and whether the fault knobs hold that answer. */
export interface ParadexOrderAccepted {
  readonly order: SimParadexOrder;
  readonly hold: boolean;
}

/** An order answered NEW, waiting for the matching engine. */
interface QueuedOrder {
  readonly account: ParadexAccount;
  readonly order: OrderRecord;
  readonly maxFillFraction: number | undefined;
  /** Sim-clock time it is due (requests settle due orders first, whatever the timers did). */
  readonly dueAt: number;
}

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

export class ParadexExchange {
  readonly faults: SimTradingFaults;
  readonly accounts: ParadexAccounts;
  private readonly market: SimMarketView;
  private readonly chainId: string;
  private readonly leverage: number;
  private readonly maxSlippage: number;
  private readonly settleDelayMs: SettlementDelay;
  private readonly ledger: SimLedger;
  private readonly funding = new SimFundingAccounts();
  private readonly seq: ParadexSequence = { nextId: 1, seqNo: 1 };
  /** Orders answered NEW and not matched yet, in arrival order (the engine is FIFO). */
  private queued: QueuedOrder[] = [];

  constructor(opts: ParadexExchangeOptions) {
    this.market = opts.market;
    this.faults = opts.faults ?? new SimTradingFaults();
    this.chainId = opts.chainId ?? SIM_PARADEX_CHAIN_ID;
    this.leverage = opts.leverage ?? 10;
    this.maxSlippage = opts.maxSlippage ?? 0.05;
    this.settleDelayMs = opts.settleDelayMs ?? DEFAULT_PARADEX_SETTLE_MS;
    this.ledger = new SimLedger(opts.initialBalance === undefined ? {} : { initialBalance: opts.initialBalance });
    this.accounts = new ParadexAccounts({ chainId: this.chainId, secret: opts.jwtSecret ?? randomBytes(32), now: () => this.now() });
    for (const a of opts.accounts ?? []) this.accounts.onboard(a.address, a.publicKey);
  }

  now(): number {
    return this.market.now();
  }

  /**
   * The engine's turn before a request is answered: settles the orders due by the sim clock (a test
   * clock may run ahead of the timers), then lets resting orders trade against newer books.
   */
  catchUp(): void {
    this.settleDue();
    this.sweepOpenOrders();
  }

  /** Checks a signed order and queues it NEW; the engine settles it later (see the header). */
  placeOrder(account: ParadexAccount, request: ParadexOrderRequest, receivedAt: number): ParadexOrderAccepted | ParadexReject {
    const checked = this.checkOrder(account, request, receivedAt);
    if ('kind' in checked) return checked;
    const plan = this.faults.planOrder(request.reduceOnly);
    if (plan.reject) {
      const code = typeof plan.reject.code === 'string' ? plan.reject.code : 'VALIDATION_ERROR';
      return reject('invalid', code, 'order rejected by the simulator (fault injection)');
    }
    const order = this.newOrder(account, request, checked.rules, checked.makerFee, receivedAt);
    // The answer is the order as queued; the engine settles it afterwards.
    const answer = { ...order.wire, flags: [...order.wire.flags] };
    const delay = this.faults.settlementDelay(this.settleDelayMs);
    const entry: QueuedOrder = { account, order, maxFillFraction: plan.maxFillFraction, dueAt: receivedAt + delay };
    this.queued.push(entry);
    this.faults.scheduleSettlement(() => this.settleThrough(entry), delay);
    return { order: answer, hold: plan.hold };
  }

  /** USER_CANCELED, unless the order is already closed. */
  cancel(order: OrderRecord): ParadexReject | undefined {
    if (order.wire.status === 'CLOSED') return reject('invalid', 'ORDER_IS_CLOSED', 'order is already closed');
    closeOrder(order, 'USER_CANCELED', this.now(), this.seq);
    return undefined;
  }

  openOrders(account: ParadexAccount, market: string | null): SimParadexOrder[] {
    return account.orders.filter((o) => o.wire.status !== 'CLOSED' && (market === null || o.wire.market === market)).map((o) => o.wire);
  }

  positions(account: ParadexAccount): Record<string, unknown>[] {
    const marks = (symbol: string) => this.mark(symbol);
    const positions = this.ledger.positions(account.address, marks);
    const funding = (symbol: string, size: number): number => this.unsettledFunding(account.address, symbol, size);
    return paradexPositionsView(account.address, positions, this.leverage, this.now(), this.seq.seqNo, funding);
  }

  accountSummary(account: ParadexAccount): Record<string, unknown> {
    const summary = this.ledger.summary(account.address, (symbol) => this.mark(symbol));
    return paradexAccountView(account.address, summary, this.now(), this.seq.seqNo);
  }

  /** USDC balance (cash, before unrealised PnL). */
  balance(account: ParadexAccount): number {
    return this.ledger.balance(account.address);
  }

  /** The ledger's execution, then the funding the position accrued before this fill settled into the balance. */
  private executeSettlingFunding(...args: Parameters<SimLedger['execute']>): ReturnType<SimLedger['execute']> {
    const [accountId, order, , rules] = args;
    const before = this.ledger.position(accountId, rules.symbol).size;
    const result = this.ledger.execute(...args);
    const index = this.market.funding?.('paradex', rules.symbol)?.index;
    if (result.ok && result.filledSize > 0 && index !== undefined) {
      // The fill this execution books next takes the sequence's next id (see book()): the payment names it.
      const credit = this.funding.settle(accountId, order.symbol, before, index, { time: this.now(), fillId: String(this.seq.nextId) });
      if (credit !== 0) this.ledger.setBalance(accountId, this.ledger.balance(accountId) + credit);
    }
    return result;
  }

  /** The account's funding payments (every settlement of a held position), newest first, as `responses.FundingPayment`. */
  fundingPayments(account: ParadexAccount): Record<string, unknown>[] {
    return this.funding
      .payments(account.address)
      .map((p, i) => ({
        id: `${p.at}${String(i).padStart(6, '0')}`,
        account: account.address,
        market: p.symbol,
        payment: formatDecimal(p.paymentUsd, 8),
        index: p.index.toFixed(12),
        fill_id: p.fillId ?? null,
        created_at: p.at,
      }))
      .reverse();
  }

  /** Funding a position accrued since it last changed (unsettled), USD; 0 without funding data. */
  private unsettledFunding(accountId: string, symbol: string, size: number): number {
    const index = this.market.funding?.('paradex', symbol)?.index;
    return index === undefined ? 0 : this.funding.unsettledUsd(accountId, symbol, size, index);
  }

  private mark(symbol: string): number | undefined {
    const book = this.market.book('paradex', symbol);
    return book ? midPrice(book) : undefined;
  }

  /** Market, signature, receive window, client id and the market's size/price rules, in the venue's order. */
  private checkOrder(account: ParadexAccount, request: ParadexOrderRequest, receivedAt: number): { rules: MarketRules; makerFee: number } | ParadexReject {
    const spec = simMarketBySymbol('paradex', request.market);
    if (!spec) return reject('invalid', 'MARKET_NOT_FOUND', `market ${request.market} not found`);
    const signatureProblem = this.signatureProblem(account, request);
    if (signatureProblem) return signatureProblem;
    if (request.recvWindow !== undefined && receivedAt > request.signatureTimestamp + request.recvWindow) {
      const late = receivedAt - request.signatureTimestamp;
      return reject('invalid', 'INVALID_TIMESTAMP', `order received ${late} ms after signature_timestamp, recv_window ${request.recvWindow} ms`);
    }
    if (request.clientId !== '' && account.byClientId.has(request.clientId)) {
      return reject('invalid', 'DUPLICATED_CLIENT_ID', `client_id ${request.clientId} already used`);
    }
    const rules = paradexRules(spec, this.leverage);
    const limitPrice = request.type === 'LIMIT' ? Number(request.price) : undefined;
    const taker = { symbol: request.market, side: request.side, size: Number(request.size), worstPrice: limitPrice, reduceOnly: request.reduceOnly };
    const invalid = validateOrder(taker, rules, this.market.book('paradex', request.market));
    if (invalid) return reject('invalid', WIRE_CODE[invalid.reason], invalid.message);
    return { rules, makerFee: spec.paradex.makerFee };
  }

  private signatureProblem(account: ParadexAccount, request: ParadexOrderRequest): ParadexReject | undefined {
    const signed: ParadexOrderFields = {
      timestamp: request.signatureTimestamp,
      market: request.market,
      side: request.side,
      type: request.type,
      size: request.size,
      price: request.type === 'MARKET' ? '0' : request.price,
    };
    let hash: bigint;
    try {
      hash = paradexOrderHash(signed, account.address, this.chainId);
    } catch {
      return reject('invalid', 'VALIDATION_ERROR', 'order fields cannot be signed (size, price or timestamp malformed)');
    }
    if (!verifyParadexSignature(hash, request.signature, account.publicKey)) {
      return reject('invalid', 'INVALID_ORDER_SIGNATURE', 'order signature does not verify against the account public key');
    }
    return undefined;
  }

  private newOrder(account: ParadexAccount, request: ParadexOrderRequest, rules: MarketRules, makerFee: number, receivedAt: number): OrderRecord {
    const t = this.now();
    const wire: SimParadexOrder = {
      id: String(this.seq.nextId++),
      account: account.address,
      client_id: request.clientId,
      market: request.market,
      side: request.side,
      type: request.type,
      size: request.size,
      price: request.type === 'MARKET' ? '0' : request.price,
      instruction: request.instruction,
      flags: request.reduceOnly ? ['REDUCE_ONLY'] : [],
      status: 'NEW',
      remaining_size: formatSize(Number(request.size), rules),
      avg_fill_price: '',
      cancel_reason: '',
      created_at: t,
      last_updated_at: t,
      received_at: receivedAt,
      published_at: t,
      timestamp: request.signatureTimestamp,
      seq_no: this.seq.seqNo++,
      stp: 'EXPIRE_TAKER',
      trigger_price: '0',
    };
    const worstPrice = request.type === 'LIMIT' ? Number(request.price) : undefined;
    const order: OrderRecord = { wire, rules, worstPrice, reduceOnly: request.reduceOnly, makerFee, lastBookAt: undefined, filledSize: 0, filledNotional: 0 };
    account.orders.push(order);
    account.byId.set(wire.id, order);
    if (wire.client_id !== '') account.byClientId.set(wire.client_id, order);
    return order;
  }

  private settleDue(): void {
    const t = this.now();
    const due = this.queued.filter((q) => q.dueAt <= t);
    if (due.length > 0) this.settleThrough(due[due.length - 1]!);
  }

  /** Settles `entry` and every order queued before it, in arrival order. */
  private settleThrough(entry: QueuedOrder): void {
    const at = this.queued.indexOf(entry);
    if (at < 0) return;
    const batch = this.queued.slice(0, at + 1);
    this.queued = this.queued.slice(at + 1);
    for (const q of batch) this.settle(q);
  }

  /** The matching engine's turn: risk check (margin, reduce-only) and match against the current book. */
  private settle({ account, order, maxFillFraction }: QueuedOrder): void {
    const { wire, rules } = order;
    if (wire.status !== 'NEW') return; // cancelled while queued
    const book: OrderBook = this.market.book('paradex', wire.market) ?? { bids: [], asks: [], receivedAt: this.now() };
    const mid = midPrice(book);
    // MARKET orders carry no price on Paradex; the venue bounds them by max_slippage around the mid.
    if (order.worstPrice === undefined && mid !== undefined) {
      order.worstPrice =
        wire.side === 'BUY' ? roundToStep(mid * (1 + this.maxSlippage), rules.priceTick, 'down') : roundToStep(mid * (1 - this.maxSlippage), rules.priceTick, 'up');
    }
    order.lastBookAt = book.receivedAt;
    const taker = {
      symbol: wire.market,
      side: wire.side,
      size: Number(wire.size),
      reduceOnly: order.reduceOnly,
      ...(order.worstPrice === undefined ? {} : { worstPrice: order.worstPrice }),
      ...(maxFillFraction === undefined ? {} : { maxFillFraction }),
    };
    const result = this.executeSettlingFunding(account.address, taker, book, rules, (symbol) => this.mark(symbol));
    if (!result.ok) closeOrder(order, CANCEL_REASON[result.reason] ?? result.reason, this.now(), this.seq);
    else {
      this.book(account, order, result, 'TAKER');
      // A partial-fill fault models a venue that fills less than it could: the rest never rests.
      if (maxFillFraction !== undefined && order.wire.status === 'OPEN') closeOrder(order, 'REMAINING_IOC_CANCEL', this.now(), this.seq);
    }
  }

  /**
   * Resting GTC orders trade, as makers, against books published after they last matched. The
   * simulated book is not consumed by fills, so re-matching the same book would fill the same
   * liquidity twice.
   */
  private sweepOpenOrders(): void {
    for (const account of this.accounts.all()) {
      for (const order of account.orders) {
        if (order.wire.status !== 'OPEN') continue;
        const book = this.market.book('paradex', order.wire.market);
        if (!book || book.receivedAt === order.lastBookAt) continue;
        order.lastBookAt = book.receivedAt;
        const { wire } = order;
        const maker = { symbol: wire.market, side: wire.side, size: Number(wire.remaining_size), worstPrice: order.worstPrice, reduceOnly: order.reduceOnly, resting: true };
        const result = this.executeSettlingFunding(account.address, maker, book, { ...order.rules, takerFee: order.makerFee }, (symbol) => this.mark(symbol));
        if (!result.ok) closeOrder(order, CANCEL_REASON[result.reason] ?? result.reason, this.now(), this.seq);
        else if (result.filledSize > 0) this.book(account, order, result, 'MAKER');
      }
    }
  }

  private book(account: ParadexAccount, order: OrderRecord, exec: Parameters<typeof applyExecution>[1], liquidity: 'TAKER' | 'MAKER'): void {
    const t = this.now();
    account.fills.push(...fillsOf(order, exec, liquidity, t, this.seq));
    applyExecution(order, exec, liquidity, t, this.seq);
  }
}
