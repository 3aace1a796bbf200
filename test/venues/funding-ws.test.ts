/**
 * Funding over the venues' WebSockets against the simulated venues (port 0): Paradex SBE
 * FundingDataEvents and JSON rows, Vest tickers; malformed frames counted and dropped; a refused
 * channel ends the stream with FundingChannelRefused.
 */
import type { Subscription } from 'rxjs';
import type { FundingSnapshot } from '../../src/domain/funding';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { fetchParadexFunding, fetchVestFunding } from '../../src/venues/funding';
import { FundingChannelRefused, newFundingWsStats, paradexFunding$, paradexFundingChannel, vestFunding$, vestFundingChannel } from '../../src/venues/funding-ws';
import { encodeSbeFundingData } from '../../src/sim/paradex-funding-sbe';
import { encodeSbeHeartbeat } from '../../src/venues/paradex/sbe';

let sim: SimVenues;
const subs: Subscription[] = [];

beforeEach(async () => {
  // One funding hour per 100 ms model step, so each step moves the index.
  sim = await startSimVenues({ seed: 11, updateIntervalMs: 0, funding: { timeScale: 36_000 } });
});

afterEach(async () => {
  for (const s of subs.splice(0)) s.unsubscribe();
  await sim.close();
});

interface Collected {
  readonly values: FundingSnapshot[];
  error: unknown;
}

function collect(source: import('rxjs').Observable<FundingSnapshot>): Collected {
  const c: Collected = { values: [], error: undefined };
  subs.push(source.subscribe({ next: (v) => c.values.push(v), error: (e: unknown) => (c.error = e) }));
  return c;
}

async function until(what: string, cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('paradexFunding$', () => {
  it('SBE session: the FundingDataEvent as a per-hour rate and the index, agreeing with REST to 8 decimals, updated on each change', async () => {
    const stats = newFundingWsStats();
    const got = collect(paradexFunding$({ wsUrl: sim.paradex.ws, symbol: 'BTC-USD-PERP', encoding: 'sbe', stats }));
    await until('the first funding event', () => got.values.length >= 1);
    const rest = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
    if (!rest.ok) throw new Error(rest.reason);
    const first = got.values[0]!;
    // SBE carries the 8-hour rate with 8 decimals: per hour that is within 1e-8 / 8.
    expect(Math.abs(first.ratePerHour - rest.snapshot.ratePerHour)).toBeLessThanOrEqual(1e-8 / 8);
    expect(first.index).toBeCloseTo(rest.snapshot.index, 8);
    expect(first.at).toBe(rest.snapshot.at);
    sim.market.step(2);
    await until('a second event', () => got.values.length >= 2);
    expect(got.values[1]!.index).not.toBe(first.index);
    expect(stats).toMatchObject({ updates: got.values.length, decodeErrors: 0 });
  });

  it('JSON session: the funding_data row', async () => {
    const got = collect(paradexFunding$({ wsUrl: sim.paradex.ws, symbol: 'BTC-USD-PERP', encoding: 'json' }));
    await until('the first row', () => got.values.length >= 1);
    const rest = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
    if (!rest.ok) throw new Error(rest.reason);
    expect(got.values[0]).toEqual(rest.snapshot);
  });

  it('counts and drops malformed frames and carries on', async () => {
    const stats = newFundingWsStats();
    const got = collect(paradexFunding$({ wsUrl: sim.paradex.ws, symbol: 'BTC-USD-PERP', stats }));
    await until('the first event', () => got.values.length >= 1);
    sim.faults.sendMalformed('paradex', 'truncated');
    sim.market.step();
    await until('the malformed frame', () => stats.decodeErrors >= 1);
    sim.market.step();
    await until('a good event after it', () => got.values.length >= 2);
    expect(got.error).toBeUndefined();
    expect(stats.lastDropReason).toMatch(/truncated/);
  });

  it('a refused channel ends the stream with FundingChannelRefused', async () => {
    sim.faults.refuseChannels('paradex', /^funding_data\./);
    const got = collect(paradexFunding$({ wsUrl: sim.paradex.ws, symbol: 'BTC-USD-PERP' }));
    await until('the refusal', () => got.error !== undefined);
    expect(got.error).toBeInstanceOf(FundingChannelRefused);
    expect((got.error as Error).message).toMatch(/-32600.*invalid channel/);
  });
});

describe('vestFunding$', () => {
  it('the symbol entry of each tickers push: oneHrFundingRate per hour, cumFunding', async () => {
    const stats = newFundingWsStats();
    const got = collect(vestFunding$({ wsUrl: sim.vest.ws, symbol: 'BTC-PERP', stats }));
    await until('the first tickers push', () => got.values.length >= 1);
    const rest = await fetchVestFunding({ restUrl: sim.vest.rest, symbol: 'BTC-PERP', headers: { xrestservermm: 'restserver0' } });
    if (!rest.ok) throw new Error(rest.reason);
    expect(got.values[0]!.ratePerHour).toBe(rest.snapshot.ratePerHour);
    expect(got.values[0]!.index).toBe(rest.snapshot.index);
    sim.market.step();
    await until('the next push', () => got.values.length >= 2);
    expect(got.values[1]!.index).not.toBe(got.values[0]!.index);
    expect(stats.decodeErrors).toBe(0);
  });

  it('a refused tickers channel ends the stream with FundingChannelRefused', async () => {
    sim.faults.refuseChannels('vest', /^tickers$/);
    const got = collect(vestFunding$({ wsUrl: sim.vest.ws, symbol: 'BTC-PERP' }));
    await until('the refusal', () => got.error !== undefined);
    expect(got.error).toBeInstanceOf(FundingChannelRefused);
  });
});

describe('funding channel frames (no socket)', () => {
  const text = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
  const event = { seq: 1, ts: 1_000_000, createdAt: 2_000_000, fundingRate: 0.0008, fundingIndex: 12.5, fundingPeriodHours: 8 };

  it('Paradex: a FundingDataEvent is a snapshot; heartbeats and other templates are skipped; another market or a bad frame is malformed', () => {
    const ch = paradexFundingChannel('BTC-USD-PERP');
    expect(ch.read(encodeSbeFundingData({ ...event, market: 'BTC-USD-PERP' }), true, 0)).toEqual({ kind: 'snapshot', snapshot: { ratePerHour: 0.0001, index: 12.5, at: 2_000 } });
    expect(ch.read(encodeSbeHeartbeat(1, 1), true, 0)).toEqual({ kind: 'ignored' });
    const template6 = encodeSbeFundingData({ ...event, market: 'BTC-USD-PERP' });
    new DataView(template6.buffer).setUint16(2, 6, true);
    expect(ch.read(template6, true, 0)).toEqual({ kind: 'ignored' });
    expect(ch.read(encodeSbeFundingData({ ...event, market: 'ETH-USD-PERP' }), true, 0)).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/ETH-USD-PERP/) });
    expect(ch.read(encodeSbeFundingData({ ...event, market: 'BTC-USD-PERP' }).subarray(0, 30), true, 0)).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/truncated/) });
    expect(ch.read(text({ jsonrpc: '2.0', result: { channel: 'funding_data.BTC-USD-PERP' }, id: 1 }), false, 0)).toEqual({ kind: 'ignored' });
    expect(ch.read(text({ jsonrpc: '2.0', error: { code: -32600, message: 'invalid subscribe request', data: 'invalid channel' }, id: 1 }), false, 0)).toMatchObject({ kind: 'refused' });
    expect(ch.read(new TextEncoder().encode('{nope'), false, 0)).toMatchObject({ kind: 'malformed' });
  });

  it('Vest: the symbol entry of a tickers push, stamped with the receive time; PONG and replies skipped; no entry is malformed', () => {
    const ch = vestFundingChannel('BTC-PERP');
    const push = { channel: 'tickers', data: [{ symbol: 'BTC-PERP', oneHrFundingRate: '0.00001', cumFunding: '-3.5' }] };
    expect(ch.read(text(push), false, 42)).toEqual({ kind: 'snapshot', snapshot: { ratePerHour: 0.00001, index: -3.5, at: 42 } });
    expect(ch.read(text({ data: 'PONG' }), false, 0)).toEqual({ kind: 'ignored' });
    expect(ch.read(text({ result: null, id: 1 }), false, 0)).toEqual({ kind: 'ignored' });
    expect(ch.read(text({ channel: 'tickers', data: [] }), false, 0)).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/no entry for BTC-PERP/) });
    expect(ch.read(text({ error: { code: 400, msg: 'invalid channel' }, id: 1 }), false, 0)).toMatchObject({ kind: 'refused' });
    expect(ch.keepAlive?.frame()).toMatch(/"PING"/);
  });
});
