/**
 * Contracts inside the simulated venues, so the market-data side (WS feeds, public REST) and the
 * trading side (auth, orders, positions, matching) can be built and mounted independently.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { OrderBook } from '../domain/order-book';
import type { VenueId } from '../domain/market';
import type { SimFundingState } from './funding-model';

export interface SimRequest {
  readonly method: string;
  /** Path without the query string, e.g. '/v1/orders'. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Raw request body ('' when none). */
  readonly body: string;
  /** Capture groups of the route's path pattern. */
  readonly params: readonly string[];
}

export interface SimResponse {
  readonly status: number;
  /** Serialised as JSON. */
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * The Starknet chain id the simulated Paradex serves in /system/config and checks signatures under
 * (Paradex mainnet's, so a client signs exactly as it would for the real venue).
 */
export const SIM_PARADEX_CHAIN_ID = 'PRIVATE_SN_PARACLEAR_MAINNET';

/** One REST route of a simulated venue. `handle` may throw; the server turns that into a 500. */
export interface SimRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the full path (anchor it). */
  readonly path: RegExp;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
}

/** What the trading side may read of the simulated market. */
export interface SimMarketView {
  /** The venue's current full book for a venue symbol (e.g. 'BTC-PERP' on vest, 'BTC-USD-PERP' on paradex). */
  book(venue: VenueId, symbol: string): OrderBook | undefined;
  /** Simulation clock, ms since epoch (wall clock unless a test injects one). */
  now(): number;
  /** Funding state of a venue symbol (rate per hour, cumulative index); absent when the sim serves none. */
  funding?(venue: VenueId, symbol: string): Readonly<SimFundingState> | undefined;
}

/** Static per-market rules the simulated venues serve (values from venues.md §1.7, §2.3). */
export interface SimMarketSpec {
  readonly base: string;
  /** Reference mid price the random walk starts from. */
  readonly refPrice: number;
  readonly paradex: {
    readonly symbol: string;
    readonly priceTick: number;
    readonly sizeIncrement: number;
    readonly minNotional: number;
    readonly maxOrderSize: number;
    readonly takerFee: number;
    readonly makerFee: number;
  };
  readonly vest: {
    readonly symbol: string;
    readonly priceDecimals: number;
    readonly sizeDecimals: number;
    readonly takerFee: number;
    readonly initMarginRatio: number;
    readonly maintMarginRatio: number;
  };
}

/** Paradex Pro taker base fee 0.045 %, maker 0.003 % (venues.md §1.7); Vest 1 bp (§2.3). */
export const SIM_MARKETS: readonly SimMarketSpec[] = [
  {
    base: 'BTC',
    refPrice: 95_000,
    paradex: { symbol: 'BTC-USD-PERP', priceTick: 0.1, sizeIncrement: 0.00001, minNotional: 10, maxOrderSize: 100, takerFee: 0.00045, makerFee: 0.00003 },
    vest: { symbol: 'BTC-PERP', priceDecimals: 2, sizeDecimals: 4, takerFee: 0.0001, initMarginRatio: 0.02, maintMarginRatio: 0.01 },
  },
  {
    base: 'ETH',
    refPrice: 3_500,
    paradex: { symbol: 'ETH-USD-PERP', priceTick: 0.01, sizeIncrement: 0.0001, minNotional: 10, maxOrderSize: 1_000, takerFee: 0.00045, makerFee: 0.00003 },
    vest: { symbol: 'ETH-PERP', priceDecimals: 2, sizeDecimals: 3, takerFee: 0.0001, initMarginRatio: 0.02, maintMarginRatio: 0.01 },
  },
  {
    base: 'SOL',
    refPrice: 180,
    paradex: { symbol: 'SOL-USD-PERP', priceTick: 0.001, sizeIncrement: 0.01, minNotional: 10, maxOrderSize: 100_000, takerFee: 0.00045, makerFee: 0.00003 },
    vest: { symbol: 'SOL-PERP', priceDecimals: 3, sizeDecimals: 2, takerFee: 0.0001, initMarginRatio: 0.05, maintMarginRatio: 0.025 },
  },
];

export function simMarket(base: string): SimMarketSpec | undefined {
  return SIM_MARKETS.find((m) => m.base === base);
}
