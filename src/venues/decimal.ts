/**
 * Exact decimal strings for the wire edge. Prices and sizes are numbers in the domain; here they
 * become the byte-exact strings a venue signs and parses. All rounding is done on the number's
 * shortest round-trip decimal form with bigint arithmetic, never on binary floats, so 0.1 + 0.2
 * formats as '0.30' and 1.005 rounds to '1.01' the way a reader of the number expects.
 */

export type RoundingMode = 'down' | 'up' | 'nearest';

/** A decimal value `units × 10^-scale`, exact. */
interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

const MAX_DECIMALS = 100;

/** The shortest decimal that round-trips to `value` (what `String(value)` prints), exactly. */
function exactDecimal(value: number): ScaledDecimal {
  if (!Number.isFinite(value)) throw new RangeError(`expected a finite number, got ${value}`);
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw new RangeError(`cannot read ${text} as a decimal`);
  const [, sign = '', intPart = '0', fracPart = '', expPart = '0'] = match;
  const exponent = Number(expPart);
  let units = BigInt(intPart + fracPart);
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer in [0, ${MAX_DECIMALS}], got ${decimals}`);
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/**
 * `units / stepUnits` rounded to an integer count of steps. A remainder within a few float ulps of
 * the value counts as zero, so float noise (0.30000000000000004, 0.29999999999999998) never moves
 * a 'down' or 'up' result by a whole step.
 */
function roundToSteps(units: bigint, stepUnits: bigint, mode: RoundingMode): bigint {
  const floor = floorDiv(units, stepUnits);
  const rem = units - floor * stepUnits; // 0 <= rem < stepUnits
  if (rem === 0n) return floor;
  const magnitude = units < 0n ? -units : units;
  const noise = magnitude >> 49n; // ~8 ulps of a double with this magnitude
  if (rem <= noise) return floor;
  if (stepUnits - rem <= noise) return floor + 1n;
  switch (mode) {
    case 'down':
      return floor;
    case 'up':
      return floor + 1n;
    case 'nearest': {
      // Ties go away from zero, as people round prices by hand.
      const twice = rem * 2n;
      if (twice > stepUnits) return floor + 1n;
      if (twice < stepUnits) return floor;
      return units < 0n ? floor : floor + 1n;
    }
  }
}

/** Renders `units × 10^-scale` with exactly `scale` decimals and no exponent. */
function renderScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const body = scale === 0 ? intPart : `${intPart}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${body}` : body;
}

/**
 * Formats `value` with exactly `decimals` decimals: no exponent, no float noise.
 * 'down' rounds toward -infinity, 'up' toward +infinity, 'nearest' to the closest (ties away from 0).
 * (0.1 + 0.2, 2) -> '0.30'; (95000.123456, 2, 'down') -> '95000.12'; (1e-7, 8) -> '0.00000010'.
 */
export function formatDecimal(value: number, decimals: number, mode: RoundingMode = 'nearest'): string {
  checkDecimals(decimals);
  const exact = exactDecimal(value);
  let units: bigint;
  if (exact.scale <= decimals) {
    units = exact.units * pow10(decimals - exact.scale);
  } else {
    units = roundToSteps(exact.units, pow10(exact.scale - decimals), mode);
  }
  return renderScaled(units, decimals);
}

/** Number of decimals a step needs on the wire: 0.00001 -> 5, 0.1 -> 1, 0.25 -> 2, 1 -> 0, 10 -> 0. */
export function decimalsOf(step: number): number {
  if (!Number.isFinite(step) || step <= 0) throw new RangeError(`step must be a positive finite number, got ${step}`);
  let { units, scale } = exactDecimal(step);
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return scale;
}

/**
 * Rounds `value` to a multiple of `step` in decimal, so roundToStep(0.1 + 0.2, 0.1, 'up') is 0.3 and
 * roundToStep(0.3, 0.1, 'down') is 0.3 (not 0.2). The result is the double nearest the exact multiple.
 */
export function roundToStep(value: number, step: number, mode: RoundingMode): number {
  if (!Number.isFinite(step) || step <= 0) throw new RangeError(`step must be a positive finite number, got ${step}`);
  const stepExact = exactDecimal(step);
  const exact = exactDecimal(value);
  const scale = Math.max(exact.scale, stepExact.scale);
  const units = exact.units * pow10(scale - exact.scale);
  const stepUnits = stepExact.units * pow10(scale - stepExact.scale);
  const steps = roundToSteps(units, stepUnits, mode);
  // steps × step as an exact decimal string, then parsed: the double nearest the exact multiple.
  const rendered = renderScaled(steps * stepExact.units, stepExact.scale);
  const result = Number(rendered);
  return result === 0 ? 0 : result; // never -0
}

const DECIMAL_STRING = /^(-?)(\d*)(?:\.(\d*))?$/;

/**
 * A decimal string scaled to an integer count of 10^-scaleDecimals, rounded DOWN (toward zero, like
 * Python's Decimal ROUND_DOWN that paradex-py uses): ('1.23', 8) -> 123000000n, ('0.000000019', 8) -> 1n.
 */
export function toQuantums(decimal: string, scaleDecimals: number): bigint {
  checkDecimals(scaleDecimals);
  const match = DECIMAL_STRING.exec(decimal.trim());
  const intPart = match?.[2] ?? '';
  const fracPart = match?.[3] ?? '';
  if (!match || intPart.length + fracPart.length === 0) {
    throw new RangeError(`not a plain decimal string: '${decimal}'`);
  }
  const kept = fracPart.slice(0, scaleDecimals).padEnd(scaleDecimals, '0');
  const magnitude = BigInt((intPart || '0') + kept);
  return match[1] === '-' ? -magnitude : magnitude;
}

// ---- float-domain step helpers: sizes and prices the executor and the paper venue compute in numbers.
// They stay binary floats (the domain's numbers) but absorb float noise; the exact-decimal functions
// above are for the wire.

/** Floor `value` to a multiple of `step`, float-safe for decimal steps such as 0.0001. */
export function floorToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  const units = Math.floor(value / step + 1e-9);
  return roundDecimals(units * step, decimalsOfStep(step));
}

/** True when `value` is a whole multiple of `step` (within float noise). */
export function isMultipleOf(value: number, step: number): boolean {
  if (!(step > 0)) return true;
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

export function decimalsOfStep(step: number): number {
  for (let d = 0; d <= 12; d++) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  }
  return 12;
}

export function roundDecimals(value: number, decimals: number): number {
  return Number(value.toFixed(Math.min(decimals, 20)));
}

/** 10^k for the fraction lengths whose power of ten is exact as a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits whose integer value stays exact as a double (< 2^53). */
const EXACT_DIGITS = 15;

/**
 * The value of a wire decimal `s` (`^\d+(\.\d+)?$`, as both venues write prices and sizes), else -1;
 * equal to Number(s).
 * One char-code scan both checks and converts: up to 15 digits, the digits form an exact integer m
 * and m / 10^k (both exact) is one correctly rounded division, i.e. the nearest double, which is
 * what Number(s) returns. Longer strings are checked here and converted by Number.
 */
export function decimalValue(s: string): number {
  return decimalValueIn(s, 0, s.length);
}

/** decimalValue of `s.slice(start, end)`, read in place (a decoder scanning a frame's text makes no string per number). */
export function decimalValueIn(s: string, start: number, end: number): number {
  const n = end - start;
  let m = 0;
  let i = start;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
  }
  if (i === start) return -1;
  if (i === end) return n <= EXACT_DIGITS ? m : Number(s.slice(start, end));
  if (s.charCodeAt(i) !== 46 /* '.' */) return -1;
  const fracStart = ++i;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    m = m * 10 + d;
  }
  if (i === fracStart) return -1;
  return n - 1 <= EXACT_DIGITS ? m / POW10[end - fracStart]! : Number(s.slice(start, end));
}
