import fc from 'fast-check';
import {
  Ladder,
  applyBookDelta,
  bestAsk,
  bestBid,
  bookAgeMs,
  bookFromLevels,
  emptyBook,
  fillPrice,
  isCrossed,
  midPrice,
  vwap,
  type Level,
  type OrderBook,
} from '../../src/domain/order-book';

const L = (price: number, size: number): Level => ({ price, size });
const meta = { receivedAt: 1000 };

/** bids 100 x1, 99 x2, 98 x3 / asks 101 x1, 102 x2, 103 x3 */
const book = bookFromLevels([L(99, 2), L(100, 1), L(98, 3)], [L(103, 3), L(101, 1), L(102, 2)], meta);

describe('bookFromLevels', () => {
  it('sorts bids high to low and asks low to high', () => {
    expect(book.bids.map((l) => l.price)).toEqual([100, 99, 98]);
    expect(book.asks.map((l) => l.price)).toEqual([101, 102, 103]);
  });

  it('drops levels with zero, negative or non-finite price or size', () => {
    const b = bookFromLevels(
      [L(100, 1), L(0, 1), L(-1, 1), L(99, 0), L(98, -2), L(NaN, 1), L(97, Infinity)],
      [L(101, 1), L(Infinity, 1), L(102, NaN)],
      meta,
    );
    expect(b.bids).toEqual([L(100, 1)]);
    expect(b.asks).toEqual([L(101, 1)]);
  });

  it('keeps the last of repeated prices, as a delta stream would', () => {
    const b = bookFromLevels([L(100, 1), L(99, 5), L(100, 7)], [L(101, 2), L(101, 3)], meta);
    expect(b.bids).toEqual([L(100, 7), L(99, 5)]);
    expect(b.asks).toEqual([L(101, 3)]);
  });

  it('carries seq and exchange time only when given', () => {
    expect(bookFromLevels([], [], { receivedAt: 5, seq: 9, exchangeTime: 4 })).toEqual({ bids: [], asks: [], receivedAt: 5, seq: 9, exchangeTime: 4 });
    expect(Object.keys(bookFromLevels([], [], { receivedAt: 5 })).sort()).toEqual(['asks', 'bids', 'receivedAt']);
  });
});

describe('applyBookDelta', () => {
  it('inserts new levels in price order', () => {
    const b = applyBookDelta(book, { bids: [L(99.5, 4)], asks: [L(101.5, 4)] }, meta);
    expect(b.bids.map((l) => l.price)).toEqual([100, 99.5, 99, 98]);
    expect(b.asks.map((l) => l.price)).toEqual([101, 101.5, 102, 103]);
  });

  it('replaces the size of an existing level', () => {
    const b = applyBookDelta(book, { bids: [L(99, 9)], asks: [] }, meta);
    expect(b.bids).toEqual([L(100, 1), L(99, 9), L(98, 3)]);
  });

  it('deletes a level when its size is 0, and ignores a delete of an absent level', () => {
    const b = applyBookDelta(book, { bids: [L(100, 0), L(42, 0)], asks: [L(103, 0)] }, meta);
    expect(b.bids).toEqual([L(99, 2), L(98, 3)]);
    expect(b.asks).toEqual([L(101, 1), L(102, 2)]);
  });

  it('ignores malformed changes instead of corrupting the book', () => {
    const b = applyBookDelta(book, { bids: [L(NaN, 1), L(100, -1), L(-5, 1), L(99, Infinity)], asks: [L(0, 1)] }, meta);
    expect(b.bids).toEqual(book.bids);
    expect(b.asks).toEqual(book.asks);
  });

  it('does not modify the book it was given', () => {
    const before = JSON.stringify(book);
    applyBookDelta(book, { bids: [L(100, 0), L(97, 1)], asks: [L(101, 5)] }, { receivedAt: 2000, seq: 3 });
    expect(JSON.stringify(book)).toBe(before);
  });

  it('stamps the new receive time and sequence', () => {
    const b = applyBookDelta(book, { bids: [], asks: [] }, { receivedAt: 2000, seq: 3 });
    expect(b.receivedAt).toBe(2000);
    expect(b.seq).toBe(3);
  });
});

describe('top of book', () => {
  it('reads best bid, best ask and mid', () => {
    expect(bestBid(book)).toEqual(L(100, 1));
    expect(bestAsk(book)).toEqual(L(101, 1));
    expect(midPrice(book)).toBe(100.5);
  });

  it('has no best price or mid on an empty side', () => {
    const oneSided = bookFromLevels([L(100, 1)], [], meta);
    expect(bestAsk(oneSided)).toBeUndefined();
    expect(midPrice(oneSided)).toBeUndefined();
    expect(bestBid(emptyBook())).toBeUndefined();
  });

  it('calls a book crossed when the best bid is at or above the best ask', () => {
    expect(isCrossed(book)).toBe(false);
    expect(isCrossed(bookFromLevels([L(101, 1)], [L(101, 1)], meta))).toBe(true);
    expect(isCrossed(bookFromLevels([L(102, 1)], [L(101, 1)], meta))).toBe(true);
    expect(isCrossed(bookFromLevels([L(102, 1)], [], meta))).toBe(false);
  });

  it('measures the age of a book from its receive time', () => {
    expect(bookAgeMs(book, 1250)).toBe(250);
  });
});

describe('vwap', () => {
  it('averages the prices of the levels a size walks through', () => {
    // 1 @ 101 + 1.5 @ 102 = 101 + 153 = 254 over 2.5
    expect(vwap(book, 'ask', 2.5)).toBeCloseTo(254 / 2.5, 12);
    // selling 4 into bids: 1 @ 100 + 2 @ 99 + 1 @ 98 = 396 over 4
    expect(vwap(book, 'bid', 4)).toBeCloseTo(99, 12);
  });

  it('is the top price when the first level covers the size', () => {
    expect(vwap(book, 'ask', 0.4)).toBe(101);
    expect(vwap(book, 'bid', 1)).toBe(100);
  });

  it('uses the whole side when the size equals its depth', () => {
    expect(vwap(book, 'ask', 6)).toBeCloseTo((101 + 204 + 309) / 6, 12);
  });

  it('is undefined when the side is too thin for the size', () => {
    expect(vwap(book, 'ask', 6.0001)).toBeUndefined();
    expect(vwap(emptyBook(), 'bid', 0.1)).toBeUndefined();
  });

  it('is undefined for a size of zero, below zero or not a number', () => {
    expect(vwap(book, 'ask', 0)).toBeUndefined();
    expect(vwap(book, 'ask', -1)).toBeUndefined();
    expect(vwap(book, 'ask', NaN)).toBeUndefined();
  });

  it('fills sizes made of decimal increments despite binary rounding', () => {
    const b = bookFromLevels([], [L(10, 0.1), L(11, 0.2)], meta);
    expect(vwap(b, 'ask', 0.3)).toBeCloseTo((1 + 2.2) / 0.3, 12);
  });

  it('fillPrice is the top of book without a size and the vwap with one', () => {
    expect(fillPrice(book, 'ask')).toBe(101);
    expect(fillPrice(book, 'bid')).toBe(100);
    expect(fillPrice(book, 'ask', 2.5)).toBe(vwap(book, 'ask', 2.5));
    expect(fillPrice(emptyBook(), 'ask')).toBeUndefined();
  });
});

describe('Ladder', () => {
  it('keeps each side sorted as levels are set', () => {
    const l = new Ladder();
    l.set('bid', 99, 1);
    l.set('bid', 100, 2);
    l.set('bid', 98, 3);
    l.set('ask', 102, 1);
    l.set('ask', 101, 1);
    expect(l.snapshot(meta)).toEqual(bookFromLevels([L(99, 1), L(100, 2), L(98, 3)], [L(102, 1), L(101, 1)], meta));
    expect(l.bestBidPrice()).toBe(100);
    expect(l.bestAskPrice()).toBe(101);
  });

  it('removes a level on size 0 and updates a size in place', () => {
    const l = new Ladder();
    l.set('ask', 101, 1);
    l.set('ask', 102, 1);
    l.set('ask', 101, 0);
    l.set('ask', 102, 5);
    expect(l.snapshot(meta).asks).toEqual([L(102, 5)]);
    expect(l.askCount).toBe(1);
  });

  it('shares the unchanged levels of the last snapshot, never changing an earlier snapshot', () => {
    const l = new Ladder();
    for (const [p, s] of [[100, 1], [99, 2], [98, 3]] as const) l.set('bid', p, s);
    l.set('ask', 101, 1);
    const first = l.snapshot(meta);
    l.set('bid', 99, 7); // a size changed in place
    l.set('bid', 99.5, 4); // a level inserted: the ones below it move down
    const second = l.snapshot(meta);
    expect(second.bids).toEqual([L(100, 1), L(99.5, 4), L(99, 7), L(98, 3)]);
    expect(first.bids).toEqual([L(100, 1), L(99, 2), L(98, 3)]);
    expect(second.bids[0]).toBe(first.bids[0]);
    expect(second.asks[0]).toBe(first.asks[0]);
    expect(second.bids[2]).not.toBe(first.bids[1]);
    expect(second.bids).not.toBe(first.bids);
  });

  it('refuses malformed levels and reports it', () => {
    const l = new Ladder();
    expect(l.set('bid', NaN, 1)).toBe(false);
    expect(l.set('bid', 100, -1)).toBe(false);
    expect(l.set('bid', 0, 1)).toBe(false);
    expect(l.set('bid', 100, 1)).toBe(true);
    expect(l.bidCount).toBe(1);
  });

  it('snapshots only the requested depth', () => {
    const l = new Ladder();
    for (let p = 1; p <= 20; p++) {
      l.set('bid', 100 - p, p);
      l.set('ask', 100 + p, p);
    }
    const s = l.snapshot(meta, 3);
    expect(s.bids.map((x) => x.price)).toEqual([99, 98, 97]);
    expect(s.asks.map((x) => x.price)).toEqual([101, 102, 103]);
  });

  it('is empty after clear', () => {
    const l = new Ladder();
    l.set('bid', 1, 1);
    l.set('ask', 2, 1);
    l.clear();
    expect(l.snapshot(meta)).toEqual(emptyBook(meta.receivedAt));
    expect(l.bestBidPrice()).toBeUndefined();
  });

  it('replaces a side with levels already ordered best first, a size 0 meaning no level', () => {
    const l = new Ladder();
    l.set('bid', 50, 1);
    l.set('ask', 200, 1);
    expect(l.replaceSide('bid', [100, 99.5, 99, 98], [1, 0, 2, 3], 4)).toBe(true);
    expect(l.replaceSide('ask', new Float64Array([101, 102, 103]), new Float64Array([1, 2, 9]), 2)).toBe(true);
    expect(l.snapshot(meta)).toEqual({ bids: [L(100, 1), L(99, 2), L(98, 3)], asks: [L(101, 1), L(102, 2)], receivedAt: meta.receivedAt });
    expect(l.replaceSide('ask', [], [], 0)).toBe(true);
    expect(l.askCount).toBe(0);
    expect(l.bestAskPrice()).toBeUndefined();
  });

  it('refuses a side replacement that is out of order, repeats a price or holds a bad value, and keeps the side', () => {
    const l = new Ladder();
    l.set('bid', 100, 1);
    l.set('ask', 101, 1);
    const before = l.snapshot(meta);
    expect(l.replaceSide('bid', [99, 100], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('bid', [99, 99], [1, 2], 2)).toBe(false);
    expect(l.replaceSide('ask', [102, 101], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('ask', [0, 101], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('bid', [99, -1], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('ask', [102, Infinity], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('bid', [Infinity, 99], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('ask', [102, NaN], [1, 1], 2)).toBe(false);
    expect(l.replaceSide('ask', [102, 103], [1, -1], 2)).toBe(false);
    expect(l.replaceSide('ask', [102, 103], [1, NaN], 2)).toBe(false);
    expect(l.replaceSide('ask', [102], [1], 2)).toBe(false);
    expect(l.snapshot(meta)).toEqual(before);
  });

  it('grows past its initial room and still keeps every level in order', () => {
    const l = new Ladder();
    const prices = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 300) + 1);
    for (const p of prices) l.set('ask', p, p / 10);
    for (let p = 2; p <= 300; p += 2) l.set('ask', p, 0);
    const asks = l.snapshot(meta).asks;
    expect(asks).toHaveLength(150);
    expect(asks.map((a) => a.price)).toEqual(Array.from({ length: 150 }, (_, i) => 2 * i + 1));
    expect(asks.every((a) => a.size === a.price / 10)).toBe(true);
    const many = Array.from({ length: 100 }, (_, i) => 1000 - i);
    expect(l.replaceSide('bid', many, many, 100)).toBe(true);
    expect(l.snapshot(meta).bids.map((b) => b.price)).toEqual(many);
  });

  it('snapshots are independent of later changes', () => {
    const l = new Ladder();
    l.set('bid', 100, 1);
    const s = l.snapshot(meta);
    l.set('bid', 100, 9);
    expect(s.bids).toEqual([L(100, 1)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. Prices are whole ticks (exact in binary); bids sit below 500 and asks above it, so every
// generated target book is consistent (uncrossed), as a real venue's would be.

const size = fc.integer({ min: 1, max: 10_000 }).map((n) => n / 1000);
const sideLevels = (min: number, max: number) =>
  fc.uniqueArray(fc.record({ price: fc.integer({ min, max }), size }), { selector: (l) => l.price, maxLength: 25 });
const consistentBook = fc
  .record({ bids: sideLevels(1, 499), asks: sideLevels(501, 1000) })
  .map(({ bids, asks }) => bookFromLevels(bids, asks, meta));

/** The changes that turn side `from` into side `to`: new or changed levels, and size 0 for removed ones. */
function sideDelta(from: readonly Level[], to: readonly Level[]): Level[] {
  const target = new Map(to.map((l) => [l.price, l.size]));
  const changes: Level[] = from.filter((l) => !target.has(l.price)).map((l) => L(l.price, 0));
  const current = new Map(from.map((l) => [l.price, l.size]));
  for (const l of to) if (current.get(l.price) !== l.size) changes.push(l);
  return changes;
}

const levelsOf = (b: OrderBook) => ({ bids: b.bids, asks: b.asks });

describe('order book properties', () => {
  it('a snapshot followed by the delta to a second book equals that book, whatever the order of changes', () => {
    fc.assert(
      fc.property(consistentBook, consistentBook, fc.infiniteStream(fc.boolean()), (from, to, flips) => {
        const bids = sideDelta(from.bids, to.bids);
        const asks = sideDelta(from.asks, to.asks);
        // A venue may list a price's changes in any order; different prices commute.
        const shuffle = (xs: Level[]) => [...xs].sort(() => (flips.next().value ? 1 : -1));
        const applied = applyBookDelta(from, { bids: shuffle(bids), asks: shuffle(asks) }, meta);
        expect(levelsOf(applied)).toEqual(levelsOf(to));
      }),
    );
  });

  it('never crosses while applying a stream of deltas between consistent books', () => {
    fc.assert(
      fc.property(fc.array(consistentBook, { minLength: 1, maxLength: 8 }), (targets) => {
        let b = emptyBook();
        for (const t of targets) {
          // Removals first, as a venue sends them, so the book stays consistent between messages.
          b = applyBookDelta(b, { bids: sideDelta(b.bids, t.bids), asks: sideDelta(b.asks, t.asks) }, meta);
          expect(isCrossed(b)).toBe(false);
          expect(levelsOf(b)).toEqual(levelsOf(t));
        }
      }),
    );
  });

  it('keeps both sides strictly sorted with positive sizes after arbitrary deltas', () => {
    const anyLevel = fc.record({ price: fc.integer({ min: 1, max: 60 }), size: fc.oneof(size, fc.constant(0)) });
    fc.assert(
      fc.property(fc.array(fc.record({ bids: fc.array(anyLevel), asks: fc.array(anyLevel) }), { maxLength: 10 }), (deltas) => {
        let b = emptyBook();
        for (const d of deltas) b = applyBookDelta(b, d, meta);
        for (let i = 1; i < b.bids.length; i++) expect(b.bids[i]!.price).toBeLessThan(b.bids[i - 1]!.price);
        for (let i = 1; i < b.asks.length; i++) expect(b.asks[i]!.price).toBeGreaterThan(b.asks[i - 1]!.price);
        expect([...b.bids, ...b.asks].every((l) => l.size > 0)).toBe(true);
      }),
    );
  });

  it('Ladder.replaceSide of a best-first side builds the same book as setting its levels one by one', () => {
    const withZeros = (min: number, max: number) =>
      fc.uniqueArray(fc.record({ price: fc.integer({ min, max }), size: fc.oneof(size, fc.constant(0)) }), { selector: (l) => l.price, maxLength: 40 });
    fc.assert(
      fc.property(consistentBook, withZeros(1, 499), withZeros(501, 1000), (start, rawBids, rawAsks) => {
        const bids = [...rawBids].sort((x, y) => y.price - x.price);
        const asks = [...rawAsks].sort((x, y) => x.price - y.price);
        const bulk = new Ladder();
        const oneByOne = new Ladder();
        for (const l of [bulk, oneByOne]) {
          for (const b of start.bids) l.set('bid', b.price, b.size);
          for (const a of start.asks) l.set('ask', a.price, a.size);
        }
        expect(bulk.replaceSide('bid', bids.map((b) => b.price), bids.map((b) => b.size), bids.length)).toBe(true);
        expect(bulk.replaceSide('ask', Float64Array.from(asks, (a) => a.price), Float64Array.from(asks, (a) => a.size), asks.length)).toBe(true);
        oneByOne.clear();
        for (const b of bids) oneByOne.set('bid', b.price, b.size);
        for (const a of asks) oneByOne.set('ask', a.price, a.size);
        expect(bulk.snapshot(meta)).toEqual(oneByOne.snapshot(meta));
        expect([bulk.bestBidPrice(), bulk.bestAskPrice()]).toEqual([oneByOne.bestBidPrice(), oneByOne.bestAskPrice()]);
      }),
      { numRuns: 300 },
    );
  });

  it('Ladder.snapshot equals bookFromLevels and applyBookDelta of the same levels', () => {
    const anyLevel = fc.record({ side: fc.constantFrom('bid' as const, 'ask' as const), price: fc.integer({ min: 1, max: 80 }), size: fc.oneof(size, fc.constant(0)) });
    fc.assert(
      fc.property(fc.array(anyLevel, { maxLength: 80 }), fc.integer({ min: 1, max: 30 }), (sets, depth) => {
        const ladder = new Ladder();
        let viaDelta = emptyBook();
        const last = { bid: new Map<number, number>(), ask: new Map<number, number>() };
        for (const s of sets) {
          ladder.set(s.side, s.price, s.size);
          viaDelta = applyBookDelta(viaDelta, s.side === 'bid' ? { bids: [s], asks: [] } : { bids: [], asks: [s] }, meta);
          last[s.side].set(s.price, s.size);
        }
        const levels = (m: Map<number, number>) => [...m].map(([price, sz]) => L(price, sz));
        const fromLevels = bookFromLevels(levels(last.bid), levels(last.ask), meta);
        expect(ladder.snapshot(meta)).toEqual(fromLevels);
        expect(levelsOf(viaDelta)).toEqual(levelsOf(fromLevels));
        const top = ladder.snapshot(meta, depth);
        expect(top.bids).toEqual(fromLevels.bids.slice(0, depth));
        expect(top.asks).toEqual(fromLevels.asks.slice(0, depth));
      }),
    );
  });

  it('vwap lies between the best and the worst price it touches', () => {
    fc.assert(
      fc.property(consistentBook, fc.integer({ min: 1, max: 50_000 }).map((n) => n / 1000), (b, want) => {
        for (const side of ['bid', 'ask'] as const) {
          const levels = side === 'ask' ? b.asks : b.bids;
          const depth = levels.reduce((s, l) => s + l.size, 0);
          const p = vwap(b, side, want);
          if (want > depth) {
            // Just above the depth the relative epsilon may still count it as filled.
            if (want > depth * (1 + 1e-9)) expect(p).toBeUndefined();
            continue;
          }
          if (p === undefined) throw new Error(`vwap undefined for ${want} within depth ${depth}`);
          const prices = levels.map((l) => l.price);
          expect(p).toBeGreaterThanOrEqual(Math.min(...prices) - 1e-9);
          expect(p).toBeLessThanOrEqual(Math.max(...prices) + 1e-9);
        }
      }),
    );
  });
});
