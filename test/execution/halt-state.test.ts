import { openJournal } from '../../src/execution/journal';
import { haltActive, HaltState, raiseHalt } from '../../src/execution/halt-state';
import { cleanUp, journals, opportunity, PAIR, rig, types } from './executor-rig';

afterEach(cleanUp);

describe('halt state (pure)', () => {
  it('is active until its time, and forever without one', () => {
    expect(haltActive(undefined, 5)).toBe(false);
    expect(haltActive({ reason: 'cooldown', until: 10 }, 9)).toBe(true);
    expect(haltActive({ reason: 'cooldown', until: 10 }, 10)).toBe(false);
    expect(haltActive({ reason: 'exposure' }, Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('never shortens an operator halt with a later cooldown: the reasons are joined', () => {
    expect(raiseHalt({ reason: 'unwind failed' }, 'leg imbalance', 100, 50)).toEqual({ reason: 'unwind failed; leg imbalance' });
  });

  it('lets a new halt replace a cooldown, one that ran out, or a reconciliation halt', () => {
    expect(raiseHalt({ reason: 'cooldown', until: 100 }, 'exposure', undefined, 50)).toEqual({ reason: 'exposure' });
    expect(raiseHalt({ reason: 'old', until: 10 }, 'new cooldown', 200, 50)).toEqual({ reason: 'new cooldown', until: 200 });
    expect(raiseHalt({ reason: 'venue unreadable', reconcile: true }, 'mismatch', undefined, 50)).toEqual({ reason: 'mismatch' });
    expect(raiseHalt(undefined, 'first', 70, 50)).toEqual({ reason: 'first', until: 70 });
  });

  it('reports a cooldown that ran out as expired, no longer halted, until it is cleared', () => {
    const clock = { now: 0 };
    const h = new HaltState(() => clock.now);
    h.raise('cooldown', 100);
    expect(h.active()).toBe(true);
    expect(h.reason()).toBe('cooldown');
    expect(h.expired()).toBe(false);
    clock.now = 100;
    expect(h.active()).toBe(false);
    expect(h.reason()).toBeUndefined();
    expect(h.expired()).toBe(true);
    h.clear();
    expect(h.expired()).toBe(false);
    expect(h.current()).toBeUndefined();
  });

  it('knows a reconciliation halt from the others', () => {
    const h = new HaltState(() => 0);
    h.set({ reason: 'venue unreadable', reconcile: true });
    expect(h.reconciling()).toBe(true);
    expect(h.active()).toBe(true);
    h.raise('mismatch', undefined);
    expect(h.reconciling()).toBe(false);
    expect(h.reason()).toBe('mismatch');
  });
});


describe('executor: a halt cleared by an operator from another process', () => {
  it('is picked up by the running executor, which trades again', async () => {
    const r = rig();
    r.vest.holdings.set('BTC-PERP', 0.02); // unknown exposure: halted for an operator
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(false);
    expect(r.exec.isHalted()).toBe(true);
    expect(r.exec.pollOperatorResume()).toEqual([]);

    r.vest.holdings.set('BTC-PERP', 0); // the operator fixed the venue, then ran `resume`
    const command = openJournal(r.journalPath);
    journals.push(command);
    command.append({ kind: 'resumed', pair: PAIR, time: r.clock.now, operator: true });

    expect(types(r.exec.pollOperatorResume())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.isHalted()).toBe(false);
    expect((await r.exec.openPosition(opportunity(r))).ok).toBe(true);
  });

  it('does not let a resume checked before a newer halt clear it (the command read the venues at T, the bot halted at T+δ)', async () => {
    const r = rig();
    const checkedAt = r.clock.now; // the operator's `resume` reads the venues here…
    r.clock.now += 50;
    r.exec.haltByOperator('operator halt after the check'); // …the bot halts meanwhile…
    const command = openJournal(r.journalPath);
    journals.push(command);
    command.append({ kind: 'resumed', pair: PAIR, time: checkedAt, operator: true }); // …and the resume lands after it

    expect(r.exec.pollOperatorResume()).toEqual([]);
    expect(r.exec.isHalted()).toBe(true);
    // The journal keeps it too: a restart is still halted.
    expect(r.journal.lastState(PAIR).halt).toMatchObject({ reason: 'operator halt after the check' });
    const reopened = openJournal(r.journalPath);
    journals.push(reopened);
    const restarted = r.make({ journal: reopened });
    await restarted.restore();
    expect(restarted.isHalted()).toBe(true);

    // A resume checked after the halt clears it.
    command.append({ kind: 'resumed', pair: PAIR, time: r.clock.now + 1, operator: true });
    expect(types(r.exec.pollOperatorResume())).toEqual(['TRADING_RESUMED']);
    expect(r.exec.isHalted()).toBe(false);
  });
});
