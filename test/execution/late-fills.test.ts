import type { Executor, OpenPosition } from '../../src/execution/executor';
import { openJournal } from '../../src/execution/journal';
import { cleanUp, journals, kinds, openOk, PAIR, rig, type Rig } from './executor-rig';

afterEach(cleanUp);

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
