/**
 * SNIP-12 revision 0 message hashing ("StarkNetDomain" typed data, Pedersen), specialised for the
 * fixed Paradex types. Equal to starknet.js `typedData.getMessageHash(td, account)` (proven by
 * test on random inputs), but with every constant part hashed once:
 *   messageHash = H(H(H(H(H(0, 'StarkNet Message'), domainHash), account), structHash), 4)
 *   structHash  = H(...H(H(0, typeHash), field1)..., fieldN), N + 1)       (computeHashOnElements)
 * The first three links of the message chain depend only on (chain id, account) and are cached, and
 * H(0, typeHash) is a constant per type, so an order costs 7 + 2 Pedersen hashes instead of 18.
 */
import { ec } from 'starknet';

const FIELD_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

// ---------------------------------------------------------------------------------------------
// Pedersen hash with fixed-window tables.
// H(a, b) = x(P0 + a_low·P1 + a_high·P2 + b_low·P3 + b_high·P4), a_low/b_low the low 248 bits,
// a_high/b_high the top 4 bits (StarkWare's definition; @scure/starknet walks the 504 bits one by
// one with a point addition per set bit). Here each input is cut into w-bit digits and each digit
// adds one precomputed affine point d·2^(w·j)·P, so a 252-bit input costs ~252/w additions.
// Accumulation is in Jacobian coordinates with mixed addition and lazy reduction (intermediate
// values stay in (-8p, 8p) and are reduced once per product), then one inversion per hash.
// ---------------------------------------------------------------------------------------------

/** The bit-by-bit reference implementation, captured at load. */
const referencePedersen = ec.starkCurve.pedersen;

interface WindowTable {
  /** Hex digits per window (window width = 4 × this many bits). */
  readonly hexDigits: number;
  readonly stride: number;
  /** Affine coordinates; index window × stride + digit (digit 0 unused). */
  readonly xs: bigint[];
  readonly ys: bigint[];
}

/** Canonical representative in [0, P) of a value kept in (-kP, kP). */
function canonical(v: bigint): bigint {
  const r = v % FIELD_PRIME;
  return r < 0n ? r + FIELD_PRIME : r;
}

/**
 * Affine d·2^(4·hexDigits·w)·base for every window w and digit d, built with the same mixed
 * addition the hash uses and normalised with one inversion per window (Montgomery's trick).
 */
function buildWindowTable(baseX: bigint, baseY: bigint, hexDigits: number, windows: number): WindowTable {
  const P = FIELD_PRIME;
  const stride = 1 << (4 * hexDigits);
  const xs = new Array<bigint>(windows * stride).fill(0n);
  const ys = new Array<bigint>(windows * stride).fill(0n);
  const jx = new Array<bigint>(stride + 1).fill(0n);
  const jy = new Array<bigint>(stride + 1).fill(0n);
  const jz = new Array<bigint>(stride + 1).fill(1n);
  const prefix = new Array<bigint>(stride + 1).fill(1n);
  let bx = baseX;
  let by = baseY;
  for (let w = 0; w < windows; w++) {
    // Jacobian multiples 1..stride of (bx, by); 2·B by the tangent rule, the rest by mixed addition.
    jx[1] = bx;
    jy[1] = by;
    jz[1] = 1n;
    const lambda = ((3n * bx * bx + 1n) * invert(2n * by)) % P; // curve a = 1
    const x2 = canonical(lambda * lambda - 2n * bx);
    jx[2] = x2;
    jy[2] = canonical(lambda * (bx - x2) - by);
    jz[2] = 1n;
    for (let d = 3; d <= stride; d++) {
      accX = jx[d - 1] as bigint;
      accY = jy[d - 1] as bigint;
      accZ = jz[d - 1] as bigint;
      addAffine(bx, by);
      jx[d] = accX;
      jy[d] = accY;
      jz[d] = accZ;
    }
    prefix[0] = 1n;
    for (let d = 1; d <= stride; d++) prefix[d] = ((prefix[d - 1] as bigint) * (jz[d] as bigint)) % P;
    let inv = invert(prefix[stride] as bigint);
    for (let d = stride; d >= 1; d--) {
      const zInv = (inv * (prefix[d - 1] as bigint)) % P;
      inv = (inv * (jz[d] as bigint)) % P;
      const zInv2 = (zInv * zInv) % P;
      const x = canonical((jx[d] as bigint) * zInv2);
      const y = canonical((((jy[d] as bigint) * zInv2) % P) * zInv);
      if (d < stride) {
        xs[w * stride + d] = x;
        ys[w * stride + d] = y;
      } else {
        bx = x; // stride·base = the next window's base
        by = y;
      }
    }
  }
  return { hexDigits, stride, xs, ys };
}

/**
 * Window widths. `a` is the running hash of a chain, always ~252 bits, so it gets 12-bit windows
 * (21 additions instead of 31; 86k points, ~10 MB). `b` is mostly a small field value (timestamp,
 * size, short string) whose zero windows are skipped anyway, so 8 bits suffice there.
 */
const A_HEX_DIGITS = 3;
const B_HEX_DIGITS = 2;
const LOW_HEX = 62; // 248 bits

interface PedersenTables {
  readonly shiftX: bigint;
  readonly shiftY: bigint;
  readonly aLow: WindowTable;
  readonly aHigh: WindowTable;
  readonly bLow: WindowTable;
  readonly bHigh: WindowTable;
}

let tables: PedersenTables | undefined;

/**
 * Builds the tables (~94k points, ~0.5-1 s) once, on first use; call at startup to keep it off the
 * first order.
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
  tables = {
    shiftX: p0[0],
    shiftY: p0[1],
    aLow: buildWindowTable(p1[0], p1[1], A_HEX_DIGITS, Math.ceil(LOW_HEX / A_HEX_DIGITS)),
    aHigh: buildWindowTable(p2[0], p2[1], 1, 1),
    bLow: buildWindowTable(p3[0], p3[1], B_HEX_DIGITS, Math.ceil(LOW_HEX / B_HEX_DIGITS)),
    bHigh: buildWindowTable(p4[0], p4[1], 1, 1),
  };
}

// Jacobian accumulator (x = X/Z², y = Y/Z³); module state avoids allocating per addition.
let accX = 0n;
let accY = 0n;
let accZ = 1n;

/** acc += (x2, y2) affine; madd-2007-bl with Z3 = 2·Z1·H. */
function addAffine(x2: bigint, y2: bigint): void {
  // Every product is reduced at once: a % on a 3-factor product costs more than two on 2-factor ones.
  const P = FIELD_PRIME;
  const z1z1 = (accZ * accZ) % P;
  const u2 = (x2 * z1z1) % P;
  const s2 = (y2 * ((accZ * z1z1) % P)) % P;
  const h = u2 - accX;
  const hh = (h * h) % P;
  const i = 4n * hh;
  const j = (h * i) % P;
  const r = 2n * (s2 - accY);
  const v = (accX * i) % P;
  const x3 = (r * r - j - 2n * v) % P;
  accY = (r * (v - x3) - 2n * ((accY * j) % P)) % P;
  accZ = 2n * ((accZ * h) % P); // in (-2P, 2P): the next square reduces it
  accX = x3;
}

/** Value of a lowercase hex digit's char code ('0'-'9', 'a'-'f', as BigInt#toString(16) writes them). */
function hexValue(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

/**
 * Adds digit·table points for the low part of `hex`, the characters from `start` on (most
 * significant first), read straight from char codes: no substring or parseInt per window.
 */
function addDigits(hex: string, start: number, table: WindowTable): void {
  const { hexDigits, stride, xs, ys } = table;
  let window = 0;
  for (let end = hex.length; end > start; end -= hexDigits, window++) {
    let digit = 0;
    for (let c = Math.max(start, end - hexDigits); c < end; c++) digit = digit * 16 + hexValue(hex.charCodeAt(c));
    if (digit !== 0) {
      const k = window * stride + digit;
      addAffine(xs[k] as bigint, ys[k] as bigint);
    }
  }
}

function addInput(value: bigint, low: WindowTable, high: WindowTable): void {
  const hex = value.toString(16);
  const highDigits = hex.length - LOW_HEX; // at most 1: value < P < 2^252
  if (highDigits > 0) {
    const highDigit = hexValue(hex.charCodeAt(0));
    addAffine(high.xs[highDigit] as bigint, high.ys[highDigit] as bigint);
    addDigits(hex, highDigits, low);
  } else {
    addDigits(hex, 0, low);
  }
}

/**
 * Modular inverse by Lehmer's extended Euclid (Knuth, TAOCP 4.5.2, Algorithm L): runs of quotient
 * steps are simulated on the leading ~48 bits in doubles (every intermediate < 2^51, so exact) and
 * applied to the BigInts as one 2×2 cofactor matrix, which takes ~2.5× fewer BigInt operations than
 * one BigInt division per quotient. a must be non-zero mod P.
 */
function invert(a: bigint): bigint {
  const P = FIELD_PRIME;
  let u = P;
  let v = ((a % P) + P) % P;
  let tu = 0n; // invariant: tu·a ≡ u, tv·a ≡ v (mod P)
  let tv = 1n;
  while (v !== 0n) {
    // u > v; Math.log2 may be off by one near a power of two, which only moves uHead within [2^46, 2^49).
    const topBit = Math.floor(Math.log2(Number(u)));
    const shift = BigInt(topBit > 47 ? topBit - 47 : 0);
    let uHead = Number(u >> shift);
    let vHead = Number(v >> shift);
    let ca = 1;
    let cb = 0;
    let cc = 0;
    let cd = 1;
    // Take a quotient only when both bounds of the true leading digits give the same one.
    while (vHead + cc !== 0 && vHead + cd !== 0) {
      const q = Math.floor((uHead + ca) / (vHead + cc));
      if (q !== Math.floor((uHead + cb) / (vHead + cd))) break;
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
  if (u !== 1n) throw new RangeError('not invertible modulo the Stark prime');
  const inverse = tu % P;
  return inverse < 0n ? inverse + P : inverse;
}

/** Pedersen hash of two field elements (the StarkWare hash starknet.js uses), a, b in [0, P). */
export function pedersen(a: bigint, b: bigint): bigint {
  if (a < 0n || a >= FIELD_PRIME || b < 0n || b >= FIELD_PRIME) {
    throw new RangeError('Pedersen input out of range [0, P)');
  }
  if (!tables) warmPedersen();
  const t = tables as PedersenTables;
  accX = t.shiftX;
  accY = t.shiftY;
  accZ = 1n;
  addInput(a, t.aLow, t.aHigh);
  addInput(b, t.bLow, t.bHigh);
  const z = ((accZ % FIELD_PRIME) + FIELD_PRIME) % FIELD_PRIME;
  if (z === 0n) {
    // An addition hit equal x coordinates (probability ~2^-240): defer to the reference, which
    // raises the same error starknet.js would.
    return BigInt(referencePedersen(a, b));
  }
  const zInv = invert(z);
  const x = (accX * ((zInv * zInv) % FIELD_PRIME)) % FIELD_PRIME;
  return x < 0n ? x + FIELD_PRIME : x;
}

/** Cairo short string: up to 31 ASCII chars, big-endian bytes as one felt. */
export function shortStringFelt(text: string): bigint {
  if (text.length > 31) throw new RangeError(`short string longer than 31 characters: '${text}'`);
  let felt = 0n;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new RangeError(`short string is not ASCII: '${text}'`);
    felt = (felt << 8n) | BigInt(code);
  }
  return felt;
}

const shortStringCache = new Map<string, bigint>();
const SHORT_STRING_CACHE_LIMIT = 4096;

/**
 * A typed-data `felt` value as starknet.js rev 0 encodes it (`getHex`): anything BigInt() accepts
 * (decimal, 0x hex, '' -> 0) is a number, any other string is a short string.
 */
export function feltOf(value: string | number | bigint): bigint {
  let felt: bigint;
  if (typeof value === 'bigint') {
    felt = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`felt must be a safe integer, got ${value}`);
    felt = BigInt(value);
  } else {
    const cached = shortStringCache.get(value);
    if (cached !== undefined) return cached;
    try {
      felt = BigInt(value);
    } catch {
      felt = shortStringFelt(value);
    }
    if (shortStringCache.size >= SHORT_STRING_CACHE_LIMIT) shortStringCache.clear();
    shortStringCache.set(value, felt);
  }
  if (felt < 0n || felt >= FIELD_PRIME) throw new RangeError('felt out of range [0, P)');
  return felt;
}

/** starknet.js computeHashOnElements: Pedersen chain from 0 over the elements, then the length. */
export function hashOnElements(elements: readonly bigint[]): bigint {
  let acc = 0n;
  for (const element of elements) acc = pedersen(acc, element);
  return pedersen(acc, BigInt(elements.length));
}

/** Type hash of a rev 0 struct whose fields are all `felt`: starknet keccak of "Name(a:felt,b:felt)". */
export function feltStructTypeHash(name: string, fields: readonly string[]): bigint {
  const encoded = `${name}(${fields.map((field) => `${field}:felt`).join(',')})`;
  return ec.starkCurve.keccak(new TextEncoder().encode(encoded));
}

/**
 * Hashes one fixed struct type fast: H(0, typeHash) is precomputed, values are hashed in order.
 * The caller passes exactly the field values, in declaration order, already as felts.
 */
export class FeltStruct {
  readonly typeHash: bigint;
  private seed: bigint | undefined; // H(0, typeHash), computed on first use so importing costs nothing
  private readonly lengthFelt: bigint;

  constructor(
    readonly name: string,
    readonly fields: readonly string[],
  ) {
    this.typeHash = feltStructTypeHash(name, fields);
    this.lengthFelt = BigInt(fields.length + 1);
  }

  hash(values: readonly bigint[]): bigint {
    if (values.length !== this.fields.length) {
      throw new RangeError(`${this.name} expects ${this.fields.length} values, got ${values.length}`);
    }
    this.seed ??= pedersen(0n, this.typeHash);
    let acc = this.seed;
    for (const value of values) acc = pedersen(acc, value);
    return pedersen(acc, this.lengthFelt);
  }
}

const STARKNET_MESSAGE = shortStringFelt('StarkNet Message');
let messagePrefixSeed: bigint | undefined; // H(0, 'StarkNet Message'), on first use
const MESSAGE_LENGTH = 4n;

/**
 * The (domain, account)-dependent head of the message chain: H(H(H(0, prefix), domain), account).
 * Cached per pair; the bot signs for one or two accounts, the cap only guards misuse.
 */
const messageHeadCache = new Map<string, bigint>();
const MESSAGE_HEAD_CACHE_LIMIT = 256;

function messageHead(domainHash: bigint, account: bigint): bigint {
  const key = `${domainHash.toString(16)}:${account.toString(16)}`;
  const cached = messageHeadCache.get(key);
  if (cached !== undefined) return cached;
  messagePrefixSeed ??= pedersen(0n, STARKNET_MESSAGE);
  const head = pedersen(pedersen(messagePrefixSeed, domainHash), account);
  if (messageHeadCache.size >= MESSAGE_HEAD_CACHE_LIMIT) messageHeadCache.clear();
  messageHeadCache.set(key, head);
  return head;
}

/** Rev 0 message hash from a domain struct hash, the signer's account and the message struct hash. */
export function messageHash(domainHash: bigint, account: bigint, structHash: bigint): bigint {
  return pedersen(pedersen(messageHead(domainHash, account), structHash), MESSAGE_LENGTH);
}
