/**
 * SBE FundingDataEvent (template 5) against Paradex's published schema `paradex_1_0.xml`
 * (tradeparadex/paradex-py, paradex_py/api/sbe/paradex_1_0.xml @ 23fdc088). The first two frames are
 * written out byte by byte from the schema's field list (the values of the first are those of
 * paradex-py's own `test_funding_data_event`); the encoder under test is not used to build them.
 */
import fc from 'fast-check';
import { Ladder } from '../../../src/domain/order-book';
import { encodeSbeFundingData, type SbeFundingDataInput } from '../../../src/sim/paradex-funding-sbe';
import { paradexFundingOfSbe } from '../../../src/venues/funding';
import {
  FUNDING_DATA_BLOCK_LENGTH,
  FUNDING_DATA_BLOCK_LENGTH_V0,
  SbeDecodeError,
  TEMPLATE,
  decodeSbe,
  decodeSbeBookInto,
  type SbeFundingData,
} from '../../../src/venues/paradex/sbe';

const hex = (...parts: string[]): Uint8Array => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));

/** Schema 1:1 frame: block 66, version 1, impactPremiumRate null. */
const V1_FRAME = hex(
  '4200 0500 0100 0100', //          header: blockLength 66, templateId 5, schemaId 1, version 1
  '00e090663c130600', //             0 ts                 1710000000000000 µs
  '0300000000000000', //             8 seq                3
  '40420f0000000000', //            16 fundingRate        1000000 → 0.01
  '001082e3d1030000', //            24 fundingIndex       4200000000000 → 42000
  '40c292663c130600', //            32 createdAt          1710000000123456 µs
  '20a1070000000000', //            40 fundingPremium     500000 → 0.005
  '00350c0000000000', //            48 fundingRate8h      800000 → 0.008
  '0800', //                        56 fundingPeriodHours 8
  '0000000000000080', //            58 impactPremiumRate  null (INT64_MIN)
  '0c', '4254432d5553442d50455250', // market varString8 "BTC-USD-PERP"
);

/** Schema 1:0 frame: block 58, version 0, a negative rate and index, a null premium, a 1-hour period. */
const V0_FRAME = hex(
  '3a00 0500 0100 0000', //          header: blockLength 58, templateId 5, schemaId 1, version 0
  '00e090663c130600', //             0 ts                 1710000000000000 µs
  '0300000000000000', //             8 seq                3
  'c7cfffffffffffff', //            16 fundingRate        -12345 → -0.00012345
  '802e0ff7ffffffff', //            24 fundingIndex       -150000000 → -1.5
  '00e090663c130600', //            32 createdAt          1710000000000000 µs
  '0000000000000080', //            40 fundingPremium     null
  'a861000000000000', //            48 fundingRate8h      25000 → 0.00025
  '0100', //                        56 fundingPeriodHours 1
  '0c', '4254432d5553442d50455250', // market
);

const V1_DECODED: SbeFundingData = {
  type: 'fundingData',
  market: 'BTC-USD-PERP',
  seq: 3,
  ts: 1_710_000_000_000_000,
  createdAt: 1_710_000_000_123_456,
  version: 1,
  fundingRate: 0.01,
  fundingIndex: 42_000,
  fundingPremium: 0.005,
  fundingRate8h: 0.008,
  fundingPeriodHours: 8,
};

function withInt64(frame: Uint8Array, at: number, value: bigint): Uint8Array {
  const copy = frame.slice();
  new DataView(copy.buffer).setBigInt64(at, value, true);
  return copy;
}

function withInt16(frame: Uint8Array, at: number, value: number): Uint8Array {
  const copy = frame.slice();
  new DataView(copy.buffer).setInt16(at, value, true);
  return copy;
}

const INT64_MIN = -(2n ** 63n);
const HDR = 8;

describe('Paradex SBE FundingDataEvent (template 5)', () => {
  it('decodes a schema 1:1 frame written from the published layout', () => {
    expect(V1_FRAME.byteLength).toBe(HDR + FUNDING_DATA_BLOCK_LENGTH + 1 + 12);
    expect(decodeSbe(V1_FRAME)).toEqual(V1_DECODED);
  });

  it('decodes a schema 1:0 frame (58-byte block, no impactPremiumRate) with negative values and a null premium', () => {
    expect(V0_FRAME.byteLength).toBe(HDR + FUNDING_DATA_BLOCK_LENGTH_V0 + 1 + 12);
    expect(decodeSbe(V0_FRAME)).toEqual({
      type: 'fundingData',
      market: 'BTC-USD-PERP',
      seq: 3,
      ts: 1_710_000_000_000_000,
      createdAt: 1_710_000_000_000_000,
      version: 0,
      fundingRate: -0.00012345,
      fundingIndex: -1.5,
      fundingRate8h: 0.00025,
      fundingPeriodHours: 1,
    });
  });

  it('reads impactPremiumRate when a 1:1 block carries it', () => {
    const frame = withInt64(V1_FRAME, HDR + 58, -3_000n);
    expect(decodeSbe(frame)).toEqual({ ...V1_DECODED, impactPremiumRate: -0.00003 });
  });

  it('decodes a newer version with a longer block by the block length the frame declares', () => {
    const extra = 16;
    const longer = new Uint8Array(V1_FRAME.byteLength + extra);
    longer.set(V1_FRAME.subarray(0, HDR + FUNDING_DATA_BLOCK_LENGTH), 0);
    longer.fill(0xab, HDR + FUNDING_DATA_BLOCK_LENGTH, HDR + FUNDING_DATA_BLOCK_LENGTH + extra); // unknown appended fields
    longer.set(V1_FRAME.subarray(HDR + FUNDING_DATA_BLOCK_LENGTH), HDR + FUNDING_DATA_BLOCK_LENGTH + extra);
    const view = new DataView(longer.buffer);
    view.setUint16(0, FUNDING_DATA_BLOCK_LENGTH + extra, true);
    view.setUint16(6, 7, true);
    expect(decodeSbe(longer)).toEqual({ ...V1_DECODED, version: 7 });
  });

  it('throws SbeDecodeError on every truncation of a frame', () => {
    for (const frame of [V1_FRAME, V0_FRAME]) {
      for (let n = 0; n < frame.byteLength; n++) expect(() => decodeSbe(frame.subarray(0, n))).toThrow(SbeDecodeError);
    }
  });

  it('refuses a block shorter than schema 1:0, null required fields, an unusable period and bad counters', () => {
    const short = V1_FRAME.slice();
    new DataView(short.buffer).setUint16(0, FUNDING_DATA_BLOCK_LENGTH_V0 - 1, true);
    const bad: [Uint8Array, RegExp][] = [
      [short, /block 57 < 58/],
      [withInt64(V1_FRAME, HDR + 16, INT64_MIN), /fundingRate is null/],
      [withInt64(V1_FRAME, HDR + 24, INT64_MIN), /fundingIndex is null/],
      [withInt16(V1_FRAME, HDR + 56, 0), /fundingPeriodHours out of range: 0/],
      [withInt16(V1_FRAME, HDR + 56, -32768), /fundingPeriodHours out of range/],
      [withInt64(V1_FRAME, HDR, -1n), /ts out of range/],
      [withInt64(V1_FRAME, HDR + 8, -5n), /seq out of range/],
      [withInt64(V1_FRAME, HDR + 32, -1n), /createdAt out of range/],
    ];
    for (const [frame, why] of bad) expect(() => decodeSbe(frame)).toThrow(why);
    const noMarket = V1_FRAME.slice(0, HDR + FUNDING_DATA_BLOCK_LENGTH + 1);
    noMarket[HDR + FUNDING_DATA_BLOCK_LENGTH] = 0;
    expect(() => decodeSbe(noMarket)).toThrow(/empty market/);
    const badUtf8 = V1_FRAME.slice();
    badUtf8[HDR + FUNDING_DATA_BLOCK_LENGTH + 1] = 0xff;
    expect(() => decodeSbe(badUtf8)).toThrow(/UTF-8/);
  });

  it('a null premium or 8h rate is absent, not zero', () => {
    const frame = withInt64(withInt64(V1_FRAME, HDR + 40, INT64_MIN), HDR + 48, INT64_MIN);
    const msg = decodeSbe(frame) as SbeFundingData;
    expect(msg.fundingPremium).toBeUndefined();
    expect(msg.fundingRate8h).toBeUndefined();
    expect('fundingPremium' in msg).toBe(false);
  });

  it('leaves the next template (6, FundingRateComparisonEvent) to the unknown-template path', () => {
    const frame = V1_FRAME.slice();
    new DataView(frame.buffer).setUint16(2, 6, true);
    expect(decodeSbe(frame)).toEqual({ type: 'unknown', templateId: 6 });
  });

  it('passes through the book hot path as a non-book frame without touching the book', () => {
    const ladder = new Ladder();
    ladder.set('bid', 100, 1);
    expect(decodeSbeBookInto(V1_FRAME, ladder)).toBeNull();
    expect(ladder.bidCount).toBe(1);
    expect(() => decodeSbeBookInto(V1_FRAME.subarray(0, 40), ladder)).toThrow(SbeDecodeError);
  });

  it('the simulator encoder writes exactly the hand-written bytes', () => {
    const input: SbeFundingDataInput = {
      market: 'BTC-USD-PERP',
      seq: 3,
      ts: 1_710_000_000_000_000,
      createdAt: 1_710_000_000_123_456,
      fundingRate: 0.01,
      fundingIndex: 42_000,
      fundingPremium: 0.005,
      fundingRate8h: 0.008,
      fundingPeriodHours: 8,
    };
    expect(Buffer.from(encodeSbeFundingData(input)).toString('hex')).toBe(Buffer.from(V1_FRAME).toString('hex'));
    const v0: SbeFundingDataInput = { ...input, createdAt: 1_710_000_000_000_000, fundingRate: -0.00012345, fundingIndex: -1.5, fundingRate8h: 0.00025, fundingPeriodHours: 1, blockLength: 58, version: 0 };
    const { fundingPremium: _omit, ...v0NoPremium } = v0;
    expect(Buffer.from(encodeSbeFundingData(v0NoPremium)).toString('hex')).toBe(Buffer.from(V0_FRAME).toString('hex'));
  });

  it('round-trips any encodable event (8-decimal rates, signed index, optional fields, longer blocks)', () => {
    const eightDp = (max: number) => fc.integer({ min: -max, max }).map((m) => m / 1e8);
    fc.assert(
      fc.property(
        fc.record({
          market: fc.stringMatching(/^[A-Z]{1,10}-USD-PERP$/),
          seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          createdAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fundingRate: eightDp(10_000_000),
          fundingIndex: eightDp(1e15), // |index| < 1e7 USD: the encoder scales a double by 1e8, exact below that
          fundingPremium: fc.option(eightDp(10_000_000), { nil: undefined }),
          fundingRate8h: fc.option(eightDp(10_000_000), { nil: undefined }),
          fundingPeriodHours: fc.integer({ min: 1, max: 24 }),
          impactPremiumRate: fc.option(eightDp(10_000_000), { nil: undefined }),
          blockLength: fc.constantFrom(58, 66, 74, 200),
        }),
        (input) => {
          const msg = decodeSbe(encodeSbeFundingData(input)) as SbeFundingData;
          expect(msg.type).toBe('fundingData');
          expect(msg).toMatchObject({ market: input.market, seq: input.seq, ts: input.ts, createdAt: input.createdAt, fundingPeriodHours: input.fundingPeriodHours });
          expect(msg.fundingRate).toBe(input.fundingRate === 0 ? 0 : input.fundingRate);
          expect(msg.fundingIndex).toBe(input.fundingIndex === 0 ? 0 : input.fundingIndex);
          expect(msg.fundingPremium).toBe(input.fundingPremium);
          expect(msg.fundingRate8h).toBe(input.fundingRate8h);
          expect(msg.impactPremiumRate).toBe(input.blockLength >= 66 ? input.impactPremiumRate : undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but SbeDecodeError on arbitrary bytes after a funding header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 0xffff }), (body, blockLength) => {
        const frame = new Uint8Array(HDR + body.length);
        const v = new DataView(frame.buffer);
        v.setUint16(0, blockLength, true);
        v.setUint16(2, TEMPLATE.fundingData, true);
        v.setUint16(4, 1, true);
        frame.set(body, HDR);
        try {
          decodeSbe(frame);
        } catch (e) {
          expect(e).toBeInstanceOf(SbeDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('paradexFundingOfSbe', () => {
  it('normalises the period rate to a fraction per hour, index in USD per unit, time in ms', () => {
    expect(paradexFundingOfSbe(V1_DECODED, 'BTC-USD-PERP')).toEqual({ ok: true, snapshot: { ratePerHour: 0.01 / 8, index: 42_000, at: 1_710_000_000_123 } });
    const v0 = decodeSbe(V0_FRAME) as SbeFundingData;
    expect(paradexFundingOfSbe(v0, 'BTC-USD-PERP')).toEqual({ ok: true, snapshot: { ratePerHour: -0.00012345, index: -1.5, at: 1_710_000_000_000 } });
  });

  it('refuses an event of another market', () => {
    expect(paradexFundingOfSbe(V1_DECODED, 'ETH-USD-PERP')).toEqual({ ok: false, reason: expect.stringMatching(/BTC-USD-PERP, expected ETH-USD-PERP/) });
  });
});
