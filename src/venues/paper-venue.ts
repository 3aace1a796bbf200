/**
 * Paper venue: the Venue interface over live public data with simulated fills. No keys.
 *
 * A taker order fills against the latest book its feed delivered: level by level (VWAP) while the
 * level price is within the order's cap, then the rest is cancelled (immediate-or-cancel; a paper
 * order never rests). The taker fee is charged on the filled notional. Positions live in memory.
 *
 * Approximations, on purpose: liquidity taken by one order is not removed from the next book
 * (paper sizes are small against top-of-book depth), there is no latency or queue. "Prepared" orders are
 * not signed; they only carry a validity window like real ones.
 *
 * Funding is charged from the live venue's published funding (`funding`: its latest cumulative index per
 * symbol, the one the bot reads): a holding accrues −size × Δindex, settled at every change of size as the
 * venues do (positions report `settledFundingUsd` and `unrealisedFundingUsd`). Without a funding source,
 * or before its first figure, the holding's funding is unknown and not reported (never a made-up zero).
 */
import { tap } from 'rxjs';
import { errorText } from '../logging/redact';
import { QUOTE_CURRENCY, venueSymbol, type VenueId } from '../domain/market';
import type { OrderBook } from '../domain/order-book';
import { accruedFundingUsd, type FundingSnapshot } from '../domain/funding';
import type {
  BookFeed,
  MarketSpec,
  OrderAccepted,
  OrderOutcome,
  OrderRejected,
  OrderRequest,
  PreparedOrder,
  Venue,
  VenuePosition,
} from './venue';
import { floorToStep, roundDecimals } from './decimal';

interface PaperCommon {
  readonly now: () => number;
  /** Fraction (0.0001 = 1 bp); default: the market spec's takerFee. */
  readonly takerFee?: number;
  /** Margin the paper account reports, USD; default unlimited. */
  readonly marginUsd?: number;
  /** How long a prepared order stays valid, ms; default 30 000. */
  readonly preparedValidityMs?: number;
  /** Reject orders when the book is older than this, ms; default 10 000. */
  readonly maxBookAgeMs?: number;
  /**
   * Orders remembered for orderByClientId and duplicate-id checks, newest kept; default 1 000.
   * Paper orders are final the moment they are placed, so older ones are only history.
   */
  readonly rememberedOrders?: number;
  /**
   * Time from sending an order to its fill, ms: the fill takes the book as it is then (a replay's
   * configurable latency). Default 0: the book at the decision.
   */
  readonly latencyMs?: number;
  /** How the latency is waited; default setTimeout (a replay passes its virtual clock's). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The live venue's latest funding of a symbol (rate and cumulative index); undefined while unknown. */
  readonly funding?: (symbol: string) => FundingSnapshot | undefined;
}

/** Explicit sources: market rules, the latest book and the feed, each injected. */
export interface PaperSources extends PaperCommon {
  readonly id: VenueId;
  readonly market: MarketSpec | ((symbol: string) => Promise<MarketSpec>);
  readonly book: (symbol: string) => OrderBook | undefined;
  readonly feed: (symbol: string) => BookFeed;
}

/**
 * Wraps a real venue client for its public side only (market rules and book feeds); the paper
 * venue remembers the latest book each feed delivered and fills against it.
 */
export interface PaperOverReal extends PaperCommon {
  readonly real: Venue;
}

export type PaperVenueOptions = PaperSources | PaperOverReal;

interface Holding {
  size: number;
  entryPrice: number;
  /** Funding index at the last settlement; undefined while unknown (no funding figure then). */
  fundingIndex?: number;
  /** Funding settled since the position was opened, USD (+ = received); undefined while unknown. */
  settledFundingUsd?: number;
}

export function createPaperVenue(opts: PaperVenueOptions): Venue {
  const real = 'real' in opts ? opts.real : undefined;
  const id: VenueId = real ? real.id : (opts as PaperSources).id;
  const latest = new Map<string, OrderBook>();
  const account = new PaperAccount(id, opts);
  const market = marketRules(id, opts);
  const prepareOrder = (request: OrderRequest): Promise<PreparedOrder> =>
    Promise.resolve({ venue: id, request, validUntil: opts.now() + (opts.preparedValidityMs ?? 30_000) });
  const bookOf = (symbol: string): OrderBook | undefined => (real ? latest.get(symbol) : (opts as PaperSources).book(symbol));

  const submitOrder = async (prepared: PreparedOrder): Promise<OrderOutcome> => {
    try {
      const latencyMs = opts.latencyMs ?? 0;
      if (latencyMs > 0) await (opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(latencyMs);
      return await account.execute(prepared.request, prepared.validUntil, market, bookOf);
    } catch (err) {
      // Never rejects: an unexpected fault is a rejected order, not an exception.
      return rejected(prepared.request.clientId, `paper fill failed: ${errorText(err)}`);
    }
  };

  const feed = (symbol: string): BookFeed => {
    if (!real) return (opts as PaperSources).feed(symbol);
    const inner = real.bookFeed(symbol);
    return {
      book$: inner.book$.pipe(tap((book) => latest.set(symbol, book))),
      events$: inner.events$,
      get stats() {
        return inner.stats;
      },
    };
  };

  return {
    id,
    symbolFor: (pair) => (real ? real.symbolFor(pair) : venueSymbol(id, pair)),
    market,
    bookFeed: feed,
    prepareOrder,
    submitOrder,
    placeOrder: async (request) => submitOrder(await prepareOrder(request)),
    orderByClientId: (_symbol, clientId) => Promise.resolve(account.order(clientId)),
    positions: () => Promise.resolve(account.positions()),
    availableMarginUsd: () => Promise.resolve(opts.marginUsd ?? Number.POSITIVE_INFINITY),
    close: () => (real ? real.close() : Promise.resolve()),
  };
}

/** Market rules per symbol, looked up once (a failed look-up is not cached, so a later call can succeed). */
function marketRules(id: VenueId, opts: PaperVenueOptions): (symbol: string) => Promise<MarketSpec> {
  const specs = new Map<string, Promise<MarketSpec>>();
  return (symbol) => {
    let spec = specs.get(symbol);
    if (spec === undefined) {
      if ('real' in opts) spec = opts.real.market(symbol);
      else {
        const source = opts.market;
        spec =
          typeof source === 'function'
            ? source(symbol)
            : source.symbol === symbol
              ? Promise.resolve(source)
              : Promise.reject(new Error(`paper ${id}: unknown market ${symbol}`));
      }
      spec.catch(() => specs.delete(symbol));
      specs.set(symbol, spec);
    }
    return spec;
  };
}

function rejected(clientId: string, reason: string, code?: string): OrderRejected {
  return { ok: false, clientId, reason, unknown: false, ...(code !== undefined ? { code } : {}) };
}

/** The paper account: holdings, and the orders remembered for look-ups and duplicate-id checks. */
class PaperAccount {
  private readonly holdings = new Map<string, Holding>();
  private readonly orders = new Map<string, OrderOutcome>();
  private readonly rememberedOrders: number;
  private readonly maxBookAgeMs: number;
  private orderSeq = 0;

  constructor(
    private readonly id: VenueId,
    private readonly opts: PaperCommon,
  ) {
    this.rememberedOrders = Math.max(1, opts.rememberedOrders ?? 1_000);
    this.maxBookAgeMs = opts.maxBookAgeMs ?? 10_000;
  }

  order(clientId: string): OrderOutcome | undefined {
    return this.orders.get(clientId);
  }

  positions(): VenuePosition[] {
    return [...this.holdings.entries()]
      .filter(([, h]) => h.size !== 0)
      .map(([symbol, h]): VenuePosition => {
        const index = this.opts.funding?.(symbol)?.index;
        const known = h.fundingIndex !== undefined && h.settledFundingUsd !== undefined && index !== undefined;
        return {
          symbol,
          size: h.size,
          entryPrice: h.entryPrice,
          ...(known ? { settledFundingUsd: h.settledFundingUsd, unrealisedFundingUsd: accruedFundingUsd(h.size, h.fundingIndex!, index) } : {}),
        };
      });
  }

  /** Settles the holding's funding up to the latest index before its size changes (as the venues do). */
  private settleFunding(symbol: string): void {
    const h = this.holdings.get(symbol) ?? { size: 0, entryPrice: 0 };
    const index = this.opts.funding?.(symbol)?.index;
    if (h.size === 0) {
      // A new position starts its funding from now.
      h.settledFundingUsd = index === undefined ? undefined : 0;
    } else if (index === undefined || h.fundingIndex === undefined || h.settledFundingUsd === undefined) {
      h.settledFundingUsd = undefined;
    } else {
      h.settledFundingUsd += accruedFundingUsd(h.size, h.fundingIndex, index);
    }
    h.fundingIndex = index;
    this.holdings.set(symbol, h);
  }

  async execute(
    req: OrderRequest,
    validUntil: number,
    market: (symbol: string) => Promise<MarketSpec>,
    bookOf: (symbol: string) => OrderBook | undefined,
  ): Promise<OrderOutcome> {
    if (this.orders.has(req.clientId)) return rejected(req.clientId, `duplicate client id ${req.clientId}`, 'DUPLICATED_CLIENT_ID');
    if (this.opts.now() > validUntil) return this.record(req, rejected(req.clientId, 'order expired before it was sent', 'ORDER_EXPIRED'));
    let spec: MarketSpec;
    try {
      spec = await market(req.symbol);
    } catch (err) {
      return this.record(req, rejected(req.clientId, `unknown market ${req.symbol}: ${errorText(err)}`));
    }
    const checked = this.check(req, spec, bookOf(req.symbol));
    if (!checked.ok) return this.record(req, checked.rejection);
    return this.record(req, this.fill(req, spec, checked.book, checked.size));
  }

  /** The book to fill against and the size that may trade, or why the order is refused. */
  private check(req: OrderRequest, spec: MarketSpec, book: OrderBook | undefined): { ok: true; book: OrderBook; size: number } | { ok: false; rejection: OrderRejected } {
    const no = (reason: string, code?: string) => ({ ok: false as const, rejection: rejected(req.clientId, reason, code) });
    if (book === undefined) return no(`no order book for ${req.symbol} yet`, 'NO_BOOK');
    if (book.stale === true || this.opts.now() - book.receivedAt > this.maxBookAgeMs) return no(`order book for ${req.symbol} is stale`, 'STALE_BOOK');
    if (!(req.price > 0)) return no('a price cap is required', 'INVALID_PRICE');
    const holding = this.holdings.get(req.symbol) ?? { size: 0, entryPrice: 0 };
    let size = floorToStep(req.size, spec.sizeIncrement);
    if (req.reduceOnly) {
      // Reduce-only may only shrink the position toward zero, never flip it.
      const reducible = req.side === 'BUY' ? Math.max(0, -holding.size) : Math.max(0, holding.size);
      if (!(reducible > 0)) return no('reduce-only order would increase the position', 'REDUCE_ONLY_INCREASES');
      size = Math.min(size, reducible);
    }
    if (!(size > 0)) return no(`size ${req.size} rounds to 0 at increment ${spec.sizeIncrement}`, 'INVALID_SIZE');
    if (spec.maxOrderSize !== undefined && size > spec.maxOrderSize) return no(`size ${size} above the maximum ${spec.maxOrderSize}`, 'INVALID_SIZE');
    return { ok: true, book, size };
  }

  /** Takes the book level by level within the cap (immediate-or-cancel) and books the fill. */
  private fill(req: OrderRequest, spec: MarketSpec, book: OrderBook, size: number): OrderOutcome {
    const { filled, avgPrice } = sweep(req, book, size, spec.sizeIncrement);
    if (!req.reduceOnly && filled > 0 && filled * avgPrice < spec.minNotional) {
      return rejected(req.clientId, `notional below the minimum $${spec.minNotional}`, 'MIN_NOTIONAL');
    }
    const orderId = `paper-${this.id}-${++this.orderSeq}`;
    if (!(filled > 0)) return { ok: true, clientId: req.clientId, orderId, status: 'CANCELLED', filledSize: 0, avgPrice: undefined, feeUsd: 0 };
    const fee = (this.opts.takerFee ?? spec.takerFee) * (avgPrice * filled);
    this.settleFunding(req.symbol);
    applyFill(this.holdings, req.symbol, req.side === 'BUY' ? filled : -filled, avgPrice);
    const accepted: OrderAccepted = {
      ok: true,
      clientId: req.clientId,
      orderId,
      status: filled >= size - size * 1e-9 ? 'FILLED' : 'PARTIALLY_FILLED',
      filledSize: filled,
      avgPrice,
      feeUsd: fee,
      // A fraction of the notional: in the quote currency of the venue the paper fills mirror.
      ...(QUOTE_CURRENCY[this.id] !== 'USDC' ? { feeCurrency: QUOTE_CURRENCY[this.id] } : {}),
    };
    return accepted;
  }

  private record(req: OrderRequest, o: OrderOutcome): OrderOutcome {
    this.orders.set(req.clientId, o);
    // A Map iterates in insertion order: the first keys are the oldest orders.
    for (const oldest of this.orders.keys()) {
      if (this.orders.size <= this.rememberedOrders) break;
      this.orders.delete(oldest);
    }
    return o;
  }
}

/** What an IOC order of `size` takes from the book within its cap: whole increments, at their VWAP. */
function sweep(req: OrderRequest, book: OrderBook, size: number, sizeIncrement: number): { filled: number; avgPrice: number } {
  const levels = req.side === 'BUY' ? book.asks : book.bids;
  const within = (price: number): boolean => (req.side === 'BUY' ? price <= req.price : price >= req.price);
  let remaining = size;
  let filled = 0;
  let notional = 0;
  for (const level of levels) {
    if (remaining <= size * 1e-12 || !within(level.price)) break;
    const take = Math.min(level.size, remaining);
    filled += take;
    notional += take * level.price;
    remaining -= take;
  }
  // Level sizes need not be multiples of the increment; the venue would fill whole increments only.
  const avgPrice = filled > 0 ? notional / filled : 0;
  return { filled: floorToStep(filled, sizeIncrement), avgPrice };
}

/** Updates a holding (+ long, − short) with a fill; the entry price averages on increase and resets on a flip. */
function applyFill(holdings: Map<string, Holding>, symbol: string, holdingChange: number, price: number): void {
  const h = holdings.get(symbol) ?? { size: 0, entryPrice: 0 };
  const next = roundDecimals(h.size + holdingChange, 12);
  if (h.size === 0 || Math.sign(h.size) === Math.sign(holdingChange)) {
    h.entryPrice = (h.entryPrice * Math.abs(h.size) + price * Math.abs(holdingChange)) / Math.abs(next);
  } else if (next !== 0 && Math.sign(next) !== Math.sign(h.size)) {
    h.entryPrice = price;
  }
  h.size = next;
  if (next === 0) h.entryPrice = 0;
  holdings.set(symbol, h);
}
