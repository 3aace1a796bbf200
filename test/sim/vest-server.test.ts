import { startSimVenues, type SimVenues } from '../../src/sim';
import { TestSocket } from './ws-test-client';

let sim: SimVenues;
const sockets: TestSocket[] = [];
const HEADERS = { xrestservermm: 'restserver0' };

async function connect(url = sim.vest.ws): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  sockets.push(s);
  return s;
}

interface Depth {
  channel: string;
  data: { bids: [string, string][]; asks: [string, string][] };
}

beforeEach(async () => {
  sim = await startSimVenues({ seed: 2, updateIntervalMs: 0, markets: ['BTC', 'SOL'] });
});

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await sim.close();
});

describe('Vest WS', () => {
  it('answers PING with PONG', async () => {
    const s = await connect();
    s.send({ method: 'PING', params: [], id: 0 });
    expect(await s.nextJson()).toEqual({ data: 'PONG' });
  });

  it('acknowledges SUBSCRIBE and pushes top-20 depth snapshots with fixed-decimal strings', async () => {
    const s = await connect();
    s.send({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'], id: 1 });
    expect(await s.nextJson()).toEqual({ result: null, id: 1 });
    for (let i = 0; i < 3; i++) {
      if (i > 0) sim.market.step();
      const push = (await s.nextJson()) as unknown as Depth;
      expect(push.channel).toBe('BTC-PERP@depth');
      expect(push.data.bids).toHaveLength(20);
      expect(push.data.asks).toHaveLength(20);
      for (const [p, q] of [...push.data.bids, ...push.data.asks]) {
        expect(p).toMatch(/^\d+\.\d{2}$/); // BTC-PERP priceDecimals 2
        expect(q).toMatch(/^\d+\.\d{4}$/); // sizeDecimals 4
      }
      const book = sim.market.book('vest', 'BTC-PERP')!;
      expect(push.data.bids.map(([p, q]) => ({ price: Number(p), size: Number(q) }))).toEqual(book.bids.slice(0, 20));
      expect(push.data.asks.map(([p, q]) => ({ price: Number(p), size: Number(q) }))).toEqual(book.asks.slice(0, 20));
    }
  });

  it('stops pushing a channel after UNSUBSCRIBE', async () => {
    const s = await connect();
    s.send({ method: 'SUBSCRIBE', params: ['SOL-PERP@depth'], id: 1 });
    await s.nextJson();
    await s.nextJson();
    s.send({ method: 'UNSUBSCRIBE', params: ['SOL-PERP@depth'], id: 2 });
    expect(await s.nextJson()).toEqual({ result: null, id: 2 });
    sim.market.step(2);
    expect(await s.drain(80)).toEqual([]);
  });

  it('answers an unknown channel with an error instead of an ack', async () => {
    const s = await connect();
    s.send({ method: 'SUBSCRIBE', params: ['DOGE-PERP@depth'], id: 5 });
    const reply = await s.nextJson();
    expect(reply.id).toBe(5);
    expect(reply.error).toBeDefined();
    expect(reply.result).toBeUndefined();
  });

  it.each([
    ['/ws-api?xwebsocketserver=restserver0', 4000],
    ['/ws-api?version=2.0&xwebsocketserver=restserver0', 4000],
    ['/ws-api?version=1.0', 4001],
    ['/ws-api?version=1.0&xwebsocketserver=mainserver', 4002],
  ])('closes %s with code %i', async (path, code) => {
    const base = sim.vest.ws.slice(0, sim.vest.ws.indexOf('/ws-api'));
    const s = await connect(`${base}${path}`);
    expect((await s.closed).code).toBe(code);
  });
});

describe('Vest REST', () => {
  it('serves depth with the requested limit', async () => {
    const res = await fetch(`${sim.vest.rest}/depth?symbol=BTC-PERP&limit=5`, { headers: HEADERS });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bids: [string, string][]; asks: [string, string][] };
    const book = sim.market.book('vest', 'BTC-PERP')!;
    expect(body.bids.map(([p, q]) => ({ price: Number(p), size: Number(q) }))).toEqual(book.bids.slice(0, 5));
    expect(body.asks).toHaveLength(5);
    const def = (await (await fetch(`${sim.vest.rest}/depth?symbol=BTC-PERP`, { headers: HEADERS })).json()) as { bids: unknown[] };
    expect(def.bids).toHaveLength(20);
  });

  it('serves exchangeInfo with the documented symbol fields', async () => {
    const body = (await (await fetch(`${sim.vest.rest}/exchangeInfo`, { headers: HEADERS })).json()) as {
      symbols: Record<string, unknown>[];
      exchange: Record<string, unknown>;
    };
    expect(body.symbols.map((s) => s.symbol)).toEqual(['BTC-PERP', 'SOL-PERP']);
    expect(body.symbols[0]).toEqual({
      symbol: 'BTC-PERP',
      displayName: 'BTC-PERP',
      base: 'BTC',
      quote: 'USDC',
      sizeDecimals: 4,
      priceDecimals: 2,
      initMarginRatio: '0.02',
      maintMarginRatio: '0.01',
      takerFee: '0.0001',
      isolated: false,
    });
    expect(body.exchange).toHaveProperty('collateralDecimals');
    const one = (await (await fetch(`${sim.vest.rest}/exchangeInfo?symbols=SOL-PERP`, { headers: HEADERS })).json()) as { symbols: unknown[] };
    expect(one.symbols).toHaveLength(1);
  });

  it('refuses any request without the xrestservermm header, trading routes included', async () => {
    for (const path of ['/exchangeInfo', '/depth?symbol=BTC-PERP', '/account']) {
      const res = await fetch(`${sim.vest.rest}${path}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: unknown; msg: unknown };
      expect(typeof body.code).toBe('number');
      expect(body.msg).toMatch(/xrestservermm/);
    }
    expect((await fetch(`${sim.vest.rest}/exchangeInfo`, { headers: { xrestservermm: 'server0' } })).status).toBe(400);
  });
});
