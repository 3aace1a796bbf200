import fc from 'fast-check';
import { isCrossed } from '../../../src/domain/order-book';
import { VestBookState } from '../../../src/venues/vest/book-client';
import { decodeVestMessage, encodeVestDepth } from '../../../src/venues/vest/codec';

const S = 'BTC-PERP';
const levelsArb = fc.array(
  fc.record({ price: fc.integer({ min: 1, max: 20_000_000 }).map((t) => t / 100), size: fc.integer({ min: 0, max: 1_000_000 }).map((s) => s / 1000) }),
  { maxLength: 8 },
);

describe('Vest frame handler under damaged input', () => {
  it('survives 10,000+ damaged frames, counting exactly the invalid ones and emitting only usable books', () => {
    let frames = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            levelsArb,
            levelsArb,
            fc.oneof(
              fc.constant(undefined),
              fc.record({ at: fc.nat(), cut: fc.boolean(), ch: fc.integer({ min: 32, max: 126 }) }),
            ),
            fc.option(fc.jsonValue({ maxDepth: 2 }), { freq: 6 }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (script) => {
          const state = new VestBookState(S);
          let bad = 0;
          for (const [bids, asks, damage, junk] of script) {
            let text = encodeVestDepth(S, bids, asks);
            if (junk !== null) text = JSON.stringify({ channel: `${S}@depth`, data: { bids: junk, asks: [] } });
            else if (damage) {
              const at = damage.at % text.length;
              text = damage.cut ? text.slice(0, at) : text.slice(0, at) + String.fromCharCode(damage.ch) + text.slice(at + 1);
            }
            if (decodeVestMessage(text).type === 'invalid') bad++;
            const r = state.handleFrame(Buffer.from(text), false, 1);
            if (r.type === 'book' && (isCrossed(r.book) || [...r.book.bids, ...r.book.asks].some((l) => !(l.price > 0 && l.size > 0)))) {
              throw new Error(`unusable book emitted: ${JSON.stringify(r.book)}`);
            }
            frames++;
          }
          expect(state.stats.decodeErrors).toBe(bad);
        },
      ),
      { numRuns: 2500 },
    );
    expect(frames).toBeGreaterThanOrEqual(10_000);
  });
});
