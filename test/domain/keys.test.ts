/**
 * The curve orders are published constants typed into src/domain/keys.ts; these tests hold them against what the
 * signing libraries themselves use (starknet.js for Paradex, @noble/curves under viem for Vest).
 */
import * as path from 'node:path';
import { ec } from 'starknet';
import { SECP256K1_ORDER, STARK_CURVE_ORDER, assertPrivateKey, isPrivateKey, privateKeyProblem } from '../../src/domain/keys';

// viem signs with @noble/curves' secp256k1; load the copy viem itself resolves.
const NOBLE_SECP256K1 = require.resolve('@noble/curves/secp256k1', { paths: [path.dirname(require.resolve('viem'))] });
let nobleSecp256k1: { secp256k1: { CURVE: { n: bigint }; utils: { isValidPrivateKey(k: string): boolean } } };
beforeAll(async () => {
  nobleSecp256k1 = (await import(NOBLE_SECP256K1)) as typeof nobleSecp256k1;
});

const hex = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`;

describe('curve orders', () => {
  it('the Stark curve order equals starknet.js ec.starkCurve.CURVE.n', () => {
    expect(STARK_CURVE_ORDER).toBe(ec.starkCurve.CURVE.n);
  });

  it('the secp256k1 order equals @noble/curves secp256k1.CURVE.n (what viem signs with)', () => {
    expect(SECP256K1_ORDER).toBe(nobleSecp256k1.secp256k1.CURVE.n);
  });
});

describe('privateKeyProblem', () => {
  it.each([
    ['stark', STARK_CURVE_ORDER],
    ['secp256k1', SECP256K1_ORDER],
  ] as const)('on %s accepts 1 and n - 1, refuses 0, n and 2^256 - 1', (curve, n) => {
    expect(privateKeyProblem(hex(1n), curve)).toBeUndefined();
    expect(privateKeyProblem(hex(n - 1n), curve)).toBeUndefined();
    expect(privateKeyProblem(hex(0n), curve)).toBe('is zero');
    expect(privateKeyProblem(hex(n), curve)).toMatch(/not below the .* curve order/);
    expect(isPrivateKey(`0x${'f'.repeat(64)}`, curve)).toBe(false);
  });

  it('accepts hex without 0x and Stark keys written without leading zeros', () => {
    expect(isPrivateKey('1a'.repeat(32), 'secp256k1')).toBe(true);
    expect(isPrivateKey('0x3c5d', 'stark')).toBe(true);
  });

  it('refuses what is not hex, and more than 64 digits', () => {
    expect(privateKeyProblem('0xzz', 'stark')).toMatch(/not a hex number/);
    expect(privateKeyProblem('', 'stark')).toMatch(/not a hex number/);
    expect(privateKeyProblem(`0x1${'0'.repeat(64)}`, 'secp256k1')).toMatch(/not a hex number/);
  });

  it('agrees with the libraries: every key it accepts they accept, every key it refuses they refuse', () => {
    const noble = nobleSecp256k1.secp256k1;
    const candidates = [0n, 1n, STARK_CURVE_ORDER - 1n, STARK_CURVE_ORDER, SECP256K1_ORDER - 1n, SECP256K1_ORDER, 2n ** 256n - 1n];
    for (const k of candidates) {
      expect([k, isPrivateKey(hex(k), 'secp256k1')]).toEqual([k, noble.utils.isValidPrivateKey(hex(k).slice(2))]);
      let starkAccepts = true;
      try {
        ec.starkCurve.getPublicKey(hex(k).slice(2));
      } catch {
        starkAccepts = false;
      }
      expect([k, isPrivateKey(hex(k), 'stark')]).toEqual([k, starkAccepts]);
    }
  });

  it('never puts the key in its message', () => {
    const key = `0x${'f'.repeat(64)}`;
    expect(() => assertPrivateKey(key, 'secp256k1', 'Vest signing key')).toThrow(/^Vest signing key is not below the secp256k1 curve order/);
    try {
      assertPrivateKey(key, 'stark', 'Paradex private key');
    } catch (err) {
      const message = (err as Error).message;
      expect(message).not.toContain('ffffffffffffffffffff');
      expect(message).not.toContain(BigInt(key).toString().slice(0, 20));
    }
  });
});
