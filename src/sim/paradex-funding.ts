/**
 * The simulated Paradex's funding row (openapi `responses.FundingDataResult`), served by REST
 * `GET /v1/funding/data` and the `funding_data.{market}` channel. Pure.
 */
import type { SimFundingState } from './funding-model';
import type { SimBookSource } from './market-model';
import { encodeSbeMarketSummary, type SbeFundingDataInput } from './paradex-funding-sbe';
import { servedParadexSpec } from './paradex-feed';
import type { SimResponse, SimRoute } from './types';

/** Paradex quotes funding per `funding_period_hours` (8 in every market the sim serves). */
export const SIM_PARADEX_FUNDING_PERIOD_HOURS = 8;

/** `responses.FundingDataResult`: rates per funding period, the index in USD per unit of base, decimals as strings. */
export function paradexFundingRow(market: string, state: SimFundingState, createdAt: number): Record<string, unknown> {
  const perPeriod = state.ratePerHour * SIM_PARADEX_FUNDING_PERIOD_HOURS;
  return {
    market,
    created_at: createdAt,
    funding_index: state.index.toFixed(12),
    funding_premium: (state.premiumPerHour * SIM_PARADEX_FUNDING_PERIOD_HOURS).toFixed(12),
    funding_rate: perPeriod.toFixed(12),
    funding_rate_8h: (state.ratePerHour * 8).toFixed(12),
    funding_period_hours: SIM_PARADEX_FUNDING_PERIOD_HOURS,
  };
}

/** The row as the numbers an SBE FundingDataEvent carries (8 decimals on the wire). */
export function paradexFundingEvent(market: string, state: SimFundingState): Omit<SbeFundingDataInput, 'seq' | 'ts' | 'createdAt'> {
  return {
    market,
    fundingRate: state.ratePerHour * SIM_PARADEX_FUNDING_PERIOD_HOURS,
    fundingIndex: state.index,
    fundingPremium: state.premiumPerHour * SIM_PARADEX_FUNDING_PERIOD_HOURS,
    fundingRate8h: state.ratePerHour * 8,
    fundingPeriodHours: SIM_PARADEX_FUNDING_PERIOD_HOURS,
  };
}

export interface MarketSummaryFrameInput {
  readonly encoding: 'json' | 'sbe';
  readonly channel: string;
  readonly market: string;
  readonly seq: number;
  /** ms since epoch. */
  readonly ts: number;
  readonly mark: number;
  /** Per funding period. */
  readonly fundingRate: number;
  readonly bid: number;
  readonly ask: number;
}

/**
 * `markets_summary.{market}`: an SBE MarketSummaryEvent (template 4, 1:1 layout: the rate at 8 decimals and, as
 * `fundingRatePrecise`, at 12), or on a JSON session the `responses.MarketSummaryResp` row (decimal strings).
 */
export function marketSummaryFrame(i: MarketSummaryFrameInput): string | Uint8Array {
  if (i.encoding === 'sbe') return encodeSbeMarketSummary({ market: i.market, seq: i.seq, ts: i.ts * 1000, markPrice: i.mark, indexPrice: i.mark, lastPrice: i.mark, fundingRate: i.fundingRate, bid: i.bid, ask: i.ask });
  const row = { symbol: i.market, mark_price: String(i.mark), underlying_price: String(i.mark), last_traded_price: String(i.mark), bid: String(i.bid), ask: String(i.ask), funding_rate: i.fundingRate.toFixed(12), created_at: i.ts };
  return JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: i.channel, data: row } });
}

const resp = (body: unknown, status = 200): SimResponse => ({ status, body });

/** GET /v1/funding/data?market= */
export function paradexFundingRoute(source: SimBookSource): SimRoute {
  return {
    // The current row only: the sim keeps no history, so `next`/`prev` are null.
    method: 'GET',
    path: /^\/v1\/funding\/data$/,
    handle: (req) => {
      const market = req.query.get('market');
      if (market === null || market === '') return resp({ error: 'VALIDATION_ERROR', message: 'market is required' }, 400);
      const spec = servedParadexSpec(source, market);
      const state = spec ? source.funding?.('paradex', spec.base) : undefined;
      if (!spec || !state) return resp({ error: 'MARKET_NOT_FOUND', message: `market ${market} not found` }, 404);
      return resp({ next: null, prev: null, results: [paradexFundingRow(spec.paradex.symbol, state, source.updatedAt())] });
    },
  };
}
