/**
 * The simulated Vest's order and account objects as GET /v2/orders and GET /v2/account write them
 * (fields of the Vest docs' examples). Pure: ledger figures in, wire objects out.
 */
import { formatDecimal } from '../venues/decimal';
import { simMarketBySymbol, type AccountSummary, type PositionView } from './matching';

export type VestOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELLED' | 'REJECTED';

/** One order as GET /v2/orders reports it (fields of the Vest docs' example). */
export interface SimVestOrder {
  id: string;
  nonce: number;
  symbol: string;
  isBuy: boolean;
  orderType: 'MARKET' | 'LIMIT';
  limitPrice: string;
  markPrice: string | null;
  size: string;
  status: VestOrderStatus;
  reduceOnly: boolean;
  initMarginRatio: string;
  code: number | null;
  lastFilledSize: string | null;
  lastFilledPrice: string | null;
  lastFilledTime: number | null;
  avgFilledPrice: string | null;
  settledFunding: string | null;
  fees: string;
  realizedPnl: string | null;
  postTime: number;
  tpPrice: null;
  slPrice: null;
}

/** A position's funding as Vest reports it: the index at the last change, settled and unsettled USD. */
export interface VestPositionFunding {
  readonly entryFunding: number;
  readonly settledFunding: number;
  /** Accrued since the last change; Vest's unrealizedPnl includes it. */
  readonly unsettledUsd: number;
}

const NO_FUNDING: VestPositionFunding = { entryFunding: 0, settledFunding: 0, unsettledUsd: 0 };

function vestPositionView(p: PositionView, funding: VestPositionFunding): Record<string, unknown> {
  const spec = simMarketBySymbol('vest', p.symbol);
  const sizeDecimals = spec?.vest.sizeDecimals ?? 4;
  const priceDecimals = spec?.vest.priceDecimals ?? 2;
  const imr = spec?.vest.initMarginRatio ?? 0.1;
  const mmr = spec?.vest.maintMarginRatio ?? imr / 2;
  const mark = p.markPrice ?? p.entryPrice;
  const notional = Math.abs(p.size) * mark;
  return {
    symbol: p.symbol,
    isLong: p.size > 0,
    size: formatDecimal(Math.abs(p.size), sizeDecimals),
    entryPrice: formatDecimal(p.entryPrice, priceDecimals),
    entryFunding: formatDecimal(funding.entryFunding, 12),
    unrealizedPnl: formatDecimal(p.unrealisedPnl + funding.unsettledUsd, 6),
    settledFunding: formatDecimal(funding.settledFunding, 6),
    markPrice: formatDecimal(mark, priceDecimals),
    indexPrice: formatDecimal(mark, priceDecimals),
    liqPrice: null,
    initMargin: formatDecimal(notional * imr, 6),
    maintMargin: formatDecimal(notional * mmr, 6),
    initMarginRatio: formatDecimal(imr, 4),
  };
}

/** GET /v2/account: balances, margins and the open positions. */
export function vestAccountView(
  address: string,
  s: AccountSummary,
  positions: readonly PositionView[],
  at: number,
  fundingOf: (symbol: string, size: number) => VestPositionFunding = () => NO_FUNDING,
): Record<string, unknown> {
  return {
    address,
    balances: [{ asset: 'USDC', total: formatDecimal(s.balance, 6), locked: '0.000000' }],
    collateral: formatDecimal(s.balance, 6),
    withdrawable: formatDecimal(Math.max(0, s.freeCollateral), 6),
    totalAccountValue: formatDecimal(s.equity, 6),
    openOrderMargin: '0.000000',
    totalMaintMargin: formatDecimal(s.maintenanceMargin, 6),
    positions: positions.filter((p) => p.size !== 0).map((p) => vestPositionView(p, fundingOf(p.symbol, p.size))),
    leverages: [],
    lp: { balance: '0.000000', shares: '0.000000', unrealizedPnl: '0.000000' },
    time: at,
  };
}
