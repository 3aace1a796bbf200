import fc from 'fast-check';
import {
  decodeParadexJson,
  decodeParadexJsonZod,
  encodeParadexBookPush,
  paradexRequest,
  type ParadexJsonMessage,
} from '../../../src/venues/paradex/json-codec';

/** The documented example (venues.md §1.5a). */
const SNAPSHOT_PUSH = {
  jsonrpc: '2.0',
  method: 'subscription',
  params: {
    channel: 'order_book.BTC-USD-PERP.snapshot@15@50ms',
    data: {
      seq_no: 14127815,
      market: 'BTC-USD-PERP',
      last_updated_at: 1718267837265,
      update_type: 's',
      inserts: [
        { side: 'BUY', price: '67629.7', size: '0.992' },
        { side: 'SELL', price: '69378.6', size: '3.137' },
      ],
      updates: [],
      deletes: [],
    },
  },
};

function both(text: string): ParadexJsonMessage {
  const fast = decodeParadexJson(text);
  const ref = decodeParadexJsonZod(text);
  expect(fast.type).toBe(ref.type);
  if (fast.type !== 'invalid') expect(fast).toEqual(ref);
  return fast;
}

describe('Paradex JSON codec', () => {
  it('decodes the documented order_book snapshot push into bids and asks', () => {
    expect(both(JSON.stringify(SNAPSHOT_PUSH))).toEqual({
      type: 'book',
      channel: 'order_book.BTC-USD-PERP.snapshot@15@50ms',
      market: 'BTC-USD-PERP',
      seq: 14127815,
      ts: 1718267837265,
      kind: 'snapshot',
      bids: [{ price: 67629.7, size: 0.992 }],
      asks: [{ price: 69378.6, size: 3.137 }],
    });
  });

  it('turns a delta into level changes: deletes as size 0 first, then inserts and updates', () => {
    const push = structuredClone(SNAPSHOT_PUSH);
    Object.assign(push.params.data, {
      update_type: 'd',
      inserts: [{ side: 'SELL', price: '69380', size: '1' }],
      updates: [{ side: 'BUY', price: '67629.7', size: '0.5' }],
      deletes: [{ side: 'BUY', price: '67600', size: '0' }],
      best_bid_api: { side: 'BUY', price: '67629.7', size: '0.5' },
      best_ask_api: null,
    });
    expect(both(JSON.stringify(push))).toMatchObject({
      kind: 'delta',
      bids: [
        { price: 67600, size: 0 },
        { price: 67629.7, size: 0.5 },
      ],
      asks: [{ price: 69380, size: 1 }],
      bestBidApi: { price: 67629.7, size: 0.5 },
    });
  });

  it('reads subscribe and auth acks, and error replies with their code, message and data', () => {
    expect(both('{"jsonrpc":"2.0","result":{"channel":"bbo.BTC-USD-PERP"},"usIn":1,"usDiff":2,"id":3}')).toEqual({
      type: 'ack',
      id: 3,
      channel: 'bbo.BTC-USD-PERP',
    });
    expect(both('{"jsonrpc":"2.0","result":{"node_id":"n-1"},"id":0}')).toEqual({ type: 'ack', id: 0, nodeId: 'n-1' });
    expect(
      both('{"jsonrpc":"2.0","error":{"code":-32600,"message":"invalid subscribe request","data":"no parameters expected for deltas topic."},"id":4}'),
    ).toEqual({ type: 'error', id: 4, code: -32600, message: 'invalid subscribe request', data: 'no parameters expected for deltas topic.' });
    expect(both('{"jsonrpc":"2.0","error":{"code":-32700,"message":"parse error"},"id":null}')).toEqual({
      type: 'error',
      id: null,
      code: -32700,
      message: 'parse error',
    });
  });

  it('decodes BBO pushes and passes other channels through by name', () => {
    const bbo = {
      jsonrpc: '2.0',
      method: 'subscription',
      params: {
        channel: 'bbo.ETH-USD-PERP',
        data: { market: 'ETH-USD-PERP', seq_no: 5, bid: '3500.1', bid_size: '2', ask: '3500.2', ask_size: '1', last_updated_at: 9 },
      },
    };
    expect(both(JSON.stringify(bbo))).toEqual({
      type: 'bbo',
      channel: 'bbo.ETH-USD-PERP',
      market: 'ETH-USD-PERP',
      seq: 5,
      ts: 9,
      bid: { price: 3500.1, size: 2 },
      ask: { price: 3500.2, size: 1 },
    });
    expect(both('{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.ALL","data":{}}}')).toEqual({ type: 'push', channel: 'trades.ALL' });
  });

  it.each([
    ['not JSON', '{"jsonrpc":'],
    ['a JSON array', '[1,2]'],
    ['seq_no missing', JSON.stringify({ ...SNAPSHOT_PUSH, params: { ...SNAPSHOT_PUSH.params, data: { ...SNAPSHOT_PUSH.params.data, seq_no: undefined } } })],
    ['seq_no negative', JSON.stringify({ ...SNAPSHOT_PUSH, params: { ...SNAPSHOT_PUSH.params, data: { ...SNAPSHOT_PUSH.params.data, seq_no: -1 } } })],
    ['seq_no fractional', JSON.stringify({ ...SNAPSHOT_PUSH, params: { ...SNAPSHOT_PUSH.params, data: { ...SNAPSHOT_PUSH.params.data, seq_no: 1.5 } } })],
    ['unknown update type', JSON.stringify({ ...SNAPSHOT_PUSH, params: { ...SNAPSHOT_PUSH.params, data: { ...SNAPSHOT_PUSH.params.data, update_type: 'x' } } })],
    ['a price in exponent form', JSON.stringify(SNAPSHOT_PUSH).replace('"67629.7"', '"6.76297e4"')],
    ['a negative size', JSON.stringify(SNAPSHOT_PUSH).replace('"0.992"', '"-0.992"')],
    ['a zero price', JSON.stringify(SNAPSHOT_PUSH).replace('"67629.7"', '"0.0"')],
    ['a numeric price', JSON.stringify(SNAPSHOT_PUSH).replace('"67629.7"', '67629.7')],
    ['an unknown side', JSON.stringify(SNAPSHOT_PUSH).replace('"BUY"', '"BID"')],
    ['an empty market', JSON.stringify(SNAPSHOT_PUSH).replace('"market":"BTC-USD-PERP"', '"market":""')],
    ['an error without a code', '{"error":{"message":"x"},"id":1}'],
  ])('rejects a frame with %s as invalid instead of throwing', (_what, text) => {
    expect(both(text).type).toBe('invalid');
  });

  it('encodes subscribe requests and book pushes the client and the venue agree on', () => {
    expect(JSON.parse(paradexRequest('subscribe', 'order_book.BTC-USD-PERP.deltas', 7))).toEqual({
      jsonrpc: '2.0',
      method: 'subscribe',
      params: { channel: 'order_book.BTC-USD-PERP.deltas' },
      id: 7,
    });
    const text = encodeParadexBookPush({
      channel: 'order_book.BTC-USD-PERP.deltas',
      market: 'BTC-USD-PERP',
      seq: 2,
      ts: 3,
      kind: 'delta',
      bids: [{ price: 100.5, size: 0 }],
      asks: [{ price: 101, size: 0.00000001 }],
    });
    expect(both(text)).toMatchObject({ kind: 'delta', bids: [{ price: 100.5, size: 0 }], asks: [{ price: 101, size: 0.00000001 }] });
  });
});

// --- hand decoder ≡ zod schema ------------------------------------------------------------------

/** Mostly valid values with a sprinkling of near-misses, so both outcomes are common. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: bad, weight: 1 });
}
const decimalArb = mostly(
  fc.integer({ min: 1, max: 10_000_000_000 }).map((m) => (m / 1000).toString()),
  fc.constantFrom('0', '0.0', '1e5', '-1', '', ' 1', '1.', '.5', 'NaN', '00012.50', 12),
);
const wireLevelArb = fc.record({ side: mostly(fc.constantFrom('BUY', 'SELL'), fc.constantFrom('buy', 'X', 1)), price: decimalArb, size: decimalArb });
const jsonValueArb = fc.jsonValue({ maxDepth: 2 });
const bookDataArb = fc.record(
  {
    seq_no: mostly(fc.nat(), fc.oneof(fc.integer({ max: -1 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant('1'))),
    market: mostly(fc.constant('BTC-USD-PERP'), fc.constantFrom('', 5)),
    last_updated_at: mostly(fc.nat(), fc.constantFrom(-5, 1.5)),
    update_type: mostly(fc.constantFrom('s', 'd'), fc.constantFrom('S', '')),
    inserts: fc.array(wireLevelArb, { maxLength: 4 }),
    updates: fc.array(wireLevelArb, { maxLength: 3 }),
    deletes: fc.array(wireLevelArb, { maxLength: 3 }),
    best_bid_api: mostly(fc.oneof(wireLevelArb, fc.constant(null)), jsonValueArb),
    best_ask_api: wireLevelArb,
  },
  { requiredKeys: ['seq_no', 'market', 'last_updated_at', 'update_type', 'inserts', 'updates', 'deletes'] },
);

describe('hand-written order_book decoder', () => {
  it('accepts and rejects exactly the frames the zod schema does, with the same values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        bookDataArb,
        fc.option(fc.tuple(fc.constantFrom('seq_no', 'market', 'inserts', 'deletes', 'update_type', 'best_ask_api'), jsonValueArb), {
          nil: undefined,
          freq: 10,
        }),
        (data, replace) => {
          const d: Record<string, unknown> = { ...data };
          if (replace) d[replace[0]] = replace[1];
          const text = JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: 'order_book.BTC-USD-PERP.deltas', data: d } });
          const fast = decodeParadexJson(text);
          const ref = decodeParadexJsonZod(text);
          expect(fast.type).toBe(ref.type);
          if (ref.type !== 'invalid') {
            accepted++;
            expect(fast).toEqual(ref);
          }
        },
      ),
      { numRuns: 5000 },
    );
    // The generator must exercise both outcomes, or the equivalence proves little.
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBeLessThan(4500);
  });
});

describe('order_book level numbers', () => {
  const digits = (maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength });
  const decimalText = fc.tuple(digits(20), fc.option(digits(20), { nil: undefined })).map(([int, frac]) => (frac === undefined ? int : `${int}.${frac}`));

  it('reads every plain decimal, short or long, as the same double Number() gives, in both decoders', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (price, size) => {
        const text = JSON.stringify({
          jsonrpc: '2.0',
          method: 'subscription',
          params: {
            channel: 'order_book.BTC-USD-PERP.deltas',
            data: { seq_no: 1, market: 'BTC-USD-PERP', last_updated_at: 1, update_type: 'd', inserts: [{ side: 'SELL', price, size }], updates: [], deletes: [] },
          },
        });
        const msg = both(text);
        if (Number(price) > 0) expect(msg).toMatchObject({ type: 'book', asks: [{ price: Number(price), size: Number(size) }] });
        else expect(msg.type).toBe('invalid');
      }),
      { numRuns: 3000 },
    );
  });
});
