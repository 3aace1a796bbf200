/**
 * L2 order book values and math. Pure: no RxJS, no I/O, no clock.
 *
 * An `OrderBook` is an immutable value (what streams carry). A `Ladder` is the mutable
 * structure a feed client or a simulated venue keeps and snapshots from, so that applying
 * an update costs O(log n) and emitting a book costs O(depth emitted), not O(whole book).
 */

export interface Level {
  readonly price: number;
  readonly size: number;
}

export type BookSide = 'bid' | 'ask';

export interface OrderBook {
  /** Highest price first. */
  readonly bids: readonly Level[];
  /** Lowest price first. */
  readonly asks: readonly Level[];
  /** Local receive time, ms since epoch. */
  readonly receivedAt: number;
  /** Venue sequence number of the last update applied, when the venue has one. */
  readonly seq?: number;
  /** Venue timestamp of the last update, ms since epoch, when the venue sends one. */
  readonly exchangeTime?: number;
  /** Set by a feed client when no update has arrived within its staleness limit. */
  readonly stale?: boolean;
}

export interface BookMeta {
  receivedAt: number;
  seq?: number;
  exchangeTime?: number;
}

export const EMPTY_LEVELS: readonly Level[] = Object.freeze([]);

export function emptyBook(receivedAt = 0): OrderBook {
  return { bids: EMPTY_LEVELS, asks: EMPTY_LEVELS, receivedAt };
}

function isValidLevel(l: Level): boolean {
  return Number.isFinite(l.price) && Number.isFinite(l.size) && l.price > 0 && l.size > 0;
}

/** Builds a book from unsorted levels. Levels with non-positive or non-finite values are dropped. */
export function bookFromLevels(bids: readonly Level[], asks: readonly Level[], meta: BookMeta): OrderBook {
  return withMeta({ bids: sortedSide(bids, -1), asks: sortedSide(asks, 1), receivedAt: meta.receivedAt }, meta);
}

/**
 * One side best price first (`order` -1: high to low, 1: low to high), invalid levels dropped, a repeated
 * price's last level kept. Venues send their levels valid and in order: that is checked in one pass and
 * copied as is, without the filter, sort and dedupe (a Vest depth push is built this way on every frame).
 */
function sortedSide(levels: readonly Level[], order: 1 | -1): Level[] {
  if (isStrictlyOrdered(levels, order)) return levels.slice();
  return dedupe(levels.filter(isValidLevel).sort((x, y) => order * (x.price - y.price)));
}

function isStrictlyOrdered(levels: readonly Level[], order: 1 | -1): boolean {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (!isValidLevel(l)) return false;
    if (i > 0 && !(order * (l.price - levels[i - 1]!.price) > 0)) return false;
  }
  return true;
}

/** When a venue repeats a price in one snapshot, the last one wins (matching delta semantics). */
function dedupe(sorted: Level[]): Level[] {
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.price === sorted[i - 1]!.price) {
      const out: Level[] = [];
      for (const l of sorted) {
        if (out.length > 0 && out[out.length - 1]!.price === l.price) out[out.length - 1] = l;
        else out.push(l);
      }
      return out;
    }
  }
  return sorted;
}

/** Adds the optional meta to `book`, a new object of the caller's (set in place: no copy per emitted book). */
function withMeta(book: { bids: readonly Level[]; asks: readonly Level[]; receivedAt: number }, meta: BookMeta): OrderBook {
  const out: { -readonly [K in keyof OrderBook]: OrderBook[K] } = book;
  if (meta.seq !== undefined) out.seq = meta.seq;
  if (meta.exchangeTime !== undefined) out.exchangeTime = meta.exchangeTime;
  return out;
}

/**
 * Applies changed levels to one side. Size 0 deletes the level; a positive size sets it.
 * Returns a new array; the input is not modified.
 */
function applySide(levels: readonly Level[], changes: readonly Level[], side: BookSide): Level[] {
  const out = levels.slice();
  for (const c of changes) {
    if (!Number.isFinite(c.price) || !Number.isFinite(c.size) || c.price <= 0 || c.size < 0) continue;
    const i = searchLevel(out, c.price, side);
    const found = i < out.length && out[i]!.price === c.price;
    if (c.size === 0) {
      if (found) out.splice(i, 1);
    } else if (found) {
      out[i] = { price: c.price, size: c.size };
    } else {
      out.splice(i, 0, { price: c.price, size: c.size });
    }
  }
  return out;
}

/** First index whose price is not better than `price` for that side. */
function searchLevel(levels: readonly Level[], price: number, side: BookSide): number {
  let lo = 0;
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = levels[mid]!.price;
    const better = side === 'bid' ? p > price : p < price;
    if (better) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Applies a delta (size 0 deletes a level) and returns the new book. */
export function applyBookDelta(
  book: OrderBook,
  changes: { bids: readonly Level[]; asks: readonly Level[] },
  meta: BookMeta,
): OrderBook {
  return withMeta(
    { bids: applySide(book.bids, changes.bids, 'bid'), asks: applySide(book.asks, changes.asks, 'ask'), receivedAt: meta.receivedAt },
    meta,
  );
}

export function bestBid(book: OrderBook): Level | undefined {
  return book.bids[0];
}

export function bestAsk(book: OrderBook): Level | undefined {
  return book.asks[0];
}

export function midPrice(book: OrderBook): number | undefined {
  const b = book.bids[0];
  const a = book.asks[0];
  return b && a ? (b.price + a.price) / 2 : undefined;
}

/** True when the best bid is at or above the best ask: such a book cannot be traded on. */
export function isCrossed(book: OrderBook): boolean {
  const b = book.bids[0];
  const a = book.asks[0];
  return b !== undefined && a !== undefined && b.price >= a.price;
}

/**
 * Volume-weighted average price of filling `baseSize` against one side
 * ('ask' = buying from the asks, 'bid' = selling into the bids).
 * Returns undefined when the side's depth is short of the size, or the size is not positive.
 */
export function vwap(book: OrderBook, side: BookSide, baseSize: number): number | undefined {
  if (!(baseSize > 0)) return undefined;
  const levels = side === 'ask' ? book.asks : book.bids;
  // Exactly the top price when the top level covers the size (x*p/x can be off by an ulp).
  if (levels[0] !== undefined && levels[0].size >= baseSize) return levels[0].price;
  let remaining = baseSize;
  let notional = 0;
  for (const l of levels) {
    const take = l.size < remaining ? l.size : remaining;
    notional += take * l.price;
    remaining -= take;
    // Relative epsilon: sizes are sums of decimal increments.
    if (remaining <= baseSize * 1e-12) return notional / baseSize;
  }
  return undefined;
}

/** Price to fill `baseSize` on a side: VWAP when a size is given, else the top of book. */
export function fillPrice(book: OrderBook, side: BookSide, baseSize?: number): number | undefined {
  if (baseSize === undefined) return (side === 'ask' ? book.asks[0] : book.bids[0])?.price;
  return vwap(book, side, baseSize);
}

/** Age of a book at `now`, ms. */
export function bookAgeMs(book: OrderBook, now: number): number {
  return now - book.receivedAt;
}

/**
 * The mutable book a feed client or simulated venue maintains. Prices are kept in sorted
 * parallel arrays; `snapshot(depth)` copies only the top `depth` levels into an OrderBook.
 */
export class Ladder {
  private readonly bids = new LadderSide(true);
  private readonly asks = new LadderSide(false);

  clear(): void {
    this.bids.count = 0;
    this.asks.count = 0;
  }

  get bidCount(): number {
    return this.bids.count;
  }

  get askCount(): number {
    return this.asks.count;
  }

  /** Sets a level's size; size 0 removes it. Non-finite or negative input is ignored and reported false. */
  set(side: BookSide, price: number, size: number): boolean {
    if (!Number.isFinite(price) || !Number.isFinite(size) || price <= 0 || size < 0) return false;
    (side === 'bid' ? this.bids : this.asks).set(price, size);
    return true;
  }

  /**
   * Replaces one side with the first `count` levels of `prices`/`sizes`, which must be strictly
   * ordered best first (bids descending, asks ascending), as venue snapshots send them: one pass,
   * no search. A size-0 level is no level, as with `set`. Returns false and leaves the side as it
   * was when the levels are out of order, repeat a price, or hold a value `set` would refuse;
   * the caller then falls back to `set` per level (which gives repeated prices last-wins).
   */
  replaceSide(side: BookSide, prices: ArrayLike<number>, sizes: ArrayLike<number>, count: number): boolean {
    if (!Number.isInteger(count) || count < 0 || count > prices.length || count > sizes.length) return false;
    return (side === 'bid' ? this.bids : this.asks).replace(prices, sizes, count);
  }

  bestBidPrice(): number | undefined {
    return this.bids.count > 0 ? this.bids.px[0] : undefined;
  }

  bestAskPrice(): number | undefined {
    return this.asks.count > 0 ? this.asks.px[0] : undefined;
  }

  /** Top `depth` levels of each side as an immutable OrderBook value. */
  snapshot(meta: BookMeta, depth = Number.POSITIVE_INFINITY): OrderBook {
    return withMeta({ bids: this.bids.copyTop(depth), asks: this.asks.copyTop(depth), receivedAt: meta.receivedAt }, meta);
  }
}

/**
 * One side of a Ladder: prices best first and their sizes in the first `count` slots of two
 * typed arrays (grown by doubling), so a snapshot replaces a side by plain copies.
 */
class LadderSide {
  px = new Float64Array(32);
  sz = new Float64Array(32);
  count = 0;
  /** The levels of the last copyTop, reused where unchanged. */
  private shown: readonly Level[] = [];

  constructor(private readonly descending: boolean) {}

  /** Input already checked by Ladder.set. */
  set(price: number, size: number): void {
    const { px, sz, descending } = this;
    const n = this.count;
    // A level worse than the whole side (how a snapshot arrives, best first) is appended without a search.
    if (n === 0 || (descending ? px[n - 1]! > price : px[n - 1]! < price)) {
      if (size !== 0) this.insertAt(n, price, size);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = px[mid]!;
      if (descending ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    const found = lo < n && px[lo] === price;
    if (size === 0) {
      if (found) {
        px.copyWithin(lo, lo + 1, n);
        sz.copyWithin(lo, lo + 1, n);
        this.count = n - 1;
      }
    } else if (found) {
      sz[lo] = size;
    } else {
      this.insertAt(lo, price, size);
    }
  }

  replace(prices: ArrayLike<number>, sizes: ArrayLike<number>, count: number): boolean {
    if (!(this.descending ? isDescending(prices, count) : isAscending(prices, count))) return false;
    for (let i = 0; i < count; i++) {
      const s = sizes[i]!;
      if (!(s >= 0 && s < Number.POSITIVE_INFINITY)) return false;
    }
    if (count > this.px.length) this.grow(count);
    const { px, sz } = this;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const s = sizes[i]!;
      if (s === 0) continue;
      px[n] = prices[i]!;
      sz[n] = s;
      n++;
    }
    this.count = n;
    return true;
  }

  /**
   * The top `depth` levels as a new array. A level the last copy showed at the same place with the same price and
   * size is that copy's (immutable) Level object again: a delta touches a few levels, and the other ~100 of a
   * 50-deep book are then neither allocated nor later collected, on every frame of the feed.
   */
  copyTop(depth: number): Level[] {
    const n = Math.min(this.count, depth);
    const { px, sz, shown } = this;
    const out = new Array<Level>(n);
    for (let i = 0; i < n; i++) {
      const price = px[i]!;
      const size = sz[i]!;
      const was = shown[i];
      out[i] = was !== undefined && was.price === price && was.size === size ? was : { price, size };
    }
    this.shown = out;
    return out;
  }

  private insertAt(at: number, price: number, size: number): void {
    const n = this.count;
    if (n === this.px.length) this.grow(n + 1);
    const { px, sz } = this;
    if (at < n) {
      px.copyWithin(at + 1, at, n);
      sz.copyWithin(at + 1, at, n);
    }
    px[at] = price;
    sz[at] = size;
    this.count = n + 1;
  }

  private grow(min: number): void {
    const cap = Math.max(min, this.px.length * 2);
    const px = new Float64Array(cap);
    const sz = new Float64Array(cap);
    px.set(this.px.subarray(0, this.count));
    sz.set(this.sz.subarray(0, this.count));
    this.px = px;
    this.sz = sz;
  }
}

/** Strictly descending positive finite prices (NaN fails every comparison). */
function isDescending(prices: ArrayLike<number>, count: number): boolean {
  let prev = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const p = prices[i]!;
    if (!(p < prev)) return false;
    prev = p;
  }
  return count === 0 || prev > 0;
}

/** Strictly ascending positive finite prices. */
function isAscending(prices: ArrayLike<number>, count: number): boolean {
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const p = prices[i]!;
    if (!(p > prev)) return false;
    prev = p;
  }
  return prev < Number.POSITIVE_INFINITY;
}
