import { decodeVestMessage } from '../../src/venues/vest/codec';
import { VEST_WS_DEPTH, depthFrame, errorFrame, pongFrame, replyFrame, vestPair } from '../../src/sim/vest-frames';
import type { BookLevels } from '../../src/sim/market-model';
import { simMarket } from '../../src/sim/types';

const BTC = simMarket('BTC')!;
const SOL = simMarket('SOL')!;

describe('depthFrame: what the project\'s Vest decoder reads back', () => {
  it('a depth snapshot decodes to the same levels for its symbol', () => {
    const book: BookLevels = {
      bids: [
        { price: 94_999.5, size: 0.25 },
        { price: 94_998, size: 1.5 },
      ],
      asks: [{ price: 95_000.25, size: 0.0125 }],
    };
    expect(decodeVestMessage(depthFrame('BTC-PERP@depth', BTC, book))).toEqual({ type: 'depth', symbol: 'BTC-PERP', bids: book.bids, asks: book.asks });
  });

  it('writes the symbol\'s fixed decimals, as Vest does', () => {
    const frame = JSON.parse(depthFrame('SOL-PERP@depth', SOL, { bids: [{ price: 180.5, size: 2 }], asks: [] })) as { data: { bids: string[][] } };
    expect(frame.data.bids).toEqual([['180.500', '2.00']]);
    expect(vestPair(BTC)({ price: 95_000, size: 0.1 })).toEqual(['95000.00', '0.1000']);
  });

  it(`sends at most the top ${VEST_WS_DEPTH} levels a side`, () => {
    const levels = Array.from({ length: 30 }, (_, i) => ({ price: 100 - i, size: 1 }));
    const decoded = decodeVestMessage(depthFrame('BTC-PERP@depth', BTC, { bids: levels, asks: [] }));
    expect(decoded).toMatchObject({ type: 'depth' });
    if (decoded.type !== 'depth') throw new Error(decoded.type);
    expect(decoded.bids).toEqual(levels.slice(0, VEST_WS_DEPTH));
  });
});

describe('replies', () => {
  it('a subscribe reply and a PONG decode as the client expects', () => {
    expect(decodeVestMessage(replyFrame(7))).toEqual({ type: 'reply', id: 7 });
    expect(decodeVestMessage(pongFrame())).toEqual({ type: 'pong' });
  });

  it('an error names the problem, with the request id or null', () => {
    expect(JSON.parse(errorFrame('invalid channel "x"', 3))).toEqual({ error: { code: 400, msg: 'invalid channel "x"' }, id: 3 });
    expect(JSON.parse(errorFrame('invalid JSON', undefined))).toEqual({ error: { code: 400, msg: 'invalid JSON' }, id: null });
  });
});
