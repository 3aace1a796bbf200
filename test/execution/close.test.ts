import { bookFromLevels } from '../../src/domain/order-book';
import { cleanUp, openOk, PAIR, rig, T0, types } from './executor-rig';

afterEach(cleanUp);

describe('executor: close', () => {
  it('retries a rejected close leg and reports ok only once both venues read flat', async () => {
    const r = rig();
    const p = await openOk(r);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' }, { kind: 'reject', reason: 'PRICE_STALE' });
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(true);
    expect(closed.legs.short.attempts).toBe(3);
    expect(closed.legs.long.attempts).toBe(1);
    expect(r.paradex.holding()).toBe(0);
    expect(r.vest.holding()).toBe(0);
    expect(types(closed.events).filter((t) => t === 'ORDER_FAILED')).toHaveLength(2);
  });

  it('reports failure while a leg is still open, and a later close sends only that leg', async () => {
    const r = rig({ closeRetries: 1 });
    const p = await openOk(r);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' }, { kind: 'reject', reason: 'PRICE_STALE' });
    const first = await r.exec.closePosition(p);
    expect(first.ok).toBe(false);
    expect(first.reason).toMatch(/paradex BTC-USD-PERP not flat \(venue reports short 0.01\)/);
    expect(first.legs.long.flat).toBe(true);
    expect(r.exec.currentPosition()).toEqual(p);
    expect(r.journal.lastState(PAIR)).toMatchObject({ phase: 'closing', closedSize: { long: 0.01, short: 0 } });

    const vestOrders = r.vest.submitted.length;
    const second = await r.exec.closePosition(p);
    expect(second.ok).toBe(true);
    expect(r.vest.submitted).toHaveLength(vestOrders); // the flat leg is not traded again
    expect(r.paradex.holding()).toBe(0);
    expect(second.grossPnlUsd).toBeCloseTo((100_000 - 100_010) * 0.01 + (100_300 - 100_310) * 0.01, 9);
  });

  it('does not report ok while the positions endpoint cannot confirm flat', async () => {
    const r = rig({ closeRetries: 1 });
    const p = await openOk(r);
    r.vest.failPositions = 10;
    const closed = await r.exec.closePosition(p);
    expect(closed.ok).toBe(false);
    expect(closed.legs.long).toMatchObject({ flat: false, closedSize: 0.01 });
    expect(closed.reason).toMatch(/vest BTC-PERP not flat \(position unreadable\)/);
    expect(r.vest.submitted).toHaveLength(2); // no blind re-send after the fill
  });

  it('caps the close legs from the latest books: prepared at refresh, widened on a retry', async () => {
    const r = rig();
    const p = await openOk(r);
    const a = bookFromLevels([{ price: 99_000, size: 1 }], [{ price: 99_010, size: 1 }], { receivedAt: T0 });
    const b = bookFromLevels([{ price: 99_300, size: 1 }], [{ price: 99_310, size: 1 }], { receivedAt: T0 });
    r.vest.bid = 99_000;
    r.paradex.ask = 99_310;
    // The caps signed right after the entry came from the entry prices; the books moved by 1 %.
    expect(await r.exec.refreshPreparedClose({ a, b })).toBe(true);
    r.paradex.next({ kind: 'reject', reason: 'PRICE_STALE' });
    const closed = await r.exec.closePosition(p, { tick: { a, b } });
    expect(closed.ok).toBe(true);
    expect(closed.preparedUsed).toBe(2);
    expect(r.vest.submitted[1]!.price).toBeCloseTo(99_000 * 0.995, 0);
    expect(r.paradex.submitted[1]!.price).toBeCloseTo(99_310 * 1.005, 0);
    // The retry is signed fresh, with the cap widened by one more slippage width.
    expect(r.paradex.submitted[2]!.price).toBeCloseTo(99_310 * 1.01, 0);
  });
});
