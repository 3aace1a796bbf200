/**
 * The simulated Paradex's SBE FundingDataEvent (template 5), sent on `funding_data.{market}` by SBE
 * sessions. Pure: values in, one frame out. Layout from Paradex's schema `paradex_1_0.xml` (see the
 * decoder in src/venues/paradex/sbe.ts): 8-byte header, a 58-byte block in 1:0, 66 in 1:1
 * (impactPremiumRate appended), then the market as varString8.
 */
import { FUNDING_DATA_BLOCK_LENGTH, FUNDING_DATA_BLOCK_LENGTH_V0, SBE_HEADER_LENGTH, SBE_SCHEMA_ID, SBE_SCHEMA_VERSION, TEMPLATE } from '../venues/paradex/sbe';

const INT64_MIN = -(2n ** 63n);
const utf8 = new TextEncoder();

export interface SbeFundingDataInput {
  readonly market: string;
  readonly seq: number;
  /** Publish time, µs since epoch. */
  readonly ts: number;
  /** When the row was computed, µs since epoch. */
  readonly createdAt: number;
  /** Per funding period, fraction; carried with 8 decimals (Rate8). */
  readonly fundingRate: number;
  /** USD per unit of base. */
  readonly fundingIndex: number;
  /** Null (INT64_MIN) when undefined. */
  readonly fundingPremium?: number;
  readonly fundingRate8h?: number;
  readonly fundingPeriodHours: number;
  /** Schema 1:1 field; null when undefined. Not written in a 58-byte (1:0) block. */
  readonly impactPremiumRate?: number;
  /** Root block to declare: 58 (1:0), 66 (1:1, default) or longer (a newer version's appended fields, zero-filled). */
  readonly blockLength?: number;
  /** Header version; default the version the bot negotiates. */
  readonly version?: number;
}

/** int64 mantissa × 1e-8, rounded to the nearest (the venue's 8 decimals). Throws beyond the int64 range. */
function mantissa(value: number | undefined, what: string): bigint {
  if (value === undefined) return INT64_MIN;
  const m = Math.round(value * 1e8);
  if (!Number.isFinite(value) || !Number.isSafeInteger(m)) throw new RangeError(`${what} not encodable: ${value}`);
  return BigInt(m);
}

function micros(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} not encodable: ${value}`);
  return BigInt(value);
}

/** Encodes a FundingDataEvent. Throws RangeError on values the schema cannot carry. */
export function encodeSbeFundingData(msg: SbeFundingDataInput): Uint8Array {
  const blockLength = msg.blockLength ?? FUNDING_DATA_BLOCK_LENGTH;
  if (blockLength < FUNDING_DATA_BLOCK_LENGTH_V0 || blockLength > 0xffff) throw new RangeError(`funding data blockLength ${blockLength}`);
  if (!Number.isInteger(msg.fundingPeriodHours) || msg.fundingPeriodHours < 1 || msg.fundingPeriodHours > 0x7fff) {
    throw new RangeError(`fundingPeriodHours not encodable: ${msg.fundingPeriodHours}`);
  }
  const name = utf8.encode(msg.market);
  if (name.length === 0 || name.length > 255) throw new RangeError(`market name must be 1..255 bytes: ${JSON.stringify(msg.market)}`);
  const out = new Uint8Array(SBE_HEADER_LENGTH + blockLength + 1 + name.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, blockLength, true);
  view.setUint16(2, TEMPLATE.fundingData, true);
  view.setUint16(4, SBE_SCHEMA_ID, true);
  view.setUint16(6, msg.version ?? SBE_SCHEMA_VERSION, true);
  const b = SBE_HEADER_LENGTH;
  view.setBigInt64(b, micros(msg.ts, 'ts'), true);
  view.setBigInt64(b + 8, micros(msg.seq, 'seq'), true);
  view.setBigInt64(b + 16, mantissa(msg.fundingRate, 'fundingRate'), true);
  view.setBigInt64(b + 24, mantissa(msg.fundingIndex, 'fundingIndex'), true);
  view.setBigInt64(b + 32, micros(msg.createdAt, 'createdAt'), true);
  view.setBigInt64(b + 40, mantissa(msg.fundingPremium, 'fundingPremium'), true);
  view.setBigInt64(b + 48, mantissa(msg.fundingRate8h, 'fundingRate8h'), true);
  view.setInt16(b + 56, msg.fundingPeriodHours, true);
  if (blockLength >= FUNDING_DATA_BLOCK_LENGTH) view.setBigInt64(b + 58, mantissa(msg.impactPremiumRate, 'impactPremiumRate'), true);
  out[b + blockLength] = name.length;
  out.set(name, b + blockLength + 1);
  return out;
}
