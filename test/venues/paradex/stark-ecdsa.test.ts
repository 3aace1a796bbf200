import { ec } from 'starknet';
import { PresignaturePool, newPresignature, starkSign, type Presignature } from '../../../src/venues/paradex/stark-ecdsa';
import { newParadexAccount } from '../../../src/venues/paradex/signing';

const N = ec.starkCurve.CURVE.n;
const MAX = 2n ** 251n;

/** starknet.js's own verify, which also applies Starknet's ranges (r and s^-1 below 2^251). */
function verifies(hash: bigint, sig: { r: bigint; s: bigint }, privateKey: string): boolean {
  return ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), `0x${hash.toString(16)}`, ec.starkCurve.getPublicKey(privateKey));
}

function randomHash(): bigint {
  return BigInt(`0x${Buffer.from(ec.starkCurve.utils.randomPrivateKey()).toString('hex')}`) % MAX;
}

async function until(condition: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > maxTurns) throw new Error('condition not reached');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('Stark ECDSA from presignatures', () => {
  it('signs random and edge-case hashes so that starknet.js verifies them', () => {
    const { privateKey } = newParadexAccount();
    const pool = new PresignaturePool({ size: 4 });
    const hashes = [0n, 1n, MAX - 1n, ...Array.from({ length: 60 }, randomHash)];
    for (const hash of hashes) {
      const sig = starkSign(hash, privateKey, pool);
      expect(sig.r).toBeLessThan(MAX);
      expect(sig.s > 0n && sig.s < N).toBe(true);
      expect(verifies(hash, sig, privateKey)).toBe(true);
      expect(verifies(hash === 0n ? 1n : hash - 1n, sig, privateKey)).toBe(false);
    }
  });

  it('never uses a nonce twice: every signature has its own r', () => {
    const { privateKey } = newParadexAccount();
    const pool = new PresignaturePool({ size: 3 });
    pool.fill();
    const rs = new Set<bigint>();
    for (let i = 0; i < 40; i++) rs.add(starkSign(123456789n, privateKey, pool).r);
    expect(rs.size).toBe(40);
  });

  it('hands out ready presignatures, makes one inline when empty, and refills in the background', async () => {
    let made = 0;
    const pool = new PresignaturePool({
      size: 3,
      make: () => {
        made++;
        return newPresignature();
      },
    });
    expect(pool.available).toBe(0);
    pool.fill();
    expect([pool.available, made]).toEqual([3, 3]);
    const taken = [pool.take(), pool.take(), pool.take(), pool.take()]; // the fourth is made inline
    expect(made).toBe(4);
    expect(new Set(taken.map((p) => p.r)).size).toBe(4);
    expect(pool.available).toBe(0);
    await until(() => pool.available === 3);
    expect(made).toBe(7);
  });

  it('skips a presignature that would give s = 0 and signs with the next one', () => {
    const { privateKey } = newParadexAccount();
    const d = BigInt(privateKey);
    // A presignature and a message hash with m + r·d ≡ 0 (mod n): s would be 0.
    let bad: Presignature;
    let hash: bigint;
    do {
      bad = newPresignature();
      hash = (N - ((bad.r * d) % N)) % N;
    } while (hash >= MAX);
    const script = [bad];
    const pool = new PresignaturePool({ size: 1, make: () => script.shift() ?? newPresignature() });
    const sig = starkSign(hash, privateKey, pool);
    expect(sig.r).not.toBe(bad.r);
    expect(verifies(hash, sig, privateKey)).toBe(true);
  });

  it('refuses a hash or key out of range with a message that does not carry the key', () => {
    const { privateKey } = newParadexAccount();
    expect(() => starkSign(MAX, privateKey)).toThrow(/message hash out of range/);
    expect(() => starkSign(-1n, privateKey)).toThrow(/message hash out of range/);
    for (const key of ['0x0', `0x${N.toString(16)}`, 'not-a-key']) {
      expect(() => starkSign(1n, key)).toThrow(RangeError);
      try {
        starkSign(1n, key);
      } catch (err) {
        expect((err as Error).message).not.toContain(key.replace(/^0x/, ''));
      }
    }
    expect(() => new PresignaturePool({ size: 0 })).toThrow(/positive integer/);
  });

  it('survives a failing presignature source: the refill stops quietly, the next take reports the error', async () => {
    let fail = false;
    const pool = new PresignaturePool({
      size: 2,
      make: () => {
        if (fail) throw new Error('entropy source failed');
        return newPresignature();
      },
    });
    pool.fill();
    fail = true;
    pool.take(); // schedules a refill that throws inside setImmediate: must not crash the process
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(pool.available).toBe(1);
    pool.take();
    expect(() => pool.take()).toThrow(/entropy source failed/);
  });
});
