/**
 * Fault knobs for the trading side of one simulated venue (one instance per venue; the
 * SIM-MARKET helper exposes them as `sim.faults.trading.{paradex,vest}`).
 *
 * Knobs that act on "the next N orders" count down as order requests arrive (POST /v1/orders,
 * POST /v2/orders) and are independent of each other: a knob can reject an order, or let it
 * execute with a partial fill and/or an answer that never comes.
 *
 *   rejectNextOrders(n, code?)  refuse the next n orders with a venue error; nothing executes.
 *   rejectNextClose(code?)      refuse the next reduce-only order (a failed close).
 *   partialFillNext(f, n)       the next n orders fill at most fraction f of their size.
 *   timeoutNextOrders(n)        the next n orders execute, but the answer is held until
 *                               releaseAll() (or holdMs), i.e. past any client deadline.
 *   delayResponses(ms)          every trading response (orders, queries) waits ms first; 0 = off.
 *   delaySettlement(ms)         accepted orders are matched ms later (the venue's own delay, drawn per
 *                               order by the sim's order-latency model, when unset): Paradex answers
 *                               NEW meanwhile, Vest's GET /orders reads NEW.
 *   outage(ms, atNextOrder?)    the venue's trading API is down for ms: every trading request (orders,
 *                               look-ups, positions, account, auth) is answered 503 and does nothing.
 *                               atNextOrder: armed until the next order request arrives, which is the
 *                               first one refused (so an outage can land in the middle of a trade).
 *   releaseAll()                answer every held or delayed response and settle every queued
 *                               order now (call from close()).
 *   reset()                     clear all knobs (held responses stay held until releaseAll(); queued
 *                               orders still settle when due).
 *
 * Every order that reaches the knobs (it passed the request checks) is reported to the `onOrder`
 * listeners, so a harness can act at the moment an order arrives (e.g. kill the client then).
 */
import type { SimResponse, SimRoute } from './types';

/** A venue's own order-to-match delay: a fixed number of ms, or a draw per order. */
export type SettlementDelay = number | (() => number);

/** A venue error code: Paradex uses strings ('VALIDATION_ERROR'), Vest numbers (3002). */
export type VenueErrorCode = string | number;

/** What the knobs decided for one order request. */
export interface OrderFaultPlan {
  /** Refuse the order with this code (the route supplies its default when `code` is undefined). */
  readonly reject?: { readonly code: VenueErrorCode | undefined };
  /** Fill at most this fraction of the order. */
  readonly maxFillFraction?: number;
  /** Execute, then hold the answer. */
  readonly hold: boolean;
}

interface Pending {
  readonly deliver: () => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** An order that passed the request checks and reached the knobs. */
export interface OrderArrival {
  readonly reduceOnly: boolean;
}

export class SimTradingFaults {
  private rejects: { remaining: number; code: VenueErrorCode | undefined }[] = [];
  private closeRejects: (VenueErrorCode | undefined)[] = [];
  private partial: { remaining: number; fraction: number } | undefined;
  private holds = 0;
  private delayMs = 0;
  private settleMs: number | undefined;
  private readonly pending = new Set<Pending>();
  private readonly listeners = new Set<(arrival: OrderArrival) => void>();
  /** Outage: armed (its length, waiting for an order) and the time (Date.now) the current one ends. */
  private outageArmedMs: number | undefined;
  private outageUntil = 0;

  /** @param holdMs how long a "timed-out" answer is held at most (default 10 minutes). */
  constructor(private readonly holdMs = 600_000) {}

  rejectNextOrders(count = 1, code?: VenueErrorCode): void {
    if (count > 0) this.rejects.push({ remaining: count, code });
  }

  rejectNextClose(code?: VenueErrorCode): void {
    this.closeRejects.push(code);
  }

  partialFillNext(fraction: number, count = 1): void {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fill fraction must be in [0, 1], got ${fraction}`);
    this.partial = count > 0 ? { remaining: count, fraction } : undefined;
  }

  timeoutNextOrders(count = 1): void {
    this.holds += Math.max(0, count);
  }

  delayResponses(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  delaySettlement(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`settlement delay must be a number of ms >= 0, got ${ms}`);
    this.settleMs = ms;
  }

  /** How long after acceptance the next order is matched: the knob when set, else the venue's own delay. */
  settlementDelay(venueDefault: SettlementDelay): number {
    return this.settleMs ?? (typeof venueDefault === 'number' ? venueDefault : venueDefault());
  }

  /** Runs `settle` after `ms` (at once when ms <= 0), or earlier at releaseAll(). */
  scheduleSettlement(settle: () => void, ms: number): void {
    if (ms <= 0) {
      settle();
      return;
    }
    const entry: Pending = {
      deliver: () => {
        clearTimeout(entry.timer);
        this.pending.delete(entry);
        settle();
      },
      timer: setTimeout(() => entry.deliver(), ms),
    };
    this.pending.add(entry);
  }

  /** Calls `listener` for every order that reaches the knobs; returns the unsubscribe. */
  onOrder(listener: (arrival: OrderArrival) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  outage(ms: number, atNextOrder = false): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`outage must be a number of ms >= 0, got ${ms}`);
    if (atNextOrder) this.outageArmedMs = ms;
    else this.outageUntil = Date.now() + ms;
  }

  /**
   * Called first by every trading route (`isOrder`: an order request): the venue's answer while its API is
   * down (a 503 from its gateway, as a real venue's load balancer answers; nothing reaches the exchange),
   * or undefined when it is up. An armed outage starts with the order request that arrives.
   */
  outageAnswer(isOrder: boolean): SimResponse | undefined {
    if (isOrder && this.outageArmedMs !== undefined) {
      this.outageUntil = Date.now() + this.outageArmedMs;
      this.outageArmedMs = undefined;
    }
    return Date.now() < this.outageUntil ? { status: 503, body: { message: 'Service Unavailable' } } : undefined;
  }

  reset(): void {
    this.outageArmedMs = undefined;
    this.outageUntil = 0;
    this.rejects = [];
    this.closeRejects = [];
    this.partial = undefined;
    this.holds = 0;
    this.delayMs = 0;
    this.settleMs = undefined;
  }

  /** Number of responses currently held or delayed, and orders waiting to settle. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Consumes the knobs for one order request. `isClose` = the order is reduce-only. */
  planOrder(isClose: boolean): OrderFaultPlan {
    for (const listener of this.listeners) listener({ reduceOnly: isClose });
    if (isClose && this.closeRejects.length > 0) {
      return { reject: { code: this.closeRejects.shift() }, hold: false };
    }
    const head = this.rejects[0];
    if (head) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.rejects.shift();
      return { reject: { code: head.code }, hold: false };
    }
    let maxFillFraction: number | undefined;
    if (this.partial) {
      maxFillFraction = this.partial.fraction;
      this.partial.remaining -= 1;
      if (this.partial.remaining <= 0) this.partial = undefined;
    }
    const hold = this.holds > 0;
    if (hold) this.holds -= 1;
    return maxFillFraction === undefined ? { hold } : { maxFillFraction, hold };
  }

  /** Delivers a response: at once, after the configured delay, or (hold) only at releaseAll(). */
  deliver<T>(response: T, hold = false): Promise<T> {
    const wait = hold ? this.holdMs : this.delayMs;
    if (wait <= 0) return Promise.resolve(response);
    return new Promise<T>((resolve) => {
      const entry: Pending = {
        deliver: () => {
          clearTimeout(entry.timer);
          this.pending.delete(entry);
          resolve(response);
        },
        timer: setTimeout(() => entry.deliver(), wait),
      };
      // A held answer must not keep a process (or jest) alive on its own.
      if (hold) entry.timer.unref();
      this.pending.add(entry);
    });
  }

  /** Settles every queued order and answers every held or delayed response now, clearing their timers. */
  releaseAll(): void {
    for (const entry of [...this.pending]) entry.deliver();
  }
}

/**
 * The routes of one venue's trading API behind its outage knob: while the venue is down every route answers
 * 503 and does nothing. `isOrder` picks the order-placing route(s), which start an armed outage.
 */
export function behindOutage(faults: SimTradingFaults, routes: readonly SimRoute[], isOrder: (route: SimRoute) => boolean): SimRoute[] {
  return routes.map((route) => {
    const order = isOrder(route);
    return { ...route, handle: (req) => faults.outageAnswer(order) ?? route.handle(req) };
  });
}
