import { containsSecret, hexKeysIn, keyForms, secretNeedles } from '../../../scripts/chaos/secrets';

const KEY = '0x05d3bf16b7b0a2c1e3b4a5968778695a4b3c2d1e0f00112233445566778899aa';

describe('looking for keys in outputs', () => {
  it('finds a key whole, in either case, with or without 0x', () => {
    const needles = secretNeedles([KEY]);
    expect(containsSecret(`key=${KEY}`, needles)).toBe(true);
    expect(containsSecret(KEY.slice(2).toUpperCase(), needles)).toBe(true);
  });

  it('finds most of a key leaked as decimal digits inside an error message', () => {
    const decimal = BigInt(KEY).toString(10);
    const needles = secretNeedles([KEY]);
    expect(containsSecret(`RangeError: private key ${decimal.slice(3, 40)}... out of range`, needles)).toBe(true);
  });

  it('does not flag other numbers, short runs of the key, or the redacted form', () => {
    const needles = secretNeedles([KEY]);
    expect(containsSecret(`price 95000.5 size 0.001 ${KEY.slice(2, 18)} <redacted>`, needles)).toBe(false);
    expect(containsSecret('', needles)).toBe(false);
  });

  it('reads the keys out of a keys file, even a damaged one', () => {
    expect(hexKeysIn(`{"paradex":{"privateKey":"${KEY}","addr`)).toEqual([KEY]);
    expect(keyForms('0x0')).toEqual([]);
    expect(keyForms('not hex')).toEqual([]);
    expect(keyForms('0x00ff')).toEqual(['ff', '255']);
  });
});
