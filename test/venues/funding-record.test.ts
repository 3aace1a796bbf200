/**
 * FUNDING records (recording format version 2): each funding answer round-trips to the bit with its wire row; a
 * record holding only the wire row (converted from another client) decodes with the venue's own decoder; a bad
 * record is a failed answer, never a zero; the recording polls write a failed answer at once and a good one when
 * the bot reads it (with its source and wire form); a record holding only a WS frame decodes with the live
 * channel decoder (Paradex SBE FundingDataEvent, Vest tickers).
 */
import type { FundingDecoded } from '../../src/venues/funding';
import { decodeFundingRecord, encodeFundingRecord, noteFundingFrame, recordDeliveredFunding, recordingFundingPolls } from '../../src/venues/funding-record';
import { encodeSbeFundingData } from '../../src/sim/paradex-funding-sbe';
import { RecordKind, type FrameRecorder, type RecordKindCode } from '../../src/venues/recording';

const bytes = (text: string) => new TextEncoder().encode(text);
// Field names of docs.paradex.trade "Funding data history" and of the Vest docs' tickers entry (venues.md §2.2).
const PARADEX_ROW = { market: 'BTC-USD-PERP', created_at: 1_733_000_000_000, funding_index: '1234.56789', funding_premium: '0.00002', funding_rate: '0.0008', funding_rate_8h: '0.0008', funding_period_hours: 8 };
const VEST_ENTRY = { symbol: 'BTC-PERP', oneHrFundingRate: '-0.0000125', cumFunding: '-42.125', markPrice: '95000', indexPrice: '95000' };

describe('funding records', () => {
  it('round-trips a snapshot to the bit, with the wire row it came from', () => {
    const answer: FundingDecoded = { ok: true, snapshot: { ratePerHour: 0.1 + 0.2, index: -42.12500000000001, at: 1_733_000_000_123 }, raw: PARADEX_ROW };
    expect(decodeFundingRecord('paradex:BTC-USD-PERP', bytes(encodeFundingRecord(answer)), 5)).toEqual(answer);
  });

  it('keeps a failed poll as a failed answer with its reason', () => {
    const failed: FundingDecoded = { ok: false, reason: 'vest funding: HTTP 503' };
    expect(decodeFundingRecord('vest:BTC-PERP', bytes(encodeFundingRecord(failed)), 5)).toEqual(failed);
  });

  it('decodes a record holding only the wire row with the venue’s decoder (Vest stamped with the receive time)', () => {
    expect(decodeFundingRecord('paradex:BTC-USD-PERP', bytes(JSON.stringify({ ok: true, raw: PARADEX_ROW })), 9)).toEqual({ ok: true, snapshot: { ratePerHour: 0.0001, index: 1234.56789, at: 1_733_000_000_000 } });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes(JSON.stringify({ ok: true, raw: VEST_ENTRY })), 77)).toEqual({ ok: true, snapshot: { ratePerHour: -0.0000125, index: -42.125, at: 77 } });
  });

  it('turns a malformed record into a failed answer that names it, never a zero', () => {
    expect(decodeFundingRecord('vest:BTC-PERP', bytes('{"ok":tru'), 1)).toEqual({ ok: false, reason: 'recorded funding vest:BTC-PERP: not JSON' });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes('{"ok":true,"ratePerHour":1,"index":null,"at":3}'), 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/needs ratePerHour, index and at/) });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes('{"ok":true,"raw":{"symbol":"BTC-PERP","oneHrFundingRate":"0.1"}}'), 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/cumFunding/) });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes('[1]'), 1)).toMatchObject({ ok: false });
    expect(decodeFundingRecord('lighter:BTC', bytes('{"ok":true,"raw":{}}'), 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown venue/) });
  });

  it('records a failed poll at once, and a good answer with its row when the bot reads it (a fallback may discard it)', async () => {
    const written: { kind: RecordKindCode; key: string; text: string }[] = [];
    const recorder: FrameRecorder = { record: (kind, key, payload) => written.push({ kind, key, text: new TextDecoder().decode(payload) }) };
    const answer: FundingDecoded = { ok: true, snapshot: { ratePerHour: 1e-5, index: 3, at: 4 }, raw: VEST_ENTRY };
    const polls = recordingFundingPolls({ vest: () => Promise.resolve(answer), paradex: () => Promise.resolve({ ok: false, reason: 'paradex funding: timeout' }) }, recorder);
    expect(await polls.vest('BTC-PERP')).toBe(answer);
    expect(await polls.paradex('BTC-USD-PERP')).toEqual({ ok: false, reason: 'paradex funding: timeout' });
    expect(written).toEqual([{ kind: RecordKind.FUNDING, key: 'paradex:BTC-USD-PERP', text: '{"ok":false,"reason":"paradex funding: timeout"}' }]);
    recordDeliveredFunding(recorder, 'vest', 'BTC-PERP', answer.snapshot, 'rest');
    expect(written[1]).toEqual({ kind: RecordKind.FUNDING, key: 'vest:BTC-PERP', text: encodeFundingRecord(answer, 'rest') });
    expect(decodeFundingRecord('vest:BTC-PERP', new TextEncoder().encode(written[1]!.text), 9)).toEqual(answer);
  });

  it('keeps the WS frame a figure was read from, and a record holding only that frame decodes with the live channel decoder', () => {
    const written: string[] = [];
    const recorder: FrameRecorder = { record: (_kind, _key, payload) => written.push(new TextDecoder().decode(payload)) };
    // Paradex: an SBE FundingDataEvent (template 5). 0.0008 per 8 h = 1e-4 per hour; ts/createdAt in µs.
    const sbe = encodeSbeFundingData({ market: 'BTC-USD-PERP', seq: 3, ts: 1_733_000_000_500_000, createdAt: 1_733_000_000_000_000, fundingRate: 0.0008, fundingIndex: 1234.56789, fundingPeriodHours: 8 });
    const pdx = { ratePerHour: 0.0001, index: 1234.56789, at: 1_733_000_000_000 };
    noteFundingFrame(pdx, sbe, true);
    recordDeliveredFunding(recorder, 'paradex', 'BTC-USD-PERP', pdx, 'ws');
    const body = JSON.parse(written[0]!) as { source: string; frame: { sbe: string } };
    expect(body.source).toBe('ws');
    expect(Buffer.from(body.frame.sbe, 'base64')).toEqual(Buffer.from(sbe));
    expect(decodeFundingRecord('paradex:BTC-USD-PERP', bytes(JSON.stringify({ ok: true, frame: body.frame })), 1)).toEqual({ ok: true, snapshot: pdx });
    // Vest: the tickers push (no time on the wire: the record's receive time).
    const text = JSON.stringify({ channel: 'tickers', data: [VEST_ENTRY] });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes(JSON.stringify({ ok: true, frame: { text } })), 77)).toEqual({ ok: true, snapshot: { ratePerHour: -0.0000125, index: -42.125, at: 77 } });
    // A frame that carries no funding for the key, or no frame at all, is a failed answer that says so.
    expect(decodeFundingRecord('vest:ETH-PERP', bytes(JSON.stringify({ ok: true, frame: { text } })), 77)).toMatchObject({ ok: false });
    expect(decodeFundingRecord('vest:BTC-PERP', bytes(JSON.stringify({ ok: true, frame: { other: 1 } })), 77)).toMatchObject({ ok: false, reason: expect.stringMatching(/"frame" must be/) });
  });
});
