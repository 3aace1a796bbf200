/**
 * The check while held against the simulated venues (port 0), both legs read by the real clients: Paradex from
 * its funding payments and the position's `unrealized_funding_pnl`, Vest from its orders' `settledFunding` and
 * −size × (ticker `cumFunding` − position `entryFunding`). The bot's figure is what FUNDING_ACCRUED carries:
 * index differences from the indexes it read at the open.
 */
import { defer, firstValueFrom, Subject } from 'rxjs';
import { events, type FundingReconciled, type TradingEvent } from '../../src/domain/events';
import { positionFundingUsd, type PairFunding } from '../../src/domain/funding';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { fetchParadexFunding, fetchVestFunding } from '../../src/venues/funding';
import { createSimVenueClients, newSimKeys } from '../../src/venues/sim-connect';
import type { OrderRequest, Venue } from '../../src/venues/venue';
import { fundingReconcileWhileHeld, heldFundingFigure } from '../../streams/funding-reconcile-held';
import type { VenueFundingRequest } from '../../streams/funding-reconcile';

let sim: SimVenues;
let venues: { paradex: Venue; vest: Venue };
const keys = newSimKeys();

beforeEach(async () => {
  // Stepped by hand; one market step (100 ms) is ten funding hours: funding sped up so cents accrue in a step.
  sim = await startSimVenues({ seed: 11, updateIntervalMs: 0, funding: { timeScale: 360_000 } });
  sim.market.setFundingRate('vest', 'BTC', 0.00008); // the long Vest leg pays
  sim.market.setFundingRate('paradex', 'BTC', 0.0001); // the short Paradex leg receives
  venues = createSimVenueClients(sim, keys);
});
afterEach(async () => {
  await venues.paradex.close();
  await venues.vest.close();
  await sim.close();
});

/** Dex A is Vest, dex B Paradex (the pair BTC-PERP). */
async function funding(): Promise<PairFunding> {
  const v = await fetchVestFunding({ restUrl: sim.vest.rest, symbol: 'BTC-PERP', headers: { xrestservermm: 'restserver0' } });
  const p = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
  if (!v.ok || !p.ok) throw new Error('funding not served');
  return { a: v.snapshot, b: p.snapshot };
}

function market(venue: 'paradex' | 'vest', side: 'BUY' | 'SELL', size: number): OrderRequest {
  const symbol = venue === 'paradex' ? 'BTC-USD-PERP' : 'BTC-PERP';
  const book = sim.market.book(venue, symbol)!;
  const price = side === 'BUY' ? book.asks[0]!.price * 1.01 : book.bids[0]!.price * 0.99;
  return { clientId: `${venue}-${side}`, symbol, side, type: 'MARKET', size, price, timeInForce: 'IOC', reduceOnly: false };
}

/** AOverB: long 0.01 on Vest, short 0.01 on Paradex; the indexes the bot read at the fills. */
async function openHedge(): Promise<{ openedAt: number; atEntry: PairFunding }> {
  const openedAt = Date.now();
  await expect(venues.vest.placeOrder(market('vest', 'BUY', 0.01))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
  await expect(venues.paradex.placeOrder(market('paradex', 'SELL', 0.01))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
  return { openedAt, atEntry: await funding() };
}

/** The first check the operator emits after POSITION_OPENED and one FUNDING_ACCRUED with these per-leg figures. */
async function firstHeldCheck(openedAt: number, bot: { longUsd: number; shortUsd: number }): Promise<FundingReconciled> {
  const events$ = new Subject<TradingEvent>();
  const read = (req: VenueFundingRequest) => defer(() => heldFundingFigure(venues[req.venue as 'vest' | 'paradex'], req.venue, req));
  const check = firstValueFrom(events$.pipe(fundingReconcileWhileHeld({ readVenueFunding: read, everyMs: 20, timeoutMs: 5_000 })));
  const legs = { pair: 'BTC-PERP', direction: 'AOverB' as const, size: 0.01, longVenue: 'vest' as const, shortVenue: 'paradex' as const };
  events$.next(events.positionOpened(openedAt, { ...legs, entrySpread: 0.3, restored: false, openedAt }));
  events$.next(events.fundingAccrued(Date.now(), { ...legs, ...bot, totalUsd: bot.longUsd + bot.shortUsd, longRatePerHour: 0.00008, shortRatePerHour: 0.0001, realised: false }));
  const event = await check;
  events$.complete();
  return event as FundingReconciled;
}

describe('the funding check while held, on the simulated venues', () => {
  it('reconciles both legs: the Vest leg from its own entryFunding, cumFunding and settledFunding', async () => {
    const { openedAt, atEntry } = await openHedge();
    sim.market.step(3); // thirty funding hours
    const bot = positionFundingUsd('AOverB', 0.01, { long: atEntry.a.index, short: atEntry.b.index }, await funding());
    expect(bot.longUsd).toBeLessThan(-1); // the long Vest leg paid 0.8 bp × 30 h of ~950 USD notional
    expect(bot.shortUsd).toBeGreaterThan(1);

    const event = await firstHeldCheck(openedAt, bot);
    expect(event).toMatchObject({ type: 'FUNDING_RECONCILED', whileHeld: true, sinceMs: openedAt });
    expect(event.unavailable).toBeUndefined();
    const [long, short] = event.legs!;
    expect(long).toMatchObject({ leg: 'long', venue: 'vest', symbol: 'BTC-PERP', botUsd: bot.longUsd });
    expect(long!.venueUsd).toBeCloseTo(bot.longUsd, 6);
    // Where the Vest figure came from, and the independent figure inside unrealizedPnl that confirms the sign.
    expect(long!.source).toMatch(/^GET \/orders: settledFunding of 1 order \+ position accrued -\d+\.\d+ \(−size × \(cumFunding .+ − entryFunding .+\); unrealizedPnl less price PnL: -\d+\.\d+\)$/);
    const implied = Number(/price PnL: (-?[\d.]+)\)$/.exec(long!.source!)![1]);
    expect(implied).toBeCloseTo(bot.longUsd, 3);
    expect(short).toMatchObject({ leg: 'short', venue: 'paradex', symbol: 'BTC-USD-PERP' });
    expect(short!.venueUsd).toBeCloseTo(bot.shortUsd, 6);
  });

  it('reports a mismatch on the Vest leg when the bot has its sign wrong', async () => {
    const { openedAt, atEntry } = await openHedge();
    sim.market.step(3);
    const bot = positionFundingUsd('AOverB', 0.01, { long: atEntry.a.index, short: atEntry.b.index }, await funding());
    const event = await firstHeldCheck(openedAt, { longUsd: -bot.longUsd, shortUsd: bot.shortUsd });
    expect(event).toMatchObject({ type: 'FUNDING_MISMATCH', whileHeld: true });
    const [long, short] = event.legs!;
    expect(long!.diffUsd).toBeCloseTo(2 * bot.longUsd, 6);
    expect(Math.abs(long!.diffUsd!)).toBeGreaterThan(long!.toleranceUsd);
    expect(Math.abs(short!.diffUsd!)).toBeLessThanOrEqual(short!.toleranceUsd);
  });

  it('reports a mismatch when the venues accrued hours the bot has not counted (a stale index)', async () => {
    const { openedAt, atEntry } = await openHedge();
    sim.market.step(1);
    const stale = positionFundingUsd('AOverB', 0.01, { long: atEntry.a.index, short: atEntry.b.index }, await funding());
    sim.market.step(3);
    const event = await firstHeldCheck(openedAt, stale);
    expect(event).toMatchObject({ type: 'FUNDING_MISMATCH', whileHeld: true });
    expect(event.legs!.map((l) => Math.abs(l.diffUsd!) > l.toleranceUsd)).toEqual([true, true]);
  });
});
