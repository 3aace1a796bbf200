import fc from 'fast-check';
import { decimalValue, decimalValueIn, decimalsOf, formatDecimal, roundToStep, toQuantums } from '../../src/venues/decimal';

describe('formatDecimal', () => {
  it('prints float sums without float noise', () => {
    expect(formatDecimal(0.1 + 0.2, 2)).toBe('0.30');
    expect(formatDecimal(0.1 + 0.2, 2, 'up')).toBe('0.30');
    expect(formatDecimal(0.7 - 0.4, 2, 'down')).toBe('0.30'); // 0.29999999999999993
  });

  it('rounds down, up and to nearest at the requested decimals', () => {
    expect(formatDecimal(95000.123456, 2, 'down')).toBe('95000.12');
    expect(formatDecimal(95000.123456, 2, 'up')).toBe('95000.13');
    expect(formatDecimal(95000.125, 2)).toBe('95000.13');
    expect(formatDecimal(1.005, 2)).toBe('1.01'); // the decimal the number prints as, not its binary value
    expect(formatDecimal(-1.5, 0)).toBe('-2');
    expect(formatDecimal(-1.25, 1, 'down')).toBe('-1.3');
  });

  it('pads to the exact decimals and never uses exponent notation', () => {
    expect(formatDecimal(1e-7, 8)).toBe('0.00000010');
    expect(formatDecimal(0.0002, 4)).toBe('0.0002');
    expect(formatDecimal(3, 4)).toBe('3.0000');
    expect(formatDecimal(1e21, 2)).toBe('1000000000000000000000.00');
    expect(formatDecimal(123.4, 0)).toBe('123');
    expect(formatDecimal(-0.0001, 2)).toBe('0.00');
  });

  it('refuses non-finite values and impossible decimals with a clear error', () => {
    expect(() => formatDecimal(Number.NaN, 2)).toThrow(/finite/);
    expect(() => formatDecimal(Number.POSITIVE_INFINITY, 2)).toThrow(/finite/);
    expect(() => formatDecimal(1, -1)).toThrow(/decimals/);
    expect(() => formatDecimal(1, 1.5)).toThrow(/decimals/);
  });

  it('always prints plain digits with exactly the requested decimals (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 12 }), fc.constantFrom('down', 'up', 'nearest' as const), (value, decimals, mode) => {
        const text = formatDecimal(value, decimals, mode);
        const pattern = decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${decimals}}$`);
        expect(text).toMatch(pattern);
        // Within one step of the value, on the side the mode asks for (beyond float noise).
        const step = 10 ** -decimals;
        const parsed = Number(text);
        const slack = Math.abs(value) * 1e-12 + 1e-15;
        expect(Math.abs(parsed - value)).toBeLessThanOrEqual(step + slack);
        if (mode === 'down') expect(parsed).toBeLessThanOrEqual(value + slack);
        if (mode === 'up') expect(parsed).toBeGreaterThanOrEqual(value - slack);
        if (mode === 'nearest') expect(Math.abs(parsed - value)).toBeLessThanOrEqual(step / 2 + slack);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('roundToStep', () => {
  it('is float-safe at exact multiples', () => {
    expect(roundToStep(0.1 + 0.2, 0.1, 'up')).toBe(0.3);
    expect(roundToStep(0.3, 0.1, 'down')).toBe(0.3);
    expect(roundToStep(0.7 - 0.4, 0.01, 'down')).toBe(0.3);
    expect(roundToStep(1.0000000000000002, 1, 'up')).toBe(1);
  });

  it('rounds to the tick or increment in the asked direction', () => {
    expect(roundToStep(95000.17, 0.1, 'down')).toBe(95000.1);
    expect(roundToStep(95000.11, 0.1, 'up')).toBe(95000.2);
    expect(roundToStep(0.000123456, 0.00001, 'nearest')).toBe(0.00012);
    expect(roundToStep(0.0123456, 0.0001, 'down')).toBe(0.0123);
    expect(roundToStep(7.3, 0.25, 'nearest')).toBe(7.25);
    expect(roundToStep(1234, 10, 'up')).toBe(1240);
    expect(roundToStep(-0.15, 0.1, 'down')).toBe(-0.2);
    expect(Object.is(roundToStep(-0.04, 0.1, 'nearest'), 0)).toBe(true);
  });

  it('formats back within half a step and never in exponent notation (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 8 }), (value, decimals) => {
        const step = Number(`1e-${decimals}`);
        const rounded = roundToStep(value, step, 'nearest');
        const text = formatDecimal(rounded, decimals);
        expect(text).not.toMatch(/e/i);
        expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(step / 2 + value * 1e-12);
        // Rounding is idempotent: an on-grid value stays where it is.
        expect(roundToStep(rounded, step, 'down')).toBe(rounded);
        expect(roundToStep(rounded, step, 'up')).toBe(rounded);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a zero or negative step', () => {
    expect(() => roundToStep(1, 0, 'down')).toThrow(/step/);
    expect(() => roundToStep(1, -0.1, 'down')).toThrow(/step/);
  });
});

describe('decimalsOf', () => {
  it('counts the decimals a tick or increment needs', () => {
    expect(decimalsOf(0.00001)).toBe(5);
    expect(decimalsOf(0.1)).toBe(1);
    expect(decimalsOf(0.25)).toBe(2);
    expect(decimalsOf(1)).toBe(0);
    expect(decimalsOf(10)).toBe(0);
    expect(decimalsOf(1e-8)).toBe(8);
  });

  it('refuses a zero or negative step', () => {
    expect(() => decimalsOf(0)).toThrow(/step/);
  });
});

describe('toQuantums', () => {
  it('scales a decimal string to integer quantums, rounding down', () => {
    expect(toQuantums('1.23', 8)).toBe(123000000n);
    expect(toQuantums('0.000000019', 8)).toBe(1n);
    expect(toQuantums('95000.123456789999', 8)).toBe(9500012345678n);
    expect(toQuantums('5', 8)).toBe(500000000n);
    expect(toQuantums('.5', 2)).toBe(50n);
    expect(toQuantums('7.', 1)).toBe(70n);
    expect(toQuantums('-1.239', 2)).toBe(-123n);
  });

  it('is exact for numbers far beyond float precision', () => {
    expect(toQuantums('123456789012345678901234567890.123456789', 8)).toBe(12345678901234567890123456789012345678n);
  });

  it('reads formatted strings back losslessly and truncates extra digits (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (value) => {
        const text = formatDecimal(value, 12, 'down');
        const digits = text.replace('.', '').replace(/^0+(?=\d)/, '');
        expect(toQuantums(text, 12)).toBe(BigInt(digits));
        expect(toQuantums(text, 8)).toBe(BigInt(digits) / 10_000n);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects anything but a plain decimal string', () => {
    for (const bad of ['', '.', '1e-5', 'abc', '1.2.3', '0x10', '--1', '1,5']) {
      expect(() => toQuantums(bad, 8)).toThrow(/plain decimal/);
    }
  });
});

describe('decimalValue (wire decimals as both venues write them)', () => {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

  it('reads every digits[.digits] string exactly as Number() does, short or long', () => {
    fc.assert(
      fc.property(digits(1, 20), fc.option(digits(1, 20), { nil: undefined }), (int, frac) => {
        const text = frac === undefined ? int : `${int}.${frac}`;
        expect(decimalValue(text)).toBe(Number(text));
      }),
      { numRuns: 2_000 },
    );
    expect(decimalValue('95000.5')).toBe(95000.5);
    expect(decimalValue('0.0010')).toBe(0.001);
    expect(decimalValue('0')).toBe(0);
  });

  it('reads a decimal in place inside a longer text as it reads the decimal alone', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789.-e x'), maxLength: 24 });
    fc.assert(
      fc.property(text, text, text, (before, s, after) => {
        expect(decimalValueIn(before + s + after, before.length, before.length + s.length)).toBe(decimalValue(s));
      }),
      { numRuns: 3_000 },
    );
  });

  it('answers -1 for anything else (what the regex ^\\d+(\\.\\d+)?$ refuses)', () => {
    for (const text of ['', '.', '1.', '.5', '-1', '+1', ' 1', '1 ', '1e5', '0x10', 'Infinity', 'NaN', '1.2.3', '1,5', '١']) {
      expect({ text, value: decimalValue(text) }).toEqual({ text, value: -1 });
    }
  });
});
