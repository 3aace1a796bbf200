/** reconcileFunding: the bot's per-leg funding against each venue's, held to a tolerance; unread legs unchecked. */
import { DEFAULT_FUNDING_TOLERANCE, fundingToleranceUsd, reconcileFunding, type FundingLegInput } from '../../src/execution/funding-reconcile';

const long = (botUsd: number, venueUsd: number): FundingLegInput => ({ leg: 'long', venue: 'vest', symbol: 'BTC-PERP', botUsd, venueFigure: { ok: true, usd: venueUsd, source: 'orders' } });
const short = (botUsd: number, venueUsd: number): FundingLegInput => ({
  leg: 'short',
  venue: 'paradex',
  symbol: 'BTC-USD-PERP',
  botUsd,
  venueFigure: { ok: true, usd: venueUsd, source: 'payments' },
});

describe('reconcileFunding', () => {
  it('agrees when each leg is within the larger of one cent and 2 % of its figure, totals venue − bot', () => {
    const r = reconcileFunding([long(-1.5, -1.52), short(0.75, 0.7549)]);
    expect(r.outcome).toBe('reconciled');
    expect(r.botUsd).toBeCloseTo(-0.75, 12);
    expect(r.venueUsd).toBeCloseTo(-0.7651, 12);
    expect(r.diffUsd).toBeCloseTo(-0.0151, 12);
    expect(r.legs.map((l) => l.toleranceUsd)).toEqual([expect.closeTo(0.0304, 12), expect.closeTo(0.015098, 12)]);
    expect(r.unavailable).toBeUndefined();
  });

  it('disagrees when a venue charged beyond the tolerance, even if the other leg offsets it in the total', () => {
    // The Vest leg is $0.50 worse than the bot counted, the Paradex leg $0.50 better: the totals agree, the legs do not.
    const r = reconcileFunding([long(-1, -1.5), short(1, 1.5)]);
    expect(r.outcome).toBe('mismatch');
    expect(r.diffUsd).toBeCloseTo(0, 12);
    expect(r.legs.map((l) => l.diffUsd)).toEqual([expect.closeTo(-0.5, 12), expect.closeTo(0.5, 12)]);
  });

  it('flags a sign error (the bot thinks it received what the venue charged)', () => {
    expect(reconcileFunding([long(0.2, -0.2), short(0, 0)]).outcome).toBe('mismatch');
  });

  it('leaves an unread leg unchecked and says so, never counting it as agreeing or as zero', () => {
    const r = reconcileFunding([{ ...long(-1, 0), venueFigure: { ok: false, reason: 'HTTP 503' } }, short(0.5, 0.5)]);
    expect(r.outcome).toBe('reconciled');
    expect(r.unavailable).toBe('long vest: venue figure unavailable: HTTP 503');
    expect(r.legs[0]).toEqual({ leg: 'long', venue: 'vest', symbol: 'BTC-PERP', botUsd: -1, toleranceUsd: 0.02, unavailable: 'venue figure unavailable: HTTP 503' });
    expect(r.venueUsd).toBe(0.5);
    expect(r.diffUsd).toBe(0);
    expect(r.botUsd).toBe(-0.5);
  });

  it('has no venue total when no leg was read', () => {
    const r = reconcileFunding([{ ...long(-1, 0), venueFigure: { ok: false, reason: 'x' } }, { ...short(1, 0), venueFigure: { ok: false, reason: 'y' } }]);
    expect(r).not.toHaveProperty('venueUsd');
    expect(r).not.toHaveProperty('diffUsd');
    expect(r.outcome).toBe('reconciled');
  });

  it('refuses a negative or non-finite tolerance', () => {
    expect(() => reconcileFunding([long(0, 0)], { absUsd: -1, relative: 0 })).toThrow(/absUsd/);
    expect(() => reconcileFunding([long(0, 0)], { absUsd: 0, relative: Number.NaN })).toThrow(/relative/);
    expect(fundingToleranceUsd(100, -300, DEFAULT_FUNDING_TOLERANCE)).toBeCloseTo(6, 12);
  });
});
