import { readFileSync } from 'node:fs';
import { ec } from 'starknet';
import { GENERATED_PATH, generateStarkField } from '../../../scripts/gen-stark-field';
import { FIELD_PRIME, pedersen, prepareFirst, prepareSecond } from '../../../src/venues/paradex/pedersen';
import { montMul, montSqr } from '../../../src/venues/paradex/stark-field.generated';
import { modPow, randomBits, seededUniform as rng } from '../../support/numbers';

const P = FIELD_PRIME;
const R = 2n ** 264n;

const R_INVERSE = modPow(R % P, P - 2n, P);

function limbs(v: bigint): Float64Array {
  const out = new Float64Array(11);
  for (let i = 0; i < 11; i++) out[i] = Number((v >> BigInt(24 * i)) & 0xffffffn);
  return out;
}

/** The value of normalised limbs; -1 when a limb is not an integer in [0, 2^24). */
function value(a: Float64Array): bigint {
  let v = 0n;
  for (let i = 10; i >= 0; i--) {
    const limb = a[i] as number;
    if (!Number.isInteger(limb) || limb < 0 || limb >= 2 ** 24) return -1n;
    v = (v << 24n) | BigInt(limb);
  }
  return v;
}

describe('Stark field Montgomery arithmetic (stark-field.generated.ts)', () => {
  it('is exactly what scripts/gen-stark-field.ts generates', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateStarkField());
  });

  it('multiplies and squares like BigInt, below 2P, for any inputs below 2^257', () => {
    const next = rng(11);
    const edges = [0n, 1n, P - 1n, P, 2n * P - 1n, 20n * P, 2n ** 257n - 1n, 2n ** 256n, (2n ** 24n - 1n) * ((R - 1n) / (2n ** 24n - 1n)) % 2n ** 257n];
    const values = [...edges, ...Array.from({ length: 3000 }, () => randomBits(next, 1 + Math.floor(next() * 257)))];
    const out = new Float64Array(11);
    const wrong: string[] = [];
    const check = (what: string, got: bigint, exact: bigint): void => {
      if (got < 0n || got >= 2n * P || got % P !== (exact * R_INVERSE) % P) wrong.push(what);
    };
    for (let i = 0; i < values.length; i++) {
      const a = values[i] as bigint;
      const b = values[(i * 7 + 3) % values.length] as bigint;
      montMul(out, limbs(a), limbs(b));
      check(`${a} * ${b}`, value(out), (a * b) % P);
      montSqr(out, limbs(a));
      check(`${a}^2`, value(out), (a * a) % P);
    }
    expect(wrong).toEqual([]);
  });

  it('allows the output to alias an input', () => {
    const a = limbs(123456789123456789n);
    const b = limbs(P - 2n);
    const expected = new Float64Array(11);
    montMul(expected, a, b);
    montMul(a, a, b);
    expect([...a]).toEqual([...expected]);
  });
});

describe('Pedersen with prepared operands', () => {
  it('gives the same hash as plain operands and as starknet.js, for either or both prepared', () => {
    const next = rng(5);
    const pairs: [bigint, bigint][] = [
      [0n, 0n],
      [0n, 1n],
      [P - 1n, P - 1n],
      [2n ** 248n, 2n ** 248n - 1n],
    ];
    for (let i = 0; i < 60; i++) pairs.push([randomBits(next, 252) % P, randomBits(next, 1 + Math.floor(next() * 251)) % P]);
    for (const [a, b] of pairs) {
      const expected = BigInt(ec.starkCurve.pedersen(a, b));
      expect(pedersen(a, b)).toBe(expected);
      expect(pedersen(prepareFirst(a), b)).toBe(expected);
      expect(pedersen(a, prepareSecond(b))).toBe(expected);
      expect(pedersen(prepareFirst(a), prepareSecond(b))).toBe(expected);
    }
    expect(prepareSecond(0n).point).toBeUndefined();
  });

  it('refuses inputs outside [0, P), plain or prepared', () => {
    for (const bad of [-1n, P, 2n ** 256n]) {
      expect(() => pedersen(bad, 1n)).toThrow(/out of range/);
      expect(() => pedersen(1n, bad)).toThrow(/out of range/);
      expect(() => prepareFirst(bad)).toThrow(/out of range/);
      expect(() => prepareSecond(bad)).toThrow(/out of range/);
    }
  });
});
