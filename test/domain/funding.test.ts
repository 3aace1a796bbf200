import fc from 'fast-check';
import {
  accruedFundingUsd,
  carryPerHour,
  expectedCarryPct,
  indexIncrement,
  pairFundingUsd,
  ratePerHour,
} from '../../src/domain/funding';

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true });

describe('ratePerHour', () => {
  it('divides a Paradex rate by its funding period (0.0008 per 8 h is 0.0001 per hour)', () => {
    expect(ratePerHour(0.0008, 8)).toBeCloseTo(0.0001, 15);
    expect(ratePerHour(-0.0004, 4)).toBeCloseTo(-0.0001, 15);
  });
  it('leaves a Vest hourly rate unchanged', () => {
    expect(ratePerHour(0.00003, 1)).toBe(0.00003);
  });
  it('refuses a zero, negative or non-finite period', () => {
    expect(() => ratePerHour(0.001, 0)).toThrow(/positive/);
    expect(() => ratePerHour(0.001, -8)).toThrow(/positive/);
    expect(() => ratePerHour(0.001, Number.NaN)).toThrow(/positive/);
  });
});

describe('accruedFundingUsd', () => {
  it('a long pays when the index rises (positive rate: longs pay)', () => {
    // 2 BTC long, index 100 → 103.5 USD per BTC: paid 7 USD.
    expect(accruedFundingUsd(2, 100, 103.5)).toBeCloseTo(-7, 12);
  });
  it('a short receives what the long pays', () => {
    expect(accruedFundingUsd(-2, 100, 103.5)).toBeCloseTo(7, 12);
  });
  it('is zero for a flat position or an unchanged index, never −0', () => {
    expect(Object.is(accruedFundingUsd(0, 1, 5), 0)).toBe(true);
    expect(Object.is(accruedFundingUsd(3, 5, 5), 0)).toBe(true);
  });
  it('is additive over intervals: entry→mid plus mid→now equals entry→now', () => {
    fc.assert(fc.property(finite, finite, finite, finite, (size, i0, i1, i2) => {
      const whole = accruedFundingUsd(size, i0, i2);
      const parts = accruedFundingUsd(size, i0, i1) + accruedFundingUsd(size, i1, i2);
      expect(parts).toBeCloseTo(whole, 6);
    }));
  });
  it('differs from summing per-second published rates by the cadence ratio (the trap it avoids)', () => {
    // One hour at 0.0001 per hour, price 100: index grows by 0.01 USD per unit.
    const price = 100;
    const hourly = 0.0001;
    let index = 0;
    let summedRates = 0;
    for (let s = 0; s < 3600; s++) {
      index += indexIncrement(hourly, price, 1 / 3600);
      summedRates += hourly; // a row published every second quoting the hourly rate
    }
    const paid = -accruedFundingUsd(1, 0, index);
    expect(paid).toBeCloseTo(0.01, 9);
    expect((summedRates * price) / paid).toBeCloseTo(3600, 6);
  });
});

describe('carryPerHour / expectedCarryPct', () => {
  const rates = { a: 0.0001, b: -0.00005 }; // A: longs pay 1 bp/h; B: shorts pay 0.5 bp/h
  it('BOverA is long B, short A: earns both legs here', () => {
    expect(carryPerHour('BOverA', rates)).toBeCloseTo(0.00015, 15);
  });
  it('AOverB (long A, short B) is the mirror: pays both legs', () => {
    expect(carryPerHour('AOverB', rates)).toBeCloseTo(-0.00015, 15);
  });
  it('expected carry over a hold is in percent of notional: 1.5 bp/h × 8 h = 0.12 %', () => {
    expect(expectedCarryPct('BOverA', rates, 8)).toBeCloseTo(0.12, 12);
    expect(expectedCarryPct('AOverB', rates, 8)).toBeCloseTo(-0.12, 12);
  });
  it('is zero without a hold, and when both venues quote the same rate', () => {
    expect(expectedCarryPct('AOverB', rates, 0)).toBe(0);
    expect(expectedCarryPct('AOverB', { a: 0.0003, b: 0.0003 }, 24)).toBe(0);
  });
  it('the two directions always sum to zero', () => {
    fc.assert(fc.property(fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.double({ min: 0, max: 1000, noNaN: true }), (a, b, h) => {
      expect(expectedCarryPct('AOverB', { a, b }, h) + expectedCarryPct('BOverA', { a, b }, h)).toBeCloseTo(0, 9);
    }));
  });
});

describe('pairFundingUsd', () => {
  it('long leg pays its venue, short leg receives its own venue', () => {
    const f = pairFundingUsd(0.5, { entry: 10, now: 12 }, { entry: 40, now: 46 });
    expect(f.longUsd).toBeCloseTo(-1, 12);
    expect(f.shortUsd).toBeCloseTo(3, 12);
    expect(f.totalUsd).toBeCloseTo(2, 12);
  });
  it('puts each leg in USD with its venue\'s USD per quote unit (Vest USDC off par, Paradex USD), and at par changes nothing', () => {
    const f = pairFundingUsd(0.5, { entry: 10, now: 12 }, { entry: 40, now: 46 }, { long: 0.999, short: 1 });
    expect(f.longUsd).toBeCloseTo(-1 * 0.999, 12);
    expect(f.shortUsd).toBe(3);
    expect(f.totalUsd).toBeCloseTo(3 - 0.999, 12);
    expect(pairFundingUsd(0.5, { entry: 10, now: 12.3 }, { entry: 40, now: 46.7 }, { long: 1, short: 1 })).toEqual(pairFundingUsd(0.5, { entry: 10, now: 12.3 }, { entry: 40, now: 46.7 }));
  });
  it('matches the hourly carry when both indexes grow at their rates for the hold', () => {
    fc.assert(fc.property(fc.double({ min: -0.001, max: 0.001, noNaN: true }), fc.double({ min: -0.001, max: 0.001, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (ra, rb, hours) => {
      const price = 50_000;
      const size = 0.2;
      // AOverB: long A, short B.
      const f = pairFundingUsd(size, { entry: 0, now: indexIncrement(ra, price, hours) }, { entry: 0, now: indexIncrement(rb, price, hours) });
      const expected = (expectedCarryPct('AOverB', { a: ra, b: rb }, hours) / 100) * size * price;
      expect(f.totalUsd).toBeCloseTo(expected, 6);
    }));
  });
});
