/**
 * The simulated Paradex's order and fill records: the order object as the API answers it (a subset of
 * openapi `responses.OrderResp`), what the engine keeps beside it, and the two ways an order changes:
 * an execution booked on it, or a close with a `cancel_reason`. Pure book-keeping: no clock, no I/O.
 */
import { decimalsOf, formatDecimal } from '../venues/decimal';
import type { Execution, MarketRules, RejectReason, Side } from './matching';

export type ParadexOrderStatus = 'NEW' | 'OPEN' | 'CLOSED';

/** The order object the sim answers with (a subset of openapi `responses.OrderResp`). */
export interface SimParadexOrder {
  id: string;
  account: string;
  client_id: string;
  market: string;
  side: Side;
  type: 'MARKET' | 'LIMIT';
  size: string;
  price: string;
  instruction: 'GTC' | 'IOC';
  flags: string[];
  status: ParadexOrderStatus;
  remaining_size: string;
  avg_fill_price: string;
  cancel_reason: string;
  created_at: number;
  last_updated_at: number;
  received_at: number;
  published_at: number;
  timestamp: number;
  seq_no: number;
  stp: string;
  trigger_price: string;
}

/** One fill as GET /fills reports it. */
export interface SimParadexFill {
  id: string;
  order_id: string;
  client_id: string;
  market: string;
  side: Side;
  size: string;
  price: string;
  fee: string;
  fee_currency: 'USDC';
  liquidity: 'TAKER' | 'MAKER';
  realized_pnl: string;
  created_at: number;
}

export interface OrderRecord {
  readonly wire: SimParadexOrder;
  readonly rules: MarketRules;
  /** Worst price the order may fill at; for a MARKET order it is set at settlement, from that mid. */
  worstPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly makerFee: number;
  /** receivedAt of the last book this order matched against. */
  lastBookAt: number | undefined;
  filledSize: number;
  filledNotional: number;
}

/** The venue's running counters: ids of orders and fills, and the sequence number of every change. */
export interface ParadexSequence {
  nextId: number;
  seqNo: number;
}

/** The `cancel_reason` of an order the risk check refuses when it settles. */
export const CANCEL_REASON: Partial<Record<RejectReason, string>> = {
  INSUFFICIENT_MARGIN: 'NOT_ENOUGH_MARGIN',
  REDUCE_ONLY_INCREASES: 'REDUCE_ONLY_WILL_INCREASE',
};

export function formatSize(value: number, rules: MarketRules): string {
  return formatDecimal(value, decimalsOf(rules.sizeIncrement), 'nearest');
}

export function formatPrice(value: number, rules: MarketRules): string {
  return formatDecimal(value, decimalsOf(rules.priceTick), 'nearest');
}

/** The fills an execution adds to an account's list. */
export function fillsOf(order: OrderRecord, exec: Execution, liquidity: 'TAKER' | 'MAKER', at: number, seq: ParadexSequence): SimParadexFill[] {
  const feeRate = liquidity === 'MAKER' ? order.makerFee : order.rules.takerFee;
  return exec.fills.map((f, i) => ({
    id: String(seq.nextId++),
    order_id: order.wire.id,
    client_id: order.wire.client_id,
    market: order.wire.market,
    side: order.wire.side,
    size: formatSize(f.size, order.rules),
    price: formatPrice(f.price, order.rules),
    fee: formatDecimal(f.size * f.price * feeRate, 6),
    fee_currency: 'USDC',
    liquidity,
    // The ledger realises PnL per order; it is reported on the order's first fill.
    realized_pnl: formatDecimal(i === 0 ? exec.realisedPnl : 0, 6),
    created_at: at,
  }));
}

/**
 * Books an execution on the order: filled size, remaining size, average price and status. A GTC LIMIT
 * remainder rests (OPEN); a taker remainder of anything else is closed REMAINING_IOC_CANCEL.
 */
export function applyExecution(order: OrderRecord, exec: Execution, liquidity: 'TAKER' | 'MAKER', at: number, seq: ParadexSequence): void {
  const { wire } = order;
  order.filledSize += exec.filledSize;
  order.filledNotional += exec.notional;
  const remaining = Math.max(0, Number(wire.size) - order.filledSize);
  wire.remaining_size = formatSize(remaining, order.rules);
  if (order.filledSize > 0) wire.avg_fill_price = formatPrice(order.filledNotional / order.filledSize, order.rules);
  const restable = wire.instruction === 'GTC' && wire.type === 'LIMIT';
  if (exec.remainingSize <= 0 || remaining <= 0) {
    wire.status = 'CLOSED';
  } else if (restable) {
    wire.status = 'OPEN';
  } else if (liquidity === 'TAKER') {
    wire.status = 'CLOSED';
    wire.cancel_reason = 'REMAINING_IOC_CANCEL';
  }
  wire.last_updated_at = at;
  wire.seq_no = seq.seqNo++;
}

export function closeOrder(order: OrderRecord, reason: string, at: number, seq: ParadexSequence): void {
  order.wire.status = 'CLOSED';
  order.wire.cancel_reason = reason;
  order.wire.last_updated_at = at;
  order.wire.seq_no = seq.seqNo++;
}
