import { FIELD_PRIME, combine, invertLimbs, limbsOf, newElement, readLimbs, reduce, writeLimbs } from '../../../src/venues/paradex/stark-field';
import { modPow, randomBits, seededUniform as rng } from '../../support/numbers';

const P = FIELD_PRIME;

describe('Stark field limbs', () => {
  it('writes and reads values of either sign, with non-negative low limbs', () => {
    const next = rng(3);
    for (const v of [0n, 1n, -1n, P, -P, 2n ** 263n - 1n, -(2n ** 263n), ...Array.from({ length: 200 }, () => randomBits(next, 260) - 2n ** 259n)]) {
      const limbs = limbsOf(v);
      expect(readLimbs(limbs)).toBe(v);
      for (let i = 0; i < 10; i++) expect((limbs[i] as number) >= 0 && (limbs[i] as number) < 2 ** 24).toBe(true);
    }
  });

  it('combines linearly like BigInt, signed results included', () => {
    const next = rng(4);
    const out = newElement();
    for (let i = 0; i < 300; i++) {
      const a = randomBits(next, 253);
      const b = randomBits(next, 253);
      const ka = Math.floor(next() * 2 ** 26) - 2 ** 25;
      const kb = Math.floor(next() * 2 ** 26) - 2 ** 25;
      const off = randomBits(next, 250);
      combine(out, limbsOf(a), ka, limbsOf(b), kb, limbsOf(off));
      expect(readLimbs(out)).toBe(BigInt(ka) * a + BigInt(kb) * b + off);
    }
  });

  it('reduces any value below 2^257 to [0, P)', () => {
    const next = rng(5);
    const out = newElement();
    const values = [0n, 1n, P - 1n, P, P + 1n, 2n * P - 1n, 2n ** 251n, 2n ** 252n - 1n, 2n ** 257n - 1n, 20n * P];
    for (let i = 0; i < 500; i++) values.push(randomBits(next, 1 + Math.floor(next() * 257)));
    for (const v of values) {
      reduce(out, limbsOf(v));
      expect(readLimbs(out)).toBe(v % P);
    }
  });

  it('inverts like Fermat, for random values, values far below P (huge first quotients) and values just below multiples of P', () => {
    const next = rng(6);
    const values = [1n, 2n, 3n, P - 1n, P - 2n, P + 1n, 2n * P - 1n, 2n ** 247n - 12345678901n, 17n * 2n ** 192n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 72n + 5n, 7n * P - 3n];
    for (let i = 0; i < 300; i++) values.push(randomBits(next, 252) % P || 1n);
    for (let bits = 1; bits < 252; bits += 5) values.push(randomBits(next, bits) || 1n);
    const out = newElement();
    const wrong: string[] = [];
    for (const v of values) {
      out.fill(-1);
      const ok = invertLimbs(out, limbsOf(v));
      const got = readLimbs(out);
      if (!ok || got !== modPow(v, P - 2n, P)) wrong.push(v.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('reports zero (and its multiples) as not invertible, leaving the output alone', () => {
    const out = limbsOf(42n);
    for (const v of [0n, P, 2n * P, 8n * P]) {
      expect(invertLimbs(out, limbsOf(v))).toBe(false);
      expect(readLimbs(out)).toBe(42n);
    }
  });

  it('reads the limbs it is given, not a stale copy: inverting twice in a row stays right', () => {
    const a = newElement();
    const out = newElement();
    writeLimbs(5n, a);
    invertLimbs(out, a);
    expect(readLimbs(out)).toBe(modPow(5n, P - 2n, P));
    writeLimbs(7n, a);
    invertLimbs(out, a);
    expect(readLimbs(out)).toBe(modPow(7n, P - 2n, P));
  });
});
