import type { Journal, JournalEntry } from '../../src/execution/journal';
import { ExecutorJournal } from '../../src/execution/journaling';

/** A journal whose disk can fail on demand. */
function fakeJournal() {
  const written: JournalEntry[] = [];
  const disk = { full: false };
  const journal = {
    append(entry: JournalEntry) {
      if (disk.full) throw new Error('ENOSPC: no space left on device');
      written.push(entry);
    },
  } as unknown as Journal;
  return { journal, written, disk };
}

const entry: JournalEntry = { kind: 'resumed', pair: 'BTC-PERP', time: 1, operator: true };

describe('the journal verbs', () => {
  it('journalOrThrow throws when the write fails, so the caller does not act', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => false);
    j.journalOrThrow(entry);
    expect(f.written).toEqual([entry]);
    f.disk.full = true;
    expect(() => j.journalOrThrow(entry)).toThrow('ENOSPC');
    expect(j.takeFailures()).toBeUndefined();
  });

  it('journalOrThrow refuses once the process is stopping', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => true);
    expect(() => j.journalOrThrow(entry)).toThrow('the process is stopping');
    expect(f.written).toEqual([]);
  });

  it('recordBestEffort never throws: it keeps the failure for the halt, once, and says what it skips after it', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => false);
    f.disk.full = true;
    expect(() => j.recordBestEffort(entry)).not.toThrow();
    j.recordBestEffort({ kind: 'close_failed', pair: 'BTC-PERP', time: 2, reason: 'x' });
    j.recordBestEffort({ kind: 'close_failed', pair: 'BTC-PERP', time: 3, reason: 'y' });
    const gap = "the journal is incomplete since its 'resumed' write failed (ENOSPC: no space left on device): nothing more is journaled for this pair until a restart, which reconciles it with the venues";
    expect(j.takeFailures()).toBe(`journal write of 'resumed' failed: ENOSPC: no space left on device; journal write of 'close_failed' skipped: ${gap}`);
    expect(j.takeFailures()).toBeUndefined();
    expect(() => j.journalOrThrow(entry)).toThrow(gap);
  });

  it('after a failed record nothing more is written for the pair, even with room again: no record follows missing ones', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => false);
    j.recordBestEffort(entry);
    f.disk.full = true;
    j.recordBestEffort({ kind: 'open', pair: 'BTC-PERP', time: 2 } as unknown as JournalEntry);
    f.disk.full = false;
    const closing: JournalEntry = { kind: 'closing', pair: 'BTC-PERP', time: 3, clientIds: { long: 'a', short: 'b' } };
    j.recordBestEffort(closing);
    // Nothing new may start: an 'opening' (or an armed close) is refused with the reason.
    expect(() => j.journalOrThrow(entry)).toThrow(/the journal is incomplete since its 'open' write failed/);
    j.recordFinal({ kind: 'exit_exposure', pair: 'BTC-PERP', time: 4, exposure: [], pendingOrders: [], reason: 'stop' });
    expect(f.written).toEqual([entry]);
  });

  it('a failed journalOrThrow leaves no gap: its caller did not act, so the journal is still whole', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => false);
    f.disk.full = true;
    expect(() => j.journalOrThrow(entry)).toThrow('ENOSPC');
    f.disk.full = false;
    j.journalOrThrow(entry);
    j.recordBestEffort(entry);
    expect(f.written).toEqual([entry, entry]);
    expect(j.takeFailures()).toBeUndefined();
  });

  it('recordBestEffort writes nothing once detached, but the final word still is', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => true);
    j.recordBestEffort(entry);
    expect(f.written).toEqual([]);
    const last: JournalEntry = { kind: 'exit_exposure', pair: 'BTC-PERP', time: 3, exposure: [], pendingOrders: [], reason: 'grace ran out' };
    j.recordFinal(last);
    expect(f.written).toEqual([last]);
    f.disk.full = true;
    expect(() => j.recordFinal(last)).not.toThrow();
  });
});
