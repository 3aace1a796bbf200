/** The summary's fold of the funding checks: closes checked, mismatches, Σ (venue − bot) of the legs read. */
import { events } from '../../src/domain/events';
import { summarize } from '../../src/report/summary';
import { summaryFigures, summaryJson } from '../../src/report/summary-format';

const check = (time: number, diffUsd: number | undefined, mismatch = false) => {
  const p = {
    pair: 'BTC-PERP',
    direction: 'AOverB' as const,
    size: 0.01,
    sinceMs: 0,
    legs: [],
    botUsd: 0.5,
    ...(diffUsd !== undefined ? { venueUsd: 0.5 + diffUsd, diffUsd } : { unavailable: 'long vest: venue figure unavailable: HTTP 503' }),
  };
  return mismatch ? events.fundingMismatch(time, p) : events.fundingReconciled(time, p);
};

describe('funding checks in the summary', () => {
  it('sums venue − bot over the checks that read a figure, and counts checks and mismatches', () => {
    const s = summarize([check(1, 0.002), check(2, undefined), check(3, -0.5, true)]);
    expect(s.fundingChecks).toBe(3);
    expect(s.fundingMismatches).toBe(1);
    expect(s.fundingVenueDiffUsd).toBeCloseTo(-0.498, 12);
    const json = summaryJson(s, { mode: 'live', reportPath: 'r', eventsPath: 'e' });
    expect(json.fundingVenueDiffUsd).toBeCloseTo(-0.498, 12);
    expect(json.fundingMismatches).toBe(1);
    expect(summaryFigures(s).find((f) => f.key === 'fundingVenueDiffUsd')?.text).toBe('-$0.4980 (3 close(s) checked, 1 beyond tolerance (FUNDING_MISMATCH))');
  });

  it('says n/a (null in the JSON), never 0, when no venue figure could be read, and shows no line when nothing was checked', () => {
    const unread = summarize([check(1, undefined)]);
    expect(unread.fundingVenueDiffUsd).toBeUndefined();
    expect(summaryJson(unread, { mode: 'live', reportPath: 'r', eventsPath: 'e' }).fundingVenueDiffUsd).toBeNull();
    expect(summaryFigures(unread).find((f) => f.key === 'fundingVenueDiffUsd')?.text).toMatch(/^n\/a \(no venue figure could be read/);
    expect(summaryFigures(summarize([])).some((f) => f.key === 'fundingVenueDiffUsd')).toBe(false);
  });

  it('counts checks made while a position is held on their own, never in the closes’ Σ (venue − bot)', () => {
    const held = (time: number, diffUsd: number, mismatch = false) => ({ ...check(time, diffUsd, mismatch), whileHeld: true as const });
    const s = summarize([held(1, 0.3, true), held(2, 0.001), check(3, 0.002)]);
    expect(s).toMatchObject({ fundingChecks: 1, fundingMismatches: 0, fundingHeldChecks: 2, fundingHeldMismatches: 1 });
    expect(s.fundingVenueDiffUsd).toBeCloseTo(0.002, 12);
    expect(summaryJson(s, { mode: 'live', reportPath: 'r', eventsPath: 'e' })).toMatchObject({ fundingHeldChecks: 2, fundingHeldMismatches: 1 });
    expect(summaryFigures(s).find((f) => f.key === 'fundingHeldMismatches')?.text).toBe('2 checked, 1 beyond tolerance');
    expect(summaryFigures(summarize([check(1, 0)])).some((f) => f.key === 'fundingHeldMismatches')).toBe(false);
  });
});
