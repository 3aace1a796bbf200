import { Ladder } from '../../src/domain/order-book';
import { decodeSbe } from '../../src/venues/paradex/sbe';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { SimTradingFaults } from '../../src/sim/paradex-trading';
import { TestSocket } from './ws-test-client';

const BTC = 'BTC-USD-PERP';
const DELTAS = `order_book.${BTC}.deltas`;

let sim: SimVenues;
const sockets: TestSocket[] = [];

async function open(url: string): Promise<TestSocket> {
  const s = await TestSocket.open(url);
  sockets.push(s);
  return s;
}

/** A JSON deltas subscriber past its ack and first snapshot; returns the snapshot's seq. */
async function deltasSubscriber(): Promise<{ s: TestSocket; seq: number }> {
  const s = await open(sim.paradex.ws);
  s.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: DELTAS }, id: 1 });
  await s.nextJson();
  const snap = await s.nextJson();
  return { s, seq: seqOf(snap) };
}

function seqOf(msg: Record<string, unknown>): number {
  return (msg.params as { data: { seq_no: number } }).data.seq_no;
}

async function vestSubscriber(): Promise<TestSocket> {
  const s = await open(sim.vest.ws);
  s.send({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'], id: 1 });
  await s.nextJson();
  await s.nextJson();
  return s;
}

beforeEach(async () => {
  sim = await startSimVenues({ seed: 3, updateIntervalMs: 0 });
});

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await sim.close();
});

describe('sim faults', () => {
  it('drops every open socket of the chosen venue only', async () => {
    const p = await open(sim.paradex.ws);
    const v = await open(sim.vest.ws);
    sim.faults.dropConnections('paradex');
    expect((await p.closed).code).toBe(1006);
    expect(v.ws.readyState).toBe(v.ws.OPEN);
    sim.faults.dropConnections('vest');
    expect((await v.closed).code).toBe(1006);
  });

  it('pauses a feed (stale) and on resume sends one delta that catches the book up', async () => {
    const { s, seq } = await deltasSubscriber();
    const v = await vestSubscriber();
    sim.faults.pauseFeed('paradex');
    sim.faults.pauseFeed('vest');
    sim.market.step(5);
    expect(await s.drain(80)).toEqual([]);
    expect(await v.drain(10)).toEqual([]);
    sim.faults.resumeFeed('paradex');
    sim.faults.resumeFeed('vest');
    sim.market.step();
    const d = await s.nextJson();
    expect(seqOf(d)).toBe(seq + 1);
    expect(await v.nextJson()).toHaveProperty('channel', 'BTC-PERP@depth');
  });

  it('skips a sequence number on the next delta frame', async () => {
    const { s, seq } = await deltasSubscriber();
    sim.faults.skipSeq();
    sim.market.step(2);
    expect(seqOf(await s.nextJson())).toBe(seq + 2);
    expect(seqOf(await s.nextJson())).toBe(seq + 3);
  });

  it('sends the next delta frame twice with the same seq', async () => {
    const { s, seq } = await deltasSubscriber();
    sim.faults.duplicateSeq();
    sim.market.step(2);
    const seqs = [seqOf(await s.nextJson()), seqOf(await s.nextJson()), seqOf(await s.nextJson())];
    expect(seqs).toEqual([seq + 1, seq + 1, seq + 2]);
  });

  it('swaps the next two delta frames', async () => {
    const { s, seq } = await deltasSubscriber();
    sim.faults.reorderSeq();
    sim.market.step(3);
    const seqs = [seqOf(await s.nextJson()), seqOf(await s.nextJson()), seqOf(await s.nextJson())];
    expect(seqs).toEqual([seq + 2, seq + 1, seq + 3]);
  });

  it('replaces the next JSON book frame with garbage, then carries on', async () => {
    const { s } = await deltasSubscriber();
    sim.faults.sendMalformed('paradex', 'garbage');
    sim.market.step(2);
    const junk = await s.next();
    expect(junk.binary).toBe(false);
    expect(() => JSON.parse((junk as { text: string }).text)).toThrow();
    expect(await s.nextJson()).toHaveProperty('method', 'subscription');
  });

  it('cuts the next SBE book frames short so they fail to decode', async () => {
    const s = await open(`${sim.paradex.ws}?sbeSchemaId=1&sbeSchemaVersion=1`);
    s.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: DELTAS }, id: 1 });
    await s.nextJson();
    await s.nextBinary();
    sim.faults.sendMalformed('paradex', 'truncated', 2);
    sim.market.step(3);
    const frames = [await s.nextBinary(), await s.nextBinary(), await s.nextBinary()];
    expect(() => decodeSbe(frames[0]!)).toThrow();
    expect(() => decodeSbe(frames[1]!)).toThrow();
    expect(decodeSbe(frames[2]!).type).toBe('book');
  });

  it('sends malformed Vest depth frames', async () => {
    const v = await vestSubscriber();
    sim.faults.sendMalformed('vest', 'truncated');
    sim.market.step();
    const f = await v.next();
    expect(() => JSON.parse((f as { text: string }).text)).toThrow();
  });

  it('delays book frames by the set time, and not once switched off', async () => {
    const { s } = await deltasSubscriber();
    sim.faults.delayFrames('paradex', 150);
    const t0 = Date.now();
    sim.market.step();
    expect(await s.drain(60)).toEqual([]);
    await s.nextJson(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.delayFrames('paradex', 0);
    sim.market.step();
    await s.nextJson(50);
  });

  it('keeps a deltas client consistent through a pause and delayed frames', async () => {
    const s = await open(sim.paradex.ws);
    s.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: DELTAS }, id: 1 });
    await s.nextJson();
    const ladder = new Ladder();
    type Wire = { side: string; price: string; size: string };
    const apply = (msg: Record<string, unknown>): void => {
      const d = (msg.params as { data: { inserts: Wire[]; updates: Wire[]; deletes: Wire[] } }).data;
      for (const l of [...d.inserts, ...d.updates]) ladder.set(l.side === 'BUY' ? 'bid' : 'ask', Number(l.price), Number(l.size));
      for (const l of d.deletes) ladder.set(l.side === 'BUY' ? 'bid' : 'ask', Number(l.price), 0);
    };
    apply(await s.nextJson());
    sim.faults.pauseFeed('paradex');
    sim.market.step(4);
    sim.faults.resumeFeed('paradex');
    sim.faults.delayFrames('paradex', 20);
    sim.market.step(3);
    for (let i = 0; i < 3; i++) apply(await s.nextJson());
    const book = sim.market.book('paradex', BTC)!;
    const got = ladder.snapshot({ receivedAt: 0 });
    expect({ bids: got.bids, asks: got.asks }).toEqual({ bids: book.bids, asks: book.asks });
  });

  it('exposes the trading-side knobs per venue', () => {
    expect(sim.faults.trading.paradex).toBeInstanceOf(SimTradingFaults);
    expect(sim.faults.trading.vest).toBeInstanceOf(SimTradingFaults);
    expect(sim.faults.trading.paradex).not.toBe(sim.faults.trading.vest);
  });

  it('rejects nonsense knob values with a clear error', () => {
    expect(() => sim.faults.skipSeq(0)).toThrow(RangeError);
    expect(() => sim.faults.delayFrames('vest', -1)).toThrow(RangeError);
  });
});
