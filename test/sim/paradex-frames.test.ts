import { decodeParadexJson } from '../../src/venues/paradex/json-codec';
import { decodeSbe } from '../../src/venues/paradex/sbe';
import { bboFrame, bookFrame, channelError, heartbeatFrame, rpcErrorFrame, rpcResultFrame } from '../../src/sim/paradex-frames';
import type { BookLevels, LevelChange } from '../../src/sim/market-model';
import { simMarket } from '../../src/sim/types';

const BTC = simMarket('BTC')!;
const TS = 1_780_000_000_123;
const BOOK: BookLevels = {
  bids: [
    { price: 94_999.9, size: 0.5 },
    { price: 94_999.8, size: 1.25 },
  ],
  asks: [
    { price: 95_000.1, size: 0.75 },
    { price: 95_000.3, size: 2 },
  ],
};
const CHANNEL = 'order_book.BTC-USD-PERP.snapshot@15@100ms';

describe('bookFrame: what the project\'s own decoders read back', () => {
  it('a JSON snapshot decodes to the same levels, sequence, time and best levels', () => {
    const frame = bookFrame({ encoding: 'json', channel: CHANNEL, spec: BTC, seq: 1001, ts: TS, kind: 'snapshot', bids: BOOK.bids, asks: BOOK.asks, top: BOOK });
    expect(typeof frame).toBe('string');
    expect(decodeParadexJson(frame as string)).toEqual({
      type: 'book',
      channel: CHANNEL,
      market: 'BTC-USD-PERP',
      seq: 1001,
      ts: TS,
      kind: 'snapshot',
      bids: BOOK.bids,
      asks: BOOK.asks,
      bestBidApi: BOOK.bids[0],
      bestAskApi: BOOK.asks[0],
    });
  });

  it('a JSON delta sorts changes into inserts, updates and deletes (deletes read back as size 0)', () => {
    const bids: LevelChange[] = [
      { price: 94_999.9, size: 0.7, kind: 'update' },
      { price: 94_999.7, size: 0, kind: 'delete' },
    ];
    const asks: LevelChange[] = [{ price: 95_000.2, size: 0.1, kind: 'insert' }];
    const frame = bookFrame({ encoding: 'json', channel: 'order_book.BTC-USD-PERP.deltas', spec: BTC, seq: 1002, ts: TS, kind: 'delta', bids, asks, top: BOOK });
    const wire = JSON.parse(frame as string) as { params: { data: Record<string, unknown> } };
    expect(wire.params.data).toMatchObject({
      update_type: 'd',
      inserts: [{ side: 'SELL', price: '95000.2', size: '0.1' }],
      updates: [{ side: 'BUY', price: '94999.9', size: '0.7' }],
      deletes: [{ side: 'BUY', price: '94999.7', size: '0' }],
    });
    const decoded = decodeParadexJson(frame as string);
    expect(decoded).toMatchObject({ type: 'book', kind: 'delta', seq: 1002 });
    if (decoded.type !== 'book') throw new Error('not a book');
    expect([...decoded.bids].sort((a, b) => b.price - a.price)).toEqual([
      { price: 94_999.9, size: 0.7 },
      { price: 94_999.7, size: 0 },
    ]);
    expect(decoded.asks).toEqual([{ price: 95_000.2, size: 0.1 }]);
  });

  it('an SBE snapshot decodes (real SBE decoder) to the same book, time in µs', () => {
    const frame = bookFrame({ encoding: 'sbe', channel: CHANNEL, spec: BTC, seq: 1001, ts: TS, kind: 'snapshot', bids: BOOK.bids, asks: BOOK.asks, top: BOOK });
    expect(frame).toBeInstanceOf(Uint8Array);
    expect(decodeSbe(frame as Uint8Array)).toEqual({
      type: 'book',
      market: 'BTC-USD-PERP',
      seq: 1001,
      ts: TS * 1000,
      kind: 'snapshot',
      bids: BOOK.bids,
      asks: BOOK.asks,
      bestBidApi: BOOK.bids[0],
      bestAskApi: BOOK.asks[0],
    });
  });

  it('an SBE delta carries deletes as size-0 levels, without their change kind', () => {
    const bids: LevelChange[] = [{ price: 94_999.8, size: 0, kind: 'delete' }];
    const frame = bookFrame({ encoding: 'sbe', channel: CHANNEL, spec: BTC, seq: 7, ts: TS, kind: 'delta', bids, asks: [], top: BOOK });
    expect(decodeSbe(frame as Uint8Array)).toMatchObject({ type: 'book', kind: 'delta', seq: 7, bids: [{ price: 94_999.8, size: 0 }], asks: [] });
  });

  it('an empty book side sends no best level', () => {
    const top: BookLevels = { bids: [], asks: BOOK.asks };
    const json = decodeParadexJson(bookFrame({ encoding: 'json', channel: CHANNEL, spec: BTC, seq: 1, ts: TS, kind: 'snapshot', bids: [], asks: BOOK.asks, top }) as string);
    expect(json).toMatchObject({ type: 'book', bids: [], bestAskApi: BOOK.asks[0] });
    expect(json).not.toHaveProperty('bestBidApi');
    const sbe = decodeSbe(bookFrame({ encoding: 'sbe', channel: CHANNEL, spec: BTC, seq: 1, ts: TS, kind: 'snapshot', bids: [], asks: BOOK.asks, top }) as Uint8Array);
    expect(sbe).not.toHaveProperty('bestBidApi');
  });
});

describe('bboFrame', () => {
  it('JSON and SBE decode to the best bid and ask of the book', () => {
    const input = { channel: 'bbo.BTC-USD-PERP', spec: BTC, seq: 55, ts: TS, book: BOOK };
    expect(decodeParadexJson(bboFrame({ ...input, encoding: 'json' }) as string)).toEqual({
      type: 'bbo',
      channel: 'bbo.BTC-USD-PERP',
      market: 'BTC-USD-PERP',
      seq: 55,
      ts: TS,
      bid: BOOK.bids[0],
      ask: BOOK.asks[0],
    });
    expect(decodeSbe(bboFrame({ ...input, encoding: 'sbe' }) as Uint8Array)).toEqual({
      type: 'bbo',
      market: 'BTC-USD-PERP',
      seq: 55,
      ts: TS * 1000,
      bid: BOOK.bids[0],
      ask: BOOK.asks[0],
    });
  });

  it('writes null for an empty side on JSON', () => {
    const frame = bboFrame({ encoding: 'json', channel: 'bbo.BTC-USD-PERP', spec: BTC, seq: 1, ts: TS, book: { bids: [], asks: BOOK.asks } });
    expect(JSON.parse(frame as string).params.data).toMatchObject({ bid: null, bid_size: null, ask: '95000.1', ask_size: '0.75' });
  });
});

describe('JSON-RPC replies and heartbeats', () => {
  it('a result reply is an ack the client decodes, stamped in µs', () => {
    const text = rpcResultFrame(3, { channel: 'bbo.BTC-USD-PERP' }, TS);
    expect(decodeParadexJson(text)).toEqual({ type: 'ack', id: 3, channel: 'bbo.BTC-USD-PERP' });
    expect(JSON.parse(text)).toMatchObject({ jsonrpc: '2.0', usIn: TS * 1000, usOut: TS * 1000 + 120, usDiff: 120 });
  });

  it('an auth reply carries the node id', () => {
    expect(decodeParadexJson(rpcResultFrame(9, { node_id: 'sim-node-1' }, TS))).toEqual({ type: 'ack', id: 9, nodeId: 'sim-node-1' });
  });

  it('an error reply decodes with its code, message and data; a missing id is null', () => {
    expect(decodeParadexJson(rpcErrorFrame(4, channelError('invalid channel'), TS))).toEqual({
      type: 'error',
      id: 4,
      code: -32600,
      message: 'invalid subscribe request',
      data: 'invalid channel',
    });
    expect(JSON.parse(rpcErrorFrame(undefined, { code: -32700, message: 'parse error' }, TS)).id).toBeNull();
  });

  it('a heartbeat is an SBE HeartbeatEvent with its sequence and µs time', () => {
    expect(decodeSbe(heartbeatFrame(TS, 12))).toEqual({ type: 'heartbeat', ts: TS * 1000, seq: 12 });
  });
});
