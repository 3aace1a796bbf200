/**
 * The Vest order path's pure parts: a market's rules from exchangeInfo, an order request as Vest's signed-order
 * fields, a Vest order as an outcome, and the client id → nonce book that lets an order be found again (Vest
 * orders carry no client id).
 */
import { formatDecimal, roundToStep } from '../decimal';
import { orderRejected } from '../wire';
import type { MarketSpec, OrderOutcome, OrderRequest, OrderStatus } from '../venue';
import type { VestOrder, VestOrderBody, VestSymbolInfo } from './rest';

/** 1 bp (venues.md §2.3), used only when /exchangeInfo does not state a taker fee. */
export const VEST_DEFAULT_TAKER_FEE = 0.0001;

export function vestMarketSpec(symbol: string, info: VestSymbolInfo): MarketSpec {
  return {
    symbol,
    // '1e-4' parses to the double nearest 0.0001; 10 ** -4 does not.
    tickSize: Number(`1e-${info.priceDecimals}`),
    sizeIncrement: Number(`1e-${info.sizeDecimals}`),
    priceDecimals: info.priceDecimals,
    sizeDecimals: info.sizeDecimals,
    minNotional: info.minNotional ?? 0,
    takerFee: info.takerFee ?? VEST_DEFAULT_TAKER_FEE,
  };
}

/**
 * The fields Vest signs for a request, or why it cannot be sent. Size rounds down to the increment; the
 * limit price (the worst-price cap) rounds so a buy never pays above it and a sell never sells below it.
 * A GTC LIMIT rests (LIMIT + timeInForce GTC); anything else is a MARKET order capped at the price.
 */
export function vestOrderFields(
  request: OrderRequest,
  spec: MarketSpec,
  time: number,
  nonce: number,
): { readonly ok: true; readonly order: VestOrderBody['order']; readonly resting: boolean } | { readonly ok: false; readonly reason: string } {
  const sizeValue = roundToStep(request.size, spec.sizeIncrement, 'down');
  if (!(sizeValue > 0)) return { ok: false, reason: `size ${request.size} rounds to zero at increment ${spec.sizeIncrement}` };
  if (!Number.isFinite(request.price) || request.price <= 0) {
    return { ok: false, reason: `Vest orders need a positive limit price (worst-price cap), got ${request.price}` };
  }
  const size = formatDecimal(sizeValue, spec.sizeDecimals, 'down');
  const limitPrice = formatDecimal(roundToStep(request.price, spec.tickSize, request.side === 'BUY' ? 'down' : 'up'), spec.priceDecimals);
  const resting = request.type === 'LIMIT' && request.timeInForce === 'GTC';
  const order = {
    time,
    nonce,
    orderType: resting ? ('LIMIT' as const) : ('MARKET' as const),
    symbol: request.symbol,
    isBuy: request.side === 'BUY',
    size,
    limitPrice,
    reduceOnly: request.reduceOnly,
  };
  return { ok: true, order, resting };
}

/** A Vest order as the venue-neutral outcome. */
export function vestOutcome(order: VestOrder, clientId: string): OrderOutcome {
  if (order.status === 'REJECTED') {
    return orderRejected(clientId, `Vest rejected the order${order.code !== undefined ? ` (code ${order.code})` : ''}`, order.code);
  }
  // A MARKET order fills at once, so FILLED means the whole size; otherwise the last fill is all we know.
  const filledSize = order.status === 'FILLED' ? order.size : order.avgFilledPrice !== undefined ? (order.lastFilledSize ?? 0) : 0;
  const status: OrderStatus =
    order.status === 'FILLED'
      ? 'FILLED'
      : order.status === 'PARTIALLY_FILLED'
        ? 'PARTIALLY_FILLED'
        : order.status === 'CANCELLED'
          ? 'CANCELLED'
          : 'NEW';
  return {
    ok: true,
    clientId,
    orderId: order.id,
    status,
    filledSize,
    avgPrice: filledSize > 0 ? order.avgFilledPrice : undefined,
    feeUsd: order.fees ?? 0,
  };
}

export interface NonceAttempt {
  readonly nonce: number;
  readonly symbol: string;
}

/**
 * clientId → nonces it was sent with (a retry of the same client id gets a new nonce). The client remembers an
 * order as it sends it, not when it signs it: a signed order that was never sent is unknown to the venue. Orders
 * whose outcome is not final are kept up to `maxPending` (the oldest dropped past it); final ones stay findable
 * among the newest `maxFinal`, so a late lookup still finds them.
 */
export class ClientIdNonces {
  private readonly pending = new Map<string, NonceAttempt[]>();
  private readonly final = new Map<string, NonceAttempt[]>();

  constructor(
    private readonly maxPending: number,
    private readonly maxFinal: number,
  ) {}

  remember(clientId: string, attempt: NonceAttempt): void {
    const sent = this.pending.get(clientId) ?? this.final.get(clientId) ?? [];
    this.final.delete(clientId);
    sent.push(attempt);
    this.pending.delete(clientId); // re-insert as the newest
    this.pending.set(clientId, sent);
    trimOldest(this.pending, this.maxPending);
  }

  /** Records a final outcome (its nonces move to the final window); returns the outcome. */
  settled(outcome: OrderOutcome): OrderOutcome {
    const final = outcome.ok ? outcome.status !== 'NEW' && outcome.status !== 'OPEN' : !outcome.unknown;
    const sent = this.pending.get(outcome.clientId);
    if (final && sent !== undefined) {
      this.pending.delete(outcome.clientId);
      this.final.set(outcome.clientId, sent);
      trimOldest(this.final, this.maxFinal);
    }
    return outcome;
  }

  attempts(clientId: string): readonly NonceAttempt[] | undefined {
    return this.pending.get(clientId) ?? this.final.get(clientId);
  }
}

/** Drops a Map's oldest entries (insertion order) until it holds at most `max`. */
function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  for (const oldest of map.keys()) {
    if (map.size <= max) return;
    map.delete(oldest);
  }
}
