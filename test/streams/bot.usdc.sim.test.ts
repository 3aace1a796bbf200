/**
 * USDC off par, end to end: the simulated venues price Vest in USDC worth 0.99 USD (`--sim-model
 * '{"usdcUsd":0.99}'`), so Vest's prices are Paradex's USD ones ÷ 0.99 with no basis at all. The bot on the real
 * venue clients sees no spread when its `market.usdc_usd` matches, and a phantom ≈ 1 % one when it assumes par.
 * The executor is a recorder: no order is sent.
 */
import { Subject, type Subscription } from 'rxjs';
import type { TradingEvent } from '../../src/domain/events';
import { configuredUsdcUsd, type SpreadOpportunity } from '../../src/domain/market';
import { startSimVenues, type SimVenues } from '../../src/sim/index';
import { parseSimModel } from '../../src/sim/model-overrides';
import { createParadexVenue } from '../../src/venues/paradex/venue';
import type { Venue } from '../../src/venues/venue';
import { createVestVenue } from '../../src/venues/vest/venue';
import { arbitrageBot } from '../../streams/bot';
import { sleep, waitFor } from '../venues/paradex/feed-test-kit';
import { pairSettings, recordingExecutor } from './pair-rig';

const PAIR = pairSettings({ id: 'btc_vest_paradex', spreadEntry: 0.06, positionSize: 0.001, maxBookAgeMs: 2_000, cooldownMs: 1_000 });

describe('the bot against simulated venues whose USDC is worth 0.99 USD', () => {
  let sim: SimVenues | undefined;
  let venues: Venue[] = [];
  let sub: Subscription | undefined;
  const shutdown$ = new Subject<void>();

  afterEach(async () => {
    shutdown$.next();
    sub?.unsubscribe();
    await Promise.all(venues.map((v) => v.close()));
    venues = [];
    await sim?.close();
  });

  async function run(assumedUsdcUsd: number): Promise<{ entries: SpreadOpportunity[]; samples: Extract<TradingEvent, { type: 'SPREAD_MONITORING' }>[] }> {
    sim = await startSimVenues({ updateIntervalMs: 50, seed: 5, model: parseSimModel('{"usdcUsd":0.99}') });
    sim.market.setBasis('BTC', 0); // no basis, no quote noise: any spread beyond the books' own is the unit's
    const vest = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws });
    const paradex = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws });
    venues = [vest, paradex];
    const entries: SpreadOpportunity[] = [];
    const executor = recordingExecutor(entries);
    const events: TradingEvent[] = [];
    sub = arbitrageBot(
      { venues: { vest, paradex }, executorFor: () => executor, feesFor: () => ({ a: 0.0001, b: 0.00045 }), shutdown$ },
      { mode: 'sim', pairs: [PAIR], closeOnExit: false, spreadSampleMs: 100, logEvery: 40, shutdownGraceMs: 500, usdcUsd: configuredUsdcUsd(assumedUsdcUsd) },
    ).subscribe((e) => events.push(e));
    await waitFor(() => events.some((e) => e.type === 'SPREAD_MONITORING' && e.entryAOverB !== undefined && e.entryBOverA !== undefined), 'both books', 8_000);
    await sleep(1_000);
    const samples = events.filter((e): e is Extract<TradingEvent, { type: 'SPREAD_MONITORING' }> => e.type === 'SPREAD_MONITORING' && e.entryBOverA !== undefined && e.entryAOverB !== undefined);
    return { entries, samples };
  }

  it('sees no spread from the unit when market.usdc_usd matches the venues\' (0.99): both directions stay under the books\' own spread', async () => {
    const { entries, samples } = await run(0.99);
    expect(samples.length).toBeGreaterThan(3);
    for (const s of samples) {
      expect(s.entryAOverB!).toBeLessThan(0);
      expect(s.entryBOverA!).toBeLessThan(0);
      expect(s.entryBOverA!).toBeGreaterThan(-0.05); // half spreads and level VWAP only
    }
    expect(entries).toEqual([]);
  });

  it('shows a phantom ≈ 1 % spread (and enters on it) when the bot assumes par', async () => {
    const { entries, samples } = await run(1);
    expect(samples.length).toBeGreaterThan(3);
    // Vest's USDC prices read as USD are 1/0.99 − 1 ≈ 1.01 % above Paradex's: selling Vest looks profitable.
    for (const s of samples) expect(s.entryBOverA!).toBeGreaterThan(0.9);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0]).toMatchObject({ direction: 'BOverA' });
    expect(entries[0]!.spread).toBeGreaterThan(0.9);
  });
});
