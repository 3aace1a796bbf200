import { startSimVenues, type SimVenues } from '../../src/sim';
import {
  decodeParadexFundingFrame,
  decodeParadexFundingRow,
  decodeVestTickers,
  decodeVestTickersFrame,
  fetchParadexFunding,
  fetchVestFunding,
} from '../../src/venues/funding';

// Field names and shapes of docs.paradex.trade "Funding data history" (responses.FundingDataResult).
const ROW = {
  market: 'BTC-USD-PERP',
  created_at: 1_733_000_000_000,
  funding_index: '1234.56789',
  funding_premium: '0.00002',
  funding_rate: '0.0008',
  funding_rate_8h: '0.0008',
  funding_period_hours: 8,
};

describe('Paradex funding codec', () => {
  it('normalises the rate per funding period to a fraction per hour and keeps the index', () => {
    expect(decodeParadexFundingRow(ROW, 'BTC-USD-PERP')).toEqual({ ok: true, snapshot: { ratePerHour: 0.0001, index: 1234.56789, at: 1_733_000_000_000 } });
    const four = decodeParadexFundingRow({ ...ROW, funding_period_hours: 4 }, 'BTC-USD-PERP');
    expect(four.ok && four.snapshot.ratePerHour).toBeCloseTo(0.0002, 15);
  });
  it("reads a row without funding_period_hours with the market's period", () => {
    const { funding_period_hours: _, ...noPeriod } = ROW;
    const r = decodeParadexFundingRow(noPeriod, 'BTC-USD-PERP', 1);
    expect(r.ok && r.snapshot.ratePerHour).toBeCloseTo(0.0008, 15);
  });
  it.each([
    ['a missing index', { ...ROW, funding_index: undefined }, /funding_index/],
    ['a null rate', { ...ROW, funding_rate: null }, /funding_rate/],
    ['a non-decimal rate', { ...ROW, funding_rate: 'abc' }, /not a decimal/],
    ['an empty index', { ...ROW, funding_index: '' }, /funding_index/],
    ['a zero period', { ...ROW, funding_period_hours: 0 }, /funding_period_hours/],
    ['another market', { ...ROW, market: 'ETH-USD-PERP' }, /ETH-USD-PERP/],
  ])('refuses %s with a reason, never a zero', (_name, row, reason) => {
    const r = decodeParadexFundingRow(row, 'BTC-USD-PERP');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
  it('decodes a funding_data push and refuses a malformed one', () => {
    const frame = JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: 'funding_data.BTC-USD-PERP', data: ROW } });
    expect(decodeParadexFundingFrame(frame, 'BTC-USD-PERP')).toMatchObject({ ok: true, snapshot: { ratePerHour: 0.0001 } });
    expect(decodeParadexFundingFrame('{not json', 'BTC-USD-PERP')).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(decodeParadexFundingFrame(frame.replace('funding_data.BTC', 'funding_data.ETH'), 'BTC-USD-PERP')).toMatchObject({
      ok: false,
      reason: 'paradex funding frame: params.channel: expected funding_data.BTC-USD-PERP, got funding_data.ETH-USD-PERP',
    });
  });
});

describe('Vest funding codec', () => {
  // Fields of the Vest docs' tickers message (venues.md §2.2).
  const TICKERS = [
    { symbol: 'ETH-PERP', oneHrFundingRate: '0.00001', cumFunding: '5.5', markPrice: '3500', indexPrice: '3500', imbalance: '0', priceChange: '0', priceChangePercent: '0', status: 'TRADING' },
    { symbol: 'BTC-PERP', oneHrFundingRate: '-0.0000125', cumFunding: '-42.125', markPrice: '95000', indexPrice: '95000', imbalance: '0', priceChange: '0', priceChangePercent: '0', status: 'TRADING' },
  ];
  it('takes the hourly rate as is and cumFunding as the index, stamped with the receive time', () => {
    expect(decodeVestTickers(TICKERS, 'BTC-PERP', 77)).toEqual({ ok: true, snapshot: { ratePerHour: -0.0000125, index: -42.125, at: 77 } });
  });
  it('refuses a missing symbol, a missing field, and a frame on another channel', () => {
    expect(decodeVestTickers(TICKERS, 'SOL-PERP', 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/no entry/) });
    expect(decodeVestTickers([{ symbol: 'BTC-PERP', oneHrFundingRate: '0.1' }], 'BTC-PERP', 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/cumFunding/) });
    expect(decodeVestTickers({}, 'BTC-PERP', 0)).toMatchObject({ ok: false });
    expect(decodeVestTickersFrame(JSON.stringify({ channel: 'BTC-PERP@depth', data: TICKERS }), 'BTC-PERP', 0)).toMatchObject({ ok: false });
    expect(decodeVestTickersFrame(JSON.stringify({ channel: 'tickers', data: TICKERS }), 'BTC-PERP', 0)).toMatchObject({ ok: true });
  });
});

describe('funding over REST from the simulated venues', () => {
  let sim: SimVenues;
  beforeAll(async () => {
    sim = await startSimVenues({ seed: 3, updateIntervalMs: 0 });
  });
  afterAll(() => sim.close());

  it('reads both venues in the per-hour unit', async () => {
    sim.market.setFundingRate('paradex', 'BTC', 0.00003);
    sim.market.setFundingRate('vest', 'BTC', -0.00001);
    sim.market.step();
    const p = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
    const v = await fetchVestFunding({ restUrl: sim.vest.rest, symbol: 'BTC-PERP', headers: { xrestservermm: 'restserver0' }, now: () => 5 });
    expect(p.ok && p.snapshot.ratePerHour).toBeCloseTo(0.00003, 12);
    expect(v).toMatchObject({ ok: true, snapshot: { at: 5 } });
    expect(v.ok && v.snapshot.ratePerHour).toBeCloseTo(-0.00001, 12);
  });

  it('turns an unknown market and an unreachable host into values', async () => {
    expect(await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'NOPE-USD-PERP' })).toMatchObject({ ok: false, reason: expect.stringMatching(/404/) });
    expect(await fetchVestFunding({ restUrl: 'http://127.0.0.1:1/v2', symbol: 'BTC-PERP', timeoutMs: 500 })).toMatchObject({ ok: false });
  });
});
