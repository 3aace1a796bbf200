/**
 * The simulated Paradex's public REST (venues.md §1.2, §1.7): markets, system config and time, and
 * the order book snapshot. Read-only views of the market model.
 */
import type { Level } from '../domain/order-book';
import { decimalsOfStep, plainDecimal, type SimBookSource } from './market-model';
import { SIM_PARADEX_FUNDING_PERIOD_HOURS, paradexFundingRoute } from './paradex-funding';
import { servedParadexSpec } from './paradex-feed';
import { SIM_PARADEX_CHAIN_ID, simMarket, type SimMarketSpec, type SimResponse, type SimRoute } from './types';

const REST_DEFAULT_DEPTH = 20;

/** GET /v1/markets, /v1/system/config, /v1/system/time, /v1/orderbook/{market}. */
export function paradexPublicRoutes(source: SimBookSource): SimRoute[] {
  const json = (body: unknown, status = 200): SimResponse => ({ status, body });
  return [
    {
      method: 'GET',
      path: /^\/v1\/markets$/,
      handle: (req) => {
        const only = req.query.get('market');
        const results = source.bases
          .map((b) => simMarket(b)!)
          .filter((s) => only === null || s.paradex.symbol === only)
          .map(marketResp);
        return json({ results });
      },
    },
    { method: 'GET', path: /^\/v1\/system\/config$/, handle: () => json(SYSTEM_CONFIG) },
    paradexFundingRoute(source),
    // A decimal string of ms, as the venue sends it (paradex-py's fetch_system_time docstring: { "server_time": "1710956478221" }).
    { method: 'GET', path: /^\/v1\/system\/time$/, handle: () => json({ server_time: String(source.now()) }) },
    {
      method: 'GET',
      path: /^\/v1\/orderbook\/([^/]+)$/,
      handle: (req) => {
        const spec = servedParadexSpec(source, req.params[0] ?? '');
        if (!spec) {
          return json({ error: 'MARKET_NOT_FOUND', message: `market ${req.params[0]} not found` }, 404);
        }
        const depthParam = req.query.get('depth');
        const depth = depthParam === null ? REST_DEFAULT_DEPTH : Number(depthParam);
        if (!Number.isInteger(depth) || depth < 1) return json({ error: 'VALIDATION_ERROR', message: 'depth must be a positive integer' }, 400);
        const book = source.paradexBook(spec.base);
        const pd = decimalsOfStep(spec.paradex.priceTick);
        const sd = decimalsOfStep(spec.paradex.sizeIncrement);
        const pair = (l: Level): [string, string] => [plainDecimal(l.price, pd), plainDecimal(l.size, sd)];
        const bestBid = book.bids[0];
        const bestAsk = book.asks[0];
        return json({
          market: spec.paradex.symbol,
          seq_no: source.paradexSeq(spec.base),
          last_updated_at: source.updatedAt(),
          bids: book.bids.slice(0, depth).map(pair),
          asks: book.asks.slice(0, depth).map(pair),
          best_bid_api: bestBid ? pair(bestBid) : null,
          best_ask_api: bestAsk ? pair(bestAsk) : null,
          best_bid_interactive: bestBid ? pair(bestBid) : null,
          best_ask_interactive: bestAsk ? pair(bestAsk) : null,
        });
      },
    },
  ];
}

/** `responses.MarketResp` as the real API serves it: decimals as strings, times and counts as numbers. */
function marketResp(spec: SimMarketSpec): Record<string, unknown> {
  const p = spec.paradex;
  return {
    symbol: p.symbol,
    base_currency: spec.base,
    quote_currency: 'USD',
    settlement_currency: 'USDC',
    order_size_increment: plainDecimal(p.sizeIncrement, decimalsOfStep(p.sizeIncrement)),
    price_tick_size: plainDecimal(p.priceTick, decimalsOfStep(p.priceTick)),
    min_notional: String(p.minNotional),
    open_at: 1_698_756_879_745,
    expiry_at: 0,
    asset_kind: 'PERP',
    market_kind: 'cross',
    position_limit: String(p.maxOrderSize * 20),
    price_bands_width: '0.05',
    max_slippage: '0.05',
    max_open_orders: 150,
    max_funding_rate: '0.05',
    delta1_cross_margin_params: { imf_base: '0.02', imf_shift: '0', imf_factor: '0', mmf_factor: '0.5' },
    price_feed_id: `0x${Buffer.from(spec.base).toString('hex').padEnd(64, '0')}`,
    oracle_ewma_factor: '0.2',
    max_order_size: String(p.maxOrderSize),
    max_funding_rate_change: '0.0005',
    max_tob_spread: '0.2',
    interest_rate: '0.0001',
    clamp_rate: '0.0005',
    funding_period_hours: SIM_PARADEX_FUNDING_PERIOD_HOURS,
    tags: [],
  };
}

const SYSTEM_CONFIG = {
  starknet_gateway_url: 'http://127.0.0.1/sim-starknet-gateway',
  starknet_fullnode_rpc_url: 'http://127.0.0.1/sim-starknet-rpc',
  starknet_chain_id: SIM_PARADEX_CHAIN_ID,
  block_explorer_url: 'http://127.0.0.1/sim-explorer/',
  paraclear_address: '0x4638e3041366aa71720be63e32e53e1223316c7f0d56f7aa617542ed1e7554d',
  paraclear_decimals: 8,
  paraclear_account_proxy_hash: '0x3530cc4759d78042f1b543bf797f5f3d647cde0388c33734cf91b7f7b9314a9',
  paraclear_account_hash: '0x41cb0280ebadaa75f996d8d92c6f265f6d040bb3ba442e5f86a554f1765244e',
  oracle_address: '0x47c622ef6bf8ee1d1d6b3f4e7ba8fe2bd3dfd3b6b0fc6c5f2dcd6aa6cfc3c9f',
  bridged_tokens: [
    {
      name: 'USDC',
      symbol: 'USDC',
      decimals: 6,
      l1_token_address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
      l1_bridge_address: '0xE3cbE3A636AB6A754e9e41B12b09d09Ce9E53Db3',
      l2_token_address: '0x7348407ebad690fec0cc8597e87dc16ef7b269a655ff72587dafff83d462be2',
      l2_bridge_address: '0x21fe8e4a8b5d4e0a55fbc2b4b9e4a14d4a5f2e0c0a8e5a1b1e3c7e3d5e1b9a1',
    },
  ],
  l1_core_contract_address: '0xF338cad020D506e8e3d9B4854986E0EcE6C23640',
  l1_operator_address: '0x9bc6ebc1f4e01b5b2b5f2aba3c0d5e30d1f4fb9b',
  l1_chain_id: '1',
  liquidation_fee: '0.2',
};
