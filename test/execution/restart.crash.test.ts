/**
 * kill -9 in the middle of an entry or an unwind, then a new process on the same journal and venues:
 * restore() must finish what the dead process started (keep a hedge, unwind a lone leg) from the
 * journal and the venues, never halting for good because of the crash alone.
 */
import fs from 'node:fs';
import type { Executor } from '../../src/execution/executor';
import { openJournal, type Journal } from '../../src/execution/journal';
import type { PreparedOrder } from '../../src/venues/venue';
import { realisedNetDeltaUsd } from '../../src/domain/pnl';
import { summarize } from '../../src/report/summary';
import { doomedProcess, type KillMoment } from './doomed-process';
import { cleanUp, journals, kinds, opportunity, PAIR, rig, types, type Rig } from './executor-rig';
import type { FakeVenue } from './fake-venue';

afterEach(cleanUp);

/** The first process on the rig's venues and journal, killed at the order `killAt` picks. */
function doomed(r: Rig, killAt: (venue: FakeVenue, order: PreparedOrder) => KillMoment | undefined) {
  const p = doomedProcess({ a: r.vest, b: r.paradex }, r.journal, (v, o) => killAt(v.id === 'vest' ? r.vest : r.paradex, o));
  const executor = r.make({ venues: p.venues, journal: p.journal });
  // A killed process runs nothing more: its executor stops with it (else its waits would outlive the test).
  const died = p.died.then(() => executor.detach());
  return { executor, died };
}

/** What the operator's restart builds: a new executor reading the same journal file, same venues (accounts). */
function restart(r: Rig): { restarted: Executor; journal: Journal } {
  r.journal.close();
  const journal = openJournal(r.journalPath);
  journals.push(journal);
  return { restarted: r.make({ journal }), journal };
}

const isEntry = (v: FakeVenue, o: PreparedOrder, venue: string) => v.id === venue && !o.request.reduceOnly;

describe('executor: a crash between the two entry legs', () => {
  it('journals both legs with their lookup refs (Vest: the nonce) in one fsync before either order leaves', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    const fsync = jest.spyOn(fs, 'fsyncSync');
    let fsyncsAtFirstSend = -1;
    const submit = r.vest.submitOrder.bind(r.vest);
    jest.spyOn(r.vest, 'submitOrder').mockImplementation((order) => {
      if (fsyncsAtFirstSend < 0) fsyncsAtFirstSend = fsync.mock.calls.length;
      return submit(order);
    });
    const paradexSubmit = r.paradex.submitOrder.bind(r.paradex);
    jest.spyOn(r.paradex, 'submitOrder').mockImplementation((order) => {
      if (fsyncsAtFirstSend < 0) fsyncsAtFirstSend = fsync.mock.calls.length;
      return paradexSubmit(order);
    });
    const res = await r.exec.openPosition(opportunity(r));
    expect(res.ok).toBe(true);
    expect(fsyncsAtFirstSend).toBe(1);
    const opening = r.journal.entries(PAIR)[0];
    expect(opening?.kind).toBe('opening');
    if (opening?.kind !== 'opening') return;
    expect(opening.long.lookupRef).toBe(`ref:${r.vest.submitted[0]!.clientId}`);
    expect(opening.short).toMatchObject({ clientId: r.paradex.submitted[0]!.clientId, venue: 'paradex' });
    fsync.mockRestore();
  });

  it('the Vest leg filled, the Paradex leg never left: the restart unwinds the lone leg reduce-only, journals it, and trades again', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true; // the Vest entry order is found only by the nonce journalled in 'opening'
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0.01, 0]);
    expect(kinds(r.journal)).toEqual(['opening']);

    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(restored.position).toBeUndefined();
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
    // Only an unwind was sent: reduce-only, never a new opening order on stale prices.
    expect(r.vest.submitted.map((o) => [o.side, o.reduceOnly])).toEqual([
      ['BUY', false],
      ['SELL', true],
    ]);
    expect(r.paradex.submitted).toHaveLength(0);
    expect(types(restored.events)).toEqual(expect.arrayContaining(['FILL_CREDITED', 'ORDER_PLACED', 'ORDER_FILLED', 'LEG_UNWOUND']));
    expect(types(restored.events)).not.toContain('RECONCILIATION_MISMATCH');
    expect(restored.events.find((e) => e.type === 'FILL_CREDITED')).toMatchObject({ venue: 'vest', phase: 'open', filledSize: 0.01, feeUsd: expect.any(Number) });
    expect(restored.events.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'vest', size: 0.01, ok: true });
    expect(kinds(journal)).toEqual(['opening', 'leg_filled', 'unwind_order', 'leg_filled', 'unwound', 'entry_failed']);
    expect(journal.lastState(PAIR).phase).toBe('flat');
    expect(restarted.isHalted()).toBe(false);
    expect((await restarted.openPosition(opportunity(r))).ok).toBe(true);
  });

  it('both legs executed, the replies never came: the restart keeps the hedged position (fills credited) and monitors it', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0.01, -0.01]);

    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(restored.position).toMatchObject({ size: 0.01, longVenue: 'vest', shortVenue: 'paradex', longEntryPrice: 100_010, shortEntryPrice: 100_300 });
    expect(restored.position!.entrySpread).toBeCloseTo(((100_300 - 100_010) / 100_010) * 100, 10);
    expect(restored.position!.entryFeesUsd).toBeCloseTo(0.01 * 100_010 * 0.0001 + 0.01 * 100_300 * 0.00045, 9);
    expect(restarted.currentPosition()).toEqual(restored.position);
    expect(types(restored.events)).toContain('POSITION_RESTORED');
    expect(types(restored.events).filter((t) => t === 'FILL_CREDITED')).toHaveLength(2);
    expect(restarted.isHalted()).toBe(false);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'open', position: { size: 0.01 } });
    // Nothing was sent at restore; the kept position closes normally.
    expect(r.vest.submitted).toHaveLength(1);
    expect(r.paradex.submitted).toHaveLength(1);
    const closed = await restarted.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
  });

  it('an entry order still live at the venue at restart: looks again soon (no backoff, said once), then keeps the hedge', async () => {
    const r = rig({ reconcileRetryMs: 1000 });
    r.vest.findsByRefOnly = true;
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    r.paradex.liveLookups = 3;

    const { restarted, journal } = restart(r);
    const looks = [await restarted.restore(), await restarted.restore(), await restarted.restore()];
    for (const look of looks) {
      // A live order settles on its own: a short fixed delay, flagged so a shutdown keeps waiting for it.
      expect(look).toMatchObject({ ok: false, retryInMs: 250, unfinished: true });
      expect(look.reason).toMatch(/paradex order .* is still live .*waiting for it to settle/);
    }
    // Halted (no entry while reconciling) and said once, not at every look.
    expect(looks.map((l) => types(l.events))).toEqual([['TRADING_HALTED'], [], []]);
    expect(restarted.isHalted()).toBe(true);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'opening', halt: { reconcile: true } });

    const settled = await restarted.restore();
    expect(settled).toMatchObject({ ok: true, position: { size: 0.01, longVenue: 'vest', shortVenue: 'paradex' } });
    expect(types(settled.events)).toEqual(expect.arrayContaining(['TRADING_RESUMED', 'FILL_CREDITED', 'POSITION_RESTORED']));
    expect(restarted.isHalted()).toBe(false);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'open' });
    expect(journal.lastState(PAIR).halt).toBeUndefined();
    // Nothing was sent while the order was live.
    expect(r.paradex.submitted).toHaveLength(1);
  });

  it('one leg partly filled before the crash: the restart keeps the common hedge and unwinds only the excess', async () => {
    const r = rig();
    r.paradex.next({ kind: 'partial', size: 0.004 });
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;

    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true, position: { size: 0.004 } });
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0.004, -0.004]);
    expect(r.vest.submitted.at(-1)).toMatchObject({ side: 'SELL', reduceOnly: true, size: 0.006 });
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'open', position: { size: 0.004 } });
  });

  it('an entry interrupted before anything filled ends as entry_failed, and nothing is sent', async () => {
    const r = rig();
    const first = doomed(r, (v, o) => (isEntry(v, o, 'vest') ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true });
    expect(journal.lastState(PAIR).phase).toBe('flat');
    expect(r.vest.submitted.length + r.paradex.submitted.length).toBe(0);
    expect(restarted.isHalted()).toBe(false);
  });

  it('halts for an operator, naming the exact disagreement, when the venues hold what the entry orders cannot explain', async () => {
    const r = rig();
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    r.vest.holdings.set('BTC-PERP', 0.03); // someone else traded on the account meanwhile
    const { restarted } = restart(r);
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    expect(restored.retryInMs).toBeUndefined();
    const mismatch = restored.events.find((e) => e.type === 'RECONCILIATION_MISMATCH');
    expect(mismatch && 'detail' in mismatch && mismatch.detail).toBe(
      "journal shows an unfinished entry (AOverB 0.01); vest BTC-PERP: the entry's orders explain long 0.01, venue reports long 0.03",
    );
    expect(restarted.isHalted()).toBe(true);
    expect(r.vest.submitted).toHaveLength(1); // nothing traded against it
  });
});

describe('executor: a crash during an unwind', () => {
  it('the unwind order executed but its fill was never journalled: the restart credits it and sends nothing more', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    r.paradex.next({ kind: 'reject', reason: 'MARGIN_CHECK_FAILED' });
    const first = doomed(r, (v, o) => (v.id === 'vest' && o.request.reduceOnly ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    expect(r.vest.holding()).toBe(0);
    expect(kinds(r.journal)).toEqual(['opening', 'leg_filled', 'leg_filled', 'unwind_order']);

    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true });
    expect(r.vest.submitted).toHaveLength(2); // the entry and the one unwind
    const credited = restored.events.filter((e) => e.type === 'FILL_CREDITED');
    expect(credited).toEqual([expect.objectContaining({ phase: 'unwind', venue: 'vest', filledSize: 0.01 })]);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'flat', pendingUnwindOrders: [] });
    expect(kinds(journal).slice(-2)).toEqual(['leg_filled', 'entry_failed']);
  });

  it('credits the unwind fill found after a restart with its price PnL against the leg’s journalled entry price', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    r.paradex.next({ kind: 'reject', reason: 'MARGIN_CHECK_FAILED' });
    const first = doomed(r, (v, o) => (v.id === 'vest' && o.request.reduceOnly ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    const entryFill = r.journal.entries(PAIR).find((e) => e.kind === 'leg_filled' && e.phase === 'open' && e.leg === 'long');
    expect(entryFill).toMatchObject({ fill: { avgPrice: r.vest.ask } });

    const restored = await restart(r).restarted.restore();
    const [credited] = restored.events.filter((e) => e.type === 'FILL_CREDITED');
    // Bought at the ask (100 010), sold back at the bid (100 000): −10 × 0.01, as unwindPnlUsd would price it.
    expect(credited).toMatchObject({ phase: 'unwind', avgPrice: r.vest.bid, creditedPnlUsd: expect.closeTo(-0.1, 9) as number });
    // Counted as the summary and the loss limit count it: its fee and its price PnL.
    expect(restored.events.filter((e) => e.type === 'FILL_CREDITED').reduce((sum, e) => sum + realisedNetDeltaUsd(e), 0)).toBeCloseTo(-0.1 - (credited as { feeUsd: number }).feeUsd, 9);
  });

  it('prices that unwind in USD at the rate its entry was taken at, not at the restarted run\'s', async () => {
    const r = rig({ usdcUsd: 0.98 });
    r.vest.findsByRefOnly = true;
    r.paradex.next({ kind: 'reject', reason: 'MARGIN_CHECK_FAILED' });
    const first = doomed(r, (v, o) => (v.id === 'vest' && o.request.reduceOnly ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    r.journal.close();
    const journal = openJournal(r.journalPath);
    journals.push(journal);
    const restored = await r.make({ journal, usdcUsd: 1.02 }).restore();
    const [credited] = restored.events.filter((e) => e.type === 'FILL_CREDITED');
    // Vest quotes USDC: −10 USDC × 0.01 at the entry's 0.98 USD per USDC.
    expect(credited).toMatchObject({ phase: 'unwind', creditedPnlUsd: expect.closeTo(-0.1 * 0.98, 9) as number });
  });

  it('leaves an unwind fill found after a restart unpriced (not 0) when the venue reports no fill price', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    r.paradex.next({ kind: 'reject', reason: 'MARGIN_CHECK_FAILED' });
    const first = doomed(r, (v, o) => (v.id === 'vest' && o.request.reduceOnly ? 'after' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    // The venue's record of the unwind order has no average price.
    const unwind = r.journal.entries(PAIR).find((e) => e.kind === 'unwind_order');
    const orders = (r.vest as unknown as { orders: Map<string, { avgPrice?: number }> }).orders;
    const recorded = orders.get(unwind!.kind === 'unwind_order' ? unwind!.clientId : '')!;
    orders.set(unwind!.kind === 'unwind_order' ? unwind!.clientId : '', { ...recorded, avgPrice: undefined });

    const restored = await restart(r).restarted.restore();
    const credited = restored.events.find((e) => e.type === 'FILL_CREDITED');
    expect(credited).toMatchObject({ phase: 'unwind', filledSize: 0.01 });
    expect(credited).not.toHaveProperty('creditedPnlUsd');
    expect(summarize(restored.events).outsideTrades).toMatchObject({ unwindsUnpriced: 1, grossPnlUsd: 0 });
  });

  it('the unwind order never reached the venue: the restart finds it missing and unwinds again', async () => {
    const r = rig();
    r.vest.findsByRefOnly = true;
    r.paradex.next({ kind: 'reject' });
    const first = doomed(r, (v, o) => (v.id === 'vest' && o.request.reduceOnly ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    expect(r.vest.holding()).toBe(0.01);

    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored).toMatchObject({ ok: true });
    expect(r.vest.holding()).toBe(0);
    expect(r.vest.submitted.map((o) => [o.side, o.reduceOnly])).toEqual([
      ['BUY', false],
      ['SELL', true],
    ]);
    expect(journal.lastState(PAIR).phase).toBe('flat');
    expect(restarted.isHalted()).toBe(false);
  });

  it('an unwind that keeps failing at restart leaves the exposure journalled and halts for an operator', async () => {
    const r = rig({ closeRetries: 1 });
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    r.vest.rejectAll = 'MARKET_CLOSED';
    const { restarted, journal } = restart(r);
    const restored = await restarted.restore();
    expect(restored.ok).toBe(false);
    expect(restarted.isHalted()).toBe(true);
    expect(restarted.haltReason()).toMatch(/unwind failed, unhedged exposure remains: vest BTC-PERP long 0.01/);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'exposed' });
  });
});

describe('executor: a venue that cannot be read at start', () => {
  it('retries the reconciliation with backoff and says so, instead of halting for good; then finishes the entry', async () => {
    const r = rig({ reconcileRetryMs: 500 });
    const first = doomed(r, (v, o) => (isEntry(v, o, 'paradex') ? 'before' : undefined));
    void first.executor.openPosition(opportunity(r));
    await first.died;
    r.paradex.failPositions = 2;

    const { restarted, journal } = restart(r);
    const one = await restarted.restore();
    // The entry the dead process left is unfinished: a shutdown now keeps trying within its grace.
    expect(one).toMatchObject({ ok: false, retryInMs: 500, unfinished: true });
    expect(one.events).toEqual([expect.objectContaining({ type: 'TRADING_HALTED', reason: expect.stringMatching(/positions unreadable .*retrying in 500 ms \(attempt 1\)/) })]);
    expect(restarted.isHalted()).toBe(true);
    expect(journal.lastState(PAIR).halt).toMatchObject({ reconcile: true });
    const two = await restarted.restore();
    expect(two).toMatchObject({ ok: false, retryInMs: 1000 });
    expect(r.vest.submitted).toHaveLength(1); // nothing decided while a venue is unreadable

    const three = await restarted.restore();
    expect(three).toMatchObject({ ok: true });
    expect(types(three.events)).toContain('TRADING_RESUMED');
    expect(restarted.isHalted()).toBe(false);
    expect([r.vest.holding(), r.paradex.holding()]).toEqual([0, 0]);
    expect(journal.lastState(PAIR)).toMatchObject({ phase: 'flat' });
    expect(journal.lastState(PAIR).halt).toBeUndefined();
  });

  it('a process restarted during the outage does not inherit the halt as permanent: it reconciles again', async () => {
    const r = rig();
    r.paradex.failPositions = 1;
    const before = await r.exec.restore();
    expect(before.retryInMs).toBeDefined();
    // Nothing was left half done (flat journal): a shutdown need not wait for the venue.
    expect(before.unfinished).toBeUndefined();
    const { restarted } = restart(r);
    const after = await restarted.restore();
    expect(after).toMatchObject({ ok: true });
    expect(restarted.isHalted()).toBe(false);
  });
});
