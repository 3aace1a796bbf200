/**
 * `vest-paradex-arb/venues`: the venue clients an embedding app builds `arbitrageBot`'s `venues` and its
 * own book feeds from. Each client speaks its venue's real protocol; pointing it elsewhere (the simulated
 * venues of `vest-paradex-arb/sim`, a testnet) changes only its URLs and keys.
 *
 * Without `restUrl`/`wsUrl` a client reaches the production hosts; without keys it is read-only (markets and
 * book feeds; order methods answer 'no credentials').
 */
export type {
  BookFeed,
  FeedStats,
  MarketSpec,
  OrderAccepted,
  OrderOutcome,
  OrderRejected,
  OrderRequest,
  OrderStatus,
  PreparedOrder,
  Side,
  Venue,
  VenueId,
  VenuePosition,
} from './venue';
export type { VenueLogger } from './http';
export type { FeedLogger } from './ws-connection';

// Vest: REST + JSON WebSocket, EIP-712 order signatures.
export { createVestVenue, VEST_DEFAULT_TAKER_FEE, VEST_PROD_REST, VEST_PROD_WS } from './vest/venue';
export type { VestKeys, VestVenue, VestVenueOptions } from './vest/venue';
export { vestBook$, vestBookFeed } from './vest/book-client';
export type { VestBookOptions } from './vest/book-client';

// Paradex: REST + SBE (or JSON) WebSocket, Stark order signatures.
export { createParadexVenue, PARADEX_DEFAULT_TAKER_FEE, PARADEX_PROD_REST, PARADEX_PROD_WS } from './paradex/venue';
export type { ParadexVenue, ParadexVenueOptions } from './paradex/venue';
export { paradexBook$, paradexBookFeed } from './paradex/book-client';
export type { ParadexBookOptions, ParadexEncoding } from './paradex/book-client';
export type { ParadexAccount } from './paradex/signing';

// Paper trading: real public feeds, fills simulated at the book's VWAP plus the taker fee; no order leaves.
export { createPaperVenue } from './paper-venue';
export type { PaperVenueOptions } from './paper-venue';

// Both clients against simulated venues (`vest-paradex-arb/sim`, or `npm run venues` in another process).
export { createSimVenueClients, newSimKeys, parseSimVenueUrls } from './sim-connect';
export type { SimClientOptions, SimKeys, SimVenueUrls } from './sim-connect';
