/**
 * In-memory Venue for executor unit tests: a fixed top of book, signed positions per symbol, and a
 * script of what the next orders do (fill, reject, partial, lose the reply after executing...).
 * Orders without a scripted behaviour fill completely at the top of book when the cap allows.
 */
import { EMPTY } from 'rxjs';
import type { VenueId } from '../../src/domain/market';
import type {
  BookFeed,
  MarketSpec,
  OrderAccepted,
  OrderOutcome,
  OrderRequest,
  PreparedOrder,
  Venue,
  VenuePosition,
} from '../../src/venues/venue';

export type FakeBehaviour =
  /** Fill completely at the top of book (the default). */
  | { readonly kind: 'fill' }
  /** A clear rejection (unknown: false). */
  | { readonly kind: 'reject'; readonly reason?: string; readonly code?: string }
  /** Fill only `size`, cancel the rest (IOC). */
  | { readonly kind: 'partial'; readonly size: number }
  /** IOC with nothing filled. */
  | { readonly kind: 'noFill' }
  /** The venue executes the order but the reply never arrives (the caller's deadline fires). */
  | { readonly kind: 'timeoutExecuted' }
  /** The request never reaches the venue and no reply arrives. */
  | { readonly kind: 'timeoutLost' }
  /** The venue executes it but the client reports an unknown outcome (e.g. connection dropped). */
  | { readonly kind: 'unknownExecuted' };

export interface FakeVenueOptions {
  readonly id: VenueId;
  readonly symbol: string;
  readonly bid: number;
  readonly ask: number;
  readonly spec?: Partial<MarketSpec>;
  readonly marginUsd?: number;
  readonly now: () => number;
  /** Validity of a prepared order, ms. */
  readonly validForMs?: number;
}

export class FakeVenue implements Venue {
  readonly id: VenueId;
  readonly symbol: string;
  bid: number;
  ask: number;
  marginUsd: number;
  readonly spec: MarketSpec;
  /** Every order that reached submitOrder, in order (including lost ones). */
  readonly submitted: OrderRequest[] = [];
  /** Client ids looked up with orderByClientId. */
  readonly lookups: string[] = [];
  readonly holdings = new Map<string, number>();
  private readonly orders = new Map<string, OrderOutcome>();
  private readonly script: FakeBehaviour[] = [];
  private readonly now: () => number;
  /** Validity of the orders it signs from now on, ms. */
  validForMs: number;
  private orderSeq = 0;
  /** The next N positions() calls reject (transport failure). */
  failPositions = 0;
  /** The next N orderByClientId() calls reject (transport failure). */
  failLookups = 0;
  /** The next N orderByClientId() calls that find an order report it still working (OPEN, nothing filled yet). */
  liveLookups = 0;
  /** Rejection used when the script runs dry and `rejectAll` is set. */
  rejectAll: string | undefined;
  /**
   * Like Vest after a restart: prepared orders carry a lookupRef, and orderByClientId finds an
   * order only when given that ref (the client id alone finds nothing).
   */
  findsByRefOnly = false;
  /** The lookupRef passed with each orderByClientId call. */
  readonly lookupRefsSeen: Array<string | undefined> = [];

  constructor(opts: FakeVenueOptions) {
    this.id = opts.id;
    this.symbol = opts.symbol;
    this.bid = opts.bid;
    this.ask = opts.ask;
    this.marginUsd = opts.marginUsd ?? 1_000_000;
    this.now = opts.now;
    this.validForMs = opts.validForMs ?? 10_000;
    this.spec = {
      symbol: opts.symbol,
      tickSize: 0.1,
      sizeIncrement: 0.0001,
      priceDecimals: 1,
      sizeDecimals: 4,
      minNotional: 10,
      takerFee: 0.0005,
      ...opts.spec,
    };
  }

  /** Queues behaviours for the next orders. */
  next(...behaviours: FakeBehaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  holding(symbol = this.symbol): number {
    return this.holdings.get(symbol) ?? 0;
  }

  symbolFor(): string {
    return this.symbol;
  }

  market(symbol: string): Promise<MarketSpec> {
    return symbol === this.symbol ? Promise.resolve(this.spec) : Promise.reject(new Error(`unknown market ${symbol}`));
  }

  bookFeed(): BookFeed {
    return {
      book$: EMPTY,
      events$: EMPTY,
      stats: { frames: 0, bytes: 0, decodeErrors: 0, resyncs: 0, reconnects: 0, lastUpdateAt: 0, stale: false },
    };
  }

  prepareOrder(request: OrderRequest): Promise<PreparedOrder> {
    const ref = this.findsByRefOnly ? { lookupRef: `ref:${request.clientId}` } : {};
    return Promise.resolve({ venue: this.id, request, validUntil: this.now() + this.validForMs, ...ref });
  }

  submitOrder(prepared: PreparedOrder): Promise<OrderOutcome> {
    const req = prepared.request;
    this.submitted.push(req);
    if (this.orders.has(req.clientId)) {
      return Promise.resolve({ ok: false, clientId: req.clientId, reason: 'duplicate client id', code: 'DUPLICATED_CLIENT_ID', unknown: false });
    }
    if (this.now() > prepared.validUntil) {
      return Promise.resolve(this.store({ ok: false, clientId: req.clientId, reason: 'order expired', code: 'ORDER_EXPIRED', unknown: false }));
    }
    const behaviour: FakeBehaviour = this.script.shift() ?? (this.rejectAll !== undefined ? { kind: 'reject', reason: this.rejectAll } : { kind: 'fill' });
    switch (behaviour.kind) {
      case 'reject':
        return Promise.resolve(
          this.store({ ok: false, clientId: req.clientId, reason: behaviour.reason ?? 'rejected', unknown: false, ...(behaviour.code ? { code: behaviour.code } : {}) }),
        );
      case 'timeoutLost':
        return new Promise<OrderOutcome>(() => undefined);
      case 'timeoutExecuted':
        this.execute(req, req.size);
        return new Promise<OrderOutcome>(() => undefined);
      case 'unknownExecuted':
        this.execute(req, req.size);
        return Promise.resolve({ ok: false, clientId: req.clientId, reason: 'connection reset', unknown: true });
      case 'noFill':
        return Promise.resolve(this.execute(req, 0));
      case 'partial':
        return Promise.resolve(this.execute(req, behaviour.size));
      case 'fill':
        return Promise.resolve(this.execute(req, req.size));
    }
  }

  async placeOrder(request: OrderRequest): Promise<OrderOutcome> {
    return this.submitOrder(await this.prepareOrder(request));
  }

  orderByClientId(_symbol: string, clientId: string, lookupRef?: string): Promise<OrderOutcome | undefined> {
    this.lookups.push(clientId);
    this.lookupRefsSeen.push(lookupRef);
    if (this.failLookups > 0) {
      this.failLookups--;
      return Promise.reject(new Error('order lookup unavailable'));
    }
    if (this.findsByRefOnly && lookupRef !== `ref:${clientId}`) return Promise.resolve(undefined);
    const found = this.orders.get(clientId);
    if (found !== undefined && this.liveLookups > 0) {
      this.liveLookups--;
      return Promise.resolve({ ...found, status: 'OPEN', filledSize: 0, avgPrice: undefined, feeUsd: 0 });
    }
    return Promise.resolve(found);
  }

  positions(): Promise<VenuePosition[]> {
    if (this.failPositions > 0) {
      this.failPositions--;
      return Promise.reject(new Error('positions endpoint unavailable'));
    }
    return Promise.resolve(
      [...this.holdings.entries()].filter(([, size]) => size !== 0).map(([symbol, size]) => ({ symbol, size })),
    );
  }

  availableMarginUsd(): Promise<number> {
    return Promise.resolve(this.marginUsd);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private store(o: OrderOutcome): OrderOutcome {
    this.orders.set(o.clientId, o);
    return o;
  }

  /** Fills up to `want` at the top of book if the cap allows, honouring reduce-only. */
  private execute(req: OrderRequest, want: number): OrderOutcome {
    const price = req.side === 'BUY' ? this.ask : this.bid;
    const current = this.holding(req.symbol);
    let size = Math.min(want, req.size);
    if (req.reduceOnly) {
      const reducible = req.side === 'BUY' ? Math.max(0, -current) : Math.max(0, current);
      if (!(reducible > 0)) {
        return this.store({ ok: false, clientId: req.clientId, reason: 'reduce-only order would increase the position', code: 'REDUCE_ONLY_INCREASES', unknown: false });
      }
      size = Math.min(size, reducible);
    }
    const marketable = req.side === 'BUY' ? price <= req.price : price >= req.price;
    if (!marketable) size = 0;
    const orderId = `${this.id}-${++this.orderSeq}`;
    if (!(size > 0)) {
      return this.store({ ok: true, clientId: req.clientId, orderId, status: 'CANCELLED', filledSize: 0, avgPrice: undefined, feeUsd: 0 });
    }
    this.holdings.set(req.symbol, round(current + (req.side === 'BUY' ? size : -size)));
    const accepted: OrderAccepted = {
      ok: true,
      clientId: req.clientId,
      orderId,
      status: size >= req.size ? 'FILLED' : 'PARTIALLY_FILLED',
      filledSize: size,
      avgPrice: price,
      feeUsd: size * price * this.spec.takerFee,
    };
    return this.store(accepted);
  }
}

function round(x: number): number {
  return Number(x.toFixed(10));
}
