/**
 * Elements of the Stark field (P = 2^251 + 17·2^192 + 1) as 11 limbs of 24 bits in a Float64Array,
 * little endian: conversions, linear combinations, reduction and inversion. Multiplication is in
 * stark-field.generated.ts (Montgomery form, R = 2^264). Every limb operation stays below 2^53, so
 * the doubles are exact integers throughout.
 */
export const FIELD_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

export const LIMBS = 11;
const LIMB_BITS = 24n;
const LIMB_MASK = 0xffffffn;
const RADIX = 2 ** 24;
const INV_RADIX = 1 / RADIX;
// Module bindings, not global lookups: under a vm context (jest) every global read is slow.
const { floor, abs, clz32 } = Math;

export function newElement(): Float64Array {
  return new Float64Array(LIMBS);
}

/** Writes v (-2^263 <= v < 2^264) as limbs at out[offset..offset+11); a negative v gets a negative top limb. */
export function writeLimbs(v: bigint, out: Float64Array, offset = 0): void {
  let rest = v;
  for (let i = 0; i < LIMBS - 1; i++) {
    out[offset + i] = Number(rest & LIMB_MASK);
    rest >>= LIMB_BITS; // arithmetic shift: floor division, so negative values keep non-negative low limbs
  }
  out[offset + LIMBS - 1] = Number(rest);
}

/** The value of limbs whose top limb may be negative. */
export function readLimbs(a: Float64Array): bigint {
  let v = BigInt(a[LIMBS - 1] as number);
  for (let i = LIMBS - 2; i >= 0; i--) v = (v << LIMB_BITS) + BigInt(a[i] as number);
  return v;
}

export function limbsOf(v: bigint): Float64Array {
  const out = newElement();
  writeLimbs(v, out);
  return out;
}

const P_LIMBS = limbsOf(FIELD_PRIME);

/**
 * o = ka·a + kb·b + offset, limbs 0..9 normalised to [0, 2^24) with signed carries, the rest in the
 * top limb. |ka|, |kb| < 2^27 and inputs with normalised low limbs keep every step exact. o may alias.
 */
export function combine(o: Float64Array, a: Float64Array, ka: number, b: Float64Array, kb: number, offset: Float64Array): void {
  let carry = 0;
  for (let i = 0; i < LIMBS - 1; i++) {
    const v = ka * (a[i] as number) + kb * (b[i] as number) + (offset[i] as number) + carry;
    carry = floor(v * INV_RADIX);
    o[i] = v - carry * RADIX;
  }
  const top = LIMBS - 1;
  o[top] = ka * (a[top] as number) + kb * (b[top] as number) + (offset[top] as number) + carry;
}

const ZERO = newElement();

/** True when a >= b, both with normalised limbs and non-negative top limbs. */
function atLeast(a: Float64Array, b: Float64Array): boolean {
  for (let i = LIMBS - 1; i >= 0; i--) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x > y;
  }
  return true;
}

/** o = a mod P in [0, P), for normalised a < 2^257. o may alias a. */
export function reduce(o: Float64Array, a: Float64Array): void {
  // P's top limb is 2^11 (bit 251); this quotient estimate is exact or one too high.
  const q = floor((a[LIMBS - 1] as number) / 2048);
  combine(o, a, 1, P_LIMBS, -q, ZERO);
  if ((o[LIMBS - 1] as number) < 0) combine(o, o, 1, P_LIMBS, 1, ZERO);
  if (atLeast(o, P_LIMBS)) combine(o, o, 1, P_LIMBS, -1, ZERO);
}

function isZero(a: Float64Array): boolean {
  for (let i = 0; i < LIMBS; i++) if (a[i] !== 0) return false;
  return true;
}

function topLimb(a: Float64Array): number {
  for (let i = LIMBS - 1; i > 0; i--) if (a[i] !== 0) return i;
  return 0;
}

/** Cofactor bound: a cofactor times a 24-bit limb, twice, plus a carry stays far below 2^53. */
const COFACTOR_LIMIT = 2 ** 26;

let u = newElement();
let v = newElement();
let tu = newElement();
let tv = newElement();
let nu = newElement();
let nv = newElement();
let ntu = newElement();
let ntv = newElement();

/**
 * out = a⁻¹ mod P in [0, P) for normalised a < 2^257; false (out untouched) when a ≡ 0.
 *
 * Lehmer's extended Euclid (Knuth, TAOCP 4.5.2, Algorithm L) on limbs: runs of quotient steps are
 * simulated on the leading 48 bits of u and v in doubles, then applied to u, v and the cofactors
 * tu, tv as one 2×2 matrix of small integers (|entry| <= 2^26) with limb arithmetic, no BigInt and
 * no allocation. When no quotient is certain from the leading bits (a quotient above ~2^26, rare),
 * one full-precision step is done in BigInt. Invariant: tu·a ≡ u and tv·a ≡ v (mod P); |tu|, |tv| <= P.
 */
export function invertLimbs(out: Float64Array, a: Float64Array): boolean {
  reduce(v, a);
  if (isZero(v)) return false;
  u.set(P_LIMBS);
  tu.fill(0);
  tv.fill(0);
  tv[0] = 1;
  while (!isZero(v)) {
    lehmerMatrix(leadingHeads());
    if (M[1] === 0) euclidStep(); // not one certain quotient: one full-precision Euclid step
    else applyMatrix();
  }
  if (u[0] !== 1 || topLimb(u) !== 0) return false; // gcd ≠ 1: P is prime, so only for a ≡ 0
  if ((tu[LIMBS - 1] as number) < 0) combine(out, tu, 1, P_LIMBS, 1, ZERO);
  else out.set(tu);
  return true;
}

/** The leading digits of u and v (HEADS[0], HEADS[1]); true when they are u and v themselves (exact). */
const HEADS = new Float64Array(2);
/** The 2×2 cofactor matrix [ca, cb, cc, cd] of a run of quotient steps. */
const M = new Float64Array(4);

function leadingHeads(): boolean {
  const k = topLimb(u);
  if (k < 2) {
    HEADS[0] = (u[1] as number) * RADIX + (u[0] as number);
    HEADS[1] = (v[1] as number) * RADIX + (v[0] as number);
    return true;
  }
  // floor(u / 2^s) and floor(v / 2^s) for the s that leaves u 48 bits, from three limbs each.
  const e = 32 - clz32(u[k] as number); // bits in u's top limb, 1..24
  const up = 2 ** (48 - e);
  const down = 1 / 2 ** e;
  HEADS[0] = (u[k] as number) * up + floor(((u[k - 1] as number) * RADIX + (u[k - 2] as number)) * down);
  HEADS[1] = (v[k] as number) * up + floor(((v[k - 1] as number) * RADIX + (v[k - 2] as number)) * down);
  return false;
}

/** Simulates quotient steps on the leading digits while every quotient is certain; the result is in M. */
function lehmerMatrix(exact: boolean): void {
  let uHead = HEADS[0] as number;
  let vHead = HEADS[1] as number;
  let ca = 1;
  let cb = 0;
  let cc = 0;
  let cd = 1;
  for (;;) {
    let q: number;
    if (exact) {
      if (vHead === 0) break;
      q = floor(uHead / vHead);
    } else {
      // Take a quotient only when both bounds of the true leading digits give the same one.
      if (vHead + cc === 0 || vHead + cd === 0) break;
      q = floor((uHead + ca) / (vHead + cc));
      if (q !== floor((uHead + cb) / (vHead + cd))) break;
    }
    const nextCc = ca - q * cc;
    const nextCd = cb - q * cd;
    if (abs(nextCc) > COFACTOR_LIMIT || abs(nextCd) > COFACTOR_LIMIT) break;
    ca = cc;
    cc = nextCc;
    cb = cd;
    cd = nextCd;
    const t = uHead - q * vHead;
    uHead = vHead;
    vHead = t;
  }
  M[0] = ca;
  M[1] = cb;
  M[2] = cc;
  M[3] = cd;
}

/** One full-precision step in BigInt: (u, v) ← (v, u mod v), and the cofactors alike. */
function euclidStep(): void {
  const U = readLimbs(u);
  const V = readLimbs(v);
  const q = U / V;
  writeLimbs(V, u);
  writeLimbs(U - q * V, v);
  const TU = readLimbs(tu);
  const TV = readLimbs(tv);
  writeLimbs(TV, tu);
  writeLimbs(TU - q * TV, tv);
}

/** Applies M to (u, v) and (tu, tv) with limb arithmetic, into the spare buffers, then swaps them in. */
function applyMatrix(): void {
  const ca = M[0] as number;
  const cb = M[1] as number;
  const cc = M[2] as number;
  const cd = M[3] as number;
  combine(nu, u, ca, v, cb, ZERO);
  combine(nv, u, cc, v, cd, ZERO);
  combine(ntu, tu, ca, tv, cb, ZERO);
  combine(ntv, tu, cc, tv, cd, ZERO);
  let swap = u;
  u = nu;
  nu = swap;
  swap = v;
  v = nv;
  nv = swap;
  swap = tu;
  tu = ntu;
  ntu = swap;
  swap = tv;
  tv = ntv;
  ntv = swap;
}
