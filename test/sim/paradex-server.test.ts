import http from 'node:http';
import { Ladder, type Level } from '../../src/domain/order-book';
import { decodeSbe, type SbeMessage } from '../../src/venues/paradex/sbe';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { TestSocket, within } from './ws-test-client';
import { signJwt } from '../../src/sim/jwt';

const JWT_SECRET = Buffer.alloc(32, 7);

const BTC = 'BTC-USD-PERP';
const SNAPSHOT = `order_book.${BTC}.snapshot@15@100ms`;
const DELTAS = `order_book.${BTC}.deltas`;

interface WireLevel {
  side: 'BUY' | 'SELL';
  price: string;
  size: string;
}
interface BookData {
  seq_no: number;
  market: string;
  last_updated_at: number;
  update_type: 's' | 'd';
  inserts: WireLevel[];
  updates: WireLevel[];
  deletes: WireLevel[];
}

let sim: SimVenues;
const sockets: TestSocket[] = [];

async function connect(query = ''): Promise<TestSocket> {
  const s = await TestSocket.open(`${sim.paradex.ws}${query}`);
  sockets.push(s);
  return s;
}

async function subscribe(s: TestSocket, channel: string, id = 1): Promise<Record<string, unknown>> {
  s.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel }, id });
  return s.nextJson();
}

function bookData(msg: Record<string, unknown>): BookData {
  const params = msg.params as { channel: string; data: BookData };
  return params.data;
}

function applyJson(ladder: Ladder, d: BookData): void {
  if (d.update_type === 's') ladder.clear();
  for (const l of [...d.inserts, ...d.updates]) ladder.set(l.side === 'BUY' ? 'bid' : 'ask', Number(l.price), Number(l.size));
  for (const l of d.deletes) ladder.set(l.side === 'BUY' ? 'bid' : 'ask', Number(l.price), 0);
}

function applySbe(ladder: Ladder, m: SbeMessage): void {
  if (m.type !== 'book') throw new Error(`expected a book frame, got ${m.type}`);
  if (m.kind === 'snapshot') ladder.clear();
  for (const l of m.bids) ladder.set('bid', l.price, l.size);
  for (const l of m.asks) ladder.set('ask', l.price, l.size);
}

function serverBook(depth = Number.POSITIVE_INFINITY): { bids: readonly Level[]; asks: readonly Level[] } {
  const b = sim.market.book('paradex', BTC)!;
  return { bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth) };
}

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url.replace('ws://', 'http://'), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
  });
}

beforeEach(async () => {
  sim = await startSimVenues({ seed: 1, updateIntervalMs: 0, markets: ['BTC', 'ETH'], paradexTrading: { jwtSecret: JWT_SECRET } });
});

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await sim.close();
});

describe('Paradex WS JSON-RPC', () => {
  it('acknowledges a subscribe with the channel, timing fields and the request id', async () => {
    const s = await connect();
    const ack = await subscribe(s, SNAPSHOT, 7);
    expect(ack).toMatchObject({ jsonrpc: '2.0', result: { channel: SNAPSHOT }, id: 7 });
    expect(typeof ack.usIn).toBe('number');
    expect(typeof ack.usDiff).toBe('number');
  });

  it('refuses a second subscribe to the same channel', async () => {
    const s = await connect();
    await subscribe(s, SNAPSHOT, 1);
    await s.nextJson(); // initial snapshot
    const err = await subscribe(s, SNAPSHOT, 2);
    expect(err).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: 2 });
  });

  it('answers an unknown method with -32601 "method does not exist"', async () => {
    const s = await connect();
    s.send({ jsonrpc: '2.0', method: 'subscribe_all', params: {}, id: 3 });
    expect(await s.nextJson()).toMatchObject({ error: { code: -32601, message: 'method does not exist' }, id: 3 });
  });

  it.each([['order_book.BTC-USD-PERP.snapshot@15@7ms'], ['order_book.DOGE-USD-PERP.deltas'], ['trades_and_more.BTC'], ['bbo.SOL-USD-PERP']])(
    'answers the bad channel %s with -32600 "invalid subscribe request"',
    async (channel) => {
      const s = await connect();
      const err = await subscribe(s, channel, 4);
      expect(err).toMatchObject({ error: { code: -32600, message: 'invalid subscribe request', data: 'invalid channel' }, id: 4 });
    },
  );

  it('answers text that is not JSON with -32700', async () => {
    const s = await connect();
    s.send('{not json');
    expect(await s.nextJson()).toMatchObject({ error: { code: -32700 }, id: null });
  });

  it('unsubscribes with the same ack shape, stops pushing, and refuses a channel not held', async () => {
    const s = await connect();
    await subscribe(s, SNAPSHOT);
    await s.nextJson();
    s.send({ jsonrpc: '2.0', method: 'unsubscribe', params: { channel: SNAPSHOT }, id: 9 });
    expect(await s.nextJson()).toMatchObject({ result: { channel: SNAPSHOT }, id: 9 });
    sim.market.step(3);
    expect(await s.drain(80)).toEqual([]);
    s.send({ jsonrpc: '2.0', method: 'unsubscribe', params: { channel: SNAPSHOT }, id: 10 });
    expect(await s.nextJson()).toMatchObject({ error: { code: -32600 }, id: 10 });
  });

  it('authenticates a JWT the venue issued with a node id; rejects a forged one with 40111 and junk with 40110', async () => {
    const s = await connect();
    const nowSec = Math.floor(Date.now() / 1000);
    const issued = signJwt({ sub: '0x1', iat: nowSec, exp: nowSec + 300 }, JWT_SECRET);
    s.send({ jsonrpc: '2.0', method: 'auth', params: { bearer: issued }, id: 0 });
    const ok = await s.nextJson();
    expect(ok).toMatchObject({ jsonrpc: '2.0', id: 0 });
    expect(typeof (ok.result as { node_id: unknown }).node_id).toBe('string');
    for (const bearer of ['', 'not-a-jwt']) {
      s.send({ jsonrpc: '2.0', method: 'auth', params: { bearer }, id: 1 });
      expect(await s.nextJson()).toMatchObject({ error: { code: 40110 }, id: 1 });
    }
    const forged = signJwt({ sub: '0x1', iat: nowSec, exp: nowSec + 300 }, Buffer.alloc(32, 9));
    const expired = signJwt({ sub: '0x1', iat: nowSec - 600, exp: nowSec - 300 }, JWT_SECRET);
    for (const bearer of [forged, expired]) {
      s.send({ jsonrpc: '2.0', method: 'auth', params: { bearer }, id: 2 });
      expect(await s.nextJson()).toMatchObject({ error: { code: 40111 }, id: 2 });
    }
  });
});

describe('Paradex WS book channels (JSON)', () => {
  it('pushes full 15-level snapshots with decimal strings and increasing seq_no', async () => {
    const s = await connect();
    await subscribe(s, SNAPSHOT);
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) sim.market.step();
      const msg = await s.nextJson();
      expect(msg).toMatchObject({ jsonrpc: '2.0', method: 'subscription', params: { channel: SNAPSHOT } });
      const d = bookData(msg);
      expect(d).toMatchObject({ market: BTC, update_type: 's', updates: [], deletes: [] });
      expect(typeof d.last_updated_at).toBe('number');
      const bids = d.inserts.filter((l) => l.side === 'BUY');
      const asks = d.inserts.filter((l) => l.side === 'SELL');
      expect(bids).toHaveLength(15);
      expect(asks).toHaveLength(15);
      for (const l of d.inserts) {
        expect(l.price).toMatch(/^\d+(\.\d+)?$/);
        expect(l.size).toMatch(/^\d+(\.\d+)?$/);
      }
      expect(bids.map((l) => ({ price: Number(l.price), size: Number(l.size) }))).toEqual(serverBook(15).bids);
      seqs.push(d.seq_no);
    }
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    expect(seqs[2]).toBeGreaterThan(seqs[1]!);
  });

  it('sends a snapshot then deltas with seq+1 that rebuild the whole server book', async () => {
    const s = await connect();
    await subscribe(s, DELTAS);
    const ladder = new Ladder();
    const first = bookData(await s.nextJson());
    expect(first.update_type).toBe('s');
    applyJson(ladder, first);
    let seq = first.seq_no;
    for (let i = 0; i < 40; i++) {
      sim.market.step();
      const d = bookData(await s.nextJson());
      expect(d.update_type).toBe('d');
      expect(d.seq_no).toBe(seq + 1);
      seq = d.seq_no;
      for (const l of d.deletes) expect(l.size).toBe('0');
      applyJson(ladder, d);
    }
    const got = ladder.snapshot({ receivedAt: 0 });
    expect({ bids: got.bids, asks: got.asks }).toEqual(serverBook());
    expect(got.bids.length).toBeGreaterThan(15);
  });

  it('serves the suffixed JSON deltas channel capped at 15 levels', async () => {
    const s = await connect();
    await subscribe(s, `order_book.${BTC}.deltas@15@50ms`);
    const ladder = new Ladder();
    applyJson(ladder, bookData(await s.nextJson()));
    for (let i = 0; i < 20; i++) {
      sim.market.step();
      applyJson(ladder, bookData(await s.nextJson()));
    }
    const got = ladder.snapshot({ receivedAt: 0 });
    expect({ bids: got.bids, asks: got.asks }).toEqual(serverBook(15));
  });

  it('pushes the best bid and offer on bbo.{market}', async () => {
    const s = await connect();
    await subscribe(s, `bbo.${BTC}`);
    const msg = await s.nextJson();
    const data = (msg.params as { data: Record<string, unknown> }).data;
    const book = serverBook();
    expect(data).toMatchObject({
      market: BTC,
      bid: String(book.bids[0]!.price),
      bid_size: String(book.bids[0]!.size),
      ask: String(book.asks[0]!.price),
      ask_size: String(book.asks[0]!.size),
    });
    expect(typeof data.seq_no).toBe('number');
  });
});

describe('Paradex WS with SBE', () => {
  it.each([['?sbeSchemaId=2&sbeSchemaVersion=1'], ['?sbeSchemaId=1&sbeSchemaVersion=2'], ['?sbeSchemaId=1']])(
    'refuses the upgrade %s with HTTP 400',
    async (query) => {
      expect(await upgradeStatus(`${sim.paradex.ws}${query}`)).toBe(400);
    },
  );

  it('streams binary BookEvent frames that rebuild the whole book', async () => {
    const s = await connect('?sbeSchemaId=1&sbeSchemaVersion=1');
    const ack = await subscribe(s, DELTAS);
    expect(ack).toMatchObject({ result: { channel: DELTAS } });
    const ladder = new Ladder();
    const first = decodeSbe(await s.nextBinary());
    expect(first).toMatchObject({ type: 'book', market: BTC, kind: 'snapshot' });
    applySbe(ladder, first);
    let seq = (first as { seq: number }).seq;
    for (let i = 0; i < 30; i++) {
      sim.market.step();
      const m = decodeSbe(await s.nextBinary());
      expect(m).toMatchObject({ type: 'book', kind: 'delta', seq: seq + 1 });
      seq += 1;
      applySbe(ladder, m);
    }
    const got = ladder.snapshot({ receivedAt: 0 });
    expect({ bids: got.bids, asks: got.asks }).toEqual(serverBook());
  });

  it('refuses the suffixed deltas name and a second order_book channel for one market', async () => {
    const s = await connect('?sbeSchemaId=1&sbeSchemaVersion=1');
    const suffixed = await subscribe(s, `order_book.${BTC}.deltas@15@50ms`, 1);
    expect(suffixed).toMatchObject({ error: { code: -32600, data: 'no parameters expected for deltas topic.' }, id: 1 });
    await subscribe(s, DELTAS, 2);
    await s.nextBinary();
    const second = await subscribe(s, SNAPSHOT, 3);
    expect(second).toMatchObject({ error: { code: -32600 }, id: 3 });
    // A different market shares the connection fine.
    expect(await subscribe(s, 'order_book.ETH-USD-PERP.snapshot@15@100ms', 4)).toMatchObject({ result: {}, id: 4 });
  });

  it('sends HeartbeatEvent frames on an idle SBE connection', async () => {
    await sim.close();
    sim = await startSimVenues({ seed: 1, updateIntervalMs: 0, heartbeatIntervalMs: 40 });
    const s = await connect('?sbeSchemaId=1&sbeSchemaVersion=1');
    const a = decodeSbe(await s.nextBinary(1000));
    const b = decodeSbe(await s.nextBinary(1000));
    expect(a.type).toBe('heartbeat');
    expect(b.type).toBe('heartbeat');
  });
});

describe('Paradex WS keep-alive', () => {
  it('pings the client and closes a socket that does not answer within the grace window', async () => {
    await sim.close();
    sim = await startSimVenues({ seed: 1, updateIntervalMs: 0, pingIntervalMs: 40, pongTimeoutMs: 60 });
    const silent = await TestSocket.open(sim.paradex.ws, { autoPong: false });
    const polite = await connect();
    sockets.push(silent);
    let pings = 0;
    polite.ws.on('ping', () => pings++);
    const closed = await within(silent.closed, 2000);
    expect(closed).toBeDefined();
    expect(pings).toBeGreaterThan(0);
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);
  });
});

describe('Paradex REST', () => {
  it('lists markets with the documented fields as strings', async () => {
    const res = await fetch(`${sim.paradex.rest}/markets`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Record<string, unknown>[] };
    expect(body.results.map((m) => m.symbol)).toEqual(['BTC-USD-PERP', 'ETH-USD-PERP']);
    expect(body.results[0]).toMatchObject({
      symbol: 'BTC-USD-PERP',
      base_currency: 'BTC',
      quote_currency: 'USD',
      settlement_currency: 'USDC',
      price_tick_size: '0.1',
      order_size_increment: '0.00001',
      min_notional: '10',
      max_order_size: '100',
      asset_kind: 'PERP',
      market_kind: 'cross',
      funding_period_hours: 8,
    });
    expect(typeof body.results[0]!.position_limit).toBe('string');
    expect(typeof body.results[0]!.price_bands_width).toBe('string');
    const one = (await (await fetch(`${sim.paradex.rest}/markets?market=ETH-USD-PERP`)).json()) as { results: unknown[] };
    expect(one.results).toHaveLength(1);
  });

  it('serves the system config with the sim chain id', async () => {
    const body = (await (await fetch(`${sim.paradex.rest}/system/config`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ starknet_chain_id: 'PRIVATE_SN_PARACLEAR_MAINNET', l1_chain_id: '1', paraclear_decimals: 8 });
    expect(body.paraclear_account_hash).toMatch(/^0x[0-9a-f]+$/);
    expect(body.paraclear_account_proxy_hash).toMatch(/^0x[0-9a-f]+$/);
  });

  it('serves the system time as a decimal string of ms, as the venue does', async () => {
    const before = Date.now();
    const body = (await (await fetch(`${sim.paradex.rest}/system/time`)).json()) as Record<string, unknown>;
    expect(typeof body.server_time).toBe('string');
    expect(body.server_time).toMatch(/^\d{13}$/);
    expect(Math.abs(Number(body.server_time) - before)).toBeLessThan(60_000);
  });

  it('serves the order book at the requested depth with seq_no and best api levels', async () => {
    sim.market.step(2);
    const body = (await (await fetch(`${sim.paradex.rest}/orderbook/${BTC}?depth=5`)).json()) as {
      market: string;
      seq_no: number;
      last_updated_at: number;
      bids: [string, string][];
      asks: [string, string][];
      best_bid_api: [string, string];
      best_ask_api: [string, string];
    };
    const book = sim.market.book('paradex', BTC)!;
    expect(body.market).toBe(BTC);
    expect(body.seq_no).toBe(book.seq);
    expect(body.bids).toHaveLength(5);
    expect(body.bids.map(([p, q]) => ({ price: Number(p), size: Number(q) }))).toEqual(book.bids.slice(0, 5));
    expect(body.asks.map(([p, q]) => ({ price: Number(p), size: Number(q) }))).toEqual(book.asks.slice(0, 5));
    expect(body.best_bid_api).toEqual(body.bids[0]);
    expect(body.best_ask_api).toEqual(body.asks[0]);
    expect((await fetch(`${sim.paradex.rest}/orderbook/DOGE-USD-PERP`)).status).toBe(404);
  });

  it('answers an unknown path with 404 and routes trading paths to the trading side', async () => {
    expect((await fetch(`${sim.paradex.rest}/nothing-here`)).status).toBe(404);
    // The trading side owns /v1/account; without a JWT it refuses, but it is not a 404.
    expect((await fetch(`${sim.paradex.rest}/account`)).status).not.toBe(404);
  });
});
