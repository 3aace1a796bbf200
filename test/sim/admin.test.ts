import { startSimVenues, type SimVenues } from '../../src/sim';
import { startSimAdmin, type SimAdmin, type SimOrderArrival } from '../../src/sim/admin';
import type { FaultState } from '../../src/sim/faults';
import { newParadexAccount } from '../../src/venues/paradex/signing';
import { createParadexVenue, type ParadexVenue } from '../../src/venues/paradex/venue';

let sim: SimVenues | undefined;
let admin: SimAdmin | undefined;
let venue: ParadexVenue | undefined;

afterEach(async () => {
  await venue?.close();
  await admin?.close();
  sim?.faults.trading.paradex.releaseAll();
  await sim?.close();
  venue = undefined;
  admin = undefined;
  sim = undefined;
});

async function setup(): Promise<{ sim: SimVenues; admin: SimAdmin }> {
  sim = await startSimVenues({ updateIntervalMs: 0 });
  admin = await startSimAdmin(sim, ['BTC']);
  return { sim, admin };
}

async function knob(a: SimAdmin, name: string, ...args: unknown[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${a.url}/knob`, { method: 'POST', body: JSON.stringify({ knob: name, args }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function buyNow(s: SimVenues) {
  const ask = s.market.book('paradex', 'BTC-USD-PERP')!.asks[0]!.price;
  return { clientId: `c-${Math.random().toString(36).slice(2)}`, symbol: 'BTC-USD-PERP', side: 'BUY' as const, type: 'MARKET' as const, size: 0.01, price: ask * 1.01, timeInForce: 'IOC' as const, reduceOnly: false };
}

describe('the simulated venues control surface', () => {
  it('listens on loopback only', async () => {
    const { admin } = await setup();
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin$/);
  });

  it('turns a trading knob by name, and refuses unknown knobs and bad arguments with the reason', async () => {
    const { sim, admin } = await setup();
    expect(await knob(admin, 'trading.paradex.rejectNextOrders', 1, 'ORDER_RATE_LIMIT')).toEqual({ status: 200, body: { ok: true } });
    venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: newParadexAccount(), onboard: true, keepWarmMs: 0 });
    await expect(venue.placeOrder(buyNow(sim))).resolves.toMatchObject({ ok: false, code: 'ORDER_RATE_LIMIT' });

    expect((await knob(admin, 'trading.paradex.explode')).body.error).toMatch(/unknown knob "trading.paradex.explode"; known: .*feed.dropConnections/);
    expect(await knob(admin, 'feed.delayFrames', 'binance', 5)).toEqual({ status: 400, body: { error: 'feed.delayFrames: argument 1 (venue) must be "paradex" or "vest"' } });
    expect((await knob(admin, 'trading.vest.partialFillNext', 2)).body.error).toMatch(/fill fraction must be in \[0, 1\]/);
  });

  it('moves the market: holds a basis until released', async () => {
    const { admin } = await setup();
    await knob(admin, 'market.setBasis', 'BTC', 0.4);
    const market = (await (await fetch(`${admin.url}/market`)).json()) as Record<string, { basisPct: number; mid: number }>;
    expect(market.BTC?.basisPct).toBeCloseTo(0.4, 9);
    expect(market.BTC?.mid).toBeGreaterThan(0);
  });

  it('reports each order as it reaches a venue, waiting for the next one when asked', async () => {
    const { sim, admin } = await setup();
    venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: newParadexAccount(), onboard: true, keepWarmMs: 0 });
    await venue.market('BTC-USD-PERP');
    await venue.positions();
    const waiting = fetch(`${admin.url}/orders?after=0&waitMs=10000`).then((r) => r.json() as Promise<{ arrivals: SimOrderArrival[]; last: number }>);
    await knob(admin, 'trading.paradex.delaySettlement', 300);
    const placed = venue.placeOrder(buyNow(sim));
    const seen = await waiting;
    expect(seen.arrivals).toEqual([{ seq: 1, venue: 'paradex', reduceOnly: false, at: expect.any(Number) }]);
    expect(seen.last).toBe(1);
    // It arrived; the engine has not settled it yet: that is the moment a harness can kill the client.
    await expect(venue.positions()).resolves.toEqual([]);
    await expect(placed).resolves.toMatchObject({ ok: true, status: 'FILLED' });
    const none = (await (await fetch(`${admin.url}/orders?after=1&waitMs=50`)).json()) as { arrivals: unknown[] };
    expect(none.arrivals).toEqual([]);
  });

  it('takes a venue\'s trading API down from the next order: 503 to everything, nothing executed, until it is back', async () => {
    const { sim, admin } = await setup();
    venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: newParadexAccount(), onboard: true, keepWarmMs: 0 });
    await venue.market('BTC-USD-PERP');
    expect(await knob(admin, 'trading.paradex.outage', 1_500, true)).toEqual({ status: 200, body: { ok: true } });
    // Armed: the API still answers until an order arrives.
    await expect(venue.positions()).resolves.toEqual([]);
    const order = buyNow(sim);
    const sentAt = Date.now();
    // A 503 to an order POST: the client cannot know whether it executed.
    await expect(venue.placeOrder(order)).resolves.toMatchObject({ ok: false, unknown: true, clientId: order.clientId });
    // While down, a look-up is a transport failure, never "the venue does not know it" (which would read as not executed).
    await expect(venue.orderByClientId(order.symbol, order.clientId)).rejects.toThrow(/503/);
    await expect(venue.positions()).rejects.toThrow(/503/);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + 1_600 - Date.now())));
    // Back: the refused order never reached the exchange.
    await expect(venue.orderByClientId(order.symbol, order.clientId)).resolves.toBeUndefined();
    await expect(venue.positions()).resolves.toEqual([]);
    await expect(venue.placeOrder(buyNow(sim))).resolves.toMatchObject({ ok: true, status: 'FILLED' });
    expect((await knob(admin, 'trading.vest.outage', -1)).body.error).toMatch(/outage must be a number of ms >= 0/);
    expect((await knob(admin, 'trading.vest.outage', 100, 'yes')).body.error).toMatch(/argument 2 \(atNextOrder\) must be true or false/);
  });

  it('an outage started now, and cleared by reset', async () => {
    const { sim, admin } = await setup();
    venue = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: newParadexAccount(), onboard: true, keepWarmMs: 0 });
    await venue.market('BTC-USD-PERP');
    await knob(admin, 'trading.paradex.outage', 60_000);
    await expect(venue.positions()).rejects.toThrow(/503/);
    expect((await fetch(`${admin.url}/reset`, { method: 'POST' })).status).toBe(200);
    await expect(venue.positions()).resolves.toEqual([]);
  });

  it('resets every fault knob at once', async () => {
    const { sim, admin } = await setup();
    await knob(admin, 'trading.vest.delaySettlement', 500);
    await knob(admin, 'feed.pauseFeed', 'vest');
    expect((await fetch(`${admin.url}/reset`, { method: 'POST' })).status).toBe(200);
    expect((sim.faults as unknown as FaultState).isPaused('vest')).toBe(false);
    expect(sim.faults.trading.vest.settlementDelay(0)).toBe(0);
  });
});
