/**
 * The simulated Paradex's account views as its API writes them: GET /positions results and GET /account.
 * Pure: ledger figures in, wire objects out.
 */
import { decimalsOf, formatDecimal } from '../venues/decimal';
import { paradexRules, simMarketBySymbol, type AccountSummary, type PositionView } from './matching';

/** `unsettledFunding(symbol, size)`: funding accrued since the position last changed, USD (positive = received). */
export function paradexPositionsView(
  account: string,
  positions: readonly PositionView[],
  leverage: number,
  at: number,
  seqNo: number,
  unsettledFunding: (symbol: string, size: number) => number = () => 0,
): Record<string, unknown>[] {
  return positions.map((p) => {
    const spec = simMarketBySymbol('paradex', p.symbol);
    const rules = spec ? paradexRules(spec, leverage) : undefined;
    const fmtSize = (v: number): string => (rules ? formatDecimal(v, decimalsOf(rules.sizeIncrement)) : String(v));
    return {
      id: `${account}-${p.symbol}`,
      account,
      market: p.symbol,
      status: p.size === 0 ? 'CLOSED' : 'OPEN',
      side: p.size < 0 ? 'SHORT' : 'LONG',
      size: fmtSize(p.size),
      average_entry_price: formatDecimal(p.entryPrice, 8),
      average_entry_price_usd: formatDecimal(p.entryPrice, 8),
      unrealized_pnl: formatDecimal(p.unrealisedPnl, 6),
      unrealized_funding_pnl: formatDecimal(unsettledFunding(p.symbol, p.size), 6),
      realized_positional_pnl: formatDecimal(p.realisedPnl, 6),
      cost: formatDecimal(p.size * p.entryPrice, 6),
      leverage: String(leverage),
      liquidation_price: '',
      last_updated_at: at,
      seq_no: seqNo,
    };
  });
}

export function paradexAccountView(account: string, s: AccountSummary, at: number, seqNo: number): Record<string, unknown> {
  return {
    account,
    account_value: formatDecimal(s.equity, 6),
    total_collateral: formatDecimal(s.equity, 6),
    free_collateral: formatDecimal(s.freeCollateral, 6),
    initial_margin_requirement: formatDecimal(s.initialMargin, 6),
    maintenance_margin_requirement: formatDecimal(s.maintenanceMargin, 6),
    margin_cushion: formatDecimal(s.equity - s.maintenanceMargin, 6),
    settlement_asset: 'USDC',
    status: 'ACTIVE',
    updated_at: at,
    seq_no: seqNo,
  };
}
