import { Ladder, isCrossed, midPrice } from '../../src/domain/order-book';
import { bestEntry, exitSpread, quotesOf, type Direction } from '../../src/domain/spread';
import { MarketModel, diffBooks, plainDecimal, decimalsOfStep, type BookLevels } from '../../src/sim/market-model';
import { simMarket } from '../../src/sim/types';

const asBook = (l: BookLevels) => ({ bids: l.bids, asks: l.asks, receivedAt: 0 });

function applyAll(ladder: Ladder, book: BookLevels): void {
  for (const l of book.bids) ladder.set('bid', l.price, l.size);
  for (const l of book.asks) ladder.set('ask', l.price, l.size);
}

describe('MarketModel', () => {
  it('gives the same books for the same seed and different books for another seed', () => {
    const a = new MarketModel(7, ['BTC', 'ETH']);
    const b = new MarketModel(7, ['BTC', 'ETH']);
    const c = new MarketModel(8, ['BTC', 'ETH']);
    for (let i = 0; i < 100; i++) {
      a.step();
      b.step();
      c.step();
    }
    expect(a.paradexBook('ETH')).toEqual(b.paradexBook('ETH'));
    expect(a.vestBook('BTC')).toEqual(b.vestBook('BTC'));
    expect(a.paradexBook('BTC')).not.toEqual(c.paradexBook('BTC'));
  });

  it('keeps a market path independent of which other markets are simulated', () => {
    const alone = new MarketModel(3, ['BTC']);
    const withOthers = new MarketModel(3, ['SOL', 'BTC', 'ETH']);
    for (let i = 0; i < 50; i++) {
      alone.step();
      withOthers.step();
    }
    expect(withOthers.paradexBook('BTC')).toEqual(alone.paradexBook('BTC'));
  });

  it.each(['BTC', 'ETH', 'SOL'])('builds %s books on the venue tick and size grid, sorted, uncrossed and deep', (base) => {
    const spec = simMarket(base)!;
    const m = new MarketModel(11, [base]);
    const onGrid = (v: number, step: number): boolean => Math.abs(v / step - Math.round(v / step)) < 1e-6;
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && problems.length < 5) problems.push(`step ${m.stepCount}: ${what}`);
    };
    for (let i = 0; i < 300; i++) {
      m.step();
      const p = m.paradexBook(base);
      const v = m.vestBook(base);
      check(p.bids.length === 40 && p.asks.length === 40 && v.bids.length === 40 && v.asks.length === 40, 'level count');
      check(!isCrossed(asBook(p)) && !isCrossed(asBook(v)), 'crossed book');
      for (const l of [...p.bids, ...p.asks]) {
        check(onGrid(l.price, spec.paradex.priceTick) && onGrid(l.size, spec.paradex.sizeIncrement) && l.size > 0, `paradex level ${l.price}/${l.size}`);
        // Levels are exact decimals: formatting with the venue's decimals loses nothing.
        check(Number(plainDecimal(l.price, decimalsOfStep(spec.paradex.priceTick))) === l.price, `inexact price ${l.price}`);
      }
      for (const l of [...v.bids, ...v.asks]) {
        check(onGrid(l.price, 10 ** -spec.vest.priceDecimals) && onGrid(l.size, 10 ** -spec.vest.sizeDecimals) && l.size > 0, `vest level ${l.price}/${l.size}`);
      }
      for (const side of [p.bids, v.bids]) for (let k = 1; k < side.length; k++) check(side[k]!.price < side[k - 1]!.price, 'bids not descending');
      for (const side of [p.asks, v.asks]) for (let k = 1; k < side.length; k++) check(side[k]!.price > side[k - 1]!.price, 'asks not ascending');
    }
    expect(problems).toEqual([]);
    // Sizes grow away from the top: the deeper half holds more than the top half.
    const p = m.paradexBook(base);
    const sum = (ls: readonly { size: number }[]): number => ls.reduce((s, l) => s + l.size, 0);
    expect(sum(p.bids.slice(20))).toBeGreaterThan(sum(p.bids.slice(0, 20)));
    expect(sum(m.vestBook(base).asks.slice(20))).toBeGreaterThan(sum(m.vestBook(base).asks.slice(0, 20)));
  });

  it('computes deltas that turn each book into the next one exactly', () => {
    for (const seed of [1, 2, 3]) {
      const m = new MarketModel(seed, ['BTC', 'SOL']);
      for (const base of ['BTC', 'SOL']) {
        const ladder = new Ladder();
        applyAll(ladder, m.paradexBook(base));
        let prev = m.paradexBook(base);
        let changedLevels = 0;
        let mismatches = 0;
        for (let i = 0; i < 300; i++) {
          m.step();
          const next = m.paradexBook(base);
          const d = diffBooks(prev, next);
          changedLevels += d.bids.length + d.asks.length;
          applyAll(ladder, d);
          const got = ladder.snapshot({ receivedAt: 0 });
          if (i % 50 === 49 || got.bids.length !== next.bids.length || got.asks.length !== next.asks.length) {
            expect({ bids: got.bids, asks: got.asks }).toEqual(next);
          }
          mismatches += JSON.stringify(got.bids) === JSON.stringify(next.bids) && JSON.stringify(got.asks) === JSON.stringify(next.asks) ? 0 : 1;
          prev = next;
        }
        expect(mismatches).toBe(0);
        // A CLOB changes a few levels per update, not the whole 80-level book.
        expect(changedLevels / 300).toBeLessThan(20);
        expect(changedLevels / 300).toBeGreaterThan(1);
      }
    }
  });

  it('marks removed levels with size 0 and classifies inserts, updates and deletes', () => {
    const prev: BookLevels = { bids: [{ price: 10, size: 1 }, { price: 9, size: 2 }], asks: [{ price: 11, size: 1 }] };
    const next: BookLevels = { bids: [{ price: 10, size: 3 }, { price: 8, size: 1 }], asks: [{ price: 11, size: 1 }] };
    expect(diffBooks(prev, next)).toEqual({
      bids: [
        { price: 10, size: 3, kind: 'update' },
        { price: 9, size: 0, kind: 'delete' },
        { price: 8, size: 1, kind: 'insert' },
      ],
      asks: [],
    });
  });

  it('holds a forced basis until released, then lets it mean-revert', () => {
    const m = new MarketModel(5, ['BTC']);
    m.setBasis('BTC', 0.6);
    for (let i = 0; i < 100; i++) m.step();
    const vestMid = midPrice(asBook(m.vestBook('BTC')))!;
    const paradexMid = midPrice(asBook(m.paradexBook('BTC')))!;
    expect(((vestMid - paradexMid) / paradexMid) * 100).toBeCloseTo(0.6, 2);
    m.releaseBasis('BTC');
    const after: number[] = [];
    for (let i = 0; i < 1500; i++) {
      m.step();
      after.push(m.basis('BTC'));
    }
    const meanAbs = after.slice(500).reduce((s, b) => s + Math.abs(b), 0) / 1000;
    expect(meanAbs).toBeLessThan(0.3);
  });

  /**
   * Calibration: the bot enters when the net entry spread exceeds 0.06 % after 0.11 % round-trip fees
   * (gross > 0.17 %) and exits when the exit spread rises above −0.02 %. With default settings a
   * full entry→exit cycle must be available every few to tens of seconds.
   */
  it.each([1, 2, 3])('crosses the entry and exit thresholds every few to tens of seconds (seed %i)', (seed) => {
    const m = new MarketModel(seed, ['BTC']);
    const steps = (10 * 60 * 1000) / m.options.stepMs; // 10 minutes of model time
    let open: Direction | undefined;
    let entries = 0;
    let stepsAbove = 0;
    let heldSteps = 0;
    for (let i = 0; i < steps; i++) {
      m.step();
      const q = quotesOf(asBook(m.vestBook('BTC')), asBook(m.paradexBook('BTC')));
      const best = bestEntry(q)!;
      if (best.spread > 0.17) stepsAbove++;
      if (open === undefined) {
        if (best.spread > 0.17) {
          open = best.direction;
          entries++;
        }
      } else {
        heldSteps++;
        if (exitSpread(open, q)! > -0.02) open = undefined;
      }
    }
    const minutes = 10;
    const secondsBetweenEntries = (minutes * 60) / entries;
    const meanHoldSeconds = (heldSteps * m.options.stepMs) / 1000 / entries;
    expect(secondsBetweenEntries).toBeGreaterThan(3);
    expect(secondsBetweenEntries).toBeLessThan(60);
    expect(meanHoldSeconds).toBeLessThan(30);
    // The spread is above the entry threshold often, but far from always.
    expect(stepsAbove / steps).toBeGreaterThan(0.02);
    expect(stepsAbove / steps).toBeLessThan(0.4);
  });
});
