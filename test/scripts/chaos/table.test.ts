import type { TrialOutcome } from '../../../scripts/chaos/classify';
import { planTrials } from '../../../scripts/chaos/plan';
import { breakdownTable, findings, report, summarize, summaryTable, type TrialResult } from '../../../scripts/chaos/table';

const OK: TrialOutcome = { ok: true, end: 'flat', unhedged: false, lost: false, crashed: false, hung: false, secrets: false, inconclusive: false, harnessError: false, problems: [] };

function results(): TrialResult[] {
  const [a, b, c, d] = planTrials(1, 4, { only: ['kill/SIGKILL/entry-both', 'bad-input/flag'] });
  return [
    { trial: a!, outcome: OK, ms: 1 },
    { trial: b!, outcome: { ...OK, ok: false, end: 'unhedged', unhedged: true, lost: true, problems: ['unhedged at rest: vest long 0.001, paradex flat; journal opening'] }, ms: 1 },
    { trial: c!, outcome: { ...OK, ok: false, crashed: true, problems: ['only run ended with exit 1 (documented: 2)'] }, ms: 1 },
    { trial: d!, outcome: { ...OK, end: 'hedged-monitored', inconclusive: true, problems: ['fault not injected as planned: stage open not reached'] }, ms: 1 },
  ];
}

describe('the campaign report', () => {
  it('counts each outcome once per trial, and the rows add up', () => {
    const s = summarize(results());
    expect(s).toEqual({ trials: 4, flatOrMonitored: 3, unhedged: 1, lost: 1, crashes: 1, hangs: 0, secrets: 0, inconclusive: 1, harnessErrors: 0, bad: 2 });
  });

  it('prints the summary as one table with the figures under their headings', () => {
    const lines = summaryTable(summarize(results())).split('\n');
    expect(lines[0]).toBe('| trials | ended flat or hedged+monitored | unhedged at rest | positions lost | crashes | hangs | secrets found | inconclusive |');
    expect(lines[1]).toMatch(/^\|-+\|-+\|/);
    expect(lines[2]!.split('|').map((c) => c.trim())).toEqual(['', '4', '3', '1', '1', '1', '0', '0', '1', '']);
  });

  it('breaks the outcomes down by case', () => {
    const table = breakdownTable(results());
    expect(table).toContain('| case ');
    expect(table.split('\n').filter((l) => l.startsWith('| kill/') || l.startsWith('| bad-input/'))).toHaveLength(new Set(results().map((r) => r.trial.key)).size);
  });

  it('lists every bad or inconclusive trial with its fault and what was left, and ends with the verdict', () => {
    const text = findings(results());
    expect(text).toMatch(/#\d+ kill\/SIGKILL\/entry-both\/\S+: kill -9 at entry-both/);
    expect(text).toContain('    - unhedged at rest: vest long 0.001, paradex flat; journal opening');
    expect(text).toContain('(inconclusive)');
    expect(report(results(), { seed: 1, wallMs: 12_000, concurrency: 2 })).toMatch(/^chaos: 4 trials, seed 1, 2 at a time, 12 s[\s\S]*result: 2 trial\(s\) with a bad outcome$/);
    expect(report([results()[0]!], { seed: 1, wallMs: 1, concurrency: 1 })).toMatch(/result: no bad outcome$/);
  });
});

describe('notes on trials that ended well', () => {
  it('are listed, marked as notes, and do not make the campaign fail', () => {
    const [t] = planTrials(1, 1, { only: ['kill/SIGINT/open'] });
    const noted: TrialResult = { trial: t!, outcome: { ...OK, problems: ['note: first run took 17.2 s to stop after Ctrl-C (documented: within 15 s)'] }, ms: 1 };
    expect(findings([noted])).toMatch(/^#1 kill\/SIGINT\/open\/\S+: .* \(ok; notes\)\n {4}- note: first run took 17\.2 s/);
    expect(report([noted], { seed: 1, wallMs: 1, concurrency: 1 })).toMatch(/result: no bad outcome$/);
  });
});

describe('a campaign error', () => {
  it('is told apart from the bot\'s outcomes and named in the verdict', () => {
    const [t] = planTrials(1, 1, { only: ['feed-fault/drop/vest'] });
    const failed: TrialResult = { trial: t!, outcome: { ...OK, inconclusive: true, harnessError: true, problems: ["campaign error (not the bot's): EISDIR"] }, ms: 1 };
    expect(summarize([failed])).toMatchObject({ bad: 0, inconclusive: 1, harnessErrors: 1 });
    expect(findings([failed])).toContain('(campaign error)');
    expect(report([failed], { seed: 1, wallMs: 1, concurrency: 1 })).toMatch(/result: no bad outcome; the campaign failed in 1 trial\(s\): see "campaign error"$/);
  });
});
