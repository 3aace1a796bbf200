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

  it('recordBestEffort never throws: it keeps each failure for the halt, once', () => {
    const f = fakeJournal();
    const j = new ExecutorJournal(f.journal, () => false);
    f.disk.full = true;
    expect(() => j.recordBestEffort(entry)).not.toThrow();
    j.recordBestEffort({ kind: 'close_failed', pair: 'BTC-PERP', time: 2, reason: 'x' });
    expect(j.takeFailures()).toBe(
      "journal write of 'resumed' failed: ENOSPC: no space left on device; journal write of 'close_failed' failed: ENOSPC: no space left on device",
    );
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
