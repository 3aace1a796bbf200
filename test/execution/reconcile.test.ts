import { deriveState, type JournalEntry } from '../../src/execution/journal';
import { position } from './position-fixture';
import {
  closeReduction,
  creditCloseReduction,
  entryPlanText,
  expectedHoldings,
  fillFromLookup,
  holdingMismatches,
  journalExposure,
  unexplainedEntryHoldings,
  unhedgedOf,
} from '../../src/execution/reconcile';

const PAIR = 'BTC-PERP';
const opening: JournalEntry = {
  kind: 'opening',
  pair: PAIR,
  time: 1,
  direction: 'AOverB',
  size: 0.01,
  detectedSpread: 0.3,
  long: { venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'L', size: 0.01, priceCap: 100_500, lookupRef: '17' },
  short: { venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 'S', size: 0.01, priceCap: 99_800 },
};
const fill = (phase: 'open' | 'unwind' | 'close', leg: 'long' | 'short', clientId: string, filledSize: number, unresolved = false): JournalEntry => ({
  kind: 'leg_filled',
  pair: PAIR,
  time: 2,
  phase,
  leg,
  fill: {
    venue: leg === 'long' ? 'vest' : 'paradex',
    symbol: leg === 'long' ? 'BTC-PERP' : 'BTC-USD-PERP',
    side: (leg === 'long') === (phase === 'open') ? 'BUY' : 'SELL',
    clientId,
    requestedSize: 0.01,
    filledSize,
    avgPrice: filledSize > 0 ? 100_000 : undefined,
    feeUsd: 0,
    ...(unresolved ? { unresolved } : {}),
  },
});

describe('journalExposure (what a pair leaves if the process stops now)', () => {
  it('an entry with one leg filled and the other unanswered: the lone leg, and the order nobody saw answered', () => {
    const e = journalExposure(PAIR, deriveState([opening, fill('open', 'long', 'L', 0.01)], PAIR), true);
    expect(e).toEqual({
      pair: PAIR,
      unhedged: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }],
      pendingOrders: [{ venue: 'paradex', symbol: 'BTC-USD-PERP', side: 'SELL', clientId: 'S', size: 0.01 }],
      source: 'journal',
      note: 'entry unfinished',
    });
  });

  it('an unwind in flight: the unwind order is pending', () => {
    const unwindOrder: JournalEntry = { kind: 'unwind_order', pair: PAIR, time: 3, leg: 'long', venue: 'vest', symbol: 'BTC-PERP', side: 'SELL', clientId: 'U', lookupRef: '18', size: 0.01 };
    const e = journalExposure(PAIR, deriveState([opening, fill('open', 'long', 'L', 0.01), fill('open', 'short', 'S', 0), unwindOrder], PAIR), true);
    expect(e).toMatchObject({ unhedged: [{ venue: 'vest', size: 0.01 }], pendingOrders: [{ clientId: 'U', lookupRef: '18' }], note: 'unwind unfinished' });
  });

  it('a close with one leg done: the other leg is unhedged', () => {
    const entries: JournalEntry[] = [
      { kind: 'open', pair: PAIR, time: 1, position },
      { kind: 'closing', pair: PAIR, time: 2, clientIds: { long: 'cl', short: 'cs' } },
      fill('close', 'long', 'cl', 0.01),
    ];
    expect(journalExposure(PAIR, deriveState(entries, PAIR), false)).toMatchObject({
      unhedged: [{ venue: 'paradex', symbol: 'BTC-USD-PERP', size: -0.01 }],
      pendingOrders: [{ clientId: 'cs', side: 'BUY' }],
      note: 'close unfinished',
    });
  });

  it('nothing for a flat pair or a hedged position at rest; recorded exposure is listed', () => {
    expect(journalExposure(PAIR, deriveState([], PAIR), false)).toBeUndefined();
    expect(journalExposure(PAIR, deriveState([{ kind: 'open', pair: PAIR, time: 1, position }], PAIR), false)).toBeUndefined();
    const exposed: JournalEntry = { kind: 'exposed', pair: PAIR, time: 3, reason: 'unwind failed', exposure: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }, { venue: 'paradex', symbol: 'BTC-USD-PERP', size: 0 }] };
    expect(journalExposure(PAIR, deriveState([opening, exposed], PAIR), false)).toMatchObject({ unhedged: [{ venue: 'vest', size: 0.01 }], pendingOrders: [] });
  });
});

describe('reconciliation rules', () => {
  it('a common opposite size is a hedge; the rest is exposure', () => {
    expect(unhedgedOf({ venue: 'vest', symbol: 'A', size: 0.01 }, { venue: 'paradex', symbol: 'B', size: -0.004 })).toEqual([{ venue: 'vest', symbol: 'A', size: 0.006 }]);
    expect(unhedgedOf({ venue: 'vest', symbol: 'A', size: 0.01 }, { venue: 'paradex', symbol: 'B', size: -0.01 })).toEqual([]);
    expect(unhedgedOf({ venue: 'vest', symbol: 'A', size: 0.01 }, { venue: 'paradex', symbol: 'B', size: 0.01 })).toHaveLength(2);
  });

  it('names each venue whose holding differs from the journal', () => {
    const expected = expectedHoldings(deriveState([{ kind: 'open', pair: PAIR, time: 1, position }], PAIR), { a: 'vest', b: 'paradex' })!;
    expect(expected).toEqual({ a: 0.01, b: -0.01 });
    expect(holdingMismatches(expected, { a: 0.01, b: 0 }, { a: 'vest BTC-PERP', b: 'paradex BTC-USD-PERP' })).toEqual([
      'paradex BTC-USD-PERP: journal expects short 0.01, venue reports flat',
    ]);
    expect(expectedHoldings(deriveState([opening], PAIR), { a: 'vest', b: 'paradex' })).toBeUndefined();
  });
});

describe('restart rules (pure)', () => {
  const legPlan = { venue: 'vest' as const, symbol: 'BTC-PERP', side: 'BUY' as const, clientId: 'L', size: 0.01, lookupRef: '17' };

  it('reads a looked-up order as a fill, and an order the venue never saw as nothing filled', () => {
    const found = fillFromLookup(legPlan, { ok: true, clientId: 'L', orderId: 'o', status: 'FILLED', filledSize: 0.01, avgPrice: 100_010, feeUsd: 0.1 }, 'entry leg', 1);
    expect(found).toEqual({ venue: 'vest', symbol: 'BTC-PERP', side: 'BUY', clientId: 'L', requestedSize: 0.01, lookupRef: '17', filledSize: 0.01, avgPrice: 100_010, feeUsd: 0.1 });
    const partial = fillFromLookup(legPlan, { ok: true, clientId: 'L', orderId: 'o', status: 'CANCELLED', filledSize: 0.004, avgPrice: 100_010, feeUsd: 0.04 }, 'entry leg', 1);
    expect(partial.filledSize).toBe(0.004);
    expect(partial.reason).toBe('filled 0.004 of 0.01 (CANCELLED, found after a restart)');
    const never = fillFromLookup(legPlan, undefined, 'unwind', 1);
    expect(never).toMatchObject({ filledSize: 0, avgPrice: undefined, feeUsd: 0, reason: 'unwind not found at the venue after a restart: never arrived' });
    // A fee in USDC (the venues' currency unless they say otherwise) counts in USD at the entry's rate; one in USD as is.
    expect(fillFromLookup(legPlan, { ok: true, clientId: 'L', orderId: 'o', status: 'FILLED', filledSize: 0.01, avgPrice: 100_010, feeUsd: 0.1 }, 'entry leg', 0.99).feeUsd).toBeCloseTo(0.099, 12);
    expect(fillFromLookup(legPlan, { ok: true, clientId: 'L', orderId: 'o', status: 'FILLED', filledSize: 0.01, avgPrice: 100_010, feeUsd: 0.1, feeCurrency: 'USD' }, 'entry leg', 0.99).feeUsd).toBe(0.1);
    const rejected = fillFromLookup(legPlan, { ok: false, clientId: 'L', reason: 'margin', code: 'E1', unknown: false }, 'entry leg', 1);
    expect(rejected).toMatchObject({ filledSize: 0, reason: 'margin (E1) (found after a restart)' });
  });

  it('names each leg whose venue holds other than the entry’s orders explain', () => {
    const o = opening as Extract<JournalEntry, { kind: 'opening' }>;
    expect(unexplainedEntryHoldings(o, { long: 0.01, short: 0.01 }, { long: 0.01, short: 0.01 })).toEqual([]);
    expect(unexplainedEntryHoldings(o, { long: 0.01, short: 0 }, { long: 0.01, short: 0.01 })).toEqual([
      "paradex BTC-USD-PERP: the entry's orders explain flat, venue reports short 0.01",
    ]);
  });

  it('says what finishing an entry will keep and unwind', () => {
    expect(entryPlanText({ long: 0.01, short: 0.004 }, 0.001, { long: 'vest', short: 'paradex' })).toBe(
      'vest long 0.01, paradex short 0.004: keep a hedge of up to 0.004 if it clears the minimum notional, unwind the rest with reduce-only orders',
    );
    expect(entryPlanText({ long: 0, short: 0 }, 0.001, { long: 'vest', short: 'paradex' })).toBe('vest flat, paradex flat: nothing to keep or unwind');
  });

  it('measures what a close took off a leg, and refuses what a reduce-only close cannot do', () => {
    expect(closeReduction(0.01, 0.004)).toBe(0.006);
    expect(closeReduction(0.01, 0)).toBe(0.01);
    expect(closeReduction(0.01, 0.01)).toBe(0);
    expect(closeReduction(0.01, 0.02)).toBe('impossible');
    expect(closeReduction(0.01, -0.001)).toBe('impossible');
  });

  it('credits a reduction to the close orders found filled, in order and no more than the reduction', () => {
    const leg = { key: 'long' as const, venue: 'vest' as const, symbol: 'BTC-PERP', closeSide: 'SELL' as const, entryPrice: 100_000, usdcUsd: 1 };
    const accepted = (filledSize: number, avgPrice: number | undefined) => ({ ok: true as const, clientId: 'x', orderId: 'o', status: 'FILLED' as const, filledSize, avgPrice, feeUsd: 0.05 });
    const fills = creditCloseReduction(leg, 0.01, 0.006, [
      { clientId: 'c1', lookupRef: 'n1', outcome: accepted(0.004, 100_100) },
      { clientId: 'c2', outcome: accepted(0.004, undefined) },
      { clientId: 'c3', outcome: accepted(0.004, 100_200) },
    ]);
    expect(fills).toEqual([
      { venue: 'vest', symbol: 'BTC-PERP', side: 'SELL', clientId: 'c1', requestedSize: 0.01, filledSize: 0.004, avgPrice: 100_100, feeUsd: 0.05, reason: 'partially filled 0.004 of 0.01 (found after a restart)', lookupRef: 'n1' },
      { venue: 'vest', symbol: 'BTC-PERP', side: 'SELL', clientId: 'c2', requestedSize: 0.01, filledSize: 0.002, avgPrice: 100_000, feeUsd: 0.05, reason: 'partially filled 0.002 of 0.01 (found after a restart)', priceEstimated: true },
    ]);
    // Fills that do not cover the reduction (a hand-closed leg) are not ours to credit.
    expect(creditCloseReduction(leg, 0.01, 0.006, [{ clientId: 'c1', outcome: accepted(0.004, 100_100) }])).toBeUndefined();
  });
});
