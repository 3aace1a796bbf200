import { classify, hasStackTrace, type RunRecord, type TrialFacts } from '../../../scripts/chaos/classify';

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
    expect(classify(facts({ notReached: 'stage open not reached' }))).toMatchObject({ ok: true, inconclusive: true });
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
