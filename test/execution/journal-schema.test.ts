import { checkEntry, JOURNAL_ENTRY_KINDS } from '../../src/execution/journal-schema';
import { deriveState, type JournalEntry, type JournalEntryKind } from '../../src/execution/journal';
import { closeFill, position } from './position-fixture';

const pair = 'BTC-PERP';
const plan = (side: 'BUY' | 'SELL', clientId: string) => ({
  venue: side === 'BUY' ? ('vest' as const) : ('paradex' as const),
  symbol: side === 'BUY' ? 'BTC-PERP' : 'BTC-USD-PERP',
  side,
  clientId,
  size: 0.01,
  priceCap: 100_000,
});

/**
 * One valid entry of every kind. Typed as a Record over the kinds, so adding a kind to the journal
 * without a sample here does not compile; the tests below then check that the schema knows it too.
 */
const SAMPLES: { [K in JournalEntryKind]: Extract<JournalEntry, { kind: K }> } = {
  opening: { kind: 'opening', pair, time: 1, direction: 'AOverB', size: 0.01, detectedSpread: 0.3, long: plan('BUY', 'L'), short: plan('SELL', 'S') },
  leg_filled: { kind: 'leg_filled', pair, time: 2, phase: 'open', leg: 'long', fill: closeFill('long', 0.01, 100_000) },
  open: { kind: 'open', pair, time: 3, position },
  entry_failed: { kind: 'entry_failed', pair, time: 3, reason: 'neither leg filled' },
  unwind_order: { kind: 'unwind_order', pair, time: 3, leg: 'long', venue: 'vest', symbol: 'BTC-PERP', side: 'SELL', clientId: 'U', size: 0.01 },
  unwound: { kind: 'unwound', pair, time: 3, venue: 'vest', symbol: 'BTC-PERP', size: 0.01, unwoundSize: 0.01, ok: true, reason: 'unwound' },
  exposed: { kind: 'exposed', pair, time: 3, exposure: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }], reason: 'unwind failed' },
  close_armed: { kind: 'close_armed', pair, time: 4, clientIds: { long: 'A', short: 'B' }, validUntil: 10 },
  closing: { kind: 'closing', pair, time: 5, clientIds: { long: 'A', short: 'B' } },
  close_order: { kind: 'close_order', pair, time: 5, leg: 'short', clientId: 'C' },
  closed: { kind: 'closed', pair, time: 6, grossPnlUsd: 1, feesUsd: 0.5 },
  fill_credited: { kind: 'fill_credited', pair, time: 7, trade: 'L/S', leg: 'short', fill: closeFill('short', 0.001, 100_000), grossPnlUsd: 0.3, feesUsd: 0.01, reason: 'late' },
  close_failed: { kind: 'close_failed', pair, time: 6, reason: 'not flat' },
  closed_outside: { kind: 'closed_outside', pair, time: 6, direction: 'AOverB', size: 0.01, reason: 'closed by hand' },
  halted: { kind: 'halted', pair, time: 8, reason: 'cooldown', until: 100 },
  resumed: { kind: 'resumed', pair, time: 9, operator: true },
  realised: { kind: 'realised', pair, time: 9, event: 'POSITION_CLOSED', deltaUsd: -3, netUsd: -5, since: 1 },
  exit_exposure: { kind: 'exit_exposure', pair, time: 9, exposure: [], pendingOrders: [], reason: 'shutdown' },
};

describe('journal entry kinds', () => {
  it('lists exactly the kinds the journal writes, each once', () => {
    expect([...JOURNAL_ENTRY_KINDS].sort()).toEqual(Object.keys(SAMPLES).sort());
    expect(new Set(JOURNAL_ENTRY_KINDS).size).toBe(JOURNAL_ENTRY_KINDS.length);
  });

  it.each(Object.values(SAMPLES))('checks a valid $kind entry as valid, unchanged', (entry) => {
    const checked = checkEntry(JSON.parse(JSON.stringify(entry)), 1);
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.problems).toEqual([]);
      expect(checked.entry).toEqual(entry);
    }
  });

  it.each(Object.values(SAMPLES))('folds a $kind entry into the pair state without throwing', (entry) => {
    expect(() => deriveState([entry], pair)).not.toThrow();
  });

  it('refuses a kind it does not know, naming it', () => {
    const checked = checkEntry({ kind: 'teleported', pair, time: 1 }, 4, 'journal/btc.ndjson');
    expect(checked).toEqual({
      ok: false,
      problems: [{ file: 'journal/btc.ndjson', line: 4, pair, field: 'kind', reason: '"teleported" is not a known entry kind' }],
    });
  });
});
