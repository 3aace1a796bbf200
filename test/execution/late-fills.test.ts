import type { Executor, OpenPosition } from '../../src/execution/executor';
import { openJournal } from '../../src/execution/journal';
import { cleanUp, journals, kinds, openOk, PAIR, rig, type Rig } from './executor-rig';
import { lateFillCredit, LateFillSchedule } from '../../src/execution/late-fills';
import type { PendingFill } from '../../src/execution/journal';

afterEach(cleanUp);

describe('late fills (pure)', () => {
  const pending: PendingFill = {
    trade: 'L/S',
    leg: 'short',
    venue: 'paradex',
    symbol: 'BTC-USD-PERP',
    side: 'BUY',
    clientId: 'lost',
    size: 0.006,
    entryPrice: 100_300,
  };

  it('credits the fill found to its trade, no more than what was left unexplained', () => {
    const c = lateFillCredit(pending, 0.006, { ok: true, clientId: 'lost', orderId: 'o', status: 'FILLED', filledSize: 0.01, avgPrice: 100_100, feeUsd: 0.27 });
    expect(c.fill).toMatchObject({ clientId: 'lost', requestedSize: 0.006, filledSize: 0.006, avgPrice: 100_100, feeUsd: 0.27 });
    // A short bought back 200 below its entry: +200 · 0.006.
    expect(c.grossPnlUsd).toBeCloseTo(1.2, 9);
    expect(c.feesUsd).toBe(0.27);
    expect(c.reason).toBe('close fill found after its trade was reported closed; credited to that trade');
  });

  it('prices a fill reported without a price at the entry (no PnL invented) and marks it estimated', () => {
    const c = lateFillCredit(pending, 0.006, { ok: true, clientId: 'lost', orderId: 'o', status: 'FILLED', filledSize: 0.006, avgPrice: undefined, feeUsd: 0.1 });
    expect(Math.abs(c.grossPnlUsd)).toBe(0);
    expect(c.fill.priceEstimated).toBe(true);
  });

  it('credits nothing for an order that was rejected', () => {
    const c = lateFillCredit(pending, 0.006, { ok: false, clientId: 'lost', reason: 'expired', unknown: false });
    expect(c).toMatchObject({ grossPnlUsd: 0, feesUsd: 0, reason: 'the order filled nothing' });
    expect(c.fill.filledSize).toBe(0);
  });

  it('waits twice as long after each pass that leaves orders missing, up to a minute', () => {
    const s = new LateFillSchedule();
    expect(s.due(0)).toBe(true);
    s.missed(0);
    expect(s.due(999)).toBe(false);
    expect(s.due(1000)).toBe(true);
    s.missed(1000);
    expect(s.due(2999)).toBe(false);
    expect(s.due(3000)).toBe(true);
    for (let i = 0; i < 10; i++) s.missed(0);
    expect(s.due(60_000)).toBe(true);
    s.reset(5);
    expect(s.due(5)).toBe(true);
  });
});


describe('executor: fills found after the close', () => {
  /** Opens, then closes with the Paradex close order executed but its reply lost and every lookup failing. */
  async function closedWithLostReply(r: Rig): Promise<{ p: OpenPosition; closed: Awaited<ReturnType<Executor['closePosition']>> }> {
    const p = await openOk(r);
    r.paradex.next({ kind: 'timeoutExecuted' });
    r.paradex.failLookups = 6; // every lookup of the close (closeRetries + 1) fails
    r.vest.bid = 100_200;
    r.paradex.ask = 100_220;
    const closed = await r.exec.closePosition(p);
    return { p, closed };
  }

  it('a close whose fill stays unknown still reads flat, and records the order as a fill to find', async () => {
    const r = rig();
    const { closed } = await closedWithLostReply(r);
    expect(closed.ok).toBe(true);
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
    // Only the Vest leg's PnL is known at this point.
    expect(closed.grossPnlUsd).toBeCloseTo((100_200 - 100_010) * 0.01, 9);
    const state = r.journal.lastState(PAIR);
    expect(state.phase).toBe('flat');
    expect(state.pendingFills).toEqual([
      expect.objectContaining({ leg: 'short', venue: 'paradex', clientId: r.paradex.submitted[1]!.clientId, size: 0.01, entryPrice: 100_300 }),
    ]);
  });

  it('credits the late fill to that trade (PnL and fee) once a lookup finds it, and says so in an event', async () => {
    const r = rig();
    await closedWithLostReply(r);
    const late = await r.exec.settleLateFills();
    const fee = 0.01 * 100_220 * 0.00045;
    expect(late.creditedPnlUsd).toBeCloseTo((100_300 - 100_220) * 0.01, 9);
    expect(late.creditedFeesUsd).toBeCloseTo(fee, 12);
    expect(late.pending).toBe(0);
    expect(late.events).toEqual([
      expect.objectContaining({ type: 'FILL_CREDITED', pair: PAIR, venue: 'paradex', phase: 'close', filledSize: 0.01, avgPrice: 100_220, feeUsd: fee }),
    ]);
    expect(kinds(r.journal).slice(-2)).toEqual(['closed', 'fill_credited']);
    expect(r.journal.lastState(PAIR).pendingFills).toEqual([]);
    // Found once, credited once.
    expect((await r.exec.settleLateFills()).events).toEqual([]);
  });

  it('keeps looking, with backoff, while the lookup still fails; a restarted process finds it too', async () => {
    const r = rig();
    await closedWithLostReply(r);
    r.paradex.failLookups = 1;
    const miss = await r.exec.settleLateFills();
    expect(miss).toMatchObject({ events: [], pending: 1 });
    // Backing off: not looked up again at once.
    const lookups = r.paradex.lookups.length;
    expect((await r.exec.settleLateFills()).pending).toBe(1);
    expect(r.paradex.lookups).toHaveLength(lookups);

    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restarted = r.make({ journal });
    expect((await restarted.restore()).ok).toBe(true);
    const found = await restarted.settleLateFills();
    expect(found.events.map((e) => e.type)).toEqual(['FILL_CREDITED']);
    expect(found.creditedPnlUsd).toBeCloseTo((100_300 - 100_220) * 0.01, 9);
  });
});
