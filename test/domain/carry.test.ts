import { CARRY_NOT_TRACKED, entryCarry, expectedHold, FALLBACK_HOLD_HOURS, medianHoldHours } from '../../src/domain/carry';

const H = 3_600_000;

describe('carry in the entry decision', () => {
  it('counts the direction\'s carry over the hold, in percent, with the rates it used (README worked example)', () => {
    // Paradex (B) 0.0004 per 8 h = 0.00005/h, Vest (A) −0.00001/h: AOverB (short B) earns 0.6 bp/h; 8 h → 0.048 %.
    const carry = entryCarry('AOverB', { rates: { a: -0.00001, b: 0.0004 / 8 }, hold: { hours: 8, from: 'config' } });
    expect(carry).toMatchObject({ status: 'counted', holdHours: 8, holdFrom: 'config', rateA: -0.00001, rateB: 0.00005 });
    expect(carry.carryPct).toBeCloseTo(0.048, 12);
    // The other direction pays it.
    expect(entryCarry('BOverA', { rates: { a: -0.00001, b: 0.00005 }, hold: { hours: 8, from: 'config' } }).carryPct).toBeCloseTo(-0.048, 12);
  });

  it('counts 0 and says so before any funding, and when funding is not tracked', () => {
    expect(entryCarry('AOverB', { rates: undefined, hold: { hours: 8, from: 'config' } })).toEqual({ status: 'no funding yet', carryPct: 0 });
    expect(CARRY_NOT_TRACKED).toEqual({ status: 'not tracked', carryPct: 0 });
  });

  it('takes the median of closed holds (mean of the middle two for an even count)', () => {
    expect(medianHoldHours([])).toBeUndefined();
    expect(medianHoldHours([3 * H, 1 * H, 2 * H])).toBe(2);
    expect(medianHoldHours([1 * H, 4 * H, 2 * H, 3 * H])).toBe(2.5);
  });

  it('assumes the configured hold, else the observed median, else the fallback, never beyond the holding limit', () => {
    expect(expectedHold(8, [H], 24)).toEqual({ hours: 8, from: 'config' });
    expect(expectedHold(undefined, [H / 2, H / 4, H], 24)).toEqual({ hours: 0.5, from: 'observed_median' });
    expect(expectedHold(undefined, [], 24)).toEqual({ hours: FALLBACK_HOLD_HOURS, from: 'fallback' });
    expect(expectedHold(undefined, [], 0.25)).toEqual({ hours: 0.25, from: 'fallback' });
    expect(expectedHold(undefined, [48 * H], 24)).toEqual({ hours: 24, from: 'observed_median' });
  });
});
