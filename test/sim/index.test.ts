import { bestEntry, exitSpread, quotesOf } from '../../src/domain/spread';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { TestSocket } from './ws-test-client';

const started: SimVenues[] = [];
const sockets: TestSocket[] = [];

async function start(opts: Parameters<typeof startSimVenues>[0]): Promise<SimVenues> {
  const sim = await startSimVenues(opts);
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function restBook(sim: SimVenues): Promise<unknown> {
  const res = await fetch(`${sim.paradex.rest}/orderbook/BTC-USD-PERP?depth=40`);
  const body = (await res.json()) as Record<string, unknown>;
  return { bids: body.bids, asks: body.asks, seq: body.seq_no };
}

describe('startSimVenues', () => {
  it('serves URLs on loopback in the documented shape', async () => {
    const sim = await start({ updateIntervalMs: 0 });
    expect(sim.paradex.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(sim.paradex.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(sim.vest.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(sim.vest.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws-api\?version=1\.0&xwebsocketserver=restserver0$/);
  });

  it('serves the same books for the same seed and different ones for another', async () => {
    const a = await start({ seed: 9, updateIntervalMs: 0 });
    const b = await start({ seed: 9, updateIntervalMs: 0 });
    const c = await start({ seed: 10, updateIntervalMs: 0 });
    for (const s of [a, b, c]) s.market.step(25);
    expect(await restBook(a)).toEqual(await restBook(b));
    expect(await restBook(a)).not.toEqual(await restBook(c));
    expect(a.market.book('vest', 'BTC-PERP')!.bids).toEqual(b.market.book('vest', 'BTC-PERP')!.bids);
  });

  it('updates the market on its own timer when an update period is set', async () => {
    const sim = await start({ updateIntervalMs: 20 });
    const s = await TestSocket.open(sim.vest.ws);
    sockets.push(s);
    s.send({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'], id: 1 });
    await s.nextJson();
    await s.nextJson();
    await s.nextJson(1000);
    await s.nextJson(1000);
    expect(sim.market.updates).toBeGreaterThanOrEqual(2);
  });

  it('makes the entry spread cross when the basis is forced, and the exit spread when it is reset', async () => {
    const sim = await start({ updateIntervalMs: 0 });
    const quotes = () => quotesOf(sim.market.book('vest', 'BTC-PERP')!, sim.market.book('paradex', 'BTC-USD-PERP')!);
    sim.market.setBasis('BTC', 0.4);
    sim.market.step(20);
    const entry = bestEntry(quotes())!;
    // Vest above Paradex: sell Vest (A), buy Paradex (B).
    expect(entry.direction).toBe('BOverA');
    expect(entry.spread).toBeGreaterThan(0.3);
    sim.market.setBasis('BTC', 0);
    sim.market.step();
    expect(exitSpread('BOverA', quotes())!).toBeGreaterThan(-0.02);
    expect(sim.market.basis('BTC')).toBe(0);
  });

  it('pushes a forced basis to subscribers at once', async () => {
    const sim = await start({ updateIntervalMs: 0 });
    const s = await TestSocket.open(sim.vest.ws);
    sockets.push(s);
    s.send({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'], id: 1 });
    await s.nextJson();
    await s.nextJson();
    sim.market.setBasis('BTC', 1);
    const push = (await s.nextJson()) as { data: { bids: [string, string][] } };
    expect(Number(push.data.bids[0]![0])).toBeGreaterThan(sim.market.mid('BTC') * 1.009);
  });

  it('closes every server and socket, and close() can be called twice', async () => {
    const sim = await startSimVenues({ updateIntervalMs: 10 });
    const p = await TestSocket.open(sim.paradex.ws);
    const v = await TestSocket.open(sim.vest.ws);
    await sim.close();
    await sim.close();
    await Promise.all([p.closed, v.closed]);
    await expect(fetch(`${sim.paradex.rest}/markets`)).rejects.toThrow();
  });

  it('refuses a market it does not simulate', async () => {
    await expect(startSimVenues({ markets: ['DOGE'] })).rejects.toThrow(/DOGE/);
  });
});
