/**
 * A MarketSummaryEvent (template 4) captured from Paradex's production WebSocket, decoded as the bot decodes them.
 *
 * Source of the bytes (data, copied unchanged with attribution; no code): the `BTC_100K_CALL_FRAME` constant of a
 * public repository's vitest spec of a Paradex WS adapter, commented "markets_summary.BTC-USD-25DEC26-100000-C frame,
 * schema 1 v1, captured 2026-10-04", whose test reads bid 1813.19 and ask 1896.58 from it. (The code index that
 * found it, stored file id 70413218355, does not name the repository.) It is an option market's summary: the
 * same template and layout as a perp's, with option fields (greeks, IV) the bot does not read.
 *
 * Searched and not found: a captured FundingDataEvent (template 5) frame or official test vectors for either
 * template. paradex-py's SBE tests build their frames with struct.pack from the schema; FueledByChai's
 * fueledbychai-rs holds a captured ETH-USD-PERP MarketSummaryEvent (`fixtures/paradex/md/eth-markets-summary-
 * 2026-09-23.sbe`, mark 2662.8925496, fundingRatePrecise 0.000443605046) only as a binary file this index cannot
 * read.
 */
import { decodeSbeFundingFrame, type SbeMarketSummary } from '../../../src/venues/paradex/sbe-market-summary';

const BTC_100K_CALL_FRAME = Buffer.from(
  'f000040001000100189dbb88075d060000000000000000008c482bd22a00000049f90f27c207000000ee64d02700000000000000000000008040bf65010000000000000000000000c05f74372a000000806a7f282c000000a1e1e6dad24c01006c7f3700000000005378390200000000c30e360200000000c562400200000000000000000000008096165e0100000000e80700000000000048137fdc020000002c6d7448fffffffff16f7fe7ffffffff6d209c0d00000000528cfaffffffffff7c230000000000000000000000000080a086010000000000a08601000000000099664c000000000000000000000000000000000000000080184254432d5553442d323544454332362d3130303030302d43',
  'hex',
);

describe('a captured Paradex markets_summary frame (schema 1, version 1)', () => {
  it('decodes: header, market, version-1 block, prices and the 12-decimal funding rate field', () => {
    // Header: block length 240 (version 1's root block), template 4, schema 1, version 1.
    expect([...BTC_100K_CALL_FRAME.subarray(0, 8)]).toEqual([0xf0, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01, 0x00]);
    // The funding feed's decoder (funding_data and markets_summary frames).
    const msg = decodeSbeFundingFrame(BTC_100K_CALL_FRAME);
    expect(msg.type).toBe('marketSummary');
    const s = msg as SbeMarketSummary;
    expect(s).toMatchObject({ market: 'BTC-USD-25DEC26-100000-C', version: 1, seq: 0 });
    // The capturing test's own figures.
    expect(s.bid).toBeCloseTo(1813.19, 8);
    expect(s.ask).toBeCloseTo(1896.58, 8);
    // Published 2026-10-04 (µs since epoch).
    expect(new Date(s.ts / 1000).toISOString().slice(0, 10)).toBe('2026-10-04');
    expect(s.markPrice).toBeGreaterThan(s.bid!);
    expect(s.markPrice).toBeLessThan(s.ask!);
    // An option has no funding: the 8-decimal rate is 0 and the precise one null (absent).
    expect(s.fundingRate).toBe(0);
    expect(s.fundingRatePrecise).toBeUndefined();
  });
});
