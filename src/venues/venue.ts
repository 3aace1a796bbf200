/**
 * The one interface the rest of the code knows a venue by. Vest, Paradex and the paper venue
 * implement it; the executor and the bot stream depend only on this file.
 *
 * Order methods never throw and never reject: every failure is a value, so callers cannot
 * forget a leg in a catch block.
 */
import type { Observable } from 'rxjs';
import type { OrderBook } from '../domain/order-book';
import type { TradingEvent } from '../domain/events';
import type { QuoteCurrency, VenueId } from '../domain/market';

export type { VenueId } from '../domain/market';

export type Side = 'BUY' | 'SELL';

/** Per-market trading rules, read from the venue at runtime. */
export interface MarketSpec {
  /** Venue symbol, e.g. 'BTC-PERP' (Vest) or 'BTC-USD-PERP' (Paradex). */
  readonly symbol: string;
  readonly tickSize: number;
  readonly sizeIncrement: number;
  /** Decimals used to format prices and sizes on the wire. */
  readonly priceDecimals: number;
  readonly sizeDecimals: number;
  /** USD; 0 when the venue has none. */
  readonly minNotional: number;
  /** Fraction, 0.0001 = 1 bp. */
  readonly takerFee: number;
  readonly maxOrderSize?: number;
}

export interface OrderRequest {
  /** Unique per order; reused verbatim when the same order is retried (idempotency). */
  readonly clientId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: 'MARKET' | 'LIMIT';
  /** Base size; the venue client rounds it down to the market's increment. */
  readonly size: number;
  /** Limit price for LIMIT orders; worst-price (slippage) cap for MARKET orders. */
  readonly price: number;
  readonly timeInForce: 'IOC' | 'GTC';
  readonly reduceOnly: boolean;
}

export type OrderStatus = 'NEW' | 'OPEN' | 'FILLED' | 'PARTIALLY_FILLED' | 'CANCELLED' | 'REJECTED';

export interface OrderAccepted {
  readonly ok: true;
  readonly clientId: string;
  readonly orderId: string;
  readonly status: OrderStatus;
  /** Base size filled so far. */
  readonly filledSize: number;
  /** Average fill price; undefined when nothing filled. */
  readonly avgPrice: number | undefined;
  /**
   * Fees charged, as the venue charged them: in `feeCurrency` (the name predates the currency). The executor makes
   * it USD in one place (src/domain/market.ts `feeUsd`) with the position's USDC/USD rate.
   */
  readonly feeUsd: number;
  /** The currency of `feeUsd` as the venue reported it (Paradex fills' `fee_currency`); absent: USDC, both venues' settlement currency. */
  readonly feeCurrency?: QuoteCurrency;
}

export interface OrderRejected {
  readonly ok: false;
  readonly clientId: string;
  readonly reason: string;
  /** Venue error code when the venue gave one (e.g. 'INVALID_ORDER_SIGNATURE', '3018'). */
  readonly code?: string;
  /**
   * True when the outcome is unknown (timeout, dropped connection): the order may have executed.
   * The caller must look it up by client id before sending anything else for that leg.
   */
  readonly unknown: boolean;
}

export type OrderOutcome = OrderAccepted | OrderRejected;

/** A signed order held ready to send; `validUntil` (ms) is when the venue would reject it as stale. */
export interface PreparedOrder {
  readonly venue: VenueId;
  readonly request: OrderRequest;
  readonly validUntil: number;
  /**
   * What finds this order at the venue when the client id alone cannot, e.g. in a new process
   * (Vest orders carry no client id; this is their nonce). Journal it beside the client id and pass
   * it to orderByClientId. Absent when the client id is enough (Paradex) or nothing was signed.
   */
  readonly lookupRef?: string;
}

export interface VenuePosition {
  readonly symbol: string;
  /** Signed base size: positive = long, negative = short, 0 = flat. */
  readonly size: number;
  readonly entryPrice?: number;
  /**
   * Funding, USD (+ = received), where the client reports it: settled into the balance since the position was
   * opened (at each change of size), and accrued since the last settlement. Absent: not reported.
   */
  readonly settledFundingUsd?: number;
  readonly unrealisedFundingUsd?: number;
  /** How `unrealisedFundingUsd` was derived from the venue's figures, for a person (when it is not one field). */
  readonly unrealisedFundingSource?: string;
}

/** What `positions` reads besides the positions. */
export interface PositionsQuery {
  /**
   * Also the funding the open positions accrued, where that takes another request (Vest: the ticker's
   * `cumFunding`). Off on the order path, where only sizes matter; a failed extra read then rejects.
   */
  readonly withFunding?: boolean;
}

/** Funding a venue itself reports it settled on one market, USD (+ = received). */
export interface VenueFundingFigure {
  /** Funding settled into the balance over the period asked for, USD (+ = received). */
  readonly settledUsd: number;
  /** What the figure was read from, for a person: e.g. 'GET /funding/payments: 2 payments'. */
  readonly source: string;
}

/** Counters a feed keeps; all monotonic except `lastUpdateAt`. */
export interface FeedStats {
  frames: number;
  bytes: number;
  decodeErrors: number;
  resyncs: number;
  reconnects: number;
  /** Local time of the last applied update, ms; 0 before the first. */
  lastUpdateAt: number;
  stale: boolean;
  /**
   * How far behind the venue the feed is by the venue's own clock or state, ms: a lower bound,
   * undefined while unknown (see README, Market data feeds).
   */
  lagMs?: number | undefined;
}

export interface BookFeed {
  /** Emits the whole current book after every applied update. Errors never reach here; see events$. */
  readonly book$: Observable<OrderBook>;
  /** FEED_STALE, FEED_FRESH, FEED_RESYNC, FEED_RECONNECT for this feed. */
  readonly events$: Observable<TradingEvent>;
  /** Live counters (read at any time). */
  readonly stats: Readonly<FeedStats>;
}

export interface Venue {
  readonly id: VenueId;
  /** Venue symbol for a configured pair such as 'BTC-PERP'. */
  symbolFor(pair: string): string;
  /** Market rules, cached after the first call. Rejects when the market does not exist. */
  market(symbol: string): Promise<MarketSpec>;
  /** The order-book feed of a symbol. Each call opens its own connection. */
  bookFeed(symbol: string): BookFeed;
  /** Signs an order now so it can be sent later without paying for the signature. */
  prepareOrder(request: OrderRequest): Promise<PreparedOrder>;
  /** Sends a prepared order. Never rejects. */
  submitOrder(prepared: PreparedOrder): Promise<OrderOutcome>;
  /** prepareOrder + submitOrder. Never rejects. */
  placeOrder(request: OrderRequest): Promise<OrderOutcome>;
  /**
   * Looks an order up by client id (and the PreparedOrder's lookupRef, when there was one);
   * undefined when the venue does not know it. Rejects only on transport failure.
   */
  orderByClientId(symbol: string, clientId: string, lookupRef?: string): Promise<OrderOutcome | undefined>;
  /** Open positions as the venue reports them. Rejects on transport failure. */
  positions(query?: PositionsQuery): Promise<VenuePosition[]>;
  /** Margin available for new positions, USD. Rejects on transport failure. */
  availableMarginUsd(): Promise<number>;
  /**
   * Funding the venue settled on `symbol` from `sinceMs` (ms, inclusive) to now, as the venue reports it (Paradex:
   * its funding payments; Vest: the settledFunding of the orders filled): what the bot's own index-difference
   * figure is reconciled with. Rejects on transport failure. Absent: the venue reports no such figure (paper).
   */
  fundingSettledSince?(symbol: string, sinceMs: number): Promise<VenueFundingFigure>;
  /** Closes sockets and timers. */
  close(): Promise<void>;
}
