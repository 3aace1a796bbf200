import {
  bothLegsClosed,
  closePnlUsd,
  closeTotals,
  creditCloseFill,
  foldCloseFills,
  remainingSize,
  unexplainedCloseFills,
  type LegCloseProgress,
} from '../../src/execution/close-progress';
import { legOf } from '../../src/execution/legs';
import { closeFill, position } from './position-fixture';

describe('close progress and its PnL fold', () => {
  it('counts a long sold above its entry and a short bought back below its entry as gains', () => {
    expect(closePnlUsd(1, 100_000, 100_200, 0.01)).toBeCloseTo(2, 10);
    expect(closePnlUsd(-1, 100_300, 100_100, 0.01)).toBeCloseTo(2, 10);
    expect(closePnlUsd(-1, 100_300, 100_400, 0.01)).toBeCloseTo(-1, 10);
  });

  it('folds the close fills of both legs into size closed, gross PnL and fees', () => {
    const p = foldCloseFills(position, [
      { leg: 'long', fill: closeFill('long', 0.004, 100_100, 0.04) },
      { leg: 'short', fill: closeFill('short', 0.01, 100_200, 0.45) },
      { leg: 'long', fill: closeFill('long', 0.006, 100_200, 0.06) },
    ]);
    expect(p.key).toBe('L/S');
    expect(p.long.closedSize).toBe(0.01);
    expect(p.short.closedSize).toBe(0.01);
    // long: 0.004·100 + 0.006·200 = 1.6; short: 0.01·100 = 1.
    expect(p.long.pnlUsd).toBeCloseTo(1.6, 9);
    expect(p.short.pnlUsd).toBeCloseTo(1, 9);
    const totals = closeTotals(position, p);
    expect(totals.grossPnlUsd).toBeCloseTo(2.6, 9);
    // Entry fees count too: 0.5 + 0.04 + 0.06 + 0.45.
    expect(totals.feesUsd).toBeCloseTo(1.05, 9);
  });

  it('counts each leg in USD at the position\'s USDC/USD: the Vest (USDC) leg scaled, the Paradex (USD) leg not', () => {
    const offPar = { ...position, usdcUsd: 0.999 };
    const p = foldCloseFills(offPar, [
      { leg: 'long', fill: closeFill('long', 0.01, 100_200, 0.1) },
      { leg: 'short', fill: closeFill('short', 0.01, 100_200, 0.45) },
    ]);
    expect(p.long.pnlUsd).toBeCloseTo(2 * 0.999, 9);
    expect(p.short.pnlUsd).toBeCloseTo(1, 9);
    // A Vest order the fills do not explain is priced the same way when it is found (late-fills.ts).
    const unresolved = closeFill('long', 0, undefined, 0, { clientId: 'lost', unresolved: true });
    const half = foldCloseFills(offPar, [{ leg: 'short', fill: closeFill('short', 0.01, 100_200) }]);
    expect(unexplainedCloseFills(offPar, half, { long: [unresolved], short: [] }, 1e-9)[0]).toMatchObject({ leg: 'long', usdPerQuote: 0.999 });
  });

  it('gives the live close (fill by fill) and the restart (the journal fold) the same figures', () => {
    const fills = [
      { leg: 'long' as const, fill: closeFill('long', 0.003, 100_050.5, 0.031) },
      { leg: 'short' as const, fill: closeFill('short', 0.007, 100_250.25, 0.3) },
      { leg: 'long' as const, fill: closeFill('long', 0.007, 99_990.1, 0.07) },
      { leg: 'short' as const, fill: closeFill('short', 0.003, 100_333.3, 0.13) },
    ];
    const live = foldCloseFills(position);
    for (const { leg, fill } of fills) creditCloseFill(live[leg], legOf(position, leg), fill, 0);
    expect(foldCloseFills(position, fills)).toEqual(live);
  });

  it('counts a fill without a price at the fallback price, and ignores a fill of nothing', () => {
    const p: LegCloseProgress = { closedSize: 0, pnlUsd: 0, feesUsd: 0 };
    const long = legOf(position, 'long');
    expect(creditCloseFill(p, long, closeFill('long', 0, undefined, 0.02), 100_500)).toBeUndefined();
    expect(p).toEqual({ closedSize: 0, pnlUsd: 0, feesUsd: 0 });
    expect(creditCloseFill(p, long, closeFill('long', 0.01, undefined, 0.1), 100_500)).toBe(100_500);
    expect(p.pnlUsd).toBeCloseTo(5, 9);
    // A restart credits an unpriced fill at the entry price: no PnL invented.
    const restarted = foldCloseFills(position, [{ leg: 'long', fill: closeFill('long', 0.01, undefined, 0.1) }]);
    expect(restarted.long.pnlUsd).toBe(0);
    expect(restarted.long.closedSize).toBe(0.01);
  });

  it('says what is left of a leg, and the whole leg when the progress is another position’s', () => {
    const p = foldCloseFills(position, [{ leg: 'short', fill: closeFill('short', 0.0035, 100_000) }]);
    expect(remainingSize(position, p, 'short')).toBe(0.0065);
    expect(remainingSize(position, p, 'long')).toBe(0.01);
    expect(remainingSize(position, { ...p, key: 'other' }, 'short')).toBe(0.01);
    expect(remainingSize(position, undefined, 'short')).toBe(0.01);
  });

  it('is closed only when both legs are', () => {
    expect(bothLegsClosed(position, { long: 0.01, short: 0.01 }, 1e-9)).toBe(true);
    expect(bothLegsClosed(position, { long: 0.01, short: 0.0099 }, 1e-9)).toBe(false);
    expect(bothLegsClosed(position, { long: 0, short: 0.01 }, 1e-9)).toBe(false);
  });

  it('leaves an unresolved order of a leg the fills do not explain as a pending fill for that trade', () => {
    const unresolved = closeFill('short', 0, undefined, 0, { clientId: 'lost', unresolved: true, lookupRef: 'n7' });
    const p = foldCloseFills(position, [
      { leg: 'long', fill: closeFill('long', 0.01, 100_100) },
      { leg: 'short', fill: closeFill('short', 0.004, 100_100) },
    ]);
    const pending = unexplainedCloseFills(position, p, { long: [closeFill('long', 0.01, 100_100)], short: [closeFill('short', 0.004, 100_100), unresolved] }, 1e-9);
    expect(pending).toEqual([
      { trade: 'L/S', leg: 'short', venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'BUY', clientId: 'lost', lookupRef: 'n7', size: 0.006, entryPrice: 100_300 },
    ]);
    // Fully explained legs leave nothing pending, even with an unresolved order among their fills.
    const done = foldCloseFills(position, [
      { leg: 'long', fill: closeFill('long', 0.01, 100_100) },
      { leg: 'short', fill: closeFill('short', 0.01, 100_100) },
    ]);
    expect(unexplainedCloseFills(position, done, { long: [], short: [unresolved] }, 1e-9)).toEqual([]);
  });
});
