/**
 * Armed (pre-signed) close orders: the reduce-only close of each leg signed ahead of the exit, so the
 * exit does not pay for signing. Every order held here has its client id journalled first
 * ('close_armed'), so it may be sent before the 'closing' entry is written. They are re-signed when
 * about to expire or no longer marketable, and each is sent at most once.
 */
import type { OrderBook } from '../domain/order-book';
import type { PreparedOrder } from '../venues/venue';
import { remainingSize, type CloseProgress } from './close-progress';
import type { ExecutorCore } from './core';
import type { CloseBooks } from './executor-api';
import { legOf, LEG_KEYS, positionKey, type LegKey } from './legs';
import { capPrice, closeReference, lookupRefsOf, reduceOnlyOrder } from './orders';
import type { OpenPosition } from './types';

/** The armed close orders of one position (`key`). */
export interface ArmedSet {
  readonly key: string;
  long?: PreparedOrder;
  short?: PreparedOrder;
}

type SignedOrders = Partial<Record<LegKey, PreparedOrder>>;

export class ArmedCloses {
  private armed: ArmedSet | undefined;
  /** When each armed order was signed: its validity window is validUntil − signingTime. */
  private readonly signingTime = new WeakMap<PreparedOrder, number>();
  /** The background signing started after an open; a close waits for it rather than signing twice. */
  private signing: Promise<boolean> | undefined;

  constructor(
    private readonly core: ExecutorCore,
    /** The close progress the executor keeps (what is left of each leg). */
    private readonly progress: () => CloseProgress | undefined,
  ) {}

  /** Signs the close in the background (after an open): failures only mean the close signs on the spot. */
  armInBackground(position: OpenPosition): void {
    const signing = this.prepare(position).finally(() => {
      if (this.signing === signing) this.signing = undefined;
    });
    this.signing = signing;
  }

  /**
   * The background signing in progress, to wait for before taking the armed set; undefined when none is (most
   * closes: then the close goes on in the same turn, with no promise hop before its orders).
   */
  inProgress(): Promise<boolean> | undefined {
    return this.signing;
  }

  /** The armed set of this position, handed over once: each armed order is sent at most once. */
  take(position: OpenPosition): ArmedSet | undefined {
    const armed = this.armed?.key === positionKey(position) ? this.armed : undefined;
    this.armed = undefined;
    return armed;
  }

  async prepare(position: OpenPosition, books?: CloseBooks): Promise<boolean> {
    const key = positionKey(position);
    if (this.armed?.key !== key) this.armed = { key };
    const target = this.armed;
    const [long, short] = await Promise.all(LEG_KEYS.map((leg) => this.signLeg(position, leg, books)));
    return this.arm(target, { long, short }) && long !== undefined && short !== undefined;
  }

  /** Re-signs armed orders that are missing, about to expire or no longer marketable. */
  async refresh(position: OpenPosition, books?: CloseBooks): Promise<boolean> {
    const key = positionKey(position);
    if (this.armed?.key !== key) this.armed = { key };
    const target = this.armed;
    const fresh: SignedOrders = {};
    await Promise.all(
      LEG_KEYS.map(async (leg) => {
        const existing = target[leg];
        const size = remainingSize(position, this.progress(), leg);
        const book = this.core.bookFor(legOf(position, leg).venue, books);
        const stale = existing === undefined || this.nearExpiry(existing) || !this.usable(existing, size, book) || this.capDrifted(existing, size, book);
        if (!stale) return;
        const next = await this.signLeg(position, leg, books);
        if (next !== undefined) fresh[leg] = next;
      }),
    );
    return this.arm(target, fresh);
  }

  /** An armed order is usable while it stays valid past the safety margin, matches the size, and is still marketable. */
  usable(order: PreparedOrder, size: number, book: OrderBook | undefined): boolean {
    if (order.validUntil - this.core.now() < this.core.settings.preparedSafetyMs) return false;
    if (Math.abs(order.request.size - size) > size * 1e-9) return false;
    const ref = closeReference(book, order.request.side, size);
    if (ref === undefined) return true;
    return order.request.side === 'SELL' ? order.request.price <= ref : order.request.price >= ref;
  }

  /**
   * Journals the close set with the newly signed orders ('close_armed') and only then holds them,
   * so an armed order can be sent before 'closing' is written. False when nothing was armed: the
   * set was taken by a close meanwhile, or the journal write failed (the exit then signs on the spot).
   */
  private arm(target: ArmedSet, fresh: SignedOrders): boolean {
    if (this.armed !== target || (fresh.long === undefined && fresh.short === undefined)) return false;
    const long = fresh.long ?? target.long;
    const short = fresh.short ?? target.short;
    const validUntil = Math.min(long?.validUntil ?? Number.POSITIVE_INFINITY, short?.validUntil ?? Number.POSITIVE_INFINITY);
    try {
      this.core.journal.journalOrThrow({
        kind: 'close_armed',
        pair: this.core.pair,
        time: this.core.now(),
        clientIds: { ...(long ? { long: long.request.clientId } : {}), ...(short ? { short: short.request.clientId } : {}) },
        ...lookupRefsOf(long, short),
        validUntil,
      });
    } catch {
      return false;
    }
    if (long !== undefined) target.long = long;
    if (short !== undefined) target.short = short;
    return true;
  }

  private async signLeg(position: OpenPosition, key: LegKey, books: CloseBooks | undefined): Promise<PreparedOrder | undefined> {
    const leg = legOf(position, key);
    const venue = this.core.venueById(leg.venue);
    if (venue === undefined) return undefined;
    const size = remainingSize(position, this.progress(), key);
    if (!(size > 0)) return undefined;
    const { slippagePct, fallbackCloseSlippagePct } = this.core.settings;
    const bookRef = closeReference(this.core.bookFor(leg.venue, books), leg.closeSide, size);
    const ref = bookRef ?? leg.entryPrice;
    const slip = bookRef !== undefined ? slippagePct : fallbackCloseSlippagePct;
    try {
      const spec = await venue.market(leg.symbol);
      const at = this.core.now();
      const request = reduceOnlyOrder(this.core.newClientId(), leg.symbol, leg.closeSide, size, capPrice(ref, leg.closeSide, slip, spec.tickSize));
      const order = await venue.prepareOrder(request);
      this.signingTime.set(order, at);
      return order;
    } catch {
      return undefined;
    }
  }

  /**
   * True when an armed order is close enough to its expiry to be re-signed: with less than
   * refreshAheadMs left, but measured against its own validity window (never in its first half, so
   * an order valid for 4 s is not re-signed at every once-a-second check) and never so late that it
   * would already be below the safety margin at the exit.
   */
  private nearExpiry(order: PreparedOrder): boolean {
    const { refreshAheadMs, preparedSafetyMs } = this.core.settings;
    const left = order.validUntil - this.core.now();
    const signedAt = this.signingTime.get(order);
    const lifetime = signedAt === undefined ? Number.POSITIVE_INFINITY : order.validUntil - signedAt;
    const ahead = Math.max(Math.min(refreshAheadMs, lifetime / 2), preparedSafetyMs);
    return left < ahead;
  }

  /** True when a book is known and the armed cap is more than one slippage width away from the cap it implies. */
  private capDrifted(order: PreparedOrder, size: number, book: OrderBook | undefined): boolean {
    const { slippagePct } = this.core.settings;
    const ref = closeReference(book, order.request.side, size);
    if (ref === undefined) return false;
    const wanted = capPrice(ref, order.request.side, slippagePct, 0);
    return Math.abs(order.request.price - wanted) > wanted * (slippagePct / 100);
  }
}
