import { createRng, deriveSeed } from '../../src/sim/rng';

describe('createRng', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(createRng(43).next()).not.toBe(xs[0]);
  });

  it('draws uniforms in [0, 1) and normals with mean 0 and variance 1', () => {
    const r = createRng(1);
    let sum = 0;
    let sq = 0;
    const n = 20_000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outOfRange++;
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it('draws integers within both bounds', () => {
    const r = createRng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(2, 5));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });

  it('derives different stream seeds for different labels', () => {
    expect(deriveSeed(1, 'BTC')).toBe(deriveSeed(1, 'BTC'));
    expect(deriveSeed(1, 'BTC')).not.toBe(deriveSeed(1, 'ETH'));
    expect(deriveSeed(1, 'BTC')).not.toBe(deriveSeed(2, 'BTC'));
  });
});
