import fc from 'fast-check';
import { bInAUnits, usdPerQuoteUnit } from '../../src/domain/market';
import { bookFromLevels, emptyBook, type Level } from '../../src/domain/order-book';
import {
  DIRECTIONS,
  bestEntry,
  entrySpread,
  exitSpread,
  exitSpreadOf,
  legsOf,
  netEntrySpread,
  netRoundTripProfit,
  quotesOf,
  roundTripFeePct,
  takerFeeProblem,
  roundTripProfit,
  spreadPct,
  type Quotes,
} from '../../src/domain/spread';

const L = (price: number, size: number): Level => ({ price, size });
const meta = { receivedAt: 0 };

// A = Vest, B = Paradex. B trades rich: selling B and buying A pays.
const q: Quotes = { bidA: 99_990, askA: 100_000, bidB: 100_080, askB: 100_090 };

describe('spreadPct', () => {
  it('is (sell - buy) / buy * 100', () => {
    expect(spreadPct(101, 100)).toBeCloseTo(1, 12);
    expect(spreadPct(99, 100)).toBeCloseTo(-1, 12);
  });

  it('is undefined, never 0, when a price is missing, zero, negative or not finite', () => {
    for (const [sell, buy] of [
      [undefined, 100],
      [100, undefined],
      [100, 0],
      [0, 100],
      [-1, 100],
      [100, Infinity],
      [NaN, 100],
    ] as const) {
      expect(spreadPct(sell, buy)).toBeUndefined();
    }
  });
});

describe('entry and exit spreads', () => {
  it('AOverB entry buys A at its ask and sells B at its bid: (bidB - askA) / askA', () => {
    // (100080 - 100000) / 100000 * 100 = 0.08
    expect(entrySpread('AOverB', q)).toBeCloseTo(0.08, 12);
  });

  it('BOverA entry buys B at its ask and sells A at its bid: (bidA - askB) / askB', () => {
    // (99990 - 100090) / 100090 * 100
    expect(entrySpread('BOverA', q)).toBeCloseTo((-100 / 100_090) * 100, 12);
  });

  it('AOverB exit sells the long A at its bid and buys back B at its ask: (bidA - askB) / askB', () => {
    expect(exitSpread('AOverB', q)).toBeCloseTo((-100 / 100_090) * 100, 12);
  });

  it('BOverA exit sells the long B at its bid and buys back A at its ask: (bidB - askA) / askA', () => {
    expect(exitSpread('BOverA', q)).toBeCloseTo(0.08, 12);
  });

  it('is undefined when a needed price is missing (the original read 0 and could close on it)', () => {
    const noAskB: Quotes = { ...q, askB: undefined };
    expect(exitSpread('AOverB', noAskB)).toBeUndefined();
    expect(entrySpread('BOverA', noAskB)).toBeUndefined();
    // The other direction does not need askB.
    expect(entrySpread('AOverB', noAskB)).toBeCloseTo(0.08, 12);
  });

  it('names the long and short books of each direction', () => {
    expect(legsOf('AOverB')).toEqual({ long: 'a', short: 'b' });
    expect(legsOf('BOverA')).toEqual({ long: 'b', short: 'a' });
    expect(DIRECTIONS).toEqual(['AOverB', 'BOverA']);
  });
});

describe('quotes from books', () => {
  const a = bookFromLevels([L(99_990, 0.5), L(99_980, 1)], [L(100_000, 0.5), L(100_010, 1)], meta);
  const b = bookFromLevels([L(100_080, 0.5), L(100_070, 1)], [L(100_090, 0.5), L(100_100, 1)], meta);

  it('reads top of book without a size', () => {
    expect(quotesOf(a, b)).toEqual(q);
  });

  it('reads the VWAP of the size on each side', () => {
    const sized = quotesOf(a, b, 1);
    expect(sized.askA).toBeCloseTo(100_005, 9);
    expect(sized.bidA).toBeCloseTo(99_985, 9);
    expect(sized.askB).toBeCloseTo(100_095, 9);
    expect(sized.bidB).toBeCloseTo(100_075, 9);
  });

  it('is undefined on a side too thin for the size', () => {
    expect(quotesOf(a, b, 2)).toEqual({ askA: undefined, bidA: undefined, askB: undefined, bidB: undefined });
  });

  it('exitSpreadOf reads the same books as exitSpread of their quotes', () => {
    for (const d of DIRECTIONS) {
      expect(exitSpreadOf(d, a, b)).toBe(exitSpread(d, quotesOf(a, b)));
      expect(exitSpreadOf(d, a, b, 1)).toBe(exitSpread(d, quotesOf(a, b, 1)));
    }
    expect(exitSpreadOf('AOverB', a, emptyBook())).toBeUndefined();
  });

  it('exitSpreadOf agrees with exitSpread on random books and sizes', () => {
    const side = fc.array(fc.record({ price: fc.integer({ min: 1, max: 2000 }), size: fc.integer({ min: 1, max: 100 }).map((n) => n / 10) }), {
      maxLength: 6,
    });
    const book = fc.record({ bids: side, asks: side }).map(({ bids, asks }) => bookFromLevels(bids, asks, meta));
    fc.assert(
      fc.property(book, book, fc.option(fc.integer({ min: 1, max: 300 }).map((n) => n / 10), { nil: undefined }), (x, y, size) => {
        for (const d of DIRECTIONS) expect(exitSpreadOf(d, x, y, size)).toBe(exitSpread(d, quotesOf(x, y, size)));
      }),
    );
  });
});

describe('bestEntry', () => {
  it('picks the direction with the larger entry spread', () => {
    expect(bestEntry(q)).toEqual({ direction: 'AOverB', spread: entrySpread('AOverB', q) });
    const flipped: Quotes = { bidA: q.bidB, askA: q.askB, bidB: q.bidA, askB: q.askA };
    expect(bestEntry(flipped)?.direction).toBe('BOverA');
  });

  it('gives a tie to AOverB, as the original did', () => {
    const tie: Quotes = { bidA: 100, askA: 100, bidB: 100, askB: 100 };
    expect(bestEntry(tie)).toEqual({ direction: 'AOverB', spread: 0 });
  });

  it('uses the only computable direction, and is undefined when neither is', () => {
    expect(bestEntry({ ...q, askA: undefined })?.direction).toBe('BOverA');
    expect(bestEntry({ ...q, askB: undefined })?.direction).toBe('AOverB');
    expect(bestEntry({ askA: undefined, bidA: undefined, askB: undefined, bidB: undefined })).toBeUndefined();
  });

  it('is never beaten by the other direction', () => {
    const price = fc.option(fc.integer({ min: 1, max: 1_000_000 }).map((n) => n / 10), { nil: undefined });
    fc.assert(
      fc.property(price, price, price, price, (askA, bidA, askB, bidB) => {
        const quotes = { askA, bidA, askB, bidB };
        const best = bestEntry(quotes);
        const ab = entrySpread('AOverB', quotes);
        const ba = entrySpread('BOverA', quotes);
        if (ab === undefined && ba === undefined) return expect(best).toBeUndefined();
        expect(best).toBeDefined();
        for (const s of [ab, ba]) if (s !== undefined) expect(best!.spread).toBeGreaterThanOrEqual(s);
      }),
    );
  });
});

describe('fees and round-trip profit', () => {
  const fees = { a: 0.0001, b: 0.00045 }; // Vest 1 bp, Paradex 4.5 bp taker

  it('round-trip fees are both taker fees, in and out, in percent', () => {
    // 2 * (0.0001 + 0.00045) * 100 = 0.11 %
    expect(roundTripFeePct(fees)).toBeCloseTo(0.11, 12);
    expect(roundTripFeePct({ a: 0, b: 0 })).toBe(0);
  });

  it('nets the entry spread of the round trip fees', () => {
    expect(netEntrySpread(0.3, fees)).toBeCloseTo(0.19, 12);
  });

  it('counts rebates (negative taker fees): the net spread rises above the gross', () => {
    const rebate = { a: -0.0001, b: 0.00045 }; // Vest pays 1 bp, Paradex charges 4.5 bp
    expect(roundTripFeePct(rebate)).toBeCloseTo(0.07, 12);
    expect(netEntrySpread(0.3, { a: -0.0001, b: -0.0001 })).toBeCloseTo(0.34, 12);
  });

  it('accepts taker fees strictly between -1 % and 1 % of notional, and says why otherwise', () => {
    for (const ok of [0, 0.00045, -0.0001, -0.0099, 0.0099]) expect([ok, takerFeeProblem(ok)]).toEqual([ok, undefined]);
    for (const bad of [-0.01, 0.01, -0.5, 1, Number.NaN, Number.POSITIVE_INFINITY]) expect(takerFeeProblem(bad)).toMatch(/-0\.01|finite/);
  });

  it('estimates profit as entry + exit spread, as the original did', () => {
    expect(roundTripProfit(0.08, -0.02)).toBeCloseTo(0.06, 12);
    expect(roundTripProfit(0.05, -0.1)).toBeCloseTo(-0.05, 12);
  });

  it('nets the round-trip profit of fees', () => {
    expect(netRoundTripProfit(0.3, -0.02, fees)).toBeCloseTo(0.17, 12);
  });

  it('entry then exit on unchanged books loses exactly the two bid/ask spreads crossed', () => {
    // Open AOverB and close at once: buy A at askA, sell B at bidB, then sell A at bidA, buy B at askB.
    const profit = roundTripProfit(entrySpread('AOverB', q)!, exitSpread('AOverB', q)!);
    const exact = ((q.bidB! - q.askA!) / q.askA! + (q.bidA! - q.askB!) / q.askB!) * 100;
    expect(profit).toBeCloseTo(exact, 12);
    expect(profit).toBeLessThan(0);
  });
});

describe('one unit: Paradex quotes USD, Vest USDC (bInAUnits, Quotes.bToA)', () => {
  it('is exactly 1 at par and when both venues quote one currency; else USD per B unit over USD per A unit', () => {
    expect(bInAUnits('vest', 'paradex', 1)).toBe(1);
    expect(bInAUnits('vest', 'vest', 0.99)).toBe(1);
    // 1 USDC = 0.999 USD: a Paradex price of 99.9 USD is 100 USDC.
    expect(bInAUnits('vest', 'paradex', 0.999)).toBeCloseTo(1 / 0.999, 15);
    expect(bInAUnits('paradex', 'vest', 0.999)).toBeCloseTo(0.999, 15);
    expect(usdPerQuoteUnit('paradex', 0.98)).toBe(1);
    expect(usdPerQuoteUnit('vest', 0.98)).toBe(0.98);
    expect(() => bInAUnits('vest', 'paradex', 0)).toThrow(/USDC\/USD/);
  });

  it('compares B in A’s unit: USDC at 0.999 USD turns a 0.08 % gap in mixed units into 0.18 %', () => {
    // Vest (A) asks 100,000 USDC; Paradex (B) bids 100,080 USD = 100,180.18 USDC.
    const k = bInAUnits('vest', 'paradex', 0.999);
    const mixed = entrySpread('AOverB', q)!;
    const oneUnit = entrySpread('AOverB', { ...q, bToA: k })!;
    expect(mixed).toBeCloseTo(0.08, 10);
    expect(oneUnit).toBeCloseTo(((100_080 / 0.999 - 100_000) / 100_000) * 100, 10);
    expect(oneUnit - mixed).toBeCloseTo(0.1002, 3);
    // The other direction and both exits move the opposite way or the same way by the same factor.
    expect(entrySpread('BOverA', { ...q, bToA: k })).toBeCloseTo(((99_990 - 100_090 / 0.999) / (100_090 / 0.999)) * 100, 10);
    expect(exitSpread('AOverB', { ...q, bToA: k })).toBeCloseTo(((99_990 - 100_090 / 0.999) / (100_090 / 0.999)) * 100, 10);
    expect(exitSpread('BOverA', { ...q, bToA: k })).toBeCloseTo(((100_080 / 0.999 - 100_000) / 100_000) * 100, 10);
    expect(bestEntry({ ...q, bToA: k })).toEqual({ direction: 'AOverB', spread: oneUnit });
  });

  it('reads the same from the books (quotesOf, exitSpreadOf) and keeps each venue’s own prices in the quotes', () => {
    const a = bookFromLevels([L(99_990, 1)], [L(100_000, 1)], meta);
    const b = bookFromLevels([L(100_080, 1)], [L(100_090, 1)], meta);
    const k = 1 / 0.999;
    const quotes = quotesOf(a, b, 0.5, k);
    expect(quotes).toEqual({ askA: 100_000, bidA: 99_990, askB: 100_090, bidB: 100_080, bToA: k });
    expect(quotesOf(a, b, 0.5, 1)).not.toHaveProperty('bToA');
    for (const d of DIRECTIONS) expect(exitSpreadOf(d, a, b, 0.5, k)).toBe(exitSpread(d, quotes));
    // A factor of 1 changes nothing, bit for bit.
    for (const d of DIRECTIONS) expect(exitSpreadOf(d, a, b, 0.5, 1)).toBe(exitSpreadOf(d, a, b, 0.5));
  });
});
