/**
 * The order path: hand a signed order to its venue, wait for its reply under a deadline, and resolve
 * an unknown outcome by looking the order up by client id (never by sending a second order under a
 * new id). Also the lifecycle switch `detach()`: once the process gives up, no order leaves and every
 * wait ends at once.
 */
import { events as ev, type TradingEvent } from '../domain/events';
import { shortErrorText as errorText } from '../logging/redact';
import type { OrderOutcome, OrderRequest, PreparedOrder, Venue } from '../venues/venue';
import { feeUsd } from '../domain/market';
import { isFinal } from './orders';
import type { LegFill } from './types';

/** An order handed to its venue, reply pending. */
export interface InFlight {
  readonly order: PreparedOrder;
  readonly sentAt: number;
  readonly outcome: Promise<OrderOutcome>;
}

export type Deadline<T> = { done: true; value: T } | { done: false };

/**
 * A look-up from a restarted process: `ok: false` when the venue could not answer or the order is still
 * live (`live`: the venue answered, the order can still fill; it settles on its own, so it is worth
 * asking again soon, unlike a venue that does not answer).
 */
export type LookUp = { ok: true; outcome: OrderOutcome | undefined } | { ok: false; reason: string; live?: true };

/** The timers an order's deadlines run on (a replay passes its virtual clock's, so a timeout is virtual time). */
export interface OrderTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's timers. */
export const processOrderTimers: OrderTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface OrderPathOptions {
  readonly pair: string;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The reply and look-up deadlines' timers; default the process's. */
  readonly timers?: OrderTimers;
  /** Deadline for one order's reply (and one look-up), ms. */
  readonly legTimeoutMs: number;
  /** Look-ups of an order with an unknown outcome (and retries of close / unwind legs). */
  readonly closeRetries: number;
  /** First retry delay, doubled each retry. */
  readonly closeBackoffMs: number;
}

export class OrderPath {
  private detachedNow = false;
  /** Deadlines being waited on, so that detach() can end them at once. */
  private readonly pendingDeadlines = new Set<() => void>();

  constructor(private readonly o: OrderPathOptions) {}

  /** Set by detach(): behave as a dead process (no order, no journal write). */
  detached(): boolean {
    return this.detachedNow;
  }

  detach(): void {
    this.detachedNow = true;
    // Waits end now: a dead process waits for nothing, and nothing it started outlives the run.
    for (const cut of [...this.pendingDeadlines]) cut();
  }

  /** The delay before retry number `retry` (0-based). */
  backoff(retry: number): number {
    return this.o.closeBackoffMs * 2 ** retry;
  }

  /** A retry backoff; none once detached. */
  pause(ms: number): Promise<void> {
    return this.detachedNow ? Promise.resolve() : this.o.sleep(ms);
  }

  /**
   * Signs, dispatches and settles one order with a deadline. `beforeDispatch` runs between signing
   * and sending (the unwind and close paths journal the order there). `usdcUsd` is the rate of the position the
   * order belongs to: its fee becomes USD with it.
   */
  async send(venue: Venue, req: OrderRequest, refPrice: number, events: TradingEvent[], usdcUsd: number, beforeDispatch?: (order: PreparedOrder) => void): Promise<LegFill> {
    const base = { venue: venue.id, symbol: req.symbol, side: req.side, clientId: req.clientId, requestedSize: req.size };
    events.push(this.placedEvent(venue, req));
    let order: PreparedOrder;
    try {
      order = await venue.prepareOrder(req);
    } catch (err) {
      const reason = `signing failed: ${errorText(err)}`;
      events.push(ev.orderFailed(this.o.now(), { pair: this.o.pair, venue: venue.id, clientId: req.clientId, reason }));
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason };
    }
    beforeDispatch?.(order);
    return this.settle(venue, this.dispatch(venue, order), refPrice, events, usdcUsd);
  }

  /** Hands a signed order to its venue now; the reply is settled later by settle(). */
  dispatch(venue: Venue, order: PreparedOrder): InFlight {
    if (this.detachedNow) {
      const reason = 'not sent: the process is stopping';
      return { order, sentAt: this.o.now(), outcome: Promise.resolve({ ok: false, clientId: order.request.clientId, reason, unknown: false }) };
    }
    return { order, sentAt: this.o.now(), outcome: venue.submitOrder(order) };
  }

  /** dispatch() with its ORDER_PLACED event. */
  dispatchLogged(venue: Venue, order: PreparedOrder, events: TradingEvent[]): InFlight {
    events.push(this.placedEvent(venue, order.request));
    return this.dispatch(venue, order);
  }

  /** Waits for a dispatched order's outcome (deadline, then look-ups by client id) and reports its fill, its fee in USD at `usdcUsd`. */
  async settle(venue: Venue, inFlight: InFlight, refPrice: number, events: TradingEvent[], usdcUsd: number): Promise<LegFill> {
    const req = inFlight.order.request;
    const lookupRef = inFlight.order.lookupRef;
    const base = {
      venue: venue.id,
      symbol: req.symbol,
      side: req.side,
      clientId: req.clientId,
      requestedSize: req.size,
      ...(lookupRef !== undefined ? { lookupRef } : {}),
    };
    const { outcome: submitted } = inFlight;
    const first = await this.deadline(submitted, this.o.legTimeoutMs);
    let outcome: OrderOutcome | undefined = first.done ? first.value : undefined;
    let unknownWhy = first.done ? '' : `no reply within ${this.o.legTimeoutMs} ms`;
    if (outcome !== undefined && !isFinal(outcome)) {
      unknownWhy = outcome.ok ? `order still ${outcome.status}` : `outcome unknown: ${outcome.reason}`;
      outcome = undefined;
    }
    if (outcome === undefined) outcome = await this.resolveByClientId(venue, req.symbol, req.clientId, submitted, lookupRef);
    const failed = (reason: string): void => {
      events.push(ev.orderFailed(this.o.now(), { pair: this.o.pair, venue: venue.id, clientId: req.clientId, reason }));
    };
    if (outcome === undefined) {
      const reason = `${unknownWhy}; order ${req.clientId} could not be resolved by client id`;
      failed(reason);
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason, unresolved: true };
    }
    if (!outcome.ok) {
      const reason = outcome.code !== undefined ? `${outcome.reason} (${outcome.code})` : outcome.reason;
      failed(reason);
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: unknownWhy ? `${unknownWhy}; ${reason}` : reason };
    }
    if (!(outcome.filledSize > 0)) {
      const reason = `${outcome.status}, nothing filled`;
      failed(reason);
      return { ...base, filledSize: 0, avgPrice: undefined, feeUsd: outcomeFeeUsd(outcome, usdcUsd), reason };
    }
    return { ...base, ...this.filled(venue, inFlight, outcome, refPrice, events, usdcUsd) };
  }

  /** The fill of an accepted order that filled something, with its ORDER_FILLED event. */
  private filled(
    venue: Venue,
    inFlight: InFlight,
    outcome: Extract<OrderOutcome, { ok: true }>,
    refPrice: number,
    events: TradingEvent[],
    usdcUsd: number,
  ): Pick<LegFill, 'filledSize' | 'avgPrice' | 'feeUsd' | 'reason' | 'priceEstimated'> {
    const req = inFlight.order.request;
    const feeUsd = outcomeFeeUsd(outcome, usdcUsd);
    const filledSize = outcome.filledSize;
    const priceEstimated = outcome.avgPrice === undefined;
    const avgPrice = outcome.avgPrice ?? refPrice;
    events.push(
      ev.orderFilled(this.o.now(), {
        pair: this.o.pair,
        venue: venue.id,
        clientId: req.clientId,
        filledSize,
        avgPrice,
        feeUsd,
        latencyMs: this.o.now() - inFlight.sentAt,
      }),
    );
    const partial = filledSize < req.size * (1 - 1e-9);
    return {
      filledSize,
      avgPrice,
      feeUsd,
      ...(partial ? { reason: `partially filled ${filledSize} of ${req.size} (${outcome.status})` } : {}),
      ...(priceEstimated ? { priceEstimated } : {}),
    };
  }

  /** Looks an order up by client id with backoff; the late reply is used if it arrives meanwhile. */
  private async resolveByClientId(
    venue: Venue,
    symbol: string,
    clientId: string,
    late: Promise<OrderOutcome>,
    lookupRef?: string,
  ): Promise<OrderOutcome | undefined> {
    let lateOutcome: OrderOutcome | undefined;
    late.then(
      (o) => {
        lateOutcome = o;
      },
      () => undefined,
    );
    for (let i = 0; i <= this.o.closeRetries && !this.detachedNow; i++) {
      if (i > 0) await this.pause(this.backoff(i - 1));
      if (lateOutcome !== undefined && isFinal(lateOutcome)) return lateOutcome;
      try {
        const found = await this.deadline(this.orderByClientId(venue, symbol, clientId, lookupRef), this.o.legTimeoutMs);
        if (found.done && found.value !== undefined && isFinal(found.value)) return found.value;
      } catch {
        // Transport failure on the lookup: try again after the backoff.
      }
      if (lateOutcome !== undefined && isFinal(lateOutcome)) return lateOutcome;
    }
    return undefined;
  }

  /**
   * Looks an order up from a restarted process. `ok: false` when the venue could not answer or the
   * order is still live (it could fill more): the reconciliation is then retried. An undefined
   * outcome = the venue does not know it (it never arrived).
   */
  async lookUp(venue: Venue, symbol: string, clientId: string, lookupRef: string | undefined): Promise<LookUp> {
    try {
      const r = await this.deadline(this.orderByClientId(venue, symbol, clientId, lookupRef), this.o.legTimeoutMs);
      if (!r.done) return { ok: false, reason: `${venue.id} order ${clientId}: lookup timed out after ${this.o.legTimeoutMs} ms` };
      if (r.value !== undefined && !isFinal(r.value)) return { ok: false, reason: `${venue.id} order ${clientId} is still live`, live: true };
      return { ok: true, outcome: r.value };
    } catch (err) {
      return { ok: false, reason: `${venue.id} order ${clientId}: lookup failed (${errorText(err)})` };
    }
  }

  /** withDeadline that detach() cuts short (as if the time had run out). */
  deadline<T>(p: Promise<T>, ms: number): Promise<Deadline<T>> {
    if (this.detachedNow) {
      p.catch(() => undefined);
      return Promise.resolve({ done: false });
    }
    const timers = this.o.timers ?? processOrderTimers;
    let timer: unknown;
    let cut: () => void = () => undefined;
    const timeout = new Promise<Deadline<T>>((resolve) => {
      timer = timers.setTimeout(() => resolve({ done: false }), ms);
      cut = () => resolve({ done: false });
    });
    this.pendingDeadlines.add(cut);
    return Promise.race([p.then((value): Deadline<T> => ({ done: true, value })), timeout]).finally(() => {
      timers.clearTimeout(timer);
      this.pendingDeadlines.delete(cut);
    });
  }

  private orderByClientId(venue: Venue, symbol: string, clientId: string, lookupRef: string | undefined): Promise<OrderOutcome | undefined> {
    return lookupRef === undefined ? venue.orderByClientId(symbol, clientId) : venue.orderByClientId(symbol, clientId, lookupRef);
  }

  private placedEvent(venue: Venue, req: OrderRequest): TradingEvent {
    return ev.orderPlaced(this.o.now(), { pair: this.o.pair, venue: venue.id, clientId: req.clientId, side: req.side, size: req.size, reduceOnly: req.reduceOnly });
  }
}

/** Races a promise against a timer and always clears the timer, so no handle outlives the call. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<Deadline<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Deadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([p.then((value): Deadline<T> => ({ done: true, value })), timeout]).finally(() => clearTimeout(timer));
}

/** The venue's holding in `symbol` (+ long, − short), summed over its position entries. */
export async function holdingOf(venue: Venue, symbol: string): Promise<number> {
  const positions = await venue.positions();
  return positions.filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.size, 0);
}

/** An accepted order's fee in USD: the venue's figure in its currency, at the position's rate (`usdcUsd`). */
export function outcomeFeeUsd(outcome: Extract<OrderOutcome, { ok: true }>, usdcUsd: number): number {
  return feeUsd(outcome.feeUsd, outcome.feeCurrency, usdcUsd);
}
