/**
 * The simulated venues serve funding over their own protocols (REST and WS) and accrue it on positions.
 */
import { startSimVenues, type SimVenues } from '../../src/sim';
import { decodeSbe, type SbeFundingData } from '../../src/venues/paradex/sbe';
import { TestSocket } from './ws-test-client';

let sim: SimVenues;
const sockets: TestSocket[] = [];

async function connect(url: string): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  sockets.push(s);
  return s;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { xrestservermm: 'restserver0' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeEach(async () => {
  // One funding hour per model step of 100 ms, so a few steps move the index visibly.
  sim = await startSimVenues({ seed: 5, updateIntervalMs: 0, funding: { timeScale: 36_000 } });
});

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await sim.close();
});

describe('simulated funding over REST', () => {
  it('Paradex GET /v1/funding/data: rate per 8 h period, index growing by rate × price per funding hour', async () => {
    sim.market.setFundingRate('paradex', 'BTC', 0.0001); // 1 bp per hour
    const first = await getJson(`${sim.paradex.rest}/funding/data?market=BTC-USD-PERP`);
    expect(first.status).toBe(200);
    const [row0] = first.body.results as Record<string, unknown>[];
    expect(row0).toMatchObject({ market: 'BTC-USD-PERP', funding_period_hours: 8, funding_rate: '0.000800000000', funding_rate_8h: '0.000800000000' });
    expect(typeof row0!.funding_index).toBe('string');
    expect(typeof row0!.created_at).toBe('number');
    sim.market.step(3);
    const [row1] = (await getJson(`${sim.paradex.rest}/funding/data?market=BTC-USD-PERP`)).body.results as Record<string, unknown>[];
    const grew = Number(row1!.funding_index) - Number(row0!.funding_index);
    const mid = sim.market.mid('BTC');
    // 3 funding hours at 1 bp/h of ~mid USD: ≈ 3 × 0.0001 × mid.
    expect(grew).toBeGreaterThan(0);
    expect(grew / (3 * 0.0001 * mid)).toBeCloseTo(1, 2);
  });

  it('Paradex refuses a missing or unknown market with its error body', async () => {
    expect(await getJson(`${sim.paradex.rest}/funding/data`)).toMatchObject({ status: 400, body: { error: 'VALIDATION_ERROR' } });
    expect(await getJson(`${sim.paradex.rest}/funding/data?market=DOGE-USD-PERP`)).toMatchObject({ status: 404, body: { error: 'MARKET_NOT_FOUND' } });
  });

  it('Vest GET /ticker/latest: oneHrFundingRate per hour and cumFunding, differing from Paradex', async () => {
    sim.market.setFundingRate('vest', 'BTC', -0.00002);
    const { status, body } = await getJson(`${sim.vest.rest}/ticker/latest?symbols=BTC-PERP`);
    expect(status).toBe(200);
    const [t] = body.tickers as Record<string, unknown>[];
    expect(t).toMatchObject({ symbol: 'BTC-PERP', oneHrFundingRate: '-0.000020000000', status: 'TRADING' });
    sim.market.step(2);
    const [t2] = (await getJson(`${sim.vest.rest}/ticker/latest`)).body.tickers as Record<string, unknown>[];
    expect(Number(t2!.cumFunding)).toBeLessThan(Number(t!.cumFunding));
    expect(await getJson(`${sim.vest.rest}/ticker/latest?symbols=NOPE-PERP`)).toMatchObject({ status: 400, body: { code: 1121 } });
  });

  it('Vest GET /funding/history: one row per completed funding hour, whose rates × prices add up to cumFunding\'s growth', async () => {
    const cum = async (): Promise<number> => Number(((await getJson(`${sim.vest.rest}/ticker/latest?symbols=BTC-PERP`)).body.tickers as Record<string, unknown>[])[0]!.cumFunding);
    const before = await cum();
    const mids: number[] = [];
    for (let i = 0; i < 12; i++) {
      sim.market.step(1); // one funding hour per step (timeScale 36,000 at 100 ms)
      mids.push(sim.market.mid('BTC')); // the price that step's accrual used
    }
    const res = await fetch(`${sim.vest.rest}/funding/history?symbol=BTC-PERP&limit=1000`, { headers: { xrestservermm: 'restserver0' } });
    expect(res.status).toBe(200);
    const rows = (await res.json()) as { symbol: string; time: number; oneHrFundingRate: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(11); // the 12th may still be open by a float's width
    expect(rows[0]).toMatchObject({ symbol: 'BTC-PERP', time: expect.any(Number), oneHrFundingRate: expect.stringMatching(/^-?\d+\.\d{12}$/) });
    const rates = rows.map((r) => Number(r.oneHrFundingRate));
    expect(new Set(rates).size).toBeGreaterThan(1); // the rate drifts
    // Σ rate × price × 1 h over the completed hours = the index's growth over them (the last hour's rest aside).
    const summed = rates.reduce((acc, r, i) => acc + r * mids[i]!, 0);
    const open = mids.slice(rates.length).reduce((acc, m) => acc + m, 0);
    expect(Math.abs((await cum()) - before - summed)).toBeLessThanOrEqual(1e-9 + 1e-4 * Math.abs(summed) + open * 1e-3);
    const last = rows.slice(-1)[0]!;
    const only = await fetch(`${sim.vest.rest}/funding/history?symbol=BTC-PERP&startTime=${last.time}&limit=1`, { headers: { xrestservermm: 'restserver0' } });
    expect(((await only.json()) as unknown[]).length).toBe(1);
    expect((await fetch(`${sim.vest.rest}/funding/history?symbol=NOPE-PERP`)).status).toBe(400);
    expect((await fetch(`${sim.vest.rest}/funding/history?symbol=BTC-PERP&limit=0`)).status).toBe(400);
  });
});

describe('simulated funding over WS', () => {
  it('Vest pushes tickers with the funding fields on every round', async () => {
    const s = await connect(sim.vest.ws);
    s.send({ method: 'SUBSCRIBE', params: ['tickers'], id: 1 });
    expect(await s.nextJson()).toEqual({ result: null, id: 1 });
    sim.market.step();
    const frame = await s.nextJson();
    expect(frame.channel).toBe('tickers');
    const [t] = frame.data as Record<string, unknown>[];
    expect(Object.keys(t!)).toEqual(expect.arrayContaining(['symbol', 'oneHrFundingRate', 'cumFunding', 'markPrice', 'indexPrice']));
  });

  it('Paradex pushes funding_data.{market} as JSON on JSON sessions', async () => {
    const s = await connect(sim.paradex.ws);
    s.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'funding_data.BTC-USD-PERP' }, id: 1 });
    expect(await s.nextJson()).toMatchObject({ id: 1, result: { channel: 'funding_data.BTC-USD-PERP' } });
    const push = await s.nextJson();
    expect(push).toMatchObject({ method: 'subscription', params: { channel: 'funding_data.BTC-USD-PERP', data: { market: 'BTC-USD-PERP', funding_period_hours: 8 } } });
  });

  it('Paradex pushes funding_data.{market} as SBE FundingDataEvents on SBE sessions, the REST row to 8 decimals, again when it changes', async () => {
    const sbe = await connect(`${sim.paradex.ws}?sbeSchemaId=1&sbeSchemaVersion=1`);
    sbe.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'funding_data.BTC-USD-PERP' }, id: 2 });
    expect(await sbe.nextJson()).toMatchObject({ id: 2, result: { channel: 'funding_data.BTC-USD-PERP' } });
    const first = decodeSbe(await sbe.nextBinary()) as SbeFundingData;
    const [row] = (await getJson(`${sim.paradex.rest}/funding/data?market=BTC-USD-PERP`)).body.results as Record<string, string | number>[];
    expect(first).toMatchObject({ type: 'fundingData', market: 'BTC-USD-PERP', seq: 1, version: 1, fundingPeriodHours: 8 });
    expect(first.fundingRate).toBeCloseTo(Number(row!.funding_rate), 8);
    expect(first.fundingIndex).toBeCloseTo(Number(row!.funding_index), 8);
    expect(first.fundingRate8h).toBeCloseTo(Number(row!.funding_rate_8h), 8);
    expect(first.createdAt).toBe(Number(row!.created_at) * 1000);
    sim.market.step();
    const second = decodeSbe(await sbe.nextBinary()) as SbeFundingData;
    expect(second.seq).toBe(2);
    expect(second.fundingIndex).not.toBe(first.fundingIndex);
  });

  it('the refuseChannels fault makes either venue refuse a channel with its invalid-channel error', async () => {
    sim.faults.refuseChannels('paradex', /^funding_data\./);
    sim.faults.refuseChannels('vest', /^tickers$/);
    const p = await connect(`${sim.paradex.ws}?sbeSchemaId=1&sbeSchemaVersion=1`);
    p.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'funding_data.BTC-USD-PERP' }, id: 3 });
    expect(await p.nextJson()).toMatchObject({ id: 3, error: { code: -32600, data: 'invalid channel' } });
    const v = await connect(sim.vest.ws);
    v.send({ method: 'SUBSCRIBE', params: ['tickers'], id: 4 });
    expect(await v.nextJson()).toMatchObject({ id: 4, error: expect.anything() });
    sim.faults.refuseChannels('vest', undefined);
    v.send({ method: 'SUBSCRIBE', params: ['tickers'], id: 5 });
    expect(await v.nextJson()).toEqual({ result: null, id: 5 });
  });
});
