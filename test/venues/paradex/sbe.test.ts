import fc from 'fast-check';
import { Ladder, type Level } from '../../../src/domain/order-book';
import {
  BOOK_BLOCK_LENGTH,
  SbeBookDecoder,
  SbeDecodeError,
  TEMPLATE,
  decodeSbe,
  decodeSbeBookInto,
  encodeSbeBbo,
  encodeSbeBook,
  encodeSbeHeartbeat,
  mantissaToNumber,
  type SbeBookInput,
} from '../../../src/venues/paradex/sbe';

const BOOK: SbeBookInput = {
  market: 'BTC-USD-PERP',
  seq: 7_700_000_123,
  ts: 1_760_000_000_123_456,
  kind: 'snapshot',
  bids: [
    { price: 95_000.1, size: 0.5 },
    { price: 94_999.9, size: 1.25 },
  ],
  asks: [
    { price: 95_000.2, size: 0.00001 },
    { price: 95_010, size: 3 },
  ],
};

/** Writes an int64 at a byte offset of a copy of the frame. */
function withInt64(frame: Uint8Array, at: number, value: bigint): Uint8Array {
  const copy = frame.slice();
  new DataView(copy.buffer).setBigInt64(at, value, true);
  return copy;
}

const INT64_MIN = -(2n ** 63n);
const HDR = 8;
const firstBidOffset = HDR + BOOK_BLOCK_LENGTH + 4;

function ladderOf(msg: { kind: string; bids: readonly Level[]; asks: readonly Level[] }): Ladder {
  const l = new Ladder();
  for (const b of msg.bids) l.set('bid', b.price, b.size);
  for (const a of msg.asks) l.set('ask', a.price, a.size);
  return l;
}

describe('Paradex SBE codec', () => {
  it('decodes an encoded book frame back to the same market, seq, time, kind and levels', () => {
    const msg = decodeSbe(encodeSbeBook(BOOK));
    expect(msg).toEqual({ type: 'book', market: BOOK.market, seq: BOOK.seq, ts: BOOK.ts, kind: 'snapshot', bids: BOOK.bids, asks: BOOK.asks });
  });

  it('lays the frame out as the venue does: header 89/3/1/1, 16-byte level entries, market last', () => {
    const frame = encodeSbeBook(BOOK);
    const v = new DataView(frame.buffer);
    expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true), v.getUint16(6, true)]).toEqual([89, 3, 1, 1]);
    expect(v.getBigInt64(HDR, true)).toBe(BigInt(BOOK.ts));
    expect(v.getBigInt64(HDR + 8, true)).toBe(BigInt(BOOK.seq));
    expect(v.getUint8(HDR + 16)).toBe(0);
    expect(v.getBigInt64(HDR + 17, true)).toBe(INT64_MIN);
    expect([v.getUint16(HDR + 89, true), v.getUint16(HDR + 91, true)]).toEqual([16, 2]);
    expect(v.getBigInt64(firstBidOffset, true)).toBe(9_500_010_000_000n);
    expect(frame.length).toBe(HDR + 89 + 4 + 32 + 4 + 32 + 1 + 12);
    expect(Buffer.from(frame.subarray(frame.length - 12)).toString()).toBe('BTC-USD-PERP');
  });

  it('decodes delta frames and the best API levels', () => {
    const msg = decodeSbe(
      encodeSbeBook({ ...BOOK, kind: 'delta', bids: [{ price: 1, size: 0 }], asks: [], bestBidApi: { price: 95_000.1, size: 0.5 } }),
    );
    expect(msg).toMatchObject({ type: 'book', kind: 'delta', bids: [{ price: 1, size: 0 }], asks: [], bestBidApi: { price: 95_000.1, size: 0.5 } });
    expect(msg.type === 'book' && msg.bestAskApi).toBeFalsy();
  });

  it('still decodes frames of a newer schema whose root block and level entries are longer', () => {
    const frame = encodeSbeBook({ ...BOOK, blockLength: 120, entryBlockLength: 24 });
    // Fill the appended bytes with junk: a decoder that ignores the declared lengths would misread them.
    const v = new DataView(frame.buffer);
    for (let at = HDR + 89; at < HDR + 120; at++) v.setUint8(at, 0xab);
    expect(decodeSbe(frame)).toMatchObject({ market: BOOK.market, bids: BOOK.bids, asks: BOOK.asks, seq: BOOK.seq });
    const ladder = new Ladder();
    expect(decodeSbeBookInto(frame, ladder)).toEqual({ market: BOOK.market, seq: BOOK.seq, ts: BOOK.ts, kind: 'snapshot' });
    expect(ladder.snapshot({ receivedAt: 0 })).toMatchObject({ bids: BOOK.bids, asks: BOOK.asks });
  });

  it('gives every price the nearest double to its decimal value, like Number("12345.6789")', () => {
    const decimals = ['12345.6789', '0.1', '0.29', '9999999.99999999', '95000.12345678', '0.00000001', '3500.07', '1.005'];
    for (const d of decimals) {
      const [int, frac = ''] = d.split('.');
      const mantissa = BigInt(int! + frac.padEnd(8, '0'));
      const frame = withInt64(encodeSbeBook({ ...BOOK, bids: [{ price: 1, size: 1 }], asks: [] }), firstBidOffset, mantissa);
      const ref = decodeSbe(frame);
      expect(ref.type === 'book' && ref.bids[0]!.price).toBe(Number(d));
      const ladder = new Ladder();
      decodeSbeBookInto(frame, ladder);
      expect(ladder.bestBidPrice()).toBe(Number(d));
    }
  });

  it('converts any 8-decimal mantissa exactly, including ones beyond 2^53', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (m) => {
        const s = m.toString().padStart(9, '0');
        const expected = Number(`${s.slice(0, -8)}.${s.slice(-8)}`);
        expect(mantissaToNumber(m)).toBe(expected);
        const frame = withInt64(encodeSbeBook({ ...BOOK, bids: [{ price: 1, size: 1 }], asks: [] }), firstBidOffset, m);
        const ladder = new Ladder();
        decodeSbeBookInto(frame, ladder);
        expect(ladder.bestBidPrice()).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a frame cut short at every byte offset, in both decoders, without touching the book', () => {
    const frame = encodeSbeBook(BOOK);
    const ladder = new Ladder();
    ladder.set('bid', 1, 1);
    for (let n = 0; n < frame.length; n++) {
      const cut = frame.subarray(0, n);
      expect(() => decodeSbe(cut)).toThrow(SbeDecodeError);
      expect(() => decodeSbeBookInto(cut, ladder)).toThrow(SbeDecodeError);
    }
    expect(ladder.snapshot({ receivedAt: 0 }).bids).toEqual([{ price: 1, size: 1 }]);
  });

  it('treats INT64_MIN best-API levels as absent but rejects a null inside a price level', () => {
    const frame = encodeSbeBook(BOOK);
    const msg = decodeSbe(frame);
    expect(msg.type === 'book' && 'bestBidApi' in msg).toBe(false);
    const nullPrice = withInt64(frame, firstBidOffset, INT64_MIN);
    expect(() => decodeSbe(nullPrice)).toThrow(/null/);
    expect(() => decodeSbeBookInto(nullPrice, new Ladder())).toThrow(SbeDecodeError);
  });

  it('rejects negative prices, sizes, seq and times, a zero price and an unknown package type', () => {
    const frame = encodeSbeBook(BOOK);
    const bad = [
      withInt64(frame, firstBidOffset, -1n),
      withInt64(frame, firstBidOffset + 8, -5n),
      withInt64(frame, firstBidOffset, 0n),
      withInt64(frame, HDR + 8, -1n),
      withInt64(frame, HDR, -1n),
      withInt64(frame, HDR + 57, -3n),
      (() => {
        const f = frame.slice();
        f[HDR + 16] = 7;
        return f;
      })(),
    ];
    for (const f of bad) {
      expect(() => decodeSbe(f)).toThrow(SbeDecodeError);
      expect(() => decodeSbeBookInto(f, new Ladder())).toThrow(SbeDecodeError);
    }
  });

  it('rejects a wrong schema id, a root block shorter than the schema, and impossible group counts', () => {
    const frame = encodeSbeBook(BOOK);
    const mutate = (at: number, v: number): Uint8Array => {
      const f = frame.slice();
      new DataView(f.buffer).setUint16(at, v, true);
      return f;
    };
    for (const f of [mutate(4, 2), mutate(0, 88), mutate(HDR + 91, 3), mutate(HDR + 91, 0xffff), mutate(HDR + 89, 8)]) {
      expect(() => decodeSbe(f)).toThrow(SbeDecodeError);
      expect(() => decodeSbeBookInto(f, new Ladder())).toThrow(SbeDecodeError);
    }
  });

  it('decodes heartbeats and BBO frames, and reports unknown templates without failing', () => {
    expect(decodeSbe(encodeSbeHeartbeat(1_760_000_000_000_000, 42))).toEqual({ type: 'heartbeat', ts: 1_760_000_000_000_000, seq: 42 });
    expect(decodeSbe(encodeSbeBbo({ market: 'ETH-USD-PERP', seq: 9, ts: 5, bid: { price: 3500.01, size: 2 } }))).toEqual({
      type: 'bbo',
      market: 'ETH-USD-PERP',
      seq: 9,
      ts: 5,
      bid: { price: 3500.01, size: 2 },
    });
    const trade = encodeSbeHeartbeat(1, 1);
    new DataView(trade.buffer).setUint16(2, TEMPLATE.trade, true);
    expect(decodeSbe(trade)).toEqual({ type: 'unknown', templateId: TEMPLATE.trade });
    const ladder = new Ladder();
    ladder.set('ask', 5, 1);
    expect(decodeSbeBookInto(encodeSbeHeartbeat(1, 1), ladder)).toBeNull();
    expect(ladder.askCount).toBe(1);
  });

  it('applies a snapshot as a replacement and a delta as changes, size 0 removing a level', () => {
    const ladder = new Ladder();
    decodeSbeBookInto(encodeSbeBook(BOOK), ladder);
    decodeSbeBookInto(
      encodeSbeBook({ ...BOOK, kind: 'delta', seq: BOOK.seq + 1, bids: [{ price: 95_000.1, size: 0 }], asks: [{ price: 95_000.3, size: 1 }] }),
      ladder,
    );
    expect(ladder.snapshot({ receivedAt: 0 })).toMatchObject({
      bids: [{ price: 94_999.9, size: 1.25 }],
      asks: [
        { price: 95_000.2, size: 0.00001 },
        { price: 95_000.3, size: 1 },
        { price: 95_010, size: 3 },
      ],
    });
    decodeSbeBookInto(encodeSbeBook({ ...BOOK, bids: [], asks: [{ price: 2, size: 2 }] }), ladder);
    expect(ladder.snapshot({ receivedAt: 0 })).toMatchObject({ bids: [], asks: [{ price: 2, size: 2 }] });
  });

  it('encoder refuses values the schema cannot carry', () => {
    expect(() => encodeSbeBook({ ...BOOK, bids: [{ price: Number.NaN, size: 1 }] })).toThrow(RangeError);
    expect(() => encodeSbeBook({ ...BOOK, asks: [{ price: 1, size: -1 }] })).toThrow(RangeError);
    expect(() => encodeSbeBook({ ...BOOK, market: '' })).toThrow(RangeError);
    expect(() => encodeSbeBook({ ...BOOK, blockLength: 50 })).toThrow(RangeError);
  });
});

// --- the fast path agrees with the reference decoder on valid and damaged frames -----------------

const priceArb = fc.integer({ min: 1, max: 1_000_000_000_000_000 }).map((m) => m / 1e8);
const sizeArb = fc.integer({ min: 0, max: 10_000_000_000_000 }).map((m) => m / 1e8);
const levelsArb = fc.array(fc.record({ price: priceArb, size: sizeArb }), { maxLength: 20 });
const sbeBookArb: fc.Arbitrary<SbeBookInput> = fc.record({
  market: fc.constantFrom('BTC-USD-PERP', 'ETH-USD-PERP', 'É'),
  seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  ts: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  kind: fc.constantFrom('snapshot' as const, 'delta' as const),
  bids: levelsArb,
  asks: levelsArb,
  blockLength: fc.integer({ min: 89, max: 140 }),
  entryBlockLength: fc.integer({ min: 16, max: 32 }),
});

type Outcome = { ok: false } | { ok: true; header: unknown; book: unknown };

function viaReference(frame: Uint8Array, start: Ladder): Outcome {
  try {
    const msg = decodeSbe(frame);
    if (msg.type !== 'book') return { ok: true, header: null, book: start.snapshot({ receivedAt: 0 }) };
    if (msg.kind === 'snapshot') start.clear();
    for (const b of msg.bids) start.set('bid', b.price, b.size);
    for (const a of msg.asks) start.set('ask', a.price, a.size);
    return { ok: true, header: { market: msg.market, seq: msg.seq, ts: msg.ts, kind: msg.kind }, book: start.snapshot({ receivedAt: 0 }) };
  } catch (e) {
    expect(e).toBeInstanceOf(SbeDecodeError);
    return { ok: false };
  }
}

function viaFastPath(frame: Uint8Array, start: Ladder, decoder: SbeBookDecoder): Outcome {
  try {
    const header = decodeSbeBookInto(frame, start, decoder);
    return { ok: true, header, book: start.snapshot({ receivedAt: 0 }) };
  } catch (e) {
    expect(e).toBeInstanceOf(SbeDecodeError);
    return { ok: false };
  }
}

describe('SBE fast path', () => {
  it('builds exactly the book the reference decoder builds, for valid, mutated and truncated frames', () => {
    const decoder = new SbeBookDecoder();
    const mutationArb = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 });
    fc.assert(
      fc.property(sbeBookArb, mutationArb, fc.option(fc.nat(), { nil: undefined }), levelsArb, (input, mutations, cutAt, startLevels) => {
        let frame = encodeSbeBook(input);
        for (const m of mutations) frame[m.at % frame.length] = m.byte;
        if (cutAt !== undefined) frame = frame.subarray(0, cutAt % (frame.length + 1));
        const start = ladderOf({ kind: 'snapshot', bids: startLevels, asks: startLevels });
        const ref = viaReference(frame, ladderOf({ kind: 'snapshot', bids: startLevels, asks: startLevels }));
        const fast = viaFastPath(frame, start, decoder);
        expect(fast).toEqual(ref);
        if (!fast.ok) expect(start.snapshot({ receivedAt: 0 })).toEqual(ladderOf({ kind: 's', bids: startLevels, asks: startLevels }).snapshot({ receivedAt: 0 }));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('SBE fast path on lopsided frames', () => {
  it('keeps the bids of a snapshot with 10 bids and 100 asks (the ask group must not reallocate the bids)', () => {
    const bids = Array.from({ length: 10 }, (_, i) => ({ price: 95_000 - i, size: 0.5 + i }));
    const asks = Array.from({ length: 100 }, (_, i) => ({ price: 95_001 + i, size: 1 }));
    const ladder = new Ladder();
    decodeSbeBookInto(encodeSbeBook({ ...BOOK, bids, asks }), ladder, new SbeBookDecoder());
    expect(ladder.snapshot({ receivedAt: 0 })).toEqual({ bids, asks, receivedAt: 0 });
  });

  it('keeps the bids of a delta whose ask group outgrows every earlier frame', () => {
    const decoder = new SbeBookDecoder();
    const ladder = new Ladder();
    decodeSbeBookInto(encodeSbeBook({ ...BOOK, bids: [{ price: 10, size: 1 }], asks: [{ price: 2_000, size: 1 }] }), ladder, decoder);
    const asks = Array.from({ length: 300 }, (_, i) => ({ price: 1_000 + i, size: 2 }));
    decodeSbeBookInto(encodeSbeBook({ ...BOOK, kind: 'delta', bids: [{ price: 11, size: 3 }], asks }), ladder, decoder);
    expect(ladder.bestBidPrice()).toBe(11);
    expect(ladder.bidCount).toBe(2);
    expect(ladder.askCount).toBe(301);
  });
});

describe('SBE fast path on venue-shaped snapshots', () => {
  const uniqueLevels = fc.uniqueArray(fc.record({ price: priceArb, size: sizeArb }), { selector: (l) => l.price, maxLength: 40 });

  it('copies a best-first snapshot whole and builds exactly the reference book, size-0 levels included', () => {
    const decoder = new SbeBookDecoder();
    fc.assert(
      fc.property(sbeBookArb, uniqueLevels, uniqueLevels, levelsArb, (input, bids, asks, startLevels) => {
        const snapshot: SbeBookInput = {
          ...input,
          kind: 'snapshot',
          bids: [...bids].sort((x, y) => y.price - x.price),
          asks: [...asks].sort((x, y) => x.price - y.price),
        };
        const frame = encodeSbeBook(snapshot);
        const start = ladderOf({ kind: 'snapshot', bids: startLevels, asks: startLevels });
        const fast = viaFastPath(frame, start, decoder);
        expect(fast).toEqual(viaReference(frame, ladderOf({ kind: 'snapshot', bids: startLevels, asks: startLevels })));
        expect(fast.ok).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('applies a snapshot that repeats a price or is out of order level by level, the last size winning', () => {
    const ladder = ladderOf({ kind: 'snapshot', bids: [{ price: 1, size: 1 }], asks: [{ price: 500, size: 1 }] });
    const frame = encodeSbeBook({
      ...BOOK,
      bids: [
        { price: 100, size: 1 },
        { price: 99, size: 2 },
        { price: 100, size: 3 },
      ],
      asks: [
        { price: 102, size: 1 },
        { price: 101, size: 0 },
        { price: 101.5, size: 4 },
      ],
    });
    decodeSbeBookInto(frame, ladder);
    expect(ladder.snapshot({ receivedAt: 0 })).toEqual({
      bids: [
        { price: 100, size: 3 },
        { price: 99, size: 2 },
      ],
      asks: [
        { price: 101.5, size: 4 },
        { price: 102, size: 1 },
      ],
      receivedAt: 0,
    });
  });
});
