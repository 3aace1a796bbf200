/**
 * The venues' own funding figures, read by the real clients from the simulated venues (port 0): what each
 * venue reports it settled is exactly what it charged, −signedSize × Δindex of its own index between the
 * fills. Paradex: GET /v1/funding/payments (openapi `responses.FundingPayment`, cursor pages); Vest: each
 * order's settledFunding, and the open position's settledFunding / entryFunding in GET /account.
 */
import { startSimVenues, type SimVenues } from '../../src/sim';
import { fetchParadexFunding, fetchVestFunding } from '../../src/venues/funding';
import { createParadexRest } from '../../src/venues/paradex/rest';
import { createSimVenueClients, newSimKeys } from '../../src/venues/sim-connect';
import type { OrderRequest, Venue } from '../../src/venues/venue';

let sim: SimVenues;
const clients: Venue[] = [];
const keys = newSimKeys();

beforeEach(async () => {
  // Stepped by hand; one market step (100 ms) is ten funding hours, so one step moves the index visibly.
  sim = await startSimVenues({ seed: 3, updateIntervalMs: 0, funding: { timeScale: 360_000 } });
  sim.market.setFundingRate('paradex', 'BTC', 0.0001); // longs pay 1 bp an hour
  sim.market.setFundingRate('vest', 'BTC', -0.00005); // shorts pay 0.5 bp an hour
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim.close();
});

async function indexes(): Promise<{ paradex: number; vest: number }> {
  const p = await fetchParadexFunding({ restUrl: sim.paradex.rest, symbol: 'BTC-USD-PERP' });
  const v = await fetchVestFunding({ restUrl: sim.vest.rest, symbol: 'BTC-PERP', headers: { xrestservermm: 'restserver0' } });
  if (!p.ok || !v.ok) throw new Error('funding not served');
  return { paradex: p.snapshot.index, vest: v.snapshot.index };
}

function market(venue: 'paradex' | 'vest', side: 'BUY' | 'SELL', size: number, reduceOnly = false, clientId = `${venue}-${side}-${size}-${reduceOnly}`): OrderRequest {
  const symbol = venue === 'paradex' ? 'BTC-USD-PERP' : 'BTC-PERP';
  const book = sim.market.book(venue, symbol)!;
  const price = side === 'BUY' ? book.asks[0]!.price * 1.01 : book.bids[0]!.price * 0.99;
  return { clientId, symbol, side, type: 'MARKET', size, price, timeInForce: 'IOC', reduceOnly };
}

describe('funding settled, as the simulated venues report it', () => {
  it('is what each venue charged between the fills: Paradex payments and Vest settledFunding, per leg', async () => {
    const { paradex, vest } = createSimVenueClients(sim, keys);
    clients.push(paradex, vest);
    const t0 = Date.now();
    // Long 0.01 on Vest, short 0.01 on Paradex.
    await expect(vest.placeOrder(market('vest', 'BUY', 0.01))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
    await expect(paradex.placeOrder(market('paradex', 'SELL', 0.01))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
    const atEntry = await indexes();
    sim.market.step(3);
    const atClose = await indexes();
    expect(atClose.paradex).toBeGreaterThan(atEntry.paradex);
    expect(atClose.vest).toBeLessThan(atEntry.vest);

    // Held: Paradex shows it unsettled on the position, Vest has settled nothing yet; neither has paid anything.
    const held = await paradex.positions();
    expect(held[0]!.unrealisedFundingUsd).toBeCloseTo(0.01 * (atClose.paradex - atEntry.paradex), 6);
    await expect(vest.positions()).resolves.toEqual([expect.objectContaining({ symbol: 'BTC-PERP', size: 0.01, settledFundingUsd: 0 })]);
    await expect(paradex.fundingSettledSince!('BTC-USD-PERP', t0)).resolves.toEqual({ settledUsd: 0, source: 'GET /funding/payments: 0 payments' });

    await expect(vest.placeOrder(market('vest', 'SELL', 0.01, true))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
    await expect(paradex.placeOrder(market('paradex', 'BUY', 0.01, true))).resolves.toMatchObject({ ok: true, filledSize: 0.01 });

    // The short Paradex leg received the rising index; the long Vest leg received the falling one.
    const p = await paradex.fundingSettledSince!('BTC-USD-PERP', t0);
    expect(p.source).toBe('GET /funding/payments: 1 payment');
    expect(p.settledUsd).toBeCloseTo(0.01 * (atClose.paradex - atEntry.paradex), 6);
    expect(p.settledUsd).toBeGreaterThan(0.01);
    const v = await vest.fundingSettledSince!('BTC-PERP', t0);
    expect(v.source).toBe('GET /orders: settledFunding of 2 orders');
    expect(v.settledUsd).toBeCloseTo(-0.01 * (atClose.vest - atEntry.vest), 6);
    expect(v.settledUsd).toBeGreaterThan(0.01);
    // Nothing before t0 or after now is counted: a later window is empty.
    await expect(paradex.fundingSettledSince!('BTC-USD-PERP', Date.now() + 60_000)).resolves.toMatchObject({ settledUsd: 0 });
    await expect(vest.fundingSettledSince!('BTC-PERP', Date.now() + 60_000)).resolves.toMatchObject({ settledUsd: 0 });
  });

  it('serves Paradex payments in the openapi shape, newest first, filtered by market and time, in cursor pages', async () => {
    const { paradex } = createSimVenueClients(sim, keys);
    clients.push(paradex);
    await paradex.placeOrder(market('paradex', 'SELL', 0.02, false, 'open'));
    sim.market.step();
    await paradex.placeOrder(market('paradex', 'BUY', 0.01, true, 'half'));
    sim.market.step();
    await paradex.placeOrder(market('paradex', 'BUY', 0.01, true, 'rest'));

    const rest = createParadexRest({ restUrl: sim.paradex.rest });
    const config = await rest.systemConfig();
    if (!config.ok) throw new Error(config.error.message);
    const jwt = await rest.auth(keys.paradex, config.value.chainId, Date.now());
    if (!jwt.ok) throw new Error(jwt.error.message);
    const first = await rest.fundingPayments(jwt.value, { market: 'BTC-USD-PERP', pageSize: 1 });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.payments).toHaveLength(1);
    expect(first.value.next).toEqual(expect.any(String));
    const second = await rest.fundingPayments(jwt.value, { market: 'BTC-USD-PERP', pageSize: 1, cursor: first.value.next! });
    if (!second.ok) throw new Error(second.error.message);
    expect(second.value.next).toBeUndefined();
    const [newest, oldest] = [first.value.payments[0]!, second.value.payments[0]!];
    expect(newest.created_at).toBeGreaterThanOrEqual(oldest.created_at);
    // Each reduction of the short settled what it had accrued (the index rose, so a short received).
    expect(oldest).toMatchObject({ market: 'BTC-USD-PERP', fill_id: expect.any(String), index: expect.any(Number) });
    expect(oldest.payment).toBeGreaterThan(0);
    expect(newest.payment).toBeGreaterThan(0);
    const all = await paradex.fundingSettledSince!('BTC-USD-PERP', 0);
    expect(all.settledUsd).toBeCloseTo(oldest.payment + newest.payment, 9);
    await expect(rest.fundingPayments(jwt.value, { market: 'ETH-USD-PERP' })).resolves.toEqual({ ok: true, value: { payments: [], next: undefined } });
    await expect(rest.fundingPayments(jwt.value, { market: 'BTC-USD-PERP', startAt: newest.created_at + 1 })).resolves.toEqual({ ok: true, value: { payments: [], next: undefined } });
    // Raw: the wire fields of responses.FundingPayment, decimals as strings.
    const raw = (await (await fetch(`${sim.paradex.rest}/funding/payments?market=BTC-USD-PERP`, { headers: { authorization: `Bearer ${jwt.value}` } })).json()) as {
      results: Record<string, unknown>[];
    };
    expect(Object.keys(raw.results[0]!).sort()).toEqual(['account', 'created_at', 'fill_id', 'id', 'index', 'market', 'payment']);
    expect(raw.results[0]!.payment).toMatch(/^-?\d+\.\d+$/);
    const refused = await fetch(`${sim.paradex.rest}/funding/payments?cursor=bogus`, { headers: { authorization: `Bearer ${jwt.value}` } });
    expect(refused.status).toBe(400);
    expect((await fetch(`${sim.paradex.rest}/funding/payments`)).status).toBe(401);
  });
});
