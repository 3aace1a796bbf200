/**
 * The shell's funding source against the simulated venues over loopback (port 0): each pair's two
 * venues' funding, read at the hosts the mode's books come from, combined as A = dex_a, B = dex_b.
 */
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
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
