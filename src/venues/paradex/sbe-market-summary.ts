/**
 * Paradex SBE MarketSummaryEvent (template 4, channel `markets_summary.{market}`), schema 1 (venues.md §6), read
 * for its funding rate. Pure: no I/O, no clock. Its own module beside sbe.ts (whose `decodeSbe` leaves template 4
 * as `unknown`): `decodeSbeMarketSummary` reads a template-4 frame; `decodeSbeFundingFrame` reads what a funding
 * socket receives (this template, else `decodeSbe`).
 *
 * Layout, Paradex's published schema `paradex_1_0.xml` (tradeparadex/paradex-py, paradex_py/api/sbe, @ 23fdc088),
 * fixed fields in declared order, each an int64 (mantissa × 1e-8 unless said): 0 ts µs · 8 seq · 16 markPrice ·
 * 24 indexPrice · 32 lastPrice (Price8) · 40 volumeUsd24h Value8 · 48 openInterest Qty8 · 56 fundingRate Rate8 ·
 * 64 bid · 72 ask (Price8NULL) · 80 totalVolume · 88 priceChangeRate24h · 96..183 eleven options fields (markIv,
 * bidIv, askIv, lastIv, delta, gamma, vega, theta, rho, volga, vanna: Rate8NULL) · 184 futureFundingRate ·
 * 192 externalFairPrice · 200 bidSize · 208 askSize = 216 bytes in 1:0; `sinceVersion="1"` appends
 * 216 forwardRate · 224 riskFreeRate (Rate8NULL) · 232 fundingRatePrecise (Rate12NULL: mantissa × 1e-12) = 240;
 * then `market` varString8. Nulls are INT64_MIN. The schema: "Version 1 clients should prefer this field and fall
 * back to field 13 [fundingRate] only when this one is null" (`preferredFundingRate`). Fields are read only inside
 * the block the frame declares (a newer version's appended bytes are skipped), and `fundingRatePrecise` only when
 * the header's version is 1 or later.
 */
import { SBE_HEADER_LENGTH, SBE_SCHEMA_ID, SbeDecodeError, TEMPLATE, decodeSbe, mantissaToNumber, type SbeMessage } from './sbe';

/** MarketSummaryEvent root block of schema 1:0 (up to askSize). */
export const MARKET_SUMMARY_BLOCK_LENGTH_V0 = 216;
/** MarketSummaryEvent root block of schema 1:1 (forwardRate, riskFreeRate, fundingRatePrecise appended). */
export const MARKET_SUMMARY_BLOCK_LENGTH = 240;
/** Offsets in the root block (paradex_1_0.xml, declared order). */
export const MARKET_SUMMARY_OFFSET = { markPrice: 16, indexPrice: 24, lastPrice: 32, fundingRate: 56, bid: 64, ask: 72, fundingRatePrecise: 232 } as const;

/** A MarketSummaryEvent: the fields the bot reads. Rates are per funding period, as fractions. */
export interface SbeMarketSummary {
  type: 'marketSummary';
  market: string;
  seq: number;
  /** Feed publish time, µs since epoch. */
  ts: number;
  /** The header's schema version. */
  version: number;
  markPrice: number;
  indexPrice: number;
  lastPrice: number;
  /** `funding_rate` cut to 8 decimals (Rate8): every version carries it. */
  fundingRate: number;
  /** `funding_rate` at 12 decimals (Rate12NULL): version 1 and later, absent in a 216-byte block or when null. */
  fundingRatePrecise?: number;
  bid?: number;
  ask?: number;
}

/** The funding rate to use: `fundingRatePrecise` when the frame carries it, else the 8-decimal `fundingRate`. */
export const preferredFundingRate = (m: SbeMarketSummary): number => m.fundingRatePrecise ?? m.fundingRate;

const INT64_MIN = -(2n ** 63n);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Exact decimal value of mantissa × 1e-12 as the nearest double (one division below 2^53, else via the decimal string). */
function mantissa12ToNumber(m: bigint): number {
  if (m <= MAX_SAFE && m >= -MAX_SAFE) return Number(m) / 1e12;
  const neg = m < 0n;
  const a = neg ? -m : m;
  return Number(`${neg ? '-' : ''}${a / 1_000_000_000_000n}.${(a % 1_000_000_000_000n).toString().padStart(12, '0')}`);
}

/** Decodes one template-4 frame. Throws SbeDecodeError on a truncated or inconsistent frame. */
export function decodeSbeMarketSummary(frame: Uint8Array): SbeMarketSummary {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const need = (end: number, what: string): void => {
    if (end > frame.byteLength) throw new SbeDecodeError(`truncated frame: ${what} needs ${end} bytes, frame has ${frame.byteLength}`);
  };
  need(SBE_HEADER_LENGTH, 'message header');
  const blockLength = view.getUint16(0, true);
  const templateId = view.getUint16(2, true);
  const schemaId = view.getUint16(4, true);
  const version = view.getUint16(6, true);
  if (schemaId !== SBE_SCHEMA_ID) throw new SbeDecodeError(`unexpected schema id ${schemaId}`);
  if (templateId !== TEMPLATE.marketSummary) throw new SbeDecodeError(`template ${templateId} is not a MarketSummaryEvent`);
  if (blockLength < MARKET_SUMMARY_BLOCK_LENGTH_V0) throw new SbeDecodeError(`market summary block ${blockLength} < ${MARKET_SUMMARY_BLOCK_LENGTH_V0}`);
  const b = SBE_HEADER_LENGTH;
  need(b + blockLength, 'market summary block');
  const i64 = (at: number): bigint => view.getBigInt64(b + at, true);
  const count = (at: number, what: string): number => {
    const v = i64(at);
    if (v < 0n || v > MAX_SAFE) throw new SbeDecodeError(`${what} out of range: ${v}`);
    return Number(v);
  };
  /** A price: undefined for null; negative (or zero unless allowed) is an error. */
  const price = (at: number, what: string, allowZero: boolean): number | undefined => {
    const m = i64(at);
    if (m === INT64_MIN) return undefined;
    if (m < 0n || (!allowZero && m === 0n)) throw new SbeDecodeError(`${what} out of range: ${m}`);
    return mantissaToNumber(m);
  };
  const required = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new SbeDecodeError(`${what} is null`);
    return v;
  };
  const o = MARKET_SUMMARY_OFFSET;
  const rate = i64(o.fundingRate);
  const precise = version >= 1 && blockLength >= MARKET_SUMMARY_BLOCK_LENGTH ? i64(o.fundingRatePrecise) : INT64_MIN;
  const msg: SbeMarketSummary = {
    type: 'marketSummary',
    market: '',
    seq: count(8, 'seq'),
    ts: count(0, 'ts'),
    version,
    markPrice: required(price(o.markPrice, 'markPrice', false), 'markPrice'),
    // A market with no trade yet may state 0 for its last (and index) price.
    indexPrice: required(price(o.indexPrice, 'indexPrice', true), 'indexPrice'),
    lastPrice: required(price(o.lastPrice, 'lastPrice', true), 'lastPrice'),
    fundingRate: required(rate === INT64_MIN ? undefined : mantissaToNumber(rate), 'fundingRate'),
  };
  if (precise !== INT64_MIN) msg.fundingRatePrecise = mantissa12ToNumber(precise);
  const bid = price(o.bid, 'bid', false);
  const ask = price(o.ask, 'ask', false);
  if (bid !== undefined) msg.bid = bid;
  if (ask !== undefined) msg.ask = ask;
  msg.market = readMarket(frame, b + blockLength);
  return msg;
}

/** The varString8 `market` at `at`. */
function readMarket(frame: Uint8Array, at: number): string {
  const n = frame[at];
  if (n === undefined || at + 1 + n > frame.byteLength) throw new SbeDecodeError(`truncated frame: market name at ${at}, frame has ${frame.byteLength}`);
  if (n === 0) throw new SbeDecodeError('empty market name');
  try {
    return utf8.decode(frame.subarray(at + 1, at + 1 + n));
  } catch {
    throw new SbeDecodeError('market name is not valid UTF-8');
  }
}

/** A funding socket's binary frame: a MarketSummaryEvent, or whatever `decodeSbe` reads (FundingDataEvent, heartbeat, unknown). */
export function decodeSbeFundingFrame(frame: Uint8Array): SbeMessage | SbeMarketSummary {
  if (frame.byteLength >= SBE_HEADER_LENGTH && new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint16(2, true) === TEMPLATE.marketSummary) return decodeSbeMarketSummary(frame);
  return decodeSbe(frame);
}
