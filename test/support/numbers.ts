/** Seeded randomness and BigInt helpers shared by tests, so a failing case reproduces from its seed. */
import { createRng } from '../../src/sim/rng';

/** Uniform numbers in [0, 1) from a seed (the simulator's mulberry32). */
export function seededUniform(seed: number): () => number {
  return createRng(seed).next;
}

/** A uniformly random non-negative integer below 2^bits. */
export function randomBits(next: () => number, bits: number): bigint {
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(Math.floor(next() * 65536));
  return value & ((1n << BigInt(bits)) - 1n);
}

/** base^exp mod modulus, square and multiply. */
export function modPow(base: bigint, exp: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
