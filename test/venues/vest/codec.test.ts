import fc from 'fast-check';
import { decodeVestMessage, decodeVestMessageByJson, depthChannel, encodeVestDepth, vestRequest } from '../../../src/venues/vest/codec';

describe('Vest codec', () => {
  it('reads the SUBSCRIBE reply', () => {
    expect(decodeVestMessage('{"result":null,"id":3}')).toEqual({ type: 'reply', id: 3 });
  });

  it.each(['PONG', 'pong', 'Pong'])('recognises %s as a PONG whatever its case', (word) => {
    expect(decodeVestMessage(JSON.stringify({ data: word }))).toEqual({ type: 'pong' });
  });

  it('decodes a depth push as a snapshot of [price, qty] pairs', () => {
    expect(decodeVestMessage('{"channel":"DOGE-PERP@depth","data":{"bids":[["0.102000","1234"]],"asks":[["0.103000","1234"],["0.104","5"]]}}')).toEqual({
      type: 'depth',
      symbol: 'DOGE-PERP',
      bids: [{ price: 0.102, size: 1234 }],
      asks: [
        { price: 0.103, size: 1234 },
        { price: 0.104, size: 5 },
      ],
    });
  });

  it('passes other channels through by name', () => {
    expect(decodeVestMessage('{"channel":"BTC-PERP@trades","data":{"price":"1"}}')).toEqual({ type: 'push', channel: 'BTC-PERP@trades' });
  });

  it.each([
    ['not JSON', 'PONG'],
    ['null', 'null'],
    ['an array', '[]'],
    ['depth without data', '{"channel":"BTC-PERP@depth"}'],
    ['a numeric price', '{"channel":"BTC-PERP@depth","data":{"bids":[[1,"2"]],"asks":[]}}'],
    ['a short pair', '{"channel":"BTC-PERP@depth","data":{"bids":[["1"]],"asks":[]}}'],
    ['a negative quantity', '{"channel":"BTC-PERP@depth","data":{"bids":[["1","-2"]],"asks":[]}}'],
    ['a zero price', '{"channel":"BTC-PERP@depth","data":{"bids":[],"asks":[["0","2"]]}}'],
    ['asks missing', '{"channel":"BTC-PERP@depth","data":{"bids":[]}}'],
    ['no symbol', '{"channel":"@depth","data":{"bids":[],"asks":[]}}'],
    ['an unknown shape', '{"hello":1}'],
    ['a fractional reply id', '{"result":null,"id":1.5}'],
  ])('returns a typed invalid result for %s', (_what, text) => {
    expect(decodeVestMessage(text).type).toBe('invalid');
  });

  it('writes the requests and depth pushes of the documented protocol', () => {
    expect(JSON.parse(vestRequest('SUBSCRIBE', [depthChannel('BTC-PERP')], 1))).toEqual({ method: 'SUBSCRIBE', params: ['BTC-PERP@depth'], id: 1 });
    expect(JSON.parse(vestRequest('PING', [], 0))).toEqual({ method: 'PING', params: [], id: 0 });
    expect(decodeVestMessage(encodeVestDepth('BTC-PERP', [{ price: 95000.5, size: 0.0000001 }], []))).toEqual({
      type: 'depth',
      symbol: 'BTC-PERP',
      bids: [{ price: 95000.5, size: 0.0000001 }],
      asks: [],
    });
  });
});

describe('Vest depth scan (decodeVestMessage) against the general reader (decodeVestMessageByJson)', () => {
  const wireDecimal = fc.oneof(
    fc.tuple(fc.stringMatching(/^\d{1,18}$/), fc.option(fc.stringMatching(/^\d{1,18}$/), { nil: undefined })).map(([i, f]) => (f === undefined ? i : `${i}.${f}`)),
    fc.string({ unit: fc.constantFrom(...'0123456789.-+eE x"\\\u0000\u00e9'), maxLength: 8 }),
  );
  const level = fc.oneof({ weight: 8, arbitrary: fc.tuple(wireDecimal, wireDecimal) }, { weight: 1, arbitrary: fc.array(fc.oneof(wireDecimal, fc.integer()), { maxLength: 3 }) });
  const symbol = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('BTC-PERP', 'ETH-PERP') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
  const channel = fc.oneof({ weight: 8, arbitrary: symbol.map((s) => `${s}@depth`) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const push = fc.record({ channel, bids: fc.array(level, { maxLength: 6 }), asks: fc.array(level, { maxLength: 6 }) });
  /** As Vest writes it, or reshaped: other key order, whitespace, an extra field, a missing side. */
  const layout = fc.constantFrom('wire', 'asks-first', 'spaced', 'extra-field', 'no-asks', 'data-first');
  const damage = fc.option(fc.record({ at: fc.nat(), op: fc.constantFrom('cut', 'set', 'insert', 'append'), ch: fc.integer({ min: 0, max: 0x24ff }) }), { freq: 3 });

  const text = (p: { channel: string; bids: unknown[]; asks: unknown[] }, how: string): string => {
    switch (how) {
      case 'asks-first':
        return JSON.stringify({ channel: p.channel, data: { asks: p.asks, bids: p.bids } });
      case 'spaced':
        return JSON.stringify({ channel: p.channel, data: { bids: p.bids, asks: p.asks } }, null, 1);
      case 'extra-field':
        return JSON.stringify({ channel: p.channel, data: { bids: p.bids, asks: p.asks, ts: 1 } });
      case 'no-asks':
        return JSON.stringify({ channel: p.channel, data: { bids: p.bids } });
      case 'data-first':
        return JSON.stringify({ data: { bids: p.bids, asks: p.asks }, channel: p.channel });
      default:
        return JSON.stringify({ channel: p.channel, data: { bids: p.bids, asks: p.asks } });
    }
  };

  it('answers exactly what the general reader answers, on wire-layout, reshaped and damaged frames', () => {
    fc.assert(
      fc.property(push, layout, damage, (p, how, d) => {
        let t = text(p, how);
        if (d) {
          const at = d.at % (t.length + 1);
          const ch = String.fromCharCode(d.ch);
          if (d.op === 'append') t += ch;
          else t = d.op === 'cut' ? t.slice(0, at) : d.op === 'set' ? t.slice(0, at) + ch + t.slice(at + 1) : t.slice(0, at) + ch + t.slice(at);
        }
        expect(decodeVestMessage(t)).toStrictEqual(decodeVestMessageByJson(t));
      }),
      { numRuns: 10_000 },
    );
    // Raw control characters and escapes, which JSON.stringify never writes unescaped.
    for (const t of ['{"channel":"BTC\u0001@depth","data":{"bids":[],"asks":[]}}', '{"channel":"BTC\\u0041@depth","data":{"bids":[],"asks":[]}}', '{"channel":"B\tC@depth","data":{"bids":[["1","1"]],"asks":[]}}']) {
      expect(decodeVestMessage(t)).toStrictEqual(decodeVestMessageByJson(t));
    }
  });

  it('reads the frames the simulated venue sends as the general reader does', () => {
    const levels = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => ({ price: from + i * step, size: 0.001 * (i + 1) }));
    const t = encodeVestDepth('BTC-PERP', levels(20, 95_000.5, -0.5), levels(20, 95_001, 0.5));
    const m = decodeVestMessage(t);
    expect(m).toStrictEqual(decodeVestMessageByJson(t));
    expect(m.type === 'depth' && m.bids.length === 20 && m.asks.length === 20).toBe(true);
  });
});
