/**
 * Stark ECDSA signing with presignatures, so that signing an order costs two scalar products
 * instead of a curve multiplication.
 *
 * An ECDSA signature of hash m by key d is (r, s) with r = x(k·G) mod n and s = k⁻¹·(m + r·d) mod n,
 * for a secret nonce k used exactly once. Only s depends on the message. starknet.js derives k from
 * (d, m) by RFC 6979, so k·G (~0.5 ms in noble's BigInt arithmetic) has to wait for the order. Here k
 * is drawn uniformly from the OS CSPRNG instead (the way OpenSSL signs by default) and the pair
 * (r, k⁻¹) is computed ahead, off the order path, with noble's constant-time base multiplication.
 * Signing then takes one presignature out of the pool and computes s.
 *
 * Rules that keep this safe:
 * - A presignature leaves the pool before it is used and is never put back: no k signs twice
 *   (two signatures with one k give the key away). The pool lives in process memory only, like the
 *   key itself; nothing about it is logged or persisted.
 * - k is uniform on [1, n): noble's randomPrivateKey maps 48 random bytes into the field (bias
 *   below 2^-128). A biased k leaks the key through lattice attacks.
 * - The signature obeys Starknet's ranges (r and s⁻¹ below 2^251, s non-zero); a presignature that
 *   would break them is discarded and the next one used.
 * The signatures verify with starknet.js / noble `verify` like any other; they are not deterministic.
 */
import { ec } from 'starknet';
import { invert } from './modular';

const CURVE_ORDER = ec.starkCurve.CURVE.n;
/** Starknet's bound for a message hash, r, and s⁻¹. */
const MAX_VALUE = 2n ** 251n;

export interface Presignature {
  readonly r: bigint;
  readonly kInverse: bigint;
}

export interface StarkSignature {
  readonly r: bigint;
  readonly s: bigint;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** A fresh presignature: ~0.5 ms (one constant-time base multiplication and an inversion). */
export function newPresignature(): Presignature {
  for (;;) {
    const k = bytesToBigint(ec.starkCurve.utils.randomPrivateKey()); // uniform in [1, n)
    const r = ec.starkCurve.ProjectivePoint.BASE.multiply(k).toAffine().x % CURVE_ORDER;
    if (r !== 0n && r < MAX_VALUE) return { r, kInverse: invert(k, CURVE_ORDER) };
  }
}

export interface PresignaturePoolOptions {
  /** Presignatures kept ready; each signature uses one. */
  readonly size?: number;
  /** Makes one presignature (tests inject scripted ones); default newPresignature. */
  readonly make?: () => Presignature;
}

/**
 * Presignatures ready for use. `take()` never waits: it hands out a ready one, or makes one on the
 * spot when the pool is empty. After a take the pool refills itself one presignature per macrotask
 * (setImmediate, unref'd), so the refill never holds up the event loop for more than ~0.5 ms at a
 * time and never keeps a process alive.
 */
export class PresignaturePool {
  readonly size: number;
  private readonly ready: Presignature[] = [];
  private readonly make: () => Presignature;
  private refillScheduled = false;

  constructor(options: PresignaturePoolOptions = {}) {
    const size = options.size ?? 8;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`presignature pool size must be a positive integer, got ${size}`);
    this.size = size;
    this.make = options.make ?? newPresignature;
  }

  /** Presignatures ready now. */
  get available(): number {
    return this.ready.length;
  }

  /** Fills the pool synchronously (startup, or a test/benchmark setting up an idle period). */
  fill(): void {
    while (this.ready.length < this.size) this.ready.push(this.make());
  }

  /** Removes and returns one presignature; it must be used for one signature at most. */
  take(): Presignature {
    const presignature = this.ready.pop() ?? this.make();
    this.scheduleRefill();
    return presignature;
  }

  private scheduleRefill(): void {
    if (this.refillScheduled || this.ready.length >= this.size) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      try {
        if (this.ready.length < this.size) this.ready.push(this.make());
      } catch {
        // Never throw from a timer: the next take() makes one inline and its caller sees the error.
        return;
      }
      this.scheduleRefill();
    }).unref();
  }
}

/** The pool the Paradex signing functions use unless given another. */
export const defaultPresignatures = new PresignaturePool();

const privateKeyCache = new Map<string, bigint>();

/** The private key as a scalar in [1, n), parsed once per key string (as noble normalises it). */
function privateScalar(privateKey: string): bigint {
  const cached = privateKeyCache.get(privateKey);
  if (cached !== undefined) return cached;
  let d: bigint;
  try {
    d = BigInt(privateKey.startsWith('0x') || privateKey.startsWith('0X') ? privateKey : `0x${privateKey}`);
  } catch {
    throw new RangeError('Stark private key is not a hex number');
  }
  if (d <= 0n || d >= CURVE_ORDER) throw new RangeError('Stark private key out of range [1, n)');
  if (privateKeyCache.size >= 16) privateKeyCache.clear();
  privateKeyCache.set(privateKey, d);
  return d;
}

/** Stark ECDSA signature of `hash` (< 2^251) with a presignature from `pool`. */
export function starkSign(hash: bigint, privateKey: string, pool: PresignaturePool = defaultPresignatures): StarkSignature {
  if (hash < 0n || hash >= MAX_VALUE) throw new RangeError('message hash out of range [0, 2^251)');
  const d = privateScalar(privateKey);
  for (;;) {
    const { r, kInverse } = pool.take();
    const s = (kInverse * ((hash + r * d) % CURVE_ORDER)) % CURVE_ORDER;
    if (s !== 0n && invert(s, CURVE_ORDER) < MAX_VALUE) return { r, s };
  }
}
