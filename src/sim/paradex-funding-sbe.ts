/**
 * The simulated Paradex's SBE FundingDataEvent (template 5, `funding_data.{market}`) and MarketSummaryEvent
 * (template 4, `markets_summary.{market}`), sent by SBE sessions. Pure: values in, one frame out. Layouts from
 * Paradex's schema `paradex_1_0.xml` (see the decoder in src/venues/paradex/sbe.ts): 8-byte header; a FundingData
 * block of 58 bytes in 1:0, 66 in 1:1 (impactPremiumRate appended); a MarketSummary block of 216 bytes in 1:0,
 * 240 in 1:1 (forwardRate, riskFreeRate, fundingRatePrecise appended); then the market as varString8.
 */
import { FUNDING_DATA_BLOCK_LENGTH, FUNDING_DATA_BLOCK_LENGTH_V0, SBE_HEADER_LENGTH, SBE_SCHEMA_ID, SBE_SCHEMA_VERSION, TEMPLATE } from '../venues/paradex/sbe';
import { MARKET_SUMMARY_BLOCK_LENGTH, MARKET_SUMMARY_BLOCK_LENGTH_V0, MARKET_SUMMARY_OFFSET } from '../venues/paradex/sbe-market-summary';

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

export interface SbeMarketSummaryInput {
  readonly market: string;
  readonly seq: number;
  /** Publish time, µs since epoch. */
  readonly ts: number;
  readonly markPrice: number;
  readonly indexPrice: number;
  readonly lastPrice: number;
  /** Per funding period, fraction: written as Rate8 (cut to 8 decimals) and, from 1:1, as Rate12 `fundingRatePrecise`. */
  readonly fundingRate: number;
  readonly bid?: number;
  readonly ask?: number;
  /** Root block to declare: 216 (1:0), 240 (1:1, default) or longer (a newer version's appended fields, zero-filled). */
  readonly blockLength?: number;
  /** Header version; default the version the bot negotiates. */
  readonly version?: number;
  /** Send `fundingRatePrecise` as null (a 1:1 block without it). */
  readonly preciseNull?: boolean;
}

/** int64 mantissa × 1e-12, rounded to the nearest. */
function mantissa12(value: number, what: string): bigint {
  const m = Math.round(value * 1e12);
  if (!Number.isFinite(value) || !Number.isSafeInteger(m)) throw new RangeError(`${what} not encodable: ${value}`);
  return BigInt(m);
}

/**
 * Encodes a MarketSummaryEvent. Fields the sim has no figure for (volumes, open interest, the options fields, sizes,
 * forward and risk-free rates) go out as 0 where the schema requires a value and null where it allows one, as a
 * perpetual's summary does. Throws RangeError on values the schema cannot carry.
 */
export function encodeSbeMarketSummary(msg: SbeMarketSummaryInput): Uint8Array {
  const blockLength = msg.blockLength ?? MARKET_SUMMARY_BLOCK_LENGTH;
  if (blockLength < MARKET_SUMMARY_BLOCK_LENGTH_V0 || blockLength > 0xffff) throw new RangeError(`market summary blockLength ${blockLength}`);
  const name = utf8.encode(msg.market);
  if (name.length === 0 || name.length > 255) throw new RangeError(`market name must be 1..255 bytes: ${JSON.stringify(msg.market)}`);
  const out = new Uint8Array(SBE_HEADER_LENGTH + blockLength + 1 + name.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, blockLength, true);
  view.setUint16(2, TEMPLATE.marketSummary, true);
  view.setUint16(4, SBE_SCHEMA_ID, true);
  view.setUint16(6, msg.version ?? SBE_SCHEMA_VERSION, true);
  const b = SBE_HEADER_LENGTH;
  const o = MARKET_SUMMARY_OFFSET;
  view.setBigInt64(b, micros(msg.ts, 'ts'), true);
  view.setBigInt64(b + 8, micros(msg.seq, 'seq'), true);
  view.setBigInt64(b + o.markPrice, mantissa(msg.markPrice, 'markPrice'), true);
  view.setBigInt64(b + o.indexPrice, mantissa(msg.indexPrice, 'indexPrice'), true);
  view.setBigInt64(b + o.lastPrice, mantissa(msg.lastPrice, 'lastPrice'), true);
  // 40 volumeUsd24h, 48 openInterest: 0 (the sim keeps no volume).
  // Rate8 is the 12-decimal rate cut (toward zero) to 8 decimals, as the schema describes fundingRate.
  view.setBigInt64(b + o.fundingRate, mantissa12(msg.fundingRate, 'fundingRate') / 10_000n, true);
  view.setBigInt64(b + o.bid, mantissa(msg.bid, 'bid'), true);
  view.setBigInt64(b + o.ask, mantissa(msg.ask, 'ask'), true);
  // 80 totalVolume, 88 priceChangeRate24h: 0; 96..208 the options fields, externalFairPrice and sizes: null.
  for (let at = 96; at < MARKET_SUMMARY_BLOCK_LENGTH_V0; at += 8) view.setBigInt64(b + at, INT64_MIN, true);
  if (blockLength >= MARKET_SUMMARY_BLOCK_LENGTH) {
    view.setBigInt64(b + 216, INT64_MIN, true); // forwardRate: options only
    view.setBigInt64(b + 224, INT64_MIN, true); // riskFreeRate: options only
    view.setBigInt64(b + o.fundingRatePrecise, msg.preciseNull ? INT64_MIN : mantissa12(msg.fundingRate, 'fundingRatePrecise'), true);
  }
  out[b + blockLength] = name.length;
  out.set(name, b + blockLength + 1);
  return out;
}
