/**
 * Paradex as a `Venue` (venues.md §1.7–1.10).
 *
 * Order policy (decided here, relied on by the executor):
 * - LIMIT requests go out as LIMIT with the request's time in force.
 * - MARKET requests with a positive price go out as LIMIT IOC at that price: Paradex MARKET
 *   orders have no worst-price bound, and a leg must never fill beyond the executor's cap. This is
 *   also what the original bot did.
 * - MARKET requests with no price (0 / not finite) go out as true MARKET orders, signed with
 *   price 0 and sent without a price field (as paradex-py does). Only an unwind that must fill at
 *   any price should ask for that.
 *
 * Fills: POST /orders answers NEW (openapi: "queues the order for risk checks"); the matching
 * engine settles it afterwards. So an IOC answer that is not CLOSED yet is polled on GET
 * /orders/{id} until it is, with a short backoff (a few ms first, then up to `pollIntervalMs`)
 * inside `fillWaitMs`; a GTC answer until it has left NEW. An order still unsettled at the end of
 * the wait is reported as it stands (status NEW/OPEN: not final, so the caller looks it up again
 * by client id); `orderByClientId` waits the same way for an order it finds still queued. The fee
 * is the sum of the order's fills from GET /fills; when the venue has not listed them yet, it is
 * estimated as filled × avgPrice × takerFee (logged as an estimate). An order the venue closes
 * unfilled for a reason other than IOC expiry or a cancel (NOT_ENOUGH_MARGIN,
 * REDUCE_ONLY_WILL_INCREASE, …) is reported as a rejection carrying that reason as its code.
 */
import { assertPrivateKey } from '../../domain/keys';
import { type QuoteCurrency, venueSymbol } from '../../domain/market';
import { decimalsOf, formatDecimal, roundToStep, toQuantums } from '../decimal';
import { keepConnectionWarm, KEEP_WARM_MS, type FetchLike, type VenueLogger } from '../http';
import { errorText } from '../../logging/redact';
import { createSleeper, orderFailure, orderRejected, type Sleeper } from '../wire';
import type {
  BookFeed,
  MarketSpec,
  OrderOutcome,
  OrderRequest,
  OrderStatus,
  PreparedOrder,
  Venue,
  VenueFundingFigure,
  VenuePosition,
} from '../venue';
import { paradexBookFeed, type ParadexBookOptions } from './book-client';
import {
  createParadexJwtSession,
  createParadexRest,
  type ParadexJwtSession,
  type ParadexOrder,
  type ParadexOrderBody,
  type ParadexRest,
  type RestFailure,
  type RestResult,
} from './rest';
import { signParadexOrder, warmParadexSigning, type ParadexAccount } from './signing';

export const PARADEX_PROD_REST = 'https://api.prod.paradex.trade/v1';
export const PARADEX_PROD_WS = 'wss://ws.api.prod.paradex.trade/v1';
/** Pro taker base fee (venues.md §1.7); Paradex does not serve a per-market fee. */
export const PARADEX_DEFAULT_TAKER_FEE = 0.00045;

export interface ParadexVenueOptions {
  readonly restUrl?: string;
  readonly wsUrl?: string;
  /** Absent = read-only (markets, feeds); order methods answer 'no credentials'. */
  readonly account?: ParadexAccount;
  /** POST /onboarding once before the first auth (fresh sim/test accounts). Default false. */
  readonly onboard?: boolean;
  readonly encoding?: 'sbe' | 'json';
  /** Further book-feed settings (channel, staleAfterMs, reconnect, depth...). */
  readonly bookFeedOptions?: Omit<ParadexBookOptions, 'market' | 'wsUrl' | 'encoding' | 'now' | 'logger'>;
  readonly requestTimeoutMs?: number;
  /** recv_window sent with orders; a prepared order is good for this long after signing. */
  readonly recvWindowMs?: number;
  readonly takerFee?: number;
  /** How long to poll an order that is not settled yet (the POST answers NEW). Default 2 s. */
  readonly fillWaitMs?: number;
  /** Longest gap between two polls; the first poll comes sooner (FIRST_POLL_MS, doubling). Default 50 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Every this many ms a light public request (GET /system/config) keeps open the keep-alive
   * connection orders use, so an order after a quiet spell does not pay a new handshake.
   * Default KEEP_WARM_MS (3 s) with an account, off without one; 0 = off.
   */
  readonly keepWarmMs?: number;
  /** Refresh the JWT when less than this remains (default 2 min of its 5). */
  readonly jwtRefreshMarginMs?: number;
  readonly now?: () => number;
  readonly logger?: VenueLogger;
  readonly fetch?: FetchLike;
}

export interface ParadexVenue extends Venue {
  readonly id: 'paradex';
  /** POST /onboarding for the configured account; idempotent. Rejects on failure. */
  onboard(): Promise<void>;
}

/** The signed wire body behind a PreparedOrder, or why there is none. */
type PreparedWire =
  /** `text`: the body as sent, serialised once when signed (an armed close is sent without a JSON.stringify). */
  | { readonly kind: 'signed'; readonly body: ParadexOrderBody; readonly text: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly code?: string };

/** Cancel reasons of an order that simply found nothing to fill (or was cancelled by us). */
const UNFILLED_IS_CANCEL = new Set(['', 'REMAINING_IOC_CANCEL', 'USER_CANCELED', 'USER_CANCELLED', 'EXPIRED']);

/** Leave this much of the recv window for the trip to the venue. */
const SEND_SAFETY_MS = 1_000;
/** First poll of a NEW order: Paradex's risk check and match take a few ms. */
const FIRST_POLL_MS = 2;

/**
 * Whether the venue has finished with an order for now: an IOC or MARKET order once CLOSED (it
 * never rests), a GTC order once it has left NEW (its risk check passed: it rests OPEN or closed).
 */
function settled(order: ParadexOrder): boolean {
  if (order.status === 'CLOSED') return true;
  const resting = order.instruction === 'GTC' || (order.instruction == null && order.type === 'LIMIT');
  return resting && order.status !== 'NEW';
}

export function createParadexVenue(options: ParadexVenueOptions = {}): ParadexVenue {
  const client = new ParadexVenueClient(options);
  // A plain object of bound functions, as before: callers may pass its methods around or spread it,
  // and the client's state (the account key included) stays out of reach and out of any inspection of it.
  return {
    id: 'paradex',
    symbolFor: (pair) => client.symbolFor(pair),
    market: (symbol) => client.market(symbol),
    bookFeed: (symbol) => client.bookFeed(symbol),
    prepareOrder: (request) => client.prepareOrder(request),
    submitOrder: (order) => client.submitOrder(order),
    placeOrder: (request) => client.placeOrder(request),
    orderByClientId: (symbol, clientId) => client.orderByClientId(symbol, clientId),
    positions: () => client.positions(),
    availableMarginUsd: () => client.availableMarginUsd(),
    fundingSettledSince: (symbol, sinceMs) => client.fundingSettledSince(symbol, sinceMs),
    onboard: () => client.onboard(),
    close: () => client.close(),
  };
}

/** The Paradex client behind `createParadexVenue`; module-private so its state (the account) is never handed out. */
class ParadexVenueClient implements ParadexVenue {
  readonly id = 'paradex' as const;
  private readonly options: ParadexVenueOptions;
  private readonly now: () => number;
  private readonly wsUrl: string;
  private readonly recvWindowMs: number;
  private readonly takerFee: number;
  private readonly fillWaitMs: number;
  private readonly pollIntervalMs: number;
  private readonly account: ParadexAccount | undefined;
  private readonly logger: VenueLogger | undefined;
  private readonly shutdown: AbortController;
  private readonly rest: ParadexRest;
  private readonly feedShutdown: AbortController;
  private readonly feedRest: ParadexRest;
  private readonly specs = new Map<string, Promise<MarketSpec>>();
  private readonly prepared = new WeakMap<PreparedOrder, PreparedWire>();
  private readonly sleeper: Sleeper;
  private chainIdPromise: Promise<string> | undefined;
  private onboarded: Promise<void> | undefined;
  private readonly session: ParadexJwtSession | undefined;

  constructor(options: ParadexVenueOptions) {
    // Refused here, before starknet.js sees it: its own refusal would print the key.
    if (options.account) assertPrivateKey(options.account.privateKey, 'stark', 'Paradex private key');
    // Build the Pedersen tables (~0.5 s, once per process) and the presignatures now, not on the first order.
    if (options.account) warmParadexSigning();
    this.options = options;
    this.now = options.now ?? Date.now;
    const restUrl = options.restUrl ?? PARADEX_PROD_REST;
    this.wsUrl = options.wsUrl ?? PARADEX_PROD_WS;
    this.recvWindowMs = options.recvWindowMs ?? 10_000;
    this.takerFee = options.takerFee ?? PARADEX_DEFAULT_TAKER_FEE;
    this.fillWaitMs = options.fillWaitMs ?? 2_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.account = options.account;
    this.logger = options.logger;
    this.shutdown = new AbortController();
    this.rest = createParadexRest({
      restUrl,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      fetch: options.fetch,
      signal: this.shutdown.signal,
    });
    if (this.account) keepConnectionWarm(() => this.rest.systemConfig(), options.keepWarmMs ?? KEEP_WARM_MS, this.shutdown.signal);
    // The feeds read the venue clock on connections of their own (a client with its own signal has its
    // own keep-alive agent), so such a read never holds the connection an order is about to use.
    this.feedShutdown = new AbortController();
    this.feedRest = createParadexRest({ restUrl, requestTimeoutMs: options.requestTimeoutMs ?? 5_000, fetch: options.fetch, signal: this.feedShutdown.signal });
    this.sleeper = createSleeper();
    this.session = this.account ? this.createSession(this.account) : undefined;
  }

  private createSession(account: ParadexAccount): ParadexJwtSession {
    return createParadexJwtSession({
      now: this.now,
      refreshMarginMs: this.options.jwtRefreshMarginMs,
      authenticate: async (nowMs) => {
        try {
          const id = await this.chainId();
          if (this.options.onboard) await this.onboard();
          return await this.rest.auth(account, id, nowMs);
        } catch (error) {
          return { ok: false, error: { kind: 'unreachable', message: errorText(error) } };
        }
      },
      onRefreshError: (error) => this.logger?.warn('Paradex JWT background refresh failed', { error: error.message }),
    });
  }

  /** The venue clock, read on the feeds' own connections; an arrow so the feeds can call it unbound. */
  private readonly serverTime = async (): Promise<number> => {
    const r = await this.feedRest.systemTime();
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  private chainId(): Promise<string> {
    this.chainIdPromise ??= this.rest.systemConfig().then((r) => {
      if (r.ok) return r.value.chainId;
      this.chainIdPromise = undefined;
      throw new Error(`Paradex system config unavailable: ${r.error.message}`);
    });
    return this.chainIdPromise;
  }

  onboard(): Promise<void> {
    const account = this.account;
    if (!account) return Promise.reject(new Error('Paradex onboarding needs an account'));
    this.onboarded ??= this.chainId()
      .then((id) => this.rest.onboard(account, id))
      .then((r) => {
        if (!r.ok) throw new Error(`Paradex onboarding failed: ${r.error.message}`);
      })
      .catch((error: unknown) => {
        this.onboarded = undefined;
        throw error;
      });
    return this.onboarded;
  }

  /** Runs a private call with a fresh token, retrying once with a new token after a 401. */
  private async withToken<T>(call: (jwt: string) => Promise<RestResult<T>>): Promise<RestResult<T>> {
    const session = this.session;
    if (!session) return { ok: false, error: { kind: 'unreachable', message: 'no credentials' } };
    // A token at hand is used on the spot: an order's request is then built in this turn, not after a promise hop.
    const now = session.tokenNow();
    const token = now !== undefined ? { ok: true as const, value: now } : await session.token();
    if (!token.ok) return authFailure(token.error);
    const first = await call(token.value);
    if (first.ok || first.error.status !== 401) return first;
    session.invalidate();
    const retry = await session.token();
    return retry.ok ? call(retry.value) : authFailure(retry.error);
  }

  symbolFor(pair: string): string {
    return venueSymbol('paradex', pair);
  }

  market(symbol: string): Promise<MarketSpec> {
    let spec = this.specs.get(symbol);
    if (!spec) {
      spec = this.rest.markets(symbol).then((r) => {
        if (!r.ok) throw new Error(`Paradex markets unavailable: ${r.error.message}`);
        const m = r.value.find((x) => x.symbol === symbol);
        if (!m) throw new Error(`Paradex has no market ${symbol}`);
        return {
          symbol,
          tickSize: m.price_tick_size,
          sizeIncrement: m.order_size_increment,
          priceDecimals: decimalsOf(m.price_tick_size),
          sizeDecimals: decimalsOf(m.order_size_increment),
          minNotional: m.min_notional ?? 0,
          takerFee: this.takerFee,
          ...(m.max_order_size !== undefined ? { maxOrderSize: m.max_order_size } : {}),
        };
      });
      spec.catch(() => this.specs.delete(symbol));
      this.specs.set(symbol, spec);
    }
    return spec;
  }

  bookFeed(symbol: string): BookFeed {
    const { options, serverTime, wsUrl, now, logger } = this;
    const feed = paradexBookFeed({ serverTime, ...options.bookFeedOptions, market: symbol, wsUrl, encoding: options.encoding, now, logger });
    return feed;
  }

  private async prepareWire(request: OrderRequest, signedAt: number): Promise<PreparedWire> {
    const account = this.account;
    if (!account) return { kind: 'failed', reason: 'no credentials' };
    try {
      const spec = await this.market(request.symbol);
      const size = formatDecimal(roundToStep(request.size, spec.sizeIncrement, 'down'), spec.sizeDecimals, 'down');
      if (toQuantums(size, 8) <= 0n) {
        return { kind: 'failed', reason: `size ${request.size} rounds to zero at increment ${spec.sizeIncrement}` };
      }
      const capped = Number.isFinite(request.price) && request.price > 0;
      if (request.type === 'LIMIT' && !capped) return { kind: 'failed', reason: `invalid limit price ${request.price}` };
      // A buy never pays above its price and a sell never sells below it, so round away from harm.
      const price = capped
        ? formatDecimal(roundToStep(request.price, spec.tickSize, request.side === 'BUY' ? 'down' : 'up'), spec.priceDecimals)
        : undefined;
      const type = price === undefined ? 'MARKET' : 'LIMIT';
      const instruction = request.type === 'MARKET' ? (type === 'LIMIT' ? 'IOC' : undefined) : request.timeInForce;
      const signature = signParadexOrder(
        { timestamp: signedAt, market: request.symbol, side: request.side, type, size, price: price ?? '0' },
        account,
        await this.chainId(),
      );
      const body: ParadexOrderBody = {
        market: request.symbol,
        side: request.side,
        type,
        size,
        ...(price !== undefined ? { price } : {}),
        ...(instruction !== undefined ? { instruction } : {}),
        client_id: request.clientId,
        ...(request.reduceOnly ? { flags: ['REDUCE_ONLY'] } : {}),
        recv_window: this.recvWindowMs,
        signature,
        signature_timestamp: signedAt,
      };
      return { kind: 'signed', body, text: JSON.stringify(body) };
    } catch (error) {
      return { kind: 'failed', reason: errorText(error) };
    }
  }

  async prepareOrder(request: OrderRequest): Promise<PreparedOrder> {
    const signedAt = this.now();
    // Warm the token so the send does not wait for auth; failures surface at submit.
    if (this.session) void this.session.token();
    const wire = await this.prepareWire(request, signedAt);
    const order: PreparedOrder = {
      venue: 'paradex',
      request,
      validUntil: signedAt + this.recvWindowMs - Math.min(SEND_SAFETY_MS, this.recvWindowMs / 4),
    };
    this.prepared.set(order, wire);
    return order;
  }

  /** Polls an order the venue has not settled yet (GET /orders/{id}, backing off); returns the last state seen. */
  private async awaitSettled(order: ParadexOrder): Promise<ParadexOrder> {
    const { pollIntervalMs, fillWaitMs } = this;
    let last = order;
    let gap = Math.min(FIRST_POLL_MS, pollIntervalMs);
    for (let waited = 0; !settled(last) && waited < fillWaitMs && !this.shutdown.signal.aborted; waited += gap, gap = Math.min(gap * 2, pollIntervalMs)) {
      await this.sleeper.sleep(gap);
      const r = await this.withToken((jwt) => this.rest.getOrder(jwt, order.id));
      if (r.ok) last = r.value;
    }
    return last;
  }

  /**
   * Fee of an order from its fills, in the currency the fills report (`fee_currency`); an estimate from the taker
   * fee when the fills are not listed, or list a fee without a price-able currency (DIME, mixed): the estimate is a
   * fraction of the USD notional, so USD.
   */
  private async feeOf(order: ParadexOrder, filled: number, avgPrice: number | undefined): Promise<{ fee: number; currency: QuoteCurrency }> {
    const takerFee = this.takerFee;
    if (filled <= 0) return { fee: 0, currency: 'USD' };
    const estimate = filled * (avgPrice ?? 0) * takerFee;
    const r = await this.withToken((jwt) => this.rest.fills(jwt, order.market));
    if (r.ok) {
      const fills = r.value.filter((f) => f.order_id === order.id);
      const listedSize = fills.reduce((sum, f) => sum + f.size, 0);
      const currencies = new Set(fills.map((f) => (f.fee === undefined ? 'USD' : (f.fee_currency ?? 'USDC'))));
      const [currency] = [...currencies];
      if (fills.length > 0 && listedSize >= filled * (1 - 1e-9) && currencies.size === 1 && (currency === 'USD' || currency === 'USDC')) {
        // A fill without a fee is priced from the taker fee, in USD: only when all of them are.
        return { fee: fills.reduce((sum, f) => sum + (f.fee ?? f.size * f.price * takerFee), 0), currency };
      }
    }
    this.logger?.debug('Paradex fee estimated from the taker fee', { orderId: order.id, feeUsd: estimate });
    return { fee: estimate, currency: 'USD' };
  }

  private async toOutcome(order: ParadexOrder, clientId: string): Promise<OrderOutcome> {
    // Without remaining_size nothing is known to have filled.
    const remaining = order.remaining_size ?? order.size;
    const filled = cleanSize(order.size - remaining);
    const avgPrice = filled > 0 ? order.avg_fill_price : undefined;
    let status: OrderStatus;
    if (order.status === 'CLOSED') {
      const reason = order.cancel_reason ?? '';
      if (filled <= 0 && !UNFILLED_IS_CANCEL.has(reason)) {
        // Paradex reports margin / reduce-only failures as an accepted order closed at once.
        return orderRejected(clientId, `Paradex closed the order unfilled: ${reason}`, reason);
      }
      status = filled <= 0 ? 'CANCELLED' : remaining <= 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    } else if (order.status === 'OPEN') {
      status = filled > 0 ? 'PARTIALLY_FILLED' : 'OPEN';
    } else {
      status = 'NEW';
    }
    const { fee, currency } = await this.feeOf(order, filled, avgPrice);
    return {
      ok: true,
      clientId: order.client_id || clientId,
      orderId: order.id,
      status,
      filledSize: filled,
      avgPrice,
      feeUsd: fee,
      feeCurrency: currency,
    };
  }

  async submitOrder(order: PreparedOrder): Promise<OrderOutcome> {
    const clientId = order.request.clientId;
    try {
      let wire = this.prepared.get(order);
      if (!wire) {
        // Prepared elsewhere (e.g. by an earlier instance): sign it here rather than refuse.
        wire = await this.prepareWire(order.request, this.now());
      }
      if (wire.kind === 'failed') return orderRejected(clientId, wire.reason, wire.code);
      if (this.now() > order.validUntil) return orderRejected(clientId, 'prepared order expired before it was sent');
      const { body, text } = wire;
      const posted = await this.withToken((jwt) => this.rest.postOrder(jwt, body, text));
      if (!posted.ok) {
        const outcome = orderFailure(clientId, posted.error);
        this.logger?.warn('Paradex order not accepted', { clientId, reason: outcome.reason, code: outcome.code, unknown: outcome.unknown });
        return outcome;
      }
      return await this.toOutcome(await this.awaitSettled(posted.value), clientId);
    } catch (error) {
      // Unreachable by construction; kept so the promise can never reject.
      return { ok: false, clientId, reason: errorText(error), unknown: true };
    }
  }

  async placeOrder(request: OrderRequest): Promise<OrderOutcome> {
    return this.submitOrder(await this.prepareOrder(request));
  }

  async orderByClientId(_symbol: string, clientId: string): Promise<OrderOutcome | undefined> {
    const r = await this.withToken((jwt) => this.rest.getOrderByClientId(jwt, clientId));
    const order = requireOk(r, 'order lookup');
    // Found still queued (e.g. sent just before a restart): give the engine its few ms.
    return order === undefined ? undefined : this.toOutcome(await this.awaitSettled(order), clientId);
  }

  async positions(): Promise<VenuePosition[]> {
    const list = requireOk(await this.withToken((jwt) => this.rest.positions(jwt)), 'positions');
    return list
      .filter((p) => p.status !== 'CLOSED' && p.size !== 0)
      .map((p) => {
        const magnitude = Math.abs(p.size);
        const size = p.side === 'SHORT' ? -magnitude : p.side === 'LONG' ? magnitude : p.size;
        return {
          symbol: p.market,
          size,
          ...(p.average_entry_price !== undefined ? { entryPrice: p.average_entry_price } : {}),
          ...(p.unrealized_funding_pnl !== undefined ? { unrealisedFundingUsd: p.unrealized_funding_pnl } : {}),
        };
      });
  }

  async availableMarginUsd(): Promise<number> {
    return requireOk(await this.withToken((jwt) => this.rest.freeCollateral(jwt)), 'account');
  }

  /** Σ GET /funding/payments of `symbol` since `sinceMs`, every page (a payment is made at each change of the position). */
  async fundingSettledSince(symbol: string, sinceMs: number): Promise<VenueFundingFigure> {
    let settledUsd = 0;
    let count = 0;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_FUNDING_PAGES; page++) {
      const q = { market: symbol, startAt: Math.max(0, Math.floor(sinceMs)), pageSize: 500, ...(cursor !== undefined ? { cursor } : {}) };
      const { payments, next } = requireOk(await this.withToken((jwt) => this.rest.fundingPayments(jwt, q)), 'funding payments');
      for (const p of payments) {
        if (p.market !== symbol || p.created_at < sinceMs) continue; // the filters are the venue's: trust, but check
        settledUsd += p.payment;
        count++;
      }
      if (next === undefined || payments.length === 0) return { settledUsd, source: `GET /funding/payments: ${count} payment${count === 1 ? '' : 's'}` };
      cursor = next;
    }
    throw new Error(`Paradex funding payments: more than ${MAX_FUNDING_PAGES} pages since ${sinceMs}`);
  }

  async close(): Promise<void> {
    this.shutdown.abort();
    this.feedShutdown.abort();
    this.session?.close();
    this.sleeper.cancelAll();
  }
}

/** A bound on paging: 500 payments a page covers far more position changes than one position sees. */
const MAX_FUNDING_PAGES = 20;

function requireOk<T>(r: RestResult<T>, what: string): T {
  if (!r.ok) throw new Error(`Paradex ${what} failed: ${r.error.message}`);
  return r.value;
}

/** No token means nothing was sent, whatever went wrong while asking for one. */
function authFailure(error: RestFailure): { ok: false; error: RestFailure } {
  return { ok: false, error: { ...error, kind: 'unreachable', message: `authentication failed: ${error.message}` } };
}

/** size − remaining in floats leaves dust like 9.999999e-5; Paradex sizes have at most 8 decimals. */
function cleanSize(value: number): number {
  return Math.max(0, Number(value.toFixed(8)));
}
