/**
 * Vest as a `Venue` (venues.md §2.1, §2.3–2.6).
 *
 * Order policy (decided here, relied on by the executor):
 * - Vest is taker-only and has no IOC: MARKET requests, and LIMIT IOC requests, go out as MARKET
 *   orders whose limitPrice is the worst-price cap. Every Vest order carries a positive
 *   limitPrice — the original bot's close sent none and was rejected live; this client refuses
 *   to build such an order.
 * - LIMIT GTC requests go out as LIMIT with timeInForce GTC.
 * - size and limitPrice are formatted once with the market's decimals, and those exact strings
 *   are both signed and sent.
 *
 * Client ids: Vest orders have no client id field. The nonce (the signing time in ms, made
 * strictly increasing) stands in for it: this client remembers clientId → nonces and
 * `orderByClientId` looks orders up with GET /orders?nonce=. That memory lives in this process
 * only, so a prepared order also carries its nonce as `lookupRef`: journalled with the client id
 * (the executor does for armed closes), it finds the order from a new process too.
 *
 * Fills: POST /orders answers only an id, so the fill is read from GET /orders?id= (polled
 * briefly until FILLED / CANCELLED / REJECTED): avgFilledPrice, size and fees (which include
 * Vest's risk premium or rebate).
 */
import { venueSymbol } from '../../domain/market';
import { keepConnectionWarm, KEEP_WARM_MS, type FetchLike, type RestResult, type VenueLogger } from '../http';
import { errorText } from '../../logging/redact';
import { createSleeper, orderFailure, orderRejected } from '../wire';
import type {
  MarketSpec,
  OrderOutcome,
  OrderRequest,
  PreparedOrder,
  Venue,
  VenuePosition,
} from '../venue';
import { assertPrivateKey } from '../../domain/keys';
import { vestBookFeed, type VestBookOptions } from './book-client';
import { createVestRest, type VestOrder, type VestOrderBody } from './rest';
import { ClientIdNonces, vestMarketSpec, vestOrderFields, vestOutcome } from './orders';
import { signVestOrder, signVestSignerProof, vestAddressOf, VEST_VERIFYING_CONTRACT } from './signing';

type Hex = `0x${string}`;

export const VEST_PROD_REST = 'https://server-prod.hz.vestmarkets.com/v2';
export const VEST_PROD_WS = 'wss://ws-prod.hz.vestmarkets.com/ws-api?version=1.0';
export { VEST_DEFAULT_TAKER_FEE } from './orders';

export interface VestKeys {
  /** Funds key; only needed to register the signing key when no apiKey is given. */
  readonly primaryKey?: Hex;
  /** Delegated key that signs orders. */
  readonly signingKey: Hex;
  /** From a previous POST /register; obtained at first use when absent. */
  readonly apiKey?: string;
}

export interface VestVenueOptions {
  readonly restUrl?: string;
  /** Without the server selector; `&xwebsocketserver=restserver{group}` is appended when missing. */
  readonly wsUrl?: string;
  readonly accountGroup?: number;
  /** Further book-feed settings (staleAfterMs, reconnect, ping, depth...). */
  readonly bookFeedOptions?: Omit<VestBookOptions, 'symbol' | 'wsUrl' | 'now' | 'logger'>;
  /** Absent = read-only (markets, feeds); order methods answer 'no credentials'. */
  readonly keys?: VestKeys;
  /** Which verifying contract the SignerProof names. Default 'prod'. */
  readonly network?: 'prod' | 'dev';
  /** How long a registered signing key stays approved. Default 7 days (as the docs' example). */
  readonly signerExpiryMs?: number;
  readonly requestTimeoutMs?: number;
  /** recvWindow sent with orders; a prepared order is good for this long after signing. */
  readonly recvWindowMs?: number;
  /** How long to poll an order that is not final yet. */
  readonly fillWaitMs?: number;
  readonly pollIntervalMs?: number;
  /**
   * Every this many ms a light public request (GET /exchangeInfo for the markets in use) keeps open
   * the keep-alive connection orders use, so an order after a quiet spell does not pay a new
   * handshake. Default KEEP_WARM_MS (3 s) with keys, off without them; 0 = off.
   */
  readonly keepWarmMs?: number;
  readonly now?: () => number;
  readonly logger?: VenueLogger;
  readonly fetch?: FetchLike;
  /**
   * Client ids remembered for orderByClientId while their orders are not final; default 1 000.
   * Final ones stay findable in a window of min(256, this) most recent.
   */
  readonly rememberedClientIds?: number;
}

export interface VestVenue extends Venue {
  readonly id: 'vest';
  /** The API key in use, registering the signing key first when needed. Rejects on failure. */
  ensureApiKey(): Promise<void>;
}

type PreparedWire =
  | { readonly kind: 'signed'; readonly body: VestOrderBody }
  | { readonly kind: 'failed'; readonly reason: string };

const SEND_SAFETY_MS = 1_000;
/** Client ids of orders not known final (an unknown outcome is kept until looked up or evicted). */
const MAX_PENDING_CLIENT_IDS = 1_000;
/** Final orders still findable by client id (late lookups after a lost reply). */
const RECENT_FINAL_CLIENT_IDS = 256;
const FINAL_STATUSES = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

export function createVestVenue(options: VestVenueOptions = {}): VestVenue {
  const now = options.now ?? Date.now;
  const recvWindowMs = options.recvWindowMs ?? 5_000;
  const fillWaitMs = options.fillWaitMs ?? 2_000;
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  const keys = options.keys;
  // Refused here, before viem sees them: its own refusal would print the key.
  if (keys) {
    assertPrivateKey(keys.signingKey, 'secp256k1', 'Vest signing key');
    if (keys.primaryKey !== undefined) assertPrivateKey(keys.primaryKey, 'secp256k1', 'Vest primary key');
  }
  const logger = options.logger;
  const shutdown = new AbortController();
  let accountGroup = options.accountGroup ?? 0;

  const rest = createVestRest({
    restUrl: options.restUrl ?? VEST_PROD_REST,
    accountGroup: () => accountGroup,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    fetch: options.fetch,
    signal: shutdown.signal,
  });
  const wsUrl = withServerSelector(options.wsUrl ?? VEST_PROD_WS, () => accountGroup);

  // The feeds read the REST book on connections of their own (a client with its own signal has its
  // own keep-alive agent), so a probe in flight never holds the connection an order is about to use.
  const feedShutdown = new AbortController();
  const feedRest = createVestRest({
    restUrl: options.restUrl ?? VEST_PROD_REST,
    accountGroup: () => accountGroup,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    fetch: options.fetch,
    signal: feedShutdown.signal,
  });
  const probeDepth = (symbol: string) => async () => {
    const r = await feedRest.depth(symbol);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  const specs = new Map<string, Promise<MarketSpec>>();
  if (keys) {
    // Nothing to keep warm before a market is in use; then only those symbols, not the whole list.
    const ping = async (): Promise<unknown> => (specs.size > 0 ? rest.exchangeInfo([...specs.keys()]) : undefined);
    keepConnectionWarm(ping, options.keepWarmMs ?? KEEP_WARM_MS, shutdown.signal);
  }
  const prepared = new WeakMap<PreparedOrder, PreparedWire>();
  const maxPending = Math.max(1, options.rememberedClientIds ?? MAX_PENDING_CLIENT_IDS);
  const nonces = new ClientIdNonces(maxPending, Math.min(RECENT_FINAL_CLIENT_IDS, maxPending));
  const settled = (outcome: OrderOutcome): OrderOutcome => nonces.settled(outcome);
  const { sleep, cancelAll: cancelSleeps } = createSleeper();
  let lastNonce = 0;

  let apiKeyPromise: Promise<string> | undefined = keys?.apiKey !== undefined ? Promise.resolve(keys.apiKey) : undefined;
  const apiKey = (): Promise<string> => {
    if (!keys) return Promise.reject(new Error('no credentials'));
    apiKeyPromise ??= register(keys).catch((error: unknown) => {
      apiKeyPromise = undefined;
      throw error;
    });
    return apiKeyPromise;
  };

  const register = async (k: VestKeys): Promise<string> => {
    if (k.primaryKey === undefined) throw new Error('Vest needs an apiKey or the primary key to register one');
    const signingAddr = vestAddressOf(k.signingKey, 'Vest signing key').toLowerCase() as Hex;
    const expiryTime = now() + (options.signerExpiryMs ?? 7 * 24 * 3_600_000);
    const signature = await signVestSignerProof(
      { signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT[options.network ?? 'prod'] },
      k.primaryKey,
    );
    const r = await rest.register({
      signingAddr,
      primaryAddr: vestAddressOf(k.primaryKey, 'Vest primary key').toLowerCase(),
      signature,
      expiryTime,
      networkType: 0,
    });
    if (!r.ok) throw new Error(`Vest register failed: ${r.error.message}`);
    // accGroup selects the server shard every later request must name.
    if (r.value.accGroup !== undefined) accountGroup = r.value.accGroup;
    return r.value.apiKey;
  };

  const withKey = async <T>(call: (key: string) => Promise<RestResult<T>>): Promise<RestResult<T>> => {
    let key: string;
    try {
      key = await apiKey();
    } catch (error) {
      return { ok: false, error: { kind: 'unreachable', message: errorText(error) } };
    }
    return call(key);
  };

  const market = (symbol: string): Promise<MarketSpec> => {
    let spec = specs.get(symbol);
    if (!spec) {
      spec = rest.exchangeInfo([symbol]).then((r) => {
        if (!r.ok) throw new Error(`Vest exchangeInfo unavailable: ${r.error.message}`);
        const info = r.value.find((s) => s.symbol === symbol);
        if (!info) throw new Error(`Vest has no market ${symbol}`);
        return vestMarketSpec(symbol, info);
      });
      spec.catch(() => specs.delete(symbol));
      specs.set(symbol, spec);
    }
    return spec;
  };

  /** The signing time, nudged forward so two orders in the same ms still get distinct nonces. */
  const nextNonce = (time: number): number => {
    lastNonce = Math.max(time, lastNonce + 1);
    return lastNonce;
  };

  const prepareWire = async (request: OrderRequest, time: number): Promise<PreparedWire> => {
    if (!keys) return { kind: 'failed', reason: 'no credentials' };
    try {
      const spec = await market(request.symbol);
      const fields = vestOrderFields(request, spec, time, nextNonce(time));
      if (!fields.ok) return { kind: 'failed', reason: fields.reason };
      const { order, resting } = fields;
      const signature = await signVestOrder(order, keys.signingKey);
      nonces.remember(request.clientId, { nonce: order.nonce, symbol: request.symbol });
      return {
        kind: 'signed',
        body: { order: resting ? { ...order, timeInForce: 'GTC' } : order, recvWindow: recvWindowMs, signature },
      };
    } catch (error) {
      return { kind: 'failed', reason: errorText(error) };
    }
  };

  const prepareOrder = async (request: OrderRequest): Promise<PreparedOrder> => {
    const time = now();
    // Register (if needed) ahead of the send; failures surface at submit.
    if (keys) void apiKey().catch(() => undefined);
    const wire = await prepareWire(request, time);
    const order: PreparedOrder = {
      venue: 'vest',
      request,
      validUntil: time + recvWindowMs - Math.min(SEND_SAFETY_MS, recvWindowMs / 4),
      ...(wire.kind === 'signed' ? { lookupRef: String(wire.body.order.nonce) } : {}),
    };
    prepared.set(order, wire);
    return order;
  };

  const readOrder = async (query: { id?: string; nonce?: number; symbol?: string }): Promise<RestResult<VestOrder | undefined>> => {
    const r = await withKey((key) => rest.orders(key, query, now()));
    if (!r.ok) return r;
    const match = r.value.find((o) => (query.id === undefined || o.id === query.id) && (query.nonce === undefined || o.nonce === query.nonce));
    return { ok: true, value: match };
  };

  /**
   * Reads the order until it is final or the wait is over; undefined if it could never be read.
   * A MARKET order executes once against Vest's pool, so PARTIALLY_FILLED is final for it; a
   * resting LIMIT order is read once.
   */
  const awaitFinal = async (orderId: string, resting: boolean): Promise<VestOrder | undefined> => {
    let last: VestOrder | undefined;
    const isFinal = (o: VestOrder): boolean => resting || FINAL_STATUSES.has(o.status) || o.status === 'PARTIALLY_FILLED';
    for (let waited = 0; !shutdown.signal.aborted; waited += pollIntervalMs) {
      const r = await readOrder({ id: orderId });
      if (r.ok && r.value) last = r.value;
      if ((last && isFinal(last)) || waited >= fillWaitMs) break;
      await sleep(pollIntervalMs);
    }
    return last;
  };

  const submitOrder = async (order: PreparedOrder): Promise<OrderOutcome> => settled(await submitSigned(order));

  const submitSigned = async (order: PreparedOrder): Promise<OrderOutcome> => {
    const clientId = order.request.clientId;
    try {
      const wire = prepared.get(order) ?? (await prepareWire(order.request, now()));
      if (wire.kind === 'failed') return orderRejected(clientId, wire.reason);
      if (now() > order.validUntil) return orderRejected(clientId, 'prepared order expired before it was sent');
      const posted = await withKey((key) => rest.postOrder(key, wire.body));
      if (!posted.ok) {
        const outcome = orderFailure(clientId, posted.error);
        logger?.warn('Vest order not accepted', { clientId, reason: outcome.reason, code: outcome.code, unknown: outcome.unknown });
        return outcome;
      }
      const final = await awaitFinal(posted.value.id, wire.body.order.orderType === 'LIMIT');
      if (!final) {
        // Accepted, but its state could not be read: report it as not final so the caller looks it up.
        return { ok: true, clientId, orderId: posted.value.id, status: 'NEW', filledSize: 0, avgPrice: undefined, feeUsd: 0 };
      }
      const outcome = vestOutcome(final, clientId);
      if (!outcome.ok) logger?.warn('Vest order rejected', { clientId, reason: outcome.reason, code: outcome.code });
      return outcome;
    } catch (error) {
      // Unreachable by construction; kept so the promise can never reject.
      return { ok: false, clientId, reason: errorText(error), unknown: true };
    }
  };

  const requireOk = <T>(r: RestResult<T>, what: string): T => {
    if (!r.ok) throw new Error(`Vest ${what} failed: ${r.error.message}`);
    return r.value;
  };

  return {
    id: 'vest',
    symbolFor: (pair) => venueSymbol('vest', pair),
    market,
    bookFeed(symbol) {
      const feed = vestBookFeed({ probeDepth: probeDepth(symbol), ...options.bookFeedOptions, symbol, wsUrl: wsUrl(), now, logger });
      return feed;
    },
    prepareOrder,
    submitOrder,
    async placeOrder(request) {
      return submitOrder(await prepareOrder(request));
    },
    async orderByClientId(symbol, clientId, lookupRef) {
      const remembered = nonces.attempts(clientId);
      // Not sent from this process (a restart): the journalled nonce still finds it.
      const journalled = lookupRef !== undefined && /^\d{1,16}$/.test(lookupRef) ? [{ nonce: Number(lookupRef), symbol }] : undefined;
      const sent = remembered ?? journalled;
      if (!sent) return undefined;
      // Newest first: a retried client id's latest attempt is the one most likely to exist.
      for (const attempt of [...sent].reverse()) {
        const found = requireOk(await readOrder({ nonce: attempt.nonce, symbol: attempt.symbol || symbol }), 'order lookup');
        if (found) return settled(vestOutcome(found, clientId));
      }
      return undefined;
    },
    async positions(): Promise<VenuePosition[]> {
      const account = requireOk(await withKey((key) => rest.account(key, now())), 'account');
      return account.positions
        .filter((p) => p.size !== 0)
        .map((p) => {
          const size = p.isLong ? Math.abs(p.size) : -Math.abs(p.size);
          return p.entryPrice !== undefined ? { symbol: p.symbol, size, entryPrice: p.entryPrice } : { symbol: p.symbol, size };
        });
    },
    async availableMarginUsd() {
      const account = requireOk(await withKey((key) => rest.account(key, now())), 'account');
      const margin = account.withdrawable ?? account.collateral;
      if (margin === undefined) throw new Error('Vest account reply has neither withdrawable nor collateral');
      return margin;
    },
    async ensureApiKey() {
      await apiKey();
    },
    async close() {
      shutdown.abort();
      feedShutdown.abort();
      cancelSleeps();
    },
  };
}

/** The WS URL with `xwebsocketserver=restserver{group}` (venues.md §2.2) unless it already names one. */
function withServerSelector(url: string, group: () => number): () => string {
  return () => {
    if (/[?&]xwebsocketserver=/.test(url)) return url;
    return `${url}${url.includes('?') ? '&' : '?'}xwebsocketserver=restserver${group()}`;
  };
}
