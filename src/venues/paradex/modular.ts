/** Modular arithmetic on BigInt shared by the Pedersen hash (mod P) and Stark ECDSA (mod the curve order n). */

/**
 * Modular inverse by Lehmer's extended Euclid (Knuth, TAOCP 4.5.2, Algorithm L): runs of quotient
 * steps are simulated on the leading ~48 bits in doubles (every intermediate < 2^51, so exact) and
 * applied to the BigInts as one 2×2 cofactor matrix, which takes ~2.5× fewer BigInt operations than
 * one BigInt division per quotient. a must be non-zero modulo the (odd prime) modulus.
 */
// Module bindings, not global lookups: under a vm context (jest) every global read is slow.
const { floor, log2 } = Math;

export function invert(a: bigint, modulus: bigint): bigint {
  const P = modulus;
  let u = P;
  let v = ((a % P) + P) % P;
  let tu = 0n; // invariant: tu·a ≡ u, tv·a ≡ v (mod P)
  let tv = 1n;
  while (v !== 0n) {
    // u > v; Math.log2 may be off by one near a power of two, which only moves uHead within [2^46, 2^49).
    const topBit = floor(log2(Number(u)));
    const shift = BigInt(topBit > 47 ? topBit - 47 : 0);
    let uHead = Number(u >> shift);
    let vHead = Number(v >> shift);
    let ca = 1;
    let cb = 0;
    let cc = 0;
    let cd = 1;
    // Take a quotient only when both bounds of the true leading digits give the same one.
    while (vHead + cc !== 0 && vHead + cd !== 0) {
      const q = floor((uHead + ca) / (vHead + cc));
      if (q !== floor((uHead + cb) / (vHead + cd))) break;
      let t = ca - q * cc;
      ca = cc;
      cc = t;
      t = cb - q * cd;
      cb = cd;
      cd = t;
      t = uHead - q * vHead;
      uHead = vHead;
      vHead = t;
    }
    if (cb === 0) {
      // No quotient was certain from the leading bits: one full-precision Euclid step.
      const q = u / v;
      const r = u - q * v;
      u = v;
      v = r;
      const t = tu - q * tv;
      tu = tv;
      tv = t;
    } else {
      const a11 = BigInt(ca);
      const a12 = BigInt(cb);
      const a21 = BigInt(cc);
      const a22 = BigInt(cd);
      const nextU = a11 * u + a12 * v;
      v = a21 * u + a22 * v;
      u = nextU;
      const nextTu = a11 * tu + a12 * tv;
      tv = a21 * tu + a22 * tv;
      tu = nextTu;
    }
  }
  if (u !== 1n) throw new RangeError('not invertible');
  const inverse = tu % P;
  return inverse < 0n ? inverse + P : inverse;
}
