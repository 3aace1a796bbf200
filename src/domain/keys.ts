/**
 * Private keys as curve scalars, checked here before any signing library sees them. The libraries
 * refuse an out-of-range key too, but their error message prints the key in decimal, and that text
 * would travel into events, the journal and the console. A key is valid when 0 < k < n, n being the
 * order of the curve's generator. Pure: no I/O, and no message here ever contains the key.
 */

/** Order of the STARK curve's generator (Starknet docs, "The STARK curve"; Cairo corelib `core::ec::stark_curve::ORDER`). */
export const STARK_CURVE_ORDER = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn;

/** Order n of secp256k1's generator (SEC 2 v2.0, §2.4.1): Vest's keys are Ethereum keys. */
export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export type KeyCurve = 'stark' | 'secp256k1';

const ORDER: Record<KeyCurve, bigint> = { stark: STARK_CURVE_ORDER, secp256k1: SECP256K1_ORDER };

/** Most hex digits a key may have: 32 bytes. Stark keys are often written without leading zeros. */
const HEX_KEY = /^(?:0[xX])?([0-9a-fA-F]{1,64})$/;

/**
 * Why `key` is not a private key on `curve`, or undefined when it is one. Accepts hex with or
 * without 0x. The answer never contains the key.
 */
export function privateKeyProblem(key: string, curve: KeyCurve): string | undefined {
  const m = HEX_KEY.exec(key);
  if (!m) return 'is not a hex number of at most 64 digits';
  const k = BigInt(`0x${m[1]!}`);
  if (k === 0n) return 'is zero';
  if (k >= ORDER[curve]) return `is not below the ${curve === 'stark' ? 'Stark' : 'secp256k1'} curve order, so it is not a valid private key`;
  return undefined;
}

export function isPrivateKey(key: string, curve: KeyCurve): boolean {
  return privateKeyProblem(key, curve) === undefined;
}

/**
 * Throws a RangeError naming `what` (e.g. 'Vest signing key') when `key` is not a private key on
 * `curve`; the message never contains the key.
 */
export function assertPrivateKey(key: string, curve: KeyCurve, what: string): void {
  const problem = privateKeyProblem(key, curve);
  if (problem !== undefined) throw new RangeError(`${what} ${problem}`);
}
