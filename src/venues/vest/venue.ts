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
import { createSleeper, orderFailure, orderRejected, type Sleeper } from '../wire';
import type {
  BookFeed,
  MarketSpec,
  OrderOutcome,
  OrderRequest,
  PreparedOrder,
  Venue,
  PositionsQuery,
  VenueFundingFigure,
  VenuePosition,
} from '../venue';
import { fundingInUnrealisedPnl, vestAccruedFundingUsd } from '../../domain/funding';
import { assertPrivateKey } from '../../domain/keys';
import { vestBookFeed, type VestBookOptions } from './book-client';
import { createVestRest, type VestOrder, type VestOrderBody, type VestRest } from './rest';
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
  /** `text`: the body as sent, serialised once when signed (an armed close is sent without a JSON.stringify). */
  | { readonly kind: 'signed'; readonly body: VestOrderBody; readonly text: string }
  | { readonly kind: 'failed'; readonly reason: string };

const SEND_SAFETY_MS = 1_000;
/** Client ids of orders not known final (an unknown outcome is kept until looked up or evicted). */
const MAX_PENDING_CLIENT_IDS = 1_000;
/** Final orders still findable by client id (late lookups after a lost reply). */
const RECENT_FINAL_CLIENT_IDS = 256;
const FINAL_STATUSES = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

export function createVestVenue(options: VestVenueOptions = {}): VestVenue {
  const client = new VestVenueClient(options);
  // A plain object of bound functions, as before: callers may pass its methods around or spread it,
  // and the client's state (keys included) stays out of reach and out of any inspection of it.
  return {
    id: 'vest',
    symbolFor: (pair) => client.symbolFor(pair),
    market: (symbol) => client.market(symbol),
    bookFeed: (symbol) => client.bookFeed(symbol),
    prepareOrder: (request) => client.prepareOrder(request),
    submitOrder: (order) => client.submitOrder(order),
    placeOrder: (request) => client.placeOrder(request),
    orderByClientId: (symbol, clientId, lookupRef) => client.orderByClientId(symbol, clientId, lookupRef),
    positions: (query) => client.positions(query),
    availableMarginUsd: () => client.availableMarginUsd(),
    fundingSettledSince: (symbol, sinceMs) => client.fundingSettledSince(symbol, sinceMs),
    ensureApiKey: () => client.ensureApiKey(),
    close: () => client.close(),
  };
}

/** The Vest client behind `createVestVenue`; module-private so its state (keys) is never handed out. */
class VestVenueClient implements VestVenue {
  readonly id = 'vest' as const;
  private readonly options: VestVenueOptions;
  private readonly now: () => number;
  private readonly recvWindowMs: number;
  private readonly fillWaitMs: number;
  private readonly pollIntervalMs: number;
  private readonly keys: VestKeys | undefined;
  private readonly logger: VenueLogger | undefined;
  private readonly shutdown: AbortController;
  private accountGroup: number;
  private readonly rest: VestRest;
  private readonly wsUrl: () => string;
  private readonly feedShutdown: AbortController;
  private readonly feedRest: VestRest;
  private readonly specs = new Map<string, Promise<MarketSpec>>();
  private readonly prepared = new WeakMap<PreparedOrder, PreparedWire>();
  private readonly nonces: ClientIdNonces;
  private readonly sleeper: Sleeper;
  private lastNonce = 0;
  private apiKeyPromise: Promise<string> | undefined;
  /** The API key once known (given, or registered): used on the spot by withKey. */
  private apiKeyNow: string | undefined;

  constructor(options: VestVenueOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.recvWindowMs = options.recvWindowMs ?? 5_000;
    this.fillWaitMs = options.fillWaitMs ?? 2_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    const keys = options.keys;
    this.keys = keys;
    // Refused here, before viem sees them: its own refusal would print the key.
    if (keys) {
      assertPrivateKey(keys.signingKey, 'secp256k1', 'Vest signing key');
      if (keys.primaryKey !== undefined) assertPrivateKey(keys.primaryKey, 'secp256k1', 'Vest primary key');
    }
    this.logger = options.logger;
    this.shutdown = new AbortController();
    this.accountGroup = options.accountGroup ?? 0;
    this.rest = this.restClient(this.shutdown.signal);
    this.wsUrl = withServerSelector(options.wsUrl ?? VEST_PROD_WS, () => this.accountGroup);
    // The feeds read the REST book on connections of their own (a client with its own signal has its
    // own keep-alive agent), so a probe in flight never holds the connection an order is about to use.
    this.feedShutdown = new AbortController();
    this.feedRest = this.restClient(this.feedShutdown.signal);
    if (keys) {
      // Nothing to keep warm before a market is in use; then only those symbols, not the whole list.
      const ping = async (): Promise<unknown> => (this.specs.size > 0 ? this.rest.exchangeInfo([...this.specs.keys()]) : undefined);
      keepConnectionWarm(ping, options.keepWarmMs ?? KEEP_WARM_MS, this.shutdown.signal);
    }
    const maxPending = Math.max(1, options.rememberedClientIds ?? MAX_PENDING_CLIENT_IDS);
    this.nonces = new ClientIdNonces(maxPending, Math.min(RECENT_FINAL_CLIENT_IDS, maxPending));
    this.sleeper = createSleeper();
    this.apiKeyPromise = keys?.apiKey !== undefined ? Promise.resolve(keys.apiKey) : undefined;
    this.apiKeyNow = keys?.apiKey;
  }

  private restClient(signal: AbortSignal): VestRest {
    return createVestRest({
      restUrl: this.options.restUrl ?? VEST_PROD_REST,
      accountGroup: () => this.accountGroup,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 5_000,
      fetch: this.options.fetch,
      signal,
    });
  }

  private probeDepth(symbol: string) {
    return async () => {
      const r = await this.feedRest.depth(symbol);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
  }

  private settled(outcome: OrderOutcome): OrderOutcome {
    return this.nonces.settled(outcome);
  }

  private apiKey(): Promise<string> {
    const keys = this.keys;
    if (!keys) return Promise.reject(new Error('no credentials'));
    this.apiKeyPromise ??= this.register(keys).then(
      (key) => {
        this.apiKeyNow = key;
        return key;
      },
      (error: unknown) => {
        this.apiKeyPromise = undefined;
        throw error;
      },
    );
    return this.apiKeyPromise;
  }

  private async register(k: VestKeys): Promise<string> {
    if (k.primaryKey === undefined) throw new Error('Vest needs an apiKey or the primary key to register one');
    const signingAddr = vestAddressOf(k.signingKey, 'Vest signing key').toLowerCase() as Hex;
    const expiryTime = this.now() + (this.options.signerExpiryMs ?? 7 * 24 * 3_600_000);
    const signature = await signVestSignerProof(
      { signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT[this.options.network ?? 'prod'] },
      k.primaryKey,
    );
    const r = await this.rest.register({
      signingAddr,
      primaryAddr: vestAddressOf(k.primaryKey, 'Vest primary key').toLowerCase(),
      signature,
      expiryTime,
      networkType: 0,
    });
    if (!r.ok) throw new Error(`Vest register failed: ${r.error.message}`);
    // accGroup selects the server shard every later request must name.
    if (r.value.accGroup !== undefined) this.accountGroup = r.value.accGroup;
    return r.value.apiKey;
  }

  private async withKey<T>(call: (key: string) => Promise<RestResult<T>>): Promise<RestResult<T>> {
    // A known key is used on the spot: an order's request is then built in this turn, not after a promise hop.
    if (this.apiKeyNow !== undefined) return call(this.apiKeyNow);
    let key: string;
    try {
      key = await this.apiKey();
    } catch (error) {
      return { ok: false, error: { kind: 'unreachable', message: errorText(error) } };
    }
    return call(key);
  }

  symbolFor(pair: string): string {
    return venueSymbol('vest', pair);
  }

  market(symbol: string): Promise<MarketSpec> {
    let spec = this.specs.get(symbol);
    if (!spec) {
      spec = this.rest.exchangeInfo([symbol]).then((r) => {
        if (!r.ok) throw new Error(`Vest exchangeInfo unavailable: ${r.error.message}`);
        const info = r.value.find((s) => s.symbol === symbol);
        if (!info) throw new Error(`Vest has no market ${symbol}`);
        return vestMarketSpec(symbol, info);
      });
      spec.catch(() => this.specs.delete(symbol));
      this.specs.set(symbol, spec);
    }
    return spec;
  }

  bookFeed(symbol: string): BookFeed {
    const { options, now, logger } = this;
    const feed = vestBookFeed({ probeDepth: this.probeDepth(symbol), ...options.bookFeedOptions, symbol, wsUrl: this.wsUrl(), now, logger });
    return feed;
  }

  /** The signing time, nudged forward so two orders in the same ms still get distinct nonces. */
  private nextNonce(time: number): number {
    this.lastNonce = Math.max(time, this.lastNonce + 1);
    return this.lastNonce;
  }

  private async prepareWire(request: OrderRequest, time: number): Promise<PreparedWire> {
    const keys = this.keys;
    if (!keys) return { kind: 'failed', reason: 'no credentials' };
    try {
      const spec = await this.market(request.symbol);
      const fields = vestOrderFields(request, spec, time, this.nextNonce(time));
      if (!fields.ok) return { kind: 'failed', reason: fields.reason };
      const { order, resting } = fields;
      const signature = await signVestOrder(order, keys.signingKey);
      const body: VestOrderBody = { order: resting ? { ...order, timeInForce: 'GTC' } : order, recvWindow: this.recvWindowMs, signature };
      return { kind: 'signed', body, text: JSON.stringify(body) };
    } catch (error) {
      return { kind: 'failed', reason: errorText(error) };
    }
  }

  async prepareOrder(request: OrderRequest): Promise<PreparedOrder> {
    const time = this.now();
    // Register (if needed) ahead of the send; failures surface at submit.
    if (this.keys) void this.apiKey().catch(() => undefined);
    const wire = await this.prepareWire(request, time);
    const order: PreparedOrder = {
      venue: 'vest',
      request,
      validUntil: time + this.recvWindowMs - Math.min(SEND_SAFETY_MS, this.recvWindowMs / 4),
      ...(wire.kind === 'signed' ? { lookupRef: String(wire.body.order.nonce) } : {}),
    };
    this.prepared.set(order, wire);
    return order;
  }

  private async readOrder(query: { id?: string; nonce?: number; symbol?: string }): Promise<RestResult<VestOrder | undefined>> {
    const r = await this.withKey((key) => this.rest.orders(key, query, this.now()));
    if (!r.ok) return r;
    const match = r.value.find((o) => (query.id === undefined || o.id === query.id) && (query.nonce === undefined || o.nonce === query.nonce));
    return { ok: true, value: match };
  }

  /**
   * Reads the order until it is final or the wait is over; undefined if it could never be read.
   * A MARKET order executes once against Vest's pool, so PARTIALLY_FILLED is final for it; a
   * resting LIMIT order is read once.
   */
  private async awaitFinal(orderId: string, resting: boolean): Promise<VestOrder | undefined> {
    let last: VestOrder | undefined;
    const isFinal = (o: VestOrder): boolean => resting || FINAL_STATUSES.has(o.status) || o.status === 'PARTIALLY_FILLED';
    for (let waited = 0; !this.shutdown.signal.aborted; waited += this.pollIntervalMs) {
      const r = await this.readOrder({ id: orderId });
      if (r.ok && r.value) last = r.value;
      if ((last && isFinal(last)) || waited >= this.fillWaitMs) break;
      await this.sleeper.sleep(this.pollIntervalMs);
    }
    return last;
  }

  async submitOrder(order: PreparedOrder): Promise<OrderOutcome> {
    return this.settled(await this.submitSigned(order));
  }

  private async submitSigned(order: PreparedOrder): Promise<OrderOutcome> {
    const clientId = order.request.clientId;
    try {
      const wire = this.prepared.get(order) ?? (await this.prepareWire(order.request, this.now()));
      if (wire.kind === 'failed') return orderRejected(clientId, wire.reason);
      if (this.now() > order.validUntil) return orderRejected(clientId, 'prepared order expired before it was sent');
      // Remembered as it is sent, not when signed: a pre-signed close re-signed before it was needed never reaches
      // the venue, and keeping its nonce only filled the window (1,649 signings an hour while a position is held).
      this.nonces.remember(clientId, { nonce: wire.body.order.nonce, symbol: order.request.symbol });
      const posted = await this.withKey((key) => this.rest.postOrder(key, wire.body, wire.text));
      if (!posted.ok) {
        const outcome = orderFailure(clientId, posted.error);
        this.logger?.warn('Vest order not accepted', { clientId, reason: outcome.reason, code: outcome.code, unknown: outcome.unknown });
        return outcome;
      }
      const final = await this.awaitFinal(posted.value.id, wire.body.order.orderType === 'LIMIT');
      if (!final) {
        // Accepted, but its state could not be read: report it as not final so the caller looks it up.
        return { ok: true, clientId, orderId: posted.value.id, status: 'NEW', filledSize: 0, avgPrice: undefined, feeUsd: 0 };
      }
      const outcome = vestOutcome(final, clientId);
      if (!outcome.ok) this.logger?.warn('Vest order rejected', { clientId, reason: outcome.reason, code: outcome.code });
      return outcome;
    } catch (error) {
      // Unreachable by construction; kept so the promise can never reject.
      return { ok: false, clientId, reason: errorText(error), unknown: true };
    }
  }

  async placeOrder(request: OrderRequest): Promise<OrderOutcome> {
    return this.submitOrder(await this.prepareOrder(request));
  }

  async orderByClientId(symbol: string, clientId: string, lookupRef?: string): Promise<OrderOutcome | undefined> {
    const remembered = this.nonces.attempts(clientId);
    // Not sent from this process (a restart): the journalled nonce still finds it.
    const journalled = lookupRef !== undefined && /^\d{1,16}$/.test(lookupRef) ? [{ nonce: Number(lookupRef), symbol }] : undefined;
    const sent = remembered ?? journalled;
    if (!sent) return undefined;
    // Newest first: a retried client id's latest attempt is the one most likely to exist.
    for (const attempt of [...sent].reverse()) {
      const found = requireOk(await this.readOrder({ nonce: attempt.nonce, symbol: attempt.symbol || symbol }), 'order lookup');
      if (found) return this.settled(vestOutcome(found, clientId));
    }
    return undefined;
  }

  async positions(query: PositionsQuery = {}): Promise<VenuePosition[]> {
    const account = requireOk(await this.withKey((key) => this.rest.account(key, this.now())), 'account');
    const open = account.positions.filter((p) => p.size !== 0);
    // The accrued funding needs the index now: one more (public) read, only when asked for.
    const cumFunding = new Map<string, number>();
    if (query.withFunding === true && open.some((p) => p.entryFunding !== undefined)) {
      for (const t of requireOk(await this.rest.tickers(open.map((p) => p.symbol)), 'ticker')) if (t.cumFunding !== undefined) cumFunding.set(t.symbol, t.cumFunding);
    }
    return open.map((p) => {
      const size = p.isLong ? Math.abs(p.size) : -Math.abs(p.size);
      const index = cumFunding.get(p.symbol);
      const accrued = p.entryFunding !== undefined && index !== undefined ? vestAccruedFundingUsd(size, p.entryFunding, index) : undefined;
      return {
        symbol: p.symbol,
        size,
        ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}),
        ...(p.settledFunding !== undefined ? { settledFundingUsd: p.settledFunding } : {}),
        ...(accrued !== undefined ? { unrealisedFundingUsd: accrued, unrealisedFundingSource: vestAccruedSource(size, p, index!) } : {}),
      };
    });
  }

  /**
   * Σ settledFunding of the orders on `symbol` posted since `sinceMs` (each fill settles the position's funding
   * so far; a closed position is gone from GET /account, its orders are not). A full page cannot be summed
   * honestly, so it is an error, not a partial figure.
   */
  async fundingSettledSince(symbol: string, sinceMs: number): Promise<VenueFundingFigure> {
    const query = { symbol, startTime: Math.max(0, Math.floor(sinceMs)), limit: VEST_ORDERS_LIMIT };
    const orders = requireOk(await this.withKey((key) => this.rest.orders(key, query, this.now())), 'orders');
    if (orders.length >= VEST_ORDERS_LIMIT) throw new Error(`Vest orders: ${orders.length} orders on ${symbol} since ${sinceMs}, too many to sum settledFunding`);
    let settledUsd = 0;
    let count = 0;
    for (const o of orders) {
      if (o.symbol !== symbol || o.settledFunding === undefined || (o.postTime !== undefined && o.postTime < sinceMs)) continue;
      settledUsd += o.settledFunding;
      count++;
    }
    return { settledUsd, source: `GET /orders: settledFunding of ${count} order${count === 1 ? '' : 's'}` };
  }

  async availableMarginUsd(): Promise<number> {
    const account = requireOk(await this.withKey((key) => this.rest.account(key, this.now())), 'account');
    const margin = account.withdrawable ?? account.collateral;
    if (margin === undefined) throw new Error('Vest account reply has neither withdrawable nor collateral');
    return margin;
  }

  async ensureApiKey(): Promise<void> {
    await this.apiKey();
  }

  async close(): Promise<void> {
    this.shutdown.abort();
    this.feedShutdown.abort();
    this.sleeper.cancelAll();
  }
}

/**
 * How a Vest position's accrued funding was derived, with the figure its unrealizedPnl implies (which assumes
 * nothing about cumFunding's unit or sign: on a live account the two agreeing confirms the reading).
 */
function vestAccruedSource(size: number, p: { entryFunding?: number; unrealizedPnl?: number; markPrice?: number; entryPrice?: number }, cumFunding: number): string {
  const derived = `−size × (cumFunding ${cumFunding} − entryFunding ${p.entryFunding})`;
  if (p.unrealizedPnl === undefined || p.markPrice === undefined || p.entryPrice === undefined) return derived;
  const implied = fundingInUnrealisedPnl(size, p.unrealizedPnl, p.markPrice, p.entryPrice);
  return `${derived}; unrealizedPnl less price PnL: ${Number(implied.toFixed(6))}`;
}

/** Orders asked for at once when summing funding (GET /orders `limit`). */
const VEST_ORDERS_LIMIT = 1_000;

function requireOk<T>(r: RestResult<T>, what: string): T {
  if (!r.ok) throw new Error(`Vest ${what} failed: ${r.error.message}`);
  return r.value;
}

/** The WS URL with `xwebsocketserver=restserver{group}` (venues.md §2.2) unless it already names one. */
function withServerSelector(url: string, group: () => number): () => string {
  return () => {
    if (/[?&]xwebsocketserver=/.test(url)) return url;
    return `${url}${url.includes('?') ? '&' : '?'}xwebsocketserver=restserver${group()}`;
  };
}
