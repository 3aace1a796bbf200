/**
 * The simulated Vest's public REST (venues.md §2.3): /v2/depth and /v2/exchangeInfo, read-only views of
 * the market model.
 */
import type { SimBookSource } from './market-model';
import { simMarket, type SimMarketSpec, type SimResponse, type SimRoute } from './types';
import { vestPair } from './vest-frames';

const REST_DEFAULT_DEPTH = 20;
const REST_MAX_DEPTH = 100;
const REST_MAX_HISTORY = 1_000;

/** The spec of a Vest symbol this sim serves ('BTC-PERP'), else undefined. */
export function servedVestSpec(source: SimBookSource, symbol: string): SimMarketSpec | undefined {
  const base = symbol.endsWith('-PERP') && !symbol.endsWith('-USD-PERP') ? symbol.slice(0, -'-PERP'.length) : undefined;
  return base !== undefined && source.bases.includes(base) ? simMarket(base) : undefined;
}

/** GET /v2/depth and /v2/exchangeInfo. */
export function vestPublicRoutes(source: SimBookSource): SimRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/v2\/depth$/,
      handle: (req): SimResponse => {
        const spec = servedVestSpec(source, req.query.get('symbol') ?? '');
        if (!spec) return { status: 400, body: { code: 400, msg: `unknown symbol ${JSON.stringify(req.query.get('symbol'))}` } };
        const limitParam = req.query.get('limit');
        const limit = limitParam === null ? REST_DEFAULT_DEPTH : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > REST_MAX_DEPTH) {
          return { status: 400, body: { code: 400, msg: `limit must be an integer in 1..${REST_MAX_DEPTH}` } };
        }
        const book = source.vestBook(spec.base);
        const pair = vestPair(spec);
        return { status: 200, body: { bids: book.bids.slice(0, limit).map(pair), asks: book.asks.slice(0, limit).map(pair) } };
      },
    },
    vestTickerRoute(source),
    vestFundingHistoryRoute(source),
    {
      method: 'GET',
      path: /^\/v2\/exchangeInfo$/,
      handle: (req): SimResponse => {
        const only = req.query.get('symbols')?.split(',').filter((s) => s !== '');
        const symbols = source.bases
          .map((b) => simMarket(b)!)
          .filter((s) => !only || only.includes(s.vest.symbol))
          .map((s) => ({
            symbol: s.vest.symbol,
            displayName: `${s.base}-PERP`,
            base: s.base,
            quote: 'USDC',
            sizeDecimals: s.vest.sizeDecimals,
            priceDecimals: s.vest.priceDecimals,
            initMarginRatio: String(s.vest.initMarginRatio),
            maintMarginRatio: String(s.vest.maintMarginRatio),
            takerFee: String(s.vest.takerFee),
            isolated: false,
          }));
        return {
          status: 200,
          body: {
            symbols,
            exchange: { lp: '0x0000000000000000000000000000000000000001', insurance: '0x0000000000000000000000000000000000000002', collateralDecimals: 6 },
          },
        };
      },
    },
  ];
}

/** One `tickers` entry (REST /ticker/latest and the WS `tickers` channel): rate per hour, cumulative index. */
export function vestTicker(spec: SimMarketSpec, source: SimBookSource): Record<string, unknown> | undefined {
  const state = source.funding?.('vest', spec.base);
  if (!state) return undefined;
  const book = source.vestBook(spec.base);
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  const mark = bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (bid ?? ask ?? spec.refPrice);
  const price = mark.toFixed(spec.vest.priceDecimals);
  return {
    symbol: spec.vest.symbol,
    markPrice: price,
    indexPrice: price,
    imbalance: '0',
    oneHrFundingRate: state.ratePerHour.toFixed(12),
    cumFunding: state.index.toFixed(12),
    priceChange: '0',
    priceChangePercent: '0',
    status: 'TRADING',
  };
}

/**
 * GET /funding/history?symbol=&startTime=&endTime=&limit=: the completed funding hours, oldest first, as
 * `[{symbol, time, oneHrFundingRate}]` (venues.md §2.3: hourly rates; the row shape is a third-party client's
 * reading, the Vest page lists the endpoint only). Each row is the hour's time-weighted mean of the rate the index
 * accrued at, so at a flat price Σ rate × price = the index's growth over those hours (cumFunding).
 */
function vestFundingHistoryRoute(source: SimBookSource): SimRoute {
  return {
    method: 'GET',
    path: /^\/v2\/funding\/history$/,
    handle: (req): SimResponse => {
      const spec = servedVestSpec(source, req.query.get('symbol') ?? '');
      if (!spec) return { status: 400, body: { code: 1121, msg: `BAD_SYMBOL ${JSON.stringify(req.query.get('symbol'))}` } };
      const bound = (name: string, fallback: number): number | undefined => {
        const raw = req.query.get(name);
        const n = raw === null ? fallback : Number(raw);
        return Number.isFinite(n) && n >= 0 ? n : undefined;
      };
      const startTime = bound('startTime', 0);
      const endTime = bound('endTime', Number.MAX_SAFE_INTEGER);
      const limit = bound('limit', REST_MAX_HISTORY);
      if (startTime === undefined || endTime === undefined || limit === undefined || !Number.isInteger(limit) || limit < 1) {
        return { status: 400, body: { code: 400, msg: 'startTime and endTime must be ms >= 0, limit an integer >= 1' } };
      }
      const rows = (source.fundingHistory?.('vest', spec.base) ?? [])
        .filter((h) => h.time >= startTime && h.time <= endTime)
        .slice(-Math.min(limit, REST_MAX_HISTORY))
        .map((h) => ({ symbol: spec.vest.symbol, time: h.time, oneHrFundingRate: h.oneHrFundingRate.toFixed(12) }));
      return { status: 200, body: rows };
    },
  };
}

/** GET /ticker/latest[?symbols=A,B]: every served market's ticker, funding fields included. */
function vestTickerRoute(source: SimBookSource): SimRoute {
  return {
    method: 'GET',
    path: /^\/v2\/ticker\/latest$/,
    handle: (req): SimResponse => {
      const only = req.query.get('symbols')?.split(',').filter((s) => s !== '');
      const unknown = only?.find((s) => !servedVestSpec(source, s));
      if (unknown !== undefined) return { status: 400, body: { code: 1121, msg: `BAD_SYMBOL ${JSON.stringify(unknown)}` } };
      const tickers = source.bases
        .map((b) => simMarket(b)!)
        .filter((s) => !only || only.includes(s.vest.symbol))
        .map((s) => vestTicker(s, source))
        .filter((t) => t !== undefined);
      return { status: 200, body: { tickers } };
    },
  };
}
