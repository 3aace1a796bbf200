import { startSimVenues, NO_ORDER_LATENCY, type SimVenues } from '../../src/sim';
import { DEFAULT_ORDER_LATENCY, MAX_TAIL_FACTOR, orderDelaySampler, splitOrderLatency } from '../../src/sim/order-latency';
import { createSimVenueClients, newSimKeys } from '../../src/venues/sim-connect';
import type { Venue } from '../../src/venues/venue';

const draws = (next: () => number, n: number): number[] => Array.from({ length: n }, next);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('orderDelaySampler', () => {
  it('draws the same delays for the same seed and venue, other ones for another seed or venue', () => {
    const a = draws(orderDelaySampler(1, 'vest'), 50);
    expect(draws(orderDelaySampler(1, 'vest'), 50)).toEqual(a);
    expect(draws(orderDelaySampler(2, 'vest'), 50)).not.toEqual(a);
    expect(draws(orderDelaySampler(1, 'paradex'), 50)).not.toEqual(a);
  });

  it('by default: the fixed part plus a tail cut at 5x its mean, medians about 68 ms (Paradex) and 100 ms (Vest)', () => {
    const d = DEFAULT_ORDER_LATENCY;
    const paradex = draws(orderDelaySampler(3, 'paradex'), 4000);
    const vest = draws(orderDelaySampler(3, 'vest'), 4000);
    expect(Math.min(...paradex)).toBe(d.paradexOrderDelayMs);
    expect(Math.max(...paradex)).toBeLessThanOrEqual(d.paradexOrderDelayMs + MAX_TAIL_FACTOR * d.paradexOrderJitterMs);
    expect(Math.min(...vest)).toBe(d.vestOrderDelayMs);
    expect(Math.max(...vest)).toBeLessThanOrEqual(d.vestOrderDelayMs + MAX_TAIL_FACTOR * d.vestOrderJitterMs);
    // Exponential tail: median = fixed + mean × ln 2.
    expect(median(paradex)).toBeGreaterThan(60);
    expect(median(paradex)).toBeLessThan(76);
    expect(median(vest)).toBeGreaterThan(90);
    expect(median(vest)).toBeLessThan(112);
    expect(new Set(vest).size).toBeGreaterThan(100); // jittered, not a constant
  });

  it('gives exactly the fixed part without a tail, and 0 when both are 0', () => {
    expect(new Set(draws(orderDelaySampler(1, 'paradex', { paradexOrderJitterMs: 0, paradexOrderDelayMs: 25 }), 100))).toEqual(new Set([25]));
    expect(new Set(draws(orderDelaySampler(1, 'vest', NO_ORDER_LATENCY), 100))).toEqual(new Set([0]));
  });

  it('splits the latency keys from the market model keys', () => {
    expect(splitOrderLatency({ basisTauSec: 1, vestOrderDelayMs: 5 })).toEqual({ latency: { vestOrderDelayMs: 5 }, rest: { basisTauSec: 1 } });
  });
});

describe('simulated venues: an order is matched against the book of the moment its delay ends', () => {
  let sim: SimVenues | undefined;
  const clients: Venue[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim?.close();
    sim = undefined;
  });

  /**
   * Buys 0.01 BTC on Vest with a frozen market (no timer) while, 10 ms after the order reaches the
   * venue, the basis moves Vest's book up 0.5 %; returns the Vest fill price over the ask the order was decided on, − 1.
   */
  async function vestFillAfterAMove(model: Record<string, number>): Promise<number> {
    sim = await startSimVenues({ seed: 4, updateIntervalMs: 0, model });
    const venues = createSimVenueClients(sim, newSimKeys());
    clients.push(venues.paradex, venues.vest);
    sim.market.setBasis('BTC', 0);
    const decidedAsk = sim.market.book('vest', 'BTC-PERP')!.asks[0]!.price;
    const market = sim.market;
    sim.faults.trading.vest.onOrder(() => {
      setTimeout(() => market.setBasis('BTC', 0.5), 10);
    });
    const outcome = await venues.vest.placeOrder({
      symbol: 'BTC-PERP',
      side: 'BUY',
      type: 'MARKET',
      size: 0.01,
      price: decidedAsk * 1.02,
      timeInForce: 'IOC',
      reduceOnly: false,
      clientId: 'latency-1',
    });
    if (!outcome.ok || outcome.avgPrice === undefined) throw new Error(`order failed: ${JSON.stringify(outcome)}`);
    return outcome.avgPrice / decidedAsk - 1;
  }

  it('by default, a move 10 ms after the order arrived is in its fill (Vest waits at least 60 ms)', async () => {
    expect(await vestFillAfterAMove({})).toBeGreaterThan(0.004);
  });

  it('with the latency keys at 0 the order fills at the book it arrived on', async () => {
    expect(Math.abs(await vestFillAfterAMove({ ...NO_ORDER_LATENCY }))).toBeLessThan(0.0005);
  });
});
