/**
 * SBE MarketSummaryEvent (template 4, `markets_summary.{market}`) against Paradex's published schema
 * `paradex_1_0.xml` (tradeparadex/paradex-py, paradex_py/api/sbe/paradex_1_0.xml @ 23fdc088). Frames here are
 * built from the schema's own field list (`FIELDS`: name, type, sinceVersion, in declared order; SBE lays fixed
 * fields out in that order, each int64 composite 8 bytes), not by the encoder under test. The values are those of
 * paradex-py's `_make_ms_frame` (its `test_ms_event`), with `fundingRatePrecise` 0.000012345678 and `fundingRate`
 * that cut to 8 decimals, 0.00001234, as a version-1 frame carries them.
 */
import { encodeSbeFundingData, encodeSbeMarketSummary } from '../../../src/sim/paradex-funding-sbe';
import { paradexFundingEvent } from '../../../src/sim/paradex-funding';
import { paradexFundingOfSbe } from '../../../src/venues/funding';
import { paradexFundingChannel } from '../../../src/venues/funding-ws';
import { SbeDecodeError, decodeSbe } from '../../../src/venues/paradex/sbe';
import {
  MARKET_SUMMARY_BLOCK_LENGTH,
  MARKET_SUMMARY_BLOCK_LENGTH_V0,
  MARKET_SUMMARY_OFFSET,
  decodeSbeFundingFrame,
  decodeSbeMarketSummary,
  preferredFundingRate,
  type SbeMarketSummary,
} from '../../../src/venues/paradex/sbe-market-summary';

const INT64_MIN = -(2n ** 63n);

/** MarketSummaryEvent's fixed fields as paradex_1_0.xml declares them (every type an int64 mantissa or timestamp). */
const FIELDS: readonly (readonly [name: string, type: string, sinceVersion: number])[] = [
  ['ts', 'Timestamp', 0],
  ['seq', 'int64', 0],
  ['markPrice', 'Price8', 0],
  ['indexPrice', 'Price8', 0],
  ['lastPrice', 'Price8', 0],
  ['volumeUsd24h', 'Value8', 0],
  ['openInterest', 'Qty8', 0],
  ['fundingRate', 'Rate8', 0],
  ['bid', 'Price8NULL', 0],
  ['ask', 'Price8NULL', 0],
  ['totalVolume', 'Value8', 0],
  ['priceChangeRate24h', 'Rate8', 0],
  ['markIv', 'Rate8NULL', 0],
  ['bidIv', 'Rate8NULL', 0],
  ['askIv', 'Rate8NULL', 0],
  ['lastIv', 'Rate8NULL', 0],
  ['delta', 'Rate8NULL', 0],
  ['gamma', 'Rate8NULL', 0],
  ['vega', 'Rate8NULL', 0],
  ['theta', 'Rate8NULL', 0],
  ['rho', 'Rate8NULL', 0],
  ['volga', 'Rate8NULL', 0],
  ['vanna', 'Rate8NULL', 0],
  ['futureFundingRate', 'Rate8NULL', 0],
  ['externalFairPrice', 'Price8NULL', 0],
  ['bidSize', 'Qty8NULL', 0],
  ['askSize', 'Qty8NULL', 0],
  ['forwardRate', 'Rate8NULL', 1],
  ['riskFreeRate', 'Rate8NULL', 1],
  ['fundingRatePrecise', 'Rate12NULL', 1],
];
const offsetOf = (name: string): number => 8 * FIELDS.findIndex(([n]) => n === name);

/** paradex-py's values (mantissas), with a precise funding rate. */
const VALUES: Readonly<Record<string, bigint>> = {
  ts: 1_710_000_000_000_000n,
  seq: 5n,
  markPrice: 4_200_000_000_000n, // 42000
  indexPrice: 4_199_000_000_000n, // 41990
  lastPrice: 4_201_000_000_000n, // 42010
  volumeUsd24h: 4_200_000_000_000_000_000n,
  openInterest: 50_000_000_000n,
  fundingRate: 1_234n, // 0.00001234 (Rate8)
  bid: 4_200_000_000_000n,
  ask: 4_200_100_000_000n, // 42001
  totalVolume: 100_000_000_000_000_000n,
  priceChangeRate24h: -500_000n,
  fundingRatePrecise: 12_345_678n, // 0.000012345678 (Rate12)
};

/** A frame laid out from FIELDS: fields of later versions than `version` are not in the block. */
function handBuilt(opts: { version: number; blockLength?: number; values?: Readonly<Record<string, bigint>>; market?: string }): Uint8Array {
  const values = opts.values ?? VALUES;
  const fields = FIELDS.filter(([, , since]) => since <= opts.version);
  const blockLength = opts.blockLength ?? fields.length * 8;
  const market = Buffer.from(opts.market ?? 'BTC-USD-PERP', 'utf8');
  const out = new Uint8Array(8 + blockLength + 1 + market.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, blockLength, true);
  view.setUint16(2, 4, true); // templateId
  view.setUint16(4, 1, true); // schemaId
  view.setUint16(6, opts.version, true);
  for (const [name, type] of fields) {
    const at = 8 + offsetOf(name);
    if (at + 8 > 8 + blockLength) continue;
    view.setBigInt64(at, values[name] ?? (type.endsWith('NULL') ? INT64_MIN : 0n), true);
  }
  out[8 + blockLength] = market.length;
  out.set(market, 8 + blockLength + 1);
  return out;
}

const EXPECTED_V1: SbeMarketSummary = {
  type: 'marketSummary',
  market: 'BTC-USD-PERP',
  seq: 5,
  ts: 1_710_000_000_000_000,
  version: 1,
  markPrice: 42_000,
  indexPrice: 41_990,
  lastPrice: 42_010,
  fundingRate: 0.00001234,
  fundingRatePrecise: 0.000012345678,
  bid: 42_000,
  ask: 42_001,
};

describe('SBE MarketSummaryEvent (template 4)', () => {
  it('has the block lengths and offsets of the schema’s field list (216 bytes in 1:0, 240 in 1:1)', () => {
    expect(MARKET_SUMMARY_BLOCK_LENGTH_V0).toBe(8 * FIELDS.filter(([, , v]) => v === 0).length);
    expect(MARKET_SUMMARY_BLOCK_LENGTH).toBe(8 * FIELDS.length);
    for (const [name, at] of Object.entries(MARKET_SUMMARY_OFFSET)) expect([name, at]).toEqual([name, offsetOf(name)]);
  });

  it('decodes a version-1 frame laid out from the schema, and prefers fundingRatePrecise (12 decimals) over fundingRate', () => {
    const msg = decodeSbeMarketSummary(handBuilt({ version: 1 }));
    expect(msg).toEqual(EXPECTED_V1);
    // What a funding socket reads: the same; the book decoder leaves template 4 to this module.
    expect(decodeSbeFundingFrame(handBuilt({ version: 1 }))).toEqual(EXPECTED_V1);
    expect(decodeSbe(handBuilt({ version: 1 }))).toEqual({ type: 'unknown', templateId: 4 });
    expect(preferredFundingRate(msg as SbeMarketSummary)).toBe(0.000012345678);
  });

  it('reads a version-0 frame (216-byte block) with fundingRate only, and uses that', () => {
    const msg = decodeSbeMarketSummary(handBuilt({ version: 0 })) as SbeMarketSummary;
    const { fundingRatePrecise: _, ...v0 } = EXPECTED_V1;
    expect(msg).toEqual({ ...v0, version: 0 });
    expect(preferredFundingRate(msg)).toBe(0.00001234);
  });

  it('falls back to fundingRate when fundingRatePrecise is null, and reads paradex-py’s own test frame (0.01, bid and ask)', () => {
    const { fundingRatePrecise: _, ...rest } = VALUES;
    const nullPrecise = decodeSbeMarketSummary(handBuilt({ version: 1, values: rest })) as SbeMarketSummary;
    expect(nullPrecise.fundingRatePrecise).toBeUndefined();
    expect(preferredFundingRate(nullPrecise)).toBe(0.00001234);
    // paradex-py `_make_ms_frame`: fundingRate 1_000_000 → "0.01000000", every 1:1 field null.
    const py = decodeSbeMarketSummary(handBuilt({ version: 1, values: { ...rest, fundingRate: 1_000_000n } })) as SbeMarketSummary;
    expect(py).toMatchObject({ markPrice: 42_000, indexPrice: 41_990, bid: 42_000, ask: 42_001, fundingRate: 0.01 });
    expect(preferredFundingRate(py)).toBe(0.01);
  });

  it('reads only inside the block the frame declares: a version-1 header on a 216-byte block has no precise rate; a longer block is skipped to the market', () => {
    const short = decodeSbeMarketSummary(handBuilt({ version: 1, blockLength: 216 })) as SbeMarketSummary;
    expect(short.fundingRatePrecise).toBeUndefined();
    expect(short.market).toBe('BTC-USD-PERP');
    // A newer version appending 16 bytes: the known fields decode, the market follows the declared block.
    const longer = decodeSbeMarketSummary(handBuilt({ version: 2, blockLength: 256, market: 'ETH-USD-PERP' })) as SbeMarketSummary;
    expect(longer).toEqual({ ...EXPECTED_V1, version: 2, market: 'ETH-USD-PERP' });
  });

  it('refuses a truncated frame, a block shorter than 1:0’s, a null mark price and a negative bid', () => {
    const whole = handBuilt({ version: 1 });
    expect(() => decodeSbeMarketSummary(whole.subarray(0, 8 + 200))).toThrow(SbeDecodeError);
    expect(() => decodeSbeFundingFrame(whole.subarray(0, whole.length - 3))).toThrow(SbeDecodeError);
    expect(() => decodeSbeMarketSummary(handBuilt({ version: 0, blockLength: 208 }))).toThrow(/market summary block 208 < 216/);
    expect(() => decodeSbeMarketSummary(handBuilt({ version: 1, values: { ...VALUES, markPrice: INT64_MIN } }))).toThrow(/markPrice is null/);
    expect(() => decodeSbeMarketSummary(handBuilt({ version: 1, values: { ...VALUES, bid: -1n } }))).toThrow(/bid out of range/);
  });

  it('the sim’s encoder writes the same bytes as the schema layout for the same values', () => {
    const values = { ...VALUES, volumeUsd24h: 0n, openInterest: 0n, totalVolume: 0n, priceChangeRate24h: 0n };
    const encoded = encodeSbeMarketSummary({ market: 'BTC-USD-PERP', seq: 5, ts: 1_710_000_000_000_000, markPrice: 42_000, indexPrice: 41_990, lastPrice: 42_010, fundingRate: 0.000012345678, bid: 42_000, ask: 42_001 });
    expect(Buffer.from(encoded)).toEqual(Buffer.from(handBuilt({ version: 1, values })));
    const v0 = encodeSbeMarketSummary({ market: 'BTC-USD-PERP', seq: 5, ts: 1_710_000_000_000_000, markPrice: 42_000, indexPrice: 41_990, lastPrice: 42_010, fundingRate: 0.000012345678, bid: 42_000, ask: 42_001, blockLength: 216, version: 0 });
    expect(Buffer.from(v0)).toEqual(Buffer.from(handBuilt({ version: 0, values })));
  });
});

describe('Paradex funding over WS with markets_summary', () => {
  const market = 'BTC-USD-PERP';
  const period = 8;
  // A per-period rate with more than 8 significant decimals: FundingDataEvent's Rate8 cuts it.
  const state = { ratePerHour: 0.000001543210987 / period, index: 1234.56789, premiumPerHour: 0 };
  const fundingFrame = (createdAtUs: number) => encodeSbeFundingData({ ...paradexFundingEvent(market, state as never), seq: 1, ts: createdAtUs, createdAt: createdAtUs });
  const summaryFrame = (tsUs: number, preciseNull = false) =>
    encodeSbeMarketSummary({ market, seq: 1, ts: tsUs, markPrice: 95_000, indexPrice: 95_000, lastPrice: 95_000, fundingRate: state.ratePerHour * period, bid: 94_999, ask: 95_001, preciseNull });
  const T = 1_733_000_000_000_000;

  it('takes the rate from the latest summary’s fundingRatePrecise and the index from funding_data', () => {
    const channel = paradexFundingChannel(market, true);
    expect(channel.subscribe().map((s) => (JSON.parse(s) as { params: { channel: string } }).params.channel)).toEqual([`funding_data.${market}`, `markets_summary.${market}`]);
    expect(channel.read(summaryFrame(T), true, 0)).toEqual({ kind: 'ignored' });
    const r = channel.read(fundingFrame(T + 500_000), true, 0);
    if (r.kind !== 'snapshot') throw new Error(r.kind);
    expect(r.snapshot.index).toBe(1234.56789);
    // 12 decimals per period: within 1e-12/8 per hour of the model's rate; the FundingDataEvent's 8 are not.
    expect(Math.abs(r.snapshot.ratePerHour - state.ratePerHour)).toBeLessThan(1e-12 / period);
    const alone = paradexFundingOfSbe(decodeSbe(fundingFrame(T + 500_000)) as never, market);
    expect(alone.ok && Math.abs(alone.snapshot.ratePerHour - state.ratePerHour)).toBeGreaterThan(1e-12);
    expect(r.rateFrame).toBeDefined();
  });

  it('uses funding_data’s own rate without a summary, with a null precise rate (its 8-decimal rate), or a summary older than a minute', () => {
    const alone = (d: ReturnType<typeof paradexFundingOfSbe>) => (d.ok ? d.snapshot.ratePerHour : NaN);
    const own = alone(paradexFundingOfSbe(decodeSbe(fundingFrame(T)) as never, market));
    const none = paradexFundingChannel(market, true).read(fundingFrame(T), true, 0);
    expect(none.kind === 'snapshot' && none.snapshot.ratePerHour).toBe(own);
    const stale = paradexFundingChannel(market, true);
    stale.read(summaryFrame(T - 61_000_000), true, 0);
    const s = stale.read(fundingFrame(T), true, 0);
    expect(s.kind === 'snapshot' && s.snapshot.ratePerHour).toBe(own);
    const nullPrecise = paradexFundingChannel(market, true);
    nullPrecise.read(summaryFrame(T, true), true, 0);
    const n = nullPrecise.read(fundingFrame(T), true, 0);
    // The summary's own fundingRate is Rate8 too: the same 8 decimals as funding_data's.
    expect(n.kind === 'snapshot' && n.snapshot.ratePerHour).toBeCloseTo(own, 15);
  });

  it('drops a summary for another market as malformed', () => {
    const channel = paradexFundingChannel(market, true);
    const other = encodeSbeMarketSummary({ market: 'ETH-USD-PERP', seq: 1, ts: T, markPrice: 1, indexPrice: 1, lastPrice: 1, fundingRate: 0.001, bid: 1, ask: 2 });
    expect(channel.read(other, true, 0)).toMatchObject({ kind: 'malformed' });
  });
});
