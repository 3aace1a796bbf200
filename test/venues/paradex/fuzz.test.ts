import fc from 'fast-check';
import { isCrossed, type OrderBook } from '../../../src/domain/order-book';
import { ParadexBookState } from '../../../src/venues/paradex/book-client';
import { decodeParadexJsonZod, encodeParadexBookPush } from '../../../src/venues/paradex/json-codec';
import { decodeSbe, encodeSbeBook, encodeSbeHeartbeat } from '../../../src/venues/paradex/sbe';

const M = 'BTC-USD-PERP';
const levelsArb = fc.array(
  fc.record({ price: fc.integer({ min: 1, max: 20_000_000 }).map((t) => t / 100), size: fc.integer({ min: 0, max: 1_000_000 }).map((s) => s / 1000) }),
  { maxLength: 6 },
);
const updateArb = fc.record({
  seqStep: fc.constantFrom(1, 1, 1, 1, 2, 0, -1),
  kind: fc.constantFrom('snapshot' as const, 'delta' as const, 'delta' as const),
  bids: levelsArb,
  asks: levelsArb,
  market: fc.constantFrom(M, M, M, 'ETH-USD-PERP'),
});

/** Values that break the schema in different ways when put in place of a field. */
const junkValueArb = fc.constantFrom<unknown>(null, -1, 1.5, 'x', '', [], {}, [1, 2], { side: 'BUY' }, true, [{ side: 'BUY', price: '1', size: 'x' }], 2 ** 60);

type Damage =
  | { kind: 'none' }
  | { kind: 'cut'; at: number }
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'junk'; bytes: Uint8Array };
const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('junk' as const), bytes: fc.uint8Array({ maxLength: 200 }) }), weight: 1 },
);

function damageBytes(frame: Uint8Array, d: Damage): Uint8Array {
  switch (d.kind) {
    case 'none':
      return frame;
    case 'cut':
      return frame.subarray(0, d.at % frame.length);
    case 'flip': {
      const f = frame.slice();
      f[d.at % f.length] = d.value;
      return f;
    }
    case 'junk':
      return d.bytes;
  }
}

function damageText(text: string, d: Damage): string {
  switch (d.kind) {
    case 'none':
      return text;
    case 'cut':
      return text.slice(0, d.at % text.length);
    case 'flip':
      return text.slice(0, d.at % text.length) + String.fromCharCode(32 + (d.value % 95)) + text.slice((d.at % text.length) + 1);
    case 'junk':
      return Buffer.from(d.bytes).toString('latin1');
  }
}

/** Every emitted book must be usable: sorted, positive, uncrossed. (Plain checks: expect() per level is slow.) */
function usable(b: OrderBook): boolean {
  if (isCrossed(b)) return false;
  for (const side of [b.bids, b.asks]) for (const l of side) if (!(l.price > 0 && l.size > 0 && Number.isFinite(l.price + l.size))) return false;
  for (let i = 1; i < b.bids.length; i++) if (!(b.bids[i]!.price < b.bids[i - 1]!.price)) return false;
  for (let i = 1; i < b.asks.length; i++) if (!(b.asks[i]!.price > b.asks[i - 1]!.price)) return false;
  return true;
}

function sbeIsBad(frame: Uint8Array): boolean {
  try {
    decodeSbe(frame);
    return false;
  } catch {
    return true;
  }
}

describe('Paradex frame handler under damaged input', () => {
  it('survives 10,000+ damaged SBE frames, counting exactly the undecodable ones', () => {
    let frames = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(updateArb, damageArb), { minLength: 1, maxLength: 8 }), (script) => {
        const state = new ParadexBookState(M);
        let seq = 100;
        let bad = 0;
        for (const [u, damage] of script) {
          seq = Math.max(0, seq + u.seqStep);
          const raw = u.kind === 'snapshot' && u.seqStep === 0 ? encodeSbeHeartbeat(1, seq) : encodeSbeBook({ ...u, seq, ts: seq * 1000 });
          const frame = damageBytes(raw, damage);
          if (sbeIsBad(frame)) bad++;
          const r = state.handleFrame(frame, true, seq);
          if (r.type === 'book' && !usable(r.book)) throw new Error(`unusable book emitted: ${JSON.stringify(r.book)}`);
          frames++;
        }
        expect(state.stats.decodeErrors).toBe(bad);
        expect(state.stats.frames).toBe(script.length);
      }),
      { numRuns: 2500 },
    );
    expect(frames).toBeGreaterThanOrEqual(10_000);
  });

  it('survives 10,000+ damaged JSON frames, counting exactly the invalid ones', () => {
    let frames = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(updateArb, damageArb, junkValueArb), { minLength: 1, maxLength: 8 }), (script) => {
        const state = new ParadexBookState(M);
        let seq = 100;
        let bad = 0;
        for (const [u, damage, junkValue] of script) {
          seq = Math.max(0, seq + u.seqStep);
          let text = encodeParadexBookPush({ ...u, channel: `order_book.${M}.deltas`, seq, ts: seq });
          // Also damage the structure: a field replaced by an arbitrary JSON value.
          if (damage.kind === 'flip' && damage.value < 40) {
            const msg = JSON.parse(text) as { params: { data: Record<string, unknown> } };
            const keys = Object.keys(msg.params.data);
            msg.params.data[keys[damage.at % keys.length]!] = junkValue;
            text = JSON.stringify(msg);
          } else {
            text = damageText(text, damage);
          }
          if (decodeParadexJsonZod(text).type === 'invalid') bad++;
          const r = state.handleFrame(Buffer.from(text), false, seq);
          if (r.type === 'book' && !usable(r.book)) throw new Error(`unusable book emitted: ${JSON.stringify(r.book)}`);
          frames++;
        }
        expect(state.stats.decodeErrors).toBe(bad);
      }),
      { numRuns: 2500 },
    );
    expect(frames).toBeGreaterThanOrEqual(10_000);
  });
});
