import fc from 'fast-check';
import { bookFromLevels, emptyBook, type Level } from '../../src/domain/order-book';
import { markPosition, type MarkablePosition } from '../../src/domain/pnl';
import { exitSpreadOf, spreadPct } from '../../src/domain/spread';

const L = (price: number, size: number): Level => ({ price, size });
const meta = { receivedAt: 0 };

// Long A (Vest) at 100, short B (Paradex) at 101: entered on a 1 % spread.
const position: MarkablePosition = { direction: 'AOverB', size: 2, longEntryPrice: 100, shortEntryPrice: 101 };

describe('markPosition', () => {
  it('marks the long leg to its bids and the short leg to its asks, for the whole size', () => {
    const a = bookFromLevels([L(100.5, 1), L(100.4, 5)], [L(100.6, 5)], meta);
    const b = bookFromLevels([L(100.4, 5)], [L(100.6, 1), L(100.8, 5)], meta);
    const mark = markPosition(position, { a, b })!;
    // Long sells 1 @ 100.5 + 1 @ 100.4; short buys back 1 @ 100.6 + 1 @ 100.8.
    expect(mark.longExitPrice).toBeCloseTo(100.45, 12);
    expect(mark.shortExitPrice).toBeCloseTo(100.7, 12);
    // 2·(100.45 − 100) + 2·(101 − 100.7) = 0.9 + 0.6
    expect(mark.grossUsd).toBeCloseTo(1.5, 9);
    expect(mark.exitFeesUsd).toBe(0);
    expect(mark.netUsd).toBeCloseTo(1.5, 9);
  });

  it('puts each leg\'s price PnL in USD with its venue\'s USD per quote unit (Vest USDC off par)', () => {
    const a = bookFromLevels([L(100.5, 10)], [L(100.6, 10)], meta);
    const b = bookFromLevels([L(100.4, 10)], [L(100.7, 10)], meta);
    const mark = markPosition(position, { a, b }, undefined, { a: 0.999, b: 1 })!;
    // Long A (USDC): 2·0.5 USDC = 0.999 USD; short B (USD): 2·0.3 USD.
    expect(mark.grossUsd).toBeCloseTo(2 * 0.5 * 0.999 + 2 * 0.3, 12);
    expect(markPosition(position, { a, b }, undefined, { a: 1, b: 1 })!.grossUsd).toBe(markPosition(position, { a, b })!.grossUsd);
  });

  it('puts each leg\'s exit-fee estimate in USD with the same factor (a fraction of the leg\'s notional in its quote currency)', () => {
    const a = bookFromLevels([L(100.5, 10)], [L(100.6, 10)], meta);
    const b = bookFromLevels([L(100.4, 10)], [L(100.7, 10)], meta);
    const fees = { a: 0.0001, b: 0.00045 };
    const mark = markPosition(position, { a, b }, fees, { a: 0.999, b: 1 })!;
    // Long A sells 2 at 100.5 USDC, short B buys back 2 at 100.7 USD.
    expect(mark.exitFeesUsd).toBeCloseTo(2 * 100.5 * 0.0001 * 0.999 + 2 * 100.7 * 0.00045, 12);
    expect(mark.netUsd).toBeCloseTo(mark.grossUsd - mark.exitFeesUsd, 12);
    // At par, byte-identical to a mark without factors.
    expect(markPosition(position, { a, b }, fees, { a: 1, b: 1 })).toEqual(markPosition(position, { a, b }, fees));
  });

  it('uses the legs of the direction: BOverA is long B, short A', () => {
    const a = bookFromLevels([L(99, 10)], [L(102, 10)], meta);
    const b = bookFromLevels([L(103, 10)], [L(104, 10)], meta);
    const mark = markPosition({ ...position, direction: 'BOverA' }, { a, b })!;
    expect(mark.longExitPrice).toBe(103); // B's bid
    expect(mark.shortExitPrice).toBe(102); // A's ask
    expect(mark.grossUsd).toBeCloseTo(2 * (103 - 100) + 2 * (101 - 102), 9);
  });

  it('charges the close taker fees of each leg venue, and a rebate lowers them', () => {
    const a = bookFromLevels([L(100, 10)], [L(100.1, 10)], meta);
    const b = bookFromLevels([L(100, 10)], [L(100.2, 10)], meta);
    const mark = markPosition(position, { a, b }, { a: 0.0005, b: 0.0002 })!;
    expect(mark.exitFeesUsd).toBeCloseTo(2 * 100 * 0.0005 + 2 * 100.2 * 0.0002, 12);
    expect(mark.netUsd).toBeCloseTo(mark.grossUsd - mark.exitFeesUsd, 12);
    const rebate = markPosition(position, { a, b }, { a: 0.0005, b: -0.0001 })!;
    expect(rebate.exitFeesUsd).toBeLessThan(mark.exitFeesUsd);
  });

  it('gives no mark, never 0, when a needed side is empty or too thin, or the position is degenerate', () => {
    const deep = bookFromLevels([L(100, 10)], [L(100.1, 10)], meta);
    const thin = bookFromLevels([L(100, 1)], [L(100.1, 1)], meta);
    expect(markPosition(position, { a: emptyBook(), b: deep })).toBeUndefined();
    expect(markPosition(position, { a: deep, b: emptyBook() })).toBeUndefined();
    expect(markPosition(position, { a: thin, b: deep })).toBeUndefined();
    expect(markPosition({ ...position, size: 0 }, { a: deep, b: deep })).toBeUndefined();
    expect(markPosition({ ...position, longEntryPrice: 0 }, { a: deep, b: deep })).toBeUndefined();
  });

  it('agrees with the exit spread: gross = size·(entry legs) + the close the exit spread prices', () => {
    // With one level per side the mark and the exit spread read the same prices.
    const price = fc.double({ min: 1, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(price, price, price, price, fc.double({ min: 0.001, max: 100, noNaN: true }), (bidA, askB, le, se, size) => {
        const a = bookFromLevels([L(bidA, 1e9)], [L(bidA * 1.001, 1e9)], meta);
        const b = bookFromLevels([L(askB * 0.999, 1e9)], [L(askB, 1e9)], meta);
        const mark = markPosition({ direction: 'AOverB', size, longEntryPrice: le, shortEntryPrice: se }, { a, b })!;
        // exitSpread AOverB = (bidA − askB)/askB·100, so bidA − askB = exit/100·askB.
        const exit = exitSpreadOf('AOverB', a, b, size)!;
        expect(exit).toBeCloseTo(spreadPct(bidA, askB)!, 9);
        const expected = size * (se - le) + size * ((exit / 100) * askB);
        expect(mark.grossUsd).toBeCloseTo(expected, Math.max(0, 6 - Math.ceil(Math.log10(Math.abs(expected) + 1))));
      }),
    );
  });
});
