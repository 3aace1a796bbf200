import { decodeVestMessage, depthChannel, encodeVestDepth, vestRequest } from '../../../src/venues/vest/codec';

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
