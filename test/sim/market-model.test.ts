import { Ladder, isCrossed, midPrice } from '../../src/domain/order-book';
import { bestEntry, entrySpread, exitSpread, quotesOf, type Direction, type Quotes } from '../../src/domain/spread';
import { MarketModel, diffBooks, plainDecimal, decimalsOfStep, type BookLevels, type MarketModelOptions } from '../../src/sim/market-model';
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

  it('prices Vest in USDC off par (usdcUsd): its book is the at-par one ÷ usdcUsd, Paradex\'s (USD) unchanged', () => {
    const par = new MarketModel(7, ['BTC']);
    const off = new MarketModel(7, ['BTC'], { usdcUsd: 0.99 });
    for (let i = 0; i < 50; i++) {
      par.step();
      off.step();
    }
    expect(off.paradexBook('BTC')).toEqual(par.paradexBook('BTC'));
    const vestMid = (m: MarketModel) => midPrice(asBook(m.vestBook('BTC')))!;
    expect(vestMid(off) / vestMid(par)).toBeCloseTo(1 / 0.99, 4); // up to the quotes' rounding
    expect(new MarketModel(7, ['BTC'], { usdcUsd: 1 }).vestBook('BTC')).toEqual(new MarketModel(7, ['BTC']).vestBook('BTC'));
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

/**
 * A default run in model time: the bot's default rules (enter when the gross spread for 0.001 BTC, net of 0.11 %
 * round-trip taker fees, reaches 0.06 %; exit when the exit spread reaches −0.02 %) with each order filled one
 * update (100 ms) after its decision, at the VWAP of the book of that moment: what a venue 100 ms away does.
 */
function defaultRun(seed: number, latencySteps: number, model: Partial<MarketModelOptions> = {}): { pnlPct: number[] } {
  const m = new MarketModel(seed, ['BTC'], model);
  const steps = (10 * 60 * 1000) / m.options.stepMs; // 10 minutes
  const quotes: Quotes[] = [];
  for (let i = 0; i <= steps + latencySteps; i++) {
    m.step();
    quotes.push(quotesOf(asBook(m.vestBook('BTC')), asBook(m.paradexBook('BTC')), 0.001));
  }
  const pnlPct: number[] = [];
  let open: { direction: Direction; entryFill: number } | undefined;
  let busyUntil = 0;
  for (let i = 0; i < steps; i++) {
    if (i < busyUntil) continue;
    const q = quotes[i]!;
    const filled = quotes[i + latencySteps]!;
    if (open === undefined) {
      const best = bestEntry(q);
      if (best !== undefined && best.spread - 0.11 >= 0.06) {
        open = { direction: best.direction, entryFill: entrySpread(best.direction, filled)! };
        busyUntil = i + latencySteps + 1;
      }
    } else if (exitSpread(open.direction, q)! >= -0.02) {
      pnlPct.push(open.entryFill + exitSpread(open.direction, filled)! - 0.11);
      open = undefined;
      busyUntil = i + latencySteps + 10; // the 1 s cooldown
    }
  }
  return { pnlPct };
}

describe('MarketModel: a market that can lose', () => {
  const count = (pnl: number[]) => ({ wins: pnl.filter((p) => p > 0).length, losses: pnl.filter((p) => p <= 0).length });

  it.each([1, 2, 3])('a default run (seed %i) has both winning and losing round trips', (seed) => {
    const { wins, losses } = count(defaultRun(seed, 1).pnlPct);
    expect(wins).toBeGreaterThan(0);
    expect(losses).toBeGreaterThan(0);
    // Losers are a minority (the strategy still has an edge), not a rounding accident.
    expect(losses / (wins + losses)).toBeGreaterThan(0.05);
    expect(losses / (wins + losses)).toBeLessThan(0.5);
  });

  it('loses only through what moves between decision and fill: filled at the decision\'s own books, every trip wins', () => {
    expect(count(defaultRun(1, 0).pnlPct).losses).toBe(0);
  });

  it('loses more often with the jumps, drift, quote noise and thin spells than without them (same seed)', () => {
    const calm = { basisJumpsPerMin: 0, basisDriftStdPct: 0, vestQuoteNoisePct: 0, thinBooksPerMin: 0 };
    const rough = count(defaultRun(1, 1).pnlPct);
    const smooth = count(defaultRun(1, 1, calm).pnlPct);
    expect(rough.losses / (rough.wins + rough.losses)).toBeGreaterThan(smooth.losses / (smooth.wins + smooth.losses));
  });

  it('thins the books at times, and keeps the same shared price path whatever the regime keys', () => {
    const m = new MarketModel(1, ['BTC']);
    const calm = new MarketModel(1, ['BTC'], { basisJumpsPerMin: 0, basisDriftStdPct: 0, vestQuoteNoisePct: 0, thinBooksPerMin: 0 });
    let thinSteps = 0;
    for (let i = 0; i < 6000; i++) {
      m.step();
      calm.step();
      if (m.thinBooks('BTC')) thinSteps++;
    }
    // About one 6 s spell a minute: roughly a tenth of the time.
    expect(thinSteps / 6000).toBeGreaterThan(0.03);
    expect(thinSteps / 6000).toBeLessThan(0.25);
    expect(m.mid('BTC')).toBe(calm.mid('BTC'));
  });
});
