/**
 * Simulated Vest and Paradex venues (contract A): real HTTP and WebSocket servers on loopback,
 * fed by one seeded market model. The bot meets them only through URLs, as it meets the real venues.
 */
import { randomBytes } from 'node:crypto';
import type { VenueId } from '../domain/market';
import type { OrderBook } from '../domain/order-book';
import { FaultState, type SimFaults } from './faults';
import { FundingModel, type FundingModelOptions } from './funding-model';
import { MarketModel, type MarketModelOptions, type SimBookSource } from './market-model';
import { orderDelaySampler, splitOrderLatency, type OrderLatencyOptions } from './order-latency';
import { startParadexServer, type ParadexServer } from './paradex-server';
import { paradexTradingRoutes, SimTradingFaults, type SimTradingOptions as ParadexTradingOptions } from './paradex-trading';
import { verifyJwt } from './jwt';
import { SIM_PARADEX_CHAIN_ID, type SimMarketView, type SimRoute } from './types';
import { startVestServer, type VestServer } from './vest-server';
import { vestTradingRoutes, type SimTradingOptions as VestTradingOptions } from './vest-trading';

export type { SimFaults, MalformedKind } from './faults';
export type { MarketModelOptions } from './market-model';
export { DEFAULT_MARKET_MODEL } from './market-model';
export type { OrderLatencyOptions } from './order-latency';
export { DEFAULT_ORDER_LATENCY, NO_ORDER_LATENCY } from './order-latency';

/** What `--sim-model` sets: the market model, and how long each venue takes to match an order. */
export type SimModelOptions = MarketModelOptions & OrderLatencyOptions;
export type { FundingModelOptions, SimFundingState } from './funding-model';
export { DEFAULT_FUNDING_MODEL } from './funding-model';

export interface SimVenueOptions {
  /** Default 1; same seed => same market path. */
  seed?: number;
  /** Base assets, default ['BTC'] (must be in SIM_MARKETS). */
  markets?: string[];
  /** Market update period, default 100; 0 = no timer, drive with market.step(). */
  updateIntervalMs?: number;
  /** Paradex WS protocol ping period (real: 55 s), default 5000. */
  pingIntervalMs?: number;
  /** A Paradex socket that has not answered a ping within this is closed (real: 5 s), default min(5000, pingIntervalMs). */
  pongTimeoutMs?: number;
  /** Paradex SBE HeartbeatEvent on idle connections (real: 20 s), default 2000. */
  heartbeatIntervalMs?: number;
  /** Clock, default Date.now. */
  now?: () => number;
  /** Default '127.0.0.1'. */
  host?: string;
  paradexPort?: number;
  vestPort?: number;
  /**
   * Volatility, basis mean-reversion, depth... Defaults: DEFAULT_MARKET_MODEL (stepMs = updateIntervalMs).
   * Also each venue's order-to-match delay (DEFAULT_ORDER_LATENCY, drawn per order from the seed;
   * NO_ORDER_LATENCY matches at once); an explicit `paradexTrading/vestTrading.settleDelayMs` wins.
   */
  model?: Partial<SimModelOptions>;
  /** Funding rates per venue (means, spread, mean reversion, time scale). Defaults: DEFAULT_FUNDING_MODEL. */
  funding?: Partial<FundingModelOptions>;
  /** Extra options for the trading side (accounts, balances...); market, faults and chain id are supplied here. */
  paradexTrading?: Partial<Omit<ParadexTradingOptions, 'market' | 'faults'>>;
  vestTrading?: Partial<Omit<VestTradingOptions, 'market' | 'faults'>>;
}

export interface SimMarket extends SimMarketView {
  /** Advance the model n updates (default 1) and push them to subscribers now. */
  step(n?: number): void;
  /**
   * Force the venue basis (Vest mid vs Paradex mid, percent) e.g. to make a spread cross.
   * The basis is held there (the shared price keeps moving) until `releaseBasis`; the changed
   * books are pushed at once as one update round.
   */
  setBasis(base: string, basisPct: number): void;
  /** Let the basis mean-revert again. */
  releaseBasis(base: string): void;
  /** Current basis, percent. */
  basis(base: string): number;
  /** Current shared mid. */
  mid(base: string): number;
  /** Holds a venue's funding rate (fraction per hour) until `releaseFundingRate`: a funding flip on demand. */
  setFundingRate(venue: VenueId, base: string, ratePerHour: number): void;
  releaseFundingRate(venue: VenueId, base: string): void;
  /** Updates (steps) so far. */
  readonly updates: number;
}

export interface SimVenueFaults extends SimFaults {
  /** Trading-side knobs per venue (reject next order, partial fill, delay, timeout-but-executed). */
  readonly trading: { readonly paradex: SimTradingFaults; readonly vest: SimTradingFaults };
}

export interface SimVenues {
  /** 'http://127.0.0.1:P/v1', 'ws://127.0.0.1:P/v1' */
  paradex: { rest: string; ws: string };
  /** 'http://127.0.0.1:Q/v2', 'ws://127.0.0.1:Q/ws-api?version=1.0&xwebsocketserver=restserver0' */
  vest: { rest: string; ws: string };
  market: SimMarket;
  faults: SimVenueFaults;
  /** Closes every server, socket and timer. */
  close(): Promise<void>;
}

/** First Paradex book sequence number of every market. */
const FIRST_PARADEX_SEQ = 1_000;

/** The model plus what each update round adds: Paradex sequence numbers and the time of the round. */
class MarketRounds {
  readonly source: SimBookSource;
  readonly view: SimMarketView;
  private readonly seqs: Map<string, number>;
  private updatedAt: number;

  constructor(
    readonly model: MarketModel,
    readonly funding: FundingModel,
    readonly bases: readonly string[],
    private readonly now: () => number,
  ) {
    this.seqs = new Map(bases.map((b) => [b, FIRST_PARADEX_SEQ]));
    this.updatedAt = now();
    this.source = {
      bases,
      paradexBook: (b) => model.paradexBook(b),
      vestBook: (b) => model.vestBook(b),
      paradexSeq: (b) => this.seqs.get(b) ?? FIRST_PARADEX_SEQ,
      updatedAt: () => this.updatedAt,
      now,
      funding: (venue, base) => funding.state(venue, base),
      fundingHistory: (venue, base) => funding.history(venue, base),
    };
    this.view = {
      book: (venue, symbol) => this.book(venue, symbol),
      now,
      funding: (venue, symbol) => {
        const base = this.baseOf(venue, symbol);
        return base === undefined ? undefined : funding.state(venue, base);
      },
    };
  }

  /** One model step: the books, then the funding accrued over it at the new mids. */
  step(): void {
    this.model.step();
    this.funding.step(this.stepMs, (b) => this.model.mid(b), this.model.options.usdcUsd, this.now());
  }

  private get stepMs(): number {
    return this.model.options.stepMs;
  }

  private baseOf(venue: VenueId, symbol: string): string | undefined {
    return this.bases.find((b) => symbol === (venue === 'vest' ? `${b}-PERP` : `${b}-USD-PERP`));
  }

  /** A new round: bumps every Paradex sequence and stamps the round's time. */
  next(): void {
    for (const b of this.bases) this.seqs.set(b, (this.seqs.get(b) ?? FIRST_PARADEX_SEQ) + 1);
    this.updatedAt = this.now();
  }

  private book(venue: VenueId, symbol: string): OrderBook | undefined {
    const base = this.bases.find((b) => symbol === (venue === 'vest' ? `${b}-PERP` : `${b}-USD-PERP`));
    if (base === undefined) return undefined;
    const levels = venue === 'vest' ? this.model.vestBook(base) : this.model.paradexBook(base);
    const meta = venue === 'paradex' ? { seq: this.source.paradexSeq(base) } : {};
    return { bids: levels.bids, asks: levels.asks, receivedAt: this.updatedAt, exchangeTime: this.updatedAt, ...meta };
  }
}

interface VenueServers {
  readonly paradex: ParadexServer;
  readonly vest: VestServer;
}

/** Both venues' servers, with their trading sides mounted; the Paradex one is closed if Vest's fails to start. */
async function startServers(
  opts: SimVenueOptions,
  rounds: MarketRounds,
  faults: FaultState,
  trading: SimVenueFaults['trading'],
  latency: Partial<OrderLatencyOptions>,
): Promise<VenueServers> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const updateIntervalMs = opts.updateIntervalMs ?? 100;
  const pingIntervalMs = opts.pingIntervalMs ?? 5000;
  // One JWT secret for REST /auth and WS `auth`, so the socket accepts exactly the tokens the venue issued.
  const jwtSecret = opts.paradexTrading?.jwtSecret ?? randomBytes(32);
  const seed = opts.seed ?? 1;
  const paradexOpts = {
    settleDelayMs: orderDelaySampler(seed, 'paradex', latency),
    ...opts.paradexTrading,
    market: rounds.view,
    faults: trading.paradex,
    chainId: SIM_PARADEX_CHAIN_ID,
    jwtSecret,
  };
  const vestOpts = { settleDelayMs: orderDelaySampler(seed, 'vest', latency), ...opts.vestTrading, market: rounds.view, faults: trading.vest };
  const paradexRoutes: readonly SimRoute[] = paradexTradingRoutes(paradexOpts);
  const vestRoutes: readonly SimRoute[] = vestTradingRoutes(vestOpts);
  const paradex = await startParadexServer({
    host,
    port: opts.paradexPort ?? 0,
    source: rounds.source,
    faults,
    updateIntervalMs,
    pingIntervalMs,
    pongTimeoutMs: opts.pongTimeoutMs ?? Math.min(5000, pingIntervalMs),
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 2000,
    tradingRoutes: () => paradexRoutes,
    verifyBearer: (token) => verifyJwt(token, jwtSecret, Math.floor(now() / 1000)).ok,
  });
  try {
    const vest = await startVestServer({ host, port: opts.vestPort ?? 0, source: rounds.source, faults, tradingRoutes: () => vestRoutes });
    return { paradex, vest };
  } catch (err) {
    await paradex.close();
    throw err;
  }
}

/** The test/driver handle on the market: steps, basis control, and the views. */
function marketHandle(rounds: MarketRounds, publishRound: () => void): SimMarket {
  const { model } = rounds;
  return {
    ...rounds.view,
    step: (n = 1) => {
      for (let i = 0; i < n; i++) {
        rounds.step();
        publishRound();
      }
    },
    setBasis: (base, basisPct) => {
      model.setBasis(base, basisPct);
      publishRound();
    },
    releaseBasis: (base) => model.releaseBasis(base),
    basis: (base) => model.basis(base),
    mid: (base) => model.mid(base),
    setFundingRate: (venue, base, rate) => rounds.funding.setRate(venue, base, rate),
    releaseFundingRate: (venue, base) => rounds.funding.releaseRate(venue, base),
    get updates() {
      return model.stepCount;
    },
  };
}

export async function startSimVenues(opts: SimVenueOptions = {}): Promise<SimVenues> {
  const seed = opts.seed ?? 1;
  const bases = opts.markets ?? ['BTC'];
  const updateIntervalMs = opts.updateIntervalMs ?? 100;
  if (!(updateIntervalMs >= 0)) throw new RangeError(`updateIntervalMs must be >= 0, got ${updateIntervalMs}`);
  const { latency, rest: marketOptions } = splitOrderLatency(opts.model ?? {});
  const model = new MarketModel(seed, bases, { stepMs: updateIntervalMs > 0 ? updateIntervalMs : 100, ...marketOptions });
  const funding = new FundingModel(seed, bases, opts.funding);
  const rounds = new MarketRounds(model, funding, bases, opts.now ?? Date.now);
  const faults = new FaultState();
  const trading = { paradex: new SimTradingFaults(), vest: new SimTradingFaults() };
  const { paradex, vest } = await startServers(opts, rounds, faults, trading, latency);
  faults.onDrop('paradex', paradex.dropConnections);
  faults.onDrop('vest', vest.dropConnections);

  /** One update round: bump the Paradex sequence, push to every subscriber. */
  const publishRound = (): void => {
    rounds.next();
    paradex.publish();
    vest.publish();
  };
  const timer =
    updateIntervalMs > 0
      ? setInterval(() => {
          rounds.step();
          publishRound();
        }, updateIntervalMs)
      : undefined;

  let closed: Promise<void> | undefined;
  return {
    paradex: { rest: paradex.restUrl, ws: paradex.wsUrl },
    vest: { rest: vest.restUrl, ws: vest.wsUrl },
    market: marketHandle(rounds, publishRound),
    faults: Object.assign(faults, { trading }),
    close: () => {
      closed ??= (async () => {
        if (timer) clearInterval(timer);
        trading.paradex.releaseAll();
        trading.vest.releaseAll();
        await Promise.all([paradex.close(), vest.close()]);
      })();
      return closed;
    },
  };
}
