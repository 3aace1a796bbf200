import { decodeParadexJson } from '../../src/venues/paradex/json-codec';
import type { BookLevels, SimBookSource } from '../../src/sim/market-model';
import { parseChannel, roundFrames, servedParadexSpec, type SeqFaults, type Subscription } from '../../src/sim/paradex-feed';

function source(book: { current: BookLevels; seq: number }): SimBookSource {
  return {
    bases: ['BTC'],
    paradexBook: () => book.current,
    vestBook: () => book.current,
    paradexSeq: () => book.seq,
    updatedAt: () => 1_780_000_000_000,
    now: () => 1_780_000_000_000,
  };
}

const BOOK_1: BookLevels = { bids: [{ price: 100, size: 1 }], asks: [{ price: 101, size: 1 }] };
const BOOK_2: BookLevels = { bids: [{ price: 100, size: 2 }], asks: [{ price: 101, size: 1 }] };
const BOOK_3: BookLevels = { bids: [{ price: 100, size: 3 }], asks: [{ price: 101, size: 1 }] };
const NO_FAULTS: SeqFaults = { skip: false, duplicate: false, reorder: undefined };

function sub(channel: string, encoding: 'json' | 'sbe', src: SimBookSource, subs: Subscription[] = [], updateIntervalMs = 100): Subscription {
  const s = parseChannel(channel, { encoding, subs, source: src, updateIntervalMs });
  if ('code' in s) throw new Error(`refused: ${s.data}`);
  return s;
}

function seqsOf(frames: ReturnType<typeof roundFrames>): number[] {
  return frames.map(({ frame }) => {
    const m = decodeParadexJson(frame as string);
    if (m.type !== 'book') throw new Error(m.type);
    return m.seq;
  });
}

describe('parseChannel', () => {
  const src = source({ current: BOOK_1, seq: 1 });

  it('serves the channels the venue lists, and refuses others as the venue does', () => {
    expect(sub('bbo.BTC-USD-PERP', 'json', src).kind).toBe('bbo');
    expect(sub('order_book.BTC-USD-PERP.deltas', 'json', src)).toMatchObject({ kind: 'deltas', depth: Number.POSITIVE_INFINITY });
    expect(sub('order_book.BTC-USD-PERP.deltas@15@50ms', 'json', src)).toMatchObject({ kind: 'deltas', depth: 15 });
    expect(sub('order_book.BTC-USD-PERP.snapshot@15@100ms', 'json', src)).toMatchObject({ kind: 'snapshot', everyRounds: 1 });
    for (const bad of ['order_book.ETH-USD-PERP.deltas', 'bbo.BTC-PERP', 'order_book.BTC-USD-PERP.snapshot@15@200ms', 'trades.BTC-USD-PERP']) {
      expect(parseChannel(bad, { encoding: 'json', subs: [], source: src, updateIntervalMs: 100 })).toEqual({
        code: -32600,
        message: 'invalid subscribe request',
        data: 'invalid channel',
      });
    }
  });

  it('throttles a snapshot channel slower than the model to every n-th round', () => {
    expect(sub('order_book.BTC-USD-PERP.snapshot@15@400ms', 'sbe', src, [], 100)).toMatchObject({ everyRounds: 4 });
  });

  it('an SBE session takes one order_book channel per market and no deltas parameters', () => {
    const first = sub('order_book.BTC-USD-PERP.deltas', 'sbe', src);
    expect(parseChannel('order_book.BTC-USD-PERP.snapshot@15@50ms', { encoding: 'sbe', subs: [first], source: src, updateIntervalMs: 100 })).toMatchObject({
      data: 'order_book channels of BTC-USD-PERP cannot share an SBE session',
    });
    expect(parseChannel('order_book.BTC-USD-PERP.deltas@15@50ms', { encoding: 'sbe', subs: [], source: src, updateIntervalMs: 100 })).toMatchObject({
      data: 'no parameters expected for deltas topic.',
    });
  });

  it('serves only the markets the sim runs', () => {
    expect(servedParadexSpec(src, 'BTC-USD-PERP')?.base).toBe('BTC');
    expect(servedParadexSpec(src, 'ETH-USD-PERP')).toBeUndefined();
  });
});

describe('roundFrames', () => {
  it('deltas: the book first, then only changes, with consecutive sequence numbers', () => {
    const book = { current: BOOK_1, seq: 10 };
    const src = source(book);
    const s = sub('order_book.BTC-USD-PERP.deltas', 'json', src);
    const ctx = { encoding: 'json' as const, channel: 'order_book.BTC-USD-PERP.deltas', source: src };
    expect(seqsOf(roundFrames(s, { ...ctx, seqFaults: undefined }))).toEqual([10]);
    expect(roundFrames(s, { ...ctx, seqFaults: NO_FAULTS })).toEqual([]);
    book.current = BOOK_2;
    expect(seqsOf(roundFrames(s, { ...ctx, seqFaults: NO_FAULTS }))).toEqual([11]);
  });

  it('deltas: skip leaves a sequence gap, duplicate sends twice, reorder holds a frame until the next', () => {
    const book = { current: BOOK_1, seq: 10 };
    const src = source(book);
    const s = sub('order_book.BTC-USD-PERP.deltas', 'json', src);
    const ctx = { encoding: 'json' as const, channel: 'order_book.BTC-USD-PERP.deltas', source: src };
    roundFrames(s, { ...ctx, seqFaults: undefined });
    book.current = BOOK_2;
    expect(seqsOf(roundFrames(s, { ...ctx, seqFaults: { ...NO_FAULTS, skip: true, duplicate: true } }))).toEqual([12, 12]);
    book.current = BOOK_3;
    expect(roundFrames(s, { ...ctx, seqFaults: { ...NO_FAULTS, reorder: 'hold' } })).toEqual([]);
    book.current = BOOK_1;
    const released = roundFrames(s, { ...ctx, seqFaults: { ...NO_FAULTS, reorder: 'release' } });
    expect(seqsOf(released)).toEqual([14, 13]);
    expect(released.map((f) => f.late)).toEqual([false, true]);
  });

  it('snapshot: every round at its rate; the push after the ack is not throttled', () => {
    const src = source({ current: BOOK_1, seq: 1 });
    const s = sub('order_book.BTC-USD-PERP.snapshot@15@400ms', 'sbe', src, [], 100);
    const ctx = { encoding: 'sbe' as const, channel: 'order_book.BTC-USD-PERP.snapshot@15@400ms', source: src };
    expect(roundFrames(s, { ...ctx, seqFaults: undefined })).toHaveLength(1);
    const counts = [0, 1, 2, 3, 4, 5, 6, 7].map(() => roundFrames(s, { ...ctx, seqFaults: NO_FAULTS }).length);
    expect(counts).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('bbo: sent only when the best levels changed', () => {
    const book = { current: BOOK_1, seq: 1 };
    const src = source(book);
    const s = sub('bbo.BTC-USD-PERP', 'json', src);
    const ctx = { encoding: 'json' as const, channel: 'bbo.BTC-USD-PERP', source: src, seqFaults: NO_FAULTS };
    expect(roundFrames(s, ctx)).toHaveLength(1);
    expect(roundFrames(s, ctx)).toHaveLength(0);
    book.current = BOOK_2;
    expect(roundFrames(s, ctx)).toHaveLength(1);
  });
});
