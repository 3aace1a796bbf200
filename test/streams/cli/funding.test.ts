/**
 * The shell's funding source against the simulated venues over loopback (port 0): each pair's two
 * venues' funding, read at the hosts the mode's books come from, combined as A = dex_a, B = dex_b.
 */
import { firstValueFrom, take, timeout, toArray, type Subscription } from 'rxjs';
import type { PairFunding } from '../../../src/domain/funding';
import { startSimVenues, type SimVenues } from '../../../src/sim';
import { newSimKeys } from '../../../src/venues/sim-connect';
import { fetchParadexFunding, fetchVestFunding } from '../../../src/venues/funding';
import type { PairSettings } from '../../../streams/bot';
import { pairFundingSource } from '../../../streams/cli/funding';
import { createVenues, type TradingVenues } from '../../../streams/venues';
import { simAsLive } from '../../support/sim-live';

const OPTIONS = { staleAfterMs: 5_000, paradexEncoding: 'json' as const };
const PAIR: PairSettings = {
  id: 'btc',
  pair: 'BTC-PERP',
  dexA: 'vest',
  dexB: 'paradex',
  spreadEntry: 0.1,
  spreadExit: 0,
  positionSize: 0.01,
  entryConfirmTicks: 1,
  sampleMs: 0,
  cooldownMs: 0,
};

async function twoUpdates(made: TradingVenues) {
  const source = pairFundingSource(made.funding!, 100);
  const got = await firstValueFrom(source.fundingFor(PAIR).pipe(take(2), toArray(), timeout(10_000)));
  return { got, stats: source.stats };
}

describe('pairFundingSource', () => {
  it('sim: both venues funding as PairFunding (A = vest, B = paradex), in the bot unit, polled again and again', async () => {
    const made = await createVenues({ kind: 'sim', seed: 3, markets: ['BTC'] }, OPTIONS);
    try {
      const { got, stats } = await twoUpdates(made);
      const [first, second] = got;
      // The simulator's rates differ between venues (Vest mean −0.25e-5/h, Paradex 1.25e-5/h) and are hourly fractions.
      expect(first!.a.ratePerHour).not.toBe(first!.b.ratePerHour);
      for (const f of got) for (const s of [f.a, f.b]) {
        expect(Math.abs(s.ratePerHour)).toBeLessThan(1e-3);
        expect(Number.isFinite(s.index)).toBe(true);
      }
      // A second update came from a later poll (an index or time moved).
      expect(second!.a.at !== first!.a.at || second!.b.at !== first!.b.at || second!.a.index !== first!.a.index || second!.b.index !== first!.b.index).toBe(true);
      expect(stats.get('BTC-PERP vest')!.polls).toBeGreaterThanOrEqual(1);
      expect(stats.get('BTC-PERP paradex')!.dropped).toBe(0);
    } finally {
      await made.close();
    }
  });

  it('paper: reads funding at the venues the books come from (here the simulated venues as if real)', async () => {
    const live = await simAsLive({ markets: ['BTC'] });
    try {
      const made = await createVenues({ kind: 'paper', endpoints: live.endpoints }, OPTIONS);
      try {
        const { got } = await twoUpdates(made);
        // The same venue, read directly, answers with the same market's funding: same period unit, nearby index.
        const direct = await fetchParadexFunding({ restUrl: live.endpoints.paradex.restUrl, symbol: 'BTC-USD-PERP' });
        const vest = await fetchVestFunding({ restUrl: live.endpoints.vest.restUrl, symbol: 'BTC-PERP', headers: { xrestservermm: 'restserver0' } });
        expect(direct.ok && vest.ok).toBe(true);
        if (direct.ok) expect(got[1]!.b.index).toBeCloseTo(direct.snapshot.index, 0);
        if (vest.ok) expect(got[1]!.a.index).toBeCloseTo(vest.snapshot.index, 0);
      } finally {
        await made.close();
      }
    } finally {
      await live.sim.close();
    }
  });
});

/** Funding over WS first (SBE on Paradex), REST as the fallback, against simulated venues started here. */
describe('pairFundingSource over WS with the REST fallback', () => {
  let sim: SimVenues;
  let made: TradingVenues;
  let sub: Subscription | undefined;

  beforeEach(async () => {
    sim = await startSimVenues({ seed: 4, markets: ['BTC'], updateIntervalMs: 50 });
    const urls = { paradex: { rest: sim.paradex.rest, ws: sim.paradex.ws }, vest: { rest: sim.vest.rest, ws: sim.vest.ws } };
    made = await createVenues({ kind: 'sim-running', urls, keys: newSimKeys() }, { staleAfterMs: 5_000, paradexEncoding: 'sbe' });
  });

  afterEach(async () => {
    sub?.unsubscribe();
    await made.close();
    await sim.close();
  });

  async function until(what: string, cond: () => boolean, timeoutMs = 8_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function follow(silenceMs: number, pollMs: number) {
    const source = pairFundingSource(made.funding!, pollMs, { streams: made.fundingWs!, silenceMs });
    const got: PairFunding[] = [];
    sub = source.fundingFor(PAIR).subscribe((f) => got.push(f));
    return { source, got, paradex: () => source.sources.get('BTC-PERP paradex')!, vest: () => source.sources.get('BTC-PERP vest')! };
  }

  it('funding arrives over the WebSockets (an SBE FundingDataEvent on Paradex, tickers on Vest) and REST is never polled', async () => {
    // A REST period far beyond the test: any figure seen came over a socket.
    const { got, source, paradex, vest } = follow(5_000, 600_000);
    await until('several WS updates of both venues', () => got.length >= 3 && paradex().wsUpdates >= 2 && vest().wsUpdates >= 2);
    expect(paradex()).toMatchObject({ restUpdates: 0, fallbacks: 0, source: 'ws' });
    expect(vest()).toMatchObject({ restUpdates: 0, fallbacks: 0, source: 'ws' });
    expect(source.stats.get('BTC-PERP paradex')!.polls).toBe(0);
    // The WS figures agree with REST (Paradex's REST rate has 8 decimals per 8 h period, the WS one is precise).
    // The simulated rate moves every market step (50 ms) and each move is pushed: the REST answer is the state
    // of one of the pushes around the fetch, not necessarily the last one seen before it (that failed on a
    // 1.4e-6 drift between them), so it is compared with the WS figures received around it.
    const from = got.length;
    const rest = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
    if (!rest.ok) throw new Error(rest.reason);
    const upTo = got.length;
    await until('the pushes that follow the fetch', () => got.length >= upTo + 3);
    const around = got.slice(Math.max(0, from - 3), upTo + 3).map((f) => f.b);
    const nearest = around.reduce((best, f) => (Math.abs(f.ratePerHour - rest.snapshot.ratePerHour) < Math.abs(best.ratePerHour - rest.snapshot.ratePerHour) ? f : best));
    expect(Math.abs(nearest.ratePerHour - rest.snapshot.ratePerHour)).toBeLessThan(1e-8);
    expect(nearest.index).toBeCloseTo(rest.snapshot.index, 2);
  });

  it('falls back to REST at once when Paradex refuses funding_data, while Vest stays on its WS', async () => {
    sim.faults.refuseChannels('paradex', /^funding_data\./);
    const { got, paradex, vest } = follow(5_000, 100);
    await until('Paradex figures over REST', () => got.length >= 2 && paradex().restUpdates >= 2);
    expect(paradex()).toMatchObject({ wsUpdates: 0, fallbacks: 1, source: 'rest' });
    expect(vest().restUpdates).toBe(0);
    expect(vest().wsUpdates).toBeGreaterThanOrEqual(1);
  });

  it('polls REST while the Paradex WS stalls, and returns to the WS when it delivers again', async () => {
    const { paradex, source } = follow(400, 100);
    const polls = () => source.stats.get('BTC-PERP paradex')!.polls;
    await until('Paradex over WS', () => paradex().wsUpdates >= 2);
    expect(paradex().restUpdates).toBe(0);
    expect(polls()).toBe(0);
    sim.faults.pauseFeed('paradex');
    await until('REST taking over the stalled WS', () => paradex().restUpdates >= 2);
    expect(paradex()).toMatchObject({ fallbacks: 1, source: 'rest' });
    const wsBefore = paradex().wsUpdates;
    sim.faults.resumeFeed('paradex');
    await until('the WS again', () => paradex().wsUpdates > wsBefore && paradex().source === 'ws');
    const pollsAfter = polls();
    await new Promise((r) => setTimeout(r, 300)); // three poll periods
    expect(polls()).toBe(pollsAfter); // REST is not polled any more
  });
});
