import { classify, hasStackTrace, journalView, type RunRecord, type TrialFacts } from '../../../scripts/chaos/classify';
import { deriveState, type JournalEntry } from '../../../src/execution/journal';
import type { OpenPosition } from '../../../src/execution/types';

function run(over: Partial<RunRecord> = {}): RunRecord {
  return { label: 'restart', expected: { codes: [0] }, code: 0, signal: null, hung: false, ms: 3_000, stdout: '', stderr: '', ...over };
}

function facts(over: Partial<TrialFacts> = {}): TrialFacts {
  return { runs: [run()], venues: { vest: 0, paradex: 0 }, journal: { phase: 'flat', expected: { vest: 0, paradex: 0 }, corruptLines: 0 }, secrets: [], ...over };
}

describe('classifying what a trial left', () => {
  it('is ok when both venues are flat and every run ended as documented', () => {
    const first = run({ label: 'first', expected: { codes: [0], killedWith: 'SIGKILL' }, code: null, signal: 'SIGKILL' });
    expect(classify(facts({ runs: [first, run()] }))).toMatchObject({ ok: true, end: 'flat', unhedged: false, lost: false, crashed: false, hung: false, secrets: false, problems: [] });
  });

  it('is ok when a hedge is left that the journal expects, in a phase the next start monitors', () => {
    const out = classify(facts({ venues: { vest: 0.001, paradex: -0.001 }, journal: { phase: 'open', expected: { vest: 0.001, paradex: -0.001 }, corruptLines: 0 } }));
    expect(out).toMatchObject({ ok: true, end: 'hedged-monitored' });
  });

  it('flags a lone leg as unhedged, and as lost when the journal does not know it', () => {
    const lone = classify(facts({ venues: { vest: 0.001, paradex: 0 }, journal: { phase: 'opening', expected: undefined, halt: 'reconciliation mismatch', corruptLines: 0 } }));
    expect(lone).toMatchObject({ ok: false, end: 'unhedged', unhedged: true, lost: true });
    expect(lone.problems[0]).toBe('unhedged at rest: vest long 0.001, paradex flat; journal opening, halted: reconciliation mismatch');
    // Recorded for an operator: unhedged, but not forgotten.
    const recorded = classify(facts({ venues: { vest: 0, paradex: -0.001 }, journal: { phase: 'exposed', expected: { vest: 0, paradex: -0.001 }, corruptLines: 0 } }));
    expect(recorded).toMatchObject({ ok: false, unhedged: true, lost: false });
  });

  it('flags a hedge nobody will monitor as lost', () => {
    const forgotten = classify(facts({ venues: { vest: -0.001, paradex: 0.001 }, journal: { phase: 'flat', expected: { vest: 0, paradex: 0 }, corruptLines: 0 } }));
    expect(forgotten).toMatchObject({ ok: false, end: 'hedged-unmonitored', unhedged: false, lost: true });
    const exposedHedge = classify(facts({ venues: { vest: -0.001, paradex: 0.001 }, journal: { phase: 'exposed', expected: { vest: -0.001, paradex: 0.001 }, corruptLines: 0 } }));
    expect(exposedHedge).toMatchObject({ ok: false, lost: true });
    expect(exposedHedge.problems[0]).toMatch(/^position lost \(recorded, not monitored\)/);
  });

  it('counts an undocumented exit or a stack trace as a crash, a run past its bound as a hang', () => {
    expect(classify(facts({ runs: [run({ code: 1, stderr: 'fatal: boom\n' })] }))).toMatchObject({ ok: false, crashed: true, problems: ['restart run ended with exit 1 (documented: 0): fatal: boom'] });
    const trace = 'TypeError: x is undefined\n    at restore (/app/dist/src/execution/executor.js:812:17)\n';
    expect(classify(facts({ runs: [run({ stderr: trace })] }))).toMatchObject({ ok: false, crashed: true });
    expect(classify(facts({ runs: [run({ hung: true, code: null, signal: 'SIGKILL', ms: 33_000 })] }))).toMatchObject({ ok: false, hung: true, crashed: false });
    // Killed by a signal we did not send.
    expect(classify(facts({ runs: [run({ code: null, signal: 'SIGABRT' })] }))).toMatchObject({ crashed: true });
  });

  it('wants a refused input to name the field', () => {
    const refused = (stderr: string) => run({ label: 'only', expected: { codes: [2] }, code: 2, stderr, mustName: 'bots[0].leverage' });
    expect(classify(facts({ runs: [refused('config error: bots[0].leverage = 0: must be an integer 1..100\n')], venues: undefined }))).toMatchObject({ ok: true });
    expect(classify(facts({ runs: [refused('config error: something is wrong\n')], venues: undefined }))).toMatchObject({ ok: false, crashed: true });
  });

  it('fails on any secret, and reports a fault it could not inject as inconclusive only', () => {
    expect(classify(facts({ secrets: ['restart run stdout'] }))).toMatchObject({ ok: false, secrets: true, problems: ['secret found in: restart run stdout'] });
    expect(classify(facts({ notReached: 'stage open not reached' }))).toMatchObject({ ok: true, inconclusive: true, harnessError: false });
    expect(classify(facts({ harnessError: 'EISDIR' }))).toMatchObject({ inconclusive: true, harnessError: true, problems: ["campaign error (not the bot's): EISDIR"] });
    expect(classify(facts({ venues: { error: 'ECONNREFUSED' } }))).toMatchObject({ ok: true, inconclusive: true, end: 'unknown' });
  });

  it('notes a journal that still expects a position the venues no longer hold', () => {
    const out = classify(facts({ journal: { phase: 'open', expected: { vest: 0.001, paradex: -0.001 }, corruptLines: 0 } }));
    expect(out.ok).toBe(true);
    expect(out.problems[0]).toMatch(/^note: venues flat but journal open/);
  });

  it('recognises a Node stack trace and nothing else', () => {
    expect(hasStackTrace('Error: x\n    at Object.<anonymous> (/a/b.js:1:2)')).toBe(true);
    expect(hasStackTrace('    at /a/b.js:10:3')).toBe(true);
    expect(hasStackTrace('[event] 12:00:00.000 ORDER_FAILED BTC-PERP vest id=x: not flat at venue')).toBe(false);
  });
});

describe('what the journal expects at the venues', () => {
  const position: OpenPosition = {
    pair: 'BTC-PERP',
    direction: 'AOverB',
    size: 0.002,
    longVenue: 'vest',
    shortVenue: 'paradex',
    longSymbol: 'BTC-PERP',
    shortSymbol: 'BTC-USD-PERP',
    longEntryPrice: 95_000,
    shortEntryPrice: 95_200,
    entrySpread: 0.21,
    detectedSpread: 0.22,
    entryFeesUsd: 0.1,
    clientIds: { long: 'l', short: 's' },
    openedAt: 1,
  };
  const fill = (leg: 'long' | 'short', filledSize: number): JournalEntry => ({
    kind: 'leg_filled',
    pair: 'BTC-PERP',
    time: 3,
    phase: 'close',
    leg,
    fill: { venue: leg === 'long' ? 'vest' : 'paradex', symbol: 'x', side: leg === 'long' ? 'SELL' : 'BUY', clientId: `c-${leg}`, requestedSize: 0.002, filledSize, avgPrice: 95_100, feeUsd: 0 },
  });

  it('expects the open position less what was closed, per venue, signed', () => {
    const entries: JournalEntry[] = [
      { kind: 'open', pair: 'BTC-PERP', time: 1, position },
      { kind: 'closing', pair: 'BTC-PERP', time: 2, clientIds: { long: 'c-long', short: 'c-short' } },
      fill('long', 0.002),
      fill('short', 0.0005),
    ];
    expect(journalView(deriveState(entries, 'BTC-PERP'), 0)).toEqual({ phase: 'closing', expected: { vest: 0, paradex: -0.0015 }, corruptLines: 0 });
  });

  it('cannot say for an unfinished entry, takes a recorded exposure as it is, and shows a halt still in force', () => {
    const opening: JournalEntry = {
      kind: 'opening',
      pair: 'BTC-PERP',
      time: 1,
      direction: 'AOverB',
      size: 0.002,
      detectedSpread: 0.2,
      long: { venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'l', size: 0.002, priceCap: 96_000 },
      short: { venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 's', size: 0.002, priceCap: 94_000 },
    };
    expect(journalView(deriveState([opening], 'BTC-PERP'), 1).expected).toBeUndefined();
    const exposed: JournalEntry[] = [
      opening,
      { kind: 'exposed', pair: 'BTC-PERP', time: 2, reason: 'unwind failed', exposure: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.002 }] },
      { kind: 'halted', pair: 'BTC-PERP', time: 2, reason: 'unwind failed' },
      { kind: 'halted', pair: 'ETH-PERP', time: 2, reason: 'other pair', until: 5 },
    ];
    expect(journalView(deriveState(exposed, 'BTC-PERP'), 0, 10)).toEqual({ phase: 'exposed', expected: { vest: 0.002, paradex: 0 }, halt: 'unwind failed', corruptLines: 0 });
    // A cooldown halt that has run out is not in force.
    const cooled: JournalEntry[] = [{ kind: 'halted', pair: 'BTC-PERP', time: 1, reason: 'leg imbalance', until: 5 }];
    expect(journalView(deriveState(cooled, 'BTC-PERP'), 0, 10)).toEqual({ phase: 'flat', expected: { vest: 0, paradex: 0 }, corruptLines: 0 });
  });
});

describe('a slow stop', () => {
  it('is noted, not counted, when a Ctrl-C took longer than documented (the grace and the report) but ended well', () => {
    const out = classify(facts({ runs: [run({ label: 'first', stopMs: 17_200 })] }));
    expect(out).toMatchObject({ ok: true, hung: false });
    expect(out.problems).toEqual(['note: first run took 17.2 s to stop after Ctrl-C (documented: within 15 s)']);
  });
});

describe('notes from a scenario', () => {
  it('are reported as notes, and do not make a trial bad', () => {
    const out = classify(facts({ notes: ['entered while vest frames arrived 5000 ms late (beyond max_book_age_ms 2000)'] }));
    expect(out).toMatchObject({ ok: true, problems: ['note: entered while vest frames arrived 5000 ms late (beyond max_book_age_ms 2000)'] });
  });
});
