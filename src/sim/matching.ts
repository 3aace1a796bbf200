/**
 * Taker matching and account bookkeeping for the simulated venues. Pure: no I/O, no clock,
 * no timers. The REST routes feed it the venue's current book and turn its results into
 * each venue's wire shapes and error codes.
 *
 * Model: an order walks the depth of the current simulated book (the book is not consumed,
 * so the market model stays the single source of prices); a worst price caps the walk; what
 * cannot fill now is the remainder (cancelled for IOC/market orders). Positions carry a signed
 * size, an average entry price and the realised PnL of reductions; fees and realised PnL settle
 * into the USDC balance at once.
 */
import type { Level, OrderBook } from '../domain/order-book';
import { midPrice } from '../domain/order-book';
import type { VenueId } from '../domain/market';
import { roundToStep } from '../venues/decimal';
import { SIM_MARKETS, type SimMarketSpec } from './types';

export type Side = 'BUY' | 'SELL';

/** Trading rules of one market on one venue, as the matching engine enforces them. */
export interface MarketRules {
  readonly symbol: string;
  readonly sizeIncrement: number;
  readonly minSize: number;
  readonly priceTick: number;
  /** USD; 0 = none. Checked on size x mid; reduce-only orders are exempt so a dust position can always be closed. */
  readonly minNotional: number;
  readonly maxOrderSize: number;
  /** Fraction of notional, 0.0001 = 1 bp. */
  readonly takerFee: number;
  /** Initial margin as a fraction of notional (0.1 = 10x). */
  readonly initMarginRatio: number;
}

/** Paradex rules from SIM_MARKETS; Paradex margin is modelled as a flat 1/leverage (default 10x). */
export function paradexRules(spec: SimMarketSpec, leverage = 10): MarketRules {
  const p = spec.paradex;
  return {
    symbol: p.symbol,
    sizeIncrement: p.sizeIncrement,
    minSize: p.sizeIncrement,
    priceTick: p.priceTick,
    minNotional: p.minNotional,
    maxOrderSize: p.maxOrderSize,
    takerFee: p.takerFee,
    initMarginRatio: 1 / leverage,
  };
}

/** Vest rules from SIM_MARKETS: the minimum contract is 10^-sizeDecimals and there is no min notional. */
export function vestRules(spec: SimMarketSpec): MarketRules {
  const v = spec.vest;
  // Parsed from a decimal string: 10 ** -4 is 0.00009999999999999999, not 0.0001.
  const sizeStep = Number(`1e-${v.sizeDecimals}`);
  return {
    symbol: v.symbol,
    sizeIncrement: sizeStep,
    minSize: sizeStep,
    priceTick: Number(`1e-${v.priceDecimals}`),
    minNotional: 0,
    maxOrderSize: Number.POSITIVE_INFINITY,
    takerFee: v.takerFee,
    initMarginRatio: v.initMarginRatio,
  };
}

/** The SIM_MARKETS entry trading under a venue symbol ('BTC-PERP' on vest, 'BTC-USD-PERP' on paradex). */
export function simMarketBySymbol(venue: VenueId, symbol: string): SimMarketSpec | undefined {
  return SIM_MARKETS.find((m) => m[venue].symbol === symbol);
}

export interface TakerOrder {
  readonly symbol: string;
  readonly side: Side;
  /** Base size requested. */
  readonly size: number;
  /** Worst acceptable price (limit price or slippage cap); undefined walks the whole side. */
  readonly worstPrice?: number;
  readonly reduceOnly: boolean;
  /** Fill completely now or not at all (Vest FOK). */
  readonly fillOrKill?: boolean;
  /** Fault injection: fill at most this fraction of the size (rounded down to the increment). */
  readonly maxFillFraction?: number;
  /** The remainder of a resting order: its size and notional were checked when it was placed. */
  readonly resting?: boolean;
}

export interface Fill {
  readonly price: number;
  readonly size: number;
}

export type RejectReason =
  | 'INVALID_SIZE'
  | 'SIZE_NOT_ON_INCREMENT'
  | 'SIZE_BELOW_MIN'
  | 'SIZE_ABOVE_MAX'
  | 'PRICE_NOT_ON_TICK'
  | 'NOTIONAL_BELOW_MIN'
  | 'NO_MARKET_PRICE'
  | 'REDUCE_ONLY_INCREASES'
  | 'INSUFFICIENT_MARGIN';

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly message: string;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed base size: positive long, negative short, 0 flat. */
  readonly size: number;
  /** Average entry price; 0 when flat. */
  readonly entryPrice: number;
  /** Realised PnL of this position's reductions since it was opened (fees excluded). */
  readonly realisedPnl: number;
  readonly markPrice: number | undefined;
  /** (mark - entry) x size; 0 without a mark. */
  readonly unrealisedPnl: number;
}

export interface Execution {
  readonly ok: true;
  readonly fills: readonly Fill[];
  readonly filledSize: number;
  /** Volume-weighted fill price; undefined when nothing filled. */
  readonly avgPrice: number | undefined;
  readonly notional: number;
  /** USD charged (taker fee on notional). */
  readonly fee: number;
  /** PnL realised by this order's reductions, before fees. */
  readonly realisedPnl: number;
  /** Size not filled now (cancelled for IOC, resting for GTC). */
  readonly remainingSize: number;
  /** The account's position in this symbol after the order. */
  readonly position: PositionView;
}

export type ExecutionResult = Execution | Rejection;

export interface AccountSummary {
  /** USDC cash: deposits + realised PnL - fees. */
  readonly balance: number;
  readonly unrealisedPnl: number;
  /** balance + unrealised PnL. */
  readonly equity: number;
  /** Sum over positions of |size| x mark x initMarginRatio. */
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** equity - initial margin (may be negative). */
  readonly freeCollateral: number;
}

/** Mark price of a symbol (e.g. the venue's current mid); undefined when unknown. */
export type MarkFn = (symbol: string) => number | undefined;

interface PositionState {
  size: number;
  entryPrice: number;
  realisedPnl: number;
}

interface AccountState {
  balance: number;
  readonly positions: Map<string, PositionState>;
}

export interface FillWalk {
  readonly fills: Fill[];
  readonly filledSize: number;
  readonly notional: number;
}

/**
 * Walks one side of a book for up to `size`: BUY takes the asks, SELL the bids, best first,
 * stopping at the first level worse than `worstPrice`. Each take is rounded down to `increment`
 * so filled sizes stay on the market's lot size.
 */
export function walkBook(book: OrderBook, side: Side, size: number, worstPrice?: number, increment?: number): FillWalk {
  const levels: readonly Level[] = side === 'BUY' ? book.asks : book.bids;
  const fills: Fill[] = [];
  let remaining = size;
  let filled = 0;
  let notional = 0;
  for (const level of levels) {
    if (remaining <= 0) break;
    if (worstPrice !== undefined && (side === 'BUY' ? level.price > worstPrice : level.price < worstPrice)) break;
    let take = Math.min(level.size, remaining);
    if (increment !== undefined) take = roundToStep(take, increment, 'down');
    if (take <= 0) continue;
    fills.push({ price: level.price, size: take });
    filled += take;
    notional += take * level.price;
    remaining = increment !== undefined ? roundToStep(size - filled, increment, 'nearest') : size - filled;
  }
  if (increment !== undefined) filled = roundToStep(filled, increment, 'nearest');
  return { fills, filledSize: filled, notional };
}

/** True when `value` is a whole multiple of `step` (decimal-exact, float-noise tolerant). */
export function isOnStep(value: number, step: number): boolean {
  return Math.abs(roundToStep(value, step, 'nearest') - value) <= Math.max(Math.abs(value), step) * 1e-12;
}

/** Order checks that need no account state: size range and increment, price tick, min notional. */
export function validateOrder(order: TakerOrder, rules: MarketRules, book: OrderBook | undefined): Rejection | undefined {
  const { size, worstPrice } = order;
  if (!Number.isFinite(size) || size <= 0) return reject('INVALID_SIZE', `size must be a positive number, got ${size}`);
  if (!isOnStep(size, rules.sizeIncrement)) {
    return reject('SIZE_NOT_ON_INCREMENT', `size ${size} is not a multiple of the size increment ${rules.sizeIncrement}`);
  }
  if (size < rules.minSize) return reject('SIZE_BELOW_MIN', `size ${size} is below the minimum ${rules.minSize}`);
  if (size > rules.maxOrderSize) return reject('SIZE_ABOVE_MAX', `size ${size} is above the maximum ${rules.maxOrderSize}`);
  if (worstPrice !== undefined) {
    if (!Number.isFinite(worstPrice) || worstPrice <= 0) return reject('PRICE_NOT_ON_TICK', `price must be positive, got ${worstPrice}`);
    if (!isOnStep(worstPrice, rules.priceTick)) {
      return reject('PRICE_NOT_ON_TICK', `price ${worstPrice} is not a multiple of the tick ${rules.priceTick}`);
    }
  }
  if (rules.minNotional > 0 && !order.reduceOnly) {
    const reference = (book && midPrice(book)) ?? worstPrice;
    if (reference === undefined) return reject('NO_MARKET_PRICE', `no price to value the order against in ${rules.symbol}`);
    const notional = size * reference;
    if (notional < rules.minNotional) {
      return reject('NOTIONAL_BELOW_MIN', `notional ${notional.toFixed(2)} USD is below the minimum ${rules.minNotional} USD`);
    }
  }
  return undefined;
}

function reject(reason: RejectReason, message: string): Rejection {
  return { ok: false, reason, message };
}

/** Applies one fill to a position; returns the PnL it realises. Sizes are kept on `increment`. */
function applyFill(pos: PositionState, side: Side, qty: number, price: number, increment: number): number {
  const signed = side === 'BUY' ? qty : -qty;
  const current = pos.size;
  if (current === 0 || Math.sign(current) === Math.sign(signed)) {
    const absNew = Math.abs(current) + qty;
    pos.entryPrice = (Math.abs(current) * pos.entryPrice + qty * price) / absNew;
    pos.size = roundToStep(current + signed, increment, 'nearest');
    return 0;
  }
  const closing = Math.min(qty, Math.abs(current));
  const realised = closing * (price - pos.entryPrice) * Math.sign(current);
  pos.realisedPnl += realised;
  const opening = roundToStep(qty - closing, increment, 'nearest');
  if (opening > 0) {
    // Flipped: the remainder opens a fresh position at this price.
    pos.size = Math.sign(signed) * opening;
    pos.entryPrice = price;
    pos.realisedPnl = 0;
  } else {
    pos.size = roundToStep(current + signed, increment, 'nearest');
    if (pos.size === 0) pos.entryPrice = 0;
  }
  return realised;
}

/**
 * Accounts, positions and balances of one simulated venue. Accounts open on first use with
 * `initialBalance` USDC (default 100,000).
 */
export class SimLedger {
  private readonly accounts = new Map<string, AccountState>();
  /** Rules and last mark seen per symbol, so account-wide margin can be valued. */
  private readonly rulesBySymbol = new Map<string, MarketRules>();
  private readonly lastMark = new Map<string, number>();
  private readonly initialBalance: number;

  constructor(opts: { initialBalance?: number } = {}) {
    this.initialBalance = opts.initialBalance ?? 100_000;
  }

  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Sets an account's USDC balance (opening it if needed): a test and demo knob. */
  setBalance(accountId: string, usd: number): void {
    this.state(accountId).balance = usd;
  }

  balance(accountId: string): number {
    return this.state(accountId).balance;
  }

  /**
   * Matches a taker order against `book`. Rejections leave the account untouched; an execution
   * with zero fill (nothing within the worst price, fill-or-kill short) is not a rejection.
   */
  execute(accountId: string, order: TakerOrder, book: OrderBook, rules: MarketRules, marks?: MarkFn): ExecutionResult {
    this.rulesBySymbol.set(rules.symbol, rules);
    const mid = midPrice(book);
    if (mid !== undefined) this.lastMark.set(rules.symbol, mid);
    const invalid = order.resting ? undefined : validateOrder(order, rules, book);
    if (invalid) return invalid;

    const account = this.state(accountId);
    const held = account.positions.get(rules.symbol);
    const before = held?.size ?? 0;
    const signedSize = order.side === 'BUY' ? order.size : -order.size;
    if (order.reduceOnly && (before === 0 || Math.sign(before) === Math.sign(signedSize) || order.size > Math.abs(before) * (1 + 1e-12))) {
      return reject('REDUCE_ONLY_INCREASES', `reduce-only ${order.side} ${order.size} would increase or flip the position ${before}`);
    }

    let target = order.size;
    if (order.maxFillFraction !== undefined) {
      target = roundToStep(order.size * Math.min(1, Math.max(0, order.maxFillFraction)), rules.sizeIncrement, 'down');
    }
    let walk = target > 0 ? walkBook(book, order.side, target, order.worstPrice, rules.sizeIncrement) : { fills: [], filledSize: 0, notional: 0 };
    if (order.fillOrKill && walk.filledSize < order.size) walk = { fills: [], filledSize: 0, notional: 0 };

    // Price the outcome on a copy first, so a margin failure changes nothing.
    const trial: PositionState = held ? { ...held } : { size: 0, entryPrice: 0, realisedPnl: 0 };
    let realised = 0;
    for (const f of walk.fills) realised += applyFill(trial, order.side, f.size, f.price, rules.sizeIncrement);
    const fee = walk.notional * rules.takerFee;
    const increasesExposure = Math.abs(trial.size) > Math.abs(before);
    if (increasesExposure) {
      const after = this.summaryWith(account, rules.symbol, trial, account.balance + realised - fee, marks);
      if (after.equity < after.initialMargin) {
        return reject(
          'INSUFFICIENT_MARGIN',
          `initial margin ${after.initialMargin.toFixed(2)} USD would exceed equity ${after.equity.toFixed(2)} USD`,
        );
      }
    }

    account.positions.set(rules.symbol, trial);
    account.balance += realised - fee;
    const filledSize = walk.filledSize;
    return {
      ok: true,
      fills: walk.fills,
      filledSize,
      avgPrice: filledSize > 0 ? walk.notional / filledSize : undefined,
      notional: walk.notional,
      fee,
      realisedPnl: realised,
      remainingSize: roundToStep(order.size - filledSize, rules.sizeIncrement, 'nearest'),
      position: this.view(rules.symbol, trial, marks),
    };
  }

  /** Positions ever opened by the account (flat ones included, size 0), in first-traded order. */
  positions(accountId: string, marks?: MarkFn): PositionView[] {
    const account = this.accounts.get(accountId);
    if (!account) return [];
    return [...account.positions.entries()].map(([symbol, p]) => this.view(symbol, p, marks));
  }

  position(accountId: string, symbol: string, marks?: MarkFn): PositionView {
    const p = this.accounts.get(accountId)?.positions.get(symbol) ?? { size: 0, entryPrice: 0, realisedPnl: 0 };
    return this.view(symbol, p, marks);
  }

  summary(accountId: string, marks?: MarkFn): AccountSummary {
    const account = this.state(accountId);
    return this.summaryWith(account, undefined, undefined, account.balance, marks);
  }

  private state(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { balance: this.initialBalance, positions: new Map() };
      this.accounts.set(accountId, account);
    }
    return account;
  }

  private markOf(symbol: string, marks: MarkFn | undefined, fallback: number): number {
    return marks?.(symbol) ?? this.lastMark.get(symbol) ?? fallback;
  }

  private view(symbol: string, p: PositionState, marks: MarkFn | undefined): PositionView {
    const mark = marks?.(symbol) ?? this.lastMark.get(symbol);
    return {
      symbol,
      size: p.size,
      entryPrice: p.entryPrice,
      realisedPnl: p.realisedPnl,
      markPrice: mark,
      unrealisedPnl: mark === undefined || p.size === 0 ? 0 : (mark - p.entryPrice) * p.size,
    };
  }

  private summaryWith(
    account: AccountState,
    overrideSymbol: string | undefined,
    override: PositionState | undefined,
    balance: number,
    marks: MarkFn | undefined,
  ): AccountSummary {
    let unrealised = 0;
    let initialMargin = 0;
    let maintenanceMargin = 0;
    const symbols = new Set(account.positions.keys());
    if (overrideSymbol !== undefined) symbols.add(overrideSymbol);
    for (const symbol of symbols) {
      const p = symbol === overrideSymbol && override ? override : account.positions.get(symbol);
      if (!p || p.size === 0) continue;
      const mark = this.markOf(symbol, marks, p.entryPrice);
      const imr = this.rulesBySymbol.get(symbol)?.initMarginRatio ?? 0.1;
      unrealised += (mark - p.entryPrice) * p.size;
      initialMargin += Math.abs(p.size) * mark * imr;
      // Both venues' maintenance ratio is half the initial one in SIM_MARKETS.
      maintenanceMargin += (Math.abs(p.size) * mark * imr) / 2;
    }
    const equity = balance + unrealised;
    return { balance, unrealisedPnl: unrealised, equity, initialMargin, maintenanceMargin, freeCollateral: equity - initialMargin };
  }
}
