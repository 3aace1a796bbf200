/**
 * StarkWare's Pedersen hash (the one starknet.js and Paradex use), fast:
 *   H(a, b) = x(P0 + a_low·P1 + a_high·P2 + b_low·P3 + b_high·P4)
 * with a_low/b_low the low 248 bits and a_high/b_high the top 4 bits. @scure/starknet walks the 504
 * bits one by one with a BigInt point addition per set bit (~20 ms per order here). This module:
 * - cuts each input into w-bit digits and adds one precomputed affine point d·2^(w·j)·P per non-zero
 *   digit (12-bit windows for `a`, always a ~252-bit running hash; 8-bit for `b`, mostly a small
 *   field value), so a hash costs 20-30 additions, fewer with prepared operands (below);
 * - accumulates in Jacobian coordinates with mixed addition on 11 limbs of 24 bits held in doubles
 *   (Montgomery form, stark-field.generated.ts), ~4× faster per product than BigInt `(a*b) % P`;
 * - leaves the Jacobian coordinates once per hash: one Lehmer inversion on limbs for the affine x.
 * Everything here is public data (no key is involved), so timing does not matter for secrecy.
 * Equality with starknet.js is proven by test on random and edge-case inputs and on 1,000 orders.
 */
import { ec } from 'starknet';
import { invert } from './modular';
import { combine, FIELD_PRIME, invertLimbs, LIMBS, limbsOf, newElement, readLimbs, reduce, writeLimbs } from './stark-field';
import { montMul, montSqr } from './stark-field.generated';

export { FIELD_PRIME } from './stark-field';

// A module binding, not a global lookup: under a vm context (jest) every global read is slow.
const floor = Math.floor;
const RADIX = 2 ** 24;
const INV_RADIX = 1 / RADIX;

/** R^k mod P for the Montgomery radix R = 2^264: values are kept as v·R mod P. */
function radixPower(k: bigint): bigint {
  return (1n << (264n * k)) % FIELD_PRIME;
}
const R_MOD_P = radixPower(1n);
/** R³ and R⁴ mod P as limbs: montMul by them multiplies by R² and R³. */
const R3_LIMBS = limbsOf(radixPower(3n));
const R4_LIMBS = limbsOf(radixPower(4n));

/** The bit-by-bit reference implementation, captured at load. */
const referencePedersen = ec.starkCurve.pedersen;

function toMontgomery(v: bigint, out: Float64Array, offset = 0): void {
  writeLimbs((v * R_MOD_P) % FIELD_PRIME, out, offset);
}

/** Plain value of a Montgomery element, canonical in [0, P). */
function fromMontgomery(a: Float64Array): bigint {
  const one = newElement();
  one[0] = 1;
  const plain = newElement();
  montMul(plain, a, one);
  reduce(plain, plain);
  return readLimbs(plain);
}

const P4 = limbsOf(4n * FIELD_PRIME);
const P6 = limbsOf(6n * FIELD_PRIME);
const P8 = limbsOf(8n * FIELD_PRIME);
const P16 = limbsOf(16n * FIELD_PRIME);
const ZERO = newElement();
const ONE = limbsOf(R_MOD_P);

/** o = a - b - 2c + offset, normalised. */
function combine3(o: Float64Array, a: Float64Array, b: Float64Array, c: Float64Array, offset: Float64Array): void {
  let carry = 0;
  for (let i = 0; i < LIMBS; i++) {
    const v = (a[i] as number) - (b[i] as number) - 2 * (c[i] as number) + (offset[i] as number) + carry;
    carry = floor(v * INV_RADIX);
    o[i] = v - carry * RADIX;
  }
}

function copyFrom(o: Float64Array, src: Float64Array, offset: number): void {
  for (let i = 0; i < LIMBS; i++) o[i] = src[offset + i] as number;
}

// ---------------------------------------------------------------------------------------------
// Jacobian accumulator (x = X/Z², y = Y/Z³) and mixed addition, all in Montgomery form.
// Bounds (each product < 2P): X, Y < 8P and Z < 4P between additions; every product input < 20P.
// ---------------------------------------------------------------------------------------------

const accX = newElement();
const accY = newElement();
const accZ = newElement();
const x2 = newElement();
const y2 = newElement();
const z1z1 = newElement();
const u2 = newElement();
const s2 = newElement();
const h = newElement();
const hh = newElement();
const i4 = newElement();
const j = newElement();
const r = newElement();
const v = newElement();
const t = newElement();

/** acc += (x2, y2) affine: madd-2007-bl with Z3 = 2·Z1·H. */
function addAffine(): void {
  montSqr(z1z1, accZ); // < 2P
  montMul(u2, x2, z1z1); // < 2P
  montMul(s2, accZ, z1z1);
  montMul(s2, y2, s2); // < 2P
  combine(h, u2, 1, accX, -1, P8); // U2 - X1 + 8P in [0, 10P)
  montSqr(hh, h);
  combine(i4, hh, 4, hh, 0, ZERO); // 4·HH < 8P
  montMul(j, h, i4); // < 2P
  combine(r, s2, 2, accY, -2, P16); // 2(S2 - Y1) + 16P in [0, 20P)
  montMul(v, accX, i4); // < 2P
  montMul(accZ, accZ, h);
  combine(accZ, accZ, 2, accZ, 0, ZERO); // Z3 = 2·Z1·H < 4P
  montSqr(t, r);
  combine3(accX, t, j, v, P6); // X3 = r² - J - 2V + 6P in [0, 8P)
  combine(t, v, 1, accX, -1, P8); // V - X3 + 8P in [0, 10P)
  montMul(t, r, t); // < 2P
  montMul(v, accY, j); // reuse v: Y1·J < 2P
  combine(accY, t, 1, v, -2, P4); // Y3 = r(V - X3) - 2·Y1·J + 4P in [0, 6P)
}


// ---------------------------------------------------------------------------------------------
// Window tables: affine d·2^(w·j)·base for every window j and digit d, in Montgomery limbs.
// ---------------------------------------------------------------------------------------------

interface WindowTable {
  /** Hex digits per window (window width = 4 × this many bits). */
  readonly hexDigits: number;
  readonly stride: number;
  /** Limbs of x and y; point (window, digit) at ((window × stride) + digit) × 11. Digit 0 unused. */
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}

function invertPlain(value: bigint): bigint {
  return invert(value, FIELD_PRIME);
}

function canonical(value: bigint): bigint {
  const rem = value % FIELD_PRIME;
  return rem < 0n ? rem + FIELD_PRIME : rem;
}

const inverseScratch = newElement();

/**
 * Inverse of a Montgomery element, in Montgomery form: with w = (aR)^-1 (plain), a^-1·R = w·R² =
 * montMul(w, R³). False when a ≡ 0.
 */
function invertMontgomery(out: Float64Array, a: Float64Array): boolean {
  if (!invertLimbs(inverseScratch, a)) return false;
  montMul(out, inverseScratch, R3_LIMBS);
  return true;
}

/**
 * Multiples 1..stride of base (affine BigInt) per window, made with the same mixed addition the
 * hash uses and normalised with one inversion per window (Montgomery's trick).
 */
function buildWindowTable(baseX: bigint, baseY: bigint, hexDigits: number, windows: number): WindowTable {
  const stride = 1 << (4 * hexDigits);
  const xs = new Float64Array(windows * stride * LIMBS);
  const ys = new Float64Array(windows * stride * LIMBS);
  // Jacobian multiples 1..stride of the window's base, then their prefix products of Z.
  const jx = new Float64Array((stride + 1) * LIMBS);
  const jy = new Float64Array((stride + 1) * LIMBS);
  const jz = new Float64Array((stride + 1) * LIMBS);
  const prefix = new Float64Array((stride + 1) * LIMBS);
  const one = ONE;
  const tmpX = newElement();
  const tmpY = newElement();
  const zInv = newElement();
  const zInv2 = newElement();
  const inv = newElement();
  const at = (arr: Float64Array, d: number): Float64Array => arr.subarray(d * LIMBS, (d + 1) * LIMBS);
  let bx = baseX;
  let by = baseY;
  for (let w = 0; w < windows; w++) {
    toMontgomery(bx, jx, LIMBS);
    toMontgomery(by, jy, LIMBS);
    at(jz, 1).set(one);
    // 2·B by the tangent rule (curve a = 1), then the rest by mixed addition of B.
    const lambda = canonical((3n * bx * bx + 1n) * invertPlain(2n * by));
    const dx = canonical(lambda * lambda - 2n * bx);
    toMontgomery(dx, jx, 2 * LIMBS);
    toMontgomery(canonical(lambda * (bx - dx) - by), jy, 2 * LIMBS);
    at(jz, 2).set(one);
    x2.set(at(jx, 1));
    y2.set(at(jy, 1));
    for (let d = 3; d <= stride; d++) {
      accX.set(at(jx, d - 1));
      accY.set(at(jy, d - 1));
      accZ.set(at(jz, d - 1));
      addAffine();
      at(jx, d).set(accX);
      at(jy, d).set(accY);
      at(jz, d).set(accZ);
    }
    at(prefix, 0).set(one);
    for (let d = 1; d <= stride; d++) montMul(at(prefix, d), at(prefix, d - 1), at(jz, d));
    if (!invertMontgomery(inv, at(prefix, stride))) throw new Error('Pedersen table: a multiple of a base point is the identity');
    for (let d = stride; d >= 1; d--) {
      montMul(zInv, inv, at(prefix, d - 1)); // 1/Z_d
      montMul(inv, inv, at(jz, d)); // 1/(Z_1···Z_(d-1))
      montSqr(zInv2, zInv);
      const index = (w * stride + d) * LIMBS;
      const px = d < stride ? xs.subarray(index, index + LIMBS) : tmpX;
      const py = d < stride ? ys.subarray(index, index + LIMBS) : tmpY;
      montMul(px, at(jx, d), zInv2); // Montgomery limbs < 2P: valid inputs as they are
      montMul(py, at(jy, d), zInv2);
      montMul(py, py, zInv);
      if (d === stride) {
        // stride·base, back to plain form: the next window's base
        bx = fromMontgomery(tmpX);
        by = fromMontgomery(tmpY);
      }
    }
  }
  return { hexDigits, stride, xs, ys };
}

const A_HEX_DIGITS = 3; // 12-bit windows for a: 21 additions instead of 31; 86k points, ~15 MB
const B_HEX_DIGITS = 2; // 8-bit windows for b: zero windows of small values are skipped anyway
const LOW_HEX = 62; // 248 bits

interface PedersenTables {
  readonly shift: { readonly x: Float64Array; readonly y: Float64Array };
  readonly aLow: WindowTable;
  readonly aHigh: WindowTable;
  readonly bLow: WindowTable;
  readonly bHigh: WindowTable;
}

let tables: PedersenTables | undefined;

/**
 * Builds the tables (~94k points, a few hundred ms) once, on first use; call at startup to keep it
 * off the first order.
 */
export function warmPedersen(): void {
  if (tables) return;
  // StarkWare's constant points P0..P4 (the same constants @scure/starknet embeds).
  const [p0, p1, p2, p3, p4] = [
    [2089986280348253421170679821480865132823066470938446095505822317253594081284n, 1713931329540660377023406109199410414810705867260802078187082345529207694986n],
    [996781205833008774514500082376783249102396023663454813447423147977397232763n, 1668503676786377725805489344771023921079126552019160156920634619255970485781n],
    [2251563274489750535117886426533222435294046428347329203627021249169616184184n, 1798716007562728905295480679789526322175868328062420237419143593021674992973n],
    [2138414695194151160943305727036575959195309218611738193261179310511854807447n, 113410276730064486255102093846540133784865286929052426931474106396135072156n],
    [2379962749567351885752724891227938183011949129833673362440656643086021394946n, 776496453633298175483985398648758586525933812536653089401905292063708816422n],
  ] as const;
  const shift = { x: newElement(), y: newElement() };
  toMontgomery(p0[0], shift.x);
  toMontgomery(p0[1], shift.y);
  tables = {
    shift,
    aLow: buildWindowTable(p1[0], p1[1], A_HEX_DIGITS, Math.ceil(LOW_HEX / A_HEX_DIGITS)),
    aHigh: buildWindowTable(p2[0], p2[1], 1, 1),
    bLow: buildWindowTable(p3[0], p3[1], B_HEX_DIGITS, Math.ceil(LOW_HEX / B_HEX_DIGITS)),
    bHigh: buildWindowTable(p4[0], p4[1], 1, 1),
  };
}

/** Value of a lowercase hex digit's char code ('0'-'9', 'a'-'f', as BigInt#toString(16) writes them). */
function hexValue(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

function addTablePoint(table: WindowTable, index: number): void {
  copyFrom(x2, table.xs, index * LIMBS);
  copyFrom(y2, table.ys, index * LIMBS);
  addAffine();
}

/**
 * Adds digit·table points for the low part of `hex`, the characters from `start` on (most
 * significant first), read straight from char codes: no substring or parseInt per window.
 */
function addDigits(hex: string, start: number, table: WindowTable): void {
  const { hexDigits, stride } = table;
  let window = 0;
  for (let end = hex.length; end > start; end -= hexDigits, window++) {
    let digit = 0;
    for (let c = Math.max(start, end - hexDigits); c < end; c++) digit = digit * 16 + hexValue(hex.charCodeAt(c));
    if (digit !== 0) addTablePoint(table, window * stride + digit);
  }
}

function addInput(value: bigint, low: WindowTable, high: WindowTable): void {
  const hex = value.toString(16);
  const highDigits = hex.length - LOW_HEX; // at most 1: value < P < 2^252
  if (highDigits > 0) {
    addTablePoint(high, hexValue(hex.charCodeAt(0)));
    addDigits(hex, highDigits, low);
  } else {
    addDigits(hex, 0, low);
  }
}

function checkInput(value: bigint): void {
  if (value < 0n || value >= FIELD_PRIME) throw new RangeError('Pedersen input out of range [0, P)');
}

interface AffinePoint {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/**
 * An operand known ahead of the hash (a constant chain head, a market name), with its share of the
 * point sum folded into one affine point: using it costs one addition instead of one per window.
 * Without a point (b = 0, or the ~2^-240 case where folding met a degenerate addition) the value is
 * hashed as usual.
 */
export interface PreparedOperand {
  readonly value: bigint;
  readonly point: AffinePoint | undefined;
}

const zInverse = newElement();
const zInverse2 = newElement();
const affineX = newElement();

/** Affine x (plain form) of the accumulator, or undefined when Z ≡ 0 (the sum hit the identity). */
function accumulatorAffineX(): bigint | undefined {
  // With w = (Z·R)^-1 (plain): x = X/Z² = (X·R)·w²·R, i.e. montMul(montMul(X_m, montSqr(w)), R⁴).
  if (!invertLimbs(zInverse, accZ)) return undefined;
  montSqr(zInverse2, zInverse);
  montMul(affineX, accX, zInverse2);
  montMul(affineX, affineX, R4_LIMBS);
  reduce(affineX, affineX);
  return readLimbs(affineX);
}

/** The accumulator as an affine point in Montgomery limbs, or undefined at Z ≡ 0. */
function accumulatorAffine(): AffinePoint | undefined {
  if (!invertMontgomery(zInverse, accZ)) return undefined;
  montSqr(zInverse2, zInverse);
  const x = newElement();
  const y = newElement();
  montMul(x, accX, zInverse2);
  montMul(y, accY, zInverse2);
  montMul(y, y, zInverse);
  return { x, y };
}

function tablesReady(): PedersenTables {
  if (!tables) warmPedersen();
  return tables as PedersenTables;
}

function startAtShift(tbl: PedersenTables): void {
  accX.set(tbl.shift.x);
  accY.set(tbl.shift.y);
  accZ.set(ONE);
}

/** Prepares a first operand: P0 + a_low·P1 + a_high·P2 as one point. */
export function prepareFirst(a: bigint): PreparedOperand {
  checkInput(a);
  const tbl = tablesReady();
  startAtShift(tbl);
  addInput(a, tbl.aLow, tbl.aHigh);
  return { value: a, point: accumulatorAffine() };
}

/** Prepares a second operand: b_low·P3 + b_high·P4 as one point, computed as (P0 + b part) - P0. */
export function prepareSecond(b: bigint): PreparedOperand {
  checkInput(b);
  if (b === 0n) return { value: b, point: undefined };
  const tbl = tablesReady();
  startAtShift(tbl);
  addInput(b, tbl.bLow, tbl.bHigh);
  x2.set(tbl.shift.x);
  combine(y2, tbl.shift.y, -1, ZERO, 0, P4); // -P0: 4P - y
  addAffine();
  return { value: b, point: accumulatorAffine() };
}

/**
 * Pedersen hash of two field elements (the StarkWare hash starknet.js uses), a, b in [0, P), either
 * given as values or prepared ahead (prepareFirst / prepareSecond).
 */
export function pedersen(a: bigint | PreparedOperand, b: bigint | PreparedOperand): bigint {
  const tbl = tablesReady();
  const aPoint = typeof a === 'bigint' ? undefined : a.point;
  const av = typeof a === 'bigint' ? a : a.value;
  const bPoint = typeof b === 'bigint' ? undefined : b.point;
  const bv = typeof b === 'bigint' ? b : b.value;
  checkInput(av);
  checkInput(bv);
  if (aPoint) {
    accX.set(aPoint.x);
    accY.set(aPoint.y);
    accZ.set(ONE);
  } else {
    startAtShift(tbl);
    addInput(av, tbl.aLow, tbl.aHigh);
  }
  if (bPoint) {
    x2.set(bPoint.x);
    y2.set(bPoint.y);
    addAffine();
  } else {
    addInput(bv, tbl.bLow, tbl.bHigh);
  }
  const x = accumulatorAffineX();
  if (x !== undefined) return x;
  // An addition hit equal x coordinates (probability ~2^-240): defer to the reference, which
  // raises the same error starknet.js would.
  return BigInt(referencePedersen(av, bv));
}
